"""The live page of `record --live --ui PORT`: readiness and findings as they happen, on loopback.

An aiohttp app run by the checking process. `/` is one self-contained page
(inline style and script, nothing fetched from elsewhere) that follows
`/events`, a server-sent event stream: a `finding` event per finding, a
`status` event with the readiness matrix and the counts after each batch
(`finished` once the capture is complete: the page then stops following).
A client that connects late gets the findings so far, then the latest
status. `/exchange/LINE` returns the capture's line LINE as recorded
(tokens were redacted before it was written), `/state` the latest status
as JSON.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from typing import Any, Final

import msgspec
import orjson
from aiohttp import web

from ocpi_tap.replay.html_report import BASE_STYLE
from ocpi_tap.replay.readiness import Readiness, finding_module
from ocpi_tap.rules.findings import Finding

_STYLE: Final = BASE_STYLE + """
#status,.closing{padding:8px;background:#f6f8fa}.closing{font-weight:600}
#findings tbody tr.new{animation:flash 2s}@keyframes flash{from{background:#fff8c5}to{background:none}}
"""

_SCRIPT: Final = """
(function () {
  'use strict';
  const findings = document.querySelector('#findings tbody');
  const matrix = document.querySelector('#readiness tbody');
  function cell(row, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
    return td;
  }
  function addFinding(f) {
    const row = document.createElement('tr');
    row.className = 'new';
    row.dataset.code = f.code;
    row.dataset.severity = f.severity;
    row.dataset.module = f.counts_against || '';
    cell(row, f.severity, f.severity);
    const where = cell(row, '');
    if (f.line !== null) {
      const link = document.createElement('a');
      link.href = 'exchange/' + f.line;
      link.textContent = f.capture + ':' + f.line;
      where.appendChild(link);
    } else {
      where.textContent = f.capture;
    }
    cell(row, f.code);
    cell(row, f.counts_against || f.module);
    cell(row, f.message + (f.path ? ' [' + f.path + ']' : ''));
    findings.appendChild(row);
    document.getElementById('count').textContent = String(findings.rows.length);
  }
  function showStatus(s) {
    matrix.replaceChildren();
    s.readiness.modules.forEach(function (m) {
      const row = document.createElement('tr');
      row.dataset.module = m.module;
      cell(row, m.title);
      cell(row, m.verdict, m.verdict.split(' ')[0]);
      const seen = m.scenarios.filter(function (x) { return x.mark !== 'not seen'; }).length;
      cell(row, seen + '/' + m.scenarios.length);
      cell(row, String(m.exchanges));
      cell(row, String(m.errors), m.errors ? 'error' : '');
      cell(row, String(m.warnings), m.warnings ? 'warning' : '');
      matrix.appendChild(row);
    });
    document.getElementById('closing').textContent = s.readiness.closing;
    document.getElementById('status').textContent = (s.finished ? 'Capture complete: ' : 'Recording: ')
      + s.exchanges + ' exchanges read, ' + s.checked + ' checked, ' + s.findings + ' findings'
      + (s.finished ? '.' : ' so far (the readiness settles when the recording stops).');
  }
  const source = new EventSource('events');
  source.addEventListener('finding', function (e) { addFinding(JSON.parse(e.data)); });
  source.addEventListener('status', function (e) {
    const s = JSON.parse(e.data);
    showStatus(s);
    if (s.finished) { source.close(); }  // nothing more comes, and the server may stop: no reconnecting
  });
})();
"""


def _page(capture: str) -> str:
    name = html.escape(capture)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>ocpi-tap live: {name}</title><link rel=\"icon\" href=\"data:,\"><style>{_STYLE}</style></head><body>"
        f"<h1>ocpi-tap live: <code>{name}</code></h1>"
        '<p id="status">Waiting for the first exchanges.</p>'
        "<h2>Readiness</h2>"
        '<table id="readiness"><thead><tr><th>Module</th><th>Verdict</th><th>Scenarios</th><th>Exchanges</th>'
        "<th>Errors</th><th>Warnings</th></tr></thead><tbody></tbody></table>"
        '<p id="closing" class="closing"></p>'
        '<h2>Findings (<span id="count">0</span>)</h2>'
        '<table id="findings"><thead><tr><th>Severity</th><th>Exchange</th><th>Code</th><th>Module</th>'
        "<th>Message</th></tr></thead><tbody></tbody></table>"
        f"<script>{_SCRIPT}</script></body></html>"
    )


def _event(kind: str, data: bytes) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + data + b"\n\n"  # compact JSON holds no newline


class LivePage:
    def __init__(self, capture: str, exchange_line: Callable[[int], bytes | None]) -> None:
        """`exchange_line(n)`: the capture's line n as written, or None if not read yet."""
        self._capture = capture
        self._exchange_line = exchange_line
        self._sent: list[bytes] = []  # every event so far but the status, for clients that come later
        self._status: bytes | None = None
        self._clients: set[asyncio.Queue[bytes | None]] = set()
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_get("/", self._index)
        self.app.router.add_get("/events", self._events)
        self.app.router.add_get("/state", self._state)
        self.app.router.add_get(r"/exchange/{line:\d+}", self._exchange)

    async def start(self, port: int, host: str = "127.0.0.1") -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def stop(self) -> None:
        for queue in self._clients:
            queue.put_nowait(None)
        if self._runner is not None:
            await self._runner.cleanup()

    def finding(self, finding: Finding) -> None:
        shown: dict[str, Any] = msgspec.to_builtins(finding)
        shown["counts_against"] = finding_module(finding)
        self._broadcast(_event("finding", orjson.dumps(shown)))

    def status(self, readiness: Readiness, exchanges: int, checked: int, findings: int, finished: bool) -> None:
        self._status = orjson.dumps({
            "exchanges": exchanges, "checked": checked, "findings": findings, "finished": finished,
            "readiness": msgspec.to_builtins(readiness),
        })
        self._broadcast(_event("status", self._status), keep=False)

    def _broadcast(self, message: bytes, keep: bool = True) -> None:
        if keep:
            self._sent.append(message)
        for queue in self._clients:
            queue.put_nowait(message)

    async def _index(self, _: web.Request) -> web.Response:
        return web.Response(text=_page(self._capture), content_type="text/html")

    async def _state(self, _: web.Request) -> web.Response:
        return web.Response(body=self._status or b"{}", content_type="application/json")

    async def _exchange(self, request: web.Request) -> web.Response:
        line = self._exchange_line(int(request.match_info["line"]))
        if line is None:
            raise web.HTTPNotFound(text="no such line in the capture (yet)")
        try:
            shown = orjson.dumps(orjson.loads(line), option=orjson.OPT_INDENT_2)
        except orjson.JSONDecodeError:
            shown = line  # a malformed line is shown as it is
        return web.Response(body=shown, content_type="application/json")

    async def _events(self, request: web.Request) -> web.StreamResponse:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        # What happened so far goes first, queued in the same step as subscribing: nothing is missed.
        for waiting in self._sent:
            queue.put_nowait(waiting)
        if self._status is not None:
            queue.put_nowait(_event("status", self._status))
        self._clients.add(queue)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        try:
            await response.prepare(request)
            while True:
                message = await queue.get()
                if message is None:
                    break
                await response.write(message)
        except ConnectionResetError:
            pass
        finally:
            self._clients.discard(queue)
        return response
