"""The credentials handshake (§7.1): the partner registers with the hub, and later rotates its token.

Token A opens the hub's versions and credentials endpoints only. The
partner POSTs its credentials (token B) with A; while answering, the hub
GETs the partner's versions and version details with B and answers with
its own credentials carrying token C, which the partner uses from then on.
A PUT repeats this with new tokens; the superseded ones are refused.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import msgspec
from aiohttp import web

from ocpi_tap.rules import model as m

from . import objects
from .party import OcpiCallError, Party, made_up_token


class Registrar:
    """The hub's side of the handshake, added to the hub's party."""

    def __init__(self, hub: Party) -> None:
        self.hub = hub
        self.token_a = made_up_token()
        self.registered = False
        hub.registration_tokens = self._registration_tokens  # type: ignore[method-assign]
        path = f"/ocpi/{hub.version}/credentials"
        hub.app.router.add_get(path, self._get)
        hub.app.router.add_post(path, self._post)
        hub.app.router.add_put(path, self._put)

    def _registration_tokens(self) -> set[str]:
        return set() if self.registered else {self.token_a}

    def _own(self, token: str) -> Any:
        hub = self.hub
        return objects.wire(objects.credentials(token, hub.versions_url, "HUB", hub.party, "Mock hub"))

    async def _get(self, request: web.Request) -> web.Response:
        return self.hub.envelope(request, self._own(next(iter(self.hub.accepted_tokens), self.token_a)))

    async def _post(self, request: web.Request) -> web.Response:
        if self.registered:
            return self.hub.envelope(request, None, status_code=2000, http=405, message="already registered")
        return await self._register(request)

    async def _put(self, request: web.Request) -> web.Response:
        if not self.registered:
            return self.hub.envelope(request, None, status_code=2000, http=405, message="not registered")
        return await self._register(request)

    async def _register(self, request: web.Request) -> web.Response:
        # A real partner rehearses against this hub (`ocpi-tap hub`): a registration it cannot complete
        # is answered as a hub answers it (§5: 2001, or 3001 when the client's API cannot be used).
        hub = self.hub
        try:
            offered = await request.json()  # read leniently: a mock hub goes on where it can
        except ValueError:
            return hub.envelope(request, None, status_code=2001, http=400, message="the body is not JSON")
        try:
            token, url, role = offered["token"], offered["url"], offered["roles"][0]
            party = (role["country_code"], role["party_id"])
            if not isinstance(token, str) or not isinstance(url, str):
                raise TypeError
        except (KeyError, IndexError, TypeError):
            return hub.envelope(request, None, status_code=2001,
                                message="credentials need a token, a url and roles with country_code and party_id")
        hub.peer_token = token
        try:
            versions = await hub.call("GET", url, module="versions")
            listed = versions.data if isinstance(versions.data, list) else [versions.data]
            details = await hub.call("GET", listed[0]["url"], module="versions")
            endpoints = {e["identifier"]: e["url"] for e in details.data["endpoints"]}
        except (aiohttp.ClientError, asyncio.TimeoutError, OcpiCallError, LookupError, TypeError, ValueError) as error:
            return hub.envelope(request, None, status_code=3001,
                                message=f"cannot use the versions at {url}: {str(error) or type(error).__name__}")
        hub.peer_endpoints = endpoints
        hub.peer_party = party
        token_c = made_up_token()
        keep_old = hub.faults.on("old-token-still-accepted")
        hub.accepted_tokens = {token_c} | (hub.accepted_tokens if keep_old else set())
        self.registered = True
        return hub.envelope(request, self._own(token_c))


async def register(partner: Party, hub_versions_url: str, token_a: str, *, rotate: bool = False) -> None:
    """The partner's side: learn the hub's endpoints and exchange tokens (POST, or PUT to rotate)."""
    token = token_a if not rotate else None
    if partner.faults.on("registration-without-discovery") and not rotate:
        # Guessing the credentials URL instead of reading the version details.
        base = hub_versions_url.rsplit("/versions", 1)[0]
        partner.peer_endpoints = {module: f"{base}/{partner.version}/{module}" for module in
                                  ("credentials", "locations", "tariffs", "sessions", "cdrs", "tokens", "commands")}
    else:
        versions = await partner.call("GET", hub_versions_url, module="versions", token=token)
        listed = versions.data if isinstance(versions.data, list) else [versions.data]
        details = await partner.call("GET", listed[0]["url"], module="versions", token=token)
        partner.peer_endpoints = {e["identifier"]: e["url"] for e in details.data["endpoints"]}
    token_b = made_up_token()
    partner.accepted_tokens = {token_b}
    name = "Mock partner" * (10 if partner.faults.on("credentials-name-too-long") else 1)
    own = objects.credentials(token_b, partner.versions_url, partner.credentials_role, partner.party, name)
    answer = await partner.call("PUT" if rotate else "POST", partner.peer_endpoints["credentials"], own,
                                module="credentials", token=token)
    if answer.data is not None:
        theirs = msgspec.convert(answer.data, m.Credentials)
        partner.peer_token = theirs.token
        partner.peer_party = (theirs.roles[0].country_code, theirs.roles[0].party_id)
