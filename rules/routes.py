"""The route table: method + URL + direction -> what the exchange is.

A `Route` names the module, the interface (Sender or Receiver), the
operation, the type keys of the request body and of `data` (as
`model.registry` names them, `[]` meaning a list), whether the answer is
paginated, and the object ids the URL carries. An exchange that fits no
route gets a `NoRoute` with the reason: a finding later, never an exception.

Decision order of `RouteTable.match` (URLs normalised first: lower-case
scheme and host, default port and user info dropped, duplicate and trailing
slashes ignored, query and fragment ignored except `?type=` on token URLs):

1. Learned exact URLs: a `response_url` from a command body (POST there is
   the CommandResult), the `Location` of a CDR POST answer (GET there
   returns that CDR), and the callee's versions URL (where a GET answered a
   versions list) and version URLs (that list's).
2. Learned endpoints of the callee (`to_hub` -> the hub's, `to_partner` ->
   the partner's version details): the longest advertised URL that is a
   prefix of the request by whole path segments gives the module and the
   interfaces advertised there; the remaining segments give the operation
   and the key. A hub may advertise Sender and Receiver at one URL; then
   both are candidates, as in 3.
3. The path alone: the last segment that is a module id (`clientinfo`, the
   spec's own example for the hubclientinfo Receiver, counts too) and the
   segments after it; else a path ending in `versions` (versions) or in a
   version number, or `{version}/details` (version details, the spec's
   example layout); else a versions URL a Credentials body named (below);
   else no route.

A versions URL is free form (`https://cpo.example/ocpi/cpo/` is as good as
`.../versions`): the `url` of a Credentials body names one, learned as a
last resort so that a path that says what it is (a version details URL
given by mistake, CRD212) keeps its own route.

Within a module the interface follows from the segment count and the method
where only one interface has that shape and allows that method (PUT/PATCH
are Receiver, `{session_id}/charging_preferences` and `{uid}/authorize` are
Sender, POST `{cdrs}` is Receiver, ...). Only two cases stay ambiguous: a
3-segment location GET (Sender connector or Receiver location) and POST
`{commands}/{TYPE}` (a command, or a CommandResult sent to a Sender URL
without an id). They are decided by the partner role and the direction (the
table below); with the role unknown, a location path starting with a
2-letter country code and a 3-character party id is the Receiver's, and a
POST `{commands}/{TYPE}` is a command. POST `{commands}/{TYPE}/...` is always
a CommandResult: `response_url` is free form and rarely advertised, even
when it sits under the callee's commands Receiver URL.

The interface the callee implements, by partner role and direction (the hub
stands in for every party on the other side; the data owner is the Sender):

    module                             CPO partner         eMSP partner
                                       to_hub  to_partner  to_hub  to_partner
    locations tariffs sessions cdrs    RECV    SEND        SEND    RECV
    tokens                             SEND    RECV        RECV    SEND
    commands                           SEND    RECV        RECV    SEND
    hubclientinfo (any role)           SEND    RECV        SEND    RECV
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Final, Literal, NamedTuple
from urllib.parse import unquote, unquote_plus

import msgspec

from .model.commands import CommandType
from .recent import Recent, RecentSet
from .model.versions import VersionNumber

SENDER: Final = "SENDER"
RECEIVER: Final = "RECEIVER"
TO_HUB: Final = "to_hub"
TO_PARTNER: Final = "to_partner"
CALLEES: Final = {TO_HUB: "hub", TO_PARTNER: "partner"}  # who answers the requests of a direction
CALLERS: Final = {TO_HUB: "partner", TO_PARTNER: "hub"}  # who makes them
OTHER_DIRECTION: Final = {TO_HUB: TO_PARTNER, TO_PARTNER: TO_HUB}
PARTNER_ROLES: Final = ("CPO", "EMSP")
MODULES: Final = ("credentials", "tokens", "locations", "tariffs", "sessions", "commands", "cdrs", "hubclientinfo")
COMMAND_TYPES: Final = frozenset(command.value for command in CommandType)
VERSION_NUMBERS: Final = frozenset(version.value for version in VersionNumber)
DEFAULT_TOKEN_TYPE: Final = "RFID"

# Learned URLs are compared by path alone: with the recorder in between, the URLs
# peers advertise name the recorder's listeners, while the capture records the
# upstreams the recorder called; the paths are the same. (The direction keeps the
# hub's endpoints apart from the partner's.)
UrlKey = tuple[str, ...]  # the path segments of a normalised URL


class ObjectKey(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The object ids a URL carries (segments percent-decoded)."""

    country_code: str | None = None
    party_id: str | None = None
    id: str | None = None  # location_id / session_id / tariff_id / token uid / cdr id
    evse_uid: str | None = None
    connector_id: str | None = None
    token_type: str | None = None  # from ?type= on token URLs; RFID when absent
    command: str | None = None  # CommandType of a command or CommandResult

    def label(self) -> str:
        """The key as people write it: `PT/CPO/L1/E1/1`, `START_SESSION`."""
        parts = (self.country_code, self.party_id, self.id, self.evse_uid, self.connector_id, self.command)
        return "/".join(part for part in parts if part)


