"""SES204, SES209, SES401, SES402: a session's stamps and clock, and preferences for it; each broken once, kept once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange, format_timestamp
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CDR, EVSE, HUB, LOCATION, PARTNER, SESSION
from test_sessions_and_cdrs import ACTIVE, CDR_POST, COMPLETED, PUT, SESSIONS_ONLY, T0, URL, at, day, patch, stamp


def found(tmp_path: Path, exchanges: list[Exchange]) -> list[tuple[str, int | None, str]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), SESSIONS_ONLY,
                           profile=PROFILES["ocpi-2.2.1"], partner_role="CPO")
    return [(f.code, f.seq, f.severity) for f in result.findings]


def test_an_update_stamped_older_than_the_last_one(tmp_path: Path) -> None:
    older = ("PATCH", URL, patch(0, kwh=2.0))
    assert found(tmp_path, day(PUT, ACTIVE, older, COMPLETED, CDR_POST)) == [("SES204", 3, "error")]


def test_a_change_stamped_like_the_update_before_is_a_warning_and_a_resend_is_fine(tmp_path: Path) -> None:
    same_stamp = ("PATCH", URL, patch(1, kwh=2.0))
    assert found(tmp_path, day(PUT, ACTIVE, same_stamp, COMPLETED, CDR_POST)) == [("SES204", 3, "warning")]
    nothing_new = ("PATCH", URL, patch(1, kwh=1.5))
    assert found(tmp_path, day(PUT, ACTIVE, nothing_new, nothing_new, COMPLETED, CDR_POST)) == []


def test_the_old_stamp_is_adopted_so_a_clock_that_went_back_is_reported_once(tmp_path: Path) -> None:
    back, later = ("PATCH", URL, patch(0, kwh=2.0)), ("PATCH", URL, patch(0.5, kwh=2.5))
    assert found(tmp_path, day(PUT, ACTIVE, back, later, COMPLETED, CDR_POST)) == [("SES204", 3, "error")]


def preferences(seq: int) -> Exchange:
    return at(ocpi_exchange("PUT", f"{PARTNER}/sessions/S1/charging_preferences", {"profile_type": "FAST"},
                            "ACCEPTED", seq=seq, direction="to_partner"), seq, seq)


def test_charging_preferences_for_a_session_already_completed(tmp_path: Path) -> None:
    put, active, completed, cdr = day(PUT, ACTIVE, COMPLETED, CDR_POST)
    late = found(tmp_path, [put, active, completed, preferences(4), at(cdr, 5, 5)])
    assert late == [("SES209", 4, "warning")]
    assert found(tmp_path, [put, active, preferences(3), at(completed, 4, 4), at(cdr, 5, 5)]) == []


def test_preferences_for_an_evse_without_the_capability_are_answered_404_with_2001(tmp_path: Path) -> None:
    def location(*capabilities: str) -> Exchange:
        evse = dict(EVSE, capabilities=list(capabilities))
        return at(ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1", dict(LOCATION, evses=[evse]), seq=99), 1, 0.5)

    def refused(seq: int) -> Exchange:
        exchange = at(ocpi_exchange("PUT", f"{PARTNER}/sessions/S1/charging_preferences", {"profile_type": "FAST"},
                                    seq=seq, direction="to_partner", status_code=2001), seq, seq)
        assert exchange.response is not None
        return msgspec.structs.replace(exchange, response=msgspec.structs.replace(exchange.response, status=404))

    put, active, completed, cdr = (at(e, e.seq + 1, e.seq + 1) for e in day(PUT, ACTIVE, COMPLETED, CDR_POST))
    accepted = found(tmp_path, [location(), put, active, preferences(4), at(completed, 5, 5), at(cdr, 6, 6)])
    assert accepted == [("SES209", 4, "warning")]
    assert found(tmp_path, [location(), put, active, refused(4), at(completed, 5, 5), at(cdr, 6, 6)]) == []
    capable = location("CHARGING_PREFERENCES_CAPABLE", "REMOTE_START_STOP_CAPABLE")
    assert found(tmp_path, [capable, put, active, preferences(4), at(completed, 5, 5), at(cdr, 6, 6)]) == []


def test_a_session_time_in_the_future(tmp_path: Path) -> None:
    def finished(last_updated: str) -> tuple[str, str, Any]:
        return "PUT", URL, dict(SESSION, status="COMPLETED", end_date_time=stamp(0), last_updated=last_updated)

    assert found(tmp_path, day(finished(stamp(60)), CDR_POST)) == [("SES401", 1, "warning")]
    assert found(tmp_path, day(finished(stamp(4)), CDR_POST)) == []  # 4 minutes ahead: within the tolerance


def answered_at(method: str, url: str, body: Any, seq: int, second: float) -> Exchange:
    """An exchange `second` seconds into the day whose answer is stamped then too (or ENV401 would say so)."""
    envelope = {"status_code": 1000, "timestamp": format_timestamp(T0 + second)[:19] + "Z"}
    return at(ocpi_exchange(method, url, body, seq=seq, raw_response=msgspec.json.encode(envelope)), seq, second)


def silence(tmp_path: Path, quiet_until: float) -> list[tuple[str, int | None, str]]:
    """PUT at 1 s, ACTIVE at 2 s, the next PATCH at `quiet_until` s, COMPLETED and the CDR after it."""
    minute = quiet_until / 60
    exchanges = day(PUT, ACTIVE)
    for offset, (method, url, body) in enumerate((
        ("PATCH", URL, patch(minute + 1, kwh=3.0)),
        ("PATCH", URL, patch(minute + 2, status="COMPLETED", end_date_time=stamp(minute + 2))),
        CDR_POST,
    )):
        seq = 3 + offset
        exchanges.append(answered_at(method, url, body, seq, quiet_until + 60 * offset))
    return found(tmp_path, exchanges)


def test_an_active_session_without_news_for_too_long(tmp_path: Path) -> None:
    assert silence(tmp_path, 2000) == [("SES402", 2, "warning")]  # points at the last update before the silence
    assert silence(tmp_path, 800) == []  # the profile's interval is 900 s


def test_a_silence_until_the_end_of_the_capture_is_reported_at_finish(tmp_path: Path) -> None:
    put, active = day(PUT, ACTIVE)
    soon = answered_at("PUT", f"{HUB}/locations/PT/CPO/L1", LOCATION, 3, 800)
    assert found(tmp_path, [put, active, soon]) == [("SES208", 2, "warning")]
    slow = msgspec.structs.replace(soon, ended=format_timestamp(T0 + 1000))  # the capture ends past the deadline
    assert found(tmp_path, [put, active, slow]) == [("SES208", 2, "warning"), ("SES402", 2, "warning")]


def updates_with_a_malformed_one(tmp_path: Path, role: str, next_update: float) -> list[tuple[str, int | None, str]]:
    """ACTIVE at 2 s, a PATCH whose kwh is a string at 800 s, the next update at `next_update` s."""
    base, direction = (HUB, "to_hub") if role == "CPO" else (PARTNER, "to_partner")  # the CPO sends

    def sent(seq: int, second: float, method: str, path: str, body: Any) -> Exchange:
        envelope = {"status_code": 1000, "timestamp": format_timestamp(T0 + second)[:19] + "Z"}
        return at(ocpi_exchange(method, base + path, body, seq=seq, direction=direction,
                                raw_response=msgspec.json.encode(envelope)), seq, second)

    session = "/sessions/PT/CPO/S1"
    exchanges = [sent(1, 1, "PUT", session, PUT[2]), sent(2, 2, "PATCH", session, ACTIVE[2]),
                 sent(3, 800, "PATCH", session, patch(13, kwh="2.5")),
                 sent(4, next_update, "PATCH", session, patch(30, kwh=3.0)),
                 sent(5, next_update + 60, "PATCH", session, patch(31, status="COMPLETED", end_date_time=stamp(31))),
                 sent(6, next_update + 120, "POST", "/cdrs", dict(CDR, session_id="S1"))]
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), SESSIONS_ONLY,
                           profile=PROFILES["ocpi-2.2.1"], partner_role=role)
    return [(f.code, f.seq, f.severity) for f in result.findings if f.code.startswith("SES")]


def test_a_malformed_update_is_reported_once_and_still_counts_as_an_update(tmp_path: Path) -> None:
    for role in ("CPO", "EMSP"):
        assert updates_with_a_malformed_one(tmp_path, role, 1600) == [("SES001", 3, "error")], role
        # Silent for too long after the malformed update: the silence is counted from it.
        assert updates_with_a_malformed_one(tmp_path, role, 2000) == [("SES001", 3, "error"),
                                                                      ("SES402", 3, "warning")], role
