"""`-j N`: captures replayed in several processes give exactly what one process gives, in the same order."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import BIN, REPO
from ocpi_tap.replay.parallel import run_all

CAPTURES = sorted(str(path) for path in (REPO / "captures").glob("fault-*.jsonl"))[:6]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ocpi-tap"), *args], capture_output=True, text=True, timeout=300)


def test_replay_in_two_processes_reports_what_one_process_does() -> None:
    one = run("replay", "--format", "json", *CAPTURES)
    two = run("replay", "--format", "json", "-j", "2", *CAPTURES)
    assert (one.returncode, two.returncode) == (1, 1)
    report_one, report_two = json.loads(one.stdout), json.loads(two.stdout)
    assert report_two["findings"] == report_one["findings"] and report_two["captures"] == report_one["captures"]
    assert [entry["capture"] for entry in report_two["captures"]] == CAPTURES  # the order given, not finishing order


def test_check_in_parallel_and_a_bad_capture_is_still_a_usage_error(tmp_path: Path) -> None:
    assert run("check", "-j", "0", str(REPO / "captures")).returncode == 0
    not_a_capture = tmp_path / "junk.jsonl"
    not_a_capture.write_text("hello\n")
    failed = run("replay", "-j", "2", CAPTURES[0], str(not_a_capture))
    assert failed.returncode == 2 and "junk.jsonl" in failed.stderr


def square(number: int) -> int:
    return number * number


def test_results_come_back_in_order_and_progress_counts_up() -> None:
    seen: list[tuple[int, int]] = []
    assert run_all(square, list(range(7)), 2, lambda finished, total: seen.append((finished, total))) == [
        n * n for n in range(7)]
    assert seen == [(n, 7) for n in range(1, 8)]
