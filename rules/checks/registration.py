"""CRD203, CRD207, CRD208, CRD210, CRD212: the server's side of the credentials handshake (§7.1, §7.2).

Theory of operation: the connection between the two parties is registered,
unregistered, or unknown (a capture that began mid-connection). A
credentials POST needs it unregistered, a PUT or DELETE registered; the
other case must be refused with HTTP 405. What each call's outcome says
about the connection afterwards is the table below.

A successful POST or PUT opens a handshake: the server must GET the
client's versions at the body's `url` and then a version details URL,
calling back in the other direction, best while the POST is still open
(its window: from its start to its end). The handshake is settled when the
first exchange after the window is fed (or at the end of the capture):
fetches that failed although the answer was a success, or a 3003 although
both sides list the same modules (CRD210). A fetch still missing then may
come late (a CRD203 warning), but only before the server uses the
connection: its first functional-module call to the client after the
window ends the handshake for good, reporting fetches never made (CRD203);
a GET of versions after that is a routine re-read, not part of the
registration. (The client's own calls do not count: it may push as soon as
it has its token, while the server still fetches.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Literal

import msgspec

from ..findings import Where
from ..registry import Severity, Violation
from ..routes import OTHER_DIRECTION as OTHER, UrlKey, url_key
from .sequencing import Observed, SeqReport, Watched, note

Outcome = Literal["accepted", "405", "failed"]

# What the outcome of a credentials call says about the registration afterwards (None: nothing new).
REGISTRATION_AFTER: Final[dict[tuple[str, Outcome], bool | None]] = {
    ("POST", "accepted"): True, ("POST", "405"): True, ("POST", "failed"): None,
    ("PUT", "accepted"): True, ("PUT", "405"): False, ("PUT", "failed"): None,
    ("DELETE", "accepted"): False, ("DELETE", "405"): False, ("DELETE", "failed"): None,
}
# The registration each method needs; in the other state the answer must be HTTP 405.
REGISTRATION_NEEDED: Final = {"POST": False, "PUT": True, "DELETE": True}
FUNCTIONAL_MODULES: Final = frozenset({"cdrs", "chargingprofiles", "commands", "locations", "sessions", "tariffs",
                                       "tokens"})
NO_MATCHING_ENDPOINTS: Final = 3003


class FetchAfterCredentials(Violation, frozen=True, kw_only=True):
    """## What it checks
    After a successful credentials POST or PUT, the server GETs the client's
    versions at the `url` of the body, and then the client's version details.
    An error if it never does; a warning if it does only after answering.

    ## Why it matters
    The server learns the client's endpoints only this way; without them it
    cannot push or pull anything, and after a PUT it keeps using endpoints
    that may have moved.

    ## Example
    The hub answers the POST with its token C, and never calls the partner.

    ## Expected
    While handling the POST: GET `{url}` and GET the version details URL it
    lists, both with the new token from the body, then the answer.
    """

    code = "CRD203"
    severity = Severity.ERROR
    spec = "§7.1.1, §7.2.2, §7.2.3"
    about = "response"
    problem: str

    def message(self) -> str:
        return self.problem


class PostWhileRegistered(Violation, frozen=True, kw_only=True):
    """## What it checks
    A credentials POST from a client that is already registered is answered
    HTTP 405.

    ## Why it matters
    A second registration silently replaces the tokens and endpoints of the
    first; a client that wants new ones must say so with a PUT.

    ## Example
    The partner POSTs its credentials again after a successful registration,
    and the hub answers 200 with a new token.

    ## Expected
    HTTP 405 Method Not Allowed.
    """

    code = "CRD207"
    severity = Severity.ERROR
    spec = "§7.2.2"
    about = "response"
    status: int

    def message(self) -> str:
        return f"a credentials POST from a registered client is answered HTTP {self.status}, not 405"


class UpdateWhileUnregistered(Violation, frozen=True, kw_only=True):
    """## What it checks
    A credentials PUT or DELETE from a client that is not registered (it
    never was in the capture's view, or it unregistered) is answered HTTP 405.

    ## Why it matters
    There is nothing to update or delete; a server that accepts it has no
    idea who it is connected to.

    ## Example
    After a successful DELETE of the credentials, the partner PUTs new
    credentials and the hub answers 200.

    ## Expected
    HTTP 405 Method Not Allowed; the client registers with a POST.
    """

    code = "CRD208"
    severity = Severity.ERROR
    spec = "§7.2.3, §7.2.4"
    about = "response"
    method: str
    status: int

    def message(self) -> str:
        return f"a credentials {self.method} from an unregistered client is answered HTTP {self.status}, not 405"


class RegistrationOutcomeMismatch(Violation, frozen=True, kw_only=True):
    """## What it checks
    The answer to a credentials POST or PUT agrees with what the server saw
    while handling it: no success when its own GETs of the client's versions
    or version details failed (3001 is expected), and no 3003 when the
    client lists every functional module the server lists.

    ## Why it matters
    A success after failed fetches leaves the server without the client's
    endpoints, so the connection looks established and nothing flows; a
    wrong 3003 sends both teams looking for a missing endpoint that exists.

    ## Example
    The hub's GET of the partner's version details gets HTTP 500, and the
    POST is still answered 1000 with token C.

    ## Expected
    OCPI 3001 when the client's API cannot be used; 3003 only when
    endpoints the server needs are really missing.
    """

    code = "CRD210"
    severity = Severity.WARNING
    spec = "§7.1.5, §7.1.6"
    about = "response"
    problem: str

    def message(self) -> str:
        return self.problem


class VersionsUrlNotVersions(Violation, frozen=True, kw_only=True):
    """## What it checks
    The `url` of a credentials POST or PUT body is the client's versions
    endpoint: the server's GET of it returns a list of Versions. Judged by
    that answer alone: a versions URL may have any path
    (`https://cpo.example.com/ocpi/cpo/` is fine).

    ## Why it matters
    A client that gives its version details URL instead breaks the server's
    discovery: the server expects a list and finds one VersionDetails
    object, and usually fails the registration with 3001.

    ## Example
    `"url": "https://cpo.example.com/ocpi/2.2.1"`, and the GET of it
    answers `{"version": "2.2.1", "endpoints": [...]}`.

    ## Expected
    `"url": "https://cpo.example.com/ocpi/versions"`, answering
    `[{"version": "2.2.1", "url": ".../2.2.1"}]`.
    """

    code = "CRD212"
    severity = Severity.ERROR
    spec = "§7.3.1, §6.1"
    # It points at the server's GET of that url: the client gave the url and answers there, as the callee.
    about = "response"

    def message(self) -> str:
        return "the credentials `url` is not a versions endpoint: GET of it returns version details"

    def hint(self) -> str:
        return "put the versions URL (the list of versions) in the Credentials body, not a version's details URL"


@dataclass
class _Handshake:
    """A POST/PUT answered with success (or 3003) and the server's fetches it calls for."""

    where: Where
    method: str
    # The end of its window (seconds since the epoch); None: no answer time, every fetch counts as inside.
    ended: float | None
    status_code: int
    versions_url: UrlKey
    versions: Where | None = None  # the server's GET of the body's url
    details: Where | None = None  # its GET of a version details URL
    failed: dict[str, Where] = field(default_factory=dict)  # what -> a fetch inside the window that failed
    window_settled: bool = False
    late_reported: bool = False

    @property
    def succeeded(self) -> bool:
        return 1000 <= self.status_code <= 1999

    @property
    def fetched(self) -> bool:
        return self.versions is not None and self.details is not None


def _outcome(observed: Observed) -> Outcome | None:
    response = observed.exchange.response
    if response is None:
        return None
    if response.status == 405:
        return "405"
    return "accepted" if observed.accepted else "failed"


def _answer_data(observed: Observed) -> Any:
    response = observed.exchange.response
    body = response.body if response is not None else msgspec.UNSET
    if isinstance(body, msgspec.UnsetType):
        return None
    try:
        envelope = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
    return envelope.get("data") if isinstance(envelope, dict) else None


def _failed(observed: Observed) -> bool:
    """No answer, an HTTP error, or an OCPI error; a malformed envelope is ENV001's, not a failure here."""
    response = observed.exchange.response
    code = observed.status_code
    return response is None or not 200 <= response.status < 300 or (code is not None and not observed.accepted)


class RegistrationChecker:
    watches: ClassVar[Watched] = None  # every exchange: the handshake's windows close on any traffic

    def __init__(self) -> None:
        self._registered: bool | None = None  # None: unknown (the capture began mid-connection)
        self._changed_at: Where | None = None
        self._open: dict[str, _Handshake] = {}  # direction of the server's fetches -> handshake
        self._modules: dict[str, frozenset[str]] = {}  # direction -> functional modules its callee lists

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        exchange = observed.exchange
        direction = exchange.direction
        if direction not in OTHER:
            return
        if not self._open and observed.module != "credentials":
            if observed.operation == "version_details":
                self._learn_modules(observed, direction)
            return
        started = observed.started_at
        for back, pending in list(self._open.items()):
            if not pending.window_settled and pending.ended is not None and started > pending.ended:
                yield from self._settle_window(back, pending)
            if (pending.window_settled and direction == back and observed.module in FUNCTIONAL_MODULES
                    and back in self._open):
                del self._open[back]  # the server uses the connection: its later GETs of versions are routine
                yield from self._settle(back, pending)
        if observed.operation == "version_details":
            self._learn_modules(observed, direction)
        handshake = self._open.get(direction)
        if handshake is not None and observed.module == "versions" and exchange.request.method == "GET":
            yield from self._fetch(observed, handshake, started)
            if handshake.window_settled and handshake.fetched:
                del self._open[direction]
        if observed.module == "credentials" and exchange.request.method in REGISTRATION_NEEDED:
            yield from self._credentials(observed, direction)

    def _learn_modules(self, observed: Observed, direction: str) -> None:
        endpoints = getattr(observed.data, "endpoints", None) or ()
        self._modules[direction] = frozenset(str(e.identifier).lower() for e in endpoints) & FUNCTIONAL_MODULES

    def _credentials(self, observed: Observed, direction: str) -> Iterator[SeqReport]:
        method = observed.exchange.request.method
        response = observed.exchange.response
        outcome = _outcome(observed)
        if outcome is None or response is None:
            return
        needed = REGISTRATION_NEEDED[method]
        if self._registered is not None and self._registered != needed and outcome != "405":
            why = (note("the registration changed here", self._changed_at),) if self._changed_at else ()
            violation: Violation = (PostWhileRegistered(status=response.status) if method == "POST"
                                    else UpdateWhileUnregistered(method=method, status=response.status))
            yield SeqReport(violation, observed.where, notes=why)
        after = REGISTRATION_AFTER[method, outcome]
        if after is not None and after != self._registered:
            self._registered, self._changed_at = after, observed.where
        sent: Any = observed.request
        if method == "DELETE" or sent is None or observed.status_code is None:
            return
        back = OTHER[direction]
        previous = self._open.pop(back, None)
        if previous is not None:
            yield from self._settle(back, previous)
        if outcome == "accepted" or observed.status_code == NO_MATCHING_ENDPOINTS:
            self._open[back] = _Handshake(
                where=observed.where, method=method, ended=observed.ended_at,
                status_code=observed.status_code, versions_url=url_key(sent.url))

    def _fetch(self, observed: Observed, handshake: _Handshake, started: float) -> Iterator[SeqReport]:
        is_versions = url_key(observed.exchange.request.url) == handshake.versions_url
        if not is_versions and observed.operation != "version_details":
            return
        if is_versions:
            data = _answer_data(observed)
            if isinstance(data, dict) and "endpoints" in data:
                yield SeqReport(VersionsUrlNotVersions(), observed.where,
                                notes=(note("the client gave this url in its credentials", handshake.where),))
                handshake.details = handshake.details or observed.where  # the details came with it: no cascade
        in_window = handshake.ended is None or started <= handshake.ended
        what = "versions" if is_versions else "version details"
        if in_window and _failed(observed):
            handshake.failed.setdefault(what, observed.where)
        elif in_window:
            handshake.failed.pop(what, None)  # a retry that worked
        if is_versions:
            handshake.versions = handshake.versions or observed.where
        else:
            handshake.details = handshake.details or observed.where
        if not in_window and handshake.succeeded and not handshake.late_reported:
            handshake.late_reported = True
            yield SeqReport(
                FetchAfterCredentials(problem="the server fetches the client's endpoints only after answering "
                                              f"the credentials {handshake.method}"),
                observed.where, notes=(note(f"the credentials {handshake.method} was answered here",
                                            handshake.where),), severity=Severity.WARNING.value,
                about="request")  # it points at the server's own GET, made too late: its caller is at fault

    def _settle_window(self, back: str, handshake: _Handshake) -> Iterator[SeqReport]:
        """The POST/PUT is over: was its answer right, given what happened while it was open?"""
        handshake.window_settled = True
        if handshake.succeeded and handshake.failed:
            what, failed = next(iter(handshake.failed.items()))
            yield SeqReport(RegistrationOutcomeMismatch(
                problem=f"the credentials {handshake.method} is answered with success although the server's "
                        f"GET of the client's {what} failed (3001 expected)"),
                handshake.where, notes=(note("this fetch failed", failed),))
        elif handshake.status_code == NO_MATCHING_ENDPOINTS:
            client, server = self._modules.get(back), self._modules.get(OTHER[back])
            if client and server and server <= client:
                yield SeqReport(RegistrationOutcomeMismatch(
                    problem=f"the credentials {handshake.method} is answered 3003 although the client lists "
                            f"every module the server lists ({', '.join(sorted(server))})"), handshake.where)
        if handshake.fetched or not handshake.succeeded:
            self._open.pop(back, None)

    def _settle(self, back: str, handshake: _Handshake) -> Iterator[SeqReport]:
        """The handshake is over for good: another one began, or the capture ended."""
        if not handshake.window_settled:
            yield from self._settle_window(back, handshake)
        missing = [what for what, seen in (("versions", handshake.versions),
                                           ("version details", handshake.details)) if seen is None]
        if missing and handshake.succeeded:
            yield SeqReport(FetchAfterCredentials(
                problem=f"after the credentials {handshake.method} the server never GETs the client's "
                        f"{' and '.join(missing)}"), handshake.where)

    def finish(self) -> Iterator[SeqReport]:
        for back, handshake in list(self._open.items()):
            yield from self._settle(back, handshake)
        self._open.clear()
