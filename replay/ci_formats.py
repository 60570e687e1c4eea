"""Findings and readiness for CI systems: JUnit XML and GitHub Actions annotations.

JUnit: one test suite per capture and module; a test case per scenario (not
seen: skipped, never passing; seen with findings that fail the run: failed,
so not for findings a baseline accepts or `--fail-on` lets pass), one per
rule that fired (failed, listing its findings; passed, with them as its
output, when none of them fails the run), and for a module `--require-ready`
names, one that fails unless it is ready. GitHub: one workflow command per
finding, which the runner shows as an annotation on the capture's line, and
an error on the capture for each required module not ready. Both follow the
run's `outcome.Outcome`, so that they fail exactly when the exit status does.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from ocpi_tap.rules.findings import Finding

from . import outcome as outcomes
from .check import CaptureResult
from .formats import FailOn
from .readiness import ModuleReadiness, finding_module
from .untrusted import printable

_OUTSIDE_MODULES = "transport"  # findings of exchanges no module route claims (capture lines, unknown URLs)
_HUB_SIDE = "hub"  # the hub's own findings: their suite, not the partner's modules, fails on them


def _finding_text(finding: Finding) -> str:
    where = f"{finding.capture}:{finding.line}" if finding.line is not None else finding.capture
    path = f" [{finding.path}]" if finding.path else ""
    at_fault = f" ({finding.at_fault()})" if finding.culprit else ""
    return printable(f"{where}: {finding.severity}: {finding.message}{path}{at_fault}")


def _suite(parent: ET.Element, name: str, module: ModuleReadiness | None, findings: list[Finding],
           flagged: set[int], fail_on: FailOn, required: outcomes.Shortfall | bool) -> None:
    """`flagged`: the seqs of the findings that fail the run (a baseline's accepted ones do not), of any module;
    `required`: whether `--require-ready` names the module: False, True (it is ready) or why it is not."""
    name = printable(name)  # names the capture, as given
    suite = ET.SubElement(parent, "testsuite", name=name)
    tests = failures = skipped = 0
    for scenario in module.scenarios if module is not None else []:
        tests += 1
        case = ET.SubElement(suite, "testcase", classname=name, name=f"scenario {scenario.id}: {scenario.title}")
        if scenario.mark == "not seen":
            skipped += 1
            ET.SubElement(case, "skipped", message="not exercised by this capture")
        elif scenario.mark == "seen with findings" and flagged.intersection(scenario.seqs):
            failures += 1
            ET.SubElement(case, "failure", message="seen, with findings at seq "
                          + ", ".join(str(seq) for seq in scenario.seqs if seq in flagged))
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    for code, fired in sorted(by_code.items()):
        tests += 1
        case = ET.SubElement(suite, "testcase", classname=name, name=f"rule {code} {fired[0].name}")
        text = "\n".join(_finding_text(finding) for finding in fired)
        failing = [finding for finding in fired if outcomes.fails(finding, fail_on)]
        if failing:
            failures += 1
            failure = ET.SubElement(case, "failure", message=f"{len(fired)} finding(s)", type=failing[0].severity)
            failure.text = text
        else:  # shown, but not failing: the run passes on them (--fail-on)
            output = ET.SubElement(case, "system-out")
            output.text = f"{len(fired)} finding(s), not failing the run (--fail-on {fail_on}):\n{text}"
    if module is not None and required is not False:
        tests += 1
        case = ET.SubElement(suite, "testcase", classname=name, name=f"module {module.title} ready (--require-ready)")
        if isinstance(required, outcomes.Shortfall):
            failures += 1
            detail = f": {required.detail}" if required.detail else ""
            ET.SubElement(case, "failure", message=f"required, but {required.verdict}{detail}")
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    suite.set("errors", "0")


def junit_report(results: Sequence[CaptureResult], outcome: outcomes.Outcome | None = None) -> bytes:
    outcome = outcome or outcomes.decide(results)
    root = ET.Element("testsuites", name="ocpi-tap")
    for result in results:
        grouped: dict[str, list[Finding]] = {}
        for finding in result.findings:
            suite = _HUB_SIDE if finding.culprit == "hub" else finding_module(finding) or _OUTSIDE_MODULES
            grouped.setdefault(suite, []).append(finding)
        # The readiness marks scenarios by every finding, a baseline's accepted ones too; a test fails on reported
        # ones that fail the run.
        flagged = {finding.seq for finding in result.findings
                   if finding.seq is not None and outcomes.fails(finding, outcome.fail_on)}
        shortfalls = {s.module: s for s in outcome.not_ready if s.capture == result.capture}
        modules = result.readiness.modules if result.readiness is not None else []
        for module in modules:
            required = shortfalls.get(module.module, module.module in outcome.require_ready)
            _suite(root, f"{result.capture}::{module.module}", module, grouped.pop(module.module, []), flagged,
                   outcome.fail_on, required)
        for rest, findings in sorted(grouped.items()):
            _suite(root, f"{result.capture}::{rest}", None, findings, flagged, outcome.fail_on, False)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(results: Sequence[CaptureResult], outcome: outcomes.Outcome | None = None) -> str:
    lines = []
    for result in results:
        for finding in result.findings:
            command = "error" if finding.severity == "error" else "warning"
            properties = [f"file={_escape_property(finding.capture)}"]
            if finding.line is not None:
                properties.append(f"line={finding.line}")
            properties.append(f"title={_escape_property(f'{finding.code} {finding.name}')}")
            path = f" [{finding.path}]" if finding.path else ""
            at_fault = f" ({finding.at_fault()})" if finding.culprit else ""
            lines.append(f"::{command} {','.join(properties)}::"
                         f"{_escape_data(printable(finding.message + path + at_fault))}")
    for shortfall in outcome.not_ready if outcome is not None else ():
        detail = f": {shortfall.detail}" if shortfall.detail else ""
        properties = [f"file={_escape_property(shortfall.capture)}",
                      f"title={_escape_property(f'{shortfall.title} not ready')}"]
        text = printable(f"--require-ready {shortfall.module}: {shortfall.title} is {shortfall.verdict}{detail}")
        lines.append(f"::error {','.join(properties)}::{_escape_data(text)}")
    return "".join(line + "\n" for line in lines)
