"""Whether a replay passes: its findings against `--fail-on`, its readiness against `--require-ready`.

One decision, made here once; the exit status, the closing lines, the JSON
report (`exit_code`, `failed_because`) and the JUnit report all show it.
Findings fail at or above the `fail_on` severity (`warning`: every finding,
`error`: errors only, `never`: none), the hub's never: as the readiness does
not count them against the partner, they do not fail the partner's run (on a
real day they are the hub's quirks); a required module fails unless it is
"ready" in every capture's readiness. Findings a baseline accepted are no
longer in the results when this is asked, so they never fail; the readiness
still counts them, as it counts every finding.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from ocpi_tap.rules.findings import Finding
from ocpi_tap.rules.scenarios import MODULE_ORDER, MODULE_TITLES

from .check import CaptureResult
from .formats import DEFAULT_FAIL_ON, FailOn
from .readiness import ModuleReadiness, why_not_ready

EVERY_MODULE: Final = "all"
# What `failed_because` holds: findings at or above `fail_on`, a required module not ready.
FINDINGS: Final = "findings"
NOT_READY: Final = "not ready"


def fails(finding: Finding, fail_on: FailOn) -> bool:
    """Whether `finding` makes the run fail under `fail_on`: never one whose culprit is the hub."""
    if fail_on == "never" or finding.culprit == "hub":
        return False
    return fail_on == "warning" or finding.severity == "error"


def parse_modules(values: Iterable[str]) -> tuple[str, ...]:
    """`--require-ready` values (each a module name, a comma-separated list of them, or `all`; any case) as
    module names in the readiness table's order. ValueError names what is wrong and the valid names."""
    wanted: set[str] = set()
    for value in values:
        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        if not names:
            raise ValueError(f"{value!r} names no module; {_valid()}")
        for name in names:
            if name == EVERY_MODULE:
                wanted.update(MODULE_ORDER)
            elif name in MODULE_TITLES:
                wanted.add(name)
            else:
                close = difflib.get_close_matches(name, [*MODULE_ORDER, EVERY_MODULE], n=1)
                guess = f" (did you mean {close[0]}?)" if close else ""
                raise ValueError(f"unknown module {name!r}{guess}; {_valid()}")
    return tuple(module for module in MODULE_ORDER if module in wanted)


def _valid() -> str:
    return f"the modules are {', '.join(MODULE_ORDER)}, or {EVERY_MODULE}"


@dataclass(frozen=True)
class Shortfall:
    """A module that is not ready in one capture, and why, in the readiness closing line's words."""

    capture: str
    module: str
    title: str
    verdict: str  # the readiness verdict; "not assessed" for a capture without readiness
    detail: str  # "2 errors", "1 of 3 scenarios seen", or empty


def _shortfall(capture: str, module: str, readiness: ModuleReadiness | None) -> Shortfall | None:
    title = MODULE_TITLES[module]
    if readiness is None:
        return Shortfall(capture, module, title, "not assessed", "")
    if readiness.verdict == "ready":
        return None
    return Shortfall(capture, module, title, readiness.verdict, why_not_ready(readiness))


def shortfalls(results: Sequence[CaptureResult], modules: Sequence[str] = MODULE_ORDER) -> list[Shortfall]:
    """Of `modules`, those not ready, per capture, in module order and then capture order."""
    tables = [(result.capture, None if result.readiness is None else {m.module: m for m in result.readiness.modules})
              for result in results]
    found = []
    for module in modules:
        for capture, table in tables:
            shortfall = _shortfall(capture, module, None if table is None else table.get(module))
            if shortfall is not None:
                found.append(shortfall)
    return found


def describe(found: Sequence[Shortfall], several_captures: bool) -> str:
    """`Locations (not exercised), CDRs (failing: 1 error)`; with several captures each verdict names its
    capture: `Locations (not exercised in day2.jsonl; failing in day3.jsonl: 1 error)`."""
    by_module: dict[str, list[Shortfall]] = {}
    for shortfall in found:
        by_module.setdefault(shortfall.module, []).append(shortfall)
    parts = []
    for items in by_module.values():
        reasons = []
        for item in items:
            where = f" in {item.capture}" if several_captures else ""
            reasons.append(f"{item.verdict}{where}" + (f": {item.detail}" if item.detail else ""))
        parts.append(f"{items[0].title} ({'; '.join(reasons)})")
    return ", ".join(parts)


@dataclass(frozen=True)
class Outcome:
    """The decision on a replay, and what it was made from."""

    fail_on: FailOn = DEFAULT_FAIL_ON
    require_ready: tuple[str, ...] = ()  # module names
    failing: int = 0  # findings at or above `fail_on`
    tolerated: int = 0  # the partner's findings below it
    tolerated_errors: int = 0  # of those, errors (only under `never`)
    hubs: int = 0  # the hub's findings, which never fail the run
    not_ready: tuple[Shortfall, ...] = ()  # of the required modules

    @property
    def failed_because(self) -> list[str]:
        return ([FINDINGS] if self.failing else []) + ([NOT_READY] if self.not_ready else [])

    @property
    def exit_code(self) -> int:
        """0 passed, 1 failed (2, usage and unreadable input, never comes to a decision)."""
        return 1 if self.failed_because else 0


def decide(results: Sequence[CaptureResult], fail_on: FailOn = DEFAULT_FAIL_ON,
           require_ready: Sequence[str] = ()) -> Outcome:
    findings = [finding for result in results for finding in result.findings if finding.culprit != "hub"]
    hubs = sum(1 for result in results for finding in result.findings if finding.culprit == "hub")
    failing = sum(1 for finding in findings if fails(finding, fail_on))
    tolerated = [finding for finding in findings if not fails(finding, fail_on)]
    return Outcome(
        fail_on=fail_on, require_ready=tuple(require_ready), failing=failing, tolerated=len(tolerated),
        tolerated_errors=sum(1 for finding in tolerated if finding.severity == "error"), hubs=hubs,
        not_ready=tuple(shortfalls(results, require_ready)),
    )
