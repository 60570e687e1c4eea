"""One cause, one line: `replay` groups a rule's findings that differ only by their particulars, as a user runs it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import msgspec
import pytest

from captures import clean_exchange, write_capture
from conftest import BIN, CHROMIUM, CHROMIUM_ARGS
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.grouping import GROUP_AT, Group, LiveGrouping, grouped
from ocpi_tap.rules.findings import Finding


def answered_with(exchange: Exchange, request_id: str | None, direction: str) -> Exchange:
    """`exchange` in `direction`, its response echoing `request_id` as X-Request-ID (None: not at all)."""
    assert exchange.response is not None
    headers = [(k, v) for k, v in exchange.response.headers if k != "X-Request-ID"]
    if request_id is not None:
        headers.append(("X-Request-ID", request_id))
    return msgspec.structs.replace(exchange, direction=direction,
                                   response=msgspec.structs.replace(exchange.response, headers=headers))


def day(tmp_path: Path) -> Path:
    """Six responses of the partner that do not echo X-Request-ID (seq 1-6, lines 2-7), two of the hub's
    that echo another value (seq 7-8) and three of the hub's that do not echo it (seq 9-11, lines 10-12)."""
    exchanges = [answered_with(clean_exchange(seq), None, "to_partner") for seq in range(1, 7)]
    exchanges += [answered_with(clean_exchange(seq), f"other-{seq}", "to_hub") for seq in (7, 8)]
    exchanges += [answered_with(clean_exchange(seq), None, "to_hub") for seq in (9, 10, 11)]
    return write_capture(tmp_path / "day1.jsonl", *exchanges)


def replay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ocpi-tap"), "replay", *args], capture_output=True, text=True, timeout=120)


def env104(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if ": ENV104 " in line and not line.startswith(" ")]


def test_a_cause_found_many_times_is_one_line_with_its_count_and_first_and_last_line(tmp_path: Path) -> None:
    capture = day(tmp_path)
    done = replay(str(capture))
    assert done.returncode == 1, done.stderr
    assert env104(done.stdout) == [
        f"{capture}:2: ENV104 X-Request-ID: not echoed in the response: 6 exchanges, lines 2–7 (partner's response)",
        # Two of a cause: below GROUP_AT, a line each, with their particulars.
        f"{capture}:8: ENV104 X-Request-ID: echoed with another value (response has 'other-7', request had "
        f"'req-7') (hub's response)",
        f"{capture}:9: ENV104 X-Request-ID: echoed with another value (response has 'other-8', request had "
        f"'req-8') (hub's response)",
        # The same message from another culprit is another cause.
        f"{capture}:10: ENV104 X-Request-ID: not echoed in the response: 3 exchanges, lines 10–12 (hub's response)",
    ]
    assert "Found 11 findings (11 errors, 0 warnings)" in done.stdout  # the summary counts every finding


def test_no_group_and_the_machine_formats_keep_every_finding(tmp_path: Path) -> None:
    capture = day(tmp_path)
    every = env104(replay("--no-group", str(capture)).stdout)
    assert len(every) == 11
    assert every[0] == (f"{capture}:2: ENV104 X-Request-ID: not echoed in the response (request had 'req-1') "
                        f"(partner's response)")
    lines = [line.removeprefix(f"{capture}:").split(":")[0] for line in every]
    assert lines == [str(line) for line in range(2, 13)]
    report = json.loads(replay("--format", "json", str(capture)).stdout)
    found = [f for f in report["findings"] if f["code"] == "ENV104"]
    assert len(found) == 11
    assert found[0]["message"] == "X-Request-ID: not echoed in the response (request had 'req-1')"
    assert found[0]["group"] == "X-Request-ID: not echoed in the response"  # what the concise form groups by
    github = [line for line in replay("--format", "github", str(capture)).stdout.splitlines() if "ENV104" in line]
    assert len(github) == 11  # an annotation on each line
    full = replay("--format", "full", str(capture)).stdout
    assert full.count("ENV104") >= 11


