"""VER201-VER206: module traffic goes where, and in the version, the callee advertised (§6.2, §7.1.2).

Theory of operation: every version details answer tells, for its
direction's callee, which URL serves which module in which version. A
module request is matched to the longest advertised URL that is a prefix of
its path (paths compared as the route table compares them: duplicate and
trailing slashes ignored). A request under no advertised URL although the
callee advertised that module is VER201; a request to a module the
callee's version details do not list at all is VER204 when the callee
serves it (its details are wrong) and VER205 when it refuses it (the
caller guessed). An advertised endpoint (or a version URL a versions list
named) that answers HTTP 404 where the spec gives 404 no meaning (anything
but an unknown object, a PUT for a party the caller does not hold, an
unknown token's authorize or a charging preferences refusal) is not served
at all: VER206. The last successful credentials POST or PUT selects the
connection's version: the version of the endpoint its URL lies under (or
the version segment of that URL); module traffic under an endpoint of
another version is VER202. Each is said once per direction and module
(VER201, VER204-VER206) or version (VER202). Nothing is checked for a
callee whose version details the capture never showed.

Each versions answer tells which versions its callee speaks. Once both
parties' lists are known (the client reads the server's before it
registers, the server reads the client's while handling the POST), a pair
with no version in common is VER203 at the answer that showed it: the
registration cannot succeed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Final

from ..findings import Where
from ..model.versions import VersionNumber
from ..registry import Severity, Violation
from ..routes import CALLEES as CALLEE, OTHER_DIRECTION as OTHER, UrlKey, url_key
from .sequencing import Observed, SeqReport, Watched, note

VERSIONS: Final = frozenset(version.value for version in VersionNumber)
# Routes whose URL the callee chose freely rather than advertised: a command's response_url, a CDR's Location.
FREE_FORM: Final = frozenset({("commands", "command_result"), ("cdrs", "get")})


class _Advertised:
    """What one callee's version details advertise: URL path -> (module, versions listing it)."""

    FOUND_LIMIT: Final = 20_000  # request URLs remembered; the hot ones (EVSEs, open sessions) come back soon

    def __init__(self) -> None:
        self.urls: dict[UrlKey, tuple[str, frozenset[str]]] = {}
        # request URL -> its path and the advertised URL it lies under; learning empties it
        self._found: dict[str, tuple[UrlKey, tuple[str, frozenset[str]] | None]] = {}

    def learn(self, module: str, url: str, version: str) -> None:
        self._found.clear()
        key = url_key(url)
        known_module, versions = self.urls.get(key, (module, frozenset()))
        self.urls[key] = (module, versions | {version} if known_module == module else frozenset({version}))

    def find(self, url: str) -> tuple[UrlKey, tuple[str, frozenset[str]] | None]:
        """The path of request `url`, and the advertised (module, versions) it lies under, if any."""
        found = self._found.get(url)
        if found is None:
            if len(self._found) >= self.FOUND_LIMIT:
                self._found.clear()
            key = url_key(url)
            found = self._found[url] = (key, self._under(key))
        return found

    def _under(self, key: UrlKey) -> tuple[str, frozenset[str]] | None:
        for end in range(len(key), 0, -1):
            found = self.urls.get(key[:end])
            if found is not None:
                return found
        return None

    def modules(self) -> list[str]:
        return sorted({module for module, _ in self.urls.values()})

    def urls_of(self, module: str) -> list[str]:
        if not self.urls:
            return []
        return sorted("/" + "/".join(key) for key, (known, _) in self.urls.items() if known == module)


class OffAdvertisedEndpoint(Violation, frozen=True, kw_only=True):
    """## What it checks
    A module request goes to a URL under the endpoint the callee advertised
    for that module in its version details (paths compared after ignoring
    duplicate and trailing slashes).

    ## Why it matters
    A platform reachable only by a URL it never advertised works by accident:
    the next deployment moves it, and the caller hard-coded a guess
    (typically a missing or extra version segment).

    ## Example
    The hub advertises tokens at `/ocpi/2.2.1/tokens`; the CPO calls
    `/ocpi/tokens/U1/authorize`.

    ## Expected
    `/ocpi/2.2.1/tokens/U1/authorize`: the advertised URL plus the module's
    own path.
    """

    code = "VER201"
    severity = Severity.WARNING
    spec = "§4.3, §6.2"
    about = "request"
    module_called: str
    callee: str
    advertised: str

    def message(self) -> str:
        return (f"{self.module_called} request is not under the URL the {self.callee} advertised for it "
                f"({self.advertised})")


