"""Every finding names the message it judges and its culprit: a request's sender, or a response's (the callee).

Each case is met in both directions: with the partner as the caller (to_hub)
the partner is at fault for a bad request and the hub for a bad answer; the
other way round when the hub calls the partner.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from captures import clean_exchange, ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.findings import Finding
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CREDENTIALS, HUB, PARTNER, SESSION, without
from test_credentials_and_tokens import registration, step

STRICT = PROFILES["ocpi-2.2.1"]
OTHER = {"to_hub": "to_partner", "to_partner": "to_hub"}
CALLER = {"to_hub": "partner", "to_partner": "hub"}
CALLEE = {"to_hub": "hub", "to_partner": "partner"}


def judged(tmp_path: Path, *exchanges: Exchange, role: str = "CPO") -> list[tuple[str, int | None, str | None,
                                                                                   str | None]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=STRICT, partner_role=role)
    return [(f.code, f.seq, f.about, f.culprit) for f in result.findings]


def _base(direction: str) -> str:
    return HUB if direction == "to_hub" else PARTNER


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_malformed_pushed_session_is_the_pushers_request(tmp_path: Path, direction: str) -> None:
    push = ocpi_exchange("PUT", f"{_base(direction)}/sessions/PT/CPO/S1", without(SESSION, "kwh"),
                         direction=direction)
    found = [f for f in judged(tmp_path, push) if f[0] == "SES001"]
    assert found == [("SES001", 1, "request", CALLER[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_malformed_pulled_session_is_the_answerers_response(tmp_path: Path, direction: str) -> None:
    pull = ocpi_exchange("GET", f"{_base(direction)}/sessions/PT/CPO/S1", data=without(SESSION, "kwh"),
                         direction=direction)
    found = [f for f in judged(tmp_path, pull) if f[0] == "SES001"]
    assert found == [("SES001", 1, "response", CALLEE[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_credentials_malformed_in_the_request_or_in_the_answer_of_one_post(tmp_path: Path, direction: str) -> None:
    roleless = without(CREDENTIALS, "roles")
    bad_request = ocpi_exchange("POST", f"{_base(direction)}/credentials", roleless, CREDENTIALS, seq=1,
                                direction=direction)
    bad_answer = ocpi_exchange("POST", f"{_base(direction)}/credentials", CREDENTIALS, roleless, seq=2,
                               direction=direction)
    found = [f for f in judged(tmp_path, bad_request, bad_answer) if f[0] == "CRD001"]
    assert found == [("CRD001", 1, "request", CALLER[direction]), ("CRD001", 2, "response", CALLEE[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_request_id_missing_on_the_request_or_not_echoed_by_the_answer(tmp_path: Path, direction: str) -> None:
    base = clean_exchange(1, direction=direction)
    assert base.response is not None
    unsent = msgspec.structs.replace(base, request=msgspec.structs.replace(
        base.request, headers=[(k, v) for k, v in base.request.headers if k != "X-Request-ID"]))
    unechoed = msgspec.structs.replace(clean_exchange(2, direction=direction), response=msgspec.structs.replace(
        base.response, headers=[(k, v) for k, v in base.response.headers if k != "X-Request-ID"]))
    found = [f for f in judged(tmp_path, unsent, unechoed) if f[0] == "ENV104"]
    assert found == [("ENV104", 1, "request", CALLER[direction]), ("ENV104", 2, "response", CALLEE[direction])]


def test_a_superseded_token_accepted_is_the_fault_of_the_server_that_accepted_it(tmp_path: Path) -> None:
    old_token = step(4, "GET", f"{HUB}/credentials", "token-a", data=dict(CREDENTIALS, token="token-c"))
    found = [f for f in judged(tmp_path, *registration(), old_token) if f[0] == "CRD206"]
    assert found == [("CRD206", 4, "response", "hub")]


@pytest.mark.parametrize(("direction", "role"), [("to_hub", "CPO"), ("to_partner", "EMSP")])
def test_a_session_left_open_is_the_fault_of_the_cpo_that_pushed_it(tmp_path: Path, direction: str,
                                                                    role: str) -> None:
    push = ocpi_exchange("PUT", f"{_base(direction)}/sessions/PT/CPO/S1", SESSION, direction=direction)
    found = [f for f in judged(tmp_path, push, role=role) if f[0] == "SES208"]
    assert found == [("SES208", 1, "request", CALLER[direction])]


def test_a_capture_line_that_is_not_an_exchange_has_no_culprit(tmp_path: Path) -> None:
    capture = write_capture(tmp_path / "c.jsonl", clean_exchange(1))
    with capture.open("ab") as stream:
        stream.write(b"not json\n")
    findings: list[Finding] = check_capture(capture, profile=STRICT).findings
    assert [(f.code, f.about, f.culprit) for f in findings] == [("CAP001", None, None)]
