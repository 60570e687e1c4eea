"""Regression mode (baselines) and the CI formats (JUnit XML, GitHub annotations), run as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import msgspec
import pytest

from captures import clean_exchange, ocpi_exchange, write_capture
from conftest import BIN, REPO
from ocpi_tap.replay.capture import encode_line

FAULTY = REPO / "captures" / "fault-wrong-pagination-header.jsonl"  # five ENV130 across four modules
HOSTILE = "E\x1b[2J\x07\x00\x0b]]>\"'<x>,:%\r\n\u2028"  # control characters, markup, a CDATA end


def hostile_capture(tmp_path: Path) -> Path:
    """A partner's URL path holding HOSTILE, which the finding for an unknown endpoint (ENV013) quotes."""
    return write_capture(tmp_path / "hostile.jsonl",
                         ocpi_exchange("GET", "https://hub.example.org/ocpi/2.2.1/nonsense/" + HOSTILE))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ocpi-tap"), *args], capture_output=True, text=True, timeout=60)


def copy_with(tmp_path: Path, *, prepend: tuple[bytes, ...] = (), append: tuple[bytes, ...] = ()) -> Path:
    """The faulty capture under its own name, with extra exchange lines after the header and at the end."""
    header, *lines = FAULTY.read_bytes().splitlines(keepends=True)
    copy = tmp_path / FAULTY.name
    copy.write_bytes(b"".join([header, *prepend, *lines, *append]))
    return copy


def unechoed(seq: int) -> bytes:
    """A versions GET of the partner's without X-Request-ID (ENV104, the partner's fault), unlike anything in the
    capture."""
    exchange = clean_exchange(seq)
    request = msgspec.structs.replace(exchange.request, headers=[
        (name, value) for name, value in exchange.request.headers if name != "X-Request-ID"])
    return encode_line(msgspec.structs.replace(exchange, request=request))