class ServedModuleNotAdvertised(Violation, frozen=True, kw_only=True):
    """## What it checks
    A party that serves a module (answers a request to it with an OCPI
    answer over HTTP 2xx) lists that module among the endpoints of its
    version details.

    ## Why it matters
    The other party learns which modules exist, and where, only from the
    version details: a module served but not advertised is found by
    guessing, is missing from the registration's check of common modules
    (3003), and cannot be certified.

    ## Example
    The partner's version details list credentials and locations, and the
    hub's PUT of a Token to `/ocpi/2.2.1/tokens/PT/EMS/U1` is answered
    1000.

    ## Expected
    An endpoint for the module in the version details of the party that
    serves it: `{"identifier": "tokens", "role": "RECEIVER", "url":
    "https://.../ocpi/2.2.1/tokens"}`.
    """

    code = "VER204"
    severity = Severity.ERROR
    spec = "§6.2, §7.1.6"
    about = "response"
    module_called: str
    callee: str
    advertised: str

    def message(self) -> str:
        return (f"the {self.callee} serves {self.module_called}, but its version details list no "
                f"{self.module_called} endpoint (they list: {self.advertised})")

    def hint(self) -> str:
        return (f"add a {self.module_called} endpoint, with the interface the {self.callee} implements, "
                f"to the {self.callee}'s version details")


class CalledModuleNotAdvertised(Violation, frozen=True, kw_only=True):
    """## What it checks
    A party calls only modules that the callee's version details list; a
    request to another module, refused by the callee, is reported against
    the caller.

    ## Why it matters
    A module missing from the callee's version details is one the callee
    does not offer (in this version): calling it anyway is a guessed URL,
    and the refusals it gets are noise on a certification day.

    ## Example
    The hub's version details list no tariffs endpoint, and the CPO still
    PUTs Tariffs, answered HTTP 404.

    ## Expected
    Call a module only where the callee's version details give its URL;
    if the callee should offer it, it adds the endpoint to its version
    details.
    """

    code = "VER205"
    severity = Severity.WARNING
    spec = "§6.2"
    about = "request"
    module_called: str
    callee: str
    advertised: str

    def message(self) -> str:
        return (f"{self.module_called} request to the {self.callee}, whose version details list no "
                f"{self.module_called} endpoint (they list: {self.advertised})")

    def hint(self) -> str:
        return (f"call {self.module_called} only at a URL the {self.callee}'s version details give; if the "
                f"{self.callee} should offer it, it adds the endpoint to its version details")


class AdvertisedEndpointNotServed(Violation, frozen=True, kw_only=True):
    """## What it checks
    A URL a party advertised (a module endpoint of its version details, or
    a version URL of its versions list) is served: a request to it is not
    answered HTTP 404, whether with an HTML page or a well-formed OCPI
    answer. The 404s the spec gives a meaning are fine: a GET (or PATCH,
    DELETE) of an object that does not exist, a PUT for a party the caller
    does not hold (its Credentials roles), an authorize of an unknown token
    (2004), charging preferences for an EVSE that cannot take them (2001).

    ## Why it matters
    The other party calls exactly what was advertised; a 404 there means the
    module is not deployed, or the reverse proxy does not route the path,
    and every call to it fails on the certification day.

    ## Example
    The partner advertises `/ocpi/2.2.1/tokens` as its Tokens Receiver, and
    the hub's `GET /ocpi/2.2.1/tokens?offset=0` is answered HTTP 404 with
    `{"status_code": 2000, ...}`.

    ## Expected
    Serve every advertised endpoint at the URL advertised (check the
    deployment and the proxy's routes), or take it out of the version
    details.
    """

    code = "VER206"
    severity = Severity.ERROR
    spec = "§6.1, §6.2, §4.1.2"
    about = "response"
    callee: str
    what: str
    advertised: str
    answer: str
    listed_in: str  # where the callee advertised the URL: its version details, or its versions list

    def message(self) -> str:
        return f"the {self.callee} answers {self.answer} to a {self.what} at the URL it advertised ({self.advertised})"

    def hint(self) -> str:
        return f"serve the URL the {self.callee} advertised, or take it out of its {self.listed_in}"


class OtherVersionThanRegistered(Violation, frozen=True, kw_only=True):
    """## What it checks
    Module traffic uses endpoints of the version the last successful
    credentials POST or PUT selected (the version whose credentials URL it
    was sent to).

    ## Why it matters
    Registering in one version and talking another means bodies are read
    with the wrong object definitions; the switch between versions happens
    only with a PUT of the credentials in the new version.

    ## Example
    The CPO registers at `/ocpi/2.2.1/credentials` and then PUTs Locations
    to the hub's 2.1.1 locations endpoint.

    ## Expected
    PUT credentials at the 2.1.1 credentials URL first, or stay in 2.2.1.
    """

    code = "VER202"
    severity = Severity.WARNING
    spec = "§7.1.2, §7.2.3"
    about = "request"
    used: str
    selected: str

    def message(self) -> str:
        return f"module traffic uses version {self.used}, but the credentials selected version {self.selected}"


