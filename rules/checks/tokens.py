"""TOK201-203, TOK209: a token's life as the eMSP states it, and what the CPO does with it (§12.1, §12.4).

Theory of operation: tokens are keyed by (uid, type), the party left out
because the authorize URL has none. What the eMSP says of a token (PUT and
PATCH bodies, its token list, a token GET back from the CPO, the token in
an AuthorizationInfo or a StartSession/ReserveNow) sets the token's
whitelist; pushes alone set `valid` and the `last_updated` the receiver
accepted. A PATCH needs an earlier PUT, a push never goes back in time, a
retired token is never authorized ALLOWED, and the CPO does not ask
real-time about an ALWAYS token. Other checkers read the states through
`token()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final

from msgspec import UNSET

from ..findings import Where
from ..model import parse_datetime
from ..registry import Severity, Violation
from .sequencing import Observed, SeqReport, Watched, note

DEFAULT_TYPE: Final = "RFID"
# Whitelist under which the CPO must not ask the eMSP in real time (§12.4.5).
NO_REAL_TIME: Final = frozenset({"ALWAYS"})

TokenKey = tuple[str, str]  # (uid, type), upper case


def token_key(uid: Any, token_type: Any) -> TokenKey | None:
    """The key of a token from its uid and type (None when the uid is missing or odd)."""
    if not isinstance(uid, str) or not uid:
        return None
    kind = str(token_type) if token_type not in (None, UNSET) else DEFAULT_TYPE
    return uid.upper(), kind.upper()


def token_label(key: TokenKey) -> str:
    return f"{key[0]} ({key[1]})"


def parse_stamp(value: Any) -> datetime | None:
    """A DateTime field, or None when absent or not readable (its shape rule says so)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


class TokenPatchedBeforePut(Violation, frozen=True, kw_only=True):
    """## What it checks
    A token is PUT before it is PATCHed.

    ## Why it matters
    A CPO that never received the token answers not-found; the eMSP should
    then PUT it whole, or drivers with that token are refused.

    ## Example
    The first message about a token is a PATCH setting `valid: false`.

    ## Expected
    PUT the Token first, PATCH it afterwards.
    """

    code = "TOK201"
    severity = Severity.WARNING
    spec = "§4.1.4.3"
    about = "object"
    token: str

    def message(self) -> str:
        return f"token {self.token} is PATCHed but was never PUT in this capture"


class StaleTokenUpdate(Violation, frozen=True, kw_only=True):
    """## What it checks
    Each PUT or PATCH of a token carries a `last_updated` no older than
    that of the last push the receiver accepted for the token.

    ## Why it matters
    `last_updated` orders the eMSP's changes; a receiver that keeps the
    newest copy drops an older one, and one that does not is left with an
    outdated whitelist or validity (a blocked card charging again).

    ## Example
    PUT with `"last_updated": "2026-11-23T10:00:00Z"`, accepted, then a
    PATCH `{"valid": false, "last_updated": "2026-11-23T09:00:00Z"}`.

    ## Expected
    Every push stamped with the time of the change it carries, so the
    stamps only grow.
    """

    code = "TOK202"
    severity = Severity.ERROR
    spec = "§12.3.2, §4.1.4"
    about = "object"
    token: str
    stamp: str
    accepted: str

    def message(self) -> str:
        return f"token {self.token} pushed with last_updated {self.stamp}, older than the accepted {self.accepted}"


class AlwaysTokenAuthorized(Violation, frozen=True, kw_only=True):
    """## What it checks
    The CPO does not send a real-time authorize for a token whose whitelist
    is ALWAYS.

    ## Why it matters
    ALWAYS tells the CPO to accept the token locally; asking the eMSP
    anyway adds the round trip at the Charge Point that the whitelist was
    meant to spare, and load on the eMSP.

    ## Example
    PUT of token U1 with `"whitelist": "ALWAYS"`, then
    `POST {tokens}/U1/authorize`.

    ## Expected
    Start the session from the CPO's own token cache, with auth_method
    WHITELIST.
    """

    code = "TOK203"
    severity = Severity.ERROR
    spec = "§12.4.5"
    about = "request"
    token: str

    def message(self) -> str:
        return f"token {self.token} has whitelist ALWAYS but is authorized in real time"


