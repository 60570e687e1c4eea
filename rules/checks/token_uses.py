"""TOK204-206, TOK208, SES304: how the token that started a session was accepted (§12.4.5, §10.4).

Theory of operation: each session, keyed by (country_code, party_id, id),
is judged when its auth_method is first seen or changes: WHITELIST must
fit the token's whitelist and validity as the tokens checker holds them,
and, for an ALLOWED_OFFLINE token, the eMSP must have been unreachable;
AUTH_REQUEST must follow an authorize for the token whose latest answer
(from the authorizations checker) was ALLOWED. A session that began
before the capture (first seen by a PATCH, or starting within
ORPHAN_MARGIN_SECONDS of the capture's first request) may have had its
authorize before the capture, so SES304 leaves it alone. Each rule is
said once per session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from msgspec import UNSET

from ..findings import Where
from ..recent import Recent
from ..registry import Severity, Violation
from .authorizations import AuthorizationsChecker
from .sequencing import Observed, SeqReport, Watched, note, object_key
from .tokens import TokenKey, TokensChecker, parse_stamp, token_key, token_label

# A session starting this soon after the capture began may have been authorized before it (SES304).
ORPHAN_MARGIN_SECONDS: Final = 120.0
# TOK208: the eMSP counts as reachable when one of its endpoints answered this recently.
REACHABLE_WITHIN_SECONDS: Final = 300.0
# Exchanges whose callee is the eMSP (or the hub on its behalf): (module, operation).
EMSP_CALLEE: Final = frozenset({
    ("tokens", "authorize"), ("tokens", "list"), ("sessions", "put"), ("sessions", "patch"), ("sessions", "get"),
    ("cdrs", "post"), ("cdrs", "get"), ("commands", "command_result"),
})


def _reached(status_code: int | None) -> bool:
    """1xxx, or 2xxx (the eMSP judged the request); 3xxx from a hub means the eMSP could not be reached."""
    return status_code is not None and 1000 <= status_code <= 2999


class WhitelistUseOfNeverToken(Violation, frozen=True, kw_only=True):
    """## What it checks
    A Session or CDR does not show auth_method WHITELIST for a token whose
    whitelist is NEVER.

    ## Why it matters
    NEVER means the eMSP wants to decide every use in real time (a prepaid
    or closely watched contract); a local acceptance charges it without
    asking, and the eMSP may refuse the bill.

    ## Example
    Token U1 pushed with `"whitelist": "NEVER"`, then a Session for U1 with
    `"auth_method": "WHITELIST"`.

    ## Expected
    `"auth_method": "AUTH_REQUEST"` after an authorize (or COMMAND).
    """

    code = "TOK204"
    severity = Severity.ERROR
    spec = "§12.4.5"
    about = "object"
    token: str
    what: str

    def message(self) -> str:
        return f"{self.what} uses token {self.token} by WHITELIST, but its whitelist is NEVER"


class InvalidTokenUsedLocally(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session is not started by WHITELIST with a token the eMSP last pushed
    with `valid: false`.

    ## Why it matters
    An invalidated card (lost, stolen, contract ended) keeps charging on
    the eMSP's account when the CPO's cache ignores the invalidation. Kept
    a warning: the spec does not say outright what a local whitelist must
    do with an invalid token (catalogue 12.30).

    ## Example
    PATCH `{"valid": false}` for U1, then a Session for U1 with
    `"auth_method": "WHITELIST"`.

    ## Expected
    The Charge Point refuses the token, or the CPO asks the eMSP.
    """

    code = "TOK205"
    severity = Severity.WARNING
    spec = "§12.1.1, §12.4.5"
    about = "object"
    token: str

    def message(self) -> str:
        return f"a session starts by WHITELIST with token {self.token}, which was invalidated"


