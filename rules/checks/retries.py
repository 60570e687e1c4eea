"""ENV403: a failed push sent again unchanged (§4.4).

Theory of operation: a push (PUT, PATCH or POST of a functional module)
that failed (no answer, an HTTP error, or an OCPI status other than 1xxx)
is remembered by method, URL path, body and credentials (a push sent again
with other credentials, say after a 401, is a new attempt, not a retry). The same push seen again is a
queued retry, which the spec advises against: the sender should re-sync
the object (GET, or a fresh PUT of its current state) instead. Reported
once per remembered push; only failed pushes are kept, at most
`REMEMBERED` of them (the oldest go first).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Final

from msgspec import UNSET

from ..findings import Where
from ..registry import Severity, Violation
from ..routes import url_key
from .sequencing import Observed, SeqReport, Watched, note

PUSH_MODULES: Final = frozenset({"tokens", "locations", "tariffs", "sessions", "cdrs"})
PUSH_METHODS: Final = frozenset({"PUT", "PATCH", "POST"})
REMEMBERED: Final = 100_000


class FailedPushResent(Violation, frozen=True, kw_only=True):
    """## What it checks
    A push that failed is not sent again unchanged (same method, URL and
    body) later.

    ## Why it matters
    A queue that replays old messages can overwrite newer state at the
    receiver (an EVSE set back to CHARGING after it became AVAILABLE), and
    a push refused for its content fails again the same way. The spec asks
    senders not to queue and retry but to re-synchronise.

    ## Example
    A Session PATCH answered HTTP 503, then the byte-identical PATCH a
    minute later.

    ## Expected
    After a failure, GET the object from the receiver or PUT its current
    state, with a fresh `last_updated`.
    """

    code = "ENV403"
    severity = Severity.WARNING
    spec = "§4.4"
    about = "request"
    method: str
    url: str

    def message(self) -> str:
        return f"{self.method} {self.url} failed earlier and is sent again unchanged"


def _failed(observed: Observed) -> bool:
    response = observed.exchange.response
    if response is None or not 200 <= response.status <= 299:
        return True
    return observed.status_code is not None and not observed.accepted


class RetriesChecker:
    watches: ClassVar[Watched] = PUSH_MODULES

    def __init__(self) -> None:
        self._failed: dict[tuple[str, tuple[str, ...], bytes, str | None], Where] = {}

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        request = observed.exchange.request
        if observed.module not in PUSH_MODULES or request.method not in PUSH_METHODS:
            return
        failed = _failed(observed)
        if not failed and not self._failed:
            return  # the usual push: it succeeded, and no failed one waits to be matched
        body = bytes(request.body) if request.body is not UNSET else b""
        key = (request.method, url_key(request.url), body, request.header("Authorization"))
        earlier = self._failed.pop(key, None)
        if earlier is not None:
            yield SeqReport(FailedPushResent(method=request.method, url=request.url), observed.where,
                            notes=(note("the same push failed here", earlier),))
            return  # reported once: a third attempt is the same retry
        if failed:
            if len(self._failed) >= REMEMBERED:
                del self._failed[next(iter(self._failed))]
            self._failed[key] = observed.where

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
