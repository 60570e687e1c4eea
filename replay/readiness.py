"""Readiness per module: which certification scenarios the traffic exercised, and with what findings.

`ScenarioTracker` is fed every routed exchange (as the checkers are) and
remembers, per scenario step, the first few exchanges that showed it.
`assess` then puts that together with the findings into one verdict per
module: ready, failing, partly exercised or not exercised. Not exercised is
never shown as passing. The renderers (terminal, JSON, JUnit, HTML) all
draw from the `Readiness` value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal, NamedTuple

import msgspec
from msgspec import UNSET

from ocpi_tap.rules.checks.sequencing import Observed
from ocpi_tap.rules.findings import Finding
from ocpi_tap.rules.recent import Recent
from ocpi_tap.rules.routes import TO_HUB, UrlKey, url_key
from ocpi_tap.rules.scenarios import MODULE_ORDER, MODULE_TITLES, Scenario, Step

EXAMPLES_KEPT: Final = 5  # exchanges remembered per step: enough to show, bounded for long captures
MODULES_PER_DAY: Final = 4
Verdict = Literal["ready", "failing", "partly exercised", "not exercised"]
Mark = Literal["seen", "seen with findings", "not seen"]
# The modules only a partner of each role pushes (sends as the data owner).
_PUSHES: Final = {"CPO": frozenset({"locations", "tariffs", "sessions", "cdrs"}),
                  "EMSP": frozenset({"tokens", "commands"})}
_ARTICLE: Final = {"CPO": "a CPO", "EMSP": "an eMSP"}


class ScenarioResult(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    spec: str
    mark: Mark
    seqs: list[int]  # the exchanges that show it (a few per step)


class ModuleReadiness(msgspec.Struct, frozen=True, kw_only=True):
    module: str
    title: str
    verdict: Verdict
    exchanges: int
    errors: int
    warnings: int
    codes: dict[str, int]  # code -> findings
    scenarios: list[ScenarioResult]

    @property
    def scenarios_seen(self) -> int:
        return sum(1 for scenario in self.scenarios if scenario.mark != "not seen")


class HubSide(msgspec.Struct, frozen=True, kw_only=True):
    """The findings whose culprit is the hub: shown apart, since a real hub's quirks are not the partner's."""

    errors: int
    warnings: int
    codes: dict[str, int]  # code -> findings


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    role: str  # the partner's
    modules: list[ModuleReadiness]
    days: list[list[str]]  # ready modules, grouped by certification day
    closing: str  # the line a person acts on
    role_note: str | None = None  # when the traffic speaks against the role the readiness is judged for
    hub: HubSide | None = None  # the hub's own findings, which do not count against the partner


def _level(key: Any) -> str | None:
    if key is None:
        return None
    if getattr(key, "connector_id", None):
        return "connector"
    if getattr(key, "evse_uid", None):
        return "evse"
    return "location"


def _result(observed: Observed) -> str | None:
    """The typed outcome a step may ask for: a command's result, an authorization's `allowed`."""
    if observed.operation == "command_result" and observed.request is not None:
        return str(observed.request.result)
    if observed.operation == "command" and observed.data is not None:
        return str(observed.data.result)
    if observed.operation == "authorize" and observed.data is not None:
        return str(observed.data.allowed)
    return None


def _status_matches(wanted: str | None, status_code: int | None) -> bool:
    if wanted is None:
        return True
    if status_code is None:
        return False
    if wanted == "1xxx":
        return 1000 <= status_code <= 1999
    return str(status_code) == wanted


def _body_status(observed: Observed) -> str | None:
    status = getattr(observed.request, "status", None)
    return None if status is None or status is UNSET else str(status)


def _object(observed: Observed) -> tuple[str | None, ...] | None:
    """The pushed object's identity (module and URL ids, upper-cased), or None where the URL names none."""
    key = observed.key
    if key is None or key.id is None:
        return None
    country, party, evse, connector = key.country_code, key.party_id, key.evse_uid, key.connector_id
    return (observed.module, country and country.upper(), party and party.upper(), key.id.upper(),
            evse and evse.upper(), connector and connector.upper())


