"""One defect must not hide the others: a malformed envelope is reported, and what it carries is still judged.

Each case is met both ways: the partner answering the hub (the partner as CPO answers commands and pulls), and
the hub answering the partner.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange, body_fields
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import HUB, PARTNER, SESSION, START, without
from test_sessions_and_cdrs import at

STRICT = PROFILES["ocpi-2.2.1"]
FROZEN = "2026-11-23 09:00:01"  # a timestamp with a space: not an OCPI DateTime


def answered(exchange: Exchange, envelope: dict[str, object]) -> Exchange:
    """`exchange` with its answer's body replaced by `envelope`."""
    assert exchange.response is not None
    response = msgspec.structs.replace(exchange.response, **body_fields(msgspec.json.encode(envelope)))
    return msgspec.structs.replace(exchange, response=response)


def findings(tmp_path: Path, *exchanges: Exchange, role: str = "CPO") -> list[tuple[str, int | None, str | None]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=STRICT, partner_role=role)
    return [(f.code, f.seq, f.path) for f in result.findings]


def _callee(direction: str) -> str:
    return PARTNER if direction == "to_partner" else HUB


@pytest.mark.parametrize("direction", ["to_partner", "to_hub"])
@pytest.mark.parametrize("timestamp", [FROZEN, "2026-11-23T09:00:01Z"])
def test_a_command_response_sent_as_a_list_is_judged_whatever_the_timestamp(
        tmp_path: Path, direction: str, timestamp: str) -> None:
    sent = ocpi_exchange("POST", f"{_callee(direction)}/commands/START_SESSION", START, direction=direction)
    as_list = answered(sent, {"data": [{"result": "ACCEPTED", "timeout": 30}], "status_code": 1000,
                              "timestamp": timestamp})
    found = findings(tmp_path, as_list, role="CPO" if direction == "to_partner" else "EMSP")
    envelope = [("ENV008", 1, "$.timestamp")] if timestamp == FROZEN else []
    assert sorted(found) == [("CMD003", 1, "$.data")] + envelope


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_malformed_envelope_still_feeds_the_sequencing_checks(tmp_path: Path, direction: str) -> None:
    url = f"{_callee(direction)}/sessions/PT/CPO/S1"
    put = answered(ocpi_exchange("PUT", url, dict(SESSION, status="ACTIVE", kwh=3.2), direction=direction, seq=1),
                   {"status_code": 1000, "timestamp": FROZEN})
    patch = ocpi_exchange("PATCH", url, {"kwh": 1.5, "last_updated": "2026-11-23T09:05:00Z"}, direction=direction,
                          seq=2)
    found = [f for f in findings(tmp_path, at(put, 1, 10), at(patch, 2, 20))
             if f[0] in ("ENV008", "SES203")]  # the session's location and token are not in this capture
    assert found == [("ENV008", 1, "$.timestamp"), ("SES203", 2, "$.kwh")]


@pytest.mark.parametrize("direction", ["to_partner", "to_hub"])
def test_a_status_code_written_as_text_is_reported_and_the_data_still_decoded(tmp_path: Path, direction: str) -> None:
    pull = answered(ocpi_exchange("GET", f"{_callee(direction)}/sessions/PT/CPO/S1", direction=direction),
                    {"data": without(SESSION, "kwh"), "status_code": "1000", "timestamp": "2026-11-23T09:00:01Z"})
    found = [f for f in findings(tmp_path, pull) if f[0] != "SES208"]
    assert found == [("ENV001", 1, "$.status_code"), ("SES001", 1, "$.data")]


def test_what_is_no_envelope_at_all_is_reported_once(tmp_path: Path) -> None:
    pull = answered(ocpi_exchange("GET", f"{HUB}/sessions/PT/CPO/S1"), {"data": SESSION, "status_code": None})
    assert findings(tmp_path, pull) == [("ENV001", 1, "$.status_code")]


@pytest.mark.parametrize("direction", ["to_partner", "to_hub"])
def test_a_request_with_a_wrong_content_type_still_has_its_body_checked(tmp_path: Path, direction: str) -> None:
    push = ocpi_exchange("PUT", f"{_callee(direction)}/sessions/PT/CPO/S1", without(SESSION, "kwh"),
                         direction=direction)
    headers = [(k, "text/plain" if k == "Content-Type" else v) for k, v in push.request.headers]
    push = msgspec.structs.replace(push, request=msgspec.structs.replace(push.request, headers=headers))
    found = [f[:2] for f in findings(tmp_path, push) if f[0] != "SES208"]
    assert found == [("ENV005", 1), ("SES001", 1)]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_an_answer_behind_a_malformed_envelope_still_earns_its_scenario(tmp_path: Path, direction: str) -> None:
    credentials = {"token": "made-up-token-b", "url": "https://cpo.example.com/ocpi/versions",
                   "roles": [{"role": "CPO", "party_id": "CPO", "country_code": "PT",
                              "business_details": {"name": "C"}}]}
    register = answered(ocpi_exchange("POST", f"{_callee(direction)}/credentials", credentials, direction=direction),
                        {"data": credentials, "status_code": 1000, "timestamp": FROZEN})
    result = check_capture(write_capture(tmp_path / "c.jsonl", register), profile=STRICT, partner_role="CPO")
    assert result.readiness is not None
    [module] = [m for m in result.readiness.modules if m.module == "credentials"]
    assert {s.id: s.mark for s in module.scenarios}["register"] != "not seen"
