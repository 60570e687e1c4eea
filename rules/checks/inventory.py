"""What the capture has shown of a CPO's locations and tariffs, kept once for every checker that needs it.

Theory of operation: the locations checker writes the location part (after
checking a push against what was there), the tariffs checker the tariff
part; everyone else only reads, after them. A record holds only what a rule
needs: statuses, capabilities, tariff_ids, `last_updated` and where it was
last changed, and the few CdrLocation fields. Objects are keyed as the
catalogue says: (country_code, party_id, location id) [+ EVSE uid [+
connector id]], upper-cased. The size follows the network, not the traffic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
from msgspec import UNSET

from .. import model as m
from ..findings import Where
from ..model import parse_datetime
from .parties import routed_party
from .sequencing import Observed

LocKey = tuple[str, str, str]
TariffKey = tuple[str, str, str]
EvseKey = tuple[str, str, str, str]
REMOVED = "REMOVED"


def present(value: Any) -> bool:
    return value is not UNSET and value is not None


@dataclass
class ConnectorRecord:
    where: Where
    standard: str | None = None
    format: str | None = None
    power_type: str | None = None
    tariff_ids: tuple[str, ...] = ()  # upper-cased, in the order given
    last_updated: str | None = None


@dataclass
class EvseRecord:
    where: Where
    status: str | None = None
    evse_id: str | None = None
    capabilities: frozenset[str] | None = None  # None: no full EVSE seen yet
    connectors: dict[str, ConnectorRecord] = field(default_factory=dict)
    last_updated: str | None = None


@dataclass
class LocationRecord:
    where: Where
    address: str | None = None
    evses: dict[str, EvseRecord] = field(default_factory=dict)
    whole: bool = False  # a full Location was seen: `evses` is the whole list
    last_updated: str | None = None


@dataclass
class TariffRecord:
    where: Where
    currency: str
    type: str | None
    start: str | None
    end: str | None
    last_updated: str
    fingerprint: bytes  # of the priced content, to tell a changed copy


@dataclass(frozen=True)
class SiteSnapshot:
    """A connector as it was when a session on it began (CDR303, CDR304)."""

    address: str | None
    evse_id: str | None
    standard: str | None
    format: str | None
    power_type: str | None
    tariff_ids: tuple[str, ...]
    tariff_prints: dict[str, bytes]


def tariff_fingerprint(tariff: m.Tariff) -> bytes:
    priced = (tariff.currency, tariff.type, tariff.elements, tariff.min_price, tariff.max_price,
              tariff.start_date_time, tariff.end_date_time)
    return hashlib.blake2b(msgspec.json.encode(priced), digest_size=16).digest()


class Inventory:
    def __init__(self) -> None:
        self.locations: dict[LocKey, LocationRecord] = {}
        self.tariffs: dict[TariffKey, TariffRecord] = {}
        self._by_id: dict[str, set[LocKey]] = {}  # location id -> keys, for URLs without a party
        self._location_parties: set[tuple[str, str]] = set()
        self._tariff_parties: set[tuple[str, str]] = set()
        self.removed: dict[tuple[str, str, str], tuple[LocKey, Where]] = {}  # (cc, pid, uid) of REMOVED EVSEs
        self._users: dict[TariffKey, set[tuple[str, str]]] = {}  # tariff -> (location id, uid/connector) hints
        # Locations and tariffs PUT with a body that did not decode (their shape rule said so): seen, though
        # nothing of them is known, so what refers to them is not "unknown" as well.
        self.unreadable_locations: set[LocKey] = set()
        self.unreadable_tariffs: set[TariffKey] = set()

    # -- reading ---------------------------------------------------------

    def location(self, key: LocKey) -> LocationRecord | None:
        return self.locations.get(key)

    def evse(self, key: LocKey, uid: str) -> EvseRecord | None:
        record = self.locations.get(key)
        return record.evses.get(uid.upper()) if record is not None else None

    def connector(self, key: LocKey, uid: str, connector_id: str) -> ConnectorRecord | None:
        evse = self.evse(key, uid)
        return evse.connectors.get(connector_id.upper()) if evse is not None else None

    def resolve(self, location_id: str, party: tuple[str, str] | None = None) -> LocKey | None:
        """The key of a location named without its party (own-location URLs, commands)."""
        if party is not None:
            key = (party[0].upper(), party[1].upper(), location_id.upper())
            if key in self.locations or (party[0].upper(), party[1].upper()) in self._location_parties:
                return key
        keys = self._by_id.get(location_id.upper())
        return next(iter(keys)) if keys is not None and len(keys) == 1 else None

    def seen_location(self, key: LocKey) -> bool:
        """The location was PUT or read, if perhaps in a body that could not be read."""
        return key in self.locations or key in self.unreadable_locations

    def seen_tariff(self, key: TariffKey) -> bool:
        return key in self.tariffs or key in self.unreadable_tariffs

    def knows_locations_of(self, party: tuple[str, str]) -> bool:
        return (party[0].upper(), party[1].upper()) in self._location_parties

    def cpo_of(self, observed: Observed) -> tuple[str, str] | None:
        """The CPO a command goes to: its OCPI-to routing headers, else the only CPO whose locations are known."""
        addressed = routed_party(observed.exchange.request, "to")
        if addressed is not None:
            return addressed
        return next(iter(self._location_parties)) if len(self._location_parties) == 1 else None

    def knows_tariffs_of(self, party: tuple[str, str]) -> bool:
        return (party[0].upper(), party[1].upper()) in self._tariff_parties

    def tariff(self, key: TariffKey) -> TariffRecord | None:
        return self.tariffs.get(key)

    def snapshot(self, key: LocKey, uid: str, connector_id: str) -> SiteSnapshot | None:
        location = self.locations.get(key)
        evse = location.evses.get(uid.upper()) if location is not None else None
        if location is None or evse is None:
            return None
        connector = evse.connectors.get(connector_id.upper())
        tariff_ids = connector.tariff_ids if connector is not None else ()
        prints = {t: record.fingerprint for t in tariff_ids
                  if (record := self.tariffs.get((key[0], key[1], t))) is not None}
        return SiteSnapshot(address=location.address, evse_id=evse.evse_id,
                            standard=connector.standard if connector else None,
                            format=connector.format if connector else None,
                            power_type=connector.power_type if connector else None,
                            tariff_ids=tariff_ids, tariff_prints=prints)

    def listing(self, key: TariffKey) -> list[str]:
        """Connectors (`location/evse/connector`) of live EVSEs that list the tariff now."""
        found: list[str] = []
        hints = self._users.get(key, set())
        for location_id, evse_uid in sorted(hints):
            evse = self.evse((key[0], key[1], location_id), evse_uid)
            if evse is None or evse.status == REMOVED:
                continue
            found += [f"{location_id}/{evse_uid}/{cid}" for cid, c in evse.connectors.items() if key[2] in c.tariff_ids]
        if not found:
            self._users.pop(key, None)
        return found

    # -- writing: locations (the locations checker only) -----------------

    def _location_record(self, key: LocKey, where: Where) -> LocationRecord:
        record = self.locations.get(key)
        if record is None:
            record = self.locations[key] = LocationRecord(where=where)
            self._by_id.setdefault(key[2], set()).add(key)
            self._location_parties.add((key[0], key[1]))
        return record

    def put_location(self, key: LocKey, location: m.Location, where: Where) -> None:
        record = self._location_record(key, where)
        record.evses = {}
        for evse in location.evses or []:
            self._put_evse(key, record, evse.uid.upper(), evse, where)
        record.address, record.whole = location.address, True
        record.last_updated, record.where = location.last_updated, where

    def patch_location(self, key: LocKey, patch: m.LocationPatch, where: Where) -> None:
        record = self._location_record(key, where)
        if isinstance(patch.address, str):
            record.address = patch.address
        if isinstance(patch.evses, list):
            record.evses = {}
            for evse in patch.evses:
                self._put_evse(key, record, evse.uid.upper(), evse, where)
        if isinstance(patch.last_updated, str):
            record.last_updated = patch.last_updated
        record.where = where

    def put_evse(self, key: LocKey, uid: str, evse: m.Evse, where: Where) -> None:
        record = self._location_record(key, where)
        self._put_evse(key, record, uid.upper(), evse, where)

    def _put_evse(self, key: LocKey, record: LocationRecord, uid: str, evse: m.Evse, where: Where) -> None:
        new = record.evses[uid] = EvseRecord(where=where, evse_id=evse.evse_id,
                                             capabilities=frozenset(str(c) for c in evse.capabilities or []),
                                             last_updated=evse.last_updated)
        self._status(key, uid, new, str(evse.status), where)
        for connector in evse.connectors:
            self._put_connector(key, uid, new, connector.id.upper(), connector, where)

    def patch_evse(self, key: LocKey, uid: str, patch: m.EvsePatch, where: Where) -> None:
        record = self._location_record(key, where)
        uid = uid.upper()
        evse = record.evses.get(uid)
        if evse is None:
            evse = record.evses[uid] = EvseRecord(where=where)
        if isinstance(patch.status, str):
            self._status(key, uid, evse, str(patch.status), where)
        if isinstance(patch.evse_id, str):
            evse.evse_id = patch.evse_id
        if isinstance(patch.capabilities, list):
            evse.capabilities = frozenset(str(c) for c in patch.capabilities)
        if isinstance(patch.connectors, list):
            evse.connectors = {}
            for connector in patch.connectors:
                self._put_connector(key, uid, evse, connector.id.upper(), connector, where)
        if isinstance(patch.last_updated, str):
            evse.last_updated = patch.last_updated
        evse.where = where

    def _status(self, key: LocKey, uid: str, evse: EvseRecord, status: str, where: Where) -> None:
        evse.status = status
        party_uid = (key[0], key[1], uid)
        if status == REMOVED:
            self.removed[party_uid] = (key, where)
        else:
            self.removed.pop(party_uid, None)

    def put_connector(self, key: LocKey, uid: str, connector_id: str, connector: m.Connector, where: Where) -> None:
        record = self._location_record(key, where)
        evse = record.evses.get(uid.upper())
        if evse is None:
            evse = record.evses[uid.upper()] = EvseRecord(where=where)
        self._put_connector(key, uid.upper(), evse, connector_id.upper(), connector, where)

    def _put_connector(self, key: LocKey, uid: str, evse: EvseRecord, connector_id: str, connector: m.Connector,
                       where: Where) -> None:
        record = evse.connectors[connector_id] = ConnectorRecord(
            where=where, standard=str(connector.standard), format=str(connector.format),
            power_type=str(connector.power_type), last_updated=connector.last_updated)
        self._tariff_ids(key, uid, record, connector.tariff_ids or [])

    def patch_connector(self, key: LocKey, uid: str, connector_id: str, patch: m.ConnectorPatch,
                        where: Where) -> None:
        record = self._location_record(key, where)
        evse = record.evses.get(uid.upper())
        if evse is None:
            evse = record.evses[uid.upper()] = EvseRecord(where=where)
        connector = evse.connectors.get(connector_id.upper())
        if connector is None:
            connector = evse.connectors[connector_id.upper()] = ConnectorRecord(where=where)
        for name in ("standard", "format", "power_type"):
            value = getattr(patch, name)
            if isinstance(value, str):
                setattr(connector, name, str(value))
        if isinstance(patch.tariff_ids, list):
            self._tariff_ids(key, uid.upper(), connector, patch.tariff_ids)
        if isinstance(patch.last_updated, str):
            connector.last_updated = patch.last_updated
        connector.where = where

    def _tariff_ids(self, key: LocKey, uid: str, connector: ConnectorRecord, tariff_ids: Iterable[Any]) -> None:
        connector.tariff_ids = tuple(t.upper() for t in tariff_ids if isinstance(t, str))
        for tariff in connector.tariff_ids:
            self._users.setdefault((key[0], key[1], tariff), set()).add((key[2], uid))

    # -- writing: tariffs (the tariffs checker only) ---------------------

    def put_tariff(self, key: TariffKey, tariff: m.Tariff, where: Where) -> None:
        self.tariffs[key] = TariffRecord(
            where=where, currency=tariff.currency, type=str(tariff.type) if tariff.type is not None else None,
            start=tariff.start_date_time, end=tariff.end_date_time, last_updated=tariff.last_updated,
            fingerprint=tariff_fingerprint(tariff))
        self._tariff_parties.add((key[0], key[1]))

    def delete_tariff(self, key: TariffKey) -> None:
        self.tariffs.pop(key, None)
        self.unreadable_tariffs.discard(key)


def unreadable_push(observed: Observed) -> bool:
    """A PUT whose body was sent but did not decode (its shape rule reported it)."""
    return observed.operation == "put" and observed.request is None and observed.exchange.request.has_body


def older(stamp: str, than: str) -> bool:
    """`stamp` is before `than` (a DateTime the pattern lets through but the calendar has not: never)."""
    try:
        return parse_datetime(stamp) < parse_datetime(than)
    except ValueError:
        return False


def failed(observed: Observed) -> bool:
    """The receiver said no: an OCPI status outside 1xxx, or an HTTP error without an envelope."""
    if observed.status_code is not None:
        return not observed.accepted
    response = observed.exchange.response
    return response is not None and response.status >= 400


def items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def party_of(observed: Observed) -> tuple[str, str] | None:
    key = observed.key
    if key is None or not isinstance(key.country_code, str) or not isinstance(key.party_id, str):
        return None
    return key.country_code.upper(), key.party_id.upper()


def location_objects(observed: Observed, inventory: Inventory) -> Iterator[tuple[LocKey, str | None, Any]]:
    """Each full Location/EVSE/Connector the exchange shows (PUT body, GET data), with its location's key
    and, for a Connector, the EVSE uid of the URL."""
    key, party = observed.key, party_of(observed)
    for obj in [*items(observed.request if observed.operation == "put" else None), *items(observed.data)]:
        if isinstance(obj, m.Location):
            owner = party or (obj.country_code.upper(), obj.party_id.upper())
            url_id = key.id if key is not None and isinstance(key.id, str) and party else obj.id
            yield (owner[0], owner[1], url_id.upper()), None, obj
        elif isinstance(obj, (m.Evse, m.Connector)) and key is not None and isinstance(key.id, str):
            location = (party[0], party[1], key.id.upper()) if party else inventory.resolve(key.id)
            uid = key.evse_uid if isinstance(key.evse_uid, str) else None
            if location is not None and (isinstance(obj, m.Evse) or uid is not None):
                yield location, uid, obj
