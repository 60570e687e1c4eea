"""CDR303, CDR304, TAR301 for CDRs: a CDR against its connector and tariffs as they were at session start
(§10.3.1, §10.4.4).

Theory of operation: the session sites checker (fed before this one) holds,
per session, a snapshot of its connector taken when the session was first
seen. A CDR POST takes its session's site (the session's story ends there)
and compares its `cdr_location` and `tariffs` with that snapshot; a CDR of
a session the capture never showed (CDR307), or of an EVSE other than the
session's, is left alone. TAR301 compares the currency of every
tariff the CDR names with the tariff as the inventory holds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from .. import model as m
from ..registry import Severity, Violation
from .inventory import Inventory, SiteSnapshot, failed, tariff_fingerprint
from .sequencing import Observed, SeqReport, Watched
from .session_sites import SessionSites, Site
from .tariffs import TariffCurrencyMismatch

CDRLOCATION_ADDRESS_LENGTH = 45  # CdrLocation.address kept string(45) when Location.address grew to 255


class CdrLocationChanged(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CDR's `cdr_location` (address, evse_id, connector standard, format
    and power type) matches the Location as it was pushed when the session
    started.

    ## Why it matters
    The CDR is the legal record of where the driver charged; a mismatch
    means the CPO builds CDRs from other data than it publishes, and the
    eMSP cannot reconcile the charge with its charger.

    ## Example
    The connector was pushed as IEC_62196_T2 / SOCKET; the CDR says
    CHADEMO / CABLE.

    ## Expected
    `cdr_location` copied from the Location, EVSE and Connector at session
    start (the address cut to 45 characters).
    """

    code = "CDR303"
    severity = Severity.WARNING
    spec = "§10.3.1, §10.4.4"
    about = "object"
    cdr: str
    fields: str

    def message(self) -> str:
        return f"CDR {self.cdr}: cdr_location differs from the location at session start in {self.fields}"


class CdrTariffsNotListed(Violation, frozen=True, kw_only=True):
    """## What it checks
    The tariffs a CDR carries are tariffs the session's connector listed
    when the session started, with the same prices as pushed then.

    ## Why it matters
    The driver was shown the connector's tariff before charging; a CDR
    priced with another tariff, or a changed copy of it, bills something
    the driver never agreed to.

    ## Example
    The connector listed T1 at session start; the CDR's `tariffs` hold T2,
    or a T1 with another ENERGY price.

    ## Expected
    CDR tariffs equal to the connector's tariffs at session start.
    """

    code = "CDR304"
    severity = Severity.WARNING
    spec = "§10.3.1"
    about = "object"
    cdr: str
    problem: str

    def message(self) -> str:
        return f"CDR {self.cdr}: {self.problem}"


def _location_differences(cdr: m.Cdr, snapshot: SiteSnapshot) -> list[str]:
    location = cdr.cdr_location
    address = snapshot.address
    fields: list[str] = []
    if address is not None and location.address != address and not (
            len(location.address) == CDRLOCATION_ADDRESS_LENGTH and address.startswith(location.address)):
        fields.append("address")
    pairs = (("evse_id", location.evse_id, snapshot.evse_id),
             ("connector_standard", str(location.connector_standard), snapshot.standard),
             ("connector_format", str(location.connector_format), snapshot.format),
             ("connector_power_type", str(location.connector_power_type), snapshot.power_type))
    fields += [name for name, sent, known in pairs if known is not None and sent.upper() != known.upper()]
    return fields


class CdrSitesChecker:
    watches: ClassVar[Watched] = frozenset({"cdrs"})

    def __init__(self, sites: SessionSites, inventory: Inventory) -> None:
        self._sites = sites
        self._inventory = inventory

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        cdr = observed.request
        if observed.module != "cdrs" or observed.operation != "post" or not isinstance(cdr, m.Cdr):
            return
        label = "/".join((cdr.country_code, cdr.party_id, cdr.id))
        yield from self._currencies(observed, cdr, label)
        if cdr.session_id is None or cdr.credit or failed(observed):
            return
        site = self._sites.take((cdr.country_code.upper(), cdr.party_id.upper(), cdr.session_id.upper()))
        if site is None or site.snapshot is None or not self._same_place(cdr, site):
            return
        fields = _location_differences(cdr, site.snapshot)
        if fields:
            yield SeqReport(CdrLocationChanged(cdr=label, fields=", ".join(fields)), observed.where, "$.cdr_location")
        problem = self._tariff_problem(cdr, site.snapshot)
        if problem is not None:
            yield SeqReport(CdrTariffsNotListed(cdr=label, problem=problem), observed.where, "$.tariffs")

    @staticmethod
    def _same_place(cdr: m.Cdr, site: Site) -> bool:
        location = cdr.cdr_location
        return (location.id.upper(), location.evse_uid.upper(), location.connector_id.upper()) == (
            site.location[2], site.evse_uid, site.connector_id)

    @staticmethod
    def _tariff_problem(cdr: m.Cdr, snapshot: SiteSnapshot) -> str | None:
        if not cdr.tariffs or not snapshot.tariff_ids:
            return None
        unlisted = [t.id for t in cdr.tariffs if t.id.upper() not in snapshot.tariff_ids]
        if unlisted:
            return f"tariff(s) {', '.join(unlisted)} not listed by the connector at session start " \
                   f"({', '.join(snapshot.tariff_ids)})"
        changed = [t.id for t in cdr.tariffs if t.id.upper() in snapshot.tariff_prints
                   and tariff_fingerprint(t) != snapshot.tariff_prints[t.id.upper()]]
        if changed:
            return f"tariff(s) {', '.join(changed)} differ from the version pushed before the session started"
        return None

    def _currencies(self, observed: Observed, cdr: m.Cdr, label: str) -> Iterator[SeqReport]:
        named = {t.id.upper(): t.id for t in cdr.tariffs or []}
        named.update({p.tariff_id.upper(): p.tariff_id for p in cdr.charging_periods if p.tariff_id is not None})
        for upper_id, tariff_id in sorted(named.items()):
            known = self._inventory.tariff((cdr.country_code.upper(), cdr.party_id.upper(), upper_id))
            if known is not None and known.currency != cdr.currency:
                yield SeqReport(TariffCurrencyMismatch(tariff=tariff_id, tariff_currency=known.currency,
                                                       used_by=f"CDR {label}", currency=cdr.currency),
                                observed.where, "$.currency")

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
