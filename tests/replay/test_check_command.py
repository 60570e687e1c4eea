"""`ocpi-tap check DIR`: every stored capture against its expected findings or baseline, as CI runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from conftest import BIN, REPO

CAPTURES = REPO / "captures"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ocpi-tap"), *args], capture_output=True, text=True, timeout=300)


def exchanges_in(capture: Path) -> int:
    return len(capture.read_bytes().splitlines()) - 1  # every line but the header


def stored(tmp_path: Path, name: str, *, expected: bool = True) -> Path:
    shutil.copy(CAPTURES / f"{name}.jsonl", tmp_path)
    if expected:
        shutil.copy(CAPTURES / f"{name}.expected.json", tmp_path)
    return tmp_path / f"{name}.jsonl"


def test_the_stored_captures_all_give_what_they_must() -> None:
    result = run("check", str(CAPTURES))
    assert result.returncode == 0, result.stdout
    count = len(list(CAPTURES.glob("*.jsonl")))
    assert result.stdout.splitlines()[-1] == f"Checked {count} captures: {count} as expected."


def test_a_finding_that_went_away_fails_as_surely_as_a_new_one(tmp_path: Path) -> None:
    capture = stored(tmp_path, "fault-callback-never-sent")
    expected_file = tmp_path / "fault-callback-never-sent.expected.json"
    expected = json.loads(expected_file.read_text())
    [cmd202] = expected["findings"]
    expected["findings"] = [dict(cmd202, code="CMD203")]  # as if a rule now found something else
    expected_file.write_text(json.dumps(expected))
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"FAIL  {capture}: {exchanges_in(capture)} exchanges",
        f"      unexpected: {capture}:29: CMD202 START_SESSION was ACCEPTED (timeout 5 s) but no CommandResult came "
        "(partner's response)",
        f"      missing: CMD203 at seq {cmd202['seq']}",
        "Checked 1 captures: 0 as expected, 1 not.",
    ]


def test_a_capture_without_companions_must_be_clean_and_a_baseline_accepts_findings(tmp_path: Path) -> None:
    stored(tmp_path, "clean-cpo", expected=False)
    faulty = stored(tmp_path, "fault-wrong-pagination-header", expected=False)
    first = run("check", str(tmp_path))
    assert first.returncode == 1
    assert [line[:4] for line in first.stdout.splitlines() if not line.startswith(" ")][:2] == ["ok  ", "FAIL"]
    run("replay", str(faulty), "--baseline", str(tmp_path / "fault-wrong-pagination-header.baseline.json"),
        "--update-baseline")
    second = run("check", str(tmp_path))
    assert second.returncode == 0, second.stdout
    assert (f"ok    {faulty}: {exchanges_in(faulty)} exchanges, 5 findings, no new findings beyond the baseline"
            in second.stdout)


def test_an_unreadable_expected_findings_file_is_a_usage_error(tmp_path: Path) -> None:
    stored(tmp_path, "clean-cpo")
    expected = tmp_path / "clean-cpo.expected.json"
    for content in (b"{nope", b'{"findings": [{"code": "CAP\xff"}]}', b'{"findings": ' + b"[" * 100_000):
        expected.write_bytes(content)
        result = run("check", str(tmp_path))
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"error: {expected}: not a readable expected-findings file: "), result.stderr


def test_no_captures_is_a_usage_error(tmp_path: Path) -> None:
    assert run("check", str(tmp_path)).returncode == 2
    assert run("check", str(tmp_path / "nowhere")).returncode == 2


def test_an_expected_findings_file_with_an_unknown_role_is_a_usage_error(tmp_path: Path) -> None:
    stored(tmp_path, "clean-cpo")
    expected = tmp_path / "clean-cpo.expected.json"
    expected.write_text(json.dumps(dict(json.loads(expected.read_text()), role="banana")))
    result = run("check", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: {expected}: unknown role 'banana' (cpo or emsp)\n"


def test_an_expected_findings_file_whose_capture_is_missing_is_an_error(tmp_path: Path) -> None:
    stored(tmp_path, "clean-cpo")
    stored(tmp_path, "clean-emsp")
    (tmp_path / "clean-emsp.jsonl").unlink()  # renamed or deleted: its expected findings would go unchecked
    result = run("check", str(tmp_path))
    assert result.returncode == 2, result.stdout
    assert result.stderr == (f"error: {tmp_path / 'clean-emsp.expected.json'}: no capture clean-emsp.jsonl "
                             f"(or .jsonl.gz) beside it to give these findings\n")
