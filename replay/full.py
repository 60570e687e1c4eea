"""The full form of findings: each with its exchange, the offending value, `help:` and `note:` lines.

    captures/day.jsonl:37: CDR001 [error] CDR is malformed: Object missing required field `total_cost`
       --> POST https://hub.example.org/ocpi/2.2/cdrs (seq 36, to_hub) -> HTTP 200
        | $: {"country_code":"PT","party_id":"CPO","id":"C1",...}
        = help: ...
        = note: the session completed here (seq 30, line 31)

The exchanges are read back from the capture, one pass, keeping only the
lines that findings point at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import orjson
from msgspec import UNSET

from ocpi_tap.rules.findings import Finding

from .capture import CaptureError, CaptureReader, Exchange, LineProblem
from .untrusted import printable

VALUE_WIDTH: Final = 160
_STEP: Final = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def exchanges_at(capture: str, lines: Iterable[int], seqs: Iterable[int] = ()) -> dict[int, Exchange]:
    """The exchanges on `lines` or with `seqs`, by line number: one pass, keeping only those."""
    wanted, wanted_seqs = set(lines), set(seqs)
    found: dict[int, Exchange] = {}
    if not wanted and not wanted_seqs:
        return found
    try:
        with CaptureReader(Path(capture)) as reader:
            for item in reader:
                if not isinstance(item, LineProblem) and (item[0] in wanted or item[1].seq in wanted_seqs):
                    found[item[0]] = item[1]
    except CaptureError:
        pass  # the capture went away since it was checked: the findings still show, without their exchange
    return found


_ENVELOPE_PATHS: Final = frozenset({"$", "$.status_code", "$.status_message", "$.timestamp"})


def holder(path: str, about: str | None = None) -> str:
    """The message a JSON path points into: `$.data...` is the answer's, and the envelope's own fields (`$`,
    `$.status_code`, ...) too when the finding is about the response; anything else the request body's (a
    finding about an answer may point at the request field it answered wrongly, `$.session_id`)."""
    return "response" if path.startswith("$.data") or (about == "response" and path in _ENVELOPE_PATHS) else "request"


def value_at(exchange: Exchange, path: str, about: str | None = None) -> Any:
    """The value a JSON path points at, in the message `holder` says."""
    message = exchange.response if holder(path, about) == "response" else exchange.request
    if message is None or message.body is UNSET:
        return UNSET
    try:
        value: Any = orjson.loads(bytes(message.body))
    except orjson.JSONDecodeError:
        return UNSET
    for name, index in _STEP.findall(path[1:]):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return UNSET  # the path names something the body lacks (a missing field): nothing to show
    return value


def _shorten(text: str) -> str:
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 3] + "..."


def finding_lines(finding: Finding, exchange: Exchange | None) -> list[str]:
    where = f"{finding.capture}:{finding.line}" if finding.line is not None else finding.capture
    culprit = f" ({finding.at_fault()})" if finding.culprit else ""
    lines = [f"{where}: {finding.code} [{finding.severity}] {finding.message}{culprit}"]
    if exchange is not None:
        answer = (f" -> HTTP {exchange.response.status}" if exchange.response is not None
                  else " -> no response")
        lines.append(f"   --> {exchange.request.method} {exchange.request.url} "
                     f"(seq {exchange.seq}, {exchange.direction}){answer}")
        if finding.path:
            value = value_at(exchange, finding.path, finding.about)
            shown = "(absent)" if value is UNSET else _shorten(orjson.dumps(value).decode())
            lines.append(f"    | {holder(finding.path, finding.about)} {finding.path}: {shown}")
    elif finding.path:
        lines.append(f"    | at {finding.path}")
    if finding.hint:
        lines.append(f"    = help: {finding.hint}")
    for note in finding.notes:
        at = ", ".join(part for part in (f"seq {note.seq}" if note.seq is not None else "",
                                         f"line {note.line}" if note.line is not None else "") if part)
        lines.append(f"    = note: {note.message}" + (f" ({at})" if at else ""))
    return [printable(line) for line in lines]  # URLs, values and messages quote the partner's traffic


def full_findings(capture: str, findings: list[Finding]) -> list[str]:
    exchanges = exchanges_at(capture, (f.line for f in findings if f.line is not None))
    lines: list[str] = []
    for finding in findings:
        lines += finding_lines(finding, exchanges.get(finding.line) if finding.line is not None else None)
    return lines
