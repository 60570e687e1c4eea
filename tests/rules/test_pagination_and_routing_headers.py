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