def test_the_html_report_has_a_row_per_cause_that_opens_to_its_findings(tmp_path: Path) -> None:
    capture = day(tmp_path)
    out = tmp_path / "report.html"
    replay("--format", "html", "-o", str(out), str(capture))
    text = out.read_text()
    groups = re.findall(r'<tr class="group" data-group="([^"]+)" data-count="(\d+)">(.*?)</tr>', text)
    assert [count for _, count, _ in groups] == ["6", "3"]
    name, _, row = groups[0]
    assert "not echoed in the response: 6 exchanges, lines 2–7" in row and "partner&#x27;s response" in row
    assert f'href="#x0-2">{capture}:2</a>&ndash;<a href="#x0-7">7</a>' in row  # first and last line, linked
    members = re.findall(rf'<tr class="member" data-member="{name}" hidden [^>]*>(.*?)</tr>', text)
    assert len(members) == 6 and "request had &#x27;req-6&#x27;" in members[5]
    assert text.count('<tr data-module=') == 2  # the two findings of a cause found twice: rows of their own
    flat = tmp_path / "flat.html"
    replay("--format", "html", "--no-group", "-o", str(flat), str(capture))
    assert 'class="group"' not in flat.read_text() and flat.read_text().count("<tr data-module=") == 11


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_the_html_filters_count_the_findings_of_a_group(tmp_path: Path) -> None:
    capture = day(tmp_path)
    out = tmp_path / "report.html"
    replay("--format", "html", "-o", str(out), str(capture))
    assert CHROMIUM is not None
    done = subprocess.run([CHROMIUM, *CHROMIUM_ARGS, "--enable-logging=stderr", "--v=0", "--dump-dom",
                           out.as_uri() + "?culprit=hub"], capture_output=True, text=True, timeout=120)
    assert [line for line in done.stderr.splitlines() if ":CONSOLE" in line] == []
    dom = done.stdout
    assert "Showing 5 of 11 findings" in dom  # the hub's: its group of 3 and its 2 findings of another cause
    rows = re.findall(r'<tr class="group" data-group="[^"]+" data-count="(\d+)"( hidden(?:="")?)?>', dom)
    assert rows == [("6", ' hidden=""'), ("3", "")]  # the partner's group is filtered out
    assert len(re.findall(r'<tr class="member" [^>]*hidden', dom)) == 9  # closed until opened


def finding(seq: int, message: str = "m", group: str | None = None, path: str | None = None,
            culprit: str | None = "partner") -> Finding:
    return Finding(code="ENV104", name="request-id-not-echoed", severity="error", module="transport",
                   capture="c.jsonl", line=seq + 1, seq=seq, direction="to_partner", path=path, message=message,
                   group=group, about="response", culprit=culprit)


def test_grouping_sets_aside_array_positions_but_not_fields_and_keeps_the_order() -> None:
    same_field = [finding(seq, path=f"$.evses[{seq}].uid") for seq in range(1, GROUP_AT + 1)]
    other_field = [finding(9, path="$.evses[0].status")]
    items = grouped([same_field[0], other_field[0], *same_field[1:]])
    assert isinstance(items[0], Group) and items[1] == other_field[0] and len(items) == 2
    assert items[0].message == "m [$.evses[].uid]" and items[0].extent() == f"{GROUP_AT} exchanges, lines 2–4"


def test_live_grouping_prints_the_first_findings_then_the_group_once_then_counts() -> None:
    live = LiveGrouping()
    shown = [live.admit(finding(seq, f"m {seq}", group="m")) for seq in range(1, 6)]
    assert shown[:GROUP_AT - 1] == [finding(seq, f"m {seq}", group="m") for seq in range(1, GROUP_AT)]
    assert isinstance(shown[GROUP_AT - 1], Group) and shown[GROUP_AT:] == [None] * (5 - GROUP_AT)
    [group] = live.groups()
    assert group.count == 5 and group.message == "m"
