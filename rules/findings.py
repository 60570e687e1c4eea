"""Findings: what a check reports, as values (never exceptions)."""

from __future__ import annotations

from typing import NamedTuple

import msgspec

from .registry import Violation
from .routes import CALLEES, CALLERS


class Report(NamedTuple):
    """What a per-message check (transport, body shapes) says of one exchange, before it is located."""

    violation: Violation
    path: str | None  # a JSON path, if any
    severity: str | None = None  # this occurrence's own, where it differs from the rule's


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
    method: str | None = None  # the request's method: whether an object came in the request or the response


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
    about: str | None = None  # the message at fault: "request" or "response" (None: the capture file itself)
    culprit: str | None = None  # who sent that message: "partner" or "hub" (None: the capture file itself)
    group: str | None = None  # the message without this occurrence's particulars, where it has some (a request id)

    @classmethod
    def of(
        cls,
        violation: Violation,
        capture: str,
        where: Where,
        path: str | None = None,
        notes: list[Note] | None = None,
        severity: str | None = None,
        about: str | None = None,
    ) -> Finding:
        """`severity` overrides the rule's own (a profile's setting); `about` the message the occurrence
        judges, where the rule's own `judges()` cannot tell (a body rule met in a request or a response)."""
        message = judged_message(about or violation.judges(), where.method)
        text = violation.message()
        group = violation.group_key()
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
            message=text,
            hint=violation.help(),
            notes=notes or [],
            exchange_module=where.module,
            object=where.object,
            about=message,
            culprit=culprit(message, where.direction),
            group=group if group != text else None,
        )

    def cause(self) -> str:
        """What this finding says once its particulars are set aside: its rule's `group_key()`."""
        return self.group or self.message

    def at_fault(self) -> str:
        """Whose message is at fault, `partner's request` or `hub's response`; "" for the capture file's own."""
        return f"{self.culprit}'s {self.about}" if self.culprit and self.about else ""


def judged_message(about: str, method: str | None) -> str | None:
    """"request" or "response" for a rule's `about`; an object came in the answer of a GET, else in the
    request (a push). None for the capture file."""
    if about == "object":
        return "response" if method == "GET" else "request"
    return about if about in ("request", "response") else None


def culprit(message: str | None, direction: str | None) -> str | None:
    """The party that sent `message` of an exchange of `direction`: a request's caller, a response's callee."""
    if message is None or direction is None:
        return None
    return (CALLERS if message == "request" else CALLEES).get(direction)