class Route(msgspec.Struct, frozen=True, kw_only=True):
    """What an exchange is."""

    module: str
    interface: str | None  # SENDER, RECEIVER, or None for versions/credentials
    operation: str
    request_type: str | None  # body type key; None when there is no body
    data_type: str | None  # `data` type key on 1xxx; None: unspecified, accept anything
    paginated: bool = False
    key: ObjectKey | None = None
    object: str | None = None  # the key as people write it (`PT/CPO/L1`); set from `key`, not given

    def __post_init__(self) -> None:
        # Routes are built once per URL and read per exchange: the label is made once, here.
        msgspec.structs.force_setattr(self, "object", self.key.label() or None if self.key is not None else None)


class NoRoute(msgspec.Struct, frozen=True):
    """An exchange that fits no route, and why.

    `kind` says which: no endpoint at all (`unknown`), a module's URL with a
    method its interface does not define (`method`, `module` set), or a
    command POST whose type is not a CommandType (`command`).
    """

    reason: str
    kind: Literal["unknown", "method", "command"] = "unknown"
    module: str | None = None


# ---------------------------------------------------------------------------
# URLs


@lru_cache(maxsize=1024)
def _origin(scheme: str, authority: str) -> str:
    scheme = scheme.lower()
    host = authority.rpartition("@")[2].lower()
    name, colon, port = host.rpartition(":")
    if colon and "]" not in port and ((scheme, port) in {("https", "443"), ("http", "80")} or port == ""):
        host = name
    return f"{scheme}://{host}"


@lru_cache(maxsize=4096)  # the route table and several checkers split each exchange's URL
def split_url(url: str) -> tuple[str, tuple[str, ...], str]:
    """`url` as (normalised origin, path segments, query); origin is "" for a bare path."""
    base, _, query = url.partition("#")[0].partition("?")
    scheme, sep, rest = base.partition("://")
    if sep:
        authority, _, path = rest.partition("/")
        origin = _origin(scheme, authority)
    else:
        origin, path = "", base
    return origin, tuple(filter(None, path.split("/"))), query


def url_key(url: str) -> UrlKey:
    """The normalised identity of `url` as the route table compares it: its path."""
    _, segments, _ = split_url(url)
    return segments


def callee_interface(module: str, direction: str, partner_role: str | None) -> str | None:
    """The interface the callee implements for `module` (the module docstring's table), or None if unknown."""
    if module == "hubclientinfo":
        return SENDER if direction == TO_HUB else RECEIVER
    if partner_role is None:
        return None
    callee_is_cpo = (partner_role == "CPO") == (direction == TO_PARTNER)
    if module == "commands":
        return RECEIVER if callee_is_cpo else SENDER
    if module in ("locations", "tariffs", "sessions", "cdrs"):
        return SENDER if callee_is_cpo else RECEIVER
    if module == "tokens":
        return RECEIVER if callee_is_cpo else SENDER
    return None


# ---------------------------------------------------------------------------
# Object keys from the segments after the endpoint


def _seg(segment: str) -> str:
    return unquote(segment) if "%" in segment else segment


