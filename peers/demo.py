"""`ocpi-tap demo`: the mock hub and the mock partner play a day through the real recorder.

Both peers and the recorder run on free loopback ports in one event loop;
each peer is reached by the other only through the recorder's listeners,
so the capture holds every exchange of both directions.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

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


class DemoStartError(Exception):
    """The mock peers or the recorder could not start (a port taken in between, for one)."""


async def _serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    except OSError as error:
        await runner.cleanup()
        raise DemoStartError(f"a mock peer cannot listen on 127.0.0.1:{port}: {error.strerror or error}") from None
    return runner


class MockDay:
    """The mock hub and partner serving on loopback, each reaching the other through a recorder's
    listeners (`to_hub_port`, `to_partner_port`); `hub_url` and `partner_url` are what the recorder
    forwards to."""

    def __init__(self, role: str, fault_names: list[str], profile: str, to_hub_port: int,
                 to_partner_port: int, ports: tuple[int, int] | None = None) -> None:
        """`ports`: where the hub and the partner listen (free ones if not given)."""
        faults = Faults(fault_names)
        self.profile = profile
        version = "2.2" if profile == "mobie" else "2.2.1"
        self.cpo, self.emsp, self.partner, self.hub = build(role, faults, version)
        self.registrar = Registrar(self.hub)
        self.hub_port, self.partner_port = ports or free_ports(2)
        self.hub_url = f"http://127.0.0.1:{self.hub_port}"
        self.partner_url = f"http://127.0.0.1:{self.partner_port}"
        self.hub.public_base = f"http://127.0.0.1:{to_hub_port}"
        self.partner.public_base = f"http://127.0.0.1:{to_partner_port}"
        self._runners: list[web.AppRunner] = []

    async def __aenter__(self) -> MockDay:
        for app, port in ((self.hub.app, self.hub_port), (self.partner.app, self.partner_port)):
            try:
                self._runners.append(await _serve(app, port))
            except DemoStartError:
                await self.__aexit__()
                raise
        return self

    async def __aexit__(self, *_: object) -> None:
        for runner in self._runners:
            await runner.cleanup()

    async def play(self, progress: Callable[[str, str], None] = lambda _module, _detail: None) -> None:
        """The whole day, through the recorder."""
        async with aiohttp.ClientSession() as hub_session, aiohttp.ClientSession() as partner_session:
            self.hub.session, self.partner.session = hub_session, partner_session
            await Day(self.cpo, self.emsp, self.partner, self.hub, self.registrar, progress,
                      mobie=self.profile == "mobie").play()


async def play(role: str, fault_names: list[str], capture: Path, profile: str,
               progress: Callable[[str, str], None], addons: Sequence[object] = (),
               on_ready: Callable[[], None] = lambda: None) -> Recorder:
    """Play the day into `capture`; the Recorder says if recording failed. `addons` go to the
    recorder (as `record.run` takes them); `on_ready` is called once it listens."""
    to_hub, to_partner, hub_port, partner_port = free_ports(4)
    async with MockDay(role, fault_names, profile, to_hub, to_partner, (hub_port, partner_port)) as day:
        config = record.RecordConfig(
            hub_url=day.hub_url, partner_url=day.partner_url,
            capture=capture, hub_port=to_hub, partner_port=to_partner, overwrite=True,
            note=f"ocpi-tap demo: {role} partner, profile {profile}, faults: {', '.join(fault_names) or 'none'}",
        )
        ready, stop = asyncio.Event(), asyncio.Event()

        def listening() -> None:
            ready.set()
            on_ready()

        recording = asyncio.ensure_future(record.run(config, on_ready=listening, stop=stop, addons=addons))
        try:
            waiting = asyncio.ensure_future(ready.wait())
            await asyncio.wait({waiting, recording}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
            if not ready.is_set():
                waiting.cancel()
                raise DemoStartError(_why_not_started(recording))
            await day.play(progress)
        finally:
            stop.set()
            with contextlib.suppress(record.StartupError):  # said by the DemoStartError
                recorder, _ = await recording
    return recorder


def _why_not_started(recording: asyncio.Future[tuple[Recorder, record.Progress]]) -> str:
    if not recording.done():
        return "the recorder did not start within 30 s"
    error = recording.exception()
    if isinstance(error, record.StartupError):
        return f"the recorder could not start: {error}"
    return "the recorder stopped as it started" if error is None else f"the recorder failed as it started: {error!r}"


def standalone_hub(partner_role: str, profile: str, host: str, port: int, public_url: str | None = None,
                   say: Callable[[str], None] = lambda _line: None,
                   bug_report: Callable[[str], None] | None = None,
                   token_a: str | None = None) -> tuple[Party, Registrar]:
    """The mock hub alone, for a real partner backend to register with (through `ocpi-tap record`).

    Unlike the mock day's hub it checks the bodies it is sent (2001 when one does not fit the model) and
    answers a crash of its own with 3000 after handing the traceback to `bug_report`; `say` takes a
    console line about each registration; `token_a` fixes the registration token. A `public_url` that is not an http(s) URL is a `ValueError`."""
    public_base = _public_base(public_url, host, port)
    version = "2.2" if profile == "mobie" else "2.2.1"
    faults = Faults()
    hub: Party
    if partner_role == "cpo":
        hub = EmspSide("hub", "EMSP", HUB_PARTY, version, faults, credentials_role="HUB")
    else:
        hub = CpoSide("hub", "CPO", HUB_PARTY, version, faults, credentials_role="HUB")
    hub.public_base = public_base
    hub.check_bodies, hub.bug_report = True, bug_report
    return hub, Registrar(hub, say, token_a)


def _public_base(public_url: str | None, host: str, port: int) -> str:
    """The hub's root as the partner reaches it: `public_url`, or where it listens (as `record` shows its
    listeners: 127.0.0.1 for every address, an IPv6 address in brackets)."""
    if public_url is None:
        return f"http://{record.netloc(record.reachable_host(host), port)}"
    if not _is_http_root(public_url):
        raise ValueError(f"not an http(s) URL: {public_url!r}")
    return public_url.rstrip("/")


def _is_http_root(url: str) -> bool:
    parts = urlsplit(url)
    try:
        parts.port  # raises for a port that is no number
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not parts.query and not parts.fragment


async def serve_hub(hub: Party, host: str, port: int, stop: asyncio.Event,
                    ready: asyncio.Event | None = None) -> None:
    """Serve `hub` until `stop`; `ready` is set once it listens and can call out."""
    runner = web.AppRunner(hub.app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    async with aiohttp.ClientSession() as session:
        hub.session = session
        if ready is not None:
            ready.set()
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
