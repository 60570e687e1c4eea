"""CMD205/CMD206/SES302: what START_SESSION and STOP_SESSION promise about the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import CDR, HUB, PARTNER, SESSION, START
from test_commands_sequencing import RESPONSE_URL, RESULT_URL
from test_sessions_and_cdrs import at

SESSION_URL = f"{HUB}/sessions/PT/CPO/S1"
COMMAND_SESSION = dict(SESSION, auth_method="COMMAND", location_id="L1", evse_uid="E1")
STOP_URL = "https://recorder.example:8081/ocpi/2.2.1/commands/STOP_SESSION/43"


def step(seq: int, method: str, url: str, body: object, data: object = None, direction: str = "to_hub") -> Exchange:
    return at(ocpi_exchange(method, url, body, data, seq=seq, direction=direction), seq, seq)


def start(seq: int) -> Exchange:
    return step(seq, "POST", f"{PARTNER}/commands/START_SESSION", dict(START, response_url=RESPONSE_URL, evse_uid="E1"),
                {"result": "ACCEPTED", "timeout": 30}, direction="to_partner")


def codes(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    """No locations are pushed here: the session's location reference (SES301) is tested elsewhere."""
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), Selection(ignore=["SES301", "CDR302"]),
                          profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def completed(seq: int) -> Exchange:
    """Stamped when it is sent (`step` starts exchange n at second n of 09:00)."""
    ended = f"2026-11-23T09:00:{seq:02d}Z"
    return step(seq, "PATCH", SESSION_URL, {"status": "COMPLETED", "end_date_time": ended, "last_updated": ended})


def test_start_result_session_stop_result_completion_is_clean(tmp_path: Path) -> None:
    stop = step(5, "POST", f"{PARTNER}/commands/STOP_SESSION", {"response_url": STOP_URL, "session_id": "S1"},
                {"result": "ACCEPTED", "timeout": 30}, direction="to_partner")
    assert codes(tmp_path, start(1), step(2, "POST", RESULT_URL, {"result": "ACCEPTED"}),
                 step(3, "PUT", SESSION_URL, COMMAND_SESSION), stop,
                 step(6, "POST", f"{HUB}/commands/STOP_SESSION/43", {"result": "ACCEPTED"}), completed(7),
                 step(8, "POST", f"{HUB}/cdrs", dict(CDR, session_id="S1", auth_method="COMMAND"))) == []


def test_a_start_that_never_gives_a_session(tmp_path: Path) -> None:
    assert codes(tmp_path, start(1), step(2, "POST", RESULT_URL, {"result": "ACCEPTED"})) == [("CMD205", 1)]


def test_a_session_elsewhere_than_the_command_said(tmp_path: Path) -> None:
    elsewhere = step(3, "PUT", SESSION_URL, dict(COMMAND_SESSION, location_id="L9"))
    found = codes(tmp_path, start(1), step(2, "POST", RESULT_URL, {"result": "ACCEPTED"}), elsewhere, completed(4),
                  step(5, "POST", f"{HUB}/cdrs", dict(CDR, session_id="S1", auth_method="COMMAND")))
    assert found == [("SES302", 3)]


def test_a_stop_that_never_completes_the_session(tmp_path: Path) -> None:
    stop = step(4, "POST", f"{PARTNER}/commands/STOP_SESSION", {"response_url": STOP_URL, "session_id": "S1"},
                {"result": "ACCEPTED", "timeout": 30}, direction="to_partner")
    found = codes(tmp_path, start(1), step(2, "POST", RESULT_URL, {"result": "ACCEPTED"}),
                  step(3, "PUT", SESSION_URL, COMMAND_SESSION), stop,
                  step(5, "POST", f"{HUB}/commands/STOP_SESSION/43", {"result": "ACCEPTED"}))
    assert found == [("SES208", 3), ("CMD206", 4)]


