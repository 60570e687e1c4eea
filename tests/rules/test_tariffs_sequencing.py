"""TAR201/TAR202: tariffs across their pushes and deletions."""

from __future__ import annotations

from pathlib import Path

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CONNECTOR, EVSE, HUB, LOCATION, TARIFF
from test_sessions_and_cdrs import at

T1 = f"{HUB}/tariffs/PT/CPO/T1"
L1 = f"{HUB}/locations/PT/CPO/L1"
LISTING_T1 = dict(LOCATION, evses=[dict(EVSE, connectors=[dict(CONNECTOR, tariff_ids=["T1"])])])


def step(seq: int, method: str, url: str, body: object = None) -> Exchange:
    return at(ocpi_exchange(method, url, body, seq=seq), seq, seq)


def codes(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=PROFILES["ocpi-2.2.1"],
                          partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def test_a_tariff_deleted_while_a_connector_lists_it(tmp_path: Path) -> None:
    assert codes(tmp_path, step(1, "PUT", T1, TARIFF), step(2, "PUT", L1, LISTING_T1),
                 step(3, "DELETE", T1)) == [("TAR201", 3)]


def test_a_tariff_deleted_after_its_connectors_moved_on(tmp_path: Path) -> None:
    moved = {"tariff_ids": [], "last_updated": "2026-11-23T09:05:00Z"}
    assert codes(tmp_path, step(1, "PUT", T1, TARIFF), step(2, "PUT", L1, LISTING_T1),
                 step(3, "PATCH", f"{L1}/E1/1", moved), step(4, "DELETE", T1)) == []
    removed = {"status": "REMOVED", "last_updated": "2026-11-23T09:05:00Z"}
    assert codes(tmp_path, step(1, "PUT", T1, TARIFF), step(2, "PUT", L1, LISTING_T1),
                 step(3, "PATCH", f"{L1}/E1", removed), step(4, "DELETE", T1)) == []


def test_a_tariff_put_older_than_the_one_before(tmp_path: Path) -> None:
    newer = dict(TARIFF, last_updated="2026-11-23T10:00:00Z")
    assert codes(tmp_path, step(1, "PUT", T1, newer), step(2, "PUT", T1, TARIFF)) == [("TAR202", 2)]
    assert codes(tmp_path, step(1, "PUT", T1, TARIFF), step(2, "PUT", T1, newer), step(3, "PUT", T1, newer)) == []
