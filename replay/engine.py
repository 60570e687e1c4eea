"""The engine: exchanges in, findings out. One engine, two drivers.

The replayer feeds it from capture files; the recorder will feed it live.
Per exchange: decode the response envelope once, run the transport rules,
route the exchange, decode its bodies into their types, report what does
not fit, and learn from what does (advertised endpoints, command
`response_url`s, CDR locations) so later exchanges route better.

Exchanges come in request start order (the replay's `TimeOrder`). Each
routed exchange goes, as an `Observed`, to the observers (readiness,
stories) and to the sequencing checkers of `rules.checks.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import msgspec
from msgspec import UNSET

from ocpi_tap.rules.checks.bodies import Bodies, decode_bodies
from ocpi_tap.rules.checks.capture import CheckerFailed
from ocpi_tap.rules.checks.cdrs import misplaced_cdr_location
from ocpi_tap.rules.checks.identity import check_ids
from ocpi_tap.rules.checks.pagination import PaginationChecker
from ocpi_tap.rules.checks.redirects import REDIRECT_STATUSES, Redirects
from ocpi_tap.rules.checks.routing_headers import check_routing_headers
from ocpi_tap.rules.checks.pipeline import sequencers
from ocpi_tap.rules.checks.sequencing import Checker, Observed
from ocpi_tap.rules.checks.routing import METHOD_NOT_ALLOWED, UnknownCommandType, UnknownEndpoint
from ocpi_tap.rules.checks.transport import TransportChecker, response_envelope, usable_envelope
from ocpi_tap.rules.decoding import ShapeError, loose_strings
from ocpi_tap.rules.exchange import ExchangeView
from ocpi_tap.rules.findings import Note, Where
from ocpi_tap.rules.model import RawEnvelope
from ocpi_tap.rules.profiles import Profile
from ocpi_tap.rules.registry import Violation
from ocpi_tap.rules.routes import CALLEES, CALLERS, RECEIVER, NoRoute, Route, RouteTable



class Report(Protocol):
    def __call__(self, violation: Violation, where: Where, path: str | None = None,
                 notes: Sequence[Note] = (), severity: str | None = None, about: str | None = None) -> None: ...


def _unrouted(miss: NoRoute) -> Violation:
    if miss.kind == "command":
        return UnknownCommandType(reason=miss.reason)
    if miss.kind == "method" and miss.module in METHOD_NOT_ALLOWED:
        return METHOD_NOT_ALLOWED[miss.module](reason=miss.reason)
    return UnknownEndpoint(reason=miss.reason)


def _body_message(violation: Violation, path: str | None) -> str | None:
    """The message a finding about an object's body is about: `$.data...` is the answer's, anything else
    the request body's (a POST of credentials or commands has objects in both)."""
    if violation.judges() != "object":
        return None
    return "response" if path is not None and path.startswith("$.data") else "request"


def _lists_versions(envelope: object) -> bool:
    """A successful answer whose `data` is a non-empty list of {version, url}: what a versions URL returns."""
    if not isinstance(envelope, RawEnvelope) or not 1000 <= envelope.status_code <= 1999:
        return False
    if isinstance(envelope.data, msgspec.UnsetType):
        return False
    try:
        data = msgspec.json.decode(envelope.data)
    except msgspec.DecodeError:
        return False
    return (isinstance(data, list) and bool(data)
            and all(isinstance(item, dict) and "version" in item and "url" in item for item in data))


