"""The benchmarks' synthetic captures: coherent (they replay clean) and deterministic (a seed, the same bytes).

Behaviour only: nothing here is timed.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

from conftest import REPO

from ocpi_tap.replay.capture import CaptureReader
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES

GENERATE = REPO / "bench" / "generate.py"


def generate(path: Path, count: int, seed: int) -> Path:
    subprocess.run([sys.executable, str(GENERATE), str(count), "-o", str(path), "--seed", str(seed)], check=True)
    return path


def test_a_synthetic_day_replays_without_findings(tmp_path: Path) -> None:
    capture = generate(tmp_path / "day.jsonl", 2000, seed=11)
    result = check_capture(capture, profile=PROFILES["ocpi-2.2.1"], partner_role="cpo")
    assert result.exchanges == 2000
    assert [f"{finding.code} {finding.message}" for finding in result.findings] == []


def test_it_holds_both_directions_and_the_modules_of_a_day(tmp_path: Path) -> None:
    capture = generate(tmp_path / "day.jsonl", 2000, seed=11)
    seen = set()
    with CaptureReader(capture) as reader:
        for item in reader:
            _, exchange = item  # type: ignore[misc]
            path = exchange.request.url.split("/ocpi/", 1)[1].split("?")[0].split("/")
            seen.add((exchange.direction, exchange.request.method, path[1] if len(path) > 1 else path[0]))
    assert {("to_hub", "PATCH", "locations"), ("to_hub", "PUT", "sessions"), ("to_hub", "PATCH", "sessions"),
            ("to_hub", "POST", "cdrs"), ("to_partner", "POST", "commands"), ("to_hub", "POST", "commands"),
            ("to_partner", "PUT", "tokens"), ("to_hub", "POST", "tokens"), ("to_partner", "GET", "locations"),
            ("to_hub", "POST", "credentials")} <= seen


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a.jsonl", 2000, seed=5).read_bytes()
    assert generate(tmp_path / "b.jsonl", 2000, seed=5).read_bytes() == first
    assert generate(tmp_path / "c.jsonl", 2000, seed=6).read_bytes() != first


def test_gzip_output_is_deterministic_and_holds_the_same_lines(tmp_path: Path) -> None:
    plain = generate(tmp_path / "a.jsonl", 500, seed=5).read_bytes()
    zipped = generate(tmp_path / "a.jsonl.gz", 500, seed=5).read_bytes()
    assert generate(tmp_path / "b.jsonl.gz", 500, seed=5).read_bytes() == zipped
    assert gzip.decompress(zipped) == plain
