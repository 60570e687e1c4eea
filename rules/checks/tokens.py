"""TOK2xx: a token's life as the eMSP pushes it, and what authorizations say of it (§12.1, §12.4).

Theory of operation: tokens are keyed by (country_code, party_id, uid,
type); a PUT creates or replaces one, a PATCH changes one the receiver
already has, `valid: false` retires it. A real-time authorization of a
retired token must not come back ALLOWED.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from msgspec import UNSET

from ..findings import Where
from ..registry import Severity, Violation
from .sequencing import Observed, SeqReport, note

DEFAULT_TYPE = "RFID"


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
    token: str

    def message(self) -> str:
        return f"token {self.token} is PATCHed but was never PUT in this capture"


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
    token: str

    def message(self) -> str:
        return f"token {self.token} was invalidated but is still authorized"


@dataclass
class TokenState:
    valid: bool | None
    where: Where


class TokensChecker:
    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], TokenState] = {}  # (uid, type) -> state; party omitted for authorize

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "tokens" or observed.key is None or observed.key.id is None:
            return
        key = (observed.key.id.upper(), (observed.key.token_type or DEFAULT_TYPE).upper())
        label = "/".join(part for part in (observed.key.country_code, observed.key.party_id, observed.key.id) if part)
        if observed.operation == "put" and observed.request is not None:
            self._tokens[key] = TokenState(bool(observed.request.valid), observed.where)
        elif observed.operation == "patch" and observed.request is not None:
            yield from self._patch(key, label, observed, observed.request)
        elif observed.operation == "authorize" and observed.data is not None:
            yield from self._authorized(key, label, observed, observed.data)

    def _patch(self, key: tuple[str, str], label: str, observed: Observed, body: Any) -> Iterator[SeqReport]:
        state = self._tokens.get(key)
        if state is None:
            yield SeqReport(TokenPatchedBeforePut(token=label), observed.where)
            state = self._tokens[key] = TokenState(None, observed.where)
        if body.valid is not UNSET and body.valid is not None:
            state.valid = bool(body.valid)
            state.where = observed.where

    def _authorized(self, key: tuple[str, str], label: str, observed: Observed, info: Any) -> Iterator[SeqReport]:
        state = self._tokens.get(key)
        if state is not None and state.valid is False and str(info.allowed) == "ALLOWED":
            yield SeqReport(InvalidTokenAuthorized(token=label), observed.where, "$.data.allowed",
                            (note("the token was invalidated here", state.where),))

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
