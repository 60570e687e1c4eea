"""Nothing lost: concurrent load through both listeners, and a proxy killed mid-load."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections import Counter

import aiohttp

from upstreams import Peer
from test_record_integration import read_all

CLIENTS = 32
REQUESTS_PER_CLIENT = 10


async def _client(number: int, ports: tuple[int, int], completed: list[str], stop: threading.Event | None) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        for index in range(REQUESTS_PER_CLIENT):
            if stop is not None and stop.is_set():
                return
            request_id = f"c{number}-r{index}"
            port = ports[index % 2]
            try:
                async with session.put(
                    f"http://127.0.0.1:{port}/ocpi/2.2.1/locations/PT/ABC/LOC{number}",
                    json={"id": f"LOC{number}", "n": index},
                    headers={"X-Request-ID": request_id},
                ) as response:
                    await response.read()
                    if response.status == 200:
                        completed.append(request_id)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                if stop is None:
                    raise
                return


async def _load(ports: tuple[int, int], completed: list[str], stop: threading.Event | None = None) -> None:
    await asyncio.gather(*(_client(n, ports, completed, stop) for n in range(CLIENTS)))


def test_concurrent_clients_on_both_listeners_lose_nothing(hub: Peer, partner: Peer, start_record) -> None:
    proxy = start_record(hub.url, partner.url)
    completed: list[str] = []
    asyncio.run(_load((proxy.hub_port, proxy.partner_port), completed))
    assert len(completed) == CLIENTS * REQUESTS_PER_CLIENT
    assert proxy.stop() == 0
    assert "recorded 320 exchanges: 160 to_hub, 160 to_partner, 0 failed" in proxy.stderr

    exchanges, problems = read_all(proxy.capture)
    assert problems == []
    ids = Counter(e.request.header("X-Request-ID") for e in exchanges)
    assert set(ids) == set(completed)
    assert max(ids.values()) == 1
    assert sorted(e.seq for e in exchanges) == list(range(1, len(completed) + 1))
    assert Counter(e.direction for e in exchanges) == {"to_hub": 160, "to_partner": 160}
    for e in exchanges:
        port_direction = "to_hub" if e.request.url.startswith(hub.url) else "to_partner"
        assert e.direction == port_direction


def test_sigkill_mid_load_leaves_every_completed_exchange_readable(hub: Peer, partner: Peer, start_record) -> None:
    proxy = start_record(hub.url, partner.url)
    completed: list[str] = []
    stop = threading.Event()
    loader = threading.Thread(target=lambda: asyncio.run(_load((proxy.hub_port, proxy.partner_port), completed, stop)))
    loader.start()
    deadline = time.monotonic() + 30
    while len(completed) < 60 and time.monotonic() < deadline:
        time.sleep(0.005)
    done_before_kill = list(completed)
    proxy.process.send_signal(signal.SIGKILL)
    proxy.process.wait(timeout=10)
    stop.set()
    loader.join(timeout=30)
    assert len(done_before_kill) >= 60

    exchanges, problems = read_all(proxy.capture)
    # At most the line being written at the kill is cut short.
    assert all(p.truncated for p in problems) and len(problems) <= 1
    recorded = {e.request.header("X-Request-ID") for e in exchanges}
    assert set(done_before_kill) <= recorded
