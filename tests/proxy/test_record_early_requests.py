"""A request that reaches a listener before the proxy has finished starting.

mitmproxy opens its listeners before the `running` hook, where the Recorder opens the capture
(and where mitmproxy 12 makes the certificate store its TlsConfig `request` hook needs). A
partner that connects as soon as the port accepts must still be served and recorded. The test
widens that window: TlsConfig's `running` waits until the proxy has seen the request, then until
that request is over or a while has passed (a proxy that holds it makes the while pass)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from mitmproxy import http
from mitmproxy.addons import tlsconfig

from conftest import wait_for_port
from rawhttp import build_request, exchange
from test_record_integration import read_all
from upstreams import Peer, free_ports

from ocpi_tap.proxy.record import RecordConfig, run


class _SeesRequests:
    def __init__(self) -> None:
        self.seen = asyncio.Event()
        self.over = asyncio.Event()

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        self.seen.set()

    def response(self, flow: http.HTTPFlow) -> None:
        self.over.set()

    def error(self, flow: http.HTTPFlow) -> None:
        self.over.set()


class _EmbeddedRecord:
    """`record.run` on its own thread and event loop, stopped through its `stop` event."""

    def __init__(self, config: RecordConfig, observer: _SeesRequests) -> None:
        self.events: list[str] = []
        self._config, self._observer = config, observer
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._started.set()
            await run(self._config, on_ready=lambda: self.events.append("ready"), stop=self._stop,
                      addons=[self._observer])

        asyncio.run(main())

    def __enter__(self) -> _EmbeddedRecord:
        self._thread.start()
        assert self._started.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        assert not self._thread.is_alive()


@pytest.fixture
def late_running(monkeypatch: pytest.MonkeyPatch) -> Iterator[_SeesRequests]:
    observer = _SeesRequests()
    original = tlsconfig.TlsConfig.running

    async def running(self: tlsconfig.TlsConfig) -> None:
        for event, timeout in ((observer.seen, 10.0), (observer.over, 2.0)):
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except asyncio.TimeoutError:
                pass  # the start goes on: the test's assertions tell what went wrong
        original(self)

    monkeypatch.setattr(tlsconfig.TlsConfig, "running", running)
    yield observer


def test_a_request_before_the_proxy_runs_waits_and_is_recorded(hub: Peer, partner: Peer, tmp_path: Path,
                                                              late_running: _SeesRequests) -> None:
    capture = tmp_path / "early.jsonl"
    hub_port, partner_port = free_ports(2)
    config = RecordConfig(hub_url=hub.url, partner_url=partner.url, capture=capture,
                          hub_port=hub_port, partner_port=partner_port)
    with _EmbeddedRecord(config, late_running) as recording:
        wait_for_port(hub_port)
        response = exchange(hub_port, build_request("GET", "/ocpi/versions", [(b"X-Request-ID", b"early")]))
        recording.events.append("answered")
    assert response.status == 200
    assert recording.events == ["ready", "answered"]  # held until the start was over, not refused
    exchanges, problems = read_all(capture)
    assert problems == []
    assert [(e.request.header("X-Request-ID"), e.response.status if e.response else None) for e in exchanges] \
        == [("early", 200)]
    assert [dict(r.raw_headers).get(b"X-Request-ID") for r in hub.received] == [b"early"]
