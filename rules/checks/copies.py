"""ENV201, ENV202: what a party pushed, as it later serves it and as the receiver keeps it.

Theory of operation: an object's owner (the CPO for locations, tariffs,
sessions and CDRs; the eMSP for tokens) pushes it to the other party's
Receiver interface. Two reads must then agree with those pushes:

- the owner's own list (its Sender interface, pulled by the other party)
  holds every object it pushed whose `last_updated` falls in the pull's
  window: with no `date_to`, that is every object pushed at or after
  `date_from`, since `last_updated` only grows and these objects are never
  deleted (ENV201);
- the receiver's copy of one object, read back by the owner, is no older
  than what the owner pushed and the receiver accepted: the same or a later
  `last_updated`, and for a session no lower kWh, the same status and every
  charging period appended (ENV202).

Per direction and module this checker keeps, for each object pushed and
accepted, the `last_updated` of its last push (a location's own: the pushes
of its EVSEs and connectors, most of a CPO's traffic, are not followed, at
the price of expecting a location in a list only by its own last PUT) and,
for sessions, what the pushes add up to. A push whose body did not decode leaves the object uncertain:
nothing is held against its copy until a full PUT.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Final
from urllib.parse import parse_qs, urlsplit

from msgspec import UNSET

from ..findings import Where
from ..model import parse_datetime
from ..recent import Recent
from ..registry import Severity, Violation
from ..routes import OTHER_DIRECTION
from .sequencing import Observed, SeqReport, Watched, note, object_key

OWNED: Final = frozenset({"locations", "tariffs", "sessions", "cdrs", "tokens"})
_PUSHES: Final = frozenset({"put", "patch", "post"})
SHOWN: Final = 5  # object ids named in one finding
_NOTHING: Final[Iterator[SeqReport]] = iter(())  # exhausted: every loop over it ends at once

Key = tuple[str, str, str]


class PullMissesPushedObjects(Violation, frozen=True, kw_only=True):
    """## What it checks
    A list GET of a party's Sender interface (locations, tariffs, sessions,
    CDRs, tokens) without `date_to` holds every object that party pushed,
    and had accepted, with a `last_updated` at or after the request's
    `date_from`: counted by `X-Total-Count`, and by id on a list answered
    whole in one page.

    ## Why it matters
    Pulls are how the other party catches up with what it missed; a list
    that leaves out objects the owner itself pushed means the pull serves
    another store than the pushes, and objects vanish for whoever relies on
    the pull.

    ## Example
    The CPO PUTs session S1 to the eMSP, then answers the eMSP's
    `GET {sessions}?date_from=...` with `"data": []`.

    ## Expected
    Serve the same objects from the Sender interface as were pushed: every
    object whose `last_updated` is in the requested window.
    """

    code = "ENV201"
    severity = Severity.ERROR
    spec = "§4.1.3, §8.2.1.1, §9.2.1.1, §10.2.1.1, §11.2.1.1, §12.2.1.1"
    about = "response"
    module_name: str
    missing: int
    shown: str
    total: int | None = None

    def message(self) -> str:
        said = f"X-Total-Count says {self.total}, but " if self.total is not None else ""
        return (f"{said}the {self.module_name} list leaves out {self.missing} object(s) its owner pushed within "
                f"the requested window: {self.shown}")


class ReceiverCopyDiffers(Violation, frozen=True, kw_only=True):
    """## What it checks
    An object the owner reads back from the other party's Receiver
    interface is the one it pushed and the receiver accepted: its
    `last_updated` is not older than the last accepted push; a session's
    `kwh` is not lower, its `status` the same, and it holds every charging
    period the pushes appended.

    ## Why it matters
    A receiver that accepts a push and keeps an older copy shows the driver
    stale data (a session still ACTIVE, energy missing) and later bills
    from it; the owner's GET is how a certification day checks the push was
    stored.

    ## Example
    A session PATCH appending a second charging period is answered 1000,
    then the CPO's `GET {sessions}/PT/CPO/S1` at the eMSP returns one
    charging period.

    ## Expected
    Store every accepted push, PATCHes merged into the object (charging
    periods appended), and serve that copy.
    """

    code = "ENV202"
    severity = Severity.ERROR
    spec = "§8.2.2, §9.2.2, §11.2.2, §12.2.2, §3.2 (PATCH)"
    about = "response"
    object_label: str
    difference: str

    def message(self) -> str:
        return f"the receiver's copy of {self.object_label} differs from what was pushed: {self.difference}"


@dataclass
class Pushed:
    where: Where  # the last accepted push
    ended_at: float
    last_updated: str | None = None
    uncertain: bool = False  # a push did not decode: what it changed is unknown
    published: bool = True  # a location pushed with publish false need not be listed for everyone
    # Sessions only:
    kwh: float | None = None
    status: str | None = None
    periods: int = 0


def _instant(stamp: Any) -> float | None:
    if not isinstance(stamp, str):
        return None
    try:
        return parse_datetime(stamp).timestamp()
    except ValueError:
        return None


def _key_of(observed: Observed) -> Key | None:
    key = observed.key
    if key is None or key.country_code is None or key.party_id is None or key.id is None:
        return None
    return object_key(key.country_code, key.party_id, key.id)


def _object_key(module: str, item: Any) -> Key | None:
    ident = getattr(item, "uid" if module == "tokens" else "id", None)
    country, party = getattr(item, "country_code", None), getattr(item, "party_id", None)
    if not isinstance(ident, str) or not isinstance(country, str) or not isinstance(party, str):
        return None
    return object_key(country, party, ident)


def _ids(keys: list[Key]) -> str:
    return ", ".join("/".join(key) for key in keys[:SHOWN]) + (", ..." if len(keys) > SHOWN else "")


def _query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


class CopiesChecker:
    watches: ClassVar[Watched] = OWNED

    def __init__(self) -> None:
        # (direction of the pushes, module) -> object -> what its pushes add up to
        self._pushed: dict[tuple[str, str], Recent[Key, Pushed]] = {}

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        # Not a generator itself: a push, most of the traffic, returns without making one.
        operation = observed.operation
        if operation in _PUSHES:
            key = observed.key
            # A location's parts (an EVSE's status PATCH: most of a CPO's traffic) are not followed: they
            # could only make its last_updated later, and so the location expected in more lists.
            if observed.module != "locations" or (operation != "patch" and (key is None or not key.evse_uid)):
                self._push(observed)
            return _NOTHING
        if operation == "list":
            return self._list(observed)
        if operation == "get":
            return self._copy(observed)
        return _NOTHING

    def finish(self) -> Iterator[SeqReport]:
        return iter(())

    def _push(self, observed: Observed) -> None:
        if observed.ended_at is None or not observed.accepted:
            return
        body, direction = observed.request, observed.exchange.direction
        if observed.operation == "patch":  # (a location's parts never come here: `feed` leaves them out)
            self._part(observed, body)
            return
        # A whole object is known by its own ids (a CDR's POST URL has none; a URL may name another object, which
        # its own rule reports).
        key = _object_key(observed.module, body) if body is not None else _key_of(observed)
        if key is None:
            return
        state = Pushed(where=observed.where, ended_at=observed.ended_at, uncertain=body is None)
        self._pushed.setdefault((direction, observed.module), Recent())[key] = state
        if body is None:
            return
        stamp = getattr(body, "last_updated", None)
        if isinstance(stamp, str):
            state.last_updated = stamp
        if observed.module == "locations":
            state.published = getattr(body, "publish", True) is not False
        elif observed.module == "sessions":
            self._session(state, body, whole=True)

    def _part(self, observed: Observed, body: Any) -> None:
        """A PATCH: it updates an object pushed whole before, if one was."""
        table = self._pushed.get((observed.exchange.direction, observed.module))
        key = _key_of(observed) if table else None
        # Read without refreshing its place in the table: the parts' pushes are many, the whole object's few.
        state = dict.get(table, key) if table is not None and key is not None else None
        if state is None:
            return  # nothing was expected of an object never pushed whole
        state.where, state.ended_at = observed.where, observed.ended_at or state.ended_at
        if body is None:
            state.uncertain = True
            return
        stamp = getattr(body, "last_updated", None)
        if isinstance(stamp, str):
            state.last_updated = stamp
        if observed.module == "sessions":
            self._session(state, body, whole=False)

    @staticmethod
    def _session(state: Pushed, body: Any, whole: bool) -> None:
        kwh, status, periods = getattr(body, "kwh", UNSET), getattr(body, "status", UNSET), \
            getattr(body, "charging_periods", UNSET)
        if isinstance(kwh, (int, float)) and not isinstance(kwh, bool):
            state.kwh = float(kwh)
        if status is not UNSET and status is not None:
            state.status = str(status)
        if whole:
            state.periods = len(periods) if isinstance(periods, list) else 0
        elif isinstance(periods, list):
            state.periods += len(periods)  # a PATCH appends its periods

    def _list(self, observed: Observed) -> Iterator[SeqReport]:
        """A pull of the callee's own objects: are the ones it pushed (the other way) there?"""
        table = self._pushed.get((OTHER_DIRECTION.get(observed.exchange.direction, ""), observed.module))
        response = observed.exchange.response
        if not table or not observed.accepted or not isinstance(observed.data, list) or response is None:
            return
        query = _query(observed.exchange.request.url)
        if "date_to" in query:
            return  # an object updated since, beyond date_to, is rightly left out
        since = _instant(query["date_from"]) if "date_from" in query else float("-inf")
        if since is None:
            return  # a malformed date_from: ENV136 reports it
        expected = {key for key, state in table.items()
                    if state.ended_at <= observed.started_at and state.published and not state.uncertain
                    and (since == float("-inf") or (_instant(state.last_updated) or float("-inf")) >= since)}
        if not expected:
            return
        total_header = response.header("X-Total-Count")
        total = int(total_header) if total_header is not None and total_header.isdigit() else None
        offset = query.get("offset", "0")
        link = response.header("Link")
        whole = offset in ("", "0") and (total is None or total <= len(observed.data)) and (
            link is None or 'rel="next"' not in link)
        if whole:
            if observed.dropped:
                return  # objects of the page that did not decode (reported) may be the ones expected
            returned = {_object_key(observed.module, item) for item in observed.data}
            missing = sorted(expected - returned)
            if missing:
                yield self._missing(observed, missing, total)
        elif total is not None and total < len(expected) and offset in ("", "0"):
            # Paged: how many are missing, not which; said at the first page, as the total is the pull's.
            shown = f"{len(expected)} were pushed, among them " + _ids(sorted(expected))
            yield SeqReport(PullMissesPushedObjects(module_name=observed.module, missing=len(expected) - total,
                                                    shown=shown, total=total), observed.where, "$.data")

    def _missing(self, observed: Observed, missing: list[Key], total: int | None) -> SeqReport:
        table = self._pushed[(OTHER_DIRECTION[observed.exchange.direction], observed.module)]
        first = table.get(missing[0])
        notes = (note(f"{'/'.join(missing[0])} was pushed here", first.where),) if first is not None else ()
        return SeqReport(PullMissesPushedObjects(module_name=observed.module, missing=len(missing),
                                                 shown=_ids(missing), total=total), observed.where, "$.data", notes)

    def _copy(self, observed: Observed) -> Iterator[SeqReport]:
        """The owner reads its object back from the receiver: is it what was pushed?"""
        key = _key_of(observed)
        if key is None or observed.key.evse_uid is not None or observed.data is None or not observed.accepted:
            return
        table = self._pushed.get((observed.exchange.direction, observed.module))
        state = table.get(key) if table is not None else None
        if state is None or state.uncertain or state.ended_at > observed.started_at:
            return
        copy = observed.data
        differences = []
        pushed_at, kept_at = _instant(state.last_updated), _instant(getattr(copy, "last_updated", None))
        if pushed_at is not None and kept_at is not None and kept_at < pushed_at:
            differences.append(f"last_updated {copy.last_updated}, older than the {state.last_updated} pushed")
        if observed.module == "sessions":
            kwh = getattr(copy, "kwh", None)
            if state.kwh is not None and isinstance(kwh, (int, float)) and kwh < state.kwh:
                differences.append(f"kwh {kwh}, where {state.kwh} was pushed")
            status = getattr(copy, "status", None)
            if state.status is not None and status is not None and str(status) != state.status:
                differences.append(f"status {status}, where {state.status} was pushed")
            periods = getattr(copy, "charging_periods", None)
            held = len(periods) if isinstance(periods, list) else 0
            if held < state.periods:
                differences.append(f"{held} charging period(s), where the pushes gave {state.periods}")
        if differences:
            yield SeqReport(ReceiverCopyDiffers(object_label="/".join(key), difference="; ".join(differences)),
                            observed.where, "$.data", (note("the last accepted push", state.where),))
