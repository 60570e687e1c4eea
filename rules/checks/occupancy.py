"""LOC303 (off by default): an EVSE's status against the sessions on it (§8.4.22).

Theory of operation: status pushes and session pushes race, so nothing is
said at once. An EVSE pushed AVAILABLE while a session on it is ACTIVE is a
suspect until that session ends within GRACE_SECONDS (fine) or is updated
still ACTIVE after that, or is still ACTIVE at the end (reported); an EVSE
pushed CHARGING with no open session is a suspect until a session on it
shows up (fine) or the EVSE leaves CHARGING, or the capture ends (reported).
A new status of the EVSE drops an AVAILABLE suspect. Sessions come from the
session sites checker, statuses from the shared `Inventory`, both fed first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Final

from .. import model as m
from ..findings import Note, Where
from ..registry import Severity, Violation
from .inventory import EvseKey, Inventory, location_objects, party_of
from .sequencing import Observed, SeqReport, Watched, note
from .session_sites import FINAL, SessionKey, SessionSites

GRACE_SECONDS: Final = 120.0  # how long a session may take to catch up with its EVSE's status


class EvseStatusContradictsSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    An EVSE is not AVAILABLE while a session on it is ACTIVE, and not
    CHARGING while no session on it is known (a heuristic: pushes race, and
    sessions from before the capture are unknown; off by default).

    ## Why it matters
    Drivers are sent to an EVSE shown free that is in use, or shown busy
    with nothing the eMSP can bill; usually one of the two feeds is stale.

    ## Example
    EVSE L1/E1 PATCHed AVAILABLE at 10:00; its session S1 PATCHed ACTIVE
    with more kWh at 10:10.

    ## Expected
    EVSE status and sessions telling the same story within a minute or two.
    """

    code = "LOC303"
    severity = Severity.WARNING
    spec = "§8.4.22"
    about = "object"
    default_enabled = False
    evse: str
    problem: str

    def message(self) -> str:
        return f"EVSE {self.evse} {self.problem}"


@dataclass
class _Suspect:
    status: str  # AVAILABLE or CHARGING
    where: Where
    at: float
    session: SessionKey | None = None


def _label(evse: EvseKey) -> str:
    return f"{evse[2]}/{evse[3]}"


class OccupancyChecker:
    watches: ClassVar[Watched] = frozenset({"locations", "sessions"})

    def __init__(self, inventory: Inventory, sites: SessionSites) -> None:
        self._inventory = inventory
        self._sites = sites
        self._suspects: dict[EvseKey, _Suspect] = {}

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module == "locations" and observed.operation in ("put", "patch"):
            yield from self._statuses(observed)
        elif observed.module == "sessions" and observed.operation in ("put", "patch"):
            yield from self._session(observed)

    def _touched(self, observed: Observed) -> list[EvseKey]:
        party, key = party_of(observed), observed.key
        if party is None or key is None or not isinstance(key.id, str) or key.connector_id is not None:
            return []
        location = (party[0], party[1], key.id.upper())
        if isinstance(key.evse_uid, str):
            return [(*location, key.evse_uid.upper())]
        evses = [e for _, _, item in location_objects(observed, self._inventory) if isinstance(item, m.Location)
                 for e in item.evses or []]
        patched = getattr(observed.request, "evses", None)
        evses += patched if isinstance(patched, list) else []
        return [(*location, e.uid.upper()) for e in evses if isinstance(e, m.Evse)]

    def _statuses(self, observed: Observed) -> Iterator[SeqReport]:
        for evse_key in self._touched(observed):
            record = self._inventory.evse(evse_key[:3], evse_key[3])
            status = record.status if record is not None else None
            suspect = self._suspects.get(evse_key)
            if suspect is not None and suspect.status != status:
                yield from self._drop(evse_key, suspect.status == "CHARGING", note("the EVSE left CHARGING here",
                                                                                   observed.where))
            if status not in ("AVAILABLE", "CHARGING") or evse_key in self._suspects:
                continue
            sessions = self._sites.open_on(evse_key)
            active = [s for s in sorted(sessions) if self._sites.sites[s].status == "ACTIVE"]
            if status == "AVAILABLE" and active:
                self._suspects[evse_key] = _Suspect(status, observed.where, observed.started_at, active[0])
            elif status == "CHARGING" and not sessions:
                self._suspects[evse_key] = _Suspect(status, observed.where, observed.started_at)

    def _session(self, observed: Observed) -> Iterator[SeqReport]:
        party, key = party_of(observed), observed.key
        if party is None or key is None or not isinstance(key.id, str):
            return
        session = (party[0], party[1], key.id.upper())
        site = self._sites.sites.get(session)
        if site is None:
            return
        suspect = self._suspects.get(site.evse)
        if suspect is None:
            return
        if suspect.status == "CHARGING" and site.status not in FINAL:
            yield from self._drop(site.evse, False)
        elif suspect.status == "AVAILABLE" and suspect.session == session:
            late = observed.started_at > suspect.at + GRACE_SECONDS
            if site.status in FINAL or (late and site.status == "ACTIVE"):
                yield from self._drop(site.evse, site.status == "ACTIVE",
                                      note("the session, still ACTIVE", observed.where))

    def _drop(self, evse: EvseKey, report: bool, related: Note | None = None) -> Iterator[SeqReport]:
        suspect = self._suspects.pop(evse)
        if report:
            problem = (f"was pushed AVAILABLE while session {'/'.join(suspect.session)} on it stayed ACTIVE"
                       if suspect.session is not None else "was CHARGING with no session on it")
            yield SeqReport(EvseStatusContradictsSession(evse=_label(evse), problem=problem), suspect.where,
                            notes=(related,) if related is not None else ())

    def finish(self) -> Iterator[SeqReport]:
        for evse in sorted(self._suspects):
            suspect = self._suspects[evse]
            ongoing = suspect.session is not None and (site := self._sites.sites.get(suspect.session)) is not None \
                and site.status == "ACTIVE"
            yield from self._drop(evse, suspect.status == "CHARGING" or ongoing)
