"""LOC2xx: locations, EVSEs and connectors across their pushes (§8.1, §8.2.2, §4.1.4.3).

Theory of operation: this checker is the one writer of the location part of
the shared `Inventory`. Each push (PUT, PATCH) is first compared with what
the inventory holds (LOC201 stamps, LOC202 unknown location, LOC206 an
EVSE or connector the location held does not have, LOC203 EVSEs
that vanish, LOC204 EVSEs coming back from REMOVED), then written, unless
the receiver refused it. GET answers are written without checks. A refused
PATCH opens a "needs resync" episode for its object that a GET or PUT of it
(or of a parent) closes; a PATCH inside an open episode is LOC205, said once
per episode. A whole Location PUT with a body that could not be read (its
shape rule said so) still counts as PUT for LOC202.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import model as m
from ..findings import Where
from ..registry import Severity, Violation
from .inventory import (REMOVED, EvseRecord, Inventory, LocationRecord, LocKey, failed, location_objects, older, party_of, present,
                        unreadable_push)
from .sequencing import Observed, SeqReport, Watched, note

Path = tuple[str, ...]  # the object's key below its location: (), (uid,), (uid, connector id)


class StaleLocationUpdate(Violation, frozen=True, kw_only=True):
    """## What it checks
    An update of a Location, EVSE or Connector carries a `last_updated` not
    older than one already sent for the same object.

    ## Why it matters
    Receivers keep the newest state by `last_updated`; an older update is
    either dropped or, worse, overwrites newer availability.

    ## Example
    EVSE status CHARGING at 10:05, then AVAILABLE stamped 10:01.

    ## Expected
    `last_updated` non-decreasing per object.
    """

    code = "LOC201"
    severity = Severity.ERROR
    spec = "§8.1, §4.1.4"
    about = "object"
    item: str
    before: str
    after: str

    def message(self) -> str:
        return f"{self.item} updated with last_updated {self.after}, older than {self.before}"


class UpdateOfUnknownLocation(Violation, frozen=True, kw_only=True):
    """## What it checks
    A PATCH, or a PUT of an EVSE or Connector, targets a Location that was
    PUT (or read) earlier in the capture.

    ## Why it matters
    A receiver without the Location cannot place the EVSE; it answers
    not-found, and the charger stays invisible until a full PUT.

    ## Example
    The first message about location L7 is a PATCH of one of its EVSEs.

    ## Expected
    PUT the whole Location first.
    """

    code = "LOC202"
    severity = Severity.WARNING
    spec = "§4.1.4.3, §8.2.2.2"
    about = "object"
    location: str

    def message(self) -> str:
        return f"location {self.location} is updated but was never PUT or read in this capture"


class UpdateUnderUnknownEvse(Violation, frozen=True, kw_only=True):
    """## What it checks
    A PATCH of an EVSE or Connector, or a PUT of a Connector, names in its
    URL an EVSE uid (and connector id) that the Location the receiver holds
    has: the Location was PUT (or read) whole earlier in the capture, and
    neither it nor a later push gave an EVSE (or connector) with that id.

    ## Why it matters
    The receiver cannot find the object and refuses the update, or files
    it under an EVSE that does not exist: the charger's status never
    changes in drivers' apps. A common cause is the `evse_id` (the
    eMI3-style `PT*CPO*E1`) used in the URL where the EVSE's `uid` belongs.

    ## Example
    Location L1 PUT with EVSE uid E1 (evse_id PT*CPO*E1), then
    `PATCH .../locations/PT/CPO/L1/PT*CPO*E1`.

    ## Expected
    The URL names the EVSE by its `uid` and the connector by its `id`, as
    the Location pushed them (`PATCH .../locations/PT/CPO/L1/E1`); a new
    EVSE is PUT (whole, or with its Location) before it is PATCHed.
    """

    code = "LOC206"
    severity = Severity.ERROR
    spec = "§8.2.2.2, §8.3.2, §8.3.3"
    about = "request"
    item: str  # "EVSE PT*CPO*E1" or "connector 3 of EVSE E1"
    location: str
    known: str  # what the location has: EVSE uids, or the EVSE's connector ids
    used: str  # the EVSE uid of the URL
    evse_id_of: str | None = None  # the uid of the EVSE whose evse_id the URL used instead

    def message(self) -> str:
        mixup = f" ({self.used} is the evse_id of EVSE {self.evse_id_of})" if self.evse_id_of else ""
        return f"{self.item} is updated under location {self.location}, which has {self.known}{mixup}"

    def hint(self) -> str | None:
        if self.evse_id_of is None:
            return None
        return f"name the EVSE by its uid in the URL: .../{self.location}/{self.evse_id_of}, not its evse_id"


class EvseDropped(Violation, frozen=True, kw_only=True):
    """## What it checks
    A full PUT of a Location still lists every EVSE it listed before; an
    EVSE that goes away is first set to status REMOVED. (Locations have no
    DELETE at all: a DELETE is reported as LOC004.)

    ## Why it matters
    OCPI never deletes an EVSE. A receiver merging pushes keeps the missing
    EVSE with its last status, so drivers are sent to a charger that is not
    there any more; one replacing the Location loses its history.

    ## Example
    Location L1 PUT with EVSEs E1 and E2, later PUT with E1 only.

    ## Expected
    E2 kept in the list with `"status": "REMOVED"` (it may be left out once
    it has been pushed as REMOVED).
    """

    code = "LOC203"
    severity = Severity.ERROR
    spec = "§8.1"
    about = "object"
    location: str
    uids: str

    def message(self) -> str:
        return f"location {self.location} was PUT without EVSE(s) {self.uids}, which were never set to REMOVED"


class EvseBackFromRemoved(Violation, frozen=True, kw_only=True):
    """## What it checks
    An EVSE that was set to REMOVED stays REMOVED, and its uid is not used
    again for another EVSE of the same CPO.

    ## Why it matters
    EVSE uids are unique in the CPO's platform forever; sessions, CDRs and
    statistics of the old charger would be mixed with the new one's.

    ## Example
    EVSE E2 PATCHed to REMOVED, later to AVAILABLE; or a new EVSE E2 at
    another location.

    ## Expected
    A new uid for a new (or rebuilt) EVSE.
    """

    code = "LOC204"
    severity = Severity.WARNING
    spec = "§8.1, §8.3.2"
    about = "object"
    evse: str
    problem: str

    def message(self) -> str:
        return f"EVSE {self.evse} {self.problem}"


class PatchWithoutResync(Violation, frozen=True, kw_only=True):
    """## What it checks
    After a PATCH of a Location, EVSE or Connector is refused, the CPO
    resynchronises (GET the object from the receiver, PUT it if missing)
    before PATCHing it again.

    ## Why it matters
    A refused PATCH means the receiver's copy is missing or behind; further
    PATCHes build on a state the receiver does not have and are refused or,
    worse, applied to the wrong base.

    ## Example
    PATCH of EVSE E1 answered 2001 (unknown object), then another PATCH of
    E1 a minute later.

    ## Expected
    `GET .../L1/E1`, then `PUT` of the EVSE (or the Location) if unknown.
    """

    code = "LOC205"
    severity = Severity.WARNING
    spec = "§4.1.4.3"
    about = "request"
    item: str

    def message(self) -> str:
        return f"{self.item} is PATCHed again after a refused PATCH, without a GET or PUT to resync"


@dataclass
class _Failure:
    where: Where
    reported: bool = False


def _label(location: LocKey, path: Path) -> str:
    return "/".join((*location, *path))


class LocationsChecker:
    watches: ClassVar[Watched] = frozenset({"locations"})

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._reported_unknown: set[LocKey] = set()
        self._reported_parts: set[tuple[LocKey, Path]] = set()  # LOC206 is said once per EVSE or connector
        self._failures: dict[LocKey, dict[Path, _Failure]] = {}

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "locations":
            return
        target = self._target(observed)
        if observed.operation in ("get", "list"):
            if target is not None:
                self._resync(*target)
            self._learn(observed)
            return
        if observed.operation not in ("put", "patch") or target is None:
            return
        location, path = target
        if not path and unreadable_push(observed):
            self._inventory.unreadable_locations.add(location)
        record = self._inventory.location(location)
        known = record.whole if record is not None else location in self._inventory.unreadable_locations
        if not known and (observed.operation == "patch" or path):
            if location not in self._reported_unknown:
                self._reported_unknown.add(location)
                yield SeqReport(UpdateOfUnknownLocation(location="/".join(location)), observed.where)
        elif record is not None and path and (observed.operation == "patch" or len(path) == 2):
            evse = record.evses.get(path[0])
            # The usual case, a known EVSE's status PATCH, is told here without a call.
            if evse is None or (len(path) == 2 and observed.operation == "patch" and path[1] not in evse.connectors):
                unknown = self._unknown_part(observed, location, path, record, evse)
                if unknown is not None:
                    yield unknown
        if observed.operation == "put":
            self._resync(location, path)
        else:
            yield from self._patch_after_failure(observed, location, path)
        body = observed.request
        if body is None:
            return
        yield from self._stamp(observed, location, path, body)
        if isinstance(body, m.Location):
            yield from self._dropped(observed, location, body)
        yield from self._removed(observed, location, path, body)
        if not failed(observed):
            self._write(observed, location, path, body)

    @staticmethod
    def _target(observed: Observed) -> tuple[LocKey, Path] | None:
        """A Receiver URL's object (the ones with a party); Sender URLs are the CPO's own and resync nothing."""
        party, key = party_of(observed), observed.key
        if party is None or key is None or not isinstance(key.id, str):
            return None
        path = tuple(part.upper() for part in (key.evse_uid, key.connector_id) if isinstance(part, str))
        return (party[0], party[1], key.id.upper()), path

    def _learn(self, observed: Observed) -> None:
        for location, uid, obj in location_objects(observed, self._inventory):
            self._put(location, uid, obj, observed.where)

    def _put(self, location: LocKey, uid: str | None, obj: Any, where: Where) -> None:
        if isinstance(obj, m.Location):
            self._inventory.put_location(location, obj, where)
        elif isinstance(obj, m.Evse):
            self._inventory.put_evse(location, obj.uid, obj, where)
        elif isinstance(obj, m.Connector) and uid is not None:
            self._inventory.put_connector(location, uid, obj.id, obj, where)

    def _write(self, observed: Observed, location: LocKey, path: Path, body: Any) -> None:
        if observed.operation == "put":
            self._learn(observed)
        elif isinstance(body, m.LocationPatch) and not path:
            self._inventory.patch_location(location, body, observed.where)
        elif isinstance(body, m.EvsePatch) and len(path) == 1:
            self._inventory.patch_evse(location, path[0], body, observed.where)
        elif isinstance(body, m.ConnectorPatch) and len(path) == 2:
            self._inventory.patch_connector(location, path[0], path[1], body, observed.where)

    def _unknown_part(self, observed: Observed, location: LocKey, path: Path, record: LocationRecord,
                      evse: EvseRecord | None) -> SeqReport | None:
        """LOC206: the EVSE of the URL (`evse`, None) or its connector is not in the location the receiver holds
        whole (`record`)."""
        if evse is None:
            if (location[0], location[1], path[0]) in self._inventory.removed:
                return None  # a REMOVED EVSE left out of later pushes: the receiver still has it
            uids = sorted(record.evses)
            named = next((uid for uid, other in record.evses.items()
                          if other.evse_id is not None and other.evse_id.upper() == path[0].upper()), None)
            item, known = f"EVSE {path[0]}", f"EVSE uids {', '.join(uids)}" if uids else "no EVSEs"
        else:
            ids = sorted(evse.connectors)
            item = f"connector {path[1]} of EVSE {path[0]}"
            known = f"connector ids {', '.join(ids)} on that EVSE" if ids else "no connectors on that EVSE"
            named = None
        if (location, path) in self._reported_parts:
            return None
        self._reported_parts.add((location, path))
        return SeqReport(UpdateUnderUnknownEvse(item=item, location="/".join(location), known=known, used=path[0],
                                                evse_id_of=named),
                         observed.where, notes=(note("the location as the receiver last got it", record.where),))

    def _resync(self, location: LocKey, path: Path) -> None:
        failures = self._failures.get(location)
        if failures:
            for failed_path in [p for p in failures if p[:len(path)] == path]:
                del failures[failed_path]

    def _patch_after_failure(self, observed: Observed, location: LocKey, path: Path) -> Iterator[SeqReport]:
        failures = self._failures.get(location)
        open_ = None
        if failures:  # usually none: most PATCHes follow no refused one
            open_ = next((failures[path[:depth]] for depth in range(len(path), -1, -1) if path[:depth] in failures),
                         None)
        if open_ is not None and not open_.reported:
            open_.reported = True
            yield SeqReport(PatchWithoutResync(item=_label(location, path)), observed.where,
                            notes=(note("the refused PATCH", open_.where),))
        if not failed(observed):
            self._resync(location, path)
        elif open_ is None:
            failures = self._failures.setdefault(location, {})
            failures[path] = _Failure(observed.where)
        if failures is not None and not failures:
            del self._failures[location]

    def _stamp(self, observed: Observed, location: LocKey, path: Path, body: Any) -> Iterator[SeqReport]:
        stamp = getattr(body, "last_updated", None)
        record: Any = self._inventory.location(location)
        if record is not None and path:
            record = record.evses.get(path[0])
        if record is not None and len(path) == 2:
            record = record.connectors.get(path[1])
        if not isinstance(stamp, str) or record is None or record.last_updated is None:
            return
        if older(stamp, record.last_updated):
            yield SeqReport(StaleLocationUpdate(item=_label(location, path), before=record.last_updated, after=stamp),
                            observed.where, "$.last_updated", (note("the newer update", record.where),))

    def _dropped(self, observed: Observed, location: LocKey, body: m.Location) -> Iterator[SeqReport]:
        record = self._inventory.location(location)
        if record is None:
            return
        kept = {evse.uid.upper() for evse in body.evses or []}
        gone = sorted(uid for uid, evse in record.evses.items() if uid not in kept and evse.status != REMOVED)
        if gone:
            yield SeqReport(EvseDropped(location="/".join(location), uids=", ".join(gone)), observed.where, "$.evses",
                            (note("the EVSEs were last listed here", record.where),))

    def _removed(self, observed: Observed, location: LocKey, path: Path, body: Any) -> Iterator[SeqReport]:
        statuses: list[tuple[str, Any, str]] = []  # (uid, status, JSON path)
        if isinstance(body, (m.Location, m.LocationPatch)) and isinstance(body.evses, list):
            statuses = [(e.uid.upper(), e.status, f"$.evses[{i}].status") for i, e in enumerate(body.evses)]
        elif isinstance(body, (m.Evse, m.EvsePatch)) and len(path) == 1:
            statuses = [(path[0], body.status, "$.status")]
        for uid, status, json_path in statuses:
            prior = self._inventory.removed.get((location[0], location[1], uid))
            if prior is None or not present(status) or str(status) == REMOVED:
                continue
            problem = (f"left REMOVED (now {status})" if prior[0] == location else
                       f"reuses the uid of a REMOVED EVSE of location {prior[0][2]}")
            yield SeqReport(EvseBackFromRemoved(evse=_label(location, (uid,)), problem=problem), observed.where,
                            json_path, (note("the EVSE was REMOVED here", prior[1]),))

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
