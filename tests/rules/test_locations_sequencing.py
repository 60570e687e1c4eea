"""LOC201/LOC202: locations across their pushes."""

from __future__ import annotations

from pathlib import Path

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import EVSE, HUB, LOCATION
from test_sessions_and_cdrs import at

L1 = f"{HUB}/locations/PT/CPO/L1"


def step(seq: int, method: str, url: str, body: object) -> Exchange:
    return at(ocpi_exchange(method, url, body, seq=seq), seq, seq)


def codes(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=PROFILES["ocpi-2.2.1"],
                          partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def test_put_then_patches_moving_forward_is_clean(tmp_path: Path) -> None:
    assert codes(tmp_path, step(1, "PUT", L1, LOCATION),
                 step(2, "PATCH", f"{L1}/E1", {"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"}),
                 step(3, "PATCH", f"{L1}/E1", {"status": "AVAILABLE", "last_updated": "2026-11-23T09:06:00Z"})) == []


def test_an_older_update_after_a_newer_one(tmp_path: Path) -> None:
    assert codes(tmp_path, step(1, "PUT", L1, LOCATION),
                 step(2, "PATCH", f"{L1}/E1", {"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"}),
                 step(3, "PATCH", f"{L1}/E1", {"status": "AVAILABLE", "last_updated": "2026-11-23T09:01:00Z"}),
                 ) == [("LOC201", 3)]


def test_an_evse_of_a_location_never_put(tmp_path: Path) -> None:
    assert codes(tmp_path, step(1, "PUT", f"{L1}/E1", EVSE),
                 step(2, "PATCH", f"{L1}/E1", {"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"}),
                 ) == [("LOC202", 1)]  # said once per location
