"""SES209: charging preferences only for ongoing sessions, and only where the EVSE takes them (§9.1.3, §9.4.1).

Theory of operation: the eMSP PUTs ChargingPreferences to
`{sessions}/{session_id}/charging_preferences` on the CPO. The session is
looked up among those the CPO pushed (by the OCPI-to party and the id,
else by the id); a session already COMPLETED or INVALID is over, and
preferences for it are reported. Otherwise, when the session's EVSE is
known (the site the session was tied to, and the EVSE's capabilities from
the inventory) and is not CHARGING_PREFERENCES_CAPABLE, the CPO must answer
HTTP 404 with status_code 2001; any other answer is reported. A session
never pushed in the capture may have begun before it, and an EVSE never
seen whole has unknown capabilities: neither is judged. Session states,
sites and the inventory come from the checkers fed the same exchanges
first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Final

from ..registry import Severity, Violation
from .inventory import Inventory
from .parties import routed_party
from .sequencing import Observed, SeqReport, Watched, note
from .session_sites import SessionSites
from .sessions import SessionsChecker

OVER: Final = frozenset({"COMPLETED", "INVALID"})
CAPABLE: Final = "CHARGING_PREFERENCES_CAPABLE"


class MisplacedChargingPreferences(Violation, frozen=True, kw_only=True):
    """## What it checks
    Charging preferences are PUT only for a session that is still going
    on: not for one the CPO already reported COMPLETED or INVALID. And
    preferences for a session on an EVSE without the capability
    CHARGING_PREFERENCES_CAPABLE are answered HTTP 404 with status_code 2001.

    ## Why it matters
    Preferences steer the charge (departure time, energy need, profile);
    after the session ended there is nothing left to steer, and an eMSP
    sending them is working from a stale view of the session. An EVSE that
    cannot take them must say so the way the eMSP's app understands, not
    accept what it will ignore.

    ## Example
    `PUT {sessions}/S1/charging_preferences` after the Session S1 was
    PATCHed to COMPLETED; or answered `ACCEPTED` while S1's EVSE lists no
    CHARGING_PREFERENCES_CAPABLE.

    ## Expected
    Preferences only while the session is ACTIVE (or about to be); HTTP 404
    with 2001 from an EVSE that does not take them.
    """

    code = "SES209"
    severity = Severity.WARNING
    spec = "§9.1.3, §9.4.1"
    about = "request"
    session: str
    problem: str

    def message(self) -> str:
        return f"charging preferences sent for session {self.session}, {self.problem}"


class ChargingPreferencesChecker:
    watches: ClassVar[Watched] = frozenset({"sessions"})

    def __init__(self, sessions: SessionsChecker, sites: SessionSites, inventory: Inventory) -> None:
        self._sessions = sessions
        self._sites = sites
        self._inventory = inventory

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "sessions" or observed.operation != "charging_preferences":
            return
        session_id = observed.key.id if observed.key is not None else None
        if not session_id:
            return
        found = self._sessions.find(session_id, routed_party(observed.exchange.request, "to"))
        if found is None:
            found = self._sessions.find(session_id)
        if found is None:
            return
        key, state = found
        if state.status in OVER:
            yield SeqReport(
                MisplacedChargingPreferences(session="/".join(key), problem=f"which is already {state.status}"),
                observed.where, notes=(note(f"last update of the session ({state.status})", state.where),))
            return
        response, site = observed.exchange.response, self._sites.sites.get(key)
        evse = self._inventory.evse(site.location, site.evse_uid) if site is not None else None
        if response is None or site is None or evse is None or evse.capabilities is None:
            return  # unanswered, or where the session happened is not known whole
        if CAPABLE in evse.capabilities:
            return
        if response.status != 404 or observed.status_code != 2001:
            answered = f"HTTP {response.status}" + (f" with {observed.status_code}" if observed.status_code else "")
            yield SeqReport(MisplacedChargingPreferences(
                session="/".join(key),
                problem=f"whose EVSE {'/'.join(site.evse)} is not {CAPABLE}: "
                        f"answered {answered}, not HTTP 404 with 2001",
            ), observed.where, notes=(note("the EVSE as last listed", evse.where),),
                about="response")  # the request was fine: the CPO's answer to it is wrong

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
