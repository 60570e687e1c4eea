"""The golden test: every stored capture under captures/ replays to exactly the findings beside it."""

from __future__ import annotations

import json
import subprocess
import sys
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


def captures_as_stored() -> dict[str, tuple[int, int]]:
    """Every file under captures/ with its size and modification time: a rewrite shows, even to equal bytes."""
    return {path.name: (path.stat().st_size, path.stat().st_mtime_ns) for path in (REPO / "captures").iterdir()}


@pytest.mark.parametrize(("arguments", "status", "said"), [
    (["--help"], 0, "Regenerate the reference captures"),
    (["--no-such-flag"], 2, "unrecognized arguments: --no-such-flag"),
    (["no-such-fault"], 2, "unknown fault(s): no-such-fault"),
])
def test_regenerate_only_regenerates_when_asked_exactly(arguments: list[str], status: int, said: str) -> None:
    before = captures_as_stored()
    done = subprocess.run([sys.executable, str(REPO / "captures" / "regenerate.py"), *arguments],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == status, done.stderr
    assert said in done.stdout + done.stderr
    assert "usage: captures/regenerate.py" in done.stdout + done.stderr
    assert captures_as_stored() == before