class Engine:
    def __init__(self, profile: Profile, report: Report, partner_role: str | None = None,
                 observers: Sequence[Callable[[Observed], None]] = ()) -> None:
        """`observers` see every routed exchange as the checkers do (the readiness report's scenarios)."""
        self._report = report
        self._observers = tuple(observers)
        self._transport = TransportChecker(profile)
        self._pagination = PaginationChecker(profile)
        self._redirects = Redirects()
        self._profile = profile
        self._sequencers: list[Checker] = sequencers(profile)
        self._watching: dict[str, tuple[Checker, ...]] = {}  # module -> the checkers it is fed to, in order
        self._routes = RouteTable(partner_role)

    def feed(self, exchange: ExchangeView, line: int, started_at: float, ended_at: float | None) -> None:
        """The exchange on capture line `line`; `started_at`, `ended_at`: its times in seconds since the
        epoch (as time order read them)."""
        route = self._routes.match(exchange.request.method, exchange.request.url, exchange.direction)
        envelope = response_envelope(exchange)
        if (isinstance(route, NoRoute) and route.kind == "unknown" and exchange.request.method.upper() == "GET"
                and _lists_versions(envelope)):
            # A versions URL is free form: one that fits no route is known by its answer (the client's
            # first GET, with token A, is usually of the versions URL handed over with that token).
            self._routes.learn_versions(CALLEES[exchange.direction], exchange.request.url, [])
            route = self._routes.match(exchange.request.method, exchange.request.url, exchange.direction)
        where = Where(line=line, seq=exchange.seq, direction=exchange.direction, module=route.module,
                      object=route.object if isinstance(route, Route) else None, method=exchange.request.method)
        response = exchange.response
        if response is not None and response.status in REDIRECT_STATUSES:
            redirect, redirects = self._redirects.check(exchange, route.module)
            if redirect:  # not an answer: the request repeated at its Location is judged instead
                if redirects is not None:
                    self._report(redirects, where)
                return
        usable, tolerated = envelope, None
        if isinstance(envelope, ShapeError):  # a malformed envelope is reported, what is left of it still judged
            usable, tolerated = usable_envelope(exchange, envelope)
        for violation, path, severity in self._transport.check(exchange, envelope, ended_at, usable, tolerated):
            self._report(violation, where, path, severity=severity)
        envelope = usable
        if isinstance(route, NoRoute):
            self._report(_unrouted(route), where, None)
            return
        bodies = decode_bodies(exchange, route, envelope, self._profile)
        for violation, path, severity in bodies.reports:
            self._report(violation, where, path, severity=severity, about=_body_message(violation, path))
        for violation, path in check_ids(route.request_type, route.key, bodies.request):
            self._report(violation, where, path)
        for violation, path in check_routing_headers(exchange, route.module):
            self._report(violation, where, path)
        if route.paginated:
            origins = self._routes.origins(CALLEES[exchange.direction])
            for violation, path in self._pagination.check(exchange, bodies.data, bodies.sent, bodies.positions,
                                                          origins):
                self._report(violation, where, path)
        self._learn(exchange, route, bodies, where)
        observed = Observed(
            exchange=exchange, where=where, module=route.module, operation=route.operation, key=route.key,
            request=bodies.request, data=bodies.data,
            status_code=envelope.status_code if isinstance(envelope, RawEnvelope) else None,
            started_at=started_at, ended_at=ended_at,
            dropped=bodies.sent - len(bodies.data) if bodies.sent is not None else 0,
        )
        for observer in self._observers:
            observer(observed)
        checkers = self._watching.get(route.module)
        if checkers is None:
            checkers = self._watching[route.module] = tuple(
                checker for checker in self._sequencers if checker.watches is None or route.module in checker.watches)
        for checker in checkers:
            try:
                for report in checker.feed(observed):
                    self._report(report.violation, report.where, report.path, report.notes, report.severity,
                                 report.about)
            except Exception as error:  # a bug in one checker must not end the replay of the others
                self._sequencers.remove(checker)
                self._watching.clear()
                self._report(CheckerFailed(checker=type(checker).__name__, error=f"{type(error).__name__}: {error}"),
                             where)

    def _learn(self, exchange: ExchangeView, route: Route, bodies: Bodies, where: Where) -> None:
        callee = CALLEES[exchange.direction]
        data: Any = bodies.data
        if route.operation == "versions" and data is not None:
            self._routes.learn_versions(callee, exchange.request.url, [(str(v.version), v.url) for v in data])
        elif route.module == "credentials":
            # The `url` of Credentials is its sender's versions URL: the request's is the caller's, the answer's
            # the callee's.
            sent: Any = bodies.request
            if sent is not None:
                self._routes.learn_versions_url(CALLERS[exchange.direction], sent.url)
            if data is not None:
                self._routes.learn_versions_url(callee, data.url)
        elif route.operation == "version_details" and data is not None:
            self._routes.learn_endpoints(callee, [(e.identifier, str(e.role), e.url) for e in data.endpoints])
        elif route.operation == "command" and route.key and route.key.command:
            if bodies.request is not None:
                response_url = getattr(bodies.request, "response_url", None)
            elif exchange.request.body is not UNSET:  # a malformed command still names where its result goes
                response_url = loose_strings(exchange.request.body, "response_url").get("response_url")
            else:
                response_url = None
            if response_url:
                self._routes.learn_response_url(response_url, route.key.command)
        elif route.module == "cdrs" and route.operation == "post" and exchange.response is not None:
            location = exchange.response.header("Location")
            if location:  # learned as a route only when it is a URL under the receiver's CDRs endpoint
                misplaced = misplaced_cdr_location(location, exchange.request.url,
                                                   self._routes.advertised(callee, "cdrs", RECEIVER),
                                                   self._routes.origins(callee))
                if misplaced is None:
                    self._routes.learn_cdr_location(location)
                else:
                    self._report(misplaced[0], where, None, severity=misplaced[1])

    def finish(self) -> None:
        """Reports what never happened (sessions left open, CDRs never sent, ...)."""
        for checker in self._sequencers:
            for report in checker.finish():
                self._report(report.violation, report.where, report.path, report.notes, report.severity,
                             report.about)
