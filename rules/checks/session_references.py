"""TOK301, SES303, CDR306: the authorization_reference a session and its CDR carry (§9.3.1, §10.3.1).

Theory of operation: the eMSP hands out a reference with each
AuthorizationInfo and puts one in each StartSession/ReserveNow (the
command's own field, catalogue 12.27); the authorizations checker keeps
the latest of each per token. A session started by AUTH_REQUEST carries
the reference of the latest AuthorizationInfo for its token, one started
by COMMAND that of the latest accepted command, unless the other source
gave a newer one since (a reservation later authorized at the Charge
Point); a source that gave no reference does not replace one given before
it. This is checked at every push that carries the session's
auth_method or reference; a WHITELIST session had no reference given and
is not checked. The CDR repeats the session's last auth_method and
reference. Each object is reported once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from msgspec import UNSET

from ..findings import Where
from ..recent import Recent
from ..registry import Severity, Violation
from .authorizations import Authorization, AuthorizationsChecker, Vouched
from .sequencing import Observed, SeqReport, Watched, note, object_key
from .tokens import TokenKey, token_key, token_label

# auth_method -> which source of references starts the session's story
REFERENCE_SOURCES: Final = {"AUTH_REQUEST": "authorization", "COMMAND": "command"}


def _norm(reference: Any) -> str | None:
    return reference.upper() if isinstance(reference, str) else None


def _shown(reference: str | None) -> str:
    return reference if reference is not None else "none"


class ReferenceNotFromAuthorization(Violation, frozen=True, kw_only=True):
    """## What it checks
    A Session or CDR with auth_method AUTH_REQUEST carries the
    authorization_reference of the latest AuthorizationInfo the eMSP
    returned for its token (none if that answer had none).

    ## Why it matters
    The reference is how the eMSP ties the charge to the authorization it
    gave; another value leaves the session unmatched, and the CDR may be
    refused.

    ## Example
    Authorize of U1 answered `"authorization_reference": "A-77"`, then a
    Session for U1 with `"auth_method": "AUTH_REQUEST"` and
    `"authorization_reference": "A-76"`.

    ## Expected
    `"authorization_reference": "A-77"`.
    """

    code = "TOK301"
    severity = Severity.ERROR
    spec = "§9.3.1, §10.3.1"
    about = "object"
    token: str
    reference: str
    expected: str

    def message(self) -> str:
        return (f"authorization_reference {self.reference} for token {self.token}; "
                f"the eMSP's latest authorization gave {self.expected}")


class SessionReferenceNotLastGiven(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session's authorization_reference is the last one the eMSP gave for
    it: the `authorization_reference` field of the accepted StartSession or
    ReserveNow that led to it, or of a later AuthorizationInfo for its
    token that carries one (an answer without a reference does not replace
    the one given before).

    ## Why it matters
    The eMSP looks the session up by that reference to show it in the
    driver's app; a session without it, or with an older one, is not
    found.

    ## Example
    StartSession with `"authorization_reference": "R-5"`, then a Session
    with `"auth_method": "COMMAND"` and no authorization_reference.

    ## Expected
    `"authorization_reference": "R-5"` on the Session.
    """

    code = "SES303"
    severity = Severity.ERROR
    spec = "§9.3.1"
    about = "object"
    session: str
    reference: str
    expected: str

    def message(self) -> str:
        return (f"session {self.session} carries authorization_reference {self.reference}; "
                f"the eMSP last gave {self.expected}")


class CdrAuthorizationNotSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CDR's auth_method and authorization_reference are the last ones its
    session showed.

    ## Why it matters
    The CDR is matched to the session and to the eMSP's authorization by
    these fields; when they differ, the eMSP cannot tell which
    authorization the bill belongs to.

    ## Example
    The session ends with `"auth_method": "AUTH_REQUEST"` and reference
    A-77; the CDR says `"auth_method": "WHITELIST"`.

    ## Expected
    The session's final auth_method and authorization_reference, copied.
    """

    code = "CDR306"
    severity = Severity.ERROR
    spec = "§10.3.1"
    about = "object"
    problem: str

    def message(self) -> str:
        return self.problem


@dataclass
class _Session:
    token: TokenKey | None = None
    location: str | None = None
    method: str | None = None
    reference: str | None = None
    reference_seen: bool = False  # a session first seen by a PATCH may never show its reference
    where: Where | None = None
    reported: bool = False


class SessionReferencesChecker:
    watches: ClassVar[Watched] = frozenset({"sessions", "cdrs"})

    def __init__(self, authorizations: AuthorizationsChecker) -> None:
        self._authorizations = authorizations
        self._sessions: Recent[tuple[str, str, str], _Session] = Recent()

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        body = observed.request
        if body is None:
            return
        if observed.module == "sessions" and observed.operation in ("put", "patch"):
            yield from self._session(observed, body, observed.operation == "put")
        elif observed.module == "cdrs" and observed.operation == "post":
            yield from self._cdr(observed, body)

    def _session(self, observed: Observed, body: Any, full: bool) -> Iterator[SeqReport]:
        key = observed.key
        if key is None or not key.country_code or not key.party_id or not key.id:
            return
        skey = object_key(key.country_code, key.party_id, key.id)
        state = self._sessions.setdefault(skey, _Session())
        self._adopt(state, body, full, observed.where)
        carries = full or body.auth_method is not UNSET or body.authorization_reference is not UNSET
        if not carries or state.reported or state.token is None or state.method not in REFERENCE_SOURCES:
            return
        source = self._expected(state.token, state.location, state.method)
        if source is None or _norm(source.reference) == _norm(state.reference):
            return
        state.reported = True
        given, expected = _shown(state.reference), _shown(source.reference)
        notes = (note(f"the eMSP gave {expected} here", source.where),)
        if state.method == "AUTH_REQUEST" and isinstance(source, Authorization):
            yield SeqReport(ReferenceNotFromAuthorization(token=token_label(state.token), reference=given,
                                                          expected=expected),
                            observed.where, "$.authorization_reference", notes)
        else:
            yield SeqReport(SessionReferenceNotLastGiven(session="/".join(skey), reference=given, expected=expected),
                            observed.where, "$.authorization_reference", notes)

    @staticmethod
    def _adopt(state: _Session, body: Any, full: bool, where: Where) -> None:
        """The only place a session's state changes: to what the CPO sent."""
        cdr_token = body.cdr_token if body.cdr_token is not UNSET else None
        tkey = token_key(getattr(cdr_token, "uid", None), getattr(cdr_token, "type", None))
        if tkey is not None:
            state.token = tkey
        if isinstance(body.location_id, str):
            state.location = body.location_id
        if body.auth_method not in (UNSET, None):
            state.method = str(body.auth_method)
        if full or body.authorization_reference is not UNSET:
            state.reference = body.authorization_reference if isinstance(body.authorization_reference, str) else None
            state.reference_seen = True
        state.where = where

    def _expected(self, token: TokenKey, location: str | None, method: str) -> Authorization | Vouched | None:
        """The reference the eMSP last gave for a session of this auth_method, with where it gave it."""
        authorization = self._authorizations.latest_authorization(token, location)
        command = self._authorizations.latest_command(token)
        first = authorization if REFERENCE_SOURCES[method] == "authorization" else command
        if first is None:
            return None
        since: list[Authorization | Vouched] = [s for s in (authorization, command)
                                                if s is not None and s.order >= first.order]
        # An answer without a reference gives none: it does not replace the one given before it (§9.3.1).
        given = [s for s in since if s.reference is not None]
        return max(given or since, key=lambda s: s.order)

    def _cdr(self, observed: Observed, cdr: Any) -> Iterator[SeqReport]:
        method, reference = str(cdr.auth_method), cdr.authorization_reference
        session = None
        if isinstance(cdr.session_id, str):
            session = self._sessions.get(object_key(cdr.country_code, cdr.party_id, cdr.session_id))
        if session is None:
            yield from self._orphan_cdr(observed, cdr, method, reference)
            return
        problems = []
        if session.method is not None and method != session.method:
            problems.append(f"auth_method {method}, the session's {session.method}")
        if session.reference_seen and _norm(reference) != _norm(session.reference):
            problems.append(f"authorization_reference {_shown(reference)}, the session's {_shown(session.reference)}")
        if problems and session.where is not None:
            yield SeqReport(CdrAuthorizationNotSession(problem="the CDR has " + "; ".join(problems)), observed.where,
                            notes=(note("last update of the session", session.where),))

    def _orphan_cdr(self, observed: Observed, cdr: Any, method: str, reference: Any) -> Iterator[SeqReport]:
        """A CDR whose session is not in the capture: compare it with the authorization directly."""
        tkey = token_key(cdr.cdr_token.uid, cdr.cdr_token.type)
        if method != "AUTH_REQUEST" or tkey is None:
            return
        latest = self._authorizations.latest_authorization(tkey, getattr(cdr.cdr_location, "id", None))
        if latest is not None and _norm(latest.reference) != _norm(reference):
            yield SeqReport(ReferenceNotFromAuthorization(token=token_label(tkey), reference=_shown(reference),
                                                          expected=_shown(latest.reference)),
                            observed.where, "$.authorization_reference",
                            (note(f"the eMSP gave {_shown(latest.reference)} here", latest.where),))

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
