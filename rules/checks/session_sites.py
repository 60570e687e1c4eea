"""SES306, SES307, TAR301 for sessions: where a session charges, as the locations and tariffs were (§9.3.1, §10.4.6).

Theory of operation: each session (keyed by country_code, party_id, id) is
tied to its location, EVSE and connector when first seen, and a snapshot of
that connector (CdrLocation fields, tariff_ids) is taken from the shared
`Inventory` then, for the CDR checks (CDR303, CDR304) to read. The charging
periods' tariffs are checked as they come; each finding is said once per
session. Sessions still open are indexed by EVSE (LOC303, CMD303 read it).
A finished session's site is kept until its CDR takes it, or for
SITE_HORIZON_SECONDS after the session ended, so memory follows the open
sessions, not the capture length.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from .. import model as m
from ..registry import Severity, Violation
from .inventory import REMOVED, EvseKey, Inventory, LocKey, SiteSnapshot, failed, party_of
from .sequencing import Observed, SeqReport, Watched, note
from .tariffs import TariffCurrencyMismatch

SITE_HORIZON_SECONDS: Final = 7 * 24 * 3600.0  # how long a finished session waits for its CDR
FINAL: Final = frozenset({"COMPLETED", "INVALID"})
SessionKey = tuple[str, str, str]


class ChargingPeriodTariffNotListed(Violation, frozen=True, kw_only=True):
    """## What it checks
    A charging period's `tariff_id` names one of the tariffs the session's
    connector lists (at session start or now); where the connector lists
    none or is unknown, a tariff of that CPO known from the capture.

    ## Why it matters
    The period says which price applied; a tariff the connector never
    offered, or one the eMSP never received, cannot be shown or checked.

    ## Example
    Connector L1/E1/1 lists T1; a session on it has a period with
    `"tariff_id": "T7"`.

    ## Expected
    Periods name the connector's tariffs.
    """

    code = "SES306"
    severity = Severity.WARNING
    spec = "§10.4.6, §8.3.3"
    about = "object"
    session: str
    tariff: str
    problem: str

    def message(self) -> str:
        return f"session {self.session}: charging period tariff {self.tariff} {self.problem}"


class SessionOnRemovedEvse(Violation, frozen=True, kw_only=True):
    """## What it checks
    A new session is not on an EVSE whose last known status is REMOVED.

    ## Why it matters
    A REMOVED EVSE no longer exists for the eMSP; a session there cannot
    be shown at a charger, and the CDR will name a place that is gone.
    Usually the EVSE came back (which LOC204 says) or the session names
    the wrong uid.

    ## Example
    EVSE L1/E2 PATCHed to REMOVED, then a Session with `"evse_uid": "E2"`.

    ## Expected
    Sessions on live EVSEs; a rebuilt charger gets a new uid.
    """

    code = "SES307"
    severity = Severity.WARNING
    spec = "§8.1, §9.3.1"
    about = "object"
    session: str
    evse: str

    def message(self) -> str:
        return f"session {self.session} is on EVSE {self.evse}, which was REMOVED"


@dataclass
class Site:
    location: LocKey
    evse_uid: str
    connector_id: str
    status: str
    currency: str | None
    snapshot: SiteSnapshot | None
    said: set[tuple[str, str]] = field(default_factory=set)

    @property
    def evse(self) -> EvseKey:
        return (*self.location, self.evse_uid)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class SessionSites:
    watches: ClassVar[Watched] = frozenset({"sessions"})

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self.sites: dict[SessionKey, Site] = {}  # bounded by their own horizon (see _expire), not by recent.KEPT
        self._open: dict[EvseKey, set[SessionKey]] = {}
        # FINAL sites -> when they ended, oldest first; take() drops its entry, so it holds only sessions awaiting a CDR
        self._finished: OrderedDict[SessionKey, float] = OrderedDict()

    def open_on(self, evse: EvseKey) -> set[SessionKey]:
        return self._open.get(evse, set())

    def take(self, key: SessionKey) -> Site | None:
        """The site of a session whose CDR came: the session's story is over."""
        site = self.sites.pop(key, None)
        if site is not None:
            self._close(key, site)
            self._finished.pop(key, None)
        return site

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "sessions" or observed.operation not in ("put", "patch"):
            return
        party, key, body = party_of(observed), observed.key, observed.request
        if party is None or key is None or not isinstance(key.id, str) or body is None or failed(observed):
            return
        now = observed.started_at
        self._expire(now)
        session = (party[0], party[1], key.id.upper())
        site = self.sites.get(session)
        if site is None:
            site = self._first_sight(session, body)
            if site is None:
                return
            if site.status in FINAL:
                self._finished[session] = now  # first seen finished: it too waits for its CDR at most the horizon
            yield from self._removed(observed, session, site)
        if isinstance(body.currency, str):
            site.currency = body.currency
        status = _str(body.status)
        if status is not None and status != site.status:
            self._close(session, site)
            self._finished.pop(session, None)
            site.status = status
            if status in FINAL:
                self._finished[session] = now
            else:
                self._open.setdefault(site.evse, set()).add(session)
        yield from self._periods(observed, session, site, body)

    def _first_sight(self, session: SessionKey, body: Any) -> Site | None:
        location_id, uid, connector_id = _str(body.location_id), _str(body.evse_uid), _str(body.connector_id)
        if location_id is None or uid is None or connector_id is None:
            return None  # a PATCH of a session first seen mid-way says nothing of where it is
        location = (session[0], session[1], location_id.upper())
        status = _str(body.status) or "PENDING"
        site = self.sites[session] = Site(location=location, evse_uid=uid.upper(), connector_id=connector_id.upper(),
                                          status=status, currency=None,
                                          snapshot=self._inventory.snapshot(location, uid, connector_id))
        if status not in FINAL:
            self._open.setdefault(site.evse, set()).add(session)
        return site

    def _close(self, session: SessionKey, site: Site) -> None:
        sessions = self._open.get(site.evse)
        if sessions is not None:
            sessions.discard(session)
            if not sessions:
                del self._open[site.evse]

    def _expire(self, now: float) -> None:
        while self._finished and next(iter(self._finished.values())) < now - SITE_HORIZON_SECONDS:
            session, _ = self._finished.popitem(last=False)
            self.sites.pop(session, None)

    def _removed(self, observed: Observed, session: SessionKey, site: Site) -> Iterator[SeqReport]:
        evse = self._inventory.evse(site.location, site.evse_uid)
        if evse is not None and evse.status == REMOVED:
            yield SeqReport(SessionOnRemovedEvse(session="/".join(session), evse=f"{site.location[2]}/{site.evse_uid}"),
                            observed.where, "$.evse_uid", (note("the EVSE was REMOVED here", evse.where),))

    def _periods(self, observed: Observed, session: SessionKey, site: Site, body: Any) -> Iterator[SeqReport]:
        periods = body.charging_periods if isinstance(body.charging_periods, list) else []
        label = "/".join(session)
        for index, period in enumerate(periods):
            if not isinstance(period, m.ChargingPeriod) or period.tariff_id is None:
                continue
            tariff = period.tariff_id.upper()
            path = f"$.charging_periods[{index}].tariff_id"
            problem = self._unlisted(site, tariff)
            if problem is not None and ("SES306", tariff) not in site.said:
                site.said.add(("SES306", tariff))
                yield SeqReport(ChargingPeriodTariffNotListed(session=label, tariff=period.tariff_id, problem=problem),
                                observed.where, path)
            known = self._inventory.tariff((site.location[0], site.location[1], tariff))
            if (known is not None and site.currency is not None and known.currency != site.currency
                    and ("TAR301", tariff) not in site.said):
                site.said.add(("TAR301", tariff))
                yield SeqReport(TariffCurrencyMismatch(tariff=period.tariff_id, tariff_currency=known.currency,
                                                       used_by=f"session {label}", currency=site.currency),
                                observed.where, path, (note("the tariff as last pushed", known.where),))

    def _unlisted(self, site: Site, tariff: str) -> str | None:
        connector = self._inventory.connector(site.location, site.evse_uid, site.connector_id)
        listed = set(connector.tariff_ids if connector is not None else ())
        listed.update(site.snapshot.tariff_ids if site.snapshot is not None else ())
        if listed:
            return None if tariff in listed else "is not among the connector's tariff_ids"
        party = (site.location[0], site.location[1])
        if self._inventory.knows_tariffs_of(party) and self._inventory.tariff((*party, tariff)) is None:
            return "is not a tariff known from this capture"
        return None

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
