"""Real aiohttp servers standing for the upstream hub and partner of the recorder, on 127.0.0.1.

Each runs in its own thread with its own event loop, keeps what it received
byte for byte (method, raw path, raw headers, body), and answers with what
the test's responder returns.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from ocpi_tap.peers.demo import free_ports

RawHeaders = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Received:
    method: str
    raw_path: str
    raw_headers: RawHeaders
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int = 200
    # When these include Content-Length, Date and Server, aiohttp sends exactly them.
    headers: RawHeaders = field(default_factory=list)
    body: bytes = b""
    delay: float = 0.0


Responder = Callable[[Received], Reply]


def free_port() -> int:
    return free_ports(1)[0]


def envelope_reply(received: Received) -> Reply:
    """An OCPI-looking success reply that echoes the request's X-Request-ID."""
    request_id = next((v for k, v in received.raw_headers if k.lower() == b"x-request-id"), b"none")
    body = b'{"data":{"echo":"' + request_id + b'"},"status_code":1000,"timestamp":"2026-11-23T09:00:00Z"}'
    return Reply(
        headers=[
            (b"Content-Type", b"application/json"),
            (b"X-Request-ID", request_id),
            (b"Content-Length", str(len(body)).encode()),
            (b"Date", b"Mon, 23 Nov 2026 09:00:00 GMT"),
            (b"Server", b"peer"),
        ],
        body=body,
    )


class Peer:
    """One aiohttp server on a free loopback port, in a background thread."""

    def __init__(self, name: str, responder: Responder = envelope_reply, tls: ssl.SSLContext | None = None) -> None:
        self.name = name
        self.responder = responder
        self.received: list[Received] = []
        self.port = free_port()
        self._tls = tls
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"peer-{name}", daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        received = Received(request.method, request.raw_path, list(request.raw_headers), await request.read())
        self.received.append(received)
        reply = self.responder(received)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        response = web.StreamResponse(status=reply.status)
        for name, value in reply.headers:
            response.headers.add(name.decode("latin-1"), value.decode("latin-1"))
        await response.prepare(request)
        await response.write(reply.body)
        await response.write_eof()
        return response

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=self._tls).start()

    def start(self) -> Peer:
        self._thread.start()
        self._run(self._start())
        return self

    def stop(self) -> None:
        if self._runner is not None:
            self._run(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self, coroutine: Awaitable[None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)  # type: ignore[arg-type]