class InvalidTokenAuthorized(Violation, frozen=True, kw_only=True):
    """## What it checks
    A real-time authorization does not answer ALLOWED for a token the eMSP
    itself retired (last pushed with `valid: false`).

    ## Why it matters
    A blocked or lost card keeps charging on the eMSP's account; hubs test
    this right after invalidating a token.

    ## Example
    PATCH `{"valid": false}` for token 0123, then an authorize of 0123
    answered `"allowed": "ALLOWED"`.

    ## Expected
    `"allowed": "BLOCKED"` (or another refusal) once the token is invalid.
    """

    code = "TOK209"
    severity = Severity.ERROR
    spec = "§12.3.1, §12.1.1"
    about = "response"
    token: str

    def message(self) -> str:
        return f"token {self.token} was invalidated but is still authorized"


@dataclass
class TokenState:
    valid: bool | None
    where: Where  # where `valid` was last pushed
    whitelist: str | None = None
    whitelist_where: Where | None = None
    accepted_stamp: datetime | None = None  # last_updated of the last accepted push
    accepted_text: str = ""
    accepted_where: Where | None = None
    always_reported: bool = False  # TOK203 is said once while the whitelist stays ALWAYS
    pushed: bool = False  # a PUT or PATCH of it was seen


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


class TokensChecker:
    watches: ClassVar[Watched] = frozenset({"commands", "tokens"})

    def __init__(self) -> None:
        self._tokens: dict[TokenKey, TokenState] = {}

    def token(self, key: TokenKey) -> TokenState | None:
        return self._tokens.get(key)

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module == "commands" and observed.operation == "command":
            self._learn(getattr(observed.request, "token", None), observed.where)
            return
        if observed.module != "tokens":
            return
        if observed.operation in ("list", "get"):
            for item in _items(observed.data):
                self._learn(item, observed.where)
            return
        key = observed.key
        if key is None or not key.id:
            return
        tkey = token_key(key.id, key.token_type)
        assert tkey is not None
        label = "/".join(part for part in (key.country_code, key.party_id, key.id) if part)
        if observed.operation in ("put", "patch") and observed.request is not None:
            yield from self._push(tkey, label, observed, observed.request, observed.operation == "put")
        elif observed.operation == "authorize":
            yield from self._authorize(tkey, label, observed)

    def _learn(self, token: Any, where: Where) -> None:
        """A full Token the eMSP showed: its whitelist is what the CPO should act on."""
        tkey = token_key(getattr(token, "uid", None), getattr(token, "type", None))
        whitelist = getattr(token, "whitelist", None)
        if tkey is None or whitelist is None:
            return
        state = self._tokens.setdefault(tkey, TokenState(None, where))
        self._set_whitelist(state, str(whitelist), where)

    @staticmethod
    def _set_whitelist(state: TokenState, whitelist: str, where: Where) -> None:
        if whitelist != state.whitelist:
            state.always_reported = False
        state.whitelist, state.whitelist_where = whitelist, where

    def _push(self, key: TokenKey, label: str, observed: Observed, body: Any, full: bool) -> Iterator[SeqReport]:
        state = self._tokens.get(key)
        if not full and (state is None or not state.pushed):
            yield SeqReport(TokenPatchedBeforePut(token=label), observed.where)
        if state is None:
            state = self._tokens[key] = TokenState(None, observed.where)
        state.pushed = True
        stamp = parse_stamp(body.last_updated)
        if stamp is not None and state.accepted_stamp is not None and stamp < state.accepted_stamp:
            assert state.accepted_where is not None
            yield SeqReport(StaleTokenUpdate(token=label, stamp=str(body.last_updated), accepted=state.accepted_text),
                            observed.where, "$.last_updated",
                            (note("the newer update was accepted here", state.accepted_where),))
        if body.valid is not UNSET and body.valid is not None:
            state.valid = bool(body.valid)
            state.where = observed.where
        if body.whitelist is not UNSET and body.whitelist is not None:
            self._set_whitelist(state, str(body.whitelist), observed.where)
        if observed.accepted and stamp is not None:
            state.accepted_stamp, state.accepted_text, state.accepted_where = stamp, str(body.last_updated), observed.where

    def _authorize(self, key: TokenKey, label: str, observed: Observed) -> Iterator[SeqReport]:
        state = self._tokens.get(key)
        if state is not None and state.whitelist in NO_REAL_TIME and not state.always_reported:
            state.always_reported = True
            assert state.whitelist_where is not None
            yield SeqReport(AlwaysTokenAuthorized(token=label), observed.where,
                            notes=(note(f"whitelist {state.whitelist} was set here", state.whitelist_where),))
        info = observed.data
        if info is None:
            return
        if state is not None and state.valid is False and str(info.allowed) == "ALLOWED":
            yield SeqReport(InvalidTokenAuthorized(token=label), observed.where, "$.data.allowed",
                            (note("the token was invalidated here", state.where),))
        self._learn(getattr(info, "token", None), observed.where)

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