class _Pushed(NamedTuple):
    """What a step about an object's state needs of one push: its status before (None: the object was not
    pushed before; "": no status known) and after."""

    before: str | None
    after: str | None
    body: str | None  # the status the body carries, if any


def _answered_with(observed: Observed, header: str) -> bool:
    response = observed.exchange.response
    return response is not None and bool(response.header(header))


def _state_matches(step: Step, pushed: _Pushed | None) -> bool:
    if pushed is None:
        return False
    if step.first and pushed.before is not None:
        return False
    if step.before_status is not None and pushed.before != step.before_status:
        return False
    if step.after_statuses and pushed.after not in step.after_statuses:
        return False
    return not step.status_change or (pushed.body is not None and pushed.body != (pushed.before or None))


class ScenarioTracker:
    """Fed routed exchanges; remembers which scenario steps they showed (for both partner roles)."""

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self.scenarios = tuple(scenarios)
        self._by_operation: dict[tuple[str, str], list[tuple[int, int, Step]]] = {}
        self._seen: list[list[list[int]]] = [[[] for _ in scenario.steps] for scenario in self.scenarios]
        for s, scenario in enumerate(self.scenarios):
            for t, step in enumerate(scenario.steps):
                for operation in step.operations:
                    self._by_operation.setdefault((step.module, operation), []).append((s, t, step))
        self.exchanges: Counter[str] = Counter()
        self.partner_pushes: Counter[str] = Counter()  # module -> pushes the partner sent, to infer its role
        self.declared_roles: set[str] = set()  # the roles (CPO, EMSP) the partner's Credentials declared
        # The steps that read an object's state, by module.
        self._stateful_steps: dict[str, list[tuple[int, int, Step]]] = {}
        for s, scenario in enumerate(self.scenarios):
            for t, step in enumerate(scenario.steps):
                if step.stateful:
                    self._stateful_steps.setdefault(step.module, []).append((s, t, step))
        self._stateful_at = frozenset((s, t) for steps in self._stateful_steps.values() for s, t, _ in steps)
        self._tracking: dict[tuple[str, str], bool] = {}  # (module, sender) -> whether states are still kept
        # The status each object's accepted pushes left it in ("" none known), for the modules steps ask it of.
        self._states: Recent[tuple[str | None, ...], str] = Recent()
        # Steps a later step answers (a callback), and the response_urls of the exchanges that showed them.
        self._answered = frozenset((s, step.answers) for s, scenario in enumerate(self.scenarios)
                                   for step in scenario.steps if step.answers is not None)
        self._awaiting: dict[int, set[UrlKey]] = {}

    def feed(self, observed: Observed) -> None:
        self.exchanges[observed.module] += 1
        sender = "partner" if observed.exchange.direction == TO_HUB else "hub"
        if observed.module == "credentials" and observed.operation in ("post", "put"):
            self._declared(observed.request if sender == "partner" else observed.data)
        if sender == "partner" and observed.operation in ("put", "patch", "post", "command"):
            self.partner_pushes[observed.module] += 1
        pushed = None
        if observed.module in self._stateful_steps and observed.operation in ("put", "patch"):
            # Objects' states are kept only while a step that asks for one still takes examples from this
            # sender: once those steps hold all theirs, a status PATCH (most of a CPO's traffic) costs nothing.
            tracking = self._tracking.get((observed.module, sender))
            if tracking is None:
                tracking = self._tracking[observed.module, sender] = any(
                    (step.sender == sender or step.sender == "either") and len(self._seen[s][t]) < EXAMPLES_KEPT
                    for s, t, step in self._stateful_steps[observed.module])
            if tracking:
                pushed = self._push(observed)
        candidates = self._by_operation.get((observed.module, observed.operation))
        if not candidates:
            return
        command = observed.key.command if observed.key is not None else None
        result = _result(observed)
        full = []  # candidates whose examples fill up with this exchange: no longer candidates after it
        for candidate in candidates:
            s, t, step = candidate
            if ((step.sender == sender or step.sender == "either")
                    and (step.command is None or step.command == command)
                    and (not step.results or result in step.results)
                    and _status_matches(step.status, observed.status_code)
                    and (step.level is None or step.level == _level(observed.key))
                    and (step.header is None or _answered_with(observed, step.header))
                    and ((s, t) not in self._stateful_at or _state_matches(step, pushed))
                    and (step.answers is None or url_key(observed.exchange.request.url) in self._awaiting.get(s, ()))):
                seen = self._seen[s][t]
                seen.append(observed.exchange.seq)
                if (s, t) in self._answered:
                    self._await(s, observed)
                if len(seen) == EXAMPLES_KEPT:
                    full.append(candidate)
        if full:
            self._tracking.clear()  # a stateful step may have got all its examples
        for candidate in full:  # a step with all its examples has nothing more to learn
            for operation in candidate[2].operations:
                self._by_operation[candidate[2].module, operation].remove(candidate)

    def _declared(self, credentials: Any) -> None:
        """The partner's roles from its own Credentials (its request as the client, its answer as the server)."""
        for role in getattr(credentials, "roles", None) or ():
            name = str(getattr(role, "role", "")).upper()
            if name in _PUSHES:
                self.declared_roles.add(name)

    @property
    def declared_role(self) -> str | None:
        """The one partner role (CPO or EMSP) its Credentials declared, if they declared exactly one."""
        return next(iter(self.declared_roles)) if len(self.declared_roles) == 1 else None

    def _push(self, observed: Observed) -> _Pushed | None:
        """The push's status before and after; an accepted push leaves its object in the status after."""
        key = _object(observed)
        if key is None:
            return None
        before = self._states.get(key)
        body = _body_status(observed)
        after = body if body is not None else before
        if observed.accepted:
            self._states[key] = after or ""
        return _Pushed(before, after, body)

    def _await(self, s: int, observed: Observed) -> None:
        response_url = getattr(observed.request, "response_url", None)
        if isinstance(response_url, str):
            self._awaiting.setdefault(s, set()).add(url_key(response_url))

    def infer_role(self) -> str:
        """The partner's role: the one its Credentials declared, else from what it pushed (CPOs push
        locations to CDRs, eMSPs tokens and commands)."""
        if self.declared_role is not None:
            return self.declared_role
        return "EMSP" if self.pushes_as("EMSP") > self.pushes_as("CPO") else "CPO"

    def pushes_as(self, role: str) -> int:
        """How many of the partner's pushes only a partner of `role` sends."""
        return sum(self.partner_pushes[module] for module in _PUSHES[role])

    def role_note(self, given: str | None) -> str | None:
        """Why the readiness may be judged for the wrong role: given against the traffic, or guessed from nothing."""
        declared = self.declared_role
        if given is None:
            if declared is not None or self.pushes_as("CPO") or self.pushes_as("EMSP"):
                return None
            return ("the partner declared no role in a credentials exchange and pushed nothing that tells it: "
                    "judged as a CPO; give --role emsp if it is an eMSP")
        role = given.upper()
        other = "CPO" if role == "EMSP" else "EMSP"
        if declared is not None and declared != role:
            return (f"judged as --role {role.lower()}, but the partner's credentials declare it "
                    f"{_ARTICLE[declared]}: check --role")
        if declared is not None or self.pushes_as(role) or not self.pushes_as(other):
            return None
        modules = sorted(module for module in _PUSHES[other] if self.partner_pushes[module])
        return (f"judged as --role {role.lower()}, but the partner pushed only what a{'n' if other == 'EMSP' else ''} "
                f"{other} pushes ({', '.join(modules)}): check --role")

    def seen(self, index: int) -> list[list[int]]:
        return self._seen[index]


