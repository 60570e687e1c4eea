"""The two OCPI roles of the day, as servers: the CPO side and the eMSP side.

`CpoSide` implements what an eMSP (or a hub acting for eMSPs) calls on a
CPO: the Sender interfaces of locations, tariffs, sessions and CDRs, the
tokens Receiver and the commands Receiver. `EmspSide` is the mirror. Either
can be the partner; the hub plays the other one and, in addition, the
credentials registration (`registration.py`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ocpi_tap.rules import model as m

from . import objects
from .party import BadRequest, Party

COMMAND_TIMEOUT = 5  # seconds the CPO side promises a CommandResult within


class CpoSide(Party):
    def __post_init__(self) -> None:
        super().__post_init__()
        base = f"/ocpi/{self.version}"
        for module in ("locations", "tariffs", "sessions", "cdrs"):
            self.route("GET", f"{base}/{module}", self._sender_list(module))
        self.route("GET", base + "/tokens/{cc}/{pid}/{uid}", self._token_get)
        self.route("PUT", base + "/tokens/{cc}/{pid}/{uid}", self._token_put)
        self.route("PATCH", base + "/tokens/{cc}/{pid}/{uid}", self._token_patch)
        self.route("POST", base + "/commands/{command}", self._command)

    def endpoints(self) -> list[tuple[str, str]]:
        return [*super().endpoints(), ("locations", "SENDER"), ("tariffs", "SENDER"), ("sessions", "SENDER"),
                ("cdrs", "SENDER"), ("tokens", "RECEIVER"), ("commands", "RECEIVER")]

    def _sender_list(self, module: str) -> Any:
        async def handler(request: web.Request) -> web.Response:
            items = list(self.store.get(module, {}).values())
            answer = self.page(request, items, self.url(module))
            if self.faults.on("wrong-pagination-header"):
                del answer.headers["X-Total-Count"]
            return answer
        return handler

    async def _token_get(self, request: web.Request) -> web.Response:
        key = (request.match_info["cc"], request.match_info["pid"], request.match_info["uid"])
        token = self.store.get("tokens", {}).get(key)
        if token is None:
            return self.envelope(request, None, status_code=2004, http=404, message="unknown token")
        return self.envelope(request, token)

    async def _token_put(self, request: web.Request) -> web.Response:
        key = (request.match_info["cc"], request.match_info["pid"], request.match_info["uid"])
        tokens = self.store.setdefault("tokens", {})
        created = key not in tokens
        tokens[key] = await self.body(request, "token")
        return self.envelope(request, None, http=201 if created else 200)

    async def _token_patch(self, request: web.Request) -> web.Response:
        key = (request.match_info["cc"], request.match_info["pid"], request.match_info["uid"])
        tokens = self.store.setdefault("tokens", {})
        if key not in tokens:
            return self.envelope(request, None, status_code=2001, message="unknown token")
        tokens[key] = {**tokens[key], **await self.body(request, "token_patch")}
        return self.envelope(request, None)

    async def _command(self, request: web.Request) -> web.Response:
        command = request.match_info["command"]
        known = command in {c.value for c in m.CommandType}
        body = await self.body(request, command.lower() if known else None)
        data: dict[str, Any] = {"result": self.accept_command(command, body), "timeout": COMMAND_TIMEOUT}
        if self.faults.on("command-response-without-timeout"):
            del data["timeout"]
        return self.envelope(request, data)

    def accept_command(self, command: str, body: dict[str, Any]) -> str:
        """The CommandResponse result; the day sends the CommandResult of an ACCEPTED one."""
        if command not in {c.value for c in m.CommandType}:
            return "NOT_SUPPORTED"
        locations = {key[2] for key in self.store.get("locations", {})}
        sessions = {key[2] for key in self.store.get("sessions", {})}
        if "location_id" in body and body["location_id"] not in locations:
            return "REJECTED"
        if command == "STOP_SESSION" and body.get("session_id") not in sessions:
            return "UNKNOWN_SESSION"
        return "ACCEPTED"

    async def send_result(self, response_url: str, result: str = "ACCEPTED") -> None:
        body: Any = {"result": result}
        if self.faults.on("command-result-in-envelope"):
            body = {"data": body, "status_code": 1000, "timestamp": objects.now()}
        await self.call("POST", response_url, body, module="commands", expect=None)


class EmspSide(Party):
    def __post_init__(self) -> None:
        super().__post_init__()
        base = f"/ocpi/{self.version}"
        for module in ("locations", "tariffs", "sessions"):
            tail = "/{cc}/{pid}/{id}" + ("/{tail:.*}" if module == "locations" else "")
            for path in ({base + f"/{module}/{{cc}}/{{pid}}/{{id}}", base + f"/{module}" + tail}):
                self.route("GET", path, self._receiver(module))
                self.route("PUT", path, self._receiver(module))
                self.route("PATCH" if module != "tariffs" else "DELETE", path, self._receiver(module))
        self.route("POST", base + "/cdrs", self._cdr_post)
        self.route("GET", base + "/cdrs/{id}", self._cdr_get)
        self.route("GET", base + "/tokens", self._token_list)
        self.route("POST", base + "/tokens/{uid}/authorize", self._authorize)
        self.route("POST", base + "/commands/{command}/{id}", self._command_result)

    def endpoints(self) -> list[tuple[str, str]]:
        return [*super().endpoints(), ("locations", "RECEIVER"), ("tariffs", "RECEIVER"), ("sessions", "RECEIVER"),
                ("cdrs", "RECEIVER"), ("tokens", "SENDER"), ("commands", "SENDER")]

    def _receiver(self, module: str) -> Any:
        async def handler(request: web.Request) -> web.Response:
            info = request.match_info
            key = (info["cc"], info["pid"], info["id"], *[p for p in info.get("tail", "").split("/") if p])
            stored = self.store.setdefault(module, {})
            if request.method == "GET":
                if key not in stored:
                    return self.envelope(request, None, status_code=2003, http=404, message="unknown object")
                return self.envelope(request, stored[key])
            if request.method == "DELETE":
                stored.pop(key, None)
                return self.envelope(request, None)
            if len(key) > 5:
                raise BadRequest(f"no such object in {module}: {'/'.join(key)}", status_code=2003, http=404)
            kind = ("location", "evse", "connector")[len(key) - 3] if module == "locations" else module[:-1]
            body = await self.body(request, kind + "_patch" if request.method == "PATCH" else kind)
            if request.method == "PATCH":
                # An EVSE or connector lives inside its Location: the Location must be known.
                if key not in stored and key[:3] not in stored:
                    return self.envelope(request, None, status_code=2001, message="unknown object")
                stored[key] = {**stored.get(key, {}), **body}
                return self.envelope(request, None)
            created = key not in stored
            stored[key] = body
            return self.envelope(request, None, http=201 if created else 200)
        return handler

    async def _cdr_post(self, request: web.Request) -> web.Response:
        body = await self.body(request, "cdr")
        self.store.setdefault("cdrs", {})[(body["id"],)] = body
        if self.faults.on("cdr-answer-without-location"):
            return self.envelope(request, None, http=201)
        return self.envelope(request, None, http=201, headers={"Location": f"{self.url('cdrs')}/{body['id']}"})

    async def _cdr_get(self, request: web.Request) -> web.Response:
        cdr = self.store.get("cdrs", {}).get((request.match_info["id"],))
        if cdr is None:
            return self.envelope(request, None, status_code=2003, http=404, message="unknown CDR")
        return self.envelope(request, cdr)

    async def _token_list(self, request: web.Request) -> web.Response:
        return self.page(request, list(self.store.get("tokens", {}).values()), self.url("tokens"))

    async def _authorize(self, request: web.Request) -> web.Response:
        uid = request.match_info["uid"]
        token = next((t for key, t in self.store.get("tokens", {}).items() if key[2] == uid), None)
        if token is None:
            return self.envelope(request, None, status_code=2004, http=404, message="unknown token")
        allowed = "ALLOWED" if token.valid or self.faults.on("invalidated-token-authorized") else "BLOCKED"
        if self.faults.on("authorize-answer-malformed"):
            allowed = "YES"
        return self.envelope(request, {"allowed": allowed, "token": objects.wire(token),
                                       "authorization_reference": f"AUTH-{uid}"})

    async def _command_result(self, request: web.Request) -> web.Response:
        await self.body(request, "command_result")
        return self.envelope(request, None)

    def response_url(self, command: str, number: int) -> str:
        return f"{self.url('commands')}/{command}/{number}"

    def add_token(self, token: m.Token) -> None:
        self.store.setdefault("tokens", {})[(token.country_code, token.party_id, token.uid)] = token
