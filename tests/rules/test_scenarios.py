"""The certification scenarios are credited only by traffic that really shows them: each scenario whose
steps once let through traffic that does not show it has a capture that shows it and a near twin that
does not, for the partner in each role the scenario applies to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CDR, EVSE, HUB, PARTNER, SESSION, START, TOKEN
from test_sessions_and_cdrs import at

ROLES = ("CPO", "EMSP")
Sent = tuple[str, str, str, Any, Any]  # (sender, method, path, request body, data)


def exchanges(steps: list[Sent], **options: Any) -> list[Exchange]:
    """The steps as exchanges: a partner's request goes to the hub, the hub's to the partner."""
    built = []
    for n, (sender, method, path, body, data) in enumerate(steps, start=1):
        base, direction = (HUB, "to_hub") if sender == "partner" else (PARTNER, "to_partner")
        url = path if path.startswith("http") else f"{base}/{path}"
        built.append(at(ocpi_exchange(method, url, body, data, seq=n, direction=direction, **options), n, n))
    return built


def marks(tmp_path: Path, role: str, module: str, steps: list[Sent], **options: Any) -> dict[str, str]:
    """The module's scenarios the steps showed, with their marks."""
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges(steps, **options)),
                           profile=PROFILES["ocpi-2.2.1"], partner_role=role)
    assert result.readiness is not None
    [found] = [m for m in result.readiness.modules if m.module == module]
    return {s.id: s.mark for s in found.scenarios if s.mark != "not seen"}


def cpo(role: str) -> str:
    """Who sends what the CPO sends: the partner as CPO, else the hub."""
    return "partner" if role == "CPO" else "hub"


def emsp(role: str) -> str:
    return "hub" if role == "CPO" else "partner"


def session(role: str, method: str, body: dict[str, Any]) -> Sent:
    return (cpo(role), method, "sessions/PT/CPO/S1", body, None)


PENDING = dict(SESSION, status="PENDING")
ACTIVE = dict(SESSION, status="ACTIVE", last_updated="2026-11-23T09:01:00Z")
MORE = {"kwh": 2.5, "last_updated": "2026-11-23T09:02:00Z"}


@pytest.mark.parametrize("role", ROLES)
def test_a_first_and_only_put_while_active_is_not_an_update_while_active(tmp_path: Path, role: str) -> None:
    only = marks(tmp_path, role, "sessions", [session(role, "PUT", ACTIVE)])
    assert "session-charging" not in only and "session-started" in only
    became = marks(tmp_path, role, "sessions", [session(role, "PUT", PENDING),
                                                 session(role, "PATCH", {**MORE, "status": "ACTIVE"})])
    assert "session-charging" not in became  # it became ACTIVE: not yet updated while ACTIVE
    updated = marks(tmp_path, role, "sessions", [session(role, "PUT", ACTIVE), session(role, "PATCH", MORE)])
    assert "session-charging" in updated


@pytest.mark.parametrize("role", ROLES)
def test_a_session_pushed_only_once_completed_was_not_seen_created(tmp_path: Path, role: str) -> None:
    completed = dict(SESSION, status="COMPLETED", end_date_time=SESSION["start_date_time"])
    found = marks(tmp_path, role, "sessions", [session(role, "PUT", completed)])
    assert "session-started" not in found and "session-completed" in found
    assert "session-started" in marks(tmp_path, role, "sessions", [session(role, "PUT", PENDING)])


@pytest.mark.parametrize("role", ROLES)
def test_an_evse_patch_without_a_new_status_is_no_status_change(tmp_path: Path, role: str) -> None:
    put = (cpo(role), "PUT", "locations/PT/CPO/L1/E1", EVSE, None)  # AVAILABLE

    def patched(body: dict[str, Any]) -> dict[str, str]:
        return marks(tmp_path, role, "locations", [put, (cpo(role), "PATCH", "locations/PT/CPO/L1/E1",
                                                         {**body, "last_updated": "2026-11-23T09:05:00Z"}, None)])

    assert "evse-status-patched" not in patched({"capabilities": ["RFID_READER"]})
    assert "evse-status-patched" not in patched({"status": "AVAILABLE"})
    assert "evse-status-patched" in patched({"status": "CHARGING"})


@pytest.mark.parametrize("role", ROLES)
def test_a_cdr_answered_without_its_location_header(tmp_path: Path, role: str) -> None:
    posted = [(cpo(role), "POST", "cdrs", dict(CDR, session_id="S1"), None)]
    assert "cdr-posted" not in marks(tmp_path, role, "cdrs", posted, cdr_location=False)
    assert "cdr-posted" in marks(tmp_path, role, "cdrs", posted)


@pytest.mark.parametrize("role", ROLES)
def test_every_refusal_the_title_names_is_a_refusal(tmp_path: Path, role: str) -> None:
    asked = [(cpo(role), "POST", "tokens/U1/authorize", None, {"allowed": "EXPIRED", "token": TOKEN})]
    assert "authorize-refused" in marks(tmp_path, role, "tokens", asked)
    allowed = [(cpo(role), "POST", "tokens/U1/authorize", None, {"allowed": "ALLOWED", "token": TOKEN})]
    assert "authorize-refused" not in marks(tmp_path, role, "tokens", allowed)


@pytest.mark.parametrize("role", ROLES)
def test_a_command_is_credited_only_with_its_own_result(tmp_path: Path, role: str) -> None:
    callback_base = HUB if emsp(role) == "hub" else PARTNER  # the eMSP's own URL the result goes to

    def command(n: int, result: str) -> Sent:
        body = dict(START, response_url=f"{callback_base}/commands/START_SESSION/{n}")
        return (emsp(role), "POST", "commands/START_SESSION", body, {"result": result, "timeout": 30})

    def result_to(n: int) -> Sent:
        return (cpo(role), "POST", f"{callback_base}/commands/START_SESSION/{n}", {"result": "ACCEPTED"}, None)

    other = marks(tmp_path, role, "commands", [command(1, "REJECTED"), command(2, "ACCEPTED"), result_to(1)])
    assert "start-session-accepted" not in other and "start-session-rejected" in other
    own = marks(tmp_path, role, "commands", [command(1, "REJECTED"), command(2, "ACCEPTED"), result_to(2)])
    assert "start-session-accepted" in own
