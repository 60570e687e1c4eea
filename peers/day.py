"""A certification day, played between a CPO side and an eMSP side, one of them the partner.

Module by module, in the order a hub tests them: versions and credentials
(registration), tariffs, locations, tokens, commands with sessions and
CDRs, and finally a credentials rotation after which the superseded token
is refused. `progress` is told when each module is done.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec

from ocpi_tap.rules import model as m

from . import objects
from .actors import CpoSide, EmspSide
from .party import Party
from .registration import Registrar, register

Progress = Callable[[str, str], None]


class Day:
    def __init__(self, cpo: CpoSide, emsp: EmspSide, partner: Party, hub: Party, registrar: Registrar,
                 progress: Progress, mobie: bool = False) -> None:
        self.cpo, self.emsp, self.partner, self.hub = cpo, emsp, partner, hub
        self.mobie = mobie
        self.registrar = registrar
        self.progress = progress
        self.faults = cpo.faults
        self._command_number = 0

    async def play(self) -> None:
        await self.registration()
        await self.tariffs()
        await self.locations()
        await self.tokens()
        await self.commands_sessions_cdrs()
        await self.rotation()

    # --- helpers

    def at(self, party: Party, module: str, *parts: str) -> str:
        return "/".join([party.peer_endpoints[module], *parts])

    def on(self, fault: str) -> bool:
        return self.faults.on(fault)

    # --- modules

    async def registration(self) -> None:
        await register(self.partner, self.hub.versions_url, self.registrar.token_a)
        self.progress("versions", "versions and version details read with token A")
        self.progress("credentials", "registered: token B given, token C received")

    async def tariffs(self) -> None:
        cpo, cc, pid = self.cpo, *self.cpo.party
        tariff = objects.tariff(cpo.party, "T1")
        cpo.store.setdefault("tariffs", {})[(cc, pid, "T1")] = tariff
        await cpo.call("PUT", self.at(cpo, "tariffs", cc, pid, "T2" if self.on("tariff-url-mismatch") else "T1"),
                       tariff, module="tariffs")
        if self.on("tariff-patched"):
            await cpo.call("PATCH", self.at(cpo, "tariffs", cc, pid, "T1"),
                           {"currency": "EUR", "last_updated": objects.now()}, module="tariffs", expect=None)
        pulled = await self.emsp.pull_all(self.at(self.emsp, "tariffs"), "tariffs")
        self.progress("tariffs", f"tariff pushed, {len(pulled)} pulled")

    async def locations(self) -> None:
        cpo, cc, pid = self.cpo, *self.cpo.party
        stored = cpo.store.setdefault("locations", {})
        for number in (1, 2, 3):
            location = objects.location(cpo.party, f"L{number}", [objects.evse(f"{number}1", "T1"),
                                                                  objects.evse(f"{number}2", "T1")])
            stored[(cc, pid, location.id)] = location
            body: Any = location
            if number == 3 and self.on("connector-without-power-type"):
                body = objects.wire(location)
                del body["evses"][0]["connectors"][0]["power_type"]
            await cpo.call("PUT", self.at(cpo, "locations", cc, pid, location.id), body, module="locations")
        stale = "2026-01-01T00:00:00Z" if self.on("stale-location-update") else None
        for status in ("BLOCKED", "AVAILABLE"):  # a car parked in the bay: no session on it
            patch: dict[str, Any] = {"status": status,
                                     "last_updated": stale if stale and status == "AVAILABLE" else objects.now()}
            if self.on("location-patch-without-last-updated"):
                del patch["last_updated"]
            await cpo.call("PATCH", self.at(cpo, "locations", cc, pid, "L1", "11"), patch, module="locations")
        new_evse = objects.evse("13", "T1", status="PLANNED")
        uid_in_url = "14" if self.on("evse-url-mismatch") else "13"
        await cpo.call("PUT", self.at(cpo, "locations", cc, pid, "L1", uid_in_url), new_evse, module="locations")
        await cpo.call("PUT", self.at(cpo, "locations", cc, pid, "L1", "13", "1"), objects.connector("1", "T1"),
                       module="locations")
        await cpo.call("PATCH", self.at(cpo, "locations", cc, pid, "L1", "13", "1"),
                       {"tariff_ids": ["T1"], "last_updated": objects.now()}, module="locations")
        pulled = await self.emsp.pull_all(self.at(self.emsp, "locations"), "locations")
        self.progress("locations", f"3 locations, an EVSE and a connector pushed, status changes patched, "
                                   f"{len(pulled)} pulled in pages")

    async def tokens(self) -> None:
        emsp, cpo = self.emsp, self.cpo
        cc, pid = emsp.party
        valid, blocked = objects.token(emsp.party, "U1"), objects.token(emsp.party, "U2")
        app_user = msgspec.structs.replace(objects.token(emsp.party, "U3"), type=m.TokenType.APP_USER,
                                           whitelist=m.WhitelistType.NEVER)
        for token in (valid, blocked):
            emsp.add_token(token)
            await emsp.call("PUT", self.at(emsp, "tokens", cc, pid, token.uid), token, module="tokens")
        updated = msgspec.structs.replace(valid, whitelist=m.WhitelistType.ALLOWED_OFFLINE, last_updated=objects.now())
        emsp.add_token(updated)
        await emsp.call("PUT", self.at(emsp, "tokens", cc, pid, "U1"), updated, module="tokens")
        emsp.add_token(app_user)
        query = "" if self.on("token-type-mismatch") else "?type=APP_USER"
        await emsp.call("PUT", self.at(emsp, "tokens", cc, pid, "U3") + query, app_user, module="tokens")
        invalidate: dict[str, Any] = {"valid": False, "last_updated": objects.now()}
        if self.on("token-patch-without-last-updated"):
            del invalidate["last_updated"]
        emsp.add_token(msgspec.structs.replace(blocked, valid=False))
        await emsp.call("PATCH", self.at(emsp, "tokens", cc, pid, "U2"), invalidate, module="tokens")
        if self.on("token-patched-before-put"):
            await emsp.call("PATCH", self.at(emsp, "tokens", cc, pid, "U4"), {"valid": False,
                            "last_updated": objects.now()}, module="tokens", expect=None)
        pulled = await cpo.pull_all(self.at(cpo, "tokens"), "tokens")
        await cpo.call("POST", self.at(cpo, "tokens", "U1", "authorize"), module="tokens")
        await cpo.call("POST", self.at(cpo, "tokens", "U2", "authorize"), module="tokens")
        await cpo.call("POST", self.at(cpo, "tokens", "U9", "authorize"), module="tokens", expect=2004)
        self.progress("tokens", f"3 tokens pushed, one updated, one invalidated, {len(pulled)} pulled, "
                                "3 authorizations")

    async def command(self, command: str, body: dict[str, Any]) -> tuple[str, str]:
        """The eMSP side sends a command; (CommandResponse result, response_url)."""
        self._command_number += 1
        response_url = self.emsp.response_url(command, self._command_number)
        sent_type = command.lower() if self.on("command-type-lower-case") and command == "UNLOCK_CONNECTOR" else command
        answer = await self.emsp.call("POST", self.at(self.emsp, "commands", sent_type),
                                      {"response_url": response_url, **body}, module="commands")
        return str(answer.data["result"]), response_url

    async def callback(self, response_url: str) -> None:
        """The CPO side reports the result of a command it accepted."""
        await self.cpo.send_result(response_url)

    async def commands_sessions_cdrs(self) -> None:
        emsp = self.emsp
        token = objects.wire(emsp.store["tokens"][(*emsp.party, "U1")])
        result, url = await self.command("START_SESSION", {"token": token, "location_id": "L1", "evse_uid": "11",
                                                            "authorization_reference": "AUTH-1"})
        assert result == "ACCEPTED", result
        if not self.on("callback-never-sent"):
            await self.callback(url)
        if self.on("callback-sent-twice"):
            await self.cpo.send_result(url)
        session = await self.charge("S1", "L1", "11")
        result, url = await self.command("STOP_SESSION", {"session_id": session.id})
        await self.callback(url)
        await self.finish(session)
        self.progress("sessions", "session PENDING -> ACTIVE (kWh rising) -> COMPLETED")
        self.progress("cdrs", "one CDR for the completed session")
        rejected, rejected_url = await self.command("START_SESSION", {"token": token, "location_id": "NOWHERE"})
        if self.on("result-after-rejection"):
            await self.cpo.send_result(rejected_url)
        unknown, _ = await self.command("STOP_SESSION", {"session_id": "S9"})
        expiry = (datetime.now(timezone.utc) + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for command, body in (
            ("RESERVE_NOW", {"token": token, "expiry_date": expiry, "reservation_id": "R1", "location_id": "L2"}),
            ("CANCEL_RESERVATION", {"reservation_id": "R1"}),
            ("UNLOCK_CONNECTOR", {"location_id": "L1", "evse_uid": "11", "connector_id": "1"}),
        ):
            result, url = await self.command(command, body)
            if result == "ACCEPTED":
                await self.callback(url)
                if command == "RESERVE_NOW":
                    reservation = await self.reserve("S2", "L2", "21")
                elif command == "CANCEL_RESERVATION":
                    await self.end_reservation(reservation)
        await emsp.pull_all(self.at(emsp, "sessions"), "sessions")
        await emsp.pull_all(self.at(emsp, "cdrs"), "cdrs")
        self.progress("commands", f"START/STOP accepted with results, {rejected}, {unknown}, "
                                  "reservation made and cancelled, connector unlocked")

    async def reserve(self, session_id: str, location_id: str, evse_uid: str) -> m.Session:
        """The CPO side creates the Session in status RESERVATION that a successful ReserveNow stands for."""
        cpo, cc, pid = self.cpo, *self.cpo.party
        token = self.emsp.store["tokens"][(*self.emsp.party, "U1")]
        session = msgspec.structs.replace(objects.session(cpo.party, session_id, token, location_id, evse_uid, None),
                                          status=m.SessionStatus.RESERVATION)
        cpo.store.setdefault("sessions", {})[(cc, pid, session_id)] = session
        await cpo.call("PUT", self.at(cpo, "sessions", cc, pid, session_id), session, module="sessions")
        return session

    async def end_reservation(self, session: m.Session) -> None:
        """A cancelled reservation's session is COMPLETED without charging (no CDR: nothing to bill)."""
        cpo, cc, pid = self.cpo, *self.cpo.party
        ended = objects.later_than(session.last_updated)
        cpo.store["sessions"][(cc, pid, session.id)] = msgspec.structs.replace(
            session, status=m.SessionStatus.COMPLETED, end_date_time=ended, last_updated=ended)
        await cpo.call("PATCH", self.at(cpo, "sessions", cc, pid, session.id),
                       {"status": "COMPLETED", "end_date_time": ended, "last_updated": ended}, module="sessions")

    async def charge(self, session_id: str, location_id: str, evse_uid: str) -> m.Session:
        cpo, cc, pid = self.cpo, *self.cpo.party
        token = self.emsp.store["tokens"][(*self.emsp.party, "U1")]
        session = objects.session(cpo.party, session_id, token, location_id, evse_uid, "AUTH-1")
        cpo.store.setdefault("sessions", {})[(cc, pid, session_id)] = session
        url = self.at(cpo, "sessions", cc, pid, session_id)
        await cpo.call("PUT", url, session, module="sessions")
        periods: list[m.ChargingPeriod] = []
        for kwh in ((3.2, 1.5) if self.on("session-kwh-going-down") else (1.5, 3.2)):
            periods.append(objects.period(kwh, after=periods[-1] if periods else None))
            session = msgspec.structs.replace(session, status=m.SessionStatus.ACTIVE, kwh=kwh,
                                              charging_periods=list(periods),
                                              last_updated=objects.later_than(session.last_updated))
            cpo.store["sessions"][(cc, pid, session_id)] = session
            patch: dict[str, Any] = {"status": "ACTIVE", "kwh": str(kwh) if self.on("session-kwh-as-string") else kwh,
                                     "charging_periods": [objects.wire(periods[-1])],
                                     "last_updated": session.last_updated}
            if self.on("session-patch-without-last-updated"):
                del patch["last_updated"]
            await cpo.call("PATCH", url, patch, module="sessions")
        return session

    async def finish(self, session: m.Session) -> None:
        cpo, cc, pid = self.cpo, *self.cpo.party
        ended = objects.later_than(session.last_updated)
        done = msgspec.structs.replace(session, status=m.SessionStatus.COMPLETED, end_date_time=ended,
                                       last_updated=ended)
        cpo.store["sessions"][(cc, pid, session.id)] = done
        url = self.at(cpo, "sessions", cc, pid, session.id)
        completion = {"status": "COMPLETED", "end_date_time": ended, "last_updated": ended}
        early_cdr = self.on("cdr-before-session-completed")
        if not early_cdr:
            await cpo.call("PATCH", url, completion, module="sessions")
        location = cpo.store["locations"][(cc, pid, session.location_id)]
        cdr = objects.cdr(done, location, session.kwh, session.start_date_time, ended)
        cpo.store.setdefault("cdrs", {})[(cc, pid, cdr.id)] = cdr
        body: Any = objects.wire(cdr)
        if self.mobie and cpo is self.hub:
            # MOBI.E generates the CDRs of its network and adds its own extension object.
            body["mobie_cdr_extension"] = {"usage": {"idTag": session.cdr_token.uid}, "subUsages": []}
        if self.on("cdr-without-total-cost"):
            del body["total_cost"]
        if self.on("cdr-put"):
            await cpo.call("PUT", self.at(cpo, "cdrs", cdr.id), body, module="cdrs", expect=None)
        else:
            await cpo.call("POST", self.at(cpo, "cdrs"), body, module="cdrs")
        if early_cdr:
            await cpo.call("PATCH", url, completion, module="sessions")
        if self.on("session-updated-after-completion"):
            await cpo.call("PATCH", url, {"kwh": session.kwh + 0.4, "last_updated": objects.later_than(ended)},
                           module="sessions")
        if self.on("session-deleted"):
            await cpo.call("DELETE", url, module="sessions", expect=None)

    async def rotation(self) -> None:
        old = self.partner.peer_token
        await register(self.partner, self.hub.versions_url, self.registrar.token_a, rotate=True)
        refused = None if self.on("old-token-still-accepted") else 2000
        await self.partner.call("GET", self.hub.versions_url, module="versions", token=old, expect=refused)
        await self.partner.call("GET", self.hub.versions_url, module="versions")
        self.progress("credentials", "token rotated with PUT; the old token is refused")
