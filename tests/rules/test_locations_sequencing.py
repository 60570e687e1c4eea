"""LOC201-LOC205: locations across their pushes."""

from __future__ import annotations

from pathlib import Path

import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CONNECTOR, EVSE, HUB, LOCATION, PARTNER
from test_sessions_and_cdrs import at

L1 = f"{HUB}/locations/PT/CPO/L1"


def step(seq: int, method: str, url: str, body: object, status_code: int = 1000) -> Exchange:
    return at(ocpi_exchange(method, url, body, seq=seq, status_code=status_code), seq, seq)


def with_evses(*evses: dict[str, object]) -> dict[str, object]:
    return dict(LOCATION, evses=list(evses))


E2 = dict(EVSE, uid="E2")
REMOVED_E2 = dict(E2, status="REMOVED")


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


def test_an_evse_left_out_of_a_later_put(tmp_path: Path) -> None:
    assert codes(tmp_path, step(1, "PUT", L1, with_evses(EVSE, E2)), step(2, "PUT", L1, with_evses(EVSE)),
                 step(3, "PUT", L1, with_evses(EVSE))) == [("LOC203", 2)]  # said once; the new list is adopted


def test_an_evse_removed_first_may_then_be_left_out(tmp_path: Path) -> None:
    assert codes(tmp_path, step(1, "PUT", L1, with_evses(EVSE, E2)), step(2, "PUT", L1, with_evses(EVSE, REMOVED_E2)),
                 step(3, "PUT", L1, with_evses(EVSE))) == []


def test_an_evse_coming_back_from_removed(tmp_path: Path) -> None:
    assert codes(tmp_path, step(1, "PUT", L1, with_evses(EVSE, E2)),
                 step(2, "PATCH", f"{L1}/E2", {"status": "REMOVED", "last_updated": "2026-11-23T09:05:00Z"}),
                 step(3, "PATCH", f"{L1}/E2", {"status": "AVAILABLE", "last_updated": "2026-11-23T09:06:00Z"}),
                 step(4, "PATCH", f"{L1}/E2", {"status": "CHARGING", "last_updated": "2026-11-23T09:07:00Z"}),
                 ) == [("LOC204", 3)]


def test_the_uid_of_a_removed_evse_reused_at_another_location(tmp_path: Path) -> None:
    l2 = dict(LOCATION, id="L2", evses=[E2])
    assert codes(tmp_path, step(1, "PUT", L1, with_evses(EVSE, REMOVED_E2)),
                 step(2, "PUT", f"{HUB}/locations/PT/CPO/L2", l2)) == [("LOC204", 2)]
    assert codes(tmp_path, step(1, "PUT", L1, with_evses(EVSE, REMOVED_E2)),
                 step(2, "PUT", f"{HUB}/locations/PT/CPO/L2", dict(l2, evses=[dict(E2, uid="E3")]))) == []


def test_patching_again_after_a_refused_patch(tmp_path: Path) -> None:
    patch = {"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"}
    later = {"status": "AVAILABLE", "last_updated": "2026-11-23T09:06:00Z"}
    assert codes(tmp_path, step(1, "PUT", L1, LOCATION), step(2, "PATCH", f"{L1}/E1", patch, status_code=2001),
                 step(3, "PATCH", f"{L1}/E1", later), step(4, "PATCH", f"{L1}/E1", later)) == [("LOC205", 3)]


def test_a_get_or_put_after_a_refused_patch_resyncs(tmp_path: Path) -> None:
    patch = {"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"}
    later = {"status": "AVAILABLE", "last_updated": "2026-11-23T09:06:00Z"}
    assert codes(tmp_path, step(1, "PUT", L1, LOCATION), step(2, "PATCH", f"{L1}/E1", patch, status_code=2001),
                 at(ocpi_exchange("GET", f"{L1}/E1", None, EVSE, seq=3), 3, 3),
                 step(4, "PATCH", f"{L1}/E1", later)) == []
    assert codes(tmp_path, step(1, "PUT", L1, LOCATION), step(2, "PATCH", f"{L1}/E1", patch, status_code=2001),
                 step(3, "PUT", L1, LOCATION), step(4, "PATCH", f"{L1}/E1", later)) == []


