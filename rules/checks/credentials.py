"""CRD2xx: the credentials handshake and the tokens it hands out, followed by fingerprint (§7.1).

Theory of operation: captures keep tokens as fingerprints (sha256, 12 hex
digits) in Authorization headers and Credentials bodies, so the token in
use can be followed without storing any. A successful POST or PUT of
credentials in one direction hands the client a new token for its calls
(the one in the answer) and the server a new token for its calls back
(the one in the request body); the tokens they replace are superseded.
After that, the server calls the client with the token from the body, and
a superseded token is refused (401) wherever it is used.

Once a handshake has told which token the caller in a direction must use,
the token set of that direction is known: any other token (or none) must be
refused too (ENV125). Token A, the one a POST was authenticated with, opens
versions and credentials only (CRD202). A token is known to be token A only
once the POST is made with it: a functional request accepted with a token
before any handshake in its direction is kept, and reported when a POST
with that token shows it was token A (a capture that began mid-connection
uses its current token the same way, and is not reported). Functional
traffic in a direction no handshake has covered yet means the capture began
mid-connection (CRD211).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from ..findings import Where
from ..registry import Severity, Violation
from ..routes import OTHER_DIRECTION as OTHER
from .fingerprints import body_fingerprint, header_fingerprint
from .sequencing import Observed, SeqReport, Watched, note



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
    about = "request"
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
    about = "request"

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
    about = "request"

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
    about = "response"

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
    about = "response"

    def message(self) -> str:
        return "a token superseded by the credentials handshake is still accepted"


class TokenAOutsideRegistration(Violation, frozen=True, kw_only=True):
    """## What it checks
    A request authenticated with token A (the token a credentials POST was
    made with) to a module other than versions and credentials is refused
    with HTTP 401, after the POST and before it alike (a token used before
    the POST is known to be token A once the POST is made with it).

    ## Why it matters
    Token A is handed over out of band, often by e-mail; it is meant to open
    the registration and nothing else. A server that serves Locations or
    Sessions for it lets anyone who saw the mail in.

    ## Example
    After POSTing its credentials with token A, the CPO still PUTs a Location
    with token A, and the hub answers 201.

    ## Expected
    HTTP 401 for every functional module called with token A.
    """

    code = "CRD202"
    severity = Severity.ERROR
    spec = "§4.1.2"
    about = "response"
    module_called: str

    def message(self) -> str:
        return f"a {self.module_called} request authenticated with token A is not refused with HTTP 401"


class NoHandshakeInCapture(Violation, frozen=True, kw_only=True):
    """## What it checks
    Functional-module traffic in a direction uses a token that a credentials
    handshake in the capture established. Reported once, at the first such
    request; only when the profile asks for a handshake.

    ## Why it matters
    Without the handshake the validator cannot tell the current token from a
    stale or unknown one, so the token rules (CRD202, CRD206, ENV125) stay
    silent for that direction: the capture began mid-connection.

    ## Example
    A capture whose first exchange is a Session PATCH.

    ## Expected
    Start recording before the registration (or a PUT credentials rotation),
    or use a profile that does not require the handshake.
    """

    code = "CRD211"
    severity = Severity.WARNING
    spec = "§7.1.1"
    about = "capture"  # where the recording began: neither party sent anything wrong
    default_enabled = False  # most recordings start on a live connection; select it to ask for one

    def message(self) -> str:
        return "module traffic uses a token no credentials handshake in this capture established"

    def hint(self) -> str:
        return "start the recording before the registration, or rotate the tokens with a PUT credentials"


class UnknownTokenAccepted(Violation, frozen=True, kw_only=True):
    """## What it checks
    Once a handshake has established the token the caller in a direction
    must use, a request in that direction with no token, or with a token that
    is neither current nor superseded, is answered HTTP 401.

    ## Why it matters
    A server that answers any token with data has no authentication at all;
    a client that accepts calls with tokens it never issued is as open.

    ## Example
    After the registration the hub GETs the partner's Locations with a token
    the partner never handed out, and gets them.

    ## Expected
    HTTP 401 for a missing or unknown token.
    """

    code = "ENV125"
    severity = Severity.ERROR
    spec = "§4.1.2"
    about = "response"
    problem: str

    def message(self) -> str:
        return f"a request with {self.problem} is answered other than HTTP 401"


FUNCTIONAL_EXEMPT = frozenset({"versions", "credentials"})  # what token A may open


class CredentialsChecker:
    watches: ClassVar[Watched] = None  # every exchange: which token each one uses

    def __init__(self, require_handshake: bool = True) -> None:
        self._require_handshake = require_handshake
        self._current: dict[str, str] = {}  # direction -> token the caller in that direction must use
        self._superseded: dict[str, dict[str, Where]] = {"to_hub": {}, "to_partner": {}}
        self._token_a: dict[str, dict[str, Where]] = {"to_hub": {}, "to_partner": {}}  # token -> the POST made with it
        # token -> the first functional request accepted with it before any handshake in the direction, and its module
        self._before_handshake: dict[str, dict[str, tuple[Where, str]]] = {"to_hub": {}, "to_partner": {}}
        self._expected_callback: dict[str, tuple[str, Where]] = {}  # direction -> (token B, the POST)
        self._discovered: dict[str, set[tuple[str, str]]] = {"to_hub": set(), "to_partner": set()}  # (what, token)
        self._deleted: Where | None = None  # a successful DELETE of the credentials
        self._reported_after_delete = False
        self._reported_no_handshake = False
        self._said: set[tuple[str, str, str | None]] = set()  # (what, direction, token): each told once

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        exchange = observed.exchange
        used = header_fingerprint(exchange.request.header("Authorization"))
        direction = exchange.direction
        if direction not in OTHER:
            return
        yield from self._check_use(observed, direction, used)
        if used is not None and observed.operation in ("versions", "version_details"):
            self._discovered[direction].add((observed.operation, used))
        if self._deleted is not None and observed.module not in FUNCTIONAL_EXEMPT and not self._reported_after_delete:
            self._reported_after_delete = True
            yield SeqReport(TrafficAfterUnregistering(), observed.where,
                            notes=(note("the credentials were deleted here", self._deleted),))
        if observed.module == "credentials" and observed.operation == "post" and used is not None:
            response = exchange.response
            if response is not None and response.status != 405:  # 405: a registered client, so not token A
                self._token_a[direction].setdefault(used, observed.where)
                yield from self._used_before(direction, used, observed.where)
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

    def _check_use(self, observed: Observed, direction: str, used: str | None) -> Iterator[SeqReport]:
        """At most one finding about the token of one request: the most specific one."""
        expected = self._expected_callback.pop(direction, None)  # checked on the first call back: said once
        if expected is not None and used != expected[0]:
            self._said.add(("unknown", direction, used))  # the client accepting it is the same story
            yield SeqReport(ServerCallsWithOtherToken(), observed.where,
                            notes=(note("the client sent its token here", expected[1]),))
            return
        functional = observed.module not in FUNCTIONAL_EXEMPT
        current = self._current.get(direction)
        if functional and current is None and self._require_handshake and not self._reported_no_handshake:
            self._reported_no_handshake = True
            yield SeqReport(NoHandshakeInCapture(), observed.where)
        response = observed.exchange.response
        if response is None or response.status == 401:
            return
        registered_with = self._token_a[direction].get(used) if used is not None else None
        superseded_at = self._superseded[direction].get(used) if used is not None else None
        if functional and registered_with is not None and used != current:
            if self._once("token A", direction, used):
                yield SeqReport(TokenAOutsideRegistration(module_called=observed.module), observed.where,
                                notes=(note("this registration was made with that token A", registered_with),))
        elif superseded_at is not None:
            yield SeqReport(SupersededTokenAccepted(), observed.where,
                            notes=(note("the token was superseded by this handshake", superseded_at),))
        elif current is not None and used != current and self._once("unknown", direction, used):
            problem = "no token" if used is None else "a token no handshake handed out"
            yield SeqReport(UnknownTokenAccepted(problem=problem), observed.where)
        elif functional and current is None and used is not None:
            self._before_handshake[direction].setdefault(used, (observed.where, observed.module))

    def _used_before(self, direction: str, token_a: str, post: Where) -> Iterator[SeqReport]:
        """A POST made with `token_a`: a functional request accepted with it earlier was accepted with token A."""
        early = self._before_handshake[direction].pop(token_a, None)
        if early is not None and self._once("token A", direction, token_a):
            where, module = early
            yield SeqReport(TokenAOutsideRegistration(module_called=module), where,
                            notes=(note("the credentials POST made later with the same token shows it is token A",
                                        post),))

    def _once(self, what: str, direction: str, token: str | None) -> bool:
        said = (what, direction, token)
        if said in self._said:
            return False
        self._said.add(said)
        return True

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
                self._before_handshake[back].clear()
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
        self._before_handshake[direction].clear()

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
