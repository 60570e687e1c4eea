"""CDR305: a CDR belongs to the party sending it and bills the eMSP it goes to (§10.3.1, §4.1.5).

Theory of operation: the sender of a CDR POST is the OCPI-from party of
the request, or else the CPO roles of the calling side's credentials; the
CDR's country_code/party_id must be one of them. Under a profile where the
hub generates CDRs (`hub_generates_cdrs`, catalogue 12.24), the hub's
parties (role HUB in credentials or ClientInfo) are accepted too, and a
CDR the hub sends may carry any CPO's party; when the hub's parties are
unknown, CDRs coming from the hub side are not judged. The receiver is
the OCPI-to party when it is known as an eMSP, or else the eMSP roles of
the called side; the CDR's token should be that eMSP's (a warning). With
neither routing headers nor credentials in the capture nothing is judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from ..registry import Severity, Violation
from ..routes import CALLEES as CALLEE, CALLERS as CALLER
from .parties import Party, Roles, party_of, routed_party
from .sequencing import Observed, SeqReport, Watched


class CdrOfAnotherParty(Violation, frozen=True, kw_only=True):
    """## What it checks
    The country_code/party_id of a posted CDR are those of the party that
    sends it (the OCPI-from headers, or the CPO roles in its credentials);
    with a hub that generates the CDRs of its network (profile setting
    `hub_generates_cdrs`), the hub's own party as well. A warning when the
    CDR's `cdr_token` belongs to another eMSP than the one it is sent to.

    ## Why it matters
    The receiver files the CDR under its owner, who is paid for it; a CDR
    under a stranger's party is billed to the wrong account, and one whose
    token belongs to another eMSP reaches an eMSP that has no customer to
    charge.

    ## Example
    A CDR with `"party_id": "XYZ"` POSTed with `OCPI-from-party-id: CPO`.

    ## Expected
    The CDR's party is the sending CPO's, its token the receiving eMSP's.
    """

    code = "CDR305"
    severity = Severity.ERROR
    spec = "§10.3.1, §4.1.5"
    about = "object"
    problem: str

    def message(self) -> str:
        return self.problem


def _show(parties: set[Party]) -> str:
    return ", ".join(sorted("/".join(party) for party in parties))


class CdrPartiesChecker:
    watches: ClassVar[Watched] = frozenset({"credentials", "hubclientinfo", "cdrs"})

    def __init__(self, hub_generates_cdrs: bool) -> None:
        self._hub_generates = hub_generates_cdrs
        self._roles = Roles()

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module in ("credentials", "hubclientinfo"):
            self._roles.learn(observed)
            return
        if observed.module != "cdrs" or observed.operation != "post" or observed.request is None:
            return
        direction = observed.exchange.direction
        if direction not in CALLER:
            return
        cdr, request = observed.request, observed.exchange.request
        yield from self._owner(observed, cdr, routed_party(request, "from"), direction)
        yield from self._token(observed, cdr, routed_party(request, "to"), direction)

    def _owner(self, observed: Observed, cdr: Any, sender: Party | None, direction: str) -> Iterator[SeqReport]:
        owner = party_of(cdr)
        senders = {sender} if sender is not None else self._roles.side_parties(CALLER[direction], "CPO")
        if owner is None or not senders or owner in senders:
            return
        if self._hub_generates:
            hubs = self._roles.hubs()
            if owner in hubs or senders & hubs or (not hubs and CALLER[direction] == "hub"):
                return
        yield SeqReport(CdrOfAnotherParty(
            problem=f"CDR of party {'/'.join(owner)} sent by {_show(senders)}"), observed.where, "$.party_id")

    def _token(self, observed: Observed, cdr: Any, receiver: Party | None, direction: str) -> Iterator[SeqReport]:
        if receiver is not None:
            emsps = {receiver} if self._roles.has(receiver, "EMSP") else set()
        else:
            emsps = self._roles.side_parties(CALLEE[direction], "EMSP")
        token = party_of(getattr(cdr, "cdr_token", None))
        if token is None or not emsps or token in emsps:
            return
        yield SeqReport(CdrOfAnotherParty(
            problem=f"the CDR's token belongs to {'/'.join(token)}, but the CDR is sent to {_show(emsps)}"),
            observed.where, "$.cdr_token.party_id", severity=Severity.WARNING.value)

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
