"""ENV107-110 routing headers and ENV130-136 pagination: breaking exchanges and clean twins."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection

HUB = "https://hub.example.org/ocpi/2.2.1"
NOW = "2026-11-23T09:00:00Z"
TOKEN = {"country_code": "PT", "party_id": "EMS", "uid": "U1", "type": "RFID", "contract_id": "PT-EMS-C1",
         "issuer": "EMS", "valid": True, "whitelist": "ALLOWED", "last_updated": NOW}
PATCH_URL = f"{HUB}/sessions/PT/CPO/S1"
PATCH_BODY = {"kwh": 1.5, "last_updated": NOW}


def codes(tmp_path: Path, exchange: Exchange, profile: str = "ocpi-2.2.1") -> list[str]:
    """Codes of the transport rules (the single session PATCH here is no whole session)."""
    result = check_capture(write_capture(tmp_path / "c.jsonl", exchange), Selection(ignore=["SES2"]),
                           profile=PROFILES[profile], partner_role="CPO")
    return [finding.code for finding in result.findings]


def edit_headers(exchange: Exchange, side: str, drop: str = "", **replace: str) -> Exchange:
    message = exchange.request if side == "request" else exchange.response
    assert message is not None
    headers = [(k, replace.get(k.replace("-", "_"), v)) for k, v in message.headers if k != drop]
    return msgspec.structs.replace(exchange, **{side: msgspec.structs.replace(message, headers=headers)})


def tokens_page(query: str, headers: list[tuple[str, str]], count: int = 1, stamp: str = NOW) -> Exchange:
    return ocpi_exchange("GET", f"{HUB}/tokens?{query}", data=[dict(TOKEN, last_updated=stamp)] * count,
                         response_headers=headers)


def test_a_routed_functional_exchange_is_clean(tmp_path: Path) -> None:
    assert codes(tmp_path, ocpi_exchange("PATCH", PATCH_URL, PATCH_BODY)) == []


@pytest.mark.parametrize(
    ("exchange", "expected"),
    [
        (ocpi_exchange("PATCH", PATCH_URL, PATCH_BODY, routed=False), ["ENV107", "ENV107"]),
        (edit_headers(ocpi_exchange("PATCH", PATCH_URL, PATCH_BODY), "response", drop="OCPI-to-party-id"),
         ["ENV109"]),
        (ocpi_exchange("GET", "https://hub.example.org/ocpi/versions", routed=True,
                       data=[{"version": "2.2.1", "url": HUB}]), ["ENV108", "ENV108"]),
        (edit_headers(ocpi_exchange("PATCH", PATCH_URL, PATCH_BODY), "request", drop="OCPI-from-party-id"),
         ["ENV109"]),
        (edit_headers(ocpi_exchange("PATCH", PATCH_URL, PATCH_BODY), "response", OCPI_to_party_id="EMS"),
         ["ENV110"]),
        (edit_headers(ocpi_exchange("PATCH", PATCH_URL, PATCH_BODY), "request", OCPI_from_party_id="TOOLONG"),
         ["ENV109"]),
    ],
    ids=["missing", "half-pair-in-response", "on-configuration", "half-pair", "not-swapped", "bad-party"],
)
def test_routing_header_rules(tmp_path: Path, exchange: Exchange, expected: list[str]) -> None:
    assert codes(tmp_path, exchange) == expected


def test_an_open_routing_request_may_omit_to(tmp_path: Path) -> None:
    open_routing = edit_headers(edit_headers(ocpi_exchange("PATCH", PATCH_URL, PATCH_BODY), "request",
                                             drop="OCPI-to-party-id"), "request", drop="OCPI-to-country-code")
    assert codes(tmp_path, open_routing) == []


def test_the_mobie_profile_makes_missing_routing_headers_a_warning(tmp_path: Path) -> None:
    capture = write_capture(tmp_path / "c.jsonl", ocpi_exchange("PATCH", PATCH_URL, PATCH_BODY, routed=False))
    severities = {f.severity for f in check_capture(capture, Selection(ignore=["SES2"]),
                                                    profile=PROFILES["mobie"]).findings}
    assert severities == {"warning"}


PAGE = [("X-Total-Count", "1"), ("X-Limit", "100")]


@pytest.mark.parametrize(
    ("exchange", "expected"),
    [
        (tokens_page("offset=0&limit=10", PAGE), []),
        (tokens_page("offset=0&limit=10", []), ["ENV130", "ENV130"]),
        (tokens_page("offset=0&limit=10", [("X-Total-Count", "-1"), ("X-Limit", "100")]), ["ENV130"]),
        (tokens_page("offset=0&limit=1", [("X-Total-Count", "3"), ("X-Limit", "100"),
                                          ("Link", f'<{HUB}/tokens?offset=2&limit=1>; rel="next"')], count=2),
         ["ENV131"]),
        (tokens_page("offset=0&limit=1", [("X-Total-Count", "5"), ("X-Limit", "1")]), ["ENV132"]),
        (tokens_page("offset=0&limit=1", [("X-Total-Count", "5"), ("X-Limit", "1"),
                                          ("Link", f'<{HUB}/tokens?offset=1&limit=1>; rel="next"')]), []),
        (tokens_page("offset=0", PAGE + [("Link", f'<{HUB}/tokens?offset=1>; rel="next"')]), ["ENV133"]),
        (tokens_page("offset=0&limit=1", [("X-Total-Count", "5"), ("X-Limit", "1"),
                                          ("Link", f"{HUB}/tokens?offset=1&limit=1")]), ["ENV134"]),
        (tokens_page("date_from=2026-11-23T00:00:00Z&limit=1", [("X-Total-Count", "5"), ("X-Limit", "1"),
                                                                ("Link", f'<{HUB}/tokens?offset=1&limit=1>; rel="next"')]),
         ["ENV134"]),
        (tokens_page("date_from=2026-11-23T10:00:00Z", PAGE), ["ENV135"]),
        (tokens_page("date_to=2026-11-23T09:00:00Z", PAGE), ["ENV135"]),
        (tokens_page("date_from=2026-11-23T09:00:00Z&date_to=2026-11-24T00:00:00Z", PAGE), []),
        (tokens_page("offset=-1", PAGE), ["ENV136"]),
        (tokens_page("date_from=2026-11-23", PAGE), ["ENV136"]),
    ],
    ids=["clean", "no-headers", "negative-total", "over-limit", "no-next", "next-given", "next-on-last",
         "link-syntax", "link-drops-date", "before-window", "after-window", "in-window", "bad-offset", "bad-date"],
)
def test_pagination_rules(tmp_path: Path, exchange: Exchange, expected: list[str]) -> None:
    assert codes(tmp_path, exchange) == expected


def test_a_link_header_may_carry_other_links_beside_next(tmp_path: Path) -> None:
    """§4.1.4.1 asks for the next link in `Link`; RFC 8288 lets one header carry several links."""
    def page(link: str, total: str = "5") -> Exchange:
        return tokens_page("offset=1&limit=1", [("X-Total-Count", total), ("X-Limit", "1"), ("Link", link)])

    both = f'<{HUB}/tokens?offset=0&limit=1>; rel="prev", <{HUB}/tokens?offset=2&limit=1>; rel="next"'
    assert codes(tmp_path, page(both)) == []
    assert codes(tmp_path, page(f'<{HUB}/tokens?offset=2&limit=1>; rel=next; title="page 3"')) == []
    assert codes(tmp_path, page(f'<{HUB}/tokens?offset=0&limit=1>; rel="prev"', total="2")) == []  # the last page
    assert codes(tmp_path, page(f'<{HUB}/tokens?offset=0&limit=1>; rel="prev"')) == ["ENV132"]
    assert codes(tmp_path, page(f'<{HUB}/tokens?offset=2&limit=1>; rel="next", {HUB}/x')) == ["ENV134"]


def test_the_mobie_profile_checks_headers_not_offset_arithmetic(tmp_path: Path) -> None:
    cursor_paged = tokens_page("limit=1", [("X-Total-Count", "5"), ("X-Limit", "1")])
    assert codes(tmp_path, cursor_paged, profile="ocpi-2.2.1") == ["ENV132"]
    assert codes(tmp_path, cursor_paged, profile="mobie") == []


# ENV134: the next link leads to the next page of the same endpoint, with the same filters (§4.1.4.1)

PARTNER = "https://emsp.example.com/ocpi/2.2.1"
MORE = [("X-Total-Count", "5"), ("X-Limit", "1")]


def next_page(query: str, link: str, direction: str = "to_hub") -> Exchange:
    """A tokens page at `query` (one object of five), served by the hub (to_hub) or by the eMSP partner."""
    base = HUB if direction == "to_hub" else PARTNER
    return ocpi_exchange("GET", f"{base}/tokens?{query}", data=[TOKEN], direction=direction,
                         response_headers=[*MORE, ("Link", link)])


def judged(tmp_path: Path, *exchanges: Exchange, profile: str = "ocpi-2.2.1") -> list[tuple[str, str | None, str]]:
    role = "CPO" if exchanges[-1].direction == "to_hub" else "EMSP"
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), Selection(select=["ENV13"]),
                           profile=PROFILES[profile], partner_role=role)
    return [(f.code, f.culprit, f.message) for f in result.findings]


@pytest.mark.parametrize(
    ("query", "link", "problem"),
    [
        ("offset=1&limit=1", "<{base}/tokens?offset=1&limit=1>", "does not move forward: offset 1, the request's is 1"),
        ("offset=2&limit=1", "<{base}/tokens?offset=0&limit=1>", "does not move forward: offset 0, the request's is 2"),
        ("limit=1", "<{base}/tokens?offset=1&limit=1&date_from=None>", "adds date_from=None the request did not have"),
        ("date_from=2026-11-23T00:00:00Z&limit=1", "<{base}/tokens?offset=1&limit=1&date_from=2026-11-22T00:00:00Z>",
         "changes date_from from 2026-11-23T00:00:00Z to 2026-11-22T00:00:00Z"),
        ("limit=1", "<{base}/locations?offset=1&limit=1>",
         "leaves the requested endpoint /ocpi/2.2.1/tokens for /ocpi/2.2.1/locations"),
        ("limit=1&country=PT", "<{base}/tokens?offset=1&limit=1>", "drops country of the request"),
        ("limit=1", "<ftp://files.example.org/tokens?offset=1>", "is not an http(s) URL"),
    ],
    ids=["same-offset", "backwards", "added-filter", "changed-filter", "other-path", "dropped-parameter", "not-http"],
)
@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_next_link_that_does_not_lead_to_the_next_page(tmp_path: Path, direction: str, query: str, link: str,
                                                         problem: str) -> None:
    base = HUB if direction == "to_hub" else PARTNER
    url = link.format(base=base)
    culprit = "hub" if direction == "to_hub" else "partner"  # the server of the page
    assert judged(tmp_path, next_page(query, f'{url}; rel="next"', direction)) == [
        ("ENV134", culprit, f"the next link {url[1:-1]} {problem}")]


@pytest.mark.parametrize(
    ("query", "link"),
    [
        ("offset=0&limit=1", "<{base}/tokens?offset=1&limit=1>"),
        ("offset=0&limit=1", "<{base}/tokens?limit=1&offset=1>"),  # another parameter order
        ("offset=0&limit=10", "<{base}/tokens?offset=1&limit=1>"),  # another limit
        ("date_from=2026-11-23T00:00:00Z&limit=1",
         "<{base}/tokens?offset=1&limit=1&date_from=2026-11-23T00%3A00%3A00Z>"),
        ("date_from=2026-11-23T00:00:00Z&limit=1", "<{base}/tokens?offset=1&date_from=2026-11-23T00:00:00.000Z>"),
        ("offset=0&limit=1", "</ocpi/2.2.1/tokens?offset=1&limit=1>"),  # relative to the request
        ("offset=0&limit=1", "<{base}/tokens/?offset=1&limit=1>"),  # a trailing slash
        ("offset=1&limit=1", '<{base}/tokens?offset=0&limit=1>; rel="prev", <{base}/tokens?offset=2&limit=1>'),
        ("offset=0&limit=1", "<https://mirror.example.net/ocpi/2.2.1/tokens?offset=1&limit=1>"),  # nothing advertised
    ],
    ids=["plain", "order", "limit", "percent-encoded", "same-instant", "relative", "slash", "other-links",
         "unadvertised-origin"],
)
@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_next_link_to_the_next_page_in_the_forms_the_spec_allows(tmp_path: Path, direction: str, query: str,
                                                                   link: str) -> None:
    base = HUB if direction == "to_hub" else PARTNER
    assert judged(tmp_path, next_page(query, f'{link.format(base=base)}; rel="next"', direction)) == []


def test_a_next_link_on_another_host_than_the_server_advertised(tmp_path: Path) -> None:
    """Once the server advertised where it lives, a next link elsewhere leaves it; its advertised host is
    fine (a recording proxy: the capture has the upstream's URL, the server names itself as it is reached)."""
    versions = ocpi_exchange("GET", "https://hub.example.org/ocpi/versions", seq=1,
                             data=[{"version": "2.2.1", "url": "https://hub.example.org/ocpi/2.2.1"},
                                   {"version": "2.2", "url": "https://public.example.org/ocpi/2.2"}])
    elsewhere = "https://mirror.example.net/ocpi/2.2.1/tokens?offset=1&limit=1"
    page = msgspec.structs.replace(next_page("offset=0&limit=1", f'<{elsewhere}>; rel="next"'), seq=2)
    assert judged(tmp_path, versions, page) == [
        ("ENV134", "hub", f"the next link {elsewhere} leaves https://hub.example.org for https://mirror.example.net")]
    public = "https://public.example.org/ocpi/2.2.1/tokens?offset=1&limit=1"
    page = msgspec.structs.replace(next_page("offset=0&limit=1", f'<{public}>; rel="next"'), seq=2)
    assert judged(tmp_path, versions, page) == []


def test_a_cursor_next_link_moves_on_by_another_query(tmp_path: Path) -> None:
    """Without offset arithmetic (mobie), a cursor is fine; the request's own URL again is not."""
    assert judged(tmp_path, next_page("limit=1", f'<{HUB}/tokens?limit=1&cursor=abc>; rel="next"'),
                  profile="mobie") == []
    assert judged(tmp_path, next_page("limit=1&cursor=abc", f'<{HUB}/tokens?cursor=abc&limit=1>; rel="next"'),
                  profile="mobie") == [
        ("ENV134", "hub", f"the next link {HUB}/tokens?cursor=abc&limit=1 is the request's own URL: it does not "
                          "move forward")]
