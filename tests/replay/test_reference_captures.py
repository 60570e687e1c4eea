"""The golden test: every stored capture under captures/ replays to exactly the findings beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO
from ocpi_tap.peers.faults import FAULTS
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES

CAPTURES = sorted((REPO / "captures").glob("*.jsonl"))


def test_there_is_a_clean_day_per_role_and_a_capture_per_fault() -> None:
    names = {path.stem for path in CAPTURES}
    assert {"clean-cpo", "clean-emsp"} <= names
    assert {f"fault-{name}" for name in FAULTS} <= names


@pytest.mark.parametrize("capture", CAPTURES, ids=[path.stem for path in CAPTURES])
def test_the_capture_gives_exactly_its_expected_findings(capture: Path) -> None:
    expected = json.loads(capture.with_suffix(".expected.json").read_text())
    result = check_capture(capture, profile=PROFILES[expected["profile"]], partner_role=expected["role"].upper())
    found = [{"code": f.code, "seq": f.seq, "path": f.path} for f in result.findings]
    assert found == expected["findings"]
    if capture.stem.startswith("clean-"):
        assert found == []
    else:
        assert {f["code"] for f in found} == set(FAULTS[capture.stem.removeprefix("fault-")].expect)
