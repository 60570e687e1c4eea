"""Findings and readiness to text, in every report format; `report` picks the renderer.

The terminal forms (concise, full), the readiness table and the JSON report
live here; JUnit and GitHub in `ci_formats`, the full form's exchanges in
`full`, the HTML page in `html_report`. No printing here; colour only when
the caller asks for it (a TTY without NO_COLOR).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Final

import click
import msgspec

from ocpi_tap import __version__
from ocpi_tap.rules.findings import Finding
from ocpi_tap.rules.scenarios import MODULE_ORDER, MODULE_TITLES

from . import outcome as outcomes
from .check import CaptureResult
from .grouping import Group, grouped
from .readiness import HubSide, ModuleReadiness, Readiness
from .suite import Verdict
from .untrusted import printable

REPORT_SCHEMA_VERSION = 1


def concise_line(finding: Finding, colour: bool = False) -> str:
    location = f"{finding.capture}:{finding.line}" if finding.line is not None else finding.capture
    path = f" [{finding.path}]" if finding.path else ""
    at_fault = f" ({finding.at_fault()})" if finding.culprit else ""
    code = _paint(finding.code, "red" if finding.severity == "error" else "yellow", colour, bold=True)
    return f"{printable(location)}: {code} {printable(finding.message + path)}{at_fault}"


def group_line(group: Group, colour: bool = False) -> str:
    """One cause's findings on one line, at the first: `day.jsonl:3: ENV104 X-Request-ID: not echoed in the
    response: 46 exchanges, lines 3–171 (partner's response)`; editors and CI jump to the first as to any."""
    first = group.first
    location = f"{first.capture}:{first.line}" if first.line is not None else first.capture
    at_fault = f" ({first.at_fault()})" if first.culprit else ""
    code = _paint(first.code, "red" if first.severity == "error" else "yellow", colour, bold=True)
    return f"{printable(location)}: {code} {printable(group.message)}: {group.extent()}{at_fault}"


def finding_lines(findings: Sequence[Finding], colour: bool = False, group: bool = True) -> list[str]:
    """The concise form's finding lines: with `group`, a cause seen `GROUP_AT` times or more on one line."""
    if not group:
        return [concise_line(finding, colour) for finding in findings]
    return [group_line(item, colour) if isinstance(item, Group) else concise_line(item, colour)
            for item in grouped(findings)]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def summary(results: Sequence[CaptureResult], baselined: int | None = None) -> str:
    """The closing line: the findings, and the modules not ready (never "All checks passed" while there are);
    `baselined`: how many findings a baseline accepted (None: no baseline)."""
    findings = [f for result in results for f in result.findings]
    by_severity = Counter(f.severity for f in findings)
    exchanges = sum(result.exchanges for result in results)
    captures = _count(len(results), "capture")
    accepted = f" ({_count(baselined, 'finding')} accepted by the baseline)" if baselined is not None else ""
    pending = outcomes.shortfalls(results)
    not_ready = f"; not ready: {outcomes.describe(pending, len(results) > 1)}" if pending else ""
    if not findings:
        if not pending:
            passed = "No new findings" if baselined is not None else "All checks passed"
            return f"{passed}: {_count(exchanges, 'exchange')} in {captures}{accepted}."
        none = "No new findings" if baselined is not None else "No findings"
        return f"{none} in {_count(exchanges, 'exchange')} of {captures}{accepted}{not_ready}."
    return (
        f"Found {_count(len(findings), 'new finding' if baselined is not None else 'finding')} "
        f"({_count(by_severity['error'], 'error')}, {_count(by_severity['warning'], 'warning')}) "
        f"in {_count(exchanges, 'exchange')} of {captures}{accepted}{not_ready or '; every module ready'}."
    )


def decision_lines(outcome: outcomes.Outcome, several_captures: bool) -> list[str]:
    """After the summary, what `--fail-on` and `--require-ready` made of it (nothing when neither was given)."""
    lines = []
    if outcome.tolerated:
        noun = "warning" if outcome.tolerated_errors == 0 else "finding"
        verb = "does" if outcome.tolerated == 1 else "do"
        lines.append(f"{_count(outcome.tolerated, noun)} {verb} not fail the run (--fail-on {outcome.fail_on}).")
    if outcome.hubs:
        verb = "does" if outcome.hubs == 1 else "do"
        lines.append(f"{_count(outcome.hubs, 'finding')} of the hub's {verb} not fail the partner's run.")
    if outcome.require_ready:
        failed = {shortfall.module for shortfall in outcome.not_ready}
        everywhere = " in every capture" if several_captures else ""
        if failed:
            modules = "modules" if len(failed) > 1 else "module"
            lines.append(f"Required {modules} not ready: {outcomes.describe(outcome.not_ready, several_captures)}.")
        elif len(outcome.require_ready) == len(MODULE_ORDER):
            lines.append(f"Required modules ready{everywhere}: every module.")
        else:
            modules = "modules" if len(outcome.require_ready) > 1 else "module"
            titles = ", ".join(MODULE_TITLES[module] for module in outcome.require_ready)
            lines.append(f"Required {modules} ready{everywhere}: {titles}.")
    return lines


_VERDICT_COLOURS: Final = {"ready": "green", "failing": "red", "partly exercised": "yellow",
                            "not exercised": "yellow"}


def _paint(text: str, colour: str | None, enabled: bool, bold: bool = False) -> str:
    if not enabled or colour is None:
        return text
    return click.style(text, fg=colour, bold=bold)


def _module_line(module: ModuleReadiness, colour: bool) -> str:
    verdict = _paint(f"{module.verdict:<17}", _VERDICT_COLOURS[module.verdict], colour, bold=True)
    counts = []
    if module.errors:
        counts.append(_count(module.errors, "error"))
    if module.warnings:
        counts.append(_count(module.warnings, "warning"))
    scenarios = f"{module.scenarios_seen}/{len(module.scenarios)} scenarios"
    return f"  {module.title:<12} {verdict} {scenarios:<14} {', '.join(counts)}".rstrip()


def readiness_lines(readiness: Readiness, capture: str, full: bool = False, colour: bool = False) -> list[str]:
    """The readiness table; `full` adds each module's scenario checklist."""
    lines = [f"Readiness of the {readiness.role} partner in {capture}:"]
    if readiness.role_note:
        lines.append(_paint(f"  note: {readiness.role_note}", "yellow", colour))
    marks = {"seen": ("✓", "green"), "seen with findings": ("!", "yellow"), "not seen": ("✗", "red")}
    for module in readiness.modules:
        lines.append(_module_line(module, colour))
        if full:
            for scenario in module.scenarios:
                symbol, tint = marks[scenario.mark]
                shown = f" (seq {', '.join(map(str, scenario.seqs))})" if scenario.seqs else ""
                lines.append(f"      {_paint(symbol, tint, colour)} {scenario.title} [{scenario.spec}]"
                             f"{' ' + scenario.mark if scenario.mark != 'seen' else ''}{shown}")
    if readiness.hub is not None:
        lines.append(hub_side_line(readiness.hub))
    lines.append(_paint(readiness.closing, None, colour))
    return lines


def hub_side_line(hub: HubSide) -> str:
    """The hub's own findings, apart from the partner's modules: they do not make the partner fail."""
    total = hub.errors + hub.warnings
    codes = ", ".join(f"{code} x{count}" if count > 1 else code for code, count in hub.codes.items())
    return (f"  the hub's side: {_count(total, 'finding')} ({_count(hub.errors, 'error')}, "
            f"{_count(hub.warnings, 'warning')}: {codes}), not counted against the partner")


class _Summary(msgspec.Struct):
    captures: int
    exchanges: int
    findings: int
    errors: int
    warnings: int
    by_code: dict[str, int]
    by_module: dict[str, int]


class _CaptureReport(msgspec.Struct):
    capture: str
    exchanges: int
    readiness: Readiness | None


class _Report(msgspec.Struct):
    schema: int
    tool: str
    exit_code: int  # the command's: 0 passed, 1 failed
    failed_because: list[str]  # "findings" (at or above fail_on), "not ready" (a required module); empty: passed
    fail_on: str
    require_ready: list[str]  # module names
    findings: list[Finding]
    summary: _Summary
    captures: list[_CaptureReport]


def json_report(results: Sequence[CaptureResult], outcome: outcomes.Outcome | None = None) -> bytes:
    """The stable JSON report: the decision (`exit_code`, `failed_because`, and the `fail_on` and
    `require_ready` it was made with), `findings` (one object per finding), `summary`, and per capture its
    readiness."""
    findings = [f for result in results for f in result.findings]
    severities = Counter(f.severity for f in findings)
    outcome = outcome or outcomes.decide(results)
    report = _Report(
        schema=REPORT_SCHEMA_VERSION,
        tool=f"ocpi-tap {__version__}",
        exit_code=outcome.exit_code,
        failed_because=outcome.failed_because,
        fail_on=outcome.fail_on,
        require_ready=list(outcome.require_ready),
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
        captures=[_CaptureReport(capture=r.capture, exchanges=r.exchanges, readiness=r.readiness) for r in results],
    )
    return msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"


def verdict_lines(verdict: Verdict) -> list[str]:
    """One stored capture checked: `ok` or `FAIL` with what differs, indented below."""
    result = verdict.result
    against = {"expected": "as expected", "baseline": "no new findings beyond the baseline",
               "nothing": "clean"}[verdict.against]
    if verdict.ok:
        lines = [f"ok    {verdict.capture}: {_count(result.exchanges, 'exchange')}, "
                 f"{_count(len(result.findings), 'finding')}, {against}"]
    else:
        lines = [f"FAIL  {verdict.capture}: {_count(result.exchanges, 'exchange')}"]
        lines += [f"      unexpected: {concise_line(finding)}" for finding in verdict.unexpected]
        lines += [printable(f"      missing: {e.code} at seq {e.seq}" + (f" [{e.path}]" if e.path else ""))
                  for e in verdict.missing]
    lines += [printable(f"      baseline entry no longer found: {e.code} {e.object or ''} {e.path or ''}".rstrip())
              for e in verdict.gone]
    return lines


def report(results: Sequence[CaptureResult], output_format: str, *, profile: str, colour: bool = False,
           baselined: int | None = None, outcome: outcomes.Outcome | None = None, group: bool = True) -> str:
    """The whole report in `output_format` (one of `formats.REPORT_FORMATS`); `outcome`: the decision on
    the results (None: the default `--fail-on`, no `--require-ready`); `group`: the concise and HTML
    forms show the findings of one cause as one line (`grouping`); the others keep every finding."""
    from . import ci_formats
    from .full import full_findings
    from .html_report import html_report

    if output_format == "json":
        return json_report(results, outcome).decode()
    if output_format == "junit":
        return ci_formats.junit_report(results, outcome).decode()
    if output_format == "github":
        return ci_formats.github_annotations(results, outcome)
    if output_format == "html":
        return html_report(results, profile, group=group)
    full = output_format == "full"
    if full:
        lines = [line for result in results for line in full_findings(result.capture, result.findings)]
    else:
        lines = [line for result in results for line in finding_lines(result.findings, colour, group)]
    lines += closing_lines(results, full=full, colour=colour, baselined=baselined, outcome=outcome)
    return "\n".join(lines) + "\n"


def closing_lines(results: Sequence[CaptureResult], *, full: bool = False, colour: bool = False,
                  baselined: int | None = None, outcome: outcomes.Outcome | None = None) -> list[str]:
    """What the text formats print after the findings: each capture's readiness, the summary, and what
    `outcome` (the `--fail-on` and `--require-ready` decision; None: the defaults) made of them."""
    lines: list[str] = []
    for result in results:
        if result.readiness is not None:
            lines += readiness_lines(result.readiness, result.capture, full=full, colour=colour)
    lines.append(summary(results, baselined))
    lines += decision_lines(outcome or outcomes.decide(results), len(results) > 1)
    return lines
