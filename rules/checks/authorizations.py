"""TOK207, TOK401: what the eMSP vouched for, by real-time authorization or by command (§12.2.2, §13.3).

Theory of operation: per token (uid, type) this checker keeps the latest
AuthorizationInfo per location asked about (None when the authorize named
no location) and the latest accepted StartSession/ReserveNow, each with
its authorization_reference and where it happened; the session checkers
read them through `latest_authorization()` and `latest_command()`. An
authorize is judged against the commands already received for its token
(TOK207) and against the profile's time limit (TOK401). Recency is the
order in which exchanges are fed (request start order), counted here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from ..findings import Where
from ..recent import Recent, RecentSet
from ..registry import Severity, Violation
from .sequencing import Observed, SeqReport, Watched, note
from .tokens import TokenKey, token_key, token_label

# Token types the eMSP vouches for by command only: the CPO never asks about them (§13.3.5).
COMMAND_ONLY_TYPES: Final = frozenset({"APP_USER", "AD_HOC_USER"})
# How long after a StartSession/ReserveNow the CPO must not ask about an RFID token there (§13.3.4, §13.3.5).
COMMAND_QUIET_SECONDS: Final = 15 * 60.0
VOUCHING_COMMANDS: Final = frozenset({"START_SESSION", "RESERVE_NOW"})


class CommandTokenAuthorized(Violation, frozen=True, kw_only=True):
    """## What it checks
    The CPO does not real-time-authorize a token it received in a
    StartSession or ReserveNow: never for an APP_USER or AD_HOC_USER token,
    and not within 15 minutes at that Charge Point for an RFID token.

    ## Why it matters
    A token in a command is vouched for by the eMSP; asking again delays
    the start, and the app and ad-hoc tokens are often not known to the
    authorize endpoint at all, so the driver is refused.

    ## Example
    START_SESSION for APP_USER token U3 at location L1, accepted, then
    `POST {tokens}/U3/authorize?type=APP_USER`.

    ## Expected
    Start the charge on the command's word; no authorize for that token.
    """

    code = "TOK207"
    severity = Severity.ERROR
    spec = "§13.3.4, §13.3.5"
    about = "request"
    token: str
    command: str

    def message(self) -> str:
        return f"token {self.token} is authorized in real time although {self.command} vouched for it"


class SlowAuthorization(Violation, frozen=True, kw_only=True):
    """## What it checks
    A real-time authorize is answered within the profile's limit
    (`authorize_slow_seconds`, 5 s by default).

    ## Why it matters
    The driver stands at the Charge Point while the CPO waits; slow answers
    make Charge Points time out and fall back to local decisions.

    ## Example
    `POST {tokens}/U1/authorize` answered 9 seconds after it was sent.

    ## Expected
    An AuthorizationInfo within a few seconds.
    """

    code = "TOK401"
    severity = Severity.WARNING
    spec = "§12.1.3"
    about = "response"
    token: str
    seconds: float
    limit: float

    def message(self) -> str:
        return f"authorize of token {self.token} took {self.seconds:.1f} s (limit {self.limit:g} s)"


@dataclass
class Authorization:
    """One AuthorizationInfo the eMSP returned."""

    allowed: str
    reference: str | None
    where: Where
    order: int


@dataclass
class Vouched:
    """The latest accepted StartSession/ReserveNow for a token."""

    command: str
    reference: str | None
    location: str
    evses: frozenset[str]
    started: float
    where: Where
    order: int
    reported: bool = False


def _upper(value: Any) -> str | None:
    return value.upper() if isinstance(value, str) else None


class AuthorizationsChecker:
    watches: ClassVar[Watched] = frozenset({"commands", "tokens"})

    def __init__(self, slow_seconds: float) -> None:
        self._slow = slow_seconds
        self._order = 0
        # (token, location asked) -> answer: bounded per answer, as a dict per token grew with the places it was used
        self._answers: Recent[tuple[TokenKey, str | None], Authorization] = Recent()
        self._asked: RecentSet[TokenKey] = RecentSet()
        self._commands: Recent[TokenKey, Vouched] = Recent()

    def latest_authorization(self, key: TokenKey, location: str | None) -> Authorization | None:
        """The newest AuthorizationInfo for the token that applies at `location` (asked there or nowhere)."""
        found = [a for a in (self._answers.get((key, None)), self._answers.get((key, _upper(location))))
                 if a is not None]
        return max(found, key=lambda a: a.order) if found else None

    def asked(self, key: TokenKey) -> bool:
        return key in self._asked

    def latest_command(self, key: TokenKey) -> Vouched | None:
        return self._commands.get(key)

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        self._order += 1
        if observed.module == "commands" and observed.operation == "command":
            self._command(observed)
        elif observed.module == "tokens" and observed.operation == "authorize":
            key = observed.key
            tkey = token_key(key.id, key.token_type) if key is not None else None
            if tkey is None:
                return
            yield from self._authorize(tkey, observed)

    def _command(self, observed: Observed) -> None:
        command = observed.key.command if observed.key is not None else None
        body, answer = observed.request, observed.data
        if command not in VOUCHING_COMMANDS or body is None or answer is None or not observed.accepted:
            return
        if str(getattr(answer, "result", "")) != "ACCEPTED":
            return
        tkey = token_key(body.token.uid, body.token.type)
        location = _upper(body.location_id)
        if tkey is None or location is None:
            return
        evse = _upper(body.evse_uid)
        self._commands[tkey] = Vouched(str(command), body.authorization_reference, location,
                                       frozenset({evse}) if evse else frozenset(),
                                       observed.started_at, observed.where, self._order)

    def _authorize(self, key: TokenKey, observed: Observed) -> Iterator[SeqReport]:
        self._asked.add(key)
        asked_at = getattr(observed.request, "location_id", None)
        asked_evses = frozenset(e.upper() for e in getattr(observed.request, "evse_uids", None) or [])
        yield from self._vouched(key, observed, _upper(asked_at), asked_evses)
        if observed.ended_at is not None:
            seconds = observed.ended_at - observed.started_at
            if seconds > self._slow:
                yield SeqReport(SlowAuthorization(token=token_label(key), seconds=seconds, limit=self._slow),
                                observed.where)
        info = observed.data
        if info is None or not observed.accepted:
            return
        answered_at = asked_at if isinstance(asked_at, str) else getattr(info.location, "location_id", None)
        self._answers[key, _upper(answered_at)] = Authorization(
            str(info.allowed), info.authorization_reference, observed.where, self._order)

    def _vouched(self, key: TokenKey, observed: Observed, location: str | None,
                 evses: frozenset[str]) -> Iterator[SeqReport]:
        vouched = self._commands.get(key)
        if vouched is None or vouched.reported:
            return
        if key[1] not in COMMAND_ONLY_TYPES:
            recent = observed.started_at - vouched.started <= COMMAND_QUIET_SECONDS
            same_place = location == vouched.location and not (evses and vouched.evses and not evses & vouched.evses)
            if not (recent and same_place):
                return
        vouched.reported = True
        yield SeqReport(CommandTokenAuthorized(token=token_label(key), command=vouched.command), observed.where,
                        notes=(note(f"{vouched.command} carried the token here", vouched.where),))

    def finish(self) -> Iterator[SeqReport]:
        return iter(())
