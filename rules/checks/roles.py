"""CRD301: client-owned objects are pushed under a party the pusher declared, in the role that owns them (§4.1.5.1).

Theory of operation: a credentials POST or PUT body declares the caller's
CredentialsRoles (role, country_code, party_id); the Credentials in an
answer declare the callee's. A hub declares only itself (HUB) and pushes on
behalf of the parties connected to it, which hubclientinfo lists (catalogue
12.13). A push of a Location, Tariff, Session or Token carries its owner's
`{country_code}/{party_id}` in the URL; the owner's role follows from the
module (the table below). The party must be one the pusher declared in that
role, or, for a hub, one of its own parties or a connected party in that
role. A pusher whose roles the capture never showed is not checked, nor a
hub while no hubclientinfo was seen. CDRs are left to CDR305.
Said once per direction, party and role.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Final

from ..registry import Severity, Violation
from ..routes import OTHER_DIRECTION as OTHER
from .sequencing import Observed, SeqReport, Watched

# The role that owns the objects a push of each module carries.
OWNER: Final = {"locations": "CPO", "tariffs": "CPO", "sessions": "CPO", "tokens": "EMSP"}
PUSHES: Final = frozenset({"put", "patch", "delete"})
HUB: Final = "HUB"

Party = tuple[str, str, str]  # (role, country_code, party_id), upper-case


class PushForUndeclaredParty(Violation, frozen=True, kw_only=True):
    """## What it checks
    A Location, Tariff, Session or Token is pushed under a
    `{country_code}/{party_id}` the pusher declared in its credentials in
    the role that owns such objects (CPO for Locations, Tariffs, Sessions;
    eMSP for Tokens). A hub may push for the parties hubclientinfo lists in
    that role.

    ## Why it matters
    The receiver files the object under that party. A party that pushes
    under someone else's id, or acts as a CPO while it registered only as
    an eMSP, is misconfigured, and the receiver may refuse with 404.

    ## Example
    The partner registered as `{"role": "EMSP", "country_code": "PT",
    "party_id": "EMS"}` and PUTs `/locations/PT/EMS/L1`.

    ## Expected
    Declare the CPO role for PT/EMS in the credentials (a PUT credentials
    updates them), or push under the party that owns the object.
    """

    code = "CRD301"
    severity = Severity.WARNING
    spec = "§4.1.5.1, §4.1.6"
    about = "request"
    what: str
    party: str
    role: str
    declared: str

    def message(self) -> str:
        return (f"{self.what} pushed under {self.party}, which the pusher did not declare as {self.role} "
                f"(declared: {self.declared})")


def _parties(roles: Iterable[Any]) -> frozenset[Party]:
    return frozenset((str(r.role).upper(), str(r.country_code).upper(), str(r.party_id).upper()) for r in roles)


class RolesChecker:
    watches: ClassVar[Watched] = frozenset({"credentials", "hubclientinfo", *OWNER})

    def __init__(self) -> None:
        self._roles: dict[str, frozenset[Party]] = {}  # direction -> what its caller declared
        self._connected: set[Party] = set()  # parties behind the hub, from hubclientinfo
        self._said: set[tuple[str, str, str, str]] = set()

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        direction = observed.exchange.direction
        if direction not in OTHER:
            return
        if observed.module == "credentials":
            self._learn_roles(observed, direction)
        elif observed.module == "hubclientinfo":
            self._learn_clients(observed)
        elif observed.module in OWNER and observed.operation in PUSHES:
            yield from self._check_push(observed, direction)

    def _learn_roles(self, observed: Observed, direction: str) -> None:
        sent = getattr(observed.request, "roles", None)
        if sent:
            self._roles[direction] = _parties(sent)
        answered = getattr(observed.data, "roles", None)
        if answered:
            self._roles[OTHER[direction]] = _parties(answered)

    def _learn_clients(self, observed: Observed) -> None:
        shown = observed.data if isinstance(observed.data, list) else [observed.data, observed.request]
        for client in shown:
            if all(hasattr(client, name) for name in ("role", "country_code", "party_id")):
                self._connected |= _parties([client])

    def _check_push(self, observed: Observed, direction: str) -> Iterator[SeqReport]:
        declared = self._roles.get(direction)
        key = observed.key
        country_code, party_id = getattr(key, "country_code", None), getattr(key, "party_id", None)
        if not declared or not country_code or not party_id:
            return
        owner = OWNER[observed.module]
        party = (owner, country_code.upper(), party_id.upper())
        if party in declared:
            return
        if any(role == HUB for role, _, _ in declared):
            if not self._connected or party in self._connected or party[1:] in {p[1:] for p in declared}:
                return  # a hub pushes for others; without hubclientinfo there is no telling for whom
        said = (direction, owner, party[1], party[2])
        if said in self._said:
            return
        self._said.add(said)
        yield SeqReport(PushForUndeclaredParty(
            what=observed.module[:-1].capitalize(), party=f"{party[1]}/{party[2]}", role=owner,
            declared=", ".join(f"{role} {cc}/{pid}" for role, cc, pid in sorted(declared))), observed.where)

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
