"""The readiness judges the partner on its own findings; the hub's are shown apart. The role comes first from the
partner's Credentials."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import msgspec
import pytest

from captures import ocpi_exchange, write_capture
from conftest import BIN
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.replay.readiness import Readiness
from ocpi_tap.rules.profiles import PROFILES

STRICT = PROFILES["ocpi-2.2.1"]
HUB = "https://hub.example.org/ocpi/2.2.1"
PARTNER = "https://cpo.example.com/ocpi/2.2.1"
TARIFF = {"country_code": "PT", "party_id": "CPO", "id": "T1", "currency": "EUR", "last_updated": "2026-11-23T09:00:00Z",
          "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}]}
CREDENTIALS = {"token": "made-up-token-b", "url": "https://cpo.example.com/ocpi/versions",
               "roles": [{"role": "CPO", "party_id": "CPO", "country_code": "PT", "business_details": {"name": "C"}}]}
HUB_ROLE = {"role": "HUB", "party_id": "MBE", "country_code": "PT", "business_details": {"name": "Hub"}}


def without_header(exchange: Exchange, name: str, *, on: str) -> Exchange:
    """`exchange` with header `name` taken off its request or its response."""
    message = exchange.request if on == "request" else exchange.response
    assert message is not None
    changed = msgspec.structs.replace(message, headers=[(k, v) for k, v in message.headers if k != name])
    return msgspec.structs.replace(exchange, **{on: changed})


def assessed(tmp_path: Path, *exchanges: Exchange, role: str | None = None) -> Readiness:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=STRICT, partner_role=role)
    assert result.readiness is not None
    return result.readiness


def _tariffs(readiness: Readiness) -> tuple[int, int]:
    [module] = [m for m in readiness.modules if m.module == "tariffs"]
    return module.errors, module.exchanges


@pytest.mark.parametrize(("direction", "partner_role"), [("to_hub", "CPO"), ("to_partner", "EMSP")])
def test_the_hubs_faults_do_not_fail_the_partners_module(tmp_path: Path, direction: str, partner_role: str) -> None:
    base = HUB if direction == "to_hub" else PARTNER
    push = ocpi_exchange("PUT", f"{base}/tariffs/PT/CPO/T1", TARIFF, direction=direction)
    # The callee does not echo X-Request-ID: the hub's fault when the partner pushes, the partner's otherwise.
    readiness = assessed(tmp_path, without_header(push, "X-Request-ID", on="response"), role=partner_role)
    if direction == "to_hub":
        assert _tariffs(readiness) == (0, 1)
        assert readiness.hub is not None and (readiness.hub.errors, readiness.hub.codes) == (1, {"ENV104": 1})
    else:
        assert _tariffs(readiness) == (1, 1)
        assert readiness.hub is None


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_the_partners_own_fault_fails_its_module(tmp_path: Path, direction: str) -> None:
    base = HUB if direction == "to_hub" else PARTNER
    push = ocpi_exchange("PUT", f"{base}/tariffs/PT/CPO/T1", TARIFF, direction=direction)
    readiness = assessed(tmp_path, without_header(push, "X-Request-ID", on="request"))
    # The caller sent no X-Request-ID: the partner when it pushes (to_hub), the hub when it does.
    assert _tariffs(readiness) == ((1, 1) if direction == "to_hub" else (0, 1))
    assert (readiness.hub is None) == (direction == "to_hub")


@pytest.mark.parametrize("declared", ["CPO", "EMSP"])
def test_the_role_comes_from_the_credentials_the_partner_sent_as_the_client(tmp_path: Path, declared: str) -> None:
    mine = dict(CREDENTIALS, roles=[dict(CREDENTIALS["roles"][0], role=declared)])
    register = ocpi_exchange("POST", f"{HUB}/credentials", mine, dict(CREDENTIALS, roles=[HUB_ROLE]))
    readiness = assessed(tmp_path, register)
    assert (readiness.role, readiness.role_note) == (declared, None)


@pytest.mark.parametrize("declared", ["CPO", "EMSP"])
def test_the_role_comes_from_the_credentials_the_partner_answered_as_the_server(tmp_path: Path,
                                                                                declared: str) -> None:
    mine = dict(CREDENTIALS, roles=[dict(CREDENTIALS["roles"][0], role=declared)])
    registered = ocpi_exchange("POST", f"{PARTNER}/credentials", dict(CREDENTIALS, roles=[HUB_ROLE]), mine,
                               direction="to_partner")
    readiness = assessed(tmp_path, registered)
    assert (readiness.role, readiness.role_note) == (declared, None)


def test_a_role_given_against_the_declared_one_is_pointed_out(tmp_path: Path) -> None:
    emsp = dict(CREDENTIALS, roles=[dict(CREDENTIALS["roles"][0], role="EMSP")])
    readiness = assessed(tmp_path, ocpi_exchange("POST", f"{HUB}/credentials", emsp, CREDENTIALS), role="CPO")
    assert readiness.role == "CPO"
    assert readiness.role_note == "judged as --role cpo, but the partner's credentials declare it an eMSP: check --role"


def test_the_terminal_and_json_reports_show_the_hubs_side_apart(tmp_path: Path) -> None:
    push = ocpi_exchange("PUT", f"{HUB}/tariffs/PT/CPO/T1", TARIFF)
    capture = write_capture(tmp_path / "day.jsonl", without_header(push, "X-Request-ID", on="response"))
    concise = subprocess.run([str(BIN / "ocpi-tap"), "replay", "--role", "cpo", "--profile", "ocpi-2.2.1",
                              str(capture)], capture_output=True, text=True, timeout=60)
    lines = concise.stdout.splitlines()
    assert lines[0].endswith("ENV104 X-Request-ID: not echoed in the response (request had 'req-1') (hub's response)")
    assert "  Tariffs      partly exercised  1/2 scenarios" in lines
    assert ("  the hub's side: 1 finding (1 error, 0 warnings: ENV104), not counted against the partner"
            in lines)
    report = json.loads(subprocess.run([str(BIN / "ocpi-tap"), "replay", "--role", "cpo", "--profile",
                                        "ocpi-2.2.1", "--format", "json", str(capture)],
                                       capture_output=True, text=True, timeout=60).stdout)
    [finding] = report["findings"]
    assert (finding["about"], finding["culprit"]) == ("response", "hub")
    assert report["captures"][0]["readiness"]["hub"] == {"errors": 1, "warnings": 0, "codes": {"ENV104": 1}}


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_either_direction_of_the_registration_shows_the_credentials_module(tmp_path: Path, direction: str) -> None:
    callee = HUB if direction == "to_hub" else PARTNER
    register = ocpi_exchange("POST", f"{callee}/credentials", CREDENTIALS, dict(CREDENTIALS, roles=[HUB_ROLE]),
                             direction=direction)
    readiness = assessed(tmp_path, register)
    [credentials] = [m for m in readiness.modules if m.module == "credentials"]
    marks = {s.id: s.mark for s in credentials.scenarios}
    # seen with findings: a lone POST lacks the discovery before it and the server's fetches (CRD201, CRD203)
    assert marks == {"register": "seen with findings", "update": "not seen"}


def test_a_refused_registration_earns_no_credit(tmp_path: Path) -> None:
    refused = ocpi_exchange("POST", f"{PARTNER}/credentials", CREDENTIALS, direction="to_partner", status_code=2001)
    [credentials] = [m for m in assessed(tmp_path, refused).modules if m.module == "credentials"]
    assert {s.id: s.mark for s in credentials.scenarios} == {"register": "not seen", "update": "not seen"}


def test_the_full_form_reads_a_value_from_the_message_its_path_points_into() -> None:
    from ocpi_tap.replay.full import holder, value_at

    stop = ocpi_exchange("POST", f"{PARTNER}/commands/STOP_SESSION", {"response_url": f"{HUB}/r/1",
                                                                       "session_id": "S9"},
                         {"result": "ACCEPTED", "timeout": 30}, direction="to_partner")
    # CMD209-like: the CPO's answer is at fault, about the session_id the request named.
    assert (holder("$.session_id", "response"), value_at(stop, "$.session_id", "response")) == ("request", "S9")
    assert (holder("$.data.result", "response"), value_at(stop, "$.data.result", "response")) == (
        "response", "ACCEPTED")
    assert (holder("$.status_code", "response"), value_at(stop, "$.status_code", "response")) == ("response", 1000)
