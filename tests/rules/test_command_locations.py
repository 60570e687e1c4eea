"""CMD301-CMD303: commands name published places with the capabilities they need."""

from __future__ import annotations

from pathlib import Path

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import EVSE, HUB, LOCATION, PARTNER, SESSION, START
from test_sessions_and_cdrs import at

PLACES = Selection(select=["CMD301", "CMD302", "CMD303"])
L1 = f"{HUB}/locations/PT/CPO/L1"
CAPABLE = ["REMOTE_START_STOP_CAPABLE", "RESERVABLE", "UNLOCK_CAPABLE"]
UNLOCK = {"response_url": f"{HUB}/commands/UNLOCK_CONNECTOR/7", "location_id": "L1", "evse_uid": "E1",
          "connector_id": "1"}


def location(*capabilities: str) -> Exchange:
    return ocpi_exchange("PUT", L1, dict(LOCATION, evses=[dict(EVSE, capabilities=list(capabilities))]))


def command(kind: str, body: dict[str, object], result: str = "ACCEPTED", status_code: int = 1000) -> Exchange:
    return ocpi_exchange("POST", f"{PARTNER}/commands/{kind}", body, {"result": result, "timeout": 30},
                         direction="to_partner", status_code=status_code)


def start(**changes: object) -> Exchange:
    return command("START_SESSION", {**START, "evse_uid": "E1", "connector_id": "1", **changes})


def codes(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    timed = [at(exchange, n, n) for n, exchange in enumerate(exchanges, start=1)]
    found = check_capture(write_capture(tmp_path / "c.jsonl", *timed), PLACES, profile=PROFILES["ocpi-2.2.1"],
                          partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def test_commands_for_known_capable_evses_are_clean(tmp_path: Path) -> None:
    stop = command("STOP_SESSION", {"response_url": f"{HUB}/commands/STOP_SESSION/8", "session_id": "S1"})
    session = ocpi_exchange("PUT", f"{HUB}/sessions/PT/CPO/S1", SESSION)
    assert codes(tmp_path, location(*CAPABLE), start(), command("UNLOCK_CONNECTOR", UNLOCK), session, stop) == []


def test_an_accepted_command_for_an_unknown_location_evse_or_connector(tmp_path: Path) -> None:
    assert codes(tmp_path, location(*CAPABLE), start(location_id="L9"), start(evse_uid="E9"),
                 start(connector_id="9")) == [("CMD301", 2), ("CMD301", 3), ("CMD301", 4)]


def test_a_refused_command_or_an_unknown_cpo_says_nothing(tmp_path: Path) -> None:
    assert codes(tmp_path, location(*CAPABLE), command("START_SESSION", dict(START, location_id="L9"), "REJECTED"),
                 command("START_SESSION", dict(START, location_id="L9"), status_code=2003)) == []
    assert codes(tmp_path, start(location_id="L9")) == []  # nothing known of this CPO's locations


def test_start_session_without_the_connector_the_evse_requires(tmp_path: Path) -> None:
    required = location(*CAPABLE, "START_SESSION_CONNECTOR_REQUIRED")
    without = command("START_SESSION", dict(START, evse_uid="E1"))
    assert codes(tmp_path, required, without) == [("CMD302", 2)]
    assert codes(tmp_path, required, start()) == []
    assert codes(tmp_path, location(*CAPABLE), without) == []


def test_a_command_accepted_for_an_evse_without_the_capability(tmp_path: Path) -> None:
    stop = command("STOP_SESSION", {"response_url": f"{HUB}/commands/STOP_SESSION/8", "session_id": "S1"})
    session = ocpi_exchange("PUT", f"{HUB}/sessions/PT/CPO/S1", SESSION)
    assert codes(tmp_path, location("REMOTE_START_STOP_CAPABLE"), command("UNLOCK_CONNECTOR", UNLOCK)
                 ) == [("CMD303", 2)]
    assert codes(tmp_path, location("UNLOCK_CAPABLE"), session, stop) == [("CMD303", 3)]
    assert codes(tmp_path, location("REMOTE_START_STOP_CAPABLE"),
                 command("UNLOCK_CONNECTOR", UNLOCK, "REJECTED")) == []
