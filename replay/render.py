"""Findings to text: the concise linter form and the JSON report. No printing here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import msgspec

from ocpi_tap import __version__
from ocpi_tap.rules.findings import Finding

from .check import CaptureResult

REPORT_SCHEMA_VERSION = 1


def concise_line(finding: Finding) -> str:
    location = f"{finding.capture}:{finding.line}" if finding.line is not None else finding.capture
    path = f" [{finding.path}]" if finding.path else ""
    return f"{location}: {finding.code} {finding.message}{path}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def summary(results: Sequence[CaptureResult]) -> str:
    findings = [f for result in results for f in result.findings]
    by_severity = Counter(f.severity for f in findings)
    exchanges = sum(result.exchanges for result in results)
    captures = _count(len(results), "capture")
    if not findings:
        return f"All checks passed: {_count(exchanges, 'exchange')} in {captures}."
    return (
        f"Found {_count(len(findings), 'finding')} "
        f"({_count(by_severity['error'], 'error')}, {_count(by_severity['warning'], 'warning')}) "
        f"in {_count(exchanges, 'exchange')} of {captures}."
    )


class _Summary(msgspec.Struct):
    captures: int
    exchanges: int
    findings: int
    errors: int
    warnings: int
    by_code: dict[str, int]
    by_module: dict[str, int]


class _Report(msgspec.Struct):
    schema: int
    tool: str
    findings: list[Finding]
    summary: _Summary


def json_report(results: Sequence[CaptureResult]) -> bytes:
    """The stable JSON report: `findings` (one object per finding) and `summary`."""
    findings = [f for result in results for f in result.findings]
    severities = Counter(f.severity for f in findings)
    report = _Report(
        schema=REPORT_SCHEMA_VERSION,
        tool=f"ocpi-tap {__version__}",
        findings=findings,
        summary=_Summary(
            captures=len(results),
            exchanges=sum(result.exchanges for result in results),
            findings=len(findings),
            errors=severities["error"],
            warnings=severities["warning"],
            by_code=dict(sorted(Counter(f.code for f in findings).items())),
            by_module=dict(sorted(Counter(f.module for f in findings).items())),
        ),
    )
    return msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"
