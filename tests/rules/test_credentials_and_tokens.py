"""CRD204-206: tokens handed out by the handshake (a token's own life is in test_tokens_sequencing)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import msgspec

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CREDENTIALS, HUB, PARTNER, TOKEN
from test_sessions_and_cdrs import at

VERSIONS = "https://hub.example.org/ocpi/versions"
PARTNER_VERSIONS = "https://cpo.example.com/ocpi/versions"
HUB_CREDENTIALS = dict(CREDENTIALS, url=VERSIONS, roles=[dict(CREDENTIALS["roles"][0], role="HUB", party_id="MBE")])


def signed(exchange: Exchange, token: str, status: int = 200) -> Exchange:
    """The exchange sent with `token` (made up), answered with HTTP `status`."""
    headers = [(k, v) for k, v in exchange.request.headers if k != "Authorization"]
    headers.append(("Authorization", "Token " + base64.b64encode(token.encode()).decode()))
    assert exchange.response is not None
    return msgspec.structs.replace(exchange, request=msgspec.structs.replace(exchange.request, headers=headers),
                                   response=msgspec.structs.replace(exchange.response, status=status))


def step(seq: int, method: str, url: str, token: str, body: Any = None, data: Any = None,
         direction: str = "to_hub", status: int = 200, status_code: int = 1000,
         second: float | None = None) -> Exchange:
    exchange = ocpi_exchange(method, url, body, data, seq=seq, direction=direction, status_code=status_code)
    return at(signed(exchange, token, status), seq, seq if second is None else second)


HUB_DETAILS = {"version": "2.2.1", "endpoints": [{"identifier": "credentials", "role": "SENDER",
                                                   "url": f"{HUB}/credentials"}]}
FUNCTIONAL = ("tokens", "locations", "tariffs", "sessions", "commands", "cdrs")


def every_module(details: dict[str, Any], base: str) -> dict[str, Any]:
    """`details` advertising every functional module too (both interfaces at one URL, as a hub may)."""
    extra = [{"identifier": module, "role": role, "url": f"{base}/{module}"}
             for module in FUNCTIONAL for role in ("SENDER", "RECEIVER")]
    extra.append({"identifier": "hubclientinfo", "role": "RECEIVER", "url": f"{base}/clientinfo"})
    return dict(details, endpoints=[*details["endpoints"], *extra])


def discovery() -> list[Exchange]:
    """The client's GET versions and version details with token A, before it registers."""
    return [step(101, "GET", VERSIONS, "token-a", data=[{"version": "2.2.1", "url": HUB}], second=0.1),
            step(102, "GET", HUB, "token-a", data=every_module(HUB_DETAILS, HUB), second=0.2)]


PARTNER_DETAILS = {"version": "2.2.1", "endpoints": [{"identifier": "credentials", "role": "SENDER",
                                                       "url": f"{PARTNER}/credentials"}]}


def registration(answer_token: str = "token-c", callback_token: str = "token-b") -> list[Exchange]:
    """The POST (seq 1, open from second 1 to 1.1) and the hub's GETs of the partner's endpoints inside it."""
    return [
        *discovery(),
        step(1, "POST", f"{HUB}/credentials", "token-a", dict(CREDENTIALS, token="token-b"),
             dict(HUB_CREDENTIALS, token=answer_token)),
        step(2, "GET", PARTNER_VERSIONS, callback_token, data=[{"version": "2.2.1", "url": PARTNER}],
             direction="to_partner", second=1.01),
        step(103, "GET", PARTNER, callback_token, data=every_module(PARTNER_DETAILS, PARTNER), direction="to_partner",
             second=1.02),
    ]


def codes(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges, redact=True),
                          profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def test_a_registration_and_a_refused_old_token_are_clean(tmp_path: Path) -> None:
    refused = step(3, "GET", VERSIONS, "token-a", status=401, status_code=2000)
    assert codes(tmp_path, *registration(), refused, step(4, "GET", VERSIONS, "token-c",
                                                           data=[{"version": "2.2.1", "url": HUB}])) == []


def test_the_server_calls_back_with_another_token(tmp_path: Path) -> None:
    assert codes(tmp_path, *registration(callback_token="token-a")) == [("CRD204", 2)]


def test_the_answer_hands_out_the_token_a_again(tmp_path: Path) -> None:
    assert codes(tmp_path, *registration(answer_token="token-a")) == [("CRD205", 1)]


def test_a_superseded_token_still_accepted(tmp_path: Path) -> None:
    accepted = step(3, "GET", VERSIONS, "token-a", data=[{"version": "2.2.1", "url": HUB}])
    assert codes(tmp_path, *registration(), accepted) == [("CRD206", 3)]


def test_a_registration_without_discovery_first(tmp_path: Path) -> None:
    without = registration()[2:]
    assert codes(tmp_path, *without) == [("CRD201", 1)]
    details_only = registration()[1:]
    assert codes(tmp_path, *details_only) == [("CRD201", 1)]


def test_traffic_after_the_credentials_were_deleted(tmp_path: Path) -> None:
    delete = step(3, "DELETE", f"{HUB}/credentials", "token-c")
    later = step(4, "PUT", f"{PARTNER}/tokens/PT/EMS/U1", "token-b", TOKEN, direction="to_partner")
    assert codes(tmp_path, *registration(), delete) == []
    assert codes(tmp_path, *registration(), delete, later) == [("CRD209", 4)]