def _at(rest: tuple[str, ...], index: int) -> str | None:
    return _seg(rest[index]) if index < len(rest) else None


def _token_type(query: str) -> str:
    if query:
        for pair in query.split("&"):
            name, _, value = pair.partition("=")
            if name == "type":
                return unquote_plus(value)
    return DEFAULT_TOKEN_TYPE


KeyFunction = Callable[[tuple[str, ...], str], ObjectKey | None]


def _no_key(rest: tuple[str, ...], query: str) -> None:
    return None


def _own_location_key(rest: tuple[str, ...], query: str) -> ObjectKey:
    return ObjectKey(id=_at(rest, 0), evse_uid=_at(rest, 1), connector_id=_at(rest, 2))


def _party_key(rest: tuple[str, ...], query: str) -> ObjectKey:
    return ObjectKey(
        country_code=_at(rest, 0),
        party_id=_at(rest, 1),
        id=_at(rest, 2),
        evse_uid=_at(rest, 3),
        connector_id=_at(rest, 4),
    )


def _token_key(rest: tuple[str, ...], query: str) -> ObjectKey:
    return ObjectKey(country_code=_at(rest, 0), party_id=_at(rest, 1), id=_at(rest, 2), token_type=_token_type(query))


def _authorize_key(rest: tuple[str, ...], query: str) -> ObjectKey:
    return ObjectKey(id=_at(rest, 0), token_type=_token_type(query))


def _first_id_key(rest: tuple[str, ...], query: str) -> ObjectKey:
    return ObjectKey(id=_at(rest, 0))


def _looks_like_party(rest: tuple[str, ...]) -> bool:
    """Starts with {country_code}/{party_id}: 2 letters, then 3 letters or digits."""
    return (
        len(rest) >= 2
        and len(rest[0]) == 2
        and rest[0].isascii()
        and rest[0].isalpha()
        and len(rest[1]) == 3
        and rest[1].isascii()
        and rest[1].isalnum()
    )


def _cdr_key(rest: tuple[str, ...], query: str) -> ObjectKey | None:
    # The Location of a stored CDR is free form: read the usual layouts, nothing else.
    if len(rest) == 1:
        return ObjectKey(id=_seg(rest[0]))
    if len(rest) == 3 and _looks_like_party(rest):
        return _party_key(rest, query)
    return None


# ---------------------------------------------------------------------------
# The shapes each interface accepts after its endpoint URL


class _Op(NamedTuple):
    operation: str
    request_type: str | None
    data_type: str | None
    paginated: bool = False


class _Shape(NamedTuple):
    path: str  # the spec's template, for reasons
    size: int  # number of segments after the endpoint; -1: one or more (free form)
    last: str | None  # a fixed last segment (authorize, charging_preferences)
    methods: Mapping[str, _Op]
    key: KeyFunction

    def fits(self, rest: tuple[str, ...]) -> bool:
        if self.size < 0:
            return len(rest) >= 1
        return len(rest) == self.size and (self.last is None or rest[-1] == self.last)


def _list(module: str, data_type: str) -> _Shape:
    return _Shape(f"{{{module}}}", 0, None, {"GET": _Op("list", None, data_type, paginated=True)}, _no_key)


def _party_object(module: str, ids: str, kind: str, methods: str, key: KeyFunction = _party_key) -> _Shape:
    """A Receiver object URL `{module}/{country_code}/{party_id}[/{ids}]`, typed by `kind` (location, evse, ...)."""
    table = {
        "GET": _Op("get", None, kind),
        "PUT": _Op("put", kind, None),
        "PATCH": _Op("patch", f"{kind}_patch", None),
        "DELETE": _Op("delete", None, None),
    }
    path = f"{{{module}}}/{{country_code}}/{{party_id}}" + (f"/{ids}" if ids else "")
    size = 2 + (ids.count("/") + 1 if ids else 0)
    return _Shape(path, size, None, {method: table[method] for method in methods.split()}, key)


_LOCATION_PATHS: Final = (
    ("location", "{location_id}"),
    ("evse", "{location_id}/{evse_uid}"),
    ("connector", "{location_id}/{evse_uid}/{connector_id}"),
)

