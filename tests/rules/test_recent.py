"""Bounded per-object state: the least recently used objects are forgotten, nothing else changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules import recent
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.recent import Recent, RecentSet


def test_the_least_recently_used_goes_first() -> None:
    kept: Recent[str, int] = Recent(limit=3)
    for name in "abc":
        kept[name] = ord(name)
    assert kept.get("a") == ord("a")  # a is now the most recent
    kept["d"] = 4
    assert list(kept) == ["c", "a", "d"]  # b, the least recently used, went
    assert kept.setdefault("e", 5) == 5 and "c" not in kept
    assert kept.get("zz", 0) == 0 and len(kept) == 3


def test_a_bounded_set() -> None:
    seen: RecentSet[int] = RecentSet(limit=2)
    for number in (1, 2, 3):
        seen.add(number)
    assert 1 not in seen and 2 in seen and 3 in seen
    seen.discard(2)
    seen.discard(7)
    assert list(seen) == [3]


def test_a_long_coherent_day_stays_clean_with_a_tiny_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    capture = tmp_path / "day.jsonl"
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "12000", "-o", str(capture), "--seed", "5"],
                   check=True, stdout=subprocess.DEVNULL)
    sessions = {line.split(b"/sessions/", 1)[1].split(b'"', 1)[0] for line in capture.read_bytes().splitlines()
                if b"/sessions/" in line}
    # More than the sessions used between two updates of one session (about 150 here, 143 open at most),
    # fewer than the day's sessions: the oldest are forgotten, and that changes nothing.
    monkeypatch.setattr(recent, "KEPT", 250)
    assert len(sessions) > recent.KEPT * 3 // 2
    result = check_capture(capture, profile=PROFILES["ocpi-2.2.1"], partner_role="CPO")
    assert [finding.code for finding in result.findings] == []
