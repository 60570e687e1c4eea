"""A directory of stored captures checked against what each must give: the command CI runs.

Beside each capture `NAME.jsonl` (or `.jsonl.gz`) may lie:
- `NAME.expected.json`: the partner's role, the profile and the exact findings
  (code, seq, path) its replay must give; both ways, so a rule that stops
  finding a known fault fails as surely as a new finding does;
- `NAME.baseline.json`: findings accepted for now (see `baseline`); only new
  ones fail.
A capture with neither must replay without findings.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import msgspec

from ocpi_tap.rules.findings import Finding
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.routes import PARTNER_ROLES

from . import baseline as baselines
from .check import CaptureResult, check_capture
from .parallel import run_all

Against = Literal["expected", "baseline", "nothing"]


class ExpectedFinding(msgspec.Struct, frozen=True):
    code: str
    seq: int | None = None
    path: str | None = None


class Expected(msgspec.Struct, frozen=True):
    role: str | None = None
    profile: str = "mobie"
    findings: list[ExpectedFinding] = []


class SuiteError(Exception):
    """A directory that holds no captures, or a companion file that cannot be read."""


class Verdict(msgspec.Struct, kw_only=True):
    capture: str
    against: Against
    result: CaptureResult
    unexpected: list[Finding] = []  # found, but neither expected nor in the baseline
    missing: list[ExpectedFinding] = []  # expected, but not found
    gone: list[baselines.BaselineEntry] = []  # in the baseline, no longer found (not a failure)

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.missing


def stored_captures(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise SuiteError(f"{directory}: not a directory")
    found = sorted(p for p in directory.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))
    if not found:
        raise SuiteError(f"{directory}: no captures (*.jsonl, *.jsonl.gz) in it")
    # Expected findings left behind by a capture renamed or deleted would otherwise go unchecked, silently.
    stems = {_stem(capture) for capture in found}
    for expected in sorted(directory.glob("*.expected.json")):
        stem = expected.name.removesuffix(".expected.json")
        if stem not in stems:
            raise SuiteError(f"{expected}: no capture {stem}.jsonl (or .jsonl.gz) beside it to give these findings")
    return found


def _stem(capture: Path) -> str:
    return capture.name.removesuffix(".gz").removesuffix(".jsonl")


def _companion(capture: Path, suffix: str) -> Path:
    return capture.with_name(f"{_stem(capture)}.{suffix}.json")


def _load_expected(path: Path) -> Expected:
    try:
        expected = msgspec.json.decode(path.read_bytes(), type=Expected)
    except (OSError, msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:  # as for a capture line
        raise SuiteError(f"{path}: not a readable expected-findings file: {error}") from None
    if expected.profile not in PROFILES:
        raise SuiteError(f"{path}: unknown profile {expected.profile!r}")
    if expected.role and expected.role.upper() not in PARTNER_ROLES:
        raise SuiteError(f"{path}: unknown role {expected.role!r} (cpo or emsp)")
    return expected


def check_stored(capture: Path, default_profile: str) -> Verdict:
    expected_file, baseline_file = _companion(capture, "expected"), _companion(capture, "baseline")
    expected = _load_expected(expected_file) if expected_file.exists() else None
    profile = expected.profile if expected is not None else default_profile
    role = expected.role.upper() if expected is not None and expected.role else None
    result = check_capture(capture, profile=PROFILES[profile], partner_role=role)
    if expected is not None:
        wanted = Counter((e.code, e.seq, e.path) for e in expected.findings)
        unexpected = []
        for finding in result.findings:
            key = (finding.code, finding.seq, finding.path)
            if wanted[key] > 0:
                wanted[key] -= 1
            else:
                unexpected.append(finding)
        missing = [ExpectedFinding(code, seq, path) for (code, seq, path), n in sorted(
            wanted.items(), key=lambda item: (item[0][1] or 0, item[0][0])) for _ in range(n)]
        return Verdict(capture=str(capture), against="expected", result=result, unexpected=unexpected,
                       missing=missing)
    if baseline_file.exists():
        try:
            accepted = baselines.load(baseline_file)
        except baselines.BaselineError as error:
            raise SuiteError(str(error)) from None
        comparison = baselines.compare(result.findings, accepted, [str(capture)])
        return Verdict(capture=str(capture), against="baseline", result=result, unexpected=comparison.new,
                       gone=comparison.gone)
    return Verdict(capture=str(capture), against="nothing", result=result, unexpected=list(result.findings))


def check_directory(directory: Path, default_profile: str = "mobie", jobs: int = 1,
                    done: Callable[[int, int], None] | None = None) -> list[Verdict]:
    """Every stored capture of `directory`, in up to `jobs` processes; `done(finished, total)` after each."""
    return run_all(functools.partial(check_stored, default_profile=default_profile), stored_captures(directory),
                   jobs, done)