_SHAPES: Final[dict[tuple[str, str | None], tuple[_Shape, ...]]] = {
    ("credentials", None): (
        _Shape(
            "{credentials}",
            0,
            None,
            {
                "GET": _Op("get", None, "credentials"),
                "POST": _Op("post", "credentials", "credentials"),
                "PUT": _Op("put", "credentials", "credentials"),
                "DELETE": _Op("delete", None, None),
            },
            _no_key,
        ),
    ),
    ("tokens", SENDER): (
        _list("tokens", "token[]"),
        _Shape(
            "{tokens}/{token_uid}/authorize",
            2,
            "authorize",
            {"POST": _Op("authorize", "location_references", "authorization_info")},
            _authorize_key,
        ),
    ),
    ("tokens", RECEIVER): (_party_object("tokens", "{token_uid}", "token", "GET PUT PATCH", _token_key),),
    ("locations", SENDER): (
        _list("locations", "location[]"),
        *(
            _Shape(f"{{locations}}/{path}", depth, None, {"GET": _Op("get", None, kind)}, _own_location_key)
            for depth, (kind, path) in enumerate(_LOCATION_PATHS, start=1)
        ),
    ),
    ("locations", RECEIVER): tuple(
        _party_object("locations", path, kind, "GET PUT PATCH") for kind, path in _LOCATION_PATHS
    ),
    ("tariffs", SENDER): (_list("tariffs", "tariff[]"),),
    ("tariffs", RECEIVER): (_party_object("tariffs", "{tariff_id}", "tariff", "GET PUT DELETE"),),
    ("sessions", SENDER): (
        _list("sessions", "session[]"),
        _Shape(
            "{sessions}/{session_id}/charging_preferences",
            2,
            "charging_preferences",
            {"PUT": _Op("charging_preferences", "charging_preferences", "charging_preferences_response")},
            _first_id_key,
        ),
    ),
    ("sessions", RECEIVER): (_party_object("sessions", "{session_id}", "session", "GET PUT PATCH"),),
    ("cdrs", SENDER): (_list("cdrs", "cdr[]"),),
    ("cdrs", RECEIVER): (
        _Shape("{cdrs}", 0, None, {"POST": _Op("post", "cdr", None)}, _no_key),
        _Shape("{cdrs}/{cdr_id} (the Location of a CDR POST)", -1, None, {"GET": _Op("get", None, "cdr")}, _cdr_key),
    ),
    ("hubclientinfo", SENDER): (_list("hubclientinfo", "client_info[]"),),
    ("hubclientinfo", RECEIVER): (_party_object("hubclientinfo", "", "client_info", "GET PUT"),),
}

_BOTH: Final = (SENDER, RECEIVER)
_NO_INTERFACE: Final[tuple[str | None, ...]] = (None,)
_MODULE_SEGMENTS: Final = {module: module for module in MODULES} | {"clientinfo": "hubclientinfo"}

_VERSIONS: Final = Route(
    module="versions", interface=None, operation="versions", request_type=None, data_type="version[]"
)
_VERSION_DETAILS: Final = Route(
    module="versions", interface=None, operation="version_details", request_type=None, data_type="version_details"
)
_COMMAND_BODIES: Final = {
    "CANCEL_RESERVATION": "cancel_reservation",
    "RESERVE_NOW": "reserve_now",
    "START_SESSION": "start_session",
    "STOP_SESSION": "stop_session",
    "UNLOCK_CONNECTOR": "unlock_connector",
}
assert set(_COMMAND_BODIES) == COMMAND_TYPES


def _command(command: str) -> Route:
    return Route(
        module="commands",
        interface=RECEIVER,
        operation="command",
        request_type=_COMMAND_BODIES[command],
        data_type="command_response",
        key=ObjectKey(command=command),
    )


def _command_result(command: str | None) -> Route:
    return Route(
        module="commands",
        interface=SENDER,
        operation="command_result",
        request_type="command_result",
        data_type=None,
        key=None if command is None else ObjectKey(command=command),
    )


