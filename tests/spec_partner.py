"""A partner backend written for the tests from the OCPI 2.2.1 text, not from `peers/`.

It makes the choices `peers/` does not, as third-party platforms do: it
lists several versions (2.1.1 first, then 2.2.1) under its own path
prefix, writes its endpoint URLs with a trailing slash, omits every
optional field, answers list pages of one object, implements only the
server side of the credentials handshake (it never calls anyone's
credentials endpoint itself), and takes its time over CommandResults
(`command_delay`). It runs on a free loopback port in a thread of its own,
and keeps each request it received (method, path, headers).

What it serves, by role (§ numbers of the 2.2.1 text):
- CPO: Locations, Tariffs, Sessions, CDRs as Sender (GET lists, a Location by id), Tokens as Receiver
  (GET, PUT, PATCH), Commands as Receiver (a CommandResponse at once, the CommandResult `command_delay`
  seconds later, POSTed to the `response_url`).
- eMSP: Locations, Tariffs, Sessions as Receiver (GET, PUT, PATCH; DELETE for tariffs), CDRs as Receiver
  (POST, GET), Tokens as Sender (GET list, POST authorize), Commands as Sender (the CommandResult receiver).
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from upstreams import free_port

STAMP = "2026-11-23T09:00:00Z"
FUNCTIONAL = ("locations", "tariffs", "sessions", "cdrs", "tokens", "commands")


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class SpecPartner:
    """`role` is "CPO" or "EMSP"; `versions` what its versions endpoint lists, in that order."""

    role: str
    party: tuple[str, str] = ("PT", "SPC")
    versions: tuple[str, ...] = ("2.1.1", "2.2.1")
    command_delay: float = 2.0
    accepted: set[str] = field(default_factory=set)  # tokens that open every endpoint
    token_a: str = field(default_factory=lambda: f"spec-a-{secrets.token_hex(8)}")  # its registration token
    hub_token: str | None = None  # what it calls the hub with
    received: list[Seen] = field(default_factory=list)
    store: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="spec-partner", daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.store["locations"] = {f"LOC{n}": self._location(f"LOC{n}") for n in (1, 2)}
        self.store["tariffs"] = {"TAR1": {"country_code": self.party[0], "party_id": self.party[1], "id": "TAR1",
                                          "currency": "EUR", "elements": [{"price_components": [
                                              {"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
                                          "last_updated": STAMP}}
        self.store["tokens"] = {f"TOK{n}": {"country_code": self.party[0], "party_id": self.party[1],
                                            "uid": f"TOK{n}", "type": "RFID", "contract_id": f"PT-SPC-C{n}",
                                            "issuer": "Spec eMSP", "valid": True, "whitelist": "ALWAYS",
                                            "last_updated": STAMP} for n in (1, 2)}
        self.store["sessions"], self.store["cdrs"] = {}, {}

    # --- life

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/ocpi/{self.role.lower()}"

    @property
    def versions_url(self) -> str:
        return f"{self.root}/versions/"

    def start(self) -> SpecPartner:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/ocpi/{role}/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession()

    async def _stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- transport (§4): Base64 token, envelope, echoed ids, swapped routing headers

    def _answer(self, request: web.Request, data: Any = None, *, status_code: int = 1000, http: int = 200,
                message: str | None = None, headers: dict[str, str] | None = None) -> web.Response:
        body: dict[str, Any] = {"status_code": status_code, "timestamp": STAMP}
        if data is not None:
            body["data"] = data
        if message is not None:
            body["status_message"] = message
        out = {name: request.headers[name] for name in ("X-Request-ID", "X-Correlation-ID") if name in request.headers}
        for mine, theirs in (("from", "to"), ("to", "from")):
            for part in ("country-code", "party-id"):
                if f"OCPI-{theirs}-{part}" in request.headers:
                    out[f"OCPI-{mine}-{part}"] = request.headers[f"OCPI-{theirs}-{part}"]
        out.update(headers or {})
        return web.json_response(body, status=http, headers=out)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.received.append(Seen(request.method, request.path, dict(request.headers), raw))
        if request.match_info["role"] != self.role.lower():
            return self._answer(request, status_code=2000, http=404, message="no such platform")
        header = request.headers.get("Authorization", "")
        try:
            token = base64.b64decode(header.removeprefix("Token "), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            token = ""
        parts = [part for part in request.match_info["tail"].split("/") if part]
        configuration = parts[:1] == ["versions"] or len(parts) == 1 or parts[1:2] == ["credentials"]
        if token not in self.accepted and not (configuration and token == self.token_a):
            return self._answer(request, status_code=2000, http=401, message="unknown token")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self._answer(request, status_code=2001, http=400, message="not JSON")
        if parts == ["versions"]:
            return self._answer(request, [{"version": v, "url": f"{self.root}/{v}/"} for v in self.versions])
        if len(parts) == 1 and parts[0] in self.versions:
            modules = ("credentials",) if parts[0] != "2.2.1" else ("credentials", *FUNCTIONAL)
            if parts[0] != "2.2.1":  # 2.1.1 details: no interface roles
                endpoints = [{"identifier": m, "url": f"{self.root}/{parts[0]}/{m}/"} for m in modules]
            else:
                endpoints = [{"identifier": m, "role": self._interface(m), "url": f"{self.root}/2.2.1/{m}/"}
                             for m in modules]
            return self._answer(request, {"version": parts[0], "endpoints": endpoints})
        if parts[:1] != ["2.2.1"] or len(parts) < 2:
            return self._answer(request, status_code=2000, http=404, message="unknown path")
        module, rest = parts[1], parts[2:]
        if module == "credentials":
            return await self._credentials(request, body)
        handler = getattr(self, f"_{self.role.lower()}_{module}", None)
        if handler is None:
            return self._answer(request, status_code=2000, http=404, message="unknown module")
        answer: web.Response = await handler(request, rest, body)
        return answer

    def _interface(self, module: str) -> str:
        receives = {"CPO": ("tokens", "commands"), "EMSP": ("locations", "tariffs", "sessions", "cdrs")}[self.role]
        return "RECEIVER" if module in receives or module == "credentials" else "SENDER"

    def _page(self, request: web.Request, module: str, items: list[Any]) -> web.Response:
        """Pages of one object, whatever `limit` asks for (§4.1.3: the server may return fewer)."""
        offset = int(request.query.get("offset", "0")) if request.query.get("offset", "0").isdigit() else 0
        chunk = items[offset:offset + 1]
        headers = {"X-Total-Count": str(len(items)), "X-Limit": "1"}
        if offset + 1 < len(items):
            headers["Link"] = f'<{self.root}/2.2.1/{module}/?offset={offset + 1}&limit=1>; rel="next"'
        return self._answer(request, chunk, headers=headers)

    # --- credentials, server side only (§7.1.1)

    async def _credentials(self, request: web.Request, body: Any) -> web.Response:
        own = {"token": next(iter(self.accepted), ""), "url": self.versions_url,
               "roles": [{"role": self.role, "party_id": self.party[1], "country_code": self.party[0],
                          "business_details": {"name": "Spec partner"}}]}
        if request.method == "GET":
            return self._answer(request, own)
        if request.method == "DELETE":
            self.accepted.clear()
            return self._answer(request)
        if not isinstance(body, dict) or not isinstance(body.get("token"), str) or not isinstance(body.get("url"), str):
            return self._answer(request, status_code=2001, message="credentials need token and url")
        assert self._session is not None
        auth = {"Authorization": "Token " + base64.b64encode(body["token"].encode()).decode()}
        try:
            async with self._session.get(body["url"], headers=auth) as versions:
                listed = (await versions.json())["data"]
            details_url = next(v["url"] for v in listed if v["version"] == "2.2.1")
            async with self._session.get(details_url, headers=auth) as details:
                await details.json()
        except (aiohttp.ClientError, KeyError, StopIteration, TypeError, ValueError):
            return self._answer(request, status_code=3001, message="cannot use your versions")
        self.hub_token = body["token"]
        self.accepted = {f"spec-c-{secrets.token_hex(8)}"}
        own["token"] = next(iter(self.accepted))
        return self._answer(request, own)

    # --- CPO

    def _location(self, location_id: str) -> dict[str, Any]:
        return {"country_code": self.party[0], "party_id": self.party[1], "id": location_id, "publish": True,
                "address": "Rua Augusta 1", "city": "Lisboa", "country": "PRT",
                "coordinates": {"latitude": "38.710000", "longitude": "-9.137000"}, "time_zone": "Europe/Lisbon",
                "last_updated": STAMP}

    async def _cpo_locations(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        if not rest:
            return self._page(request, "locations", list(self.store["locations"].values()))
        location = self.store["locations"].get(rest[0])
        if location is None or len(rest) > 1:
            return self._answer(request, status_code=2003, http=404, message="unknown location")
        return self._answer(request, location)

    async def _cpo_tariffs(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        return self._page(request, "tariffs", list(self.store["tariffs"].values()))

    async def _cpo_sessions(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        return self._page(request, "sessions", list(self.store["sessions"].values()))

    async def _cpo_cdrs(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        return self._page(request, "cdrs", list(self.store["cdrs"].values()))

    async def _cpo_tokens(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        if len(rest) != 3:
            return self._answer(request, status_code=2001, message="tokens/{country_code}/{party_id}/{uid}")
        key = "/".join(rest)
        held = self.store.setdefault("received_tokens", {})
        if request.method == "GET":
            if key not in held:
                return self._answer(request, status_code=2004, http=404, message="unknown token")
            return self._answer(request, held[key])
        if request.method == "PUT":
            created = key not in held
            held[key] = body
            return self._answer(request, http=201 if created else 200)
        if key not in held:
            return self._answer(request, status_code=2004, http=404, message="unknown token")
        held[key] = {**held[key], **(body or {})}
        return self._answer(request)

    async def _cpo_commands(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        if request.method != "POST" or len(rest) != 1 or not isinstance(body, dict) or "response_url" not in body:
            return self._answer(request, status_code=2001, message="POST commands/{command} with a response_url")
        asyncio.ensure_future(self._command_result(body["response_url"]))
        return self._answer(request, {"result": "ACCEPTED", "timeout": int(self.command_delay) + 30})

    async def _command_result(self, response_url: str) -> None:
        await asyncio.sleep(self.command_delay)
        assert self._session is not None
        auth = {"Authorization": "Token " + base64.b64encode((self.hub_token or "").encode()).decode()}
        async with self._session.post(response_url, json={"result": "ACCEPTED"}, headers=auth) as answer:
            self.store.setdefault("result_answers", {})[response_url] = (answer.status, await answer.json())

    # --- eMSP

    async def _receive(self, module: str, request: web.Request, rest: list[str], body: Any) -> web.Response:
        key = "/".join(rest)
        held = self.store.setdefault(f"received_{module}", {})
        if len(rest) < 3:
            return self._answer(request, status_code=2001, message=f"{module}/{{country_code}}/{{party_id}}/{{id}}")
        if request.method == "GET":
            if key not in held:
                return self._answer(request, status_code=2003, http=404, message="unknown object")
            return self._answer(request, held[key])
        if request.method == "DELETE":
            held.pop(key, None)
            return self._answer(request)
        if request.method == "PATCH":
            if key not in held:
                return self._answer(request, status_code=2003, http=404, message="unknown object")
            held[key] = {**held[key], **(body or {})}
            return self._answer(request)
        created = key not in held
        held[key] = body
        return self._answer(request, http=201 if created else 200)

    async def _emsp_locations(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        return await self._receive("locations", request, rest, body)

    async def _emsp_tariffs(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        return await self._receive("tariffs", request, rest, body)

    async def _emsp_sessions(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        return await self._receive("sessions", request, rest, body)

    async def _emsp_cdrs(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        held = self.store.setdefault("received_cdrs", {})
        if request.method == "POST" and isinstance(body, dict) and isinstance(body.get("id"), str):
            held[body["id"]] = body
            return self._answer(request, http=201, headers={"Location": f"{self.root}/2.2.1/cdrs/{body['id']}/"})
        if request.method == "GET" and rest and rest[0] in held:
            return self._answer(request, held[rest[0]])
        return self._answer(request, status_code=2003, http=404, message="unknown CDR")

    async def _emsp_tokens(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        if not rest:
            return self._page(request, "tokens", list(self.store["tokens"].values()))
        if request.method == "POST" and len(rest) == 2 and rest[1] == "authorize":
            token = self.store["tokens"].get(rest[0])
            if token is None:
                return self._answer(request, status_code=2004, http=404, message="unknown token")
            return self._answer(request, {"allowed": "ALLOWED", "token": token})
        return self._answer(request, status_code=2001, message="tokens/ or tokens/{uid}/authorize")

    async def _emsp_commands(self, request: web.Request, rest: list[str], body: Any) -> web.Response:
        self.store.setdefault("command_results", {})["/".join(rest)] = body
        return self._answer(request)
