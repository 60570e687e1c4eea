"""`LiveCheck`, fed a capture line by line with the recorder's watermarks, gives what `check_capture` gives."""

from __future__ import annotations

import random
from pathlib import Path

import msgspec
import pytest

from conftest import REPO
from ocpi_tap.replay.capture import Exchange, format_timestamp
from ocpi_tap.replay.check import check_capture
from ocpi_tap.replay.live import LiveCheck
from ocpi_tap.replay.ordering import epoch
from ocpi_tap.rules.findings import Finding

CAPTURES = sorted((REPO / "captures").glob("*.jsonl"))


def started_of(line: bytes) -> float | None:
    try:
        return epoch(msgspec.json.decode(line, type=Exchange).started)
    except (msgspec.MsgspecError, ValueError):
        return None


def check_live(path: Path) -> tuple[LiveCheck, int]:
    """Feeds the lines as a recorder writes them; after each, the watermark it could publish then:
    the earliest start of the lines still to come. Returns the check and how many exchanges went to
    the engine before the end."""
    lines = path.read_bytes().splitlines(keepends=True)
    starts = [started_of(line) for line in lines]
    still_to_come = [float("inf")] * (len(lines) + 1)
    for index in range(len(lines) - 1, -1, -1):
        started = starts[index]
        still_to_come[index] = min(still_to_come[index + 1], started if started is not None else float("inf"))
    check = LiveCheck(str(path), partner_role=None)
    last = None
    for index, line in enumerate(lines[1:], start=1):
        if not line.endswith(b"\n"):
            last = (index + 1, line)
            break
        check.line(index + 1, line)
        check.advance(still_to_come[index + 1])
    before_end = check.checked
    check.finish(last)
    return check, before_end


def key(finding: Finding) -> tuple[object, ...]:
    return msgspec.to_builtins(finding)  # type: ignore[no-any-return]


@pytest.mark.parametrize("capture", CAPTURES, ids=[c.stem for c in CAPTURES])
def test_each_reference_capture_gives_the_replays_findings_and_readiness(capture: Path) -> None:
    offline = check_capture(capture)
    live, before_end = check_live(capture)
    assert [key(f) for f in live.result.findings] == [key(f) for f in offline.findings]
    assert live.result.exchanges == offline.exchanges
    assert live.result.readiness == offline.readiness
    assert before_end == offline.exchanges  # every exchange was checked while "recording", none waited for the end
    assert live.order_broken == 0


def test_a_capture_written_out_of_order_with_odd_lines(tmp_path: Path) -> None:
    """Completion order shuffled, an exchange longer than the reorder window, a malformed line,
    a duplicate seq and a last line cut short."""
    source = (REPO / "captures" / "fault-session-kwh-going-down.jsonl").read_bytes().splitlines(keepends=True)
    header, lines = source[0], source[1:]
    rng = random.Random(3)
    exchanges = [msgspec.json.decode(line, type=Exchange) for line in lines]
    timed = []
    for number, exchange in enumerate(exchanges):
        started = epoch(exchange.started)
        duration = 400.0 if number == 5 else rng.uniform(0, 3)
        timed.append(msgspec.structs.replace(exchange, ended=format_timestamp(started + duration)))
    timed.sort(key=lambda e: epoch(e.ended or e.started))
    body = [msgspec.json.encode(e) + b"\n" for e in timed]
    body.insert(7, b'{"seq": "not a number"}\n')
    body.insert(12, body[3])  # the same seq again
    body.append(body[9][:40])  # cut short
    capture = tmp_path / "odd.jsonl"
    capture.write_bytes(header + b"".join(body))
    offline = check_capture(capture)
    live, _ = check_live(capture)
    assert {f.code for f in offline.findings} >= {"CAP001", "CAP002", "CAP003", "SES203"}
    assert [key(f) for f in live.result.findings] == [key(f) for f in offline.findings]
    assert live.result.readiness == offline.readiness
