"""What sequencing checkers are fed, and what they give back.

A sequencing checker is a sans-IO state machine (the h11 idea): it is fed
`Observed` exchanges in request start order, keeps only the state it needs,
reads time only from the exchanges, and returns `SeqReport`s; `finish()`
reports what never happened. On an illegal step it reports once, adopts the
state the peer actually reached, and does not cascade.

Each checker declares the modules it `watches`: the engine feeds it only
exchanges of those (None: every exchange, for checkers that keep time or
read any module). A checker must not rely on seeing other exchanges.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, NamedTuple, Protocol

import msgspec

from ..exchange import ExchangeView
from ..findings import Note, Where
from ..registry import Violation


class Observed(msgspec.Struct, frozen=True, kw_only=True):
    """One exchange with what the engine made of it (a Struct: one is built per exchange, and that is cheap)."""

    exchange: ExchangeView
    where: Where
    module: str
    operation: str
    key: Any  # the route's ObjectKey, or None
    request: Any  # the typed request body, or None
    data: Any  # the typed `data` of a 1xxx answer, or None
    status_code: int | None  # the answer's OCPI status_code, when it had one
    dropped: int = 0  # objects of a page in `data`'s answer that did not decode (reported), and are not in `data`
    # `exchange.started` and `.ended` as seconds since the epoch, read once for all checkers.
    started_at: float
    ended_at: float | None

    @property
    def accepted(self) -> bool:
        return self.status_code is not None and 1000 <= self.status_code <= 1999


class SeqReport(NamedTuple):
    violation: Violation
    where: Where
    path: str | None = None
    notes: tuple[Note, ...] = ()
    severity: str | None = None  # when a table cell says warning for an error rule
    about: str | None = None  # the message judged, where the rule's own `judges()` cannot tell


Watched = frozenset[str] | None  # the modules a checker is fed; None: all


class Checker(Protocol):
    watches: ClassVar[Watched]

    def feed(self, observed: Observed) -> Iterator[SeqReport]: ...
    def finish(self) -> Iterator[SeqReport]: ...


def note(message: str, where: Where) -> Note:
    return Note(message=message, seq=where.seq, line=where.line)


def object_key(country_code: str, party_id: str, object_id: str) -> tuple[str, str, str]:
    """Identity of a client-owned object; CiStrings compare without case."""
    return (country_code.upper(), party_id.upper(), object_id.upper())