def stop_codes(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    """As `codes`; no token is pushed in these captures either (the sessions' token reference, TOK302)."""
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges),
                          Selection(ignore=["SES301", "CDR302", "TOK302"]), profile=PROFILES["ocpi-2.2.1"],
                          partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def stop(seq: int, session_id: str, answer: str) -> Exchange:
    return step(seq, "POST", f"{PARTNER}/commands/STOP_SESSION", {"response_url": STOP_URL, "session_id": session_id},
                {"result": answer, "timeout": 30}, direction="to_partner")


STOP_RESULT_URL = f"{HUB}/commands/STOP_SESSION/43"
ACTIVE_SESSION = dict(SESSION, status="ACTIVE")
# S2's token belongs to PT/MBE: the party the capture helper sends commands from is then a known eMSP.
MBE_SESSION = dict(SESSION, id="S2", status="ACTIVE", cdr_token=dict(SESSION["cdr_token"], party_id="MBE"))


def test_a_stop_from_another_emsp_must_be_rejected(tmp_path: Path) -> None:
    sessions = (step(1, "PUT", SESSION_URL, ACTIVE_SESSION), step(2, "PUT", f"{HUB}/sessions/PT/CPO/S2", MBE_SESSION))
    accepted = stop_codes(tmp_path, *sessions, stop(3, "S1", "ACCEPTED"), step(4, "POST", STOP_RESULT_URL,
                                                                         {"result": "ACCEPTED"}))
    assert accepted == [("SES208", 1), ("SES208", 2), ("CMD206", 3), ("CMD209", 3)]
    assert stop_codes(tmp_path, *sessions, stop(3, "S1", "REJECTED")) == [("SES208", 1), ("SES208", 2)]


def test_a_hub_stopping_in_its_own_name_is_not_another_emsp(tmp_path: Path) -> None:
    """Without a session of its own, the OCPI-from party of the stop is not known as an eMSP: no CMD209."""
    found = stop_codes(tmp_path, step(1, "PUT", SESSION_URL, ACTIVE_SESSION), stop(2, "S1", "ACCEPTED"),
                  step(3, "POST", STOP_RESULT_URL, {"result": "ACCEPTED"}), completed(4),
                  step(5, "POST", f"{HUB}/cdrs", dict(CDR, session_id="S1")))
    assert found == []


def test_an_open_session_called_unknown(tmp_path: Path) -> None:
    active = step(1, "PUT", SESSION_URL, ACTIVE_SESSION)
    assert stop_codes(tmp_path, active, stop(2, "S1", "UNKNOWN_SESSION")) == [("SES208", 1), ("CMD210", 2)]
    over = stop_codes(tmp_path, active, completed(2), step(3, "POST", f"{HUB}/cdrs", dict(CDR, session_id="S1")),
                 stop(4, "S1", "UNKNOWN_SESSION"))
    assert over == []


def test_a_stop_for_a_session_never_pushed(tmp_path: Path) -> None:
    assert stop_codes(tmp_path, stop(1, "S7", "ACCEPTED"), step(2, "POST", STOP_RESULT_URL, {"result": "ACCEPTED"})) == [
        ("CMD304", 1)]
    assert stop_codes(tmp_path, stop(1, "S7", "UNKNOWN_SESSION")) == []  # the CPO said so: the expected answer


# SES302 when the session bills another token: the START_SESSION is found by its reference or its site

SIDES = {"CPO": ("to_partner", "to_hub"), "EMSP": ("to_hub", "to_partner")}  # partner role -> command, push
REFERENCE = "AUTH-REF-1"


def started_elsewhere(role: str, session: dict[str, object], command: dict[str, object] | None = None,
                      before: tuple[Exchange, ...] = ()) -> list[Exchange]:
    """START_SESSION by the eMSP, its result and the CPO's session PUT, whichever side the partner is."""
    to_cpo, to_emsp = SIDES[role]
    cpo, emsp = (PARTNER, HUB) if to_cpo == "to_partner" else (HUB, PARTNER)
    body = dict(START, response_url=RESPONSE_URL, evse_uid="E1", **(command or {}))
    return [*before,
            step(1, "POST", f"{cpo}/commands/START_SESSION", body, {"result": "ACCEPTED", "timeout": 30},
                 direction=to_cpo),
            step(2, "POST", f"{emsp}/commands/START_SESSION/42", {"result": "ACCEPTED"}, direction=to_emsp),
            step(3, "PUT", f"{emsp}/sessions/PT/CPO/S1", session, direction=to_emsp)]


