"""What a certification day exercises, per module and partner role, as data.

A scenario is a list of steps; it is seen when every step is seen. A step
names one kind of exchange: its module and operation (as routes name them),
who sent the request (the partner or the hub), and optionally the command,
the answer's OCPI status (`1xxx` for any success, or an exact code), the
typed results any of which will do (a CommandResponse or CommandResult
`result`, an AuthorizationInfo `allowed`), the object level (location, evse,
connector) and a response header the answer must carry. Steps about an
object's status (a Session's, an EVSE's) read it as the accepted pushes of
that object left it: `first` asks for its first push, `before_status` for
its status before the exchange, `after_statuses` after it (the body's
status, or for a PATCH without one the status before), and
`status_change` for a body status other than the one before. A
step with `answers` is a callback: POSTed to the `response_url` of an
exchange that showed that earlier step of the same scenario.

A scenario is credited only by traffic that really shows it: the update
of a session "while ACTIVE" must find it ACTIVE already, a command "with
its CommandResult" must get the result of that very command.

Profiles pick the list (`Profile.scenarios`); `CERTIFICATION` is what the
hub's test days go through, from the spec's own sequence diagrams.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

Sender = Literal["partner", "hub"]
# Who sends a step's request: a party, or `either` where both directions show the module (the partner
# registering with the hub, or the hub registering with the partner).
StepSender = Literal["partner", "hub", "either"]
MODULE_ORDER: Final = ("versions", "credentials", "tokens", "locations", "tariffs", "sessions", "commands", "cdrs")
MODULE_TITLES: Final = {
    "versions": "Versions", "credentials": "Credentials", "tokens": "Tokens", "locations": "Locations",
    "tariffs": "Tariffs", "sessions": "Sessions", "commands": "Commands", "cdrs": "CDRs",
}


class Step(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    module: str
    operations: tuple[str, ...]
    sender: StepSender
    command: str | None = None
    status: str | None = "1xxx"  # the answer's OCPI status_code; None: any answer, or none
    results: tuple[str, ...] = ()  # any of these; () any result
    level: Literal["location", "evse", "connector"] | None = None
    header: str | None = None  # a header the response carries
    first: bool = False  # the first push of its object in the capture
    before_status: str | None = None
    after_statuses: tuple[str, ...] = ()  # any of these; () any status
    status_change: bool = False
    answers: int | None = None  # the index of the step whose response_url this exchange is POSTed to

    @property
    def stateful(self) -> bool:
        """Whether the step reads its object's state as earlier pushes left it."""
        return self.first or self.before_status is not None or bool(self.after_statuses) or self.status_change