class NoCommonVersion(Violation, frozen=True, kw_only=True):
    """## What it checks
    The two parties' versions lists (the answers to each one's GET of the
    other's versions URL) have at least one version in common. Reported at
    the answer that completes the pair, usually the server's GET of the
    client's versions while it handles the credentials POST.

    ## Why it matters
    The registration can only be made in a version both speak; without one
    the server must refuse it (3001 or 3003) and nothing else can be tested
    that day. It is the first blocker of a certification day, and is fixed
    in configuration, before the day.

    ## Example
    The hub lists only 2.2; the CPO's versions answer lists only 2.2.1 (or
    2.1.1).

    ## Expected
    Offer the version the other party speaks (for MOBI.E: 2.2) in the
    versions list that lacks it, with its version details and endpoints.
    """

    code = "VER203"
    severity = Severity.ERROR
    spec = "§6.1, §7.1.1"
    about = "response"
    callee: str
    offers: str
    other: str
    other_offers: str

    def message(self) -> str:
        return (f"no OCPI version in common: the {self.callee}'s versions list offers {self.offers}, the "
                f"{self.other}'s {self.other_offers}; the registration cannot succeed")

    def hint(self) -> str:
        return (f"offer one version both speak: add one of {self.other_offers} to the {self.callee}'s versions list "
                f"(with its version details), or one of {self.offers} to the {self.other}'s")




def _may_be_404(observed: Observed, callers_parties: frozenset[tuple[str, str]]) -> bool:
    """Whether the spec gives HTTP 404 a meaning for this request (so it says nothing about the endpoint)."""
    operation = observed.operation
    if observed.module == "credentials":
        return False  # the endpoint itself: 405 is its refusal
    if operation == "put":  # 404 only for a party the caller does not hold: its own objects must be taken
        key = observed.key
        party = (str(key.country_code).upper(), str(key.party_id).upper()) if key is not None else None
        return party not in callers_parties
    if operation in ("get", "patch", "delete"):
        return True  # an object that does not exist (a PATCH or DELETE of one is the caller's mistake)
    return (operation, observed.status_code) in {("authorize", 2004), ("charging_preferences", 2001)}


def _answer(observed: Observed) -> str:
    code = observed.status_code
    return "HTTP 404" + (f" (OCPI {code})" if code is not None else " (no OCPI answer)")


def _path_version(key: UrlKey) -> str | None:
    return next((segment for segment in reversed(key) if segment in VERSIONS), None)


