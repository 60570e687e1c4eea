"""SES2xx and CDR2xx/3xx: a session's life and its CDR, each rule broken once and kept once."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange, format_timestamp
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import CDR, HUB, PARTNER, SESSION

URL = f"{HUB}/sessions/PT/CPO/S1"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc).timestamp()  # the envelopes' timestamp


def stamp(minute: int) -> str:
    return format_timestamp(T0 + 60 * minute)[:19] + "Z"


def patch(minute: int, **fields: Any) -> dict[str, Any]:
    return {**fields, "last_updated": stamp(minute)}


def at(exchange: Exchange, seq: int, second: float) -> Exchange:
    """The exchange as the seq-th of the capture, started `second` seconds into the day."""
    return msgspec.structs.replace(exchange, seq=seq, started=format_timestamp(T0 + second),
                                   ended=format_timestamp(T0 + second + 0.1))


def day(*steps: tuple[str, str, Any]) -> list[Exchange]:
    return [at(ocpi_exchange(method, url, body, seq=n), n, n) for n, (method, url, body) in enumerate(steps, start=1)]


PUT = ("PUT", URL, dict(SESSION, last_updated=stamp(0)))
ACTIVE = ("PATCH", URL, patch(1, status="ACTIVE", kwh=1.5, charging_periods=[
    {"start_date_time": stamp(1), "dimensions": [{"type": "ENERGY", "volume": 1.5}]}]))
MORE = ("PATCH", URL, patch(2, kwh=3.0, charging_periods=[
    {"start_date_time": stamp(2), "dimensions": [{"type": "ENERGY", "volume": 1.5}]}]))
COMPLETED = ("PATCH", URL, patch(3, status="COMPLETED", end_date_time=stamp(3)))
CDR_POST = ("POST", f"{HUB}/cdrs", dict(CDR, session_id="S1"))


# These captures hold sessions and CDRs only; references to locations and tokens (SES301, TOK302)
# are tested in test_references, and the CDR's numbers against the session (CDR302) below.
SESSIONS_ONLY = Selection(ignore=["SES301", "TOK302", "CDR302"])


def codes(tmp_path: Path, exchanges: list[Exchange], profile: str = "ocpi-2.2.1") -> list[tuple[str, str]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), SESSIONS_ONLY, profile=PROFILES[profile],
                           partner_role="CPO")
    return [(f.code, f.severity) for f in result.findings]


def test_a_whole_session_and_its_cdr_are_clean(tmp_path: Path) -> None:
    assert codes(tmp_path, day(PUT, ACTIVE, MORE, COMPLETED, CDR_POST)) == []


def test_going_back_from_active_is_an_error_and_a_path_the_spec_omits_a_warning(tmp_path: Path) -> None:
    back = ("PATCH", URL, patch(2, status="PENDING"))
    assert codes(tmp_path, day(PUT, ACTIVE, back, COMPLETED, CDR_POST)) == [("SES201", "error")]
    reservation = ("PATCH", URL, patch(1, status="RESERVATION"))
    assert codes(tmp_path, day(PUT, reservation, COMPLETED, CDR_POST)) == [("SES201", "warning")]


def test_a_change_after_completion(tmp_path: Path) -> None:
    late = ("PATCH", URL, patch(4, kwh=5.0))
    assert codes(tmp_path, day(PUT, ACTIVE, COMPLETED, late, CDR_POST)) == [("SES202", "error")]
    resend = ("PUT", URL, dict(SESSION, status="COMPLETED", last_updated=stamp(3)))
    assert codes(tmp_path, day(PUT, resend, resend, CDR_POST)) == []  # an identical re-send is fine


def test_a_patch_after_completion_sent_again_unchanged_is_no_change(tmp_path: Path) -> None:
    """§9.4.3: COMPLETED means no more modifications; the same PATCH again modifies nothing."""
    assert codes(tmp_path, day(PUT, ACTIVE, COMPLETED, COMPLETED, CDR_POST)) == []
    later = ("PATCH", URL, patch(4, status="COMPLETED", end_date_time=stamp(3)))  # a new stamp: a change
    assert codes(tmp_path, day(PUT, ACTIVE, COMPLETED, later, CDR_POST)) == [("SES202", "error")]


def test_energy_going_down(tmp_path: Path) -> None:
    down = ("PATCH", URL, patch(2, kwh=1.0))
    assert codes(tmp_path, day(PUT, ACTIVE, down, COMPLETED, CDR_POST)) == [("SES203", "error")]


def test_a_patch_before_the_put(tmp_path: Path) -> None:
    assert codes(tmp_path, day(ACTIVE, COMPLETED, CDR_POST)) == [("SES205", "warning")]


def test_periods_appended_out_of_order(tmp_path: Path) -> None:
    again = ("PATCH", URL, patch(2, kwh=3.0, charging_periods=[
        {"start_date_time": stamp(1), "dimensions": [{"type": "ENERGY", "volume": 1.5}]}]))
    assert codes(tmp_path, day(PUT, ACTIVE, again, COMPLETED, CDR_POST)) == [("SES206", "error")]


def period(start: str) -> dict[str, Any]:
    return {"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": 1.5}]}


def test_period_starts_are_compared_as_instants(tmp_path: Path) -> None:
    """§16.2: fractional seconds and a missing zone designator are valid DateTimes (UTC)."""
    first = ("PATCH", URL, patch(1, status="ACTIVE", kwh=1.5, charging_periods=[period("2026-11-23T09:01:00Z")]))
    for later in ("2026-11-23T09:01:00.5Z", "2026-11-23T09:01:30"):
        after = ("PATCH", URL, patch(2, kwh=3.0, charging_periods=[period(later)]))
        assert codes(tmp_path, day(PUT, first, after, COMPLETED, CDR_POST)) == []
    for earlier in ("2026-11-23T09:00:59.5Z", "2026-11-23T09:01:00"):
        before = ("PATCH", URL, patch(2, kwh=3.0, charging_periods=[period(earlier)]))
        assert codes(tmp_path, day(PUT, first, before, COMPLETED, CDR_POST)) == [("SES206", "error")]
    fraction = ("PATCH", URL, patch(1, status="ACTIVE", kwh=1.5, charging_periods=[period("2026-11-23T09:01:00.5Z")]))
    whole = ("PATCH", URL, patch(2, kwh=3.0, charging_periods=[period("2026-11-23T09:01:00Z")]))
    assert codes(tmp_path, day(PUT, fraction, whole, COMPLETED, CDR_POST)) == [("SES206", "error")]


def test_a_time_written_another_way_has_not_moved(tmp_path: Path) -> None:
    """§16.2: 09:03:00Z, 09:03:00.000Z and 09:03:00 are the same UTC instant."""
    ended = ("PATCH", URL, patch(3, end_date_time="2026-11-23T09:03:00Z"))
    for same in ("2026-11-23T09:03:00.000Z", "2026-11-23T09:03:00"):
        done = ("PATCH", URL, patch(4, status="COMPLETED", end_date_time=same))
        assert codes(tmp_path, day(PUT, ACTIVE, ended, done, CDR_POST)) == []
    moved = ("PATCH", URL, patch(4, status="COMPLETED", end_date_time="2026-11-23T09:03:00.5Z"))
    assert codes(tmp_path, day(PUT, ACTIVE, ended, moved, CDR_POST)) == [("SES207", "warning")]


def test_the_end_moved(tmp_path: Path) -> None:
    moved = ("PATCH", URL, patch(4, end_date_time=stamp(5)))
    done = ("PATCH", URL, patch(5, status="COMPLETED"))  # stamped after the move, or it would be SES204 too
    found = codes(tmp_path, day(PUT, ACTIVE, ("PATCH", URL, patch(3, end_date_time=stamp(3))), moved, done,
                                CDR_POST))
    assert found == [("SES207", "warning")]


def test_a_session_left_open_and_a_completed_one_without_cdr(tmp_path: Path) -> None:
    assert codes(tmp_path, day(PUT, ACTIVE)) == [("SES208", "warning")]
    assert codes(tmp_path, day(PUT, ACTIVE, COMPLETED)) == [("CDR206", "warning")]


def test_a_cdr_before_its_session_completed_points_at_the_last_update(tmp_path: Path) -> None:
    exchanges = day(PUT, ACTIVE, CDR_POST, COMPLETED)
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), SESSIONS_ONLY,
                           profile=PROFILES["ocpi-2.2.1"])
    [finding] = result.findings
    assert (finding.code, finding.seq) == ("CDR201", 3)
    assert [(n.seq, n.message) for n in finding.notes] == [(2, "last update of the session (ACTIVE)")]


def test_file_order_is_not_time_order(tmp_path: Path) -> None:
    """The COMPLETED update started before the CDR but finished after it: no CDR201."""
    put, active, completed, cdr = day(PUT, ACTIVE, COMPLETED, CDR_POST)
    slow_completion = msgspec.structs.replace(completed, ended=format_timestamp(T0 + 10))
    assert codes(tmp_path, [put, active, cdr, slow_completion]) == []


def test_cdr_duplicates(tmp_path: Path) -> None:
    assert codes(tmp_path, day(PUT, COMPLETED, CDR_POST, CDR_POST)) == [("CDR203", "error")]
    # The partner's own CDR: mobie's leniency is for the hub's re-sends (test_cdr_ledger_and_parties).
    assert codes(tmp_path, day(PUT, COMPLETED, CDR_POST, CDR_POST), profile="mobie") == [("CDR203", "error")]
    second = ("POST", f"{HUB}/cdrs", dict(CDR, id="C2", session_id="S1"))
    assert codes(tmp_path, day(PUT, COMPLETED, CDR_POST, second)) == [("CDR202", "error")]


def test_cdr_for_an_invalid_session(tmp_path: Path) -> None:
    invalid = ("PATCH", URL, patch(1, status="INVALID"))
    assert codes(tmp_path, day(PUT, invalid, CDR_POST)) == [("CDR207", "warning")]


def test_cdr_of_a_session_not_in_the_capture_is_a_warning_like_other_objects_never_put(tmp_path: Path) -> None:
    unknown = ("POST", f"{HUB}/cdrs", dict(CDR, session_id="S9"))
    for role, base, direction in (("CPO", HUB, "to_hub"), ("EMSP", PARTNER, "to_partner")):
        def posted(*steps: tuple[str, str, Any]) -> list[tuple[str, str]]:
            exchanges = [at(ocpi_exchange(method, url.replace(HUB, base), body, seq=n, direction=direction), n, n)
                         for n, (method, url, body) in enumerate(steps, start=1)]
            result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges),
                                   Selection(select=["CDR301", "CDR307", "SES205"]), profile=PROFILES["ocpi-2.2.1"],
                                   partner_role=role)
            return [(f.code, f.severity) for f in result.findings]

        assert posted(unknown) == [("CDR307", "warning")], role
        assert posted(("PATCH", URL, patch(1, kwh=2.0))) == [("SES205", "warning")], role  # the same fault
        assert posted(PUT, COMPLETED, ("POST", f"{HUB}/cdrs", dict(CDR, session_id="S1"))) == [], role


def test_cdr_that_contradicts_its_session(tmp_path: Path) -> None:
    other_token = ("POST", f"{HUB}/cdrs", dict(CDR, session_id="S1", cdr_token=dict(CDR["cdr_token"], uid="U7")))
    assert codes(tmp_path, day(PUT, COMPLETED, other_token)) == [("CDR301", "error")]


def test_cdr_numbers_against_the_session(tmp_path: Path) -> None:
    matching = ("POST", f"{HUB}/cdrs", dict(CDR, session_id="S1", start_date_time=SESSION["start_date_time"],
                                              end_date_time=stamp(3), total_energy=3.0))
    found = check_capture(write_capture(tmp_path / "c.jsonl", *day(PUT, ACTIVE, MORE, COMPLETED, matching)),
                          Selection(select=["CDR302"]), profile=PROFILES["ocpi-2.2.1"]).findings
    assert found == []
    more = ("POST", f"{HUB}/cdrs", dict(matching[2], total_energy=4.2))
    [finding] = check_capture(write_capture(tmp_path / "d.jsonl", *day(PUT, ACTIVE, MORE, COMPLETED, more)),
                              Selection(select=["CDR302"]), profile=PROFILES["ocpi-2.2.1"]).findings
    assert finding.code == "CDR302" and "total_energy 4.2 kWh, the session's kwh 3.0" in finding.message