_COMMANDS: Final = {command: _command(command) for command in COMMAND_TYPES}
_COMMAND_RESULTS: Final = {command: _command_result(command) for command in COMMAND_TYPES}
_CDR_AT_LOCATION: Final = Route(module="cdrs", interface=RECEIVER, operation="get", request_type=None, data_type="cdr")


def _route(module: str, interface: str | None, op: _Op, key: ObjectKey | None) -> Route:
    return Route(
        module=module,
        interface=interface,
        operation=op.operation,
        request_type=op.request_type,
        data_type=op.data_type,
        paginated=op.paginated,
        key=key,
    )


def _label(module: str, interface: str | None) -> str:
    return f"{module} {interface}" if interface else module


def _not_allowed(method: str, module: str, interface: str | None, path: str, allowed: Iterable[str]) -> NoRoute:
    return NoRoute(
        f"{method} is not allowed on {_label(module, interface)} {path} (allowed: {', '.join(allowed)})",
        "method",
        module,
    )


def _only_get(method: str, route: Route, path: str) -> Route | NoRoute:
    return route if method == "GET" else _not_allowed(method, route.module, route.interface, path, ("GET",))


class _Endpoint(NamedTuple):
    module: str
    interfaces: tuple[str, ...]  # in the order SENDER, RECEIVER


# ---------------------------------------------------------------------------


