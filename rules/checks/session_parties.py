"""SES305: a session goes to the eMSP whose token started it (§10.4.5, §4.1.8).

Theory of operation: parties become known as eMSPs by pushing their own
tokens (the `{country_code}/{party_id}` of a token PUT/PATCH URL) or by
listing an EMSP role in credentials; the credentials also tell which eMSP
roles each side of the capture (hub, partner) holds. A Session push names
its receiver by its OCPI-to headers: when that party is a known eMSP, the
cdr_token's party must be it. Without routing headers (a direct
connection) the cdr_token's party must be one of the callee's eMSP roles,
when its credentials were seen. Said once per session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from msgspec import UNSET

from ..recent import RecentSet
from ..registry import Severity, Violation
from ..routes import CALLEES, TO_HUB
from .parties import routed_party
from .sequencing import Observed, SeqReport, Watched, object_key

Party = tuple[str, str]


class SessionTokenOfOtherParty(Violation, frozen=True, kw_only=True):
    """## What it checks
    A Session's cdr_token belongs to the eMSP it is pushed to: its
    country_code/party_id equal the OCPI-to party of the push (when that
    party is known as an eMSP from its tokens or credentials), or, without
    routing headers, one of the callee's eMSP roles.

    ## Why it matters
    Sessions go to the eMSP whose driver charges; a session pushed to
    another party leaks a driver's data and leaves the right eMSP without
    it.

    ## Example
    A Session with `cdr_token` party PT/XYZ PUT with
    `OCPI-to-party-id: EMS`, where EMS pushed its own tokens.

    ## Expected
    The push addressed to the cdr_token's eMSP.
    """

    code = "SES305"
    severity = Severity.WARNING
    spec = "§10.4.5, §4.1.8"
    about = "object"
    token_party: str
    receiver: str

    def message(self) -> str:
        return f"session with a token of {self.token_party} is pushed to eMSP {self.receiver}"


class SessionPartiesChecker:
    watches: ClassVar[Watched] = frozenset({"tokens", "credentials", "sessions"})

    def __init__(self) -> None:
        self._emsps: set[Party] = set()  # parties known as eMSPs
        self._emsp_roles: dict[str, set[Party]] = {}  # "hub"/"partner" -> its credentials' eMSP roles
        self._reported: RecentSet[tuple[str, str, str]] = RecentSet()  # sessions SES305 was said of

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        module, body, key = observed.module, observed.request, observed.key
        if module in ("tokens", "credentials"):
            self._learn_parties(observed)
        elif module == "sessions" and observed.operation in ("put", "patch") and body is not None and key is not None:
            cdr_token = body.cdr_token if body.cdr_token is not UNSET else None
            if cdr_token is not None and key.country_code and key.party_id and key.id:
                yield from self._party(object_key(key.country_code, key.party_id, key.id), observed, cdr_token)

    def _learn_parties(self, observed: Observed) -> None:
        key = observed.key
        if observed.module == "tokens" and observed.operation in ("put", "patch") and key is not None:
            if key.country_code and key.party_id:
                self._emsps.add((key.country_code.upper(), key.party_id.upper()))
        elif observed.module == "credentials":
            direction = observed.exchange.direction
            caller = "partner" if direction == TO_HUB else "hub"
            for side, credentials in ((caller, observed.request), (CALLEES.get(direction, ""), observed.data)):
                roles = getattr(credentials, "roles", None) or []
                emsps = {(r.country_code.upper(), r.party_id.upper()) for r in roles if str(r.role) == "EMSP"}
                if credentials is not None:
                    self._emsp_roles[side] = emsps
                    self._emsps |= emsps

    def _party(self, key: tuple[str, str, str], observed: Observed, cdr_token: Any) -> Iterator[SeqReport]:
        if not isinstance(cdr_token.country_code, str) or not isinstance(cdr_token.party_id, str):
            return  # a 2.2 CdrToken has no party
        party = (cdr_token.country_code.upper(), cdr_token.party_id.upper())
        receiver = routed_party(observed.exchange.request, "to")
        if receiver is not None:
            mismatch = receiver in self._emsps and receiver != party
            shown = "/".join(receiver)
        else:
            roles = self._emsp_roles.get(CALLEES.get(observed.exchange.direction, ""), set())
            mismatch = bool(roles) and party not in roles
            shown = ", ".join("/".join(role) for role in sorted(roles))
        if mismatch and key not in self._reported:
            self._reported.add(key)
            yield SeqReport(SessionTokenOfOtherParty(token_party="/".join(party), receiver=shown), observed.where,
                            "$.cdr_token")

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
