"""Baselines: findings accepted for now, so that CI fails only on new ones.

An entry is keyed by what stays put when a capture is re-recorded or
unrelated traffic is added: the capture's file name, the rule's code, the
module and object the exchange names (`sessions`, `PT/CPO/S1`) and the JSON
path, never line numbers or seqs. The entry counts its findings; a replay
finding more under one key than the baseline allows reports the excess as
new. Entries whose findings no longer occur are reported so the baseline
can shrink (`--update-baseline`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import msgspec

from ocpi_tap.rules.findings import Finding
from ocpi_tap.rules.registry import Selection

BASELINE_SCHEMA: Final = 1


class BaselineEntry(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    capture: str  # file name only, so the baseline moves with the captures
    code: str
    module: str | None = None
    object: str | None = None
    path: str | None = None
    count: int = 1
    message: str = ""  # the first finding's, for the people reading the file; not part of the key


class Baseline(msgspec.Struct, kw_only=True):
    schema: int = BASELINE_SCHEMA
    findings: list[BaselineEntry] = []


Key = tuple[str, str, str | None, str | None, str | None]


class BaselineError(Exception):
    """The baseline file cannot be read or written."""


def key_of(finding: Finding) -> Key:
    return (Path(finding.capture).name, finding.code, finding.exchange_module, finding.object, finding.path)


def _entry_key(entry: BaselineEntry) -> Key:
    return (entry.capture, entry.code, entry.module, entry.object, entry.path)


def build(findings: Iterable[Finding]) -> Baseline:
    counts: Counter[Key] = Counter()
    messages: dict[Key, str] = {}
    for finding in findings:
        key = key_of(finding)
        counts[key] += 1
        messages.setdefault(key, finding.message)
    entries = [BaselineEntry(capture=k[0], code=k[1], module=k[2], object=k[3], path=k[4], count=n,
                             message=messages[k])
               for k, n in counts.items()]
    return Baseline(findings=sorted(entries, key=_order))


def _order(entry: BaselineEntry) -> tuple[str, ...]:
    return tuple(part or "" for part in _entry_key(entry))


def _checked(entry: BaselineEntry, names: set[str], selection: Selection | None) -> bool:
    """Whether this replay could have found the entry's findings: its capture replayed, its rule reported."""
    return entry.capture in names and (selection is None or entry.code in selection)


def update(findings: Iterable[Finding], previous: Baseline, captures: Iterable[str],
           selection: Selection | None = None) -> Baseline:
    """The baseline after replaying `captures` with the rules `selection` reports (None: all): their findings now, and
    the entries of other captures and rules as they were.

    A baseline may serve many captures and a replay report some rules only
    (`compare` reads only the entries it could have found), so accepting the
    findings of some must not drop the rest.
    """
    names = {Path(capture).name for capture in captures}
    kept = [entry for entry in previous.findings if not _checked(entry, names, selection)]
    return Baseline(findings=sorted(kept + build(findings).findings, key=_order))


def load(path: Path) -> Baseline:
    try:
        baseline = msgspec.json.decode(path.read_bytes(), type=Baseline)
    except (OSError, msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:  # as for a capture line
        raise BaselineError(f"{path}: not a readable baseline: {error}") from None
    if baseline.schema > BASELINE_SCHEMA:
        raise BaselineError(f"{path}: baseline schema {baseline.schema} is newer than this ocpi-tap reads")
    return baseline


def save(baseline: Baseline, path: Path) -> None:
    try:
        path.write_bytes(msgspec.json.format(msgspec.json.encode(baseline), indent=1) + b"\n")
    except OSError as error:
        raise BaselineError(f"{path}: the baseline cannot be written: {error}") from None


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    new: list[Finding]  # beyond what the baseline accepts
    gone: list[BaselineEntry]  # accepted findings that no longer occur (count: how many fewer)


def compare(findings: Iterable[Finding], baseline: Baseline, captures: Iterable[str],
            selection: Selection | None = None) -> Comparison:
    """`findings` of `captures` reported for the rules `selection` reports (None: all) against the baseline; entries of
    other captures and rules are left out."""
    names = {Path(capture).name for capture in captures}
    allowed = Counter({_entry_key(e): e.count for e in baseline.findings if _checked(e, names, selection)})
    used: Counter[Key] = Counter()
    new = []
    for finding in findings:
        key = key_of(finding)
        used[key] += 1
        if used[key] > allowed[key]:
            new.append(finding)
    gone = [msgspec.structs.replace(entry, count=entry.count - used[_entry_key(entry)])
            for entry in baseline.findings
            if _checked(entry, names, selection) and used[_entry_key(entry)] < entry.count]
    return Comparison(new=new, gone=gone)
