"""CMD2xx/4xx: an accepted command gets one result at its response_url, in time."""

from __future__ import annotations

from pathlib import Path

import msgspec

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange, format_timestamp
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import HUB, PARTNER, START
from test_sessions_and_cdrs import T0, at

RESPONSE_URL = "https://recorder.example:8081/ocpi/2.2.1/commands/START_SESSION/42"  # as the eMSP advertised it
RESULT_URL = f"{HUB}/commands/START_SESSION/42"  # as the capture records the upstream called


def command(seq: int, second: float, result: str = "ACCEPTED", kind: str = "START_SESSION",
            body: dict[str, object] | None = None) -> Exchange:
    sent = body or dict(START, response_url=RESPONSE_URL)
    return at(ocpi_exchange("POST", f"{PARTNER}/commands/{kind}", sent, {"result": result, "timeout": 30},
                            seq=seq, direction="to_partner"), seq, second)


def result(seq: int, second: float, outcome: str = "ACCEPTED", url: str = RESULT_URL) -> Exchange:
    return at(ocpi_exchange("POST", url, {"result": outcome}, seq=seq), seq, second)


# Results only: the session a START_SESSION promises (CMD205) is tested in test_command_sessions,
# the one a RESERVE_NOW promises (CMD208) in test_reservations.
RESULTS_ONLY = Selection(ignore=["CMD205", "CMD208"])


def codes(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), RESULTS_ONLY,
                          profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def test_an_accepted_command_with_its_result_in_time_is_clean(tmp_path: Path) -> None:
    assert codes(tmp_path, command(1, 1), result(2, 10)) == []


def test_a_result_that_never_comes(tmp_path: Path) -> None:
    assert codes(tmp_path, command(1, 1)) == [("CMD202", 1)]


def test_a_late_result(tmp_path: Path) -> None:
    assert codes(tmp_path, command(1, 1), result(2, 60)) == [("CMD401", 2)]  # timeout 30 + grace 5


def test_a_second_result_and_the_reservation_exception(tmp_path: Path) -> None:
    assert codes(tmp_path, command(1, 1), result(2, 5), result(3, 6)) == [("CMD204", 3)]
    reserve = dict(START, response_url=RESPONSE_URL, expiry_date="2026-11-23T10:00:00Z", reservation_id="R1")
    reserve.pop("authorization_reference", None)
    assert codes(tmp_path, command(1, 1, kind="RESERVE_NOW", body=reserve), result(2, 5),
                 result(3, 6, "CANCELED_RESERVATION")) == []


def test_a_result_after_a_rejection_points_at_the_answer(tmp_path: Path) -> None:
    capture = write_capture(tmp_path / "c.jsonl", command(1, 1, result="REJECTED"), result(2, 5))
    [finding] = check_capture(capture, RESULTS_ONLY, profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    assert (finding.code, finding.seq) == ("CMD201", 2)
    assert [(n.seq, n.message) for n in finding.notes] == [(1, "the command was answered REJECTED here")]


def test_a_result_to_a_url_no_command_gave(tmp_path: Path) -> None:
    assert codes(tmp_path, command(1, 1), result(2, 5), result(3, 6, url=f"{HUB}/commands/START_SESSION/43")) == [
        ("CMD203", 3)]


def test_a_slow_command_response(tmp_path: Path) -> None:
    slow = msgspec.structs.replace(command(1, 1), ended=format_timestamp(T0 + 9))  # answered after 8 s
    assert codes(tmp_path, slow, result(2, 10)) == [("CMD402", 1)]
    quick = msgspec.structs.replace(command(1, 1), ended=format_timestamp(T0 + 4))  # 3 s: within the 5 s
    assert codes(tmp_path, quick, result(2, 10)) == []
