"""A CPO partner's day with a hub, simulated: the exchanges it produces, in time order of events.

Theory of operation: every actor is a story (a Python generator) that emits
exchanges through `Day.call` and yields the seconds until its next step; a
heap of (time, story) drives them. Each story reserves the exact number of
exchanges it will emit before it starts, so the day ends with exactly the
requested count and never leaves a session open, a command without its
result or a completed session without its CDR. The state kept (the fleet,
the tokens, the open sessions) is bounded by the fleet's size, never by
the number of exchanges, so millions of exchanges stream in constant memory.

A story's steps may emit a few exchanges at increasing offsets from its
step time; they never reach further than `LOOKAHEAD` seconds, which is what
lets the writer put exchanges in order with a bounded buffer.
"""

from __future__ import annotations

import base64
import calendar
import heapq
import math
import random
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from ocpi_tap.replay.capture import Direction, redact_authorization
from ocpi_tap.replay.capture.redact import redact_token_value
from ocpi_bodies import (CPO_PARTY, HUB_PARTY, PRICE_PER_KWH, Connector, Evse, Location, Session, Token, iso,
                         tariff)

HUB = "https://hub.example.org/ocpi"
PARTNER = "https://cpo.example.com/ocpi"
VERSION = "2.2.1"
START = float(calendar.timegm((2026, 11, 24, 6, 0, 0)))  # the synthetic day begins at dawn in Lisbon
LOOKAHEAD = 60.0
JSON = ("Content-Type", "application/json")
HUB_ENDPOINTS = [("credentials", "SENDER"), ("locations", "RECEIVER"), ("tariffs", "RECEIVER"),
                 ("sessions", "RECEIVER"), ("cdrs", "RECEIVER"), ("tokens", "SENDER"), ("commands", "SENDER")]
PARTNER_ENDPOINTS = [("credentials", "SENDER"), ("locations", "SENDER"), ("tariffs", "SENDER"),
                     ("sessions", "SENDER"), ("cdrs", "SENDER"), ("tokens", "RECEIVER"), ("commands", "RECEIVER")]
STREETS = ["Avenida da Liberdade", "Rua Augusta", "Avenida da Boavista", "Rua de Santa Catarina", "Avenida Central"]
CITIES = [("Lisboa", "1250-096", 38.72225, -9.13934), ("Porto", "4000-322", 41.14961, -8.61099),
          ("Braga", "4700-035", 41.55032, -8.42005), ("Faro", "8000-125", 37.01869, -7.92440)]
SESSION_UPDATE_SECONDS = (420.0, 840.0)  # meter PATCHes of an ACTIVE session (the hub expects < 900 s)
COMMAND_TIMEOUT = 30
LOCATIONS_PAGE, TOKENS_PAGE, TARIFFS_PAGE = 50, 100, 10  # objects per page of the paginated pulls


@dataclass
class Record:
    """One exchange, before it has a seq."""

    started: float
    ended: float
    direction: Direction
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes | None
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes


Story = Generator[float, None, None]
NO_DATA = object()


