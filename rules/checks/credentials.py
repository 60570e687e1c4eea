"""CRD2xx: the credentials handshake and the tokens it hands out, followed by fingerprint (§7.1).

Theory of operation: captures keep tokens as fingerprints (sha256, 12 hex
digits) in Authorization headers and Credentials bodies, so the token in
use can be followed without storing any. A successful POST or PUT of
credentials in one direction hands the client a new token for its calls
(the one in the answer) and the server a new token for its calls back
(the one in the request body); the tokens they replace are superseded.
After that, the server calls the client with the token from the body, and
a superseded token is refused (401) wherever it is used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator
from typing import Any

from ..findings import Where
from ..registry import Severity, Violation
from .sequencing import Observed, SeqReport, note

OTHER = {"to_hub": "to_partner", "to_partner": "to_hub"}


def fingerprint(token: str) -> str:
    """As the capture format defines it: the first 12 hex digits of the token's sha256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


def header_fingerprint(value: str | None) -> str | None:
    """The fingerprint of the token an Authorization header carries, redacted or not."""
    if value is None or not value.startswith("Token "):
        return None
    secret = value[6:]
    for marker in ("redacted:b64:sha256:", "redacted:sha256:"):
        if secret.startswith(marker):
            return secret[len(marker):]
    try:
        return fingerprint(base64.b64decode(secret, validate=True).decode("ascii"))
    except (binascii.Error, ValueError):
        return fingerprint(secret)


def body_fingerprint(token: str) -> str:
    return token[len("redacted:sha256:"):] if token.startswith("redacted:sha256:") else fingerprint(token)


class RegistrationWithoutDiscovery(Violation, frozen=True, kw_only=True):
    """## What it checks
    A POST credentials is preceded by the client's GET of the server's
    versions and version details, with the same token.

    ## Why it matters
    The client must know which version and which credentials endpoint to
    register with; a POST without them is guesswork that often hits the
    wrong version. (The GETs may also have happened before the capture.)

    ## Example
    POST credentials as the first request of the day.

    ## Expected
    GET versions, GET version details, then POST credentials, all with token A.
    """

    code = "CRD201"
    severity = Severity.WARNING
    spec = "§7.1.1"
    missing: str

    def message(self) -> str:
        return f"POST credentials without a GET of the server's {self.missing} first (same token)"


class TrafficAfterUnregistering(Violation, frozen=True, kw_only=True):
    """## What it checks
    After a successful DELETE of the credentials, no more automated
    traffic goes between the two parties with the old credentials.

    ## Why it matters
    Unregistering ends the connection; calls after it are refused, or worse,
    still accepted with a token that should be dead.

    ## Example
    Session PATCHes continuing after the DELETE credentials.

    ## Expected
    Silence until a new registration.
    """

    code = "CRD209"
    severity = Severity.ERROR
    spec = "§7.2.4"

    def message(self) -> str:
        return "traffic goes on after the credentials were deleted"


class ServerCallsWithOtherToken(Violation, frozen=True, kw_only=True):
    """## What it checks
    While registering, and afterwards, the server calls the client with the
    token the client just sent in its Credentials body (token B).

    ## Why it matters
    The client accepts only the token it issued; calls with another one are
    refused, and the registration fails with 3001.

    ## Example
    The hub GETs the partner's versions with token A instead of B.

    ## Expected
    `Authorization: Token <base64 of B>` on the server's calls.
    """

    code = "CRD204"
    severity = Severity.ERROR
    spec = "§7.1.1"

    def message(self) -> str:
        return "the server calls the client with a token other than the one the client sent in its credentials"


class TokenNotRenewed(Violation, frozen=True, kw_only=True):
    """## What it checks
    The token a POST or PUT credentials answer hands out is new: not the
    token that authenticated the request (A, or the previous one).

    ## Why it matters
    Token A was shared out of band; a registration that keeps using it
    never gets a secret only the two platforms know.

    ## Example
    The answer's Credentials carry token A again.

    ## Expected
    A freshly generated token C in the answer.
    """

    code = "CRD205"
    severity = Severity.ERROR
    spec = "§7.2.2, §7.2.3"

    def message(self) -> str:
        return "the credentials answer hands out the same token that authenticated the request"


