"""Findings and readiness for CI systems: JUnit XML and GitHub Actions annotations.

JUnit: one test suite per capture and module; a test case per scenario (not
seen: skipped, never passing; seen with findings reported: failed, so not for
findings a baseline accepts) and one per rule that fired (failed, listing its
findings). GitHub: one workflow command per
finding, which the runner shows as an annotation on the capture's line.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from ocpi_tap.rules.findings import Finding

from .check import CaptureResult
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
           flagged: set[int]) -> None:
    """`flagged`: the seqs of the findings reported (a baseline's accepted ones are not), of any module."""
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
        failures += 1
        case = ET.SubElement(suite, "testcase", classname=name, name=f"rule {code} {fired[0].name}")
        failure = ET.SubElement(case, "failure", message=f"{len(fired)} finding(s)", type=fired[0].severity)
        failure.text = "\n".join(_finding_text(finding) for finding in fired)
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    suite.set("errors", "0")


def junit_report(results: Sequence[CaptureResult]) -> bytes:
    root = ET.Element("testsuites", name="ocpi-tap")
    for result in results:
        grouped: dict[str, list[Finding]] = {}
        for finding in result.findings:
            suite = _HUB_SIDE if finding.culprit == "hub" else finding_module(finding) or _OUTSIDE_MODULES
            grouped.setdefault(suite, []).append(finding)
        # The readiness marks scenarios by every finding, a baseline's accepted ones too; a test fails on reported ones.
        flagged = {finding.seq for finding in result.findings if finding.seq is not None}
        modules = result.readiness.modules if result.readiness is not None else []
        for module in modules:
            _suite(root, f"{result.capture}::{module.module}", module, grouped.pop(module.module, []), flagged)
        for rest, findings in sorted(grouped.items()):
            _suite(root, f"{result.capture}::{rest}", None, findings, flagged)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(results: Sequence[CaptureResult]) -> str:
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
    return "".join(line + "\n" for line in lines)
