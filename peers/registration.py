"""The credentials handshake (§7.1): the partner registers with the hub, and later rotates its token.

Token A opens the hub's versions and credentials endpoints only. The
partner POSTs its credentials (token B) with A; while answering, the hub
GETs the partner's versions and version details with B and answers with
its own credentials carrying token C, which the partner uses from then on.
A PUT repeats this with new tokens; the superseded ones are refused, and
a DELETE unregisters the partner (its token stops working; token A opens
versions and credentials again).

Either side may register: with `register_with_partner` the hub is the
credentials client instead (many platforms implement only the server
side). It calls the partner's versions, version details and credentials
with the token A the partner gave, POSTs its own credentials with a new
token B (which opens the hub, even while the partner checks its versions
during the POST), keeps the token C the partner answers with, and GETs
the partner's credentials with C to see the registration took.

Version negotiation (§7.1.1): the hub speaks one version, its profile's;
of the versions the partner lists it takes that one, wherever it is in
the list, and answers 3002 when the partner does not list it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import msgspec
from aiohttp import web

from ocpi_tap.rules import model as m

from . import objects
from .party import Answer, BadRequest, OcpiCallError, Party, made_up_token


class NoMutualVersion(Exception):
    """The partner lists none of the versions the hub speaks."""


class RegistrationFailed(Exception):
    """The hub could not register with the partner; the message says why, for the console."""


class Registrar:
    """The hub's side of the handshake, added to the hub's party."""

    def __init__(self, hub: Party, say: Callable[[str], None] = lambda _line: None,
                 token_a: str | None = None) -> None:
        """`say` takes one line for the console about what became of a registration; `token_a` fixes
        the registration token (default: a new one)."""
        self.hub = hub
        self.say = say
        self.token_a = token_a or made_up_token()
        self.registered = False
        hub.registration_tokens = self._registration_tokens  # type: ignore[method-assign]
        path = f"/ocpi/{hub.version}/credentials"
        hub.route("GET", path, self._get)
        hub.route("POST", path, self._post)
        hub.route("PUT", path, self._put)
        hub.route("DELETE", path, self._delete)

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

    async def _delete(self, request: web.Request) -> web.Response:
        hub = self.hub
        if not self.registered:
            return hub.envelope(request, None, status_code=2000, http=405, message="not registered")
        party = hub.peer_party
        self.registered = False
        hub.accepted_tokens = set()
        hub.peer_token, hub.peer_party, hub.peer_endpoints = None, None, {}
        self.say(f"unregistered {_name(party)}: its token no longer opens this hub; token A registers again")
        return hub.envelope(request, None)

    async def _register(self, request: web.Request) -> web.Response:
        # A real partner rehearses against this hub (`ocpi-tap hub`): a registration it cannot complete
        # is answered as a hub answers it (§5: 2001, or 3001 when the client's API cannot be used).
        hub = self.hub
        offered = await hub.body(request)  # read leniently: a mock hub goes on where it can
        try:
            token, url, role = offered["token"], offered["url"], offered["roles"][0]
            party = (role["country_code"], role["party_id"])
            if not isinstance(token, str) or not isinstance(url, str):
                raise TypeError
        except (KeyError, IndexError, TypeError):
            raise BadRequest("credentials need a token, a url and roles with country_code and party_id") from None
        previous = hub.peer_token
        hub.peer_token = token
        try:
            versions = await hub.call("GET", url, module="versions")
            listed = versions.data if isinstance(versions.data, list) else [versions.data]
            details = await hub.call("GET", _mutual(listed, hub.version), module="versions")
            endpoints = {e["identifier"]: e["url"] for e in details.data["endpoints"]}
        except NoMutualVersion as error:
            hub.peer_token = previous
            self.say(f"registration of {_name(party)} refused (OCPI 3002): {error} (--profile picks it)")
            return hub.envelope(request, None, status_code=3002, message=str(error))
        except (aiohttp.ClientError, asyncio.TimeoutError, OcpiCallError, LookupError, TypeError, ValueError) as error:
            hub.peer_token = previous
            reason = f"cannot use the versions at {url}: {str(error) or type(error).__name__}"
            self.say(f"registration of {_name(party)} refused (OCPI 3001): {reason}")
            return hub.envelope(request, None, status_code=3001, message=reason)
        hub.peer_endpoints = endpoints
        hub.peer_party = party
        token_c = made_up_token()
        keep_old = hub.faults.on("old-token-still-accepted")
        hub.accepted_tokens = {token_c} | (hub.accepted_tokens if keep_old else set())
        self.registered = True
        self.say(f"registered {_name(party)} (OCPI {hub.version}): it calls with the token C this hub issued")
        return hub.envelope(request, self._own(token_c))


async def register_with_partner(registrar: Registrar, versions_url: str, token_a: str) -> str:
    """The hub as the credentials client (§7.1.1): register with the partner whose versions are at
    `versions_url`, calling with its token A; returns the console line saying so. `RegistrationFailed`
    says why it did not work (unreachable, no mutual version, an OCPI error answer, an unusable body);
    the hub is then left unregistered."""
    hub = registrar.hub
    token_b = made_up_token()
    hub.accepted_tokens = {token_b}  # the partner may check the hub's versions with B while handling the POST
    try:
        versions = await _ask(hub, "GET", versions_url, token_a, "versions")
        listed = versions.data if isinstance(versions.data, list) else [versions.data]
        details_url = _mutual(listed, hub.version)
        details = await _ask(hub, "GET", details_url, token_a, "versions")
        endpoints = {e["identifier"]: e["url"] for e in details.data["endpoints"]}
        if "credentials" not in endpoints:
            raise RegistrationFailed(f"the partner's version details at {details_url} list no credentials endpoint")
        own = objects.credentials(token_b, hub.versions_url, "HUB", hub.party, "Mock hub")
        answer = await _ask(hub, "POST", endpoints["credentials"], token_a, "credentials", own)
        theirs = msgspec.convert(answer.data, m.Credentials)
        partner_role = "EMSP" if hub.role == "CPO" else "CPO"
        roles = [r for r in theirs.roles if r.role.value == partner_role] or theirs.roles
        party = (roles[0].country_code, roles[0].party_id)
        await _ask(hub, "GET", endpoints["credentials"], theirs.token, "credentials")
    except NoMutualVersion as error:
        hub.accepted_tokens = set()
        raise RegistrationFailed(f"{error} (--profile picks it)") from None
    except RegistrationFailed:
        hub.accepted_tokens = set()
        raise
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        hub.accepted_tokens = set()
        raise RegistrationFailed(f"the partner is unreachable: {str(error) or type(error).__name__}") from None
    except (msgspec.ValidationError, LookupError, TypeError, ValueError, AttributeError) as error:
        hub.accepted_tokens = set()
        raise RegistrationFailed(f"the partner's answer cannot be used: {str(error) or type(error).__name__}") \
            from None
    hub.peer_token, hub.peer_party, hub.peer_endpoints = theirs.token, party, endpoints
    registrar.registered = True
    return (f"registered with the partner {_name(party)} (OCPI {hub.version}): this hub calls it with the token C "
            f"it answered, and it calls this hub with the token B this hub sent")


async def _ask(hub: Party, method: str, url: str, token: str, module: str, body: Any = None) -> Answer:
    """One call of the hub's registration; `RegistrationFailed` unless the partner answers 1000."""
    answer = await hub.call(method, url, body, module=module, token=token, expect=None)
    if answer.status_code != 1000:
        said = answer.body.get("status_message") if isinstance(answer.body, dict) else None
        ocpi = f", OCPI {answer.status_code}" if answer.status_code is not None else ""
        raise RegistrationFailed(f"{method} {url} answered HTTP {answer.status}{ocpi}"
                                 + (f": {said}" if isinstance(said, str) else ""))
    return answer


def _mutual(listed: list[Any], version: str) -> str:
    """The URL of `version`'s details among the partner's versions; `NoMutualVersion` if it is not listed.

    A version is matched by its number only, as the validator's VER203 judges it: a hub speaking 2.2 (MOBI.E)
    does not take a partner's 2.2.1, however close the two are, so the rehearsal refuses what the day would."""
    for entry in listed:
        if isinstance(entry, dict) and entry.get("version") == version and isinstance(entry.get("url"), str):
            return str(entry["url"])
    offered = ", ".join(str(e.get("version")) for e in listed if isinstance(e, dict)) or "none"
    raise NoMutualVersion(f"no mutual version: the partner lists {offered}; this hub speaks {version} only")


def _name(party: tuple[str, str] | None) -> str:
    return "*".join(party) if party is not None else "the partner"


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
