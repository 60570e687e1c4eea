"""The SES2xx rules the sessions checker reports: a session's life across its pushes (§9.1, §9.4.3)."""

from __future__ import annotations

from ..registry import Severity, Violation

class IllegalSessionTransition(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session's status changes only along the steps the spec allows:
    PENDING or RESERVATION to ACTIVE, any open status to COMPLETED or
    INVALID; never back from ACTIVE, never out of COMPLETED. Steps the spec
    does not describe (PENDING to RESERVATION, leaving INVALID) are warnings.

    ## Why it matters
    The eMSP drives the driver's app and its billing from the status; a
    session that goes back to PENDING or out of COMPLETED confuses both.

    ## Example
    PATCH `"status": "ACTIVE"` after the session was COMPLETED.

    ## Expected
    PENDING -> ACTIVE -> COMPLETED.
    """

    code = "SES201"
    severity = Severity.ERROR
    spec = "§9.4.3, §9.1.4"
    about = "object"
    session: str
    before: str
    after: str

    def message(self) -> str:
        return f"session {self.session} went from {self.before} to {self.after}"


class SessionChangedAfterCompletion(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session that is COMPLETED is not changed by a later PUT or PATCH (an
    identical re-send is fine).

    ## Why it matters
    COMPLETED is final: the CDR is built from it, and an eMSP may already
    have billed the charge.

    ## Example
    A PATCH raising `kwh` after the COMPLETED update.

    ## Expected
    All updates before COMPLETED; corrections go into the CDR.
    """

    code = "SES202"
    severity = Severity.ERROR
    spec = "§9.1.1, §9.4.3"
    about = "object"
    session: str

    def message(self) -> str:
        return f"session {self.session} changed after it was COMPLETED"


class SessionEnergyDecreased(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session's `kwh` never decreases from one update to the next.

    ## Why it matters
    Energy delivered only grows; a falling value is a meter or mapping bug,
    and drivers see their charge shrink in the app.

    ## Example
    `kwh` 12.5 and then 11.0.

    ## Expected
    `kwh` non-decreasing until COMPLETED.
    """

    code = "SES203"
    severity = Severity.ERROR
    spec = "§9.3.1"
    about = "object"
    session: str
    before: float
    after: float

    def message(self) -> str:
        return f"session {self.session}: kwh went down from {self.before} to {self.after}"


class SessionPatchedBeforePut(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session is created by a PUT before any PATCH of it.

    ## Why it matters
    A receiver that never got the full object has nothing to patch and
    answers not-found; the sender should then PUT the whole session.

    ## Example
    The first message about a session is a PATCH of its kWh.

    ## Expected
    PUT the Session when it starts, PATCH it afterwards.
    """

    code = "SES205"
    severity = Severity.WARNING
    spec = "§9.1.1, §4.1.4.3"
    about = "object"
    session: str

    def message(self) -> str:
        return f"session {self.session} is PATCHed but was never PUT in this capture"


class ChargingPeriodsOutOfOrder(Violation, frozen=True, kw_only=True):
    """## What it checks
    A PATCH appends charging periods that start after the last stored one.

    ## Why it matters
    PATCH appends to the list; periods sent again or out of order are
    stored twice or in the wrong order, and the CDR's totals follow them.

    ## Example
    A PATCH repeating a period already sent.

    ## Expected
    Each PATCH adds only the new periods; a reordering needs a PUT.
    """

    code = "SES206"
    severity = Severity.ERROR
    spec = "§9.2.2.3"
    about = "object"
    session: str
    start: str
    last: str

    def message(self) -> str:
        return f"session {self.session}: a period starting {self.start} is added after one starting {self.last}"


class SessionTimesChanged(Violation, frozen=True, kw_only=True):
    """## What it checks
    `start_date_time` changes at most once, when the session becomes
    ACTIVE, and `end_date_time` does not change once set.

    ## Why it matters
    Durations, parking time and time-based prices are computed from them.

    ## Example
    `start_date_time` moved while the session is ACTIVE.

    ## Expected
    Times set once.
    """

    code = "SES207"
    severity = Severity.WARNING
    spec = "§9.3.1"
    about = "object"
    session: str
    field: str

    def message(self) -> str:
        return f"session {self.session}: {self.field} changed"


class SessionLeftOpen(Violation, frozen=True, kw_only=True):
    """## What it checks
    Every session seen in the capture ends COMPLETED or INVALID.

    ## Why it matters
    An open session blocks the connector in the eMSP's view, and no CDR can
    follow it.

    ## Example
    A session last seen ACTIVE when the capture ends.

    ## Expected
    Sessions completed before the day ends.
    """

    code = "SES208"
    severity = Severity.WARNING
    spec = "§9.1.1"
    about = "object"
    session: str
    status: str

    def message(self) -> str:
        return f"session {self.session} is still {self.status} at the end of the capture"


class SessionUpdateOutOfOrder(Violation, frozen=True, kw_only=True):
    """## What it checks
    Each update of a session carries a `last_updated` later than the one
    before it. An older one is an error; an equal one is a warning when the
    update changes something.

    ## Why it matters
    Receivers keep the newest state by `last_updated`. An update stamped
    older than what they hold is dropped or, worse, overwrites newer data;
    one stamped equal is dropped by receivers that only take newer ones, so
    the change is lost. A second-granular clock and two updates in one
    second are enough to cause it.

    ## Example
    PATCH `kwh` 3.2 with `last_updated` 09:00:05Z, then PATCH `status`
    COMPLETED with `last_updated` 09:00:05Z as well.

    ## Expected
    `last_updated` strictly increasing per session (use fractions of a
    second when updates follow each other quickly).
    """

    code = "SES204"
    severity = Severity.ERROR
    spec = "§9.3.1, §4.1.4"
    about = "object"
    session: str
    before: str
    after: str

    def message(self) -> str:
        if self.before == self.after:
            return f"session {self.session} changed with the same last_updated {self.after} as the update before"
        return f"session {self.session} updated with last_updated {self.after}, older than {self.before}"

    def hint(self) -> str:
        return "stamp every change of the session later than the previous one"