def test_a_baseline_accepts_what_it_holds_even_when_lines_move(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    written = run("replay", str(shutil.copy(FAULTY, tmp_path)), "--baseline", str(baseline), "--update-baseline")
    assert written.returncode == 0 and "5 findings accepted" in written.stdout
    assert {entry["code"] for entry in json.loads(baseline.read_text())["findings"]} == {"ENV130"}
    moved = copy_with(tmp_path, prepend=(encode_line(clean_exchange(90001)),))  # every line number shifts
    again = run("replay", str(moved), "--baseline", str(baseline))
    assert again.returncode == 0, again.stdout
    exchanges = len(moved.read_bytes().splitlines()) - 1
    assert again.stdout.splitlines()[-1] == (  # the readiness counts every finding, the accepted ones too
        f"No new findings in {exchanges} exchanges of 1 capture (5 findings accepted by the baseline); not ready: "
        f"Locations (failing: 2 errors), Tariffs (failing: 1 error), Sessions (failing: 1 error), "
        f"CDRs (failing: 1 error).")


def test_only_new_findings_are_reported_and_fail(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    run("replay", str(shutil.copy(FAULTY, tmp_path)), "--baseline", str(baseline), "--update-baseline")
    worse = copy_with(tmp_path, append=(unechoed(90002),))
    result = run("replay", str(worse), "--baseline", str(baseline))
    assert result.returncode == 1
    assert [line.split(" ")[1] for line in result.stdout.splitlines() if line.startswith(str(worse))] == ["ENV104"]


def test_entries_that_no_longer_occur_are_named(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    run("replay", str(copy_with(tmp_path, append=(unechoed(90002),))), "--baseline", str(baseline),
        "--update-baseline")
    fixed = run("replay", str(shutil.copy(FAULTY, tmp_path)), "--baseline", str(baseline))
    assert fixed.returncode == 0
    assert "baseline: ENV104 at fault-wrong-pagination-header.jsonl" in fixed.stderr
    assert "no longer occurs (1 fewer)" in fixed.stderr


def test_a_broken_baseline_is_a_usage_error(tmp_path: Path) -> None:
    broken = tmp_path / "baseline.json"
    for content in (b"{nope", b'{"findings": [{"code": "CAP\xff"}]}', b'{"findings": ' + b"[" * 100_000):
        broken.write_bytes(content)
        result = run("replay", str(FAULTY), "--baseline", str(broken))
        assert result.returncode == 2 and "not a readable baseline" in result.stderr, result.stderr
    assert run("replay", str(FAULTY), "--update-baseline").returncode == 2
    broken.write_bytes(b"{nope")
    updating = run("replay", str(FAULTY), "--baseline", str(broken), "--update-baseline")
    assert updating.returncode == 2 and broken.read_text() == "{nope"  # not replaced: it may hold other captures


def test_junit_has_a_suite_per_module_with_scenarios_and_fired_rules(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    result = run("replay", str(REPO / "captures" / "fault-callback-never-sent.jsonl"), "--role", "cpo",
                 "--format", "junit", "-o", str(report))
    assert result.returncode == 1 and result.stdout == ""
    suites = {suite.get("name", "").split("::")[1]: suite for suite in ET.parse(report).getroot()}
    assert list(suites) == ["versions", "credentials", "tokens", "locations", "tariffs", "sessions", "commands",
                            "cdrs"]
    commands = suites["commands"]
    assert (commands.get("tests"), commands.get("failures"), commands.get("skipped")) == ("7", "1", "1")
    cases = {case.get("name", ""): case for case in commands}
    assert cases["scenario start-session-accepted: START_SESSION accepted, with its CommandResult"].find(
        "skipped") is not None
    failure = cases["rule CMD202 command-result-never-sent"].find("failure")
    assert failure is not None and "fault-callback-never-sent.jsonl:29: error:" in (failure.text or "")
    assert suites["cdrs"].get("failures") == "0"


def test_github_annotations_point_at_capture_lines() -> None:
    result = run("replay", str(FAULTY), "--format", "github")
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert lines[0] == (f"::error file={FAULTY},line=8,title=ENV130 pagination-headers-missing"
                        "::X-Total-Count is missing (partner's response)")


def test_junit_is_well_formed_xml_whatever_the_capture_holds(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    result = run("replay", str(hostile_capture(tmp_path)), "--format", "junit", "-o", str(report))
    assert result.returncode == 1, result.stderr
    texts = [failure.text or "" for failure in ET.parse(report).iter("failure")]
    # a finding per line, its control characters written as Python escapes them (XML 1.0 cannot hold most)
    assert any("nonsense/E\\x1b[2J\\x07\\x00\\x0b]]>\"'<x>,:%\\r\\n\\u2028" in text for text in texts), texts


@pytest.mark.parametrize("output_format", ["full", "json", "junit", "html"])
def test_report_files_are_utf8_whatever_the_locale(tmp_path: Path, output_format: str) -> None:
    capture = write_capture(tmp_path / "lisboa.jsonl",
                            ocpi_exchange("GET", "https://hub.example.org/ocpi/2.2.1/estações"))  # ENV013 quotes it
    report = tmp_path / f"report.{output_format}"
    ascii_locale = {**os.environ, "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    result = subprocess.run([str(BIN / "ocpi-tap"), "replay", str(capture), "--format", output_format,
                             "-o", str(report)], capture_output=True, text=True, timeout=60, env=ascii_locale)
    assert result.returncode == 1, result.stderr
    assert "estações" in report.read_text(encoding="utf-8")  # as the HTML and XML declare, and JSON must be


def test_a_report_or_baseline_that_cannot_be_written_is_an_error_not_findings(tmp_path: Path) -> None:
    missing = tmp_path / "no such directory"
    for args in (("--format", "junit", "-o", str(missing / "junit.xml")),
                 ("--baseline", str(missing / "baseline.json"), "--update-baseline")):
        result = run("replay", str(FAULTY), *args)
        assert result.returncode == 2, args  # not 1, which CI reads as findings
        assert result.stderr.startswith("error: ") and "no such directory" in result.stderr
        assert "Traceback" not in result.stderr


def test_updating_the_baseline_for_some_captures_keeps_the_entries_of_the_others(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    faulty = str(shutil.copy(FAULTY, tmp_path))
    other = str(shutil.copy(REPO / "captures" / "fault-cdr-put.jsonl", tmp_path))
    assert run("replay", faulty, other, "--baseline", str(baseline), "--update-baseline").returncode == 0
    again = run("replay", other, "--baseline", str(baseline), "--update-baseline")  # re-accept one capture only
    assert again.returncode == 0 and "7 findings accepted" in again.stdout, again.stdout
    both = run("replay", faulty, other, "--baseline", str(baseline))
    assert both.returncode == 0, both.stdout  # the entries of the capture not replayed are still there


def test_junit_fails_only_on_findings_the_baseline_does_not_accept(tmp_path: Path) -> None:
    baseline, report = tmp_path / "baseline.json", tmp_path / "junit.xml"
    copy = str(shutil.copy(FAULTY, tmp_path))
    run("replay", copy, "--baseline", str(baseline), "--update-baseline")
    accepted = run("replay", copy, "--baseline", str(baseline), "--format", "junit", "-o", str(report))
    assert accepted.returncode == 0
    assert [case.get("name") for case in ET.parse(report).iter("testcase") if case.find("failure") is not None] == []
    worse = copy_with(tmp_path, append=(unechoed(90002),))  # one new ENV104, on a versions exchange
    new = run("replay", str(worse), "--baseline", str(baseline), "--format", "junit", "-o", str(report))
    assert new.returncode == 1
    failed = [(suite.get("name", "").rsplit("::", 1)[1], case.get("name", ""))
              for suite in ET.parse(report).iter("testsuite") for case in suite.iter("testcase")
              if case.find("failure") is not None]
    # The partner's versions GET carried no X-Request-ID: its Versions suite fails.
    assert failed == [("versions", "scenario partner-discovers-hub: the partner GETs the hub's versions and version "
                                   "details"), ("versions", "rule ENV104 request-id-not-echoed")]


def test_rules_not_selected_leave_their_baseline_entries_alone(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    capture = str(shutil.copy(REPO / "captures" / "fault-cdr-put.jsonl", tmp_path))  # CDR003 and CDR206
    run("replay", capture, "--baseline", str(baseline), "--update-baseline")
    selected = run("replay", capture, "--baseline", str(baseline), "--select", "CDR0")
    assert selected.returncode == 0 and "no longer occurs" not in selected.stderr  # CDR206 was not checked
    assert run("replay", capture, "--baseline", str(baseline), "--ignore", "CDR2", "--update-baseline").returncode == 0
    assert {entry["code"] for entry in json.loads(baseline.read_text())["findings"]} == {"CDR003", "CDR206"}
    assert run("replay", capture, "--baseline", str(baseline)).returncode == 0