class RouteTable:
    """Routes exchanges of one capture; learns URLs from the traffic as it goes.

    Not thread-safe; one table per capture, fed in time order.
    """

    def __init__(self, partner_role: str | None = None) -> None:
        if partner_role is not None and partner_role.upper() not in PARTNER_ROLES:
            raise ValueError(f"partner role must be one of {', '.join(PARTNER_ROLES)} or None, not {partner_role!r}")
        self.partner_role = None if partner_role is None else partner_role.upper()
        self._versions: dict[str, dict[UrlKey, Route]] = {callee: {} for callee in CALLEES.values()}
        self._endpoints: dict[str, dict[UrlKey, _Endpoint]] = {callee: {} for callee in CALLEES.values()}
        self._named_versions: dict[str, set[UrlKey]] = {callee: set() for callee in CALLEES.values()}
        # What each callee advertised, as given: the origins of its URLs, and its endpoint URL per
        # (module, interface) (the last one given).
        self._origins: dict[str, set[str]] = {callee: set() for callee in CALLEES.values()}
        self._advertised: dict[str, dict[tuple[str, str], str]] = {callee: {} for callee in CALLEES.values()}
        self._response_urls: Recent[UrlKey, str] = Recent()
        self._cdr_locations: RecentSet[UrlKey] = RecentSet()
        # (method, url, direction) -> the callee, the URL's path, and its route by advertised endpoints or
        # path shape. Learned endpoints change those routes: learning them empties it. (The URLs learned
        # exactly, versions, response_urls and CDR locations, are looked up afresh on every match.)
        self._matched: dict[tuple[str, str, str], tuple[str, UrlKey, Route | NoRoute]] = {}

    # -- learning ------------------------------------------------------------

    def learn_versions(self, callee: str, versions_url: str, versions: list[tuple[str, str]]) -> None:
        """The callee's versions URL and the (version, url) pairs its GET versions answered."""
        table = self._versions[_check_callee(callee)]
        table[url_key(versions_url)] = _VERSIONS
        for _version, url in versions:
            table[url_key(url)] = _VERSION_DETAILS
            self._advertise(callee, url)

    def learn_versions_url(self, callee: str, versions_url: str) -> None:
        """A versions URL of the callee named in a Credentials body (`url`): a GET there that fits no other
        route is a GET of its versions."""
        self._named_versions[_check_callee(callee)].add(url_key(versions_url))

    def learn_endpoints(self, callee: str, endpoints: list[tuple[str, str, str]]) -> None:
        """(identifier, role, url) from a version details answer of the callee; adds to what is known."""
        table = self._endpoints[_check_callee(callee)]
        self._matched.clear()
        for identifier, role, url in endpoints:
            interface = role.upper()
            if interface not in _BOTH:
                continue  # not routable; VER003 reports it
            module = identifier.lower()
            self._advertise(callee, url)
            self._advertised[callee][(module, interface)] = url
            key = url_key(url)
            known = table.get(key)
            interfaces = {interface}
            if known is not None and known.module == module:
                interfaces.update(known.interfaces)
            table[key] = _Endpoint(module, tuple(i for i in _BOTH if i in interfaces))

    def learn_response_url(self, response_url: str, command: str) -> None:
        """A command body's `response_url`: a later POST there is the CommandResult."""
        self._response_urls[url_key(response_url)] = command

    def learn_cdr_location(self, url: str) -> None:
        """The `Location` header of a CDR POST answer: a later GET there returns that CDR."""
        self._cdr_locations.add(url_key(url))

    def _advertise(self, callee: str, url: str) -> None:
        origin = split_url(url)[0]
        if origin:
            self._origins[callee].add(origin)

    # -- what was advertised ---------------------------------------------------

    def origins(self, callee: str) -> set[str]:
        """The origins (`https://host`) of the URLs the callee advertised: where it may say it lives,
        behind a recording proxy too (the capture's request URLs are the upstream's)."""
        return self._origins[_check_callee(callee)]

    def advertised(self, callee: str, module: str, interface: str) -> str | None:
        """The endpoint URL the callee advertised for `module` and `interface` (SENDER, RECEIVER), if any."""
        return self._advertised[_check_callee(callee)].get((module, interface))

    # -- matching ------------------------------------------------------------

    MATCHED_LIMIT: Final = 20_000  # URLs remembered; a capture's hot ones (EVSEs, open sessions) come back soon

    def match(self, method: str, url: str, direction: str) -> Route | NoRoute:
        """What the exchange `method url` in `direction` (to_hub / to_partner) is."""
        memo = (method, url, direction)
        matched = self._matched.get(memo)
        if matched is None:
            if len(self._matched) >= self.MATCHED_LIMIT:
                self._matched.clear()
            matched = self._matched[memo] = self._match_unlearned(method, url, direction)
        callee, key, route = matched
        learned = self._match_exact(method.upper(), key, callee)
        if learned is not None:
            return learned
        if isinstance(route, NoRoute) and route.kind == "unknown" and key in self._named_versions[callee]:
            return _only_get(method.upper(), _VERSIONS, "{versions_url}")
        return route

    def _match_unlearned(self, method: str, url: str, direction: str) -> tuple[str, UrlKey, Route | NoRoute]:
        """The callee, the URL's path, and its route by advertised endpoints, else by path shape."""
        callee = CALLEES.get(direction)
        if callee is None:
            raise ValueError(f"direction must be one of {', '.join(CALLEES)}, not {direction!r}")
        method = method.upper()
        _, key, query = split_url(url)
        table = self._endpoints[callee]
        if table:  # nothing advertised yet: no prefix to try
            for end in range(len(key), 0, -1):
                endpoint = table.get(key[:end])
                if endpoint is not None:
                    return callee, key, self._resolve(
                        endpoint.module, endpoint.interfaces, method, key[end:], query, direction)
        return callee, key, self._match_path(method, key, query, direction)

    def _match_exact(self, method: str, key: UrlKey, callee: str) -> Route | NoRoute | None:
        command = self._response_urls.get(key)
        if command is not None:
            if method != "POST":
                return _not_allowed(method, "commands", SENDER, "{response_url}", ("POST",))
            return _COMMAND_RESULTS.get(command) or _command_result(command)
        if key in self._cdr_locations:
            return _only_get(method, _CDR_AT_LOCATION, "{cdr_location}")
        route = self._versions[callee].get(key)
        if route is not None:
            return _only_get(method, route, "{versions_url}" if route is _VERSIONS else "{version_url}")
        return None

    def _match_path(self, method: str, segments: tuple[str, ...], query: str, direction: str) -> Route | NoRoute:
        for index in range(len(segments) - 1, -1, -1):
            module = _MODULE_SEGMENTS.get(segments[index])
            if module is not None:
                return self._resolve(module, _BOTH, method, segments[index + 1 :], query, direction)
        if segments:
            last = segments[-1]
            if last == "versions":
                return _only_get(method, _VERSIONS, "{versions_url}")
            if last in VERSION_NUMBERS or (last == "details" and len(segments) > 1 and segments[-2] in VERSION_NUMBERS):
                return _only_get(method, _VERSION_DETAILS, "{version_url}")
        return NoRoute(f"no OCPI module in path /{'/'.join(segments)}")

    def _resolve(
        self, module: str, interfaces: tuple[str, ...], method: str, rest: tuple[str, ...], query: str, direction: str
    ) -> Route | NoRoute:
        """The route within `module` for the segments after its endpoint, among `interfaces`."""
        if module == "commands":
            return self._command_route(interfaces, method, rest, direction)
        candidates = _NO_INTERFACE if module == "credentials" else interfaces
        if (module, candidates[0]) not in _SHAPES:
            return NoRoute(f"module {module!r} is not one ocpi-tap routes")
        routes: list[Route] = []
        refusals: list[NoRoute] = []
        for interface in candidates:
            for shape in _SHAPES[module, interface]:
                if shape.fits(rest):
                    break
            else:
                continue
            op = shape.methods.get(method)
            if op is None:
                refusals.append(_not_allowed(method, module, interface, shape.path, shape.methods))
            else:
                routes.append(_route(module, interface, op, shape.key(rest, query)))
        if len(routes) == 1:
            return routes[0]
        if routes:
            return self._choose(routes, rest, direction)
        if refusals:
            if len(refusals) == 1:
                return refusals[0]
            return NoRoute("; ".join(refusal.reason for refusal in refusals), "method", module)
        return _no_shape(module, candidates, rest)

    def _choose(self, routes: list[Route], rest: tuple[str, ...], direction: str) -> Route:
        """Sender or Receiver where both fit (a 3-segment location GET): by role, else by URL shape."""
        preferred = callee_interface(routes[0].module, direction, self.partner_role)
        if preferred is None:
            preferred = RECEIVER if _looks_like_party(rest) else SENDER
        return next((route for route in routes if route.interface == preferred), routes[0])

    def _command_route(
        self, interfaces: tuple[str, ...], method: str, rest: tuple[str, ...], direction: str
    ) -> Route | NoRoute:
        if method != "POST":
            return _not_allowed(method, "commands", " and ".join(interfaces), "{commands}", ("POST",))
        sender_only = interfaces == (SENDER,)
        if not rest or rest[0] not in COMMAND_TYPES:
            if sender_only:
                return _command_result(None)  # under an advertised Sender URL the layout is free
            if not rest:
                return NoRoute("POST {commands} without a command type; expected {commands}/{command}", "command", "commands")
            return NoRoute(
                f"unknown command type {rest[0]!r}; expected one of: {', '.join(sorted(COMMAND_TYPES))}",
                "command",
                "commands",
            )
        command = rest[0]
        if len(rest) > 1 or sender_only:
            return _COMMAND_RESULTS[command]
        if SENDER in interfaces and callee_interface("commands", direction, self.partner_role) == SENDER:
            return _COMMAND_RESULTS[command]
        return _COMMANDS[command]


def _no_shape(module: str, interfaces: tuple[str | None, ...], rest: tuple[str, ...]) -> NoRoute:
    expected = "; ".join(
        f"{_label(module, interface)}: {', '.join(shape.path for shape in _SHAPES[module, interface])}"
        for interface in interfaces
    )
    return NoRoute(f"no {module} route takes the path {{{module}}}/{'/'.join(rest)} (expected {expected})")


def _check_callee(callee: str) -> str:
    if callee not in CALLEES.values():
        raise ValueError(f"callee must be 'hub' or 'partner', not {callee!r}")
    return callee


__all__ = [
    "CALLEES",
    "COMMAND_TYPES",
    "MODULES",
    "RECEIVER",
    "SENDER",
    "TO_HUB",
    "TO_PARTNER",
    "NoRoute",
    "ObjectKey",
    "Route",
    "RouteTable",
    "callee_interface",
    "split_url",
    "url_key",
]
