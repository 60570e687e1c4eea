"""CMD207, CMD208, SES210: reservations, their cancellation, and the session a reservation creates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from captures import write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import HUB, PARTNER, SESSION, TOKEN
from test_command_sessions import step

RESERVE_URL = "https://recorder.example:8081/ocpi/2.2.1/commands/RESERVE_NOW/50"
RESERVE_RESULT_URL = f"{HUB}/commands/RESERVE_NOW/50"
CANCEL_URL = "https://recorder.example:8081/ocpi/2.2.1/commands/CANCEL_RESERVATION/51"
RESERVE = {"response_url": RESERVE_URL, "token": TOKEN, "expiry_date": "2026-11-23T10:00:00Z",
           "reservation_id": "R1", "location_id": "L2"}
SESSION_URL = f"{HUB}/sessions/PT/CPO/S2"
RESERVED = dict(SESSION, id="S2", location_id="L2", auth_method="COMMAND", status="RESERVATION")
# No locations, tokens or CDRs here: those references and the reservation session's end are other rules'.
ONLY_RESERVATIONS = Selection(ignore=["SES301", "TOK302", "SES208"])


def found(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), ONLY_RESERVATIONS,
                           profile=PROFILES["ocpi-2.2.1"], partner_role="CPO")
    return [(f.code, f.seq) for f in result.findings]


def command(seq: int, kind: str, body: dict[str, Any], answer: str = "ACCEPTED") -> Exchange:
    return step(seq, "POST", f"{PARTNER}/commands/{kind}", body, {"result": answer, "timeout": 30},
                direction="to_partner")


def reserve(seq: int, answer: str = "ACCEPTED") -> Exchange:
    return command(seq, "RESERVE_NOW", RESERVE, answer)


def result(seq: int, outcome: str = "ACCEPTED") -> Exchange:
    return step(seq, "POST", RESERVE_RESULT_URL, {"result": outcome})


def cancel(seq: int, reservation_id: str) -> Exchange:
    return command(seq, "CANCEL_RESERVATION", {"response_url": CANCEL_URL, "reservation_id": reservation_id})


def cancelled(seq: int) -> Exchange:
    return step(seq, "POST", f"{HUB}/commands/CANCEL_RESERVATION/51", {"result": "ACCEPTED"})


def test_reserve_session_and_cancel_are_clean(tmp_path: Path) -> None:
    assert found(tmp_path, reserve(1), result(2), step(3, "PUT", SESSION_URL, RESERVED), cancel(4, "R1"),
                 cancelled(5)) == []


def test_cancelling_a_reservation_never_made(tmp_path: Path) -> None:
    assert found(tmp_path, reserve(1), result(2), step(3, "PUT", SESSION_URL, RESERVED), cancel(4, "R2"),
                 cancelled(5)) == [("CMD207", 4)]


def test_a_reservation_without_its_session(tmp_path: Path) -> None:
    assert found(tmp_path, reserve(1), result(2)) == [("CMD208", 1)]
    assert found(tmp_path, reserve(1), result(2, "EVSE_OCCUPIED")) == []  # nothing was reserved
    assert found(tmp_path, reserve(1, "REJECTED")) == []


def test_the_session_of_a_reservation_starts_other_than_reservation(tmp_path: Path) -> None:
    pending = step(3, "PUT", SESSION_URL, dict(RESERVED, status="PENDING"))
    assert found(tmp_path, reserve(1), result(2), pending) == [("SES210", 3)]  # and no CMD208 besides


def test_a_session_before_the_result_counts_and_a_start_ends_the_wait(tmp_path: Path) -> None:
    assert found(tmp_path, reserve(1), step(2, "PUT", SESSION_URL, RESERVED), result(3)) == []
    start = command(3, "START_SESSION", {"response_url": f"{HUB}/commands/START_SESSION/52", "token": TOKEN,
                                         "location_id": "L2"})
    started = step(4, "PUT", SESSION_URL, dict(RESERVED, status="PENDING"))
    # The PENDING session may be the start's: no SES210; the reservation itself never got its session.
    assert found(tmp_path, reserve(1), result(2), start, started) == [("CMD208", 1), ("CMD202", 3)]
