"""SES209: charging preferences only for ongoing sessions (§9.1.3, §9.4.1).

Theory of operation: the eMSP PUTs ChargingPreferences to
`{sessions}/{session_id}/charging_preferences` on the CPO. The session is
looked up among those the CPO pushed (by the OCPI-to party and the id,
else by the id); a session already COMPLETED or INVALID is over, and
preferences for it are reported. A session never pushed in the capture may
have begun before it: not reported. Whether the EVSE is
CHARGING_PREFERENCES_CAPABLE (and so whether the CPO had to answer HTTP 404
with 2001) needs the Locations state and is not judged here. Session
states come from the sessions checker, fed the same exchanges first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Final

from ..registry import Severity, Violation
from .parties import routed_party
from .sequencing import Observed, SeqReport, Watched, note
from .sessions import SessionsChecker

OVER: Final = frozenset({"COMPLETED", "INVALID"})


class PreferencesForEndedSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    Charging preferences are PUT only for a session that is still going
    on: not for one the CPO already reported COMPLETED or INVALID.

    ## Why it matters
    Preferences steer the charge (departure time, energy need, profile);
    after the session ended there is nothing left to steer, and an eMSP
    sending them is working from a stale view of the session.

    ## Example
    `PUT {sessions}/S1/charging_preferences` after the Session S1 was
    PATCHed to COMPLETED.

    ## Expected
    Preferences only while the session is ACTIVE (or about to be).
    """

    code = "SES209"
    severity = Severity.WARNING
    spec = "§9.1.3, §9.4.1"
    session: str
    status: str

    def message(self) -> str:
        return f"charging preferences sent for session {self.session}, which is already {self.status}"


class ChargingPreferencesChecker:
    watches: ClassVar[Watched] = frozenset({"sessions"})

    def __init__(self, sessions: SessionsChecker) -> None:
        self._sessions = sessions

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
            yield SeqReport(PreferencesForEndedSession(session="/".join(key), status=state.status), observed.where,
                            notes=(note(f"last update of the session ({state.status})", state.where),))

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