class SupersededTokenAccepted(Violation, frozen=True, kw_only=True):
    """## What it checks
    After a successful credentials POST or PUT, the tokens it replaced are
    refused: a request that still carries one gets HTTP 401.

    ## Why it matters
    A token that outlives its rotation stays a way in for whoever saw it;
    certification days test that the old token is refused.

    ## Example
    A request with the old token C answered 1000 after a PUT rotation.

    ## Expected
    HTTP 401 for superseded tokens.
    """

    code = "CRD206"
    severity = Severity.ERROR
    spec = "§7.1.1"

    def message(self) -> str:
        return "a token superseded by the credentials handshake is still accepted"


class CredentialsChecker:
    def __init__(self) -> None:
        self._current: dict[str, str] = {}  # direction -> token the caller in that direction must use
        self._superseded: dict[str, dict[str, Where]] = {"to_hub": {}, "to_partner": {}}
        self._expected_callback: dict[str, tuple[str, Where]] = {}  # direction -> (token B, the POST)
        self._discovered: dict[str, set[tuple[str, str]]] = {"to_hub": set(), "to_partner": set()}  # (what, token)
        self._deleted: Where | None = None  # a successful DELETE of the credentials
        self._reported_after_delete = False

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        exchange = observed.exchange
        used = header_fingerprint(exchange.request.header("Authorization"))
        direction = exchange.direction
        if used is not None:
            yield from self._check_use(observed, direction, used)
            if observed.operation in ("versions", "version_details"):
                self._discovered[direction].add((observed.operation, used))
        if self._deleted is not None and observed.module != "versions" and not self._reported_after_delete:
            self._reported_after_delete = True
            yield SeqReport(TrafficAfterUnregistering(), observed.where,
                            notes=(note("the credentials were deleted here", self._deleted),))
        if observed.module == "credentials" and observed.operation == "post" and used is not None:
            missing = [what.replace("_", " ") for what in ("versions", "version_details")
                       if (what, used) not in self._discovered[direction]]
            if missing:
                yield SeqReport(RegistrationWithoutDiscovery(missing=" and ".join(missing)), observed.where)
        if observed.module == "credentials" and observed.operation in ("post", "put"):
            self._deleted = None
            self._reported_after_delete = False
            yield from self._handshake(observed, direction, used)
        elif observed.module == "credentials" and observed.operation == "delete" and observed.accepted:
            self._deleted = observed.where

    def _check_use(self, observed: Observed, direction: str, used: str) -> Iterator[SeqReport]:
        expected = self._expected_callback.get(direction)
        if expected is not None:
            token_b, post = expected
            if used != token_b:
                yield SeqReport(ServerCallsWithOtherToken(), observed.where,
                                notes=(note("the client sent its token here", post),))
            del self._expected_callback[direction]  # checked on the first call back: said once
        superseded_at = self._superseded[direction].get(used)
        response = observed.exchange.response
        if superseded_at is not None and response is not None and response.status != 401:
            yield SeqReport(SupersededTokenAccepted(), observed.where,
                            notes=(note("the token was superseded by this handshake", superseded_at),))

    def _handshake(self, observed: Observed, direction: str, used: str | None) -> Iterator[SeqReport]:
        sent: Any = observed.request
        if sent is not None:
            token_b = body_fingerprint(sent.token)
            back = OTHER[direction]
            self._expected_callback[back] = (token_b, observed.where)
            previous_back = self._current.get(back)
            if previous_back is not None and previous_back != token_b and observed.accepted:
                self._superseded[back][previous_back] = observed.where
            if observed.accepted:
                self._current[back] = token_b
        answer: Any = observed.data
        if answer is None or not observed.accepted:
            return
        token_c = body_fingerprint(answer.token)
        if used is not None and token_c == used:
            yield SeqReport(TokenNotRenewed(), observed.where, "$.data.token")
        if used is not None and used != token_c:
            self._superseded[direction][used] = observed.where
        self._superseded[direction].pop(token_c, None)
        self._current[direction] = token_c

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
