"""One cause, one line: the findings of a rule that fires on many exchanges for the same reason, grouped.

A real certification day gave 161 findings of which 92 said one thing: a
header never sent. Findings have one cause when they share the capture, the
rule, the rule's `group_key()` (the message without the exchange's
particulars: a request id, a header value, a number; a rule that has such
particulars declares its key, see `Violation.group_key`), the JSON path
without its array positions (`$.evses[].uid`: the same field of every
element is one cause, two fields are two), and the culprit with the message
at fault. A cause seen `GROUP_AT` times or more becomes one `Group`, shown
where its first finding would be; fewer stay one finding a line, as they
are easier to read one by one than as a count. Deterministic: the order of
the findings in, groups at their first occurrence.

Only the concise and HTML reports and the live page group; JSON, JUnit,
GitHub and the full form keep every finding, and `--no-group` turns it off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from ocpi_tap.rules.findings import Finding

GROUP_AT: Final = 3  # occurrences of one cause from which they are shown as one line
_POSITION: Final = re.compile(r"\[\d+\]")

Cause = tuple[str, str, str, str | None, str | None, str | None]


def cause(finding: Finding) -> Cause:
    """What makes findings one cause: capture, code, group key, path without positions, culprit, message."""
    path = _POSITION.sub("[]", finding.path) if finding.path else None
    return (finding.capture, finding.code, finding.cause(), path, finding.culprit, finding.about)


@dataclass(frozen=True)
class Group:
    """`GROUP_AT` or more findings of one cause, in the order found."""

    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        return self.findings[0]

    @property
    def count(self) -> int:
        return len(self.findings)

    @property
    def exchanges(self) -> int:
        """How many exchanges the findings are on (a rule may fire twice on one, at two paths)."""
        return len({(f.seq, f.line) for f in self.findings})

    @property
    def lines(self) -> tuple[int, int] | None:
        """The first and last capture line of the findings, None when none has a line."""
        lines = [f.line for f in self.findings if f.line is not None]
        return (min(lines), max(lines)) if lines else None

    @property
    def message(self) -> str:
        """The group's statement: its rule's group key, and the path (`[]` for positions that differ)."""
        first = self.first
        if not first.path:
            return first.cause()
        same = all(f.path == first.path for f in self.findings)
        return f"{first.cause()} [{first.path if same else _POSITION.sub('[]', first.path)}]"

    def extent(self) -> str:
        """`46 exchanges, lines 3–171`: how many, and where the first and the last are."""
        count = self.count
        exchanges = self.exchanges
        counted = f"{count} exchanges" if exchanges == count else f"{count} findings in {exchanges} exchanges"
        lines = self.lines
        if lines is None:
            return counted
        return f"{counted}, lines {lines[0]}–{lines[1]}" if lines[0] != lines[1] else f"{counted}, line {lines[0]}"


def grouped(findings: Iterable[Finding], at: int = GROUP_AT) -> list[Finding | Group]:
    """The findings with every cause of at least `at` occurrences as one `Group` at its first occurrence."""
    keyed = [(cause(finding), finding) for finding in findings]
    by_cause: dict[Cause, list[Finding]] = {}
    for key, finding in keyed:
        by_cause.setdefault(key, []).append(finding)
    shown: list[Finding | Group] = []
    done: set[Cause] = set()
    for key, finding in keyed:
        same = by_cause[key]
        if len(same) < at:
            shown.append(finding)
        elif key not in done:
            done.add(key)
            shown.append(Group(tuple(same)))
    return shown


class LiveGrouping:
    """Grouping for findings printed as they happen (`record --live`), which cannot be taken back: a cause's
    first `at - 1` findings print as they come, the `at`-th prints as the group so far, the rest are only
    counted, and `groups()` gives every such cause complete at the end."""

    def __init__(self, at: int = GROUP_AT) -> None:
        self._at = at
        self._seen: dict[Cause, list[Finding]] = {}

    def admit(self, finding: Finding) -> Finding | Group | None:
        """What to print for `finding`: itself, its group so far (once), or nothing (counted)."""
        same = self._seen.setdefault(cause(finding), [])
        same.append(finding)
        if len(same) < self._at:
            return finding
        return Group(tuple(same)) if len(same) == self._at else None

    def groups(self) -> list[Group]:
        """The causes found `at` times or more, complete, in the order of their first findings."""
        return [Group(tuple(same)) for same in self._seen.values() if len(same) >= self._at]