# LOC206: an update under an EVSE or connector the receiver's location does not have

PUSHER = {"CPO": ("to_hub", HUB, "partner"), "EMSP": ("to_partner", PARTNER, "hub")}  # partner role -> the CPO side
STATUS = {"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"}


NAMED = dict(LOCATION, evses=[dict(EVSE, evse_id="PT*CPO*E1")])


def pushed(tmp_path: Path, role: str, *steps: tuple[str, str, object]) -> list[tuple[str, int | None, str,
                                                                                      str | None]]:
    """The steps as the CPO pushes them (the partner, or the hub to an eMSP partner); URLs below L1."""
    direction, base, _ = PUSHER[role]
    exchanges = [at(ocpi_exchange(method, f"{base}/locations/PT/CPO/L1{below}", body, seq=n, direction=direction), n, n)
                 for n, (method, below, body) in enumerate(steps, start=1)]
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=PROFILES["ocpi-2.2.1"],
                          partner_role=role).findings
    return [(f.code, f.seq, f.message, f.culprit) for f in found]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_patch_naming_the_evse_by_its_evse_id(tmp_path: Path, role: str) -> None:
    culprit = PUSHER[role][2]
    found = pushed(tmp_path, role, ("PUT", "", NAMED), ("PATCH", "/PT*CPO*E1", STATUS), ("PATCH", "/PT*CPO*E1", STATUS))
    assert found == [("LOC206", 2, "EVSE PT*CPO*E1 is updated under location PT/CPO/L1, which has EVSE uids E1 "
                                   "(PT*CPO*E1 is the evse_id of EVSE E1)", culprit)]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_connector_patched_or_put_under_an_evse_the_location_lacks(tmp_path: Path, role: str) -> None:
    culprit = PUSHER[role][2]
    found = pushed(tmp_path, role, ("PUT", "", LOCATION), ("PATCH", "/E1/3", {"last_updated": "2026-11-23T09:05:00Z"}),
                   ("PUT", "/E7/1", CONNECTOR))
    assert found == [
        ("LOC206", 2, "connector 3 of EVSE E1 is updated under location PT/CPO/L1, which has connector ids 1 on "
                      "that EVSE", culprit),
        ("LOC206", 3, "EVSE E7 is updated under location PT/CPO/L1, which has EVSE uids E1", culprit)]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_updates_under_the_evses_and_connectors_pushed_are_clean(tmp_path: Path, role: str) -> None:
    """An EVSE PUT on its own is new, and so is a connector PUT under a known EVSE; both may be PATCHed."""
    assert pushed(tmp_path, role, ("PUT", "", NAMED), ("PATCH", "/E1", STATUS),
                  ("PATCH", "/E1/1", {"last_updated": "2026-11-23T09:05:00Z"}), ("PUT", "/E2", E2),
                  ("PATCH", "/E2", STATUS), ("PUT", "/E1/2", dict(CONNECTOR, id="2")),
                  ("PATCH", "/E1/2", {"last_updated": "2026-11-23T09:06:00Z"})) == []


def test_a_removed_evse_left_out_of_a_later_put_is_still_known(tmp_path: Path) -> None:
    """An EVSE pushed as REMOVED may be left out of later PUTs (LOC203); the receiver keeps it."""
    assert pushed(tmp_path, "CPO", ("PUT", "", with_evses(EVSE, E2)), ("PUT", "", with_evses(EVSE, REMOVED_E2)),
                  ("PUT", "", with_evses(EVSE)),
                  ("PATCH", "/E2", {"last_updated": "2026-11-23T09:05:00Z"})) == []
