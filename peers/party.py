"""One OCPI platform of the mock day: an aiohttp server for its own endpoints, a client for the other's.

Both sides speak correct OCPI by default: Base64 `Token` authorization,
fresh X-Request-ID and X-Correlation-ID echoed in answers, OCPI-from/to
routing headers on functional modules (swapped in answers), envelopes with
`timestamp`, paginated lists with X-Total-Count, X-Limit and a next Link.
Faults (`faults.py`) bend exactly one of these behaviours each.
"""

from __future__ import annotations

import base64
import secrets
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import msgspec
from aiohttp import web

from ocpi_tap.rules import model as m

from .faults import Faults
from .objects import now, wire

CONFIGURATION_MODULES = frozenset({"versions", "credentials"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class OcpiCallError(Exception):
    """A call the day expected to succeed did not; says which and what came back."""


class BadRequest(Exception):
    """A request this party refuses with an OCPI answer (raised by a handler, answered by the middleware)."""

    def __init__(self, message: str, *, status_code: int = 2001, http: int = 200) -> None:
        super().__init__(message)
        self.message, self.status_code, self.http = message, status_code, http


@dataclass
class Answer:
    """What the other side answered."""

    status: int
    body: Any
    headers: dict[str, str]

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    @property
    def status_code(self) -> int | None:
        return self.body.get("status_code") if isinstance(self.body, dict) else None


def made_up_token() -> str:
    return f"mock-{secrets.token_hex(12)}"


def encode_token(token: str) -> str:
    return base64.b64encode(token.encode()).decode()


@dataclass
class Party:
    """One side: its identity, the tokens it accepts, and what it knows of the other side."""

    name: str
    role: str  # the OCPI role it plays in the day: CPO or EMSP; the hub's credentials say HUB
    party: tuple[str, str]
    version: str
    faults: Faults
    credentials_role: str = ""
    is_partner: bool = False  # the side being certified; partner-only faults bend only its behaviour
    public_base: str = ""  # this party's root as the other side reaches it (through the proxy)
    accepted_tokens: set[str] = field(default_factory=set)
    peer_token: str | None = None  # what this party sends to call the other side
    peer_party: tuple[str, str] | None = None
    peer_endpoints: dict[str, str] = field(default_factory=dict)  # module -> URL the other side advertised
    store: dict[str, dict[tuple[str, ...], Any]] = field(default_factory=dict)
    session: aiohttp.ClientSession | None = None
    # The standalone hub, which real backends call: bodies are checked against the model (2001 when they do
    # not fit), and a handler that crashes is reported here (a traceback) and answered 3000; without it, the
    # crash propagates as in the mock day, where the peers are this project's own.
    check_bodies: bool = False
    bug_report: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        self.credentials_role = self.credentials_role or self.role
        self.app = web.Application(middlewares=[self._middleware])
        self.route("GET", "/ocpi/versions", self._versions)
        self.route("GET", f"/ocpi/{self.version}", self._details)

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Serve `path` with and without a trailing slash (real backends write URLs both ways)."""
        self.app.router.add_route(method, path, handler)
        if not path.endswith(("/", ".*}")):
            self.app.router.add_route(method, path + "/", handler)

    # --- identity and advertised endpoints

    @property
    def versions_url(self) -> str:
        return f"{self.public_base}/ocpi/versions"

    def url(self, module: str) -> str:
        return f"{self.public_base}/ocpi/{self.version}/{module}"

    def endpoints(self) -> list[tuple[str, str]]:
        """(module, interface role) pairs this party implements; subclasses add theirs."""
        return [("credentials", "SENDER")]

    # --- server side

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        module = _module_of(request.path)
        header = request.headers.get("Authorization", "")
        token = _token_of(header)
        allowed = self.accepted_tokens | (self.registration_tokens() if module in CONFIGURATION_MODULES else set())
        if token not in allowed:
            return self.envelope(request, None, status_code=2000, http=401, message="unknown token")
        try:
            return await handler(request)
        except web.HTTPException as error:  # no such endpoint or method: still an OCPI answer
            return self.envelope(request, None, status_code=2000, http=error.status, message=error.reason)
        except BadRequest as error:
            return self.envelope(request, None, status_code=error.status_code, http=error.http, message=error.message)
        except Exception:
            if self.bug_report is None:
                raise
            self.bug_report(f"bug: {self.name} crashed answering {request.method} {request.path_qs}; "
                            f"please report it with this traceback:\n{traceback.format_exc()}")
            return self.envelope(request, None, status_code=3000, http=500,
                                 message="the mock crashed answering this request (a bug of ocpi-tap)")

    async def body(self, request: web.Request, key: str | None = None) -> Any:
        """The JSON body of a request; `BadRequest` (2001) when it is not JSON, or, when bodies are
        checked, not an object or not the model's `key` type (a required field missing, for one)."""
        raw = await request.read()
        try:
            parsed = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            raise BadRequest("the body is not JSON", http=400) from None
        if self.check_bodies:
            if not isinstance(parsed, dict):
                raise BadRequest("the body is not a JSON object")
            if key is not None:
                try:
                    m.decoder_for(key, self.version).decode(raw)
                except msgspec.ValidationError as error:
                    raise BadRequest(f"the body is not a valid {key.replace('_', ' ')}: {error}") from None
        return parsed

    def caller_party(self, request: web.Request) -> tuple[str, str] | None:
        """The party the request's token was issued to (the registered other side), if it is known."""
        token = _token_of(request.headers.get("Authorization", ""))
        return self.peer_party if token in self.accepted_tokens else None

    def registration_tokens(self) -> set[str]:
        """Tokens that open only versions and credentials (token A); the hub has one."""
        return set()

    def envelope(self, request: web.Request, data: Any, *, status_code: int = 1000, http: int = 200,
                 message: str | None = None, headers: dict[str, str] | None = None) -> web.Response:
        body: dict[str, Any] = {"status_code": status_code, "timestamp": now()}
        if self.is_partner and self.faults.on("missing-envelope-timestamp"):
            del body["timestamp"]
        if data is not None:
            body["data"] = data
        if message is not None:
            body["status_message"] = message
        answer_headers = {"Content-Type": "application/json"}
        echoed = ("X-Correlation-ID",) if self.is_partner and self.faults.on("request-id-not-echoed") else (
            "X-Request-ID", "X-Correlation-ID")
        for name in echoed:
            if name in request.headers:
                answer_headers[name] = request.headers[name]
        if _module_of(request.path) not in CONFIGURATION_MODULES:
            for side, other in (("from", "to"), ("to", "from")):
                for part in ("country-code", "party-id"):
                    value = request.headers.get(f"OCPI-{other}-{part}")
                    if value is not None:
                        answer_headers[f"OCPI-{side}-{part}"] = value
            if "OCPI-to-country-code" not in request.headers:  # open routing: answer as ourselves
                answer_headers["OCPI-from-country-code"], answer_headers["OCPI-from-party-id"] = self.party
            caller = self.caller_party(request)
            if "OCPI-from-country-code" not in request.headers and caller is not None:  # to whom the token names
                answer_headers["OCPI-to-country-code"], answer_headers["OCPI-to-party-id"] = caller
        answer_headers.update(headers or {})
        return web.Response(status=http, body=msgspec.json.encode(body), headers=answer_headers)

    async def _versions(self, request: web.Request) -> web.Response:
        version = {"version": self.version, "url": f"{self.public_base}/ocpi/{self.version}"}
        if self.is_partner and self.faults.on("versions-as-object"):
            return self.envelope(request, version)
        return self.envelope(request, [version])

    async def _details(self, request: web.Request) -> web.Response:
        endpoints = [{"identifier": module, "role": role, "url": self.url(module)} for module, role in self.endpoints()]
        return self.envelope(request, {"version": self.version, "endpoints": endpoints})

    def page(self, request: web.Request, items: list[Any], base_url: str) -> web.Response:
        """A paginated list answer (offset/limit), with X-Total-Count, X-Limit and the next Link."""
        limit = min(_count(request, "limit", 2), 2) or 2
        offset = _count(request, "offset", 0)
        chunk = items[offset:offset + limit]
        headers = {"X-Total-Count": str(len(items)), "X-Limit": "2"}
        if offset + len(chunk) < len(items):
            headers["Link"] = f'<{base_url}?offset={offset + limit}&limit={limit}>; rel="next"'
        return self.envelope(request, [wire(item) for item in chunk], headers=headers)

    # --- client side

    async def call(self, method: str, url: str, body: Any = None, *, module: str, token: str | None = None,
                   expect: int | None = 1000) -> Answer:
        """Call the other side; `expect` is the status_code the day needs (None: anything)."""
        assert self.session is not None, "the party is not started"
        secret = token or self.peer_token or ""
        unencoded = self.is_partner and self.faults.on("raw-token-header")
        headers = {
            "Authorization": f"Token {secret if unencoded else encode_token(secret)}",
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": str(uuid.uuid4()),
        }
        routed = not (self.is_partner and self.faults.on("routing-headers-missing"))
        if module not in CONFIGURATION_MODULES and self.peer_party is not None and routed:
            headers.update({"OCPI-from-country-code": self.party[0], "OCPI-from-party-id": self.party[1],
                            "OCPI-to-country-code": self.peer_party[0], "OCPI-to-party-id": self.peer_party[1]})
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = msgspec.json.encode(wire(body))
        async with self.session.request(method, url, data=data, headers=headers) as response:
            raw = await response.read()
            try:
                parsed = msgspec.json.decode(raw) if raw else None
            except msgspec.DecodeError:
                parsed = raw.decode("utf-8", "replace")
            answer = Answer(response.status, parsed, dict(response.headers))
        if expect is not None and answer.status_code != expect:
            raise OcpiCallError(f"{self.name}: {method} {url} answered HTTP {answer.status} {answer.body!r}")
        return answer

    async def pull_all(self, url: str, module: str) -> list[Any]:
        """Every page of a list, following the next Link."""
        items: list[Any] = []
        next_url: str | None = f"{url}?offset=0&limit=2"
        while next_url is not None:
            answer = await self.call("GET", next_url, module=module)
            items += answer.data or []
            link = answer.headers.get("Link")
            next_url = link[link.index("<") + 1:link.index(">")] if link else None
        return items


def _count(request: web.Request, name: str, default: int) -> int:
    """A non-negative integer query parameter; `BadRequest` (2001) for anything else."""
    value = request.query.get(name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit():
        raise BadRequest(f"{name} must be a non-negative integer, not {value!r}")
    return int(value)


def _module_of(path: str) -> str:
    parts = [part for part in path.split("/") if part]
    if parts[-1:] == ["versions"]:
        return "versions"
    return parts[2] if len(parts) > 2 else "versions"


def _token_of(header: str) -> str:
    """The token of an Authorization header; a raw (not Base64) one is accepted too, as hubs do."""
    if not header.startswith("Token "):
        return ""
    value = header[6:]
    try:
        return base64.b64decode(value, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return value