def judged(tmp_path: Path, role: str, exchanges: list[Exchange]) -> list[tuple[str, int | None, str, str | None]]:
    """No locations or tokens are pushed (SES301, TOK302) and the sessions stay PENDING (SES208)."""
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges),
                          Selection(ignore=["SES301", "SES208", "TOK302"]),
                          profile=PROFILES["ocpi-2.2.1"], partner_role=role).findings
    return [(f.code, f.seq, f.severity, f.culprit) for f in found]


OTHER_TOKEN = dict(SESSION["cdr_token"], uid="U9", contract_id="PT-EMS-C9")
CULPRIT = {"CPO": "partner", "EMSP": "hub"}  # the CPO pushes the session


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_session_at_the_commands_site_billing_another_token(tmp_path: Path, role: str) -> None:
    wrong = dict(COMMAND_SESSION, cdr_token=OTHER_TOKEN)
    assert judged(tmp_path, role, started_elsewhere(role, wrong)) == [("SES302", 3, "error", CULPRIT[role])]
    found = check_capture(write_capture(tmp_path / "c.jsonl", *started_elsewhere(role, wrong)),
                          Selection(select=["SES302"]), profile=PROFILES["ocpi-2.2.1"], partner_role=role).findings
    assert found[0].message == ("session PT/CPO/S1, after START_SESSION, has cdr_token PT/EMS/U9, the command's "
                                "token was PT/EMS/U1")
    assert [n.seq for n in found[0].notes] == [1]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_session_named_by_the_commands_reference_billing_another_token(tmp_path: Path, role: str) -> None:
    """The reference ties them even with another auth_method, and at another EVSE."""
    wrong = dict(SESSION, cdr_token=OTHER_TOKEN, authorization_reference=REFERENCE, evse_uid="E2")
    found = judged(tmp_path, role, started_elsewhere(role, wrong, {"authorization_reference": REFERENCE}))
    assert found == [("SES302", 3, "error", CULPRIT[role])]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_the_commands_session_with_its_token_is_clean(tmp_path: Path, role: str) -> None:
    right = dict(COMMAND_SESSION, authorization_reference=REFERENCE)
    assert judged(tmp_path, role, started_elsewhere(role, right, {"authorization_reference": REFERENCE})) == []
    assert judged(tmp_path, role, started_elsewhere(role, COMMAND_SESSION)) == []


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_session_elsewhere_with_another_token_is_not_the_commands(tmp_path: Path, role: str) -> None:
    """No reference, no token, another EVSE: not the command's session; the start found none (CMD205)."""
    unrelated = dict(COMMAND_SESSION, cdr_token=OTHER_TOKEN, evse_uid="E2")
    assert judged(tmp_path, role, started_elsewhere(role, unrelated)) == [("CMD205", 1, "warning", CULPRIT[role])]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_session_pushed_before_the_command_is_not_its_session(tmp_path: Path, role: str) -> None:
    """The session PUT at the command's site existed before the command: a later PUT of it is no match."""
    to_emsp = SIDES[role][1]
    earlier = dict(COMMAND_SESSION, cdr_token=OTHER_TOKEN)
    emsp = PARTNER if to_emsp == "to_partner" else HUB
    before = at(ocpi_exchange("PUT", f"{emsp}/sessions/PT/CPO/S1", earlier, seq=9, direction=to_emsp), 9, 0.5)
    assert judged(tmp_path, role, started_elsewhere(role, earlier, before=(before,))) == [
        ("CMD205", 1, "warning", CULPRIT[role])]
