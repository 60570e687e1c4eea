"""CDR203/CDR204/CDR205: each CDR posted once, credited once, read back where it was stored (§10.1.1, §10.2.2).

Theory of operation: every CDR POST opens an entry in the ledger, keyed by
(country_code, party_id, id), holding where it was posted, by which side,
the `Location` its answer gave, and the credit CDR that cancelled it, if
any. A second POST of a key is reported (CDR203) and changes nothing; a
credit CDR marks the CDR it references as credited, and a second credit of
it is reported (CDR204; a warning when the referenced CDR was never seen,
as it may predate the capture); a GET of a posted CDR by the side that
posted it should use the `Location` URL (CDR205). A re-send is a warning
only when the hub re-sends and the profile says its hub does (its own
CDRs, regenerated); the partner's are its own to keep. The CDRs checker asks
the ledger whether a POST was the first of its key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import msgspec

from ..findings import Where
from ..recent import Recent
from ..registry import Severity, Violation
from ..routes import UrlKey, url_key
from .sequencing import Observed, SeqReport, Watched, note, object_key

CdrKey = tuple[str, str, str]


class CdrIdReused(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CDR id (country_code, party_id, id) is POSTed once, whether the
    second POST repeats the content or changes it. Under a profile whose
    hub re-sends the CDRs it generates (mobie), a re-send by the hub is a
    warning; the partner's own re-send stays an error.

    ## Why it matters
    CDRs are immutable; a receiver either ignores the second one or
    overwrites a bill that may already be paid.

    ## Example
    The same CDR POSTed twice after a timeout, or again with a corrected
    `total_cost`.

    ## Expected
    Each CDR POSTed once; a correction is a credit CDR for the first one
    (`"credit": true`, `credit_reference_id`) and a new CDR with a new id.
    """

    code = "CDR203"
    severity = Severity.ERROR
    spec = "§10.1, §10.3.1"
    about = "object"
    cdr: str
    changed: bool

    def message(self) -> str:
        return f"CDR {self.cdr} was already POSTed; this POST {'changes' if self.changed else 'repeats'} its content"


class CdrCreditedTwice(Violation, frozen=True, kw_only=True):
    """## What it checks
    A credit CDR references a CDR that no credit CDR cancelled before. When
    the referenced CDR was never POSTed in the capture, a warning (it may be
    older than the capture, or the reference is wrong).

    ## Why it matters
    A credit CDR pays back the original's amount; crediting the same CDR
    twice refunds the driver twice, and a credit for an unknown CDR cannot
    be booked against anything.

    ## Example
    CDR C1, credit CDR C1-C (`"credit_reference_id": "C1"`), then another
    credit CDR C1-D referencing C1 again.

    ## Expected
    One credit CDR per CDR; a correction after it is a new, ordinary CDR.
    """

    code = "CDR204"
    severity = Severity.ERROR
    spec = "§10.1.1"
    about = "object"
    cdr: str
    seen: bool

    def message(self) -> str:
        if not self.seen:
            return f"a credit CDR references CDR {self.cdr}, which was never POSTed in the capture"
        return f"CDR {self.cdr} is credited a second time"


class CdrReadElsewhere(Violation, frozen=True, kw_only=True):
    """## What it checks
    The CPO reads a CDR it POSTed back at the URL the POST's answer gave in
    its `Location` header, not at a URL of its own making.

    ## Why it matters
    The eMSP stores CDRs where it likes; `Location` is the only address the
    spec gives for one. A CPO guessing `{cdrs}/{id}` gets not-found from
    many eMSPs and concludes the CDR was lost.

    ## Example
    POST answered with `Location: https://emsp.example/cdrs/8f2c`, then
    `GET https://emsp.example/cdrs/C1`.

    ## Expected
    `GET https://emsp.example/cdrs/8f2c`.
    """

    code = "CDR205"
    severity = Severity.WARNING
    spec = "§10.2.2.1"
    about = "request"
    cdr: str
    url: str

    def message(self) -> str:
        return f"CDR {self.cdr} is read at {self.url}, not at the Location its POST was answered with"


@dataclass(slots=True)
class _Entry:
    posted: Where
    direction: str
    location: UrlKey | None
    content: int  # hash of the CDR as first POSTed, to tell a changed re-send
    credited_by: Where | None = None


def _key(cdr: Any) -> CdrKey | None:
    country, party, cdr_id = (getattr(cdr, name, None) for name in ("country_code", "party_id", "id"))
    if isinstance(country, str) and isinstance(party, str) and isinstance(cdr_id, str):
        return object_key(country, party, cdr_id)
    return None


class CdrLedger:
    watches: ClassVar[Watched] = frozenset({"cdrs"})

    def __init__(self) -> None:
        self._entries: Recent[CdrKey, _Entry] = Recent()
        self._by_id: Recent[str, CdrKey] = Recent()  # for GETs whose URL carries the id alone

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "cdrs":
            return
        if observed.operation == "post" and observed.request is not None:
            yield from self._post(observed, observed.request)
        elif observed.operation == "get":
            yield from self._get(observed)

    def first_post(self, key: CdrKey) -> Where | None:
        entry = self._entries.get(key)
        return entry.posted if entry is not None else None

    def _post(self, observed: Observed, cdr: Any) -> Iterator[SeqReport]:
        key = _key(cdr)
        if key is None:
            return
        label, content = "/".join(key), hash(msgspec.json.encode(cdr))
        first = self._entries.get(key)
        if first is not None:  # a re-send by the hub may be a warning: the profile's `hub_warnings` say so
            yield SeqReport(CdrIdReused(cdr=label, changed=content != first.content), observed.where, "$.id",
                            (note("first POSTed here", first.posted),))
            return
        response = observed.exchange.response
        location = response.header("Location") if response is not None else None
        self._entries[key] = _Entry(observed.where, observed.exchange.direction,
                                    url_key(location) if location else None, content)
        self._by_id[key[2]] = key
        reference = getattr(cdr, "credit_reference_id", None)
        if getattr(cdr, "credit", None) is True and isinstance(reference, str):
            yield from self._credit(object_key(key[0], key[1], reference), observed.where)

    def _credit(self, original: CdrKey, where: Where) -> Iterator[SeqReport]:
        label = "/".join(original)
        entry = self._entries.get(original)
        if entry is None:
            yield SeqReport(CdrCreditedTwice(cdr=label, seen=False), where, "$.credit_reference_id",
                            severity=Severity.WARNING.value)
            return
        if entry.credited_by is not None:
            yield SeqReport(CdrCreditedTwice(cdr=label, seen=True), where, "$.credit_reference_id",
                            (note("the CDR was credited here", entry.credited_by), note("the CDR", entry.posted)))
            return
        entry.credited_by = where

    def _get(self, observed: Observed) -> Iterator[SeqReport]:
        key = _key(observed.data)
        if key is None and observed.key is not None and observed.key.id:
            if observed.key.country_code and observed.key.party_id:
                key = object_key(observed.key.country_code, observed.key.party_id, observed.key.id)
            else:
                key = self._by_id.get(observed.key.id.upper())
        entry = self._entries.get(key) if key is not None else None
        if entry is None or entry.location is None or entry.direction != observed.exchange.direction:
            return
        url = observed.exchange.request.url
        if url_key(url) != entry.location:
            yield SeqReport(CdrReadElsewhere(cdr="/".join(key or ()), url=url), observed.where,
                            notes=(note("the CDR was POSTed here, answered with its Location", entry.posted),))

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