class VersionsChecker:
    watches: ClassVar[Watched] = None  # every exchange: each URL against the advertised endpoints

    def __init__(self) -> None:
        self._advertised: dict[str, _Advertised] = {"to_hub": _Advertised(), "to_partner": _Advertised()}
        self._selected: tuple[str, Where] | None = None  # the version the credentials selected, and where
        self._said: set[tuple[str, str, str]] = set()  # (code, direction, module or version)
        self._listed: dict[str, set[UrlKey]] = {"to_hub": set(), "to_partner": set()}  # version URLs listed
        # direction -> the (country_code, party_id) its caller declared in its Credentials roles
        self._parties: dict[str, frozenset[tuple[str, str]]] = {}
        self._offered: dict[str, tuple[frozenset[str], Where]] = {}  # direction -> its callee's versions, and where
        # The pairs of lists reported, each list with the direction it answered (either order is one pair).
        self._no_common: set[frozenset[tuple[str, frozenset[str]]]] = set()

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        advertised = self._advertised.get(observed.exchange.direction)
        if advertised is None:
            return
        if observed.operation == "version_details":
            self._learn(advertised, observed)
            yield from self._version_not_served(observed)
            return
        if observed.operation == "versions":
            yield from self._versions(observed)
            return
        if observed.module == "versions" or (observed.module, observed.operation) in FREE_FORM:
            return
        key, found = advertised.find(observed.exchange.request.url)
        if observed.module == "credentials":
            self._learn_parties(observed)
            if observed.operation in ("post", "put") and observed.accepted:
                version = min(found[1]) if found is not None and len(found[1]) == 1 else _path_version(key)
                self._selected = (version, observed.where) if version is not None else None
        if found is None:
            yield from self._off_endpoint(observed, advertised)
            return
        if observed.module != "credentials":
            yield from self._other_version(observed, found[1])
        response = observed.exchange.response
        if response is not None and response.status == 404 and not _may_be_404(
                observed, self._parties.get(observed.exchange.direction, frozenset())):
            yield from self._not_served(observed, f"{observed.module} request ({observed.operation})",
                                        ", ".join(advertised.urls_of(found[0])[:3]), "version details")

    def _learn_parties(self, observed: Observed) -> None:
        direction = observed.exchange.direction
        for caller, credentials in ((direction, observed.request), (OTHER[direction], observed.data)):
            roles = getattr(credentials, "roles", None)
            if roles:
                self._parties[caller] = frozenset((str(r.country_code).upper(), str(r.party_id).upper())
                                                  for r in roles)

    @staticmethod
    def _learn(advertised: _Advertised, observed: Observed) -> None:
        version = getattr(observed.data, "version", None)
        for endpoint in getattr(observed.data, "endpoints", None) or ():
            advertised.learn(str(endpoint.identifier).lower(), endpoint.url, str(version))

    def _not_served(self, observed: Observed, what: str, advertised: str, listed_in: str) -> Iterator[SeqReport]:
        direction = observed.exchange.direction
        said = ("VER206", direction, observed.module)
        if said not in self._said:
            self._said.add(said)
            yield SeqReport(AdvertisedEndpointNotServed(callee=CALLEE[direction], what=what, advertised=advertised,
                                                        answer=_answer(observed), listed_in=listed_in),
                            observed.where)

    def _version_not_served(self, observed: Observed) -> Iterator[SeqReport]:
        response = observed.exchange.response
        if response is None or response.status != 404:
            return
        key = url_key(observed.exchange.request.url)
        if key in self._listed[observed.exchange.direction]:
            yield from self._not_served(observed, "GET of version details", "/" + "/".join(key), "versions list")

    def _versions(self, observed: Observed) -> Iterator[SeqReport]:
        if not observed.data:
            return
        direction = observed.exchange.direction
        self._listed[direction].update(url_key(str(version.url)) for version in observed.data)
        offers = frozenset(str(version.version) for version in observed.data)
        self._offered[direction] = (offers, observed.where)
        other = self._offered.get(OTHER[direction])
        if other is None or offers & other[0]:
            return
        pair = frozenset({(direction, offers), (OTHER[direction], other[0])})
        if pair in self._no_common:
            return
        self._no_common.add(pair)
        yield SeqReport(NoCommonVersion(callee=CALLEE[direction], offers=", ".join(sorted(offers)),
                                        other=CALLEE[OTHER[direction]], other_offers=", ".join(sorted(other[0]))),
                        observed.where, notes=(note(f"the {CALLEE[OTHER[direction]]}'s versions list", other[1]),))

    def _off_endpoint(self, observed: Observed, advertised: _Advertised) -> Iterator[SeqReport]:
        direction = observed.exchange.direction
        said = ("VER201", direction, observed.module)
        if said in self._said:
            return
        urls = advertised.urls_of(observed.module)
        callee = CALLEE[direction]
        if urls:
            self._said.add(said)
            yield SeqReport(OffAdvertisedEndpoint(module_called=observed.module, callee=callee,
                                                  advertised=", ".join(urls[:3])), observed.where)
        elif advertised.urls:
            yield from self._not_advertised(observed, advertised, callee)

    def _not_advertised(self, observed: Observed, advertised: _Advertised, callee: str) -> Iterator[SeqReport]:
        response = observed.exchange.response
        served = response is not None and 200 <= response.status <= 299 and observed.status_code is not None
        rule: type[ServedModuleNotAdvertised | CalledModuleNotAdvertised] = (
            ServedModuleNotAdvertised if served else CalledModuleNotAdvertised)
        said = (rule.code, observed.exchange.direction, observed.module)
        if said not in self._said:
            self._said.add(said)
            yield SeqReport(rule(module_called=observed.module, callee=callee,
                                 advertised=", ".join(advertised.modules())), observed.where)

    def _other_version(self, observed: Observed, versions: frozenset[str]) -> Iterator[SeqReport]:
        if self._selected is None or self._selected[0] in versions:
            return
        used = ", ".join(sorted(versions))
        said = ("VER202", observed.exchange.direction, used)
        if said not in self._said:
            self._said.add(said)
            yield SeqReport(OtherVersionThanRegistered(used=used, selected=self._selected[0]), observed.where,
                            notes=(note("the credentials selected the version here", self._selected[1]),))

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