class RefusedTokenStarted(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session with auth_method AUTH_REQUEST follows a real-time
    authorization that said ALLOWED: the latest AuthorizationInfo for that
    token (at that location) did not refuse it.

    ## Why it matters
    The eMSP said no (blocked, expired, no credit); charging anyway is at
    the CPO's risk and the eMSP will not pay for it.

    ## Example
    Authorize of U1 answered `"allowed": "BLOCKED"`, then a Session for U1
    with `"auth_method": "AUTH_REQUEST"`.

    ## Expected
    No session after a refusal.
    """

    code = "TOK206"
    severity = Severity.ERROR
    spec = "§12.3.1, §12.4.1"
    about = "object"
    token: str
    allowed: str

    def message(self) -> str:
        return f"a session starts for token {self.token} although the eMSP answered {self.allowed}"


class OfflineTokenUsedWhileOnline(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session is not started by WHITELIST with an ALLOWED_OFFLINE token
    while the eMSP was reachable: one of its endpoints answered with a
    1xxx or 2xxx status within 5 minutes of the push that first shows
    WHITELIST.

    ## Why it matters
    ALLOWED_OFFLINE asks for real-time authorization whenever the eMSP can
    be reached; the local cache is only a fallback. Kept a warning because
    the Charge Point may have been offline itself.

    ## Example
    Token U1 with `"whitelist": "ALLOWED_OFFLINE"`, a CDR POST answered
    1000 a minute earlier, then a Session for U1 with `"auth_method":
    "WHITELIST"`.

    ## Expected
    An authorize first and `"auth_method": "AUTH_REQUEST"`.
    """

    code = "TOK208"
    severity = Severity.WARNING
    spec = "§12.4.5"
    about = "object"
    token: str

    def message(self) -> str:
        return f"a session starts by WHITELIST with ALLOWED_OFFLINE token {self.token} while the eMSP was reachable"


class AuthRequestWithoutAuthorize(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session with auth_method AUTH_REQUEST has a real-time authorize for
    its token before it (sessions that began before the capture are left
    alone).

    ## Why it matters
    AUTH_REQUEST claims the eMSP was asked; without an authorize the claim
    is false, the session has no authorization_reference to carry, and the
    eMSP cannot match it.

    ## Example
    A Session PUT for token U1 with `"auth_method": "AUTH_REQUEST"`, no
    `POST {tokens}/U1/authorize` anywhere before it.

    ## Expected
    The authorize first, or the auth_method that really applied.
    """

    code = "SES304"
    severity = Severity.WARNING
    spec = "§10.4.1"
    about = "object"
    token: str

    def message(self) -> str:
        return f"session uses AUTH_REQUEST but token {self.token} was never authorized before it"


@dataclass
class _Session:
    token: TokenKey | None
    method: str | None = None
    orphan: bool = False
    reported: set[str] = field(default_factory=set)


class TokenUsesChecker:
    watches: ClassVar[Watched] = None  # every exchange: the capture's start, and when the eMSP was last reached

    def __init__(self, tokens: TokensChecker, authorizations: AuthorizationsChecker) -> None:
        self._tokens = tokens
        self._authorizations = authorizations
        self._sessions: Recent[tuple[str, str, str], _Session] = Recent()
        self._capture_start: float | None = None
        self._reachable: tuple[float, Where] | None = None  # the last eMSP answer: (ended, where)

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if self._capture_start is None:
            self._capture_start = observed.started_at
        module, operation = observed.module, observed.operation
        if module == "sessions" and operation in ("put", "patch") and observed.request is not None:
            yield from self._session(observed, observed.request, observed.started_at)
        elif module == "cdrs" and operation == "post" and observed.request is not None:
            yield from self._cdr(observed, observed.request)
        if (module, operation) in EMSP_CALLEE and _reached(observed.status_code) and observed.ended_at is not None:
            self._reachable = (observed.ended_at, observed.where)

    def _session(self, observed: Observed, body: Any, started: float) -> Iterator[SeqReport]:
        key = observed.key
        if key is None or not key.country_code or not key.party_id or not key.id:
            return
        skey = object_key(key.country_code, key.party_id, key.id)
        full = observed.operation == "put"
        cdr_token = body.cdr_token if body.cdr_token is not UNSET else None
        tkey = token_key(getattr(cdr_token, "uid", None), getattr(cdr_token, "type", None))
        state = self._sessions.get(skey)
        if state is None:
            state = self._sessions[skey] = _Session(tkey, orphan=not full or self._began_before(body))
        elif tkey is not None:
            state.token = tkey
        method = str(body.auth_method) if body.auth_method not in (UNSET, None) else None
        if method is None or method == state.method:
            return
        state.method = method
        if state.token is None:
            return
        if method == "WHITELIST":
            yield from self._whitelist(state, state.token, observed, started)
        elif method == "AUTH_REQUEST":
            yield from self._auth_request(state, state.token, observed, body)

    def _began_before(self, body: Any) -> bool:
        start = parse_stamp(body.start_date_time)
        assert self._capture_start is not None
        return start is None or start.timestamp() < self._capture_start + ORPHAN_MARGIN_SECONDS

    def _once(self, state: _Session, code: str) -> bool:
        if code in state.reported:
            return False
        state.reported.add(code)
        return True

    def _whitelist(self, state: _Session, tkey: TokenKey, observed: Observed, started: float) -> Iterator[SeqReport]:
        token = self._tokens.token(tkey)
        if token is None:
            return
        label = token_label(tkey)
        set_here = (note(f"whitelist {token.whitelist} was set here", token.whitelist_where),) \
            if token.whitelist_where is not None else ()
        if token.whitelist == "NEVER" and self._once(state, "TOK204"):
            yield SeqReport(WhitelistUseOfNeverToken(token=label, what="the session"), observed.where,
                            "$.auth_method", set_here)
        if token.valid is False and self._once(state, "TOK205"):
            yield SeqReport(InvalidTokenUsedLocally(token=label), observed.where, "$.auth_method",
                            (note("the token was invalidated here", token.where),))
        reachable = self._reachable
        if token.whitelist == "ALLOWED_OFFLINE" and reachable is not None \
                and abs(started - reachable[0]) <= REACHABLE_WITHIN_SECONDS and self._once(state, "TOK208"):
            yield SeqReport(OfflineTokenUsedWhileOnline(token=label), observed.where, "$.auth_method",
                            (note("the eMSP answered here", reachable[1]), *set_here))

    def _auth_request(self, state: _Session, tkey: TokenKey, observed: Observed, body: Any) -> Iterator[SeqReport]:
        label = token_label(tkey)
        if not self._authorizations.asked(tkey):
            if not state.orphan and self._once(state, "SES304"):
                yield SeqReport(AuthRequestWithoutAuthorize(token=label), observed.where, "$.auth_method")
            return
        location = body.location_id if isinstance(body.location_id, str) else None
        latest = self._authorizations.latest_authorization(tkey, location)
        if latest is not None and latest.allowed != "ALLOWED" and self._once(state, "TOK206"):
            yield SeqReport(RefusedTokenStarted(token=label, allowed=latest.allowed), observed.where,
                            "$.auth_method", (note(f"the eMSP answered {latest.allowed} here", latest.where),))

    def _cdr(self, observed: Observed, cdr: Any) -> Iterator[SeqReport]:
        if str(cdr.auth_method) != "WHITELIST":
            return
        tkey = token_key(cdr.cdr_token.uid, cdr.cdr_token.type)
        token = self._tokens.token(tkey) if tkey is not None else None
        if tkey is None or token is None or token.whitelist != "NEVER":
            return
        if isinstance(cdr.session_id, str):
            session = self._sessions.get(object_key(cdr.country_code, cdr.party_id, cdr.session_id))
            if session is not None and session.method == "WHITELIST":
                return  # judged by the whitelist when its session showed WHITELIST (said then, if at all)
        notes = (note("whitelist NEVER was set here", token.whitelist_where),) if token.whitelist_where else ()
        yield SeqReport(WhitelistUseOfNeverToken(token=token_label(tkey), what="the CDR"), observed.where,
                        "$.auth_method", notes)

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
