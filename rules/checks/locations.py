"""LOC2xx: locations, EVSEs and connectors across their pushes (§8.1, §8.2.2).

Theory of operation: a Location is created by a PUT (or seen in a GET) and
its EVSEs and connectors live inside it; each object's `last_updated` only
moves forward. Objects are keyed by (country_code, party_id, location id)
plus the EVSE uid and connector id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from msgspec import UNSET

from ..findings import Where
from ..model import parse_datetime
from ..registry import Severity, Violation
from .sequencing import Observed, SeqReport, note

Key = tuple[str, ...]


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
    location: str

    def message(self) -> str:
        return f"location {self.location} is updated but was never PUT or read in this capture"


def _key(observed: Observed) -> Key | None:
    key = observed.key
    if key is None or key.id is None or key.country_code is None or key.party_id is None:
        return None
    parts = [key.country_code, key.party_id, key.id, key.evse_uid, key.connector_id]
    return tuple(part.upper() for part in parts if part is not None)


class LocationsChecker:
    def __init__(self) -> None:
        self._known: set[Key] = set()  # locations (3-part keys) PUT or read
        self._stamps: dict[Key, tuple[str, Where]] = {}
        self._reported: set[Key] = set()

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "locations":
            return
        key = _key(observed)
        if key is None:
            return
        if observed.operation == "get" and observed.data is not None:
            self._known.add(key[:3])
            return
        if observed.operation not in ("put", "patch") or observed.request is None:
            return
        location = key[:3]
        if location not in self._known and (observed.operation == "patch" or len(key) > 3):
            if location not in self._reported:
                self._reported.add(location)
                yield SeqReport(UpdateOfUnknownLocation(location="/".join(location)), observed.where)
        if observed.operation == "put" and len(key) == 3:
            self._known.add(location)
        yield from self._stamp(key, observed, observed.request)

    def _stamp(self, key: Key, observed: Observed, body: Any) -> Iterator[SeqReport]:
        stamp = body.last_updated
        if stamp is UNSET or stamp is None:
            return
        previous = self._stamps.get(key)
        if previous is not None and parse_datetime(stamp) < parse_datetime(previous[0]):
            yield SeqReport(StaleLocationUpdate(item="/".join(key), before=previous[0], after=stamp), observed.where,
                            "$.last_updated", (note("the newer update", previous[1]),))
            return
        self._stamps[key] = (stamp, observed.where)

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
