"""`ocpi-tap demo`: the mock hub and the mock partner play a day through the real recorder.

Both peers and the recorder run on free loopback ports in one event loop;
each peer is reached by the other only through the recorder's listeners,
so the capture holds every exchange of both directions.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiohttp import web

from ocpi_tap.proxy import record
from ocpi_tap.proxy.addon import Recorder

from .actors import CpoSide, EmspSide
from .day import Day
from .faults import Faults
from .party import Party
from .registration import Registrar

PARTNER_PARTIES = {"cpo": ("PT", "CPO"), "emsp": ("PT", "EMS")}
HUB_PARTY = ("PT", "MBE")


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports: all held open while choosing, so none is handed out twice."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def build(role: str, faults: Faults, version: str) -> tuple[CpoSide, EmspSide, Party, Party]:
    """(CPO side, eMSP side, partner, hub) for a partner of `role`."""
    if role == "cpo":
        cpo = CpoSide("partner", "CPO", PARTNER_PARTIES["cpo"], version, faults, is_partner=True)
        emsp = EmspSide("hub", "EMSP", HUB_PARTY, version, faults, credentials_role="HUB")
        return cpo, emsp, cpo, emsp
    emsp = EmspSide("partner", "EMSP", PARTNER_PARTIES["emsp"], version, faults, is_partner=True)
    cpo = CpoSide("hub", "CPO", HUB_PARTY, version, faults, credentials_role="HUB")
    return cpo, emsp, emsp, cpo


async def _serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def play(role: str, fault_names: list[str], capture: Path, profile: str,
               progress: Callable[[str, str], None]) -> Recorder:
    """Play the day into `capture`; the Recorder says if recording failed."""
    faults = Faults(fault_names)
    version = "2.2" if profile == "mobie" else "2.2.1"
    cpo, emsp, partner, hub = build(role, faults, version)
    registrar = Registrar(hub)
    ports = dict(zip(("hub", "partner", "to_hub", "to_partner"), free_ports(4), strict=True))
    hub.public_base = f"http://127.0.0.1:{ports['to_hub']}"
    partner.public_base = f"http://127.0.0.1:{ports['to_partner']}"
    runners = [await _serve(hub.app, ports["hub"]), await _serve(partner.app, ports["partner"])]
    config = record.RecordConfig(
        hub_url=f"http://127.0.0.1:{ports['hub']}", partner_url=f"http://127.0.0.1:{ports['partner']}",
        capture=capture, hub_port=ports["to_hub"], partner_port=ports["to_partner"], overwrite=True,
        note=f"ocpi-tap demo: {role} partner, profile {profile}, faults: {', '.join(fault_names) or 'none'}",
    )
    ready, stop = asyncio.Event(), asyncio.Event()
    recording = asyncio.ensure_future(record.run(config, on_ready=ready.set, stop=stop))
    try:
        waiting = asyncio.ensure_future(ready.wait())
        await asyncio.wait({waiting, recording}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if recording.done():
            recording.result()  # the recorder could not start: its error says why
        if not ready.is_set():
            raise TimeoutError("the recorder did not start within 30 s")
        async with aiohttp.ClientSession() as hub_session, aiohttp.ClientSession() as partner_session:
            hub.session, partner.session = hub_session, partner_session
            await Day(cpo, emsp, partner, hub, registrar, progress, mobie=profile == "mobie").play()
    finally:
        stop.set()
        recorder, _ = await recording
        for runner in runners:
            await runner.cleanup()
    return recorder


def standalone_hub(partner_role: str, profile: str, host: str, port: int,
                   public_url: str | None = None) -> tuple[Party, Registrar]:
    """The mock hub alone, for a real partner backend to register with (through `ocpi-tap record`)."""
    version = "2.2" if profile == "mobie" else "2.2.1"
    faults = Faults()
    hub: Party
    if partner_role == "cpo":
        hub = EmspSide("hub", "EMSP", HUB_PARTY, version, faults, credentials_role="HUB")
    else:
        hub = CpoSide("hub", "CPO", HUB_PARTY, version, faults, credentials_role="HUB")
    hub.public_base = (public_url or f"http://{host}:{port}").rstrip("/")
    return hub, Registrar(hub)


async def serve_hub(hub: Party, host: str, port: int, stop: asyncio.Event) -> None:
    runner = web.AppRunner(hub.app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    async with aiohttp.ClientSession() as session:
        hub.session = session
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
