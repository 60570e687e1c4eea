"""The live page of `record --live --ui PORT`: readiness and findings as they happen, on loopback.

An aiohttp app run by the checking process. `/` is one self-contained page
(inline style and script, nothing fetched from elsewhere) that follows
`/events`, a server-sent event stream: a `finding` event per finding (with
its `cause`, `replay.grouping`'s key: the page shows a cause as one row whose
count and first and last line grow as findings arrive, newest first, and
filters by module and severity), a
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

from ocpi_tap.replay.grouping import cause
from ocpi_tap.replay.html_report import BASE_STYLE
from ocpi_tap.replay.readiness import Readiness, finding_module
from ocpi_tap.rules.findings import Finding

_STYLE: Final = BASE_STYLE + """
#status,.closing{padding:8px;background:#f6f8fa}.closing{font-weight:600}
#findings tbody tr.new{animation:flash 2s}@keyframes flash{from{background:#fff8c5}to{background:none}}
.filters select{margin-right:12px}.count{font-weight:600}details{margin:2px 0}summary{cursor:pointer}
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
  // One row per cause (the server's `cause`: rule, message without particulars, path, culprit), its count
  // and first and last line updated as findings arrive; the row of the latest finding goes to the top.
  const causes = {};
  const filters = {module: document.getElementById('filter-module'),
                   severity: document.getElementById('filter-severity')};
  let total = 0;
  function passes(row) {
    return (!filters.module.value || row.dataset.modules.split(' ').indexOf(filters.module.value) >= 0)
      && (!filters.severity.value || row.dataset.severity === filters.severity.value);
  }
  function applyFilters() {
    let shown = 0;
    Array.from(findings.rows).forEach(function (row) {
      row.hidden = !passes(row);
      if (!row.hidden) { shown += Number(row.dataset.count); }
    });
    document.getElementById('count').textContent = shown === total ? String(total) : shown + ' of ' + total;
  }
  function offer(select, value) {
    if (!value || Array.from(select.options).some(function (o) { return o.value === value; })) { return; }
    const option = document.createElement('option');
    option.value = value;
    option.textContent = value;
    select.appendChild(option);
  }
  function lineLink(f) {
    if (f.line === null) { return document.createTextNode(f.capture); }
    const link = document.createElement('a');
    link.href = 'exchange/' + f.line;
    link.textContent = String(f.line);
    return link;
  }
  function addFinding(f) {
    const module = f.counts_against || f.module;
    let c = causes[f.cause];
    if (!c) {
      const row = document.createElement('tr');
      row.dataset.code = f.code;
      row.dataset.severity = f.severity;
      row.dataset.modules = '';
      row.dataset.count = '0';
      cell(row, f.severity, f.severity);
      const count = cell(row, '', 'count');
      const where = cell(row, '');
      cell(row, f.code);
      const modules = cell(row, '');
      const message = cell(row, '');
      const details = document.createElement('details');
      const summary = document.createElement('summary');
      details.appendChild(summary);
      const list = document.createElement('ol');
      details.appendChild(list);
      c = causes[f.cause] = {row: row, count: count, where: where, modules: modules, message: message,
                             summary: summary, details: details, list: list, first: f, last: f, lines: []};
    }
    c.last = f;
    const row = c.row;
    row.dataset.count = String(Number(row.dataset.count) + 1);
    const n = Number(row.dataset.count);
    if (row.dataset.modules.split(' ').indexOf(module) < 0) {
      row.dataset.modules = (row.dataset.modules + ' ' + module).trim();
      c.modules.textContent = row.dataset.modules.split(' ').join(', ');
    }
    c.count.textContent = n > 1 ? n + '\u00d7' : '';
    c.where.replaceChildren(document.createTextNode(c.first.capture + ':'), lineLink(c.first));
    if (n > 1 && c.last.line !== c.first.line) {
      c.where.append('\u2013', lineLink(c.last));
    }
    const path = f.path ? ' [' + f.path + ']' : '';
    const culprit = f.culprit ? ' (' + f.culprit + "'s " + f.about + ')' : '';
    if (n === 1) {
      c.message.textContent = f.message + path + culprit;
    } else {
      const where = f.cause.split('\x1f')[3];  // the path without its array positions
      c.message.replaceChildren(
        document.createTextNode((f.group || f.message) + (where ? ' [' + where + ']' : '') + culprit + ' '), c.details);
      c.summary.textContent = 'every finding (' + n + ')';
      if (n === 2) { c.list.appendChild(instance(c.first)); }
      if (c.list.children.length < 500) { c.list.appendChild(instance(f)); }
    }
    row.className = '';
    void row.offsetWidth;  // restarts the flash of a row that was already there
    row.className = 'new';
    findings.insertBefore(row, findings.firstChild);  // newest first
    total += 1;
    offer(filters.module, module);
    offer(filters.severity, f.severity);
    applyFilters();
  }
  function instance(f) {
    const item = document.createElement('li');
    item.appendChild(lineLink(f));
    item.append(': ' + f.message + (f.path ? ' [' + f.path + ']' : ''));
    return item;
  }
  const params = new URLSearchParams(window.location.search);  // `?module=cdrs&severity=error` preselects
  Object.keys(filters).forEach(function (name) {
    if (params.get(name)) { offer(filters[name], params.get(name)); filters[name].value = params.get(name); }
  });
  filters.module.addEventListener('change', applyFilters);
  filters.severity.addEventListener('change', applyFilters);
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
        '<p class="filters"><label>module <select id="filter-module"><option value="">all</option></select></label> '
        '<label>severity <select id="filter-severity"><option value="">all</option></select></label> '
        "<small>newest first; a rule that fires again for the same cause counts on its row</small></p>"
        '<table id="findings"><thead><tr><th>Severity</th><th>Count</th><th>Exchanges</th><th>Code</th>'
        "<th>Module</th><th>Message</th></tr></thead><tbody></tbody></table>"
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
        # The page's row for it: capture, code, group key, path without positions, culprit, message at fault.
        shown["cause"] = "\x1f".join(part or "" for part in cause(finding))
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
