"""CMD301-CMD303: commands name places the CPO published, with the capabilities they need (§13.3, §8.4.3).

Theory of operation: a command's location, EVSE and connector are looked up
in the shared `Inventory` under the CPO it goes to (routing headers, else
the only CPO known). Nothing is said where nothing is known of that CPO's
locations, an EVSE only counts as unknown where the whole Location was
seen, and only ACCEPTED commands are checked (a refusal, or an answer that
cannot be read, says nothing against the command).
STOP_SESSION finds its EVSE through the session sites checker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from .. import model as m
from ..registry import Severity, Violation
from .inventory import EvseRecord, Inventory, LocKey
from .sequencing import Observed, SeqReport, Watched, note
from .session_sites import SessionSites

# The EVSE capability an ACCEPTED command needs (CMD303).
CAPABILITY_NEEDED: Final = {
    "START_SESSION": "REMOTE_START_STOP_CAPABLE",
    "STOP_SESSION": "REMOTE_START_STOP_CAPABLE",
    "RESERVE_NOW": "RESERVABLE",
    "UNLOCK_CONNECTOR": "UNLOCK_CAPABLE",
}
CONNECTOR_REQUIRED: Final = "START_SESSION_CONNECTOR_REQUIRED"


class CommandForUnknownPlace(Violation, frozen=True, kw_only=True):
    """## What it checks
    The location, EVSE and connector of a command the CPO ACCEPTED are ones
    it pushed (or the eMSP read) in the capture. A refused command is fine:
    the CPO itself said it does not know the place.

    ## Why it matters
    The eMSP can only offer commands for chargers it knows; a command the
    CPO accepts for a place it never published means the eMSP's copy of the
    locations and the CPO's are out of step.

    ## Example
    START_SESSION for EVSE E9 of location L1, whose Location PUT lists only
    E1 and E2, answered ACCEPTED.

    ## Expected
    Commands for published EVSEs; unknown ones answered REJECTED.
    """

    code = "CMD301"
    severity = Severity.WARNING
    spec = "§13.3"
    about = "response"
    command: str
    problem: str

    def message(self) -> str:
        return f"{self.command} for {self.problem}"


class ConnectorIdRequired(Violation, frozen=True, kw_only=True):
    """## What it checks
    A START_SESSION for an EVSE with capability
    START_SESSION_CONNECTOR_REQUIRED names the `connector_id`.

    ## Why it matters
    The CPO said it cannot choose a connector itself on that EVSE; without
    one it has to refuse, and the driver's start fails.

    ## Example
    EVSE E1 with capabilities `["REMOTE_START_STOP_CAPABLE",
    "START_SESSION_CONNECTOR_REQUIRED"]`; START_SESSION with `evse_uid` E1
    and no `connector_id`.

    ## Expected
    `"connector_id": "1"` in the command.
    """

    code = "CMD302"
    severity = Severity.ERROR
    spec = "§8.4.3, §13.3.5"
    about = "request"
    evse: str

    def message(self) -> str:
        return f"START_SESSION without connector_id for EVSE {self.evse}, which requires one"


class CommandWithoutCapability(Violation, frozen=True, kw_only=True):
    """## What it checks
    A command is ACCEPTED only for an EVSE that has the matching
    capability: RESERVE_NOW needs RESERVABLE, START_SESSION and
    STOP_SESSION need REMOTE_START_STOP_CAPABLE, UNLOCK_CONNECTOR needs
    UNLOCK_CAPABLE.

    ## Why it matters
    The eMSP decides which buttons to show from the capabilities; either
    the capabilities are wrong, or the CPO accepts what it cannot do.

    ## Example
    UNLOCK_CONNECTOR on EVSE E1 answered ACCEPTED, while E1's capabilities
    are `["REMOTE_START_STOP_CAPABLE"]`.

    ## Expected
    Capabilities that list what the EVSE supports.
    """

    code = "CMD303"
    severity = Severity.WARNING
    spec = "§8.4.3"
    about = "response"
    command: str
    evse: str
    capability: str

    def message(self) -> str:
        return f"{self.command} was ACCEPTED for EVSE {self.evse}, which lacks {self.capability}"


def _accepted(observed: Observed) -> bool | None:
    """True: ACCEPTED; False: refused (an OCPI error or another result); None: no answer."""
    if isinstance(observed.data, m.CommandResponse):
        return observed.accepted and str(observed.data.result) == "ACCEPTED"
    return None if observed.status_code is None else False


class CommandLocationsChecker:
    watches: ClassVar[Watched] = frozenset({"commands"})

    def __init__(self, inventory: Inventory, sites: SessionSites) -> None:
        self._inventory = inventory
        self._sites = sites

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        body = observed.request
        if observed.module != "commands" or observed.operation != "command" or body is None:
            return
        command = observed.key.command if observed.key is not None else None
        party = self._inventory.cpo_of(observed)
        if not isinstance(command, str) or party is None:
            return
        place = self._place(body, party)
        if place is None:
            return
        location, uid, connector_id = place
        accepted = _accepted(observed)
        evse = self._inventory.evse(location, uid) if uid is not None else None
        if accepted and not isinstance(body, m.StopSession):
            yield from self._unknown(observed, command, location, uid, connector_id)
        label = f"{location[2]}/{uid}"
        if (isinstance(body, m.StartSession) and body.connector_id is None and evse is not None
                and evse.capabilities is not None and CONNECTOR_REQUIRED in evse.capabilities):
            yield SeqReport(ConnectorIdRequired(evse=label), observed.where, notes=(note("the EVSE", evse.where),))
        needed = CAPABILITY_NEEDED.get(command)
        if (accepted and needed and evse is not None and evse.capabilities is not None
                and needed not in evse.capabilities):
            yield SeqReport(CommandWithoutCapability(command=command, evse=label, capability=needed), observed.where,
                            notes=(note("the EVSE's capabilities", evse.where),))

    def _place(self, body: Any, party: tuple[str, str]) -> tuple[LocKey, str | None, str | None] | None:
        if isinstance(body, m.StopSession):
            site = self._sites.sites.get((party[0], party[1], body.session_id.upper()))
            return (site.location, site.evse_uid, site.connector_id) if site is not None else None
        location_id = getattr(body, "location_id", None)
        if not isinstance(location_id, str):
            return None
        uid, connector_id = getattr(body, "evse_uid", None), getattr(body, "connector_id", None)
        return ((party[0], party[1], location_id.upper()), uid.upper() if isinstance(uid, str) else None,
                connector_id.upper() if isinstance(connector_id, str) else None)

    def _unknown(self, observed: Observed, command: str, location: LocKey, uid: str | None,
                 connector_id: str | None) -> Iterator[SeqReport]:
        if not self._inventory.knows_locations_of((location[0], location[1])):
            return
        record = self._inventory.location(location)
        evse: EvseRecord | None = record.evses.get(uid) if record is not None and uid is not None else None
        problem: str | None = None
        if record is None:
            problem = f"location {location[2]}, not known from this capture"
        elif uid is not None and evse is None and record.whole:
            problem = f"EVSE {uid}, not an EVSE of location {location[2]}"
        elif evse is not None and connector_id is not None and evse.capabilities is not None \
                and connector_id not in evse.connectors:
            problem = f"connector {connector_id}, not a connector of EVSE {location[2]}/{uid}"
        if problem is not None:
            yield SeqReport(CommandForUnknownPlace(command=command, problem=problem), observed.where)

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
