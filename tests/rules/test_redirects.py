"""ENV129: a redirect is reported once per endpoint, and the repeated request is judged as the answer.

The cases come from a real platform that answers its advertised collection URLs with `307` to the same path
with a trailing slash: nothing may be learned from the redirect (not a CDR's URL, not a token).
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange, Response
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CDR, CREDENTIALS, HUB, PARTNER
from test_credentials_and_tokens import HUB_CREDENTIALS, discovery, registration, step
from test_sessions_and_cdrs import at

STRICT = PROFILES["ocpi-2.2.1"]


def redirected(exchange: Exchange, status: int = 307) -> Exchange:
    """`exchange` answered with a redirect to its URL with a trailing slash, as such platforms answer."""
    target = exchange.request.url.rstrip("/") + "/"
    request_id = [(k, v) for k, v in exchange.request.headers if k == "X-Request-ID"]
    return msgspec.structs.replace(exchange, response=Response(status=status,
                                                               headers=[("Location", target), *request_id]))


def slashed(exchange: Exchange) -> Exchange:
    """The same request repeated at the URL with a trailing slash."""
    request = msgspec.structs.replace(exchange.request, url=exchange.request.url.rstrip("/") + "/")
    return msgspec.structs.replace(exchange, request=request)


def found(tmp_path: Path, *exchanges: Exchange, role: str = "CPO") -> list[tuple[str, int | None, str | None]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=STRICT, partner_role=role)
    return [(f.code, f.seq, f.culprit) for f in result.findings]


@pytest.mark.parametrize(("direction", "role"), [("to_hub", "CPO"), ("to_partner", "EMSP")])
def test_a_redirected_cdr_post_is_judged_by_its_repeat(tmp_path: Path, direction: str, role: str) -> None:
    base = HUB if direction == "to_hub" else PARTNER
    post = ocpi_exchange("POST", f"{base}/cdrs", CDR, direction=direction)
    retried = at(slashed(ocpi_exchange("POST", f"{base}/cdrs", CDR, direction=direction)), 2, 2)
    # The 307's Location is not the stored CDR's: the repeated POST is no PUT to a CDR's URL (no CDR003).
    codes = [f for f in found(tmp_path, at(redirected(post), 1, 1), retried, role=role) if f[0][:3] != "TOK"]
    callee = "hub" if direction == "to_hub" else "partner"
    assert [f for f in codes if f[0][:4] != "CDR3"] == [("ENV129", 1, callee)]  # CDR3xx: no session, parties


def test_the_same_cdr_post_without_redirect_is_clean(tmp_path: Path) -> None:
    codes = found(tmp_path, at(ocpi_exchange("POST", f"{HUB}/cdrs", CDR), 1, 1))
    assert [f for f in codes if f[0] not in ("CDR301", "TOK302")] == []


def test_a_redirected_credentials_post_does_not_make_the_next_token_token_a(tmp_path: Path) -> None:
    post = step(1, "POST", f"{HUB}/credentials", "token-a", dict(CREDENTIALS, token="token-b"),
                dict(HUB_CREDENTIALS, token="token-c"))
    answer_first = redirected(at(post, 1, 0.5))
    [_, _, real_post, fetch_versions, fetch_details] = registration()
    real_post = slashed(at(real_post, 4, 1))  # the server fetches the partner's versions while answering it
    tariff = step(5, "PUT", f"{HUB}/tariffs/PT/CPO/T1", "token-c",
                  {"country_code": "PT", "party_id": "CPO", "id": "T1", "currency": "EUR",
                   "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
                   "last_updated": "2026-11-23T09:00:00Z"}, second=3)
    codes = found(tmp_path, *discovery(), answer_first, real_post, fetch_versions, fetch_details, tariff)
    assert codes == [("ENV129", 1, "hub")]


def test_one_redirecting_endpoint_is_reported_once(tmp_path: Path) -> None:
    pushes = []
    for seq in (1, 3):
        post = at(ocpi_exchange("POST", f"{HUB}/cdrs", dict(CDR, id=f"C{seq}")), seq, seq)
        pushes += [redirected(post), at(slashed(ocpi_exchange("POST", f"{HUB}/cdrs", dict(CDR, id=f"C{seq}"))),
                                        seq + 1, seq + 0.5)]
    assert [f for f in found(tmp_path, *pushes) if f[0] == "ENV129"] == [("ENV129", 1, "hub")]


def test_a_3xx_without_location_is_an_answer_like_any_other(tmp_path: Path) -> None:
    post = at(ocpi_exchange("GET", f"{HUB}/tariffs"), 1, 1)
    assert post.response is not None
    not_modified = msgspec.structs.replace(post, response=Response(status=304))
    assert ("ENV001", 1, "hub") in found(tmp_path, not_modified)


def test_an_endpoint_redirecting_every_object_url_is_reported_once(tmp_path: Path) -> None:
    from test_body_rules import LOCATION

    exchanges = []
    for seq, location in ((1, "L1"), (3, "L2")):
        url = f"{HUB}/locations/PT/CPO/{location}"
        put = at(ocpi_exchange("PUT", url, dict(LOCATION, id=location)), seq, seq)
        exchanges += [redirected(put), at(slashed(ocpi_exchange("PUT", url, dict(LOCATION, id=location))),
                                          seq + 1, seq + 0.5)]
    assert [f for f in found(tmp_path, *exchanges) if f[0] == "ENV129"] == [("ENV129", 1, "hub")]