def _plain_token(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


class Day:
    def __init__(self, count: int, seed: int = 2026, locations: int | None = None) -> None:
        if count < 200:
            raise ValueError(f"a synthetic day needs at least 200 exchanges, not {count}")
        self.rng = random.Random(seed)
        self.budget = count
        self.emitted = 0
        self.committed = 0
        self.now = START
        self._heap: list[tuple[float, int, Story]] = []
        self._counter = 0
        self._step = 0
        self._numbers: dict[str, int] = {}
        self._outbox: list[Record] = []
        # Credentials tokens: A (registration), B (the hub calls the partner), C (the partner calls the hub);
        # in a capture only their fingerprints appear, Base64 in headers as OCPI 2.2.1 sends them.
        self._plain = {name: _plain_token(self.rng) for name in "ABC"}
        self._auth = {name: redact_authorization("Token " + _b64(plain)) for name, plain in self._plain.items()}
        self.tariffs = ["T-AC", "T-DC"]
        self.locations = self._fleet(locations if locations is not None else max(3, min(count // 60, 2000)))
        self.location_by_id = {location.id: location for location in self.locations}
        self.evses = [evse for location in self.locations for evse in location.evses]
        self.tokens: list[Token] = []
        self.token_cap = max(12, min(count // 60, 4000))

    # --- numbering, ids, time

    def number(self, kind: str) -> int:
        self._numbers[kind] = self._numbers.get(kind, 0) + 1
        return self._numbers[kind]

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def latency(self, low: float = 0.03, high: float = 0.4) -> float:
        return self.rng.uniform(low, high)

    # --- the exchange budget

    def free(self) -> int:
        return self.budget - self.emitted - self.committed

    def start(self, story: Callable[..., Story], cost: int, *args: Any, delay: float = 0.0) -> bool:
        """Run `story` if its `cost` exchanges fit in what is left of the day."""
        if cost > self.free():
            return False
        self.committed += cost
        self.schedule(self._counted(story(*args), cost), delay)
        return True

    def _counted(self, story: Story, cost: int) -> Story:
        """`story`, checked to emit exactly `cost` exchanges (stories never run inside each other)."""
        emitted = 0
        while True:
            self._step = 0
            try:
                delay = next(story)
            except StopIteration:
                emitted += self._step
                break
            emitted += self._step
            yield delay
        assert emitted == cost, (story, cost, emitted)

    def schedule(self, story: Story, delay: float) -> None:
        self._counter += 1
        heapq.heappush(self._heap, (self.now + delay, self._counter, story))

    # --- exchanges

    def call(self, direction: Direction, method: str, url: str, body: Any = None, *, offset: float = 0.0,
             status: int = 200, data: Any = NO_DATA, answer_headers: list[tuple[str, str]] | None = None,
             latency: float | None = None, token: str | None = None, routed: bool = True) -> float:
        """Emit one exchange starting `offset` seconds after now; returns when it ended (seconds after now)."""
        assert offset < LOOKAHEAD, offset
        started = self.now + offset
        took = latency if latency is not None else self.latency()
        ended = started + took
        request_id, correlation_id = self.uuid(), self.uuid()
        to_hub = direction == "to_hub"
        headers = [("Authorization", self._auth[token or ("C" if to_hub else "B")]),
                   ("X-Request-ID", request_id), ("X-Correlation-ID", correlation_id)]
        answer = [JSON, ("X-Request-ID", request_id), ("X-Correlation-ID", correlation_id)]
        if routed:
            caller, callee = (CPO_PARTY, HUB_PARTY) if to_hub else (HUB_PARTY, CPO_PARTY)
            headers += _routing(caller, callee)
            answer += _routing(callee, caller)
        request_body = None
        if body is not None:
            headers.append(JSON)
            request_body = orjson.dumps(body)
        envelope: dict[str, Any] = {"status_code": 1000 if status < 400 else 2000}
        if data is not NO_DATA:
            envelope["data"] = data
        envelope["timestamp"] = iso(ended, precise=False)
        self._outbox.append(Record(started, ended, direction, method, url, headers, request_body, status,
                                   answer + (answer_headers or []), orjson.dumps(envelope)))
        self.emitted += 1
        self.committed -= 1
        self._step += 1
        return offset + took

    # --- the day

    def run(self) -> Iterator[Record]:
        """Every exchange of the day, each step's in the order they were emitted."""
        self.schedule(self.opening(), 0.0)
        while self._heap and self.emitted < self.budget:
            moment, _, story = heapq.heappop(self._heap)
            self.now = moment
            try:
                delay = next(story)
            except StopIteration:
                delay = None
            if delay is not None:
                self.schedule(story, delay)
            yield from self._outbox
            self._outbox.clear()
        assert self.emitted == self.budget and self.committed == 0, (self.emitted, self.committed)

    def opening(self) -> Story:
        """Registration, then tariffs, locations and tokens pushed, then the first pulls; then the day runs."""
        self.reserve(5)
        at = self.call("to_hub", "GET", f"{HUB}/versions", token="A", routed=False,
                       data=[{"version": VERSION, "url": f"{HUB}/{VERSION}"}])
        at = self.call("to_hub", "GET", f"{HUB}/{VERSION}", offset=at + 0.05, token="A", routed=False,
                       data=_details(HUB, HUB_ENDPOINTS))
        post_at = at + 0.05
        # The hub (the server) reads the partner's versions with token B while answering the POST.
        at = self.call("to_partner", "GET", f"{PARTNER}/versions", offset=post_at + 0.05, routed=False,
                       data=[{"version": VERSION, "url": f"{PARTNER}/{VERSION}"}])
        at = self.call("to_partner", "GET", f"{PARTNER}/{VERSION}", offset=at + 0.05, routed=False,
                       data=_details(PARTNER, PARTNER_ENDPOINTS))
        self.call("to_hub", "POST", f"{HUB}/{VERSION}/credentials", token="A", routed=False, offset=post_at,
                  latency=at - post_at + 0.05,
                  body=_credentials(self._fingerprint("B"), PARTNER, "CPO", CPO_PARTY, "Synthetic CPO"),
                  data=_credentials(self._fingerprint("C"), HUB, "HUB", HUB_PARTY, "Synthetic Hub"))
        yield at + 1.0
        self.reserve(len(self.tariffs))
        for number, tariff_id in enumerate(self.tariffs):
            self.call("to_hub", "PUT", f"{HUB}/{VERSION}/tariffs/PT/CPO/{tariff_id}", status=201,
                      body=tariff(tariff_id, PRICE_PER_KWH, self.now), offset=0.3 * number)
        yield 1.0
        self.start(self.tariff_pull, _pages(len(self.tariffs), TARIFFS_PAGE), delay=5.0)
        for location in self.locations:
            if not self.reserve(1):
                break
            location.last_updated = self.now
            for evse in location.evses:
                evse.last_updated = self.now
                for connector in evse.connectors:
                    connector.last_updated = self.now
            self.call("to_hub", "PUT", f"{HUB}/{VERSION}/locations/PT/CPO/{location.id}", location.body(),
                      status=201)
            yield self.latency(0.05, 0.3)
        for _ in range(self.token_cap * 2 // 3):
            if not self.start(self.token_push, 1):
                break
            yield self.latency(0.02, 0.2)
        for evse in self.evses:
            self.schedule(self.evse_life(evse), self.rng.uniform(0, 600))
        self.schedule(self.pulls(), 60.0)
        self.schedule(self.token_changes(), 120.0)

    def _fingerprint(self, name: str) -> str:
        return redact_token_value(self._plain[name])

    def reserve(self, cost: int) -> bool:
        """For the opening, which is not itself started: take `cost` exchanges if they fit."""
        if cost > self.free():
            return False
        self.committed += cost
        return True

    # --- the fleet and its status changes

    def _fleet(self, count: int) -> list[Location]:
        rng = self.rng
        fleet = []
        for number in range(1, count + 1):
            city, postal, lat, lon = rng.choice(CITIES)
            location_id = f"LOC{number:05d}"
            evses = []
            for index in range(1, rng.choice((1, 2, 2, 2, 3, 4)) + 1):
                dc = rng.random() < 0.3
                uid = f"{location_id}-{index}"
                connectors = [Connector("1", "IEC_62196_T1_COMBO" if dc else "IEC_62196_T2",
                                        "CABLE" if dc else "SOCKET", "DC" if dc else "AC_3_PHASE",
                                        400 if dc else 230, 125 if dc else 32, "T-DC" if dc else "T-AC", 0.0)]
                evses.append(Evse(location_id, uid, f"PT*CPO*E{number:05d}{index}", connectors))
            fleet.append(Location(location_id, f"Posto {number}", f"{rng.choice(STREETS)} {rng.randrange(1, 300)}",
                                  city, postal, f"{lat + rng.uniform(-0.05, 0.05):.6f}",
                                  f"{lon + rng.uniform(-0.05, 0.05):.6f}", evses, 0.0))
        return fleet

    def evse_patch(self, evse: Evse, status: str, offset: float = 0.0) -> float:
        evse.status, evse.last_updated = status, self.now + offset
        return self.call("to_hub", "PATCH", f"{HUB}/{VERSION}/locations/PT/CPO/{evse.location_id}/{evse.uid}",
                         {"status": status, "last_updated": iso(evse.last_updated)}, offset=offset)

    def evse_life(self, evse: Evse) -> Story:
        """An EVSE's day: short status changes (blocked by a parked car, offline, faults) and charging sessions."""
        rng = self.rng
        while True:
            if not evse.busy and evse.status == "AVAILABLE" and self.free() > 0:
                draw = rng.random()
                if draw < 0.22:
                    self.begin_session(evse)
                elif draw < 0.23:
                    self.start(self.unlock, 2, evse)
                elif self.free() >= 2:
                    self.start(self.status_blip, 2, evse)
                else:
                    self.start(self.status_refresh, 1, evse)
            yield rng.expovariate(1 / 600.0)

    def status_blip(self, evse: Evse) -> Story:
        evse.busy = True
        self.evse_patch(evse, self.rng.choice(("BLOCKED", "BLOCKED", "BLOCKED", "UNKNOWN", "INOPERATIVE",
                                               "OUTOFORDER")))
        yield self.rng.uniform(30, 900)
        self.evse_patch(evse, "AVAILABLE")
        evse.busy = False

    def status_refresh(self, evse: Evse) -> Story:
        self.evse_patch(evse, evse.status)
        yield from ()

    # --- tokens (the hub pushes them for its eMSPs)

    def new_token(self) -> Token:
        number = self.number("token")
        if self.rng.random() < 0.35:
            return Token(f"APP{number:07d}", "APP_USER", f"PT-MBE-A{number:07d}", "ALLOWED")
        whitelist = self.rng.choice(("ALWAYS", "ALLOWED", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"))
        uid = f"{self.rng.getrandbits(56):014X}"
        return Token(uid, "RFID", f"PT-MBE-C{number:07d}", whitelist, visual_number=f"MBE-{number:07d}")

    def token_push(self, token: Token | None = None) -> Story:
        if token is None:
            token = self.new_token()
            self.tokens.append(token)
            status = 201
        else:
            status = 200
        token.last_updated = self.now
        query = "" if token.type == "RFID" else f"?type={token.type}"
        self.call("to_partner", "PUT", f"{PARTNER}/{VERSION}/tokens/PT/MBE/{token.uid}{query}", token.body(),
                  status=status)
        yield from ()

    def token_invalidate(self, token: Token) -> Story:
        token.valid, token.last_updated = False, self.now
        query = "" if token.type == "RFID" else f"?type={token.type}"
        self.call("to_partner", "PATCH", f"{PARTNER}/{VERSION}/tokens/PT/MBE/{token.uid}{query}",
                  {"valid": False, "last_updated": iso(self.now)})
        yield from ()

    def token_changes(self) -> Story:
        """New cards and apps through the day, now and then one blocked (lost, contract ended)."""
        while True:
            draw = self.rng.random()
            if not self.tokens or draw < 0.6 and len(self.tokens) < self.token_cap:
                self.start(self.token_push, 1)
            elif draw < 0.8:
                self.start(self.token_push, 1, self.rng.choice(self.tokens))
            else:
                candidate = self.rng.choice(self.tokens)
                if candidate.valid:
                    self.start(self.token_invalidate, 1, candidate)
            yield self.rng.expovariate(1 / 180.0)

    # --- paginated pulls

    def pulls(self) -> Story:
        """The hub re-reads the partner's locations, the partner the hub's tokens, every few hours."""
        while True:
            self.start(self.location_pull, _pages(len(self.locations), LOCATIONS_PAGE))
            yield 1800.0
            tokens = list(self.tokens)
            self.start(self.token_pull, _pages(len(tokens), TOKENS_PAGE), tokens)
            yield 4 * 3600.0

    def paginate(self, direction: Direction, base: str, objects: list[Any], limit: int) -> Story:
        total = len(objects)
        offset, at = 0, 0.0
        while True:
            page = objects[offset:offset + limit]
            headers = [("X-Total-Count", str(total)), ("X-Limit", str(limit))]
            if offset + limit < total:
                headers.append(("Link", f'<{base}?offset={offset + limit}&limit={limit}>; rel="next"'))
            at = self.call(direction, "GET", f"{base}?offset={offset}&limit={limit}", offset=at,
                           data=[item.body() if hasattr(item, "body") else item for item in page],
                           answer_headers=headers, latency=self.latency(0.1, 0.8)) + 0.05
            offset += limit
            if offset >= total:
                return
            if at > LOOKAHEAD / 2:
                yield at
                at = 0.0

    def location_pull(self) -> Story:
        yield from self.paginate("to_partner", f"{PARTNER}/{VERSION}/locations", self.locations, LOCATIONS_PAGE)

    def token_pull(self, tokens: list[Token]) -> Story:
        yield from self.paginate("to_hub", f"{HUB}/{VERSION}/tokens", tokens, TOKENS_PAGE)

    def tariff_pull(self) -> Story:
        now = self.now
        yield from self.paginate("to_partner", f"{PARTNER}/{VERSION}/tariffs",
                                 [tariff(tariff_id, PRICE_PER_KWH, now) for tariff_id in self.tariffs], TARIFFS_PAGE)

    # --- commands

    def command(self, name: str, body: dict[str, Any], offset: float = 0.0) -> tuple[float, str]:
        """The hub sends a command for its eMSP; the CPO accepts it. (when answered, response_url)."""
        response_url = f"{HUB}/{VERSION}/commands/{name}/{self.number('command')}"
        at = self.call("to_partner", "POST", f"{PARTNER}/{VERSION}/commands/{name}",
                       {"response_url": response_url, **body}, offset=offset, latency=self.latency(0.2, 1.5),
                       data={"result": "ACCEPTED", "timeout": COMMAND_TIMEOUT})
        return at, response_url

    def command_result(self, response_url: str) -> None:
        self.call("to_hub", "POST", response_url, {"result": "ACCEPTED"})

    def unlock(self, evse: Evse) -> Story:
        evse.busy = True
        _, url = self.command("UNLOCK_CONNECTOR", {"location_id": evse.location_id, "evse_uid": evse.uid,
                                                   "connector_id": evse.connectors[0].id})
        yield self.rng.uniform(2, 8)
        self.command_result(url)
        evse.busy = False

    # --- sessions

    def pick_token(self, usable: Callable[[Token], bool]) -> Token | None:
        for _ in range(8 if self.tokens else 0):
            token = self.rng.choice(self.tokens)
            if not token.in_use and usable(token):
                token.in_use = True
                return token
        return None

    def begin_session(self, evse: Evse) -> None:
        rng = self.rng
        draw = rng.random()
        if draw < 0.4:
            method = "COMMAND"
            token = self.pick_token(lambda t: t.type == "APP_USER" and t.valid)
        elif draw < 0.75:
            method = "AUTH_REQUEST"
            token = self.pick_token(lambda t: t.type == "RFID" and t.whitelist != "ALWAYS")
        else:
            method = "WHITELIST"
            token = self.pick_token(lambda t: t.type == "RFID" and t.valid and t.whitelist in ("ALWAYS", "ALLOWED"))
        if token is None:
            return
        if method == "AUTH_REQUEST" and not token.valid:
            if not self.start(self.refused_authorization, 1, evse, token):
                token.in_use = False
            return
        duration = rng.uniform(900, 3 * 3600) if rng.random() < 0.8 else rng.uniform(600, 1800)
        updates = max(1, int(duration / sum(SESSION_UPDATE_SECONDS) * 2))
        stop_command = method == "COMMAND" and rng.random() < 0.7
        cost = {"COMMAND": 2, "AUTH_REQUEST": 1, "WHITELIST": 0}[method] + 5 + updates + 2 * stop_command
        if not self.start(self.session, cost, evse, token, method, updates, stop_command):
            token.in_use = False

    def authorize(self, evse: Evse, token: Token) -> tuple[float, str | None]:
        allowed = "ALLOWED" if token.valid else "BLOCKED"
        reference = f"AR{self.number('authorization'):09d}" if token.valid else None
        info: dict[str, Any] = {"allowed": allowed, "token": token.body(),
                                "location": {"location_id": evse.location_id, "evse_uids": [evse.uid]}}
        if reference:
            info["authorization_reference"] = reference
        at = self.call("to_hub", "POST", f"{HUB}/{VERSION}/tokens/{token.uid}/authorize?type={token.type}",
                       {"location_id": evse.location_id, "evse_uids": [evse.uid]}, data=info,
                       latency=self.latency(0.1, 1.2))
        return at, reference

    def refused_authorization(self, evse: Evse, token: Token) -> Story:
        evse.busy = True
        self.authorize(evse, token)
        evse.busy = token.in_use = False
        yield from ()

    def session(self, evse: Evse, token: Token, method: str, updates: int, stop_command: bool) -> Story:
        rng = self.rng
        evse.busy = True
        connector = evse.connectors[0]
        location = self.location_by_id[evse.location_id]
        reference: str | None = None
        at = 0.0
        if method == "COMMAND":
            reference = f"AR{self.number('authorization'):09d}"
            _, url = self.command("START_SESSION", {
                "token": token.body(), "location_id": location.id, "evse_uid": evse.uid,
                "connector_id": connector.id, "authorization_reference": reference})
            yield rng.uniform(2, 10)
            self.command_result(url)
            at = rng.uniform(0.5, 3)
        elif method == "AUTH_REQUEST":
            at, reference = self.authorize(evse, token)
            at += rng.uniform(1, 5)
        yield at
        number = self.number("session")
        session = Session(f"S{number:09d}", token, location, evse, connector, method, reference, self.now,
                          last_updated=self.now)
        url = f"{HUB}/{VERSION}/sessions/PT/CPO/{session.id}"
        at = self.call("to_hub", "PUT", url, session.body("PENDING"), status=201)
        self.evse_patch(evse, "CHARGING", offset=at + 0.1)
        power = 11.0 if connector.power_type != "DC" else rng.choice((50.0, 75.0, 150.0))
        previous = self.now
        for _ in range(updates):
            yield rng.uniform(*SESSION_UPDATE_SECONDS)
            energy = round(power * (self.now - previous) / 3600 * rng.uniform(0.6, 1.0), 3)
            session.periods.append((previous, energy))
            previous = session.last_updated = self.now
            self.call("to_hub", "PATCH", url, {"status": "ACTIVE", "kwh": session.kwh,
                                               "charging_periods": session.periods_body()[-1:],
                                               "last_updated": iso(self.now)})
        yield rng.uniform(60, 600)
        at = 0.0
        if stop_command:
            _, stop_url = self.command("STOP_SESSION", {"session_id": session.id})
            yield rng.uniform(2, 10)
            self.command_result(stop_url)
            at = rng.uniform(0.5, 3)
        yield at
        session.end = session.last_updated = self.now
        at = self.call("to_hub", "PATCH", url, {"status": "COMPLETED", "end_date_time": iso(self.now),
                                                "last_updated": iso(self.now)})
        self.evse_patch(evse, "AVAILABLE", offset=at + 0.1)
        evse.busy = token.in_use = False
        yield rng.uniform(20, 300)
        cdr = session.cdr(self.now)
        self.call("to_hub", "POST", f"{HUB}/{VERSION}/cdrs", cdr, status=201,
                  answer_headers=[("Location", f"{HUB}/{VERSION}/cdrs/{cdr['id']}")], data=NO_DATA)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _pages(total: int, limit: int) -> int:
    return max(1, math.ceil(total / limit))


def _routing(sender: tuple[str, str], receiver: tuple[str, str]) -> list[tuple[str, str]]:
    return [("OCPI-from-country-code", sender[0]), ("OCPI-from-party-id", sender[1]),
            ("OCPI-to-country-code", receiver[0]), ("OCPI-to-party-id", receiver[1])]


def _details(base: str, endpoints: list[tuple[str, str]]) -> dict[str, Any]:
    return {"version": VERSION, "endpoints": [{"identifier": identifier, "role": role,
                                               "url": f"{base}/{VERSION}/{identifier}"}
                                              for identifier, role in endpoints]}


def _credentials(token: str, base: str, role: str, party: tuple[str, str], name: str) -> dict[str, Any]:
    return {"token": token, "url": f"{base}/versions",
            "roles": [{"role": role, "business_details": {"name": name}, "party_id": party[1],
                       "country_code": party[0]}]}
