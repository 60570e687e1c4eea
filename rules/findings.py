"""Findings: what a check reports, as values (never exceptions)."""

from __future__ import annotations

import msgspec

from .registry import Violation


class Note(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A pointer to a related exchange ("the session completed here")."""

    message: str
    seq: int | None = None
    line: int | None = None


class Where(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Where in a capture a finding points."""

    line: int | None = None
    seq: int | None = None
    direction: str | None = None
    module: str | None = None  # the exchange's module, once routed
    object: str | None = None  # the object its URL names (`PT/CPO/S1`, `START_SESSION`), once routed


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One occurrence of a rule, located in a capture. The JSON report's element."""

    code: str
    name: str
    severity: str
    module: str
    capture: str
    line: int | None
    seq: int | None
    direction: str | None
    path: str | None  # JSON path inside the message, e.g. $.data.evses[0].uid
    message: str
    hint: str | None = None
    notes: list[Note] = []
    exchange_module: str | None = None  # the module of the exchange it points at, once routed
    object: str | None = None  # the object that exchange's URL names, once routed

    @classmethod
    def of(
        cls,
        violation: Violation,
        capture: str,
        where: Where,
        path: str | None = None,
        notes: list[Note] | None = None,
        severity: str | None = None,
    ) -> Finding:
        """`severity` overrides the rule's own (a profile's setting)."""
        return cls(
            code=violation.code,
            name=violation.name,
            severity=severity or violation.severity.value,
            module=violation.module,
            capture=capture,
            line=where.line,
            seq=where.seq,
            direction=where.direction,
            path=path,
            message=violation.message(),
            hint=violation.hint(),
            notes=notes or [],
            exchange_module=where.module,
            object=where.object,
        )
