"""TAR2xx: tariffs across their pushes (§11.2.2, §11.3.1); TAR301 is declared here and reported by the
session and CDR checkers.

Theory of operation: this checker is the one writer of the tariff part of
the shared `Inventory`. A PUT is compared with the tariff the inventory
holds (TAR202: `last_updated` only moves forward), a DELETE with the
connectors that still list the tariff (TAR201); then the inventory follows
what the receiver accepted. Tariffs read by GET (lists or single) are
written without checks. A PUT whose body could not be read marks its tariff
as seen, so that connectors naming it are not told it is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from .. import model as m
from ..registry import Severity, Violation
from .inventory import Inventory, TariffKey, failed, items, older, party_of, unreadable_push
from .sequencing import Observed, SeqReport, Watched, note


class TariffDeletedWhileListed(Violation, frozen=True, kw_only=True):
    """## What it checks
    A tariff is DELETEd only when no connector of a live (not REMOVED) EVSE
    lists it in its `tariff_ids` any more.

    ## Why it matters
    The eMSP keeps showing the connector with a price it no longer has:
    drivers see no price, or the app refuses to start a session there.

    ## Example
    Connector L1/E1/1 lists T1; then `DELETE .../tariffs/PT/CPO/T1` with no
    Location update in between.

    ## Expected
    PATCH the connectors to another tariff first, then DELETE the tariff.
    """

    code = "TAR201"
    severity = Severity.WARNING
    spec = "§11.2.2.3"
    about = "request"
    tariff: str
    connectors: str

    def message(self) -> str:
        return f"tariff {self.tariff} is deleted while connector(s) {self.connectors} still list it"


class StaleTariffUpdate(Violation, frozen=True, kw_only=True):
    """## What it checks
    A PUT of a tariff carries a `last_updated` not older than the one of
    the last accepted PUT (or read) of the same tariff.

    ## Why it matters
    Receivers keep the newest version by `last_updated`; an older one is an
    out-of-order or replayed push that may put an old price back.

    ## Example
    Tariff T1 PUT with last_updated 10:05, then again with 09:00.

    ## Expected
    `last_updated` non-decreasing per tariff.
    """

    code = "TAR202"
    severity = Severity.ERROR
    spec = "§11.3.1"
    about = "object"
    tariff: str
    before: str
    after: str

    def message(self) -> str:
        return f"tariff {self.tariff} PUT with last_updated {self.after}, older than {self.before}"


class TariffCurrencyMismatch(Violation, frozen=True, kw_only=True):
    """## What it checks
    A tariff a session or CDR uses (a charging period's `tariff_id`, a CDR
    tariff) is priced in the session's or CDR's `currency`, as the tariff
    was last pushed or read. (A CDR's embedded copy with another currency
    is CDR111.)

    ## Why it matters
    Costs computed from the tariff would be in another currency than the
    amounts the session or CDR reports; the eMSP cannot check the bill.

    ## Example
    Tariff T1 in EUR, a session in GBP whose periods name T1.

    ## Expected
    The session and CDR in the currency of the tariffs they name.
    """

    code = "TAR301"
    severity = Severity.WARNING
    spec = "§9.3.1, §10.3.1"
    about = "object"
    tariff: str
    tariff_currency: str
    used_by: str
    currency: str

    def message(self) -> str:
        return f"tariff {self.tariff} is in {self.tariff_currency}, but {self.used_by} is in {self.currency}"


class TariffsChecker:
    watches: ClassVar[Watched] = frozenset({"tariffs"})

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "tariffs":
            return
        party, key = party_of(observed), observed.key
        target: TariffKey | None = None
        if party is not None and key is not None and isinstance(key.id, str):
            target = (party[0], party[1], key.id.upper())
        if observed.operation == "delete" and target is not None:
            listing = self._inventory.listing(target)
            if listing:
                yield SeqReport(TariffDeletedWhileListed(tariff="/".join(target), connectors=", ".join(listing)),
                                observed.where)
            if not failed(observed):
                self._inventory.delete_tariff(target)
            return
        if target is not None and unreadable_push(observed):
            self._inventory.unreadable_tariffs.add(target)
        if observed.operation == "put" and isinstance(observed.request, m.Tariff) and target is not None:
            yield from self._stale(observed, target, observed.request)
            if not failed(observed):
                self._inventory.put_tariff(target, observed.request, observed.where)
        for tariff in items(observed.data):
            if isinstance(tariff, m.Tariff):
                owner = party or (tariff.country_code.upper(), tariff.party_id.upper())
                self._inventory.put_tariff((owner[0], owner[1], tariff.id.upper()), tariff, observed.where)

    def _stale(self, observed: Observed, target: TariffKey, tariff: m.Tariff) -> Iterator[SeqReport]:
        known = self._inventory.tariff(target)
        if known is not None and older(tariff.last_updated, known.last_updated):
            yield SeqReport(StaleTariffUpdate(tariff="/".join(target), before=known.last_updated,
                                              after=tariff.last_updated), observed.where, "$.last_updated",
                            (note("the newer version", known.where),))

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
