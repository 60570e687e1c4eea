"""The HTML report: one self-contained file, rendered by headless Chromium without console errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, CHROMIUM, CHROMIUM_ARGS, REPO

CAPTURES = REPO / "captures"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")


def report(tmp_path: Path) -> Path:
    """A report over a capture with an error (SES203) and one with a warning (CMD204)."""
    out = tmp_path / "report.html"
    result = subprocess.run(
        [str(BIN / "ocpi-tap"), "replay", "--format", "html", "-o", str(out), "--role", "cpo",
         str(CAPTURES / "fault-session-kwh-going-down.jsonl"), str(CAPTURES / "fault-callback-sent-twice.jsonl")],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    return out


def render(page: str) -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and the console messages Chromium logged."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *CHROMIUM_ARGS, "--enable-logging=stderr", "--v=0",
         "--dump-dom", page], capture_output=True, text=True, timeout=120)
    return done.stdout, [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def test_the_report_is_self_contained(tmp_path: Path) -> None:
    text = report(tmp_path).read_text()
    assert "<link" not in text and " src=" not in text  # nothing fetched: no stylesheets, scripts or images
    assert set(re.findall(r'href="([^"#]?)', text)) <= {""}  # links only to anchors inside the page
    assert "SES203" in text and "CMD204" in text
    assert "<svg" in text and "START_SESSION (seq 28)" in text  # the session's timeline, from its command


def test_a_role_the_traffic_contradicts_is_noted_beside_it(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    for role, noted in (("cpo", True), ("emsp", False)):
        subprocess.run([str(BIN / "ocpi-tap"), "replay", "--format", "html", "-o", str(out), "--role", role,
                        str(CAPTURES / "clean-emsp.jsonl")], check=True, capture_output=True, timeout=120)
        text = out.read_text()
        assert f"Partner role: <strong>{role.upper()}</strong>" in text
        assert ("check --role" in text) is noted


@needs_chromium
def test_it_renders_without_console_errors_and_filters_findings(tmp_path: Path) -> None:
    dom, console = render(report(tmp_path).as_uri() + "?severity=warning")
    assert console == []
    assert "Showing 1 of 2 findings" in dom  # the script ran and applied the filter from the URL
    rows = re.findall(r'<tr data-module="[^"]*" data-code="(\w+)" data-severity="\w+" data-culprit="\w*"'
                      r'( hidden(?:="")?)?>', dom)
    assert sorted(rows) == [("CMD204", ""), ("SES203", ' hidden=""')]


def test_each_finding_says_who_is_at_fault_and_links_to_that_message(tmp_path: Path) -> None:
    text = report(tmp_path).read_text()
    # SES203: the partner's PATCH (seq 32, line 33) lowered kwh; CMD204: the partner's second CommandResult.
    ses203 = re.search(r'<tr data-module="sessions" data-code="SES203"[^>]*>.*?</tr>', text)
    assert ses203 is not None and 'data-culprit="partner"' in ses203[0] and "partner&#x27;s request" in ses203[0]
    target = re.search(r'href="#(x0-\d+-request)"', ses203[0])
    assert target is not None and f'<pre id="{target[1]}">' in text  # the link lands on the request itself
    assert '<select name="culprit">' in text


@needs_chromium
def test_the_console_check_would_see_a_broken_script(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><p>x</p><script>notDefined();</script>")
    _, console = render(page.as_uri())
    assert any("notDefined" in line for line in console)
