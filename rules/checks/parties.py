"""Who is who: parties named by routing headers and by the roles the capture shows.

The OCPI-from/to headers name the party behind a request; the roles a
platform lists in its credentials (and a hub in its ClientInfo) say which
parties are CPOs, eMSPs or hubs. Checkers that judge ownership read them
here, in one place. Malformed headers are ENV108's business: they read as
absent.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from ..exchange import MessageView
from ..routes import CALLEES as CALLEE, CALLERS as CALLER
from .sequencing import Observed

Party = tuple[str, str]
ROUTING_HEADERS: Final = {  # side -> (country code header, party id header)
    "from": ("OCPI-from-country-code", "OCPI-from-party-id"),
    "to": ("OCPI-to-country-code", "OCPI-to-party-id"),
}
# The side a request of each direction comes from, and the side it goes to.


def routed_party(message: MessageView, side: Literal["from", "to"]) -> Party | None:
    """The (country_code, party_id) of an OCPI-from/to header pair, upper case, or None."""
    country_name, party_name = ROUTING_HEADERS[side]
    country, party = message.header(country_name), message.header(party_name)
    if not country or not party or len(country) != 2 or len(party) != 3:
        return None
    return country.upper(), party.upper()


def party_of(item: Any) -> Party | None:
    """The (country_code, party_id) an object carries, upper case, or None."""
    country, party = getattr(item, "country_code", None), getattr(item, "party_id", None)
    if isinstance(country, str) and isinstance(party, str):
        return country.upper(), party.upper()
    return None


class Roles:
    """The roles of parties, learned from credentials (per side of the capture) and ClientInfo."""

    def __init__(self) -> None:
        self.of_party: dict[Party, set[str]] = {}
        self.of_side: dict[str, set[tuple[Party, str]]] = {"hub": set(), "partner": set()}
        self._hubs: set[Party] = set()

    def learn(self, observed: Observed) -> None:
        direction = observed.exchange.direction
        if observed.module == "credentials" and direction in CALLER:
            if observed.operation in ("post", "put") and observed.request is not None:
                self._credentials(CALLER[direction], observed.request)
            if observed.data is not None:
                self._credentials(CALLEE[direction], observed.data)
        elif observed.module == "hubclientinfo":
            items = observed.data if isinstance(observed.data, list) else [observed.request, observed.data]
            for item in items:
                party, role = party_of(item), getattr(item, "role", None)
                if party is not None and role is not None:
                    self._add(party, str(role))

    def _credentials(self, side: str, credentials: Any) -> None:
        roles = getattr(credentials, "roles", None)
        for role in roles if isinstance(roles, list) else []:
            party = party_of(role)
            if party is not None and getattr(role, "role", None) is not None:
                self._add(party, str(role.role))
                self.of_side[side].add((party, str(role.role)))

    def _add(self, party: Party, role: str) -> None:
        self.of_party.setdefault(party, set()).add(role)
        if role == "HUB":
            self._hubs.add(party)

    def has(self, party: Party, role: str) -> bool:
        return role in self.of_party.get(party, ())

    def side_parties(self, side: str, role: str) -> set[Party]:
        return {party for party, held in self.of_side.get(side, ()) if held == role}

    def hubs(self) -> set[Party]:
        return self._hubs
