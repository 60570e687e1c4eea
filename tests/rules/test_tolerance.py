"""Catalogue 12.6 and 12.23: DateTimes with `+00:00` or six fractional digits, coordinates with the wrong
number of decimals. Reported with the profile's severity, and the object is still checked."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import msgspec

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from ocpi_tap.rules.tolerance import repair
from test_body_rules import HUB, LOCATION, PER_MESSAGE, SESSION
from test_sessions_and_cdrs import PUT, URL, at, day, patch, stamp

ENVELOPE_SELECTION = Selection(select=["ENV008", "SES001"])


@pytest.mark.parametrize(
    ("value", "fixed", "kind"),
    [
        ("2026-11-23T09:00:00+00:00", "2026-11-23T09:00:00Z", "datetime_offset"),
        ("2026-11-23T09:00:00.123+0000", "2026-11-23T09:00:00.123Z", "datetime_offset"),
        ("2026-11-23T09:00:00.123456Z", "2026-11-23T09:00:00.1234Z", "datetime_length"),
        ("2026-11-23T09:00:00.123456+00:00", "2026-11-23T09:00:00.1234Z", "datetime_offset"),
    ],
)
def test_date_times_are_put_right(value: str, fixed: str, kind: str) -> None:
    repaired = repair(orjson.dumps({"period": {"start": value}}))
    assert repaired is not None
    body, repairs = repaired
    assert orjson.loads(body) == {"period": {"start": fixed}}
    assert [(r.path, r.kind, r.original) for r in repairs] == [("$.period.start", kind, value)]


@pytest.mark.parametrize(("value", "fixed"), [("38.7", "38.70000"), ("-9.139337123", "-9.1393371"), ("38", "38.00000")])
def test_coordinates_are_put_right(value: str, fixed: str) -> None:
    repaired = repair(orjson.dumps({"coordinates": {"latitude": value}}))
    assert repaired is not None
    assert orjson.loads(repaired[0]) == {"coordinates": {"latitude": fixed}}


@pytest.mark.parametrize(
    "body",
    [b'{"start": "2026-11-23T09:00:00Z", "latitude": "38.70000"}', b'{"start": "2026-11-23T09:00:00+01:00"}',
     b'{"latitude": "north"}', b"not json"],
)
def test_what_is_right_or_beyond_repair_is_left_alone(body: bytes) -> None:
    assert repair(body) is None


def session_put(**fields: object) -> tuple[str, str, object]:
    return ("PUT", URL, dict(SESSION, last_updated=stamp(0), **fields))


def findings(tmp_path: Path, steps: list[tuple[str, str, object]], profile: str) -> list[tuple[str, int | None, str]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *day(*steps)), PER_MESSAGE,
                           profile=PROFILES[profile], partner_role="CPO")
    return [(f.code, f.seq, f.severity) for f in result.findings]


def test_a_utc_offset_is_an_error_in_strict_a_warning_under_mobie(tmp_path: Path) -> None:
    offset = session_put(start_date_time="2026-11-23T09:00:00+00:00")
    assert findings(tmp_path, [offset], "ocpi-2.2.1") == [("SES001", 1, "error")]
    assert findings(tmp_path, [offset], "mobie") == [("SES001", 1, "warning")]
    assert findings(tmp_path, [PUT], "ocpi-2.2.1") == []


def test_the_object_behind_a_tolerated_form_is_still_checked(tmp_path: Path) -> None:
    offset = session_put(kwh=5.0, start_date_time="2026-11-23T09:00:00+00:00")
    lower = ("PATCH", URL, patch(1, kwh=2.0))
    result = check_capture(write_capture(tmp_path / "c.jsonl", *day(offset, lower)), profile=PROFILES["mobie"],
                           partner_role="CPO")
    assert ("SES203", 2) in [(f.code, f.seq) for f in result.findings]  # kWh fell: the PUT was tracked


def test_six_fractional_digits_are_a_warning_in_every_profile(tmp_path: Path) -> None:
    long = session_put(start_date_time=stamp(0)[:19] + ".123456Z")
    assert findings(tmp_path, [long], "ocpi-2.2.1") == [("SES001", 1, "warning")]


def test_coordinate_precision_is_its_own_rule(tmp_path: Path) -> None:
    coordinates = {"latitude": "38.7", "longitude": "-9.13933"}
    put = ("PUT", f"{HUB}/locations/PT/CPO/L1", dict(LOCATION, coordinates=coordinates))
    assert findings(tmp_path, [put], "ocpi-2.2.1") == [("LOC005", 1, "error")]
    assert findings(tmp_path, [put], "mobie") == [("LOC005", 1, "warning")]
    clean = ("PUT", f"{HUB}/locations/PT/CPO/L1", LOCATION)
    assert findings(tmp_path, [clean], "ocpi-2.2.1") == []


def envelope_stamped(tmp_path: Path, timestamp: str, profile: str, role: str) -> list[tuple[str, str]]:
    """A session PUT whose answer's envelope timestamp is `timestamp`, sent by the CPO (the partner as CPO,
    or the hub to an eMSP partner)."""
    [exchange] = day(PUT)
    assert exchange.response is not None
    envelope = msgspec.json.encode({"status_code": 1000, "timestamp": timestamp})
    exchange = msgspec.structs.replace(exchange, response=msgspec.structs.replace(
        exchange.response, body=msgspec.Raw(envelope)))
    if role == "EMSP":
        exchange = msgspec.structs.replace(exchange, direction="to_partner", request=msgspec.structs.replace(
            exchange.request, url=exchange.request.url.replace(HUB, "https://cpo.example.com/ocpi/2.2.1")))
    result = check_capture(write_capture(tmp_path / "c.jsonl", exchange), ENVELOPE_SELECTION,
                           profile=PROFILES[profile], partner_role=role)
    return [(f.code, f.severity) for f in result.findings]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_tolerated_form_has_the_same_severity_in_the_envelope_as_in_a_body(tmp_path: Path, role: str) -> None:
    long, offset = "2026-11-23T09:00:01.123456Z", "2026-11-23T09:00:01+00:00"
    assert envelope_stamped(tmp_path, long, "ocpi-2.2.1", role) == [("ENV008", "warning")]
    assert envelope_stamped(tmp_path, offset, "ocpi-2.2.1", role) == [("ENV008", "error")]
    assert envelope_stamped(tmp_path, offset, "mobie", role) == [("ENV008", "warning")]
    assert envelope_stamped(tmp_path, "23/11/2026 09:00", "mobie", role) == [("ENV008", "error")]  # not tolerated
    assert envelope_stamped(tmp_path, "2026-11-23T09:00:01Z", "mobie", role) == []


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_an_answer_behind_a_tolerated_timestamp_is_still_read(tmp_path: Path, role: str) -> None:
    """The EVSE PATCH finds the location its pull read, and the answer's status code is still checked."""
    pull_base, pull_direction = ("https://cpo.example.com/ocpi/2.2.1", "to_partner") if role == "CPO" else (
        HUB, "to_hub")
    push_base, push_direction = (HUB, "to_hub") if role == "CPO" else (
        "https://cpo.example.com/ocpi/2.2.1", "to_partner")

    def pulled(timestamp: str, status_code: int = 1000) -> list[tuple[str, str]]:
        envelope = {"data": [LOCATION], "status_code": status_code, "timestamp": timestamp}
        pull = ocpi_exchange("GET", f"{pull_base}/locations?offset=0&limit=10", direction=pull_direction,
                             raw_response=msgspec.json.encode(envelope),
                             response_headers=[("X-Total-Count", "1"), ("X-Limit", "10")])
        patch_evse = ocpi_exchange("PATCH", f"{push_base}/locations/PT/CPO/L1/E1", seq=2, direction=push_direction,
                                   request_body={"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"})
        result = check_capture(write_capture(tmp_path / "c.jsonl", *at_seconds(pull, patch_evse)),
                               Selection(select=["ENV008", "ENV120", "LOC202"]), profile=PROFILES["mobie"],
                               partner_role=role)
        return [(f.code, f.severity) for f in result.findings]

    assert pulled("2026-11-23T09:00:01+00:00") == [("ENV008", "warning")]
    assert pulled("2026-11-23T09:00:01+00:00", 200) == [("ENV008", "warning"), ("ENV120", "error"),
                                                         ("LOC202", "warning")]  # no success: no data read
    # Not a tolerated form: an error, and still the data is read (issue 16: one defect must not hide the others).
    assert pulled("2026-11-23 09:00") == [("ENV008", "error")]


def at_seconds(*exchanges: Exchange) -> list[Exchange]:
    return [at(exchange, n, n) for n, exchange in enumerate(exchanges, start=1)]