class Scenario(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    module: str
    role: Literal["CPO", "EMSP"]  # the partner's role
    title: str
    spec: str
    steps: tuple[Step, ...]


def _other(sender: Sender) -> Sender:
    return "hub" if sender == "partner" else "partner"


def _both_roles(module: str, id: str, title: str, spec: str, *steps: Step) -> list[Scenario]:
    return [Scenario(id=id, module=module, role=role, title=title, spec=spec, steps=steps)
            for role in ("CPO", "EMSP")]


def _configuration() -> list[Scenario]:
    versions = [
        *_both_roles("versions", "partner-discovers-hub", "the partner GETs the hub's versions and version details",
                     "§6.1, §6.2", Step(module="versions", operations=("versions",), sender="partner"),
                     Step(module="versions", operations=("version_details",), sender="partner")),
        *_both_roles("versions", "hub-discovers-partner", "the hub GETs the partner's versions and version details",
                     "§6.1, §6.2", Step(module="versions", operations=("versions",), sender="hub"),
                     Step(module="versions", operations=("version_details",), sender="hub")),
    ]
    credentials = [
        *_both_roles("credentials", "register",
                     "registration: POST credentials with token A, answered with a new token (either party "
                     "registering with the other)",
                     "§7.2.2", Step(module="credentials", operations=("post",), sender="either")),
        *_both_roles("credentials", "update", "credentials update: PUT with a new token (by either party)",
                     "§7.2.3", Step(module="credentials", operations=("put",), sender="either")),
    ]
    return versions + credentials


def _owned(role: Literal["CPO", "EMSP"], owner: Sender) -> list[Scenario]:
    """The objects the CPO owns (locations, tariffs, sessions, CDRs), pushed by `owner`, pulled by the other."""
    puller = _other(owner)
    found = [
        ("locations", "location-pushed", "a Location pushed whole", "§8.2.2.2",
         [Step(module="locations", operations=("put",), sender=owner, level="location")]),
        ("locations", "evse-status-patched", "an EVSE status change PATCHed", "§8.2.2.3",
         [Step(module="locations", operations=("patch",), sender=owner, level="evse", status_change=True)]),
        ("locations", "locations-pulled", "the Locations list pulled, paginated", "§8.2.1.1, §4.1.4.1",
         [Step(module="locations", operations=("list",), sender=puller)]),
        ("tariffs", "tariff-pushed", "a Tariff pushed", "§11.2.2.2",
         [Step(module="tariffs", operations=("put",), sender=owner)]),
        ("tariffs", "tariffs-pulled", "the Tariffs list pulled", "§11.2.1.1",
         [Step(module="tariffs", operations=("list",), sender=puller)]),
        ("sessions", "session-started", "a Session created (PENDING or ACTIVE)", "§9.2.2.2",
         [Step(module="sessions", operations=("put",), sender=owner, first=True,
               after_statuses=("PENDING", "ACTIVE"))]),
        ("sessions", "session-charging", "the Session updated while ACTIVE", "§9.2.2.3",
         [Step(module="sessions", operations=("put", "patch"), sender=owner, before_status="ACTIVE",
               after_statuses=("ACTIVE",))]),
        ("sessions", "session-completed", "the Session COMPLETED", "§9.1.4",
         [Step(module="sessions", operations=("put", "patch"), sender=owner, after_statuses=("COMPLETED",))]),
        ("sessions", "sessions-pulled", "the Sessions list pulled", "§9.2.1.1",
         [Step(module="sessions", operations=("list",), sender=puller)]),
        ("cdrs", "cdr-posted", "a CDR POSTed and its Location header given", "§10.2.2.2",
         [Step(module="cdrs", operations=("post",), sender=owner, header="Location")]),
        ("cdrs", "cdrs-pulled", "the CDRs list pulled", "§10.2.1.1",
         [Step(module="cdrs", operations=("list",), sender=puller)]),
    ]
    return [Scenario(id=id, module=module, role=role, title=title, spec=spec, steps=tuple(steps))
            for module, id, title, spec, steps in found]


def _tokens(role: Literal["CPO", "EMSP"], emsp: Sender) -> list[Scenario]:
    cpo = _other(emsp)
    found = [
        ("token-pushed", "a Token pushed", "§12.2.2.2", [Step(module="tokens", operations=("put",), sender=emsp)]),
        ("token-updated", "a Token updated by PATCH", "§12.2.2.3",
         [Step(module="tokens", operations=("patch",), sender=emsp)]),
        ("authorize-allowed", "real-time authorization answered ALLOWED", "§12.2.1.2",
         [Step(module="tokens", operations=("authorize",), sender=cpo, results=("ALLOWED",))]),
        ("authorize-refused", "real-time authorization refused (BLOCKED, EXPIRED, NO_CREDIT, NOT_ALLOWED)",
         "§12.2.1.2, §12.4.1",
         [Step(module="tokens", operations=("authorize",), sender=cpo,
               results=("BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"))]),
        ("authorize-unknown-token", "authorization of an unknown token (2004)", "§12.2.1.2",
         [Step(module="tokens", operations=("authorize",), sender=cpo, status="2004")]),
        ("tokens-pulled", "the Tokens list pulled", "§12.2.1.1",
         [Step(module="tokens", operations=("list",), sender=cpo)]),
    ]
    return [Scenario(id=id, module="tokens", role=role, title=title, spec=spec, steps=tuple(steps))
            for id, title, spec, steps in found]


def _commands(role: Literal["CPO", "EMSP"], emsp: Sender) -> list[Scenario]:
    cpo = _other(emsp)

    def sent(command: str, result: str) -> Step:
        return Step(module="commands", operations=("command",), sender=emsp, command=command, results=(result,))

    def called_back(command: str) -> Step:
        """The CommandResult of the command the scenario's first step showed."""
        return Step(module="commands", operations=("command_result",), sender=cpo, command=command, answers=0)

    found = [
        ("start-session-accepted", "START_SESSION accepted, with its CommandResult", "§13.2.2, §13.3.5",
         [sent("START_SESSION", "ACCEPTED"), called_back("START_SESSION")]),
        ("start-session-rejected", "START_SESSION rejected", "§13.4.1",
         [sent("START_SESSION", "REJECTED")]),
        ("stop-session", "STOP_SESSION accepted, with its CommandResult", "§13.3.6",
         [sent("STOP_SESSION", "ACCEPTED"), called_back("STOP_SESSION")]),
        ("reserve-now", "RESERVE_NOW accepted, with its CommandResult", "§13.3.4",
         [sent("RESERVE_NOW", "ACCEPTED"), called_back("RESERVE_NOW")]),
        ("cancel-reservation", "CANCEL_RESERVATION accepted, with its CommandResult", "§13.3.1",
         [sent("CANCEL_RESERVATION", "ACCEPTED"), called_back("CANCEL_RESERVATION")]),
        ("unlock-connector", "UNLOCK_CONNECTOR accepted, with its CommandResult", "§13.3.7",
         [sent("UNLOCK_CONNECTOR", "ACCEPTED"), called_back("UNLOCK_CONNECTOR")]),
    ]
    return [Scenario(id=id, module="commands", role=role, title=title, spec=spec, steps=tuple(steps))
            for id, title, spec, steps in found]


def _certification() -> tuple[Scenario, ...]:
    scenarios = _configuration()
    scenarios += _owned("CPO", "partner") + _owned("EMSP", "hub")
    scenarios += _tokens("CPO", "hub") + _tokens("EMSP", "partner")
    scenarios += _commands("CPO", "hub") + _commands("EMSP", "partner")
    return tuple(scenarios)


CERTIFICATION: Final = _certification()
