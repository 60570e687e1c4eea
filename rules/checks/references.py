"""3xx: objects that refer to other objects name ones the capture has seen (§8.3.3, §9.3.1, §10.4.5).

Theory of operation: tariffs, locations (with their EVSEs) and tokens are
learned from whatever shows them (pushes, pulled lists, single GETs,
authorizations, commands). Connectors must name known tariffs, sessions
known locations and EVSEs, sessions and CDRs known tokens. Objects that
began before the capture are unknown through no fault of the traffic, so
these are warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..registry import Severity, Violation
from .. import model as m
from .sequencing import Observed, SeqReport


class UnknownTariffReference(Violation, frozen=True, kw_only=True):
    """## What it checks
    A connector's `tariff_ids` name tariffs pushed or pulled in the capture.

    ## Why it matters
    The eMSP cannot show a price it does not have; tariffs go before the
    locations that use them.

    ## Example
    A connector with `"tariff_ids": ["T9"]` and no tariff T9 anywhere.

    ## Expected
    PUT the Tariff, then the Location referring to it.
    """

    code = "LOC301"
    severity = Severity.WARNING
    spec = "§8.3.3"
    tariff: str

    def message(self) -> str:
        return f"connector refers to tariff {self.tariff}, not seen in this capture"


class UnknownSessionLocation(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session's location_id and evse_uid name a Location and EVSE seen in
    the capture.

    ## Why it matters
    The eMSP shows the session at its charger; an unknown one cannot be
    shown, and the CDR's location will not match.

    ## Example
    A Session at location L9 that was never pushed.

    ## Expected
    Locations pushed before sessions on them start.
    """

    code = "SES301"
    severity = Severity.WARNING
    spec = "§9.3.1"
    problem: str

    def message(self) -> str:
        return self.problem


class UnknownCdrToken(Violation, frozen=True, kw_only=True):
    """## What it checks
    The cdr_token of a Session or CDR is a token seen in the capture (pushed,
    pulled, authorized, or sent in a command).

    ## Why it matters
    The eMSP bills the charge to the token's contract; an unknown token is
    a charge it cannot bill.

    ## Example
    A session for uid 0999 that the eMSP never issued.

    ## Expected
    Sessions for tokens the eMSP pushed, or authorized in real time.
    """

    code = "TOK302"
    severity = Severity.WARNING
    spec = "§10.4.5"
    uid: str

    def message(self) -> str:
        return f"token {self.uid} is not known from this capture"


def _items(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


class ReferencesChecker:
    def __init__(self) -> None:
        self._tariffs: set[str] = set()
        self._evses: dict[str, set[str]] = {}  # location id -> EVSE uids
        self._tokens: set[str] = set()

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        module, body, data = observed.module, observed.request, observed.data
        if module == "tariffs":
            self._tariffs.update(t.id.upper() for t in [*_items(body), *_items(data)] if isinstance(t, m.Tariff))
        elif module == "tokens":
            self._learn_tokens(observed)
        elif module == "commands" and isinstance(body, (m.StartSession, m.ReserveNow)):
            self._tokens.add(body.token.uid.upper())
        elif module == "locations":
            yield from self._locations(observed)
        elif module == "sessions" and observed.operation == "put" and body is not None:
            yield from self._session(observed, body)
        elif module == "cdrs" and observed.operation == "post" and body is not None:
            yield from self._token(observed, body.cdr_token.uid)

    def _learn_tokens(self, observed: Observed) -> None:
        for item in [*_items(observed.request), *_items(observed.data)]:
            if isinstance(item, m.Token):
                self._tokens.add(item.uid.upper())
            elif isinstance(item, m.AuthorizationInfo):
                self._tokens.add(item.token.uid.upper())
        if observed.operation == "authorize" and observed.key is not None and observed.key.id:
            self._tokens.add(observed.key.id.upper())

    def _locations(self, observed: Observed) -> Iterator[SeqReport]:
        """Full objects only (PUT bodies, read data): PATCH bodies are partial."""
        if observed.operation == "patch":
            return
        key = observed.key
        for item in [*_items(observed.request), *_items(observed.data)]:
            connectors: list[m.Connector] = []
            if isinstance(item, m.Location):
                self._evses.setdefault(item.id.upper(), set()).update(e.uid.upper() for e in item.evses or [])
                connectors = [c for e in item.evses or [] for c in e.connectors]
            elif isinstance(item, m.Evse) and key is not None and key.id is not None:
                self._evses.setdefault(key.id.upper(), set()).add(item.uid.upper())
                connectors = list(item.connectors)
            elif isinstance(item, m.Connector):
                connectors = [item]
            if observed.operation != "put":
                continue
            for connector in connectors:
                for tariff in connector.tariff_ids or []:
                    if tariff.upper() not in self._tariffs:
                        yield SeqReport(UnknownTariffReference(tariff=tariff), observed.where)

    def _session(self, observed: Observed, session: Any) -> Iterator[SeqReport]:
        evses = self._evses.get(session.location_id.upper())
        if evses is None:
            yield SeqReport(UnknownSessionLocation(problem=f"session at location {session.location_id}, "
                                                   "not seen in this capture"), observed.where, "$.location_id")
        elif session.evse_uid.upper() not in evses and session.evse_uid != "#NA":
            yield SeqReport(UnknownSessionLocation(problem=f"session at EVSE {session.evse_uid}, not an EVSE of "
                                                   f"location {session.location_id}"), observed.where, "$.evse_uid")
        yield from self._token(observed, session.cdr_token.uid)

    def _token(self, observed: Observed, uid: str) -> Iterator[SeqReport]:
        if uid.upper() not in self._tokens:
            yield SeqReport(UnknownCdrToken(uid=uid), observed.where, "$.cdr_token.uid")

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