def _mark(steps: list[list[int]], flagged: set[int]) -> tuple[Mark, list[int]]:
    seqs = sorted({seq for step in steps for seq in step})
    if not all(steps):
        return "not seen", seqs
    return ("seen with findings" if flagged.intersection(seqs) else "seen"), seqs


def finding_module(finding: Finding) -> str | None:
    """The module a finding counts against: its rule's, or for transport rules the exchange's."""
    if finding.module in MODULE_TITLES:
        return finding.module
    return finding.exchange_module if finding.exchange_module in MODULE_TITLES else None


def _verdict(exchanges: int, errors: int, scenarios: list[ScenarioResult]) -> Verdict:
    if exchanges == 0:
        return "not exercised"
    if errors:
        return "failing"
    if any(scenario.mark == "not seen" for scenario in scenarios):
        return "partly exercised"
    return "ready"


def assess(tracker: ScenarioTracker, findings: Iterable[Finding], role: str | None) -> Readiness:
    """The partner's readiness, judged on the partner's findings; the hub's are counted apart."""
    given, role = role, (role or tracker.infer_role()).upper()
    by_module: dict[str, list[Finding]] = {module: [] for module in MODULE_ORDER}
    flagged: set[int] = set()
    hubs: list[Finding] = []
    for finding in findings:
        if finding.culprit == "hub":
            hubs.append(finding)
            continue
        module = finding_module(finding)
        if module is not None:
            by_module[module].append(finding)
        if finding.seq is not None:
            flagged.add(finding.seq)
    modules = []
    for module in MODULE_ORDER:
        results = []
        for index, scenario in enumerate(tracker.scenarios):
            if scenario.module == module and scenario.role == role:
                mark, seqs = _mark(tracker.seen(index), flagged)
                results.append(ScenarioResult(id=scenario.id, title=scenario.title, spec=scenario.spec, mark=mark,
                                              seqs=seqs))
        found = by_module[module]
        errors = sum(1 for finding in found if finding.severity == "error")
        modules.append(ModuleReadiness(
            module=module, title=MODULE_TITLES[module], exchanges=tracker.exchanges[module], errors=errors,
            warnings=len(found) - errors, codes=dict(sorted(Counter(f.code for f in found).items())),
            scenarios=results, verdict=_verdict(tracker.exchanges[module], errors, results),
        ))
    ready = [m.title for m in modules if m.verdict == "ready"]
    days = [ready[i:i + MODULES_PER_DAY] for i in range(0, len(ready), MODULES_PER_DAY)]
    hub_errors = sum(1 for finding in hubs if finding.severity == "error")
    hub = HubSide(errors=hub_errors, warnings=len(hubs) - hub_errors,
                  codes=dict(sorted(Counter(f.code for f in hubs).items()))) if hubs else None
    return Readiness(role=role, modules=modules, days=days, closing=_closing(modules, days),
                     role_note=tracker.role_note(given), hub=hub)


def why_not_ready(module: ModuleReadiness) -> str:
    """What keeps a module from "ready", beyond its verdict: `2 errors`, `1 of 3 scenarios seen`, or ""."""
    if module.verdict == "failing":
        return f"{module.errors} error{'s' if module.errors != 1 else ''}"
    if module.verdict == "partly exercised":
        return f"{module.scenarios_seen} of {len(module.scenarios)} scenarios seen"
    return ""


def _closing(modules: list[ModuleReadiness], days: list[list[str]]) -> str:
    if days:
        booked = "; ".join(f"day {n}: {', '.join(titles)}" for n, titles in enumerate(days, start=1))
        parts = [f"Ready to book ({MODULES_PER_DAY} modules a day at most): {booked}."]
    else:
        parts = ["No module is ready to book."]
    pending = []
    for module in modules:
        if module.verdict != "ready":
            detail = why_not_ready(module)
            pending.append(f"{module.title} ({module.verdict}{': ' + detail if detail else ''})")
    if pending:
        parts.append(f"Not ready: {', '.join(pending)}.")
    return " ".join(parts)
