"""3xx: objects that refer to other objects name ones the capture has seen (§8.3.3, §9.3.1, §10.4.5).

Theory of operation: locations and tariffs come from the shared
`Inventory` (written by the locations and tariffs checkers, fed before this
one); tokens are learned here from whatever shows them (pushes, pulled
lists, authorizations, commands). Connectors must name known tariffs, and
never two of one type valid at once; sessions must name known locations and
EVSEs (an EVSE only where the whole Location was seen), sessions and CDRs
known tokens. Objects that began before the capture are unknown through no
fault of the traffic, so these are warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from .. import model as m
from ..model import parse_datetime
from ..registry import Severity, Violation
from .inventory import Inventory, LocKey, TariffRecord, location_objects, party_of
from .sequencing import Observed, SeqReport, Watched, note


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
    about = "object"
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
    about = "object"
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
    about = "object"
    uid: str

    def message(self) -> str:
        return f"token {self.uid} is not known from this capture"


class OverlappingTariffs(Violation, frozen=True, kw_only=True):
    """## What it checks
    The tariffs a connector lists in `tariff_ids` include at most one of
    each TariffType (an absent type counting as its own) valid at any
    moment, judged by their start_date_time/end_date_time as pushed or read.

    ## Why it matters
    Only one tariff of a type may apply at a time; with two, the eMSP cannot
    tell which price the driver will pay.

    ## Example
    A connector with `["T1", "T2"]`, both REGULAR and without end dates.

    ## Expected
    One REGULAR tariff, or two whose validity windows do not overlap.
    """

    code = "LOC302"
    severity = Severity.WARNING
    spec = "§8.3.3"
    about = "object"
    connector: str
    first: str
    second: str
    type: str

    def message(self) -> str:
        return f"connector {self.connector} lists tariffs {self.first} and {self.second}, both {self.type} " \
               "and valid at the same time"


def _items(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _connectors(location: LocKey, evses: list[m.Evse] | None,
                item: Any) -> list[tuple[LocKey, str, str, list[str] | None]]:
    if isinstance(item, m.Location):
        evses = item.evses or []
    elif isinstance(item, m.Evse):
        evses = [item]
    return [(location, e.uid, c.id, c.tariff_ids) for e in evses or [] for c in e.connectors]


def _overlap(a: TariffRecord, b: TariffRecord) -> bool:
    """Half-open windows [start, end); an absent bound is open."""
    try:
        a_before_b = a.end is not None and b.start is not None and parse_datetime(a.end) <= parse_datetime(b.start)
        b_before_a = b.end is not None and a.start is not None and parse_datetime(b.end) <= parse_datetime(a.start)
    except ValueError:
        return False
    return not (a_before_b or b_before_a)


class ReferencesChecker:
    watches: ClassVar[Watched] = frozenset({"tokens", "commands", "locations", "sessions", "cdrs"})

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._tokens: set[str] = set()
        self._overlaps: set[tuple[str, ...]] = set()  # (connector, tariff, tariff) already said

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        module, body = observed.module, observed.request
        if module == "tokens":
            self._learn_tokens(observed)
        elif module == "commands" and isinstance(body, (m.StartSession, m.ReserveNow)):
            self._tokens.add(body.token.uid.upper())
        elif module == "locations" and observed.operation in ("put", "patch"):
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
        """The connectors a push sets tariff_ids of (the inventory already holds the pushed state)."""
        listed: list[tuple[LocKey, str, str, list[str] | None]] = []  # (location, uid, connector id, tariff_ids)
        full = location_objects(observed, self._inventory) if observed.operation == "put" else iter(())
        for location, uid, item in full:
            if isinstance(item, m.Connector) and uid is not None:
                listed.append((location, uid, item.id, item.tariff_ids))
            else:
                listed += _connectors(location, None, item)
        body, party, key = observed.request, party_of(observed), observed.key
        if observed.operation == "patch" and party is not None and key is not None and isinstance(key.id, str):
            location = (party[0], party[1], key.id.upper())
            if isinstance(body, m.ConnectorPatch) and isinstance(body.tariff_ids, list):
                if key.evse_uid and key.connector_id:
                    listed.append((location, key.evse_uid, key.connector_id, body.tariff_ids))
            elif isinstance(body, m.EvsePatch) and isinstance(body.connectors, list) and key.evse_uid:
                listed += [(location, key.evse_uid, c.id, c.tariff_ids) for c in body.connectors]
            elif isinstance(body, m.LocationPatch) and isinstance(body.evses, list):
                listed += _connectors(location, body.evses, None)
        for location, uid, connector_id, tariff_ids in listed:
            yield from self._tariff_ids(observed, location, f"{location[2]}/{uid}/{connector_id}".upper(),
                                        tariff_ids or [])

    def _tariff_ids(self, observed: Observed, location: LocKey, label: str,
                    tariff_ids: list[str]) -> Iterator[SeqReport]:
        known: list[tuple[str, TariffRecord]] = []
        for tariff in tariff_ids:
            tkey = (location[0], location[1], tariff.upper())
            record = self._inventory.tariff(tkey)
            if record is None:
                if not self._inventory.seen_tariff(tkey):  # else PUT unreadable: its shape rule said so
                    yield SeqReport(UnknownTariffReference(tariff=tariff), observed.where)
            else:
                known.append((tariff, record))
        for i, (first, a) in enumerate(known):
            for second, b in known[i + 1:]:
                said = (label, first.upper(), second.upper())
                if a.type == b.type and _overlap(a, b) and said not in self._overlaps:
                    self._overlaps.add(said)
                    yield SeqReport(OverlappingTariffs(connector=label, first=first, second=second,
                                                       type=a.type or "untyped"), observed.where,
                                    notes=(note(f"tariff {first}", a.where), note(f"tariff {second}", b.where)))

    def _session(self, observed: Observed, session: Any) -> Iterator[SeqReport]:
        lkey = (session.country_code.upper(), session.party_id.upper(), session.location_id.upper())
        location = self._inventory.location(lkey)
        if location is None and not self._inventory.seen_location(lkey):
            yield SeqReport(UnknownSessionLocation(problem=f"session at location {session.location_id}, "
                                                   "not seen in this capture"), observed.where, "$.location_id")
        elif location is not None and location.whole and session.evse_uid.upper() not in location.evses and session.evse_uid != "#NA":
            yield SeqReport(UnknownSessionLocation(problem=f"session at EVSE {session.evse_uid}, not an EVSE of "
                                                   f"location {session.location_id}"), observed.where, "$.evse_uid")
        yield from self._token(observed, session.cdr_token.uid)

    def _token(self, observed: Observed, uid: str) -> Iterator[SeqReport]:
        if uid.upper() not in self._tokens:
            yield SeqReport(UnknownCdrToken(uid=uid), observed.where, "$.cdr_token.uid")

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
