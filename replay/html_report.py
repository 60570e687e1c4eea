"""The HTML report: one self-contained file (no network fetches) for people.

It holds, per capture, the readiness matrix with each module's scenario
checklist; a findings table that filters by module, code and severity (also
from the URL: `report.html?severity=error&module=cdrs`), where a cause found
many times is one row with its count and first and last line that opens to
its findings (`grouping`); per-object
timelines drawn as sequence diagrams between partner, ocpi-tap and hub; and
the bodies of every exchange a finding or a timeline points at. Everything
is escaped here; the script only filters and opens.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Final

import orjson
from msgspec import UNSET

from ocpi_tap import __version__
from ocpi_tap.rules.findings import Finding

from .capture import Exchange
from .check import CaptureResult
from .full import exchanges_at
from .grouping import Group, grouped
from .readiness import Readiness, finding_module
from .render import hub_side_line
from .stories import HEAD_STEPS, Story

MAX_EXCHANGES: Final = 2000  # bodies embedded per capture, so a huge capture still gives a usable file
MAX_BODY: Final = 8192
MAX_TIMELINES: Final = 60
STEP_HEIGHT: Final = 54
LANES: Final = {"partner": 90, "proxy": 330, "hub": 570}

# Shared with the live page (`ocpi_tap.live_page`): the page, tables, verdicts and severities.
BASE_STYLE: Final = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 16px 48px;color:#1d2430}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;
vertical-align:top}th{background:#f6f8fa}.ready{color:#1a7f37;font-weight:600}.failing{color:#cf222e;font-weight:600}
.partly,.not{color:#9a6700;font-weight:600}.error{color:#cf222e}.warning{color:#9a6700}
"""
_STYLE: Final = BASE_STYLE + """
.seen{color:#1a7f37}.seen-with-findings{color:#9a6700}.not-seen{color:#cf222e}
.closing{font-weight:600;padding:8px;background:#f6f8fa}code{font-size:13px}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:360px;font-size:12px}
details{margin:4px 0}summary{cursor:pointer}tr.member td{background:#fbfcfd}tr.member td:first-child{padding-left:20px}
.expand{font:inherit;border:1px solid #d0d7de;border-radius:4px;background:#f6f8fa;cursor:pointer}
.filters select{margin-right:12px}
svg text{font:12px system-ui,sans-serif}svg .lane{stroke:#8c959f;stroke-dasharray:4 4}
svg .request{stroke:#0969da;marker-end:url(#arrow)}svg .answer{stroke:#57606a;stroke-dasharray:5 3;marker-end:url(#arrow)}
svg .bad{stroke:#cf222e}svg a text{fill:#0969da}svg .flag{fill:#cf222e;font-weight:700}
"""

_SCRIPT: Final = """
(function () {
  // Rows: a finding, or a group of one cause's findings (.group) whose members (.member) open below it.
  // The filters judge the findings: a group shows while any of its members passes them.
  const rows = Array.from(document.querySelectorAll('#findings tbody tr:not(.member)'));
  const members = {};
  document.querySelectorAll('#findings tbody tr.member').forEach(function (row) {
    (members[row.dataset.member] = members[row.dataset.member] || []).push(row);
  });
  const selects = {};
  document.querySelectorAll('.filters select').forEach(function (s) { selects[s.name] = s; });
  const params = new URLSearchParams(window.location.search);
  function passes(row) {
    return Object.keys(selects).every(function (name) {
      return !selects[name].value || row.dataset[name] === selects[name].value;
    });
  }
  function apply() {
    let shown = 0, total = 0;
    rows.forEach(function (row) {
      if (!row.dataset.group) {
        row.hidden = !passes(row);
        total += 1;
        if (!row.hidden) { shown += 1; }
        return;
      }
      const mine = members[row.dataset.group] || [];
      const opened = row.querySelector('.expand').getAttribute('aria-expanded') === 'true';
      let kept = 0;
      mine.forEach(function (member) {
        const keep = passes(member);
        if (keep) { kept += 1; }
        member.hidden = !(keep && opened);
      });
      row.hidden = kept === 0;
      row.querySelector('.kept').textContent = kept === mine.length ? '' : ' (' + kept + ' shown)';
      total += mine.length;
      shown += kept;
    });
    document.getElementById('shown').textContent = 'Showing ' + shown + ' of ' + total + ' findings';
  }
  document.querySelectorAll('#findings .expand').forEach(function (button) {
    button.addEventListener('click', function () {
      const opened = button.getAttribute('aria-expanded') !== 'true';
      button.setAttribute('aria-expanded', String(opened));
      button.textContent = (opened ? '\u25BE ' : '\u25B8 ') + button.textContent.slice(2);
      apply();
    });
  });
  Object.keys(selects).forEach(function (name) {
    if (params.get(name)) { selects[name].value = params.get(name); }
    selects[name].addEventListener('change', apply);
  });
  function openTarget() {
    const target = document.getElementById(window.location.hash.slice(1));
    const box = target ? target.closest('details') : null;
    if (box) { box.open = true; }
  }
  window.addEventListener('hashchange', openTarget);
  apply();
  openTarget();
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _anchor(capture_index: int, line: int | None) -> str:
    return f"x{capture_index}-{line}"


def _readiness(readiness: Readiness, capture_index: int) -> str:
    rows = []
    for module in readiness.modules:
        marks = "".join(
            f'<li class="{_e(s.mark.replace(" ", "-"))}">{_e(s.mark)}: {_e(s.title)} <small>[{_e(s.spec)}]</small>'
            + "".join(f' <a href="#x{capture_index}-seq{seq}">seq {seq}</a>' for seq in s.seqs) + "</li>"
            for s in module.scenarios)
        verdict_class = module.verdict.split()[0]
        rows.append(
            f'<tr><td>{_e(module.title)}</td><td class="{verdict_class}">{_e(module.verdict)}</td>'
            f"<td>{module.scenarios_seen}/{len(module.scenarios)}</td><td>{module.errors}</td>"
            f"<td>{module.warnings}</td><td>{module.exchanges}</td>"
            f"<td><details><summary>scenarios</summary><ul>{marks}</ul></details></td></tr>")
    note = f" <small>(note: {_e(readiness.role_note)})</small>" if readiness.role_note else ""
    hub = f'<p class="hub-side">{_e(hub_side_line(readiness.hub).strip())}</p>' if readiness.hub else ""
    return (f"<p>Partner role: <strong>{_e(readiness.role)}</strong>{note}</p>"
            "<table><thead><tr><th>Module</th><th>Verdict</th><th>Scenarios</th><th>Errors</th><th>Warnings</th>"
            f"<th>Exchanges</th><th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f'{hub}<p class="closing">{_e(readiness.closing)}</p>')


def _finding_row(finding: Finding, capture_index: int, module: str, member_of: str | None = None) -> str:
    notes = "".join(f'<br><small>note: {_e(n.message)}'
                    + (f' (<a href="#{_anchor(capture_index, n.line)}">seq {n.seq}</a>)' if n.line else "")
                    + "</small>" for n in finding.notes)
    hint = f"<br><small>help: {_e(finding.hint)}</small>" if finding.hint else ""
    # The link leads to the message the finding is about (the request or the response), not just its exchange.
    target = _anchor(capture_index, finding.line) + (f"-{finding.about}" if finding.about else "")
    where = (f'<a href="#{target}">{_e(finding.capture)}:{finding.line}</a>'
             if finding.line is not None else _e(finding.capture))
    path = f" <code>{_e(finding.path)}</code>" if finding.path else ""
    member = f' class="member" data-member="{_e(member_of)}" hidden' if member_of else ""
    return (f'<tr{member} data-module="{_e(module)}" data-code="{_e(finding.code)}" '
            f'data-severity="{_e(finding.severity)}" data-culprit="{_e(finding.culprit or "")}">'
            f'<td class="{_e(finding.severity)}">{_e(finding.severity)}</td>'
            f"<td><code>{_e(finding.code)}</code><br><small>{_e(finding.name)}</small></td><td>{_e(module)}</td>"
            f"<td>{_e(finding.at_fault())}</td>"
            f"<td>{where}</td><td>{_e(finding.message)}{path}{hint}{notes}</td></tr>")


def _group_rows(group: Group, capture_index: int, number: int) -> str:
    """A cause found many times: one row with its count and first and last line, which opens to its
    findings (rows of their own, hidden until then, each with its link and module)."""
    first = group.first
    modules = [finding_module(finding) or finding.module for finding in group.findings]
    module = ", ".join(dict.fromkeys(modules))
    name = f"g{capture_index}-{number}"  # `number`: its row's, unique in the page
    lines = group.lines
    where = (f'<a href="#{_anchor(capture_index, lines[0])}">{_e(first.capture)}:{lines[0]}</a>'
             + (f'&ndash;<a href="#{_anchor(capture_index, lines[1])}">{lines[1]}</a>' if lines[1] != lines[0] else "")
             if lines is not None else _e(first.capture))
    hint = f"<br><small>help: {_e(first.hint)}</small>" if first.hint else ""
    head = (f'<tr class="group" data-group="{_e(name)}" data-count="{group.count}">'
            f'<td class="{_e(first.severity)}">{_e(first.severity)}</td>'
            f"<td><code>{_e(first.code)}</code><br><small>{_e(first.name)}</small></td><td>{_e(module)}</td>"
            f"<td>{_e(first.at_fault())}</td><td>{where}</td>"
            f'<td><button type="button" class="expand" aria-expanded="false" title="show every finding">'
            f'&#9656; {group.count}&times;</button> {_e(group.message)}: {_e(group.extent())}<span class="kept">'
            f"</span>{hint}</td></tr>")
    members = "".join(_finding_row(finding, capture_index, member_module, member_of=name)
                      for finding, member_module in zip(group.findings, modules, strict=True))
    return head + members


def _options(name: str, values: set[str]) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in sorted(values))
    return f'<label>{name} <select name="{name}"><option value="">all</option>{options}</select></label>'


def _findings(results: Sequence[CaptureResult], group: bool) -> str:
    rows: list[str] = []
    modules, codes, severities, culprits = set(), set(), set(), set()
    for index, result in enumerate(results):
        for finding in result.findings:
            modules.add(finding_module(finding) or finding.module)  # transport findings under their exchange's
            codes.add(finding.code)
            severities.add(finding.severity)
            if finding.culprit:
                culprits.add(finding.culprit)
        for item in grouped(result.findings) if group else result.findings:
            rows.append(_group_rows(item, index, len(rows)) if isinstance(item, Group)
                        else _finding_row(item, index, finding_module(item) or item.module))
    filters = "".join((_options("module", modules), _options("code", codes), _options("severity", severities),
                       _options("culprit", culprits)))
    return (f'<div class="filters">{filters}</div><p id="shown"></p>'
            "<table><thead><tr><th>Severity</th><th>Rule</th><th>Module</th><th>At fault</th><th>Where</th>"
            "<th>Finding</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def _diagram(story: Story, capture_index: int, flagged: set[int]) -> str:
    gap = 1 if story.left_out else 0  # a slot saying how many steps between the beginning and the end are left out
    height = 40 + STEP_HEIGHT * (len(story.steps) + gap)
    parts = [f'<svg role="img" aria-label="{_e(story.title)}" width="660" height="{height}" '
             'xmlns="http://www.w3.org/2000/svg"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
             'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#57606a"/></marker></defs>']
    for name, x in (("partner", LANES["partner"]), ("ocpi-tap", LANES["proxy"]), ("hub", LANES["hub"])):
        parts.append(f'<text x="{x}" y="14" text-anchor="middle">{name}</text>'
                     f'<line class="lane" x1="{x}" y1="20" x2="{x}" y2="{height}"/>')
    if gap:
        y = 38 + STEP_HEIGHT * HEAD_STEPS
        parts.append(f'<text class="left-out" x="{LANES["proxy"]}" y="{y + 8}" text-anchor="middle">'
                     f"&hellip; {story.left_out} more steps not drawn &hellip;</text>")
    for i, step in enumerate(story.steps):
        y = 38 + STEP_HEIGHT * (i + (gap if i >= HEAD_STEPS else 0))
        start, end = (LANES["partner"], LANES["hub"]) if step.sender == "partner" else (LANES["hub"], LANES["partner"])
        bad = " bad" if step.seq in flagged else ""
        middle = (start + end) / 2
        parts.append(
            f'<line class="request{bad}" x1="{start}" y1="{y}" x2="{end}" y2="{y}"/>'
            f'<circle cx="{LANES["proxy"]}" cy="{y}" r="3" fill="#57606a"/>'
            f'<a href="#{_anchor(capture_index, step.line)}"><text x="{middle}" y="{y - 5}" text-anchor="middle">'
            f"{_e(step.label)} (seq {step.seq})</text></a>"
            f'<line class="answer" x1="{end}" y1="{y + 16}" x2="{start}" y2="{y + 16}"/>'
            f'<text x="{middle}" y="{y + 30}" text-anchor="middle">{_e(step.answer)}</text>')
        if bad:
            parts.append(f'<text class="flag" x="{end + (12 if end > start else -12)}" y="{y + 4}" '
                         'text-anchor="middle">!</text>')
    parts.append("</svg>")
    return "".join(parts)


def _timelines(result: CaptureResult, capture_index: int) -> str:
    flagged = {f.seq for f in result.findings if f.seq is not None}
    stories = sorted(result.stories, key=lambda s: (not any(step.seq in flagged for step in s.steps), -len(s.steps)))
    shown = stories[:MAX_TIMELINES]
    figures = [f"<figure><figcaption><strong>{_e(s.title)}</strong></figcaption>{_diagram(s, capture_index, flagged)}"
               "</figure>" for s in shown]
    more = f"<p>{len(stories) - len(shown)} more timelines not drawn.</p>" if len(stories) > len(shown) else ""
    return "".join(figures) + more


def _body(message_body: object) -> str:
    if message_body is UNSET:
        return ""
    raw = bytes(message_body)  # type: ignore[call-overload]
    try:
        text = orjson.dumps(orjson.loads(raw), option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONDecodeError:
        text = raw.decode("utf-8", "replace")
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + "\n... (cut)"


def _exchange(exchange: Exchange, line: int, capture_index: int) -> str:
    request, response = exchange.request, exchange.response
    head = "\n".join(f"{k}: {v}" for k, v in request.headers)
    answer = "no response" if response is None else f"HTTP {response.status}"
    response_text = "" if response is None else (
        "\n".join(f"{k}: {v}" for k, v in response.headers) + "\n\n" + _body(response.body))
    return (f'<details id="{_anchor(capture_index, line)}"><summary><span id="x{capture_index}-seq{exchange.seq}">'
            f"line {line}, seq {exchange.seq}</span>: {_e(request.method)} {_e(request.url)} "
            f"({_e(exchange.direction)}) &rarr; {_e(answer)}</summary>"
            f'<pre id="{_anchor(capture_index, line)}-request">{_e(head)}\n\n{_e(_body(request.body))}</pre>'
            f'<pre id="{_anchor(capture_index, line)}-response">{_e(response_text)}</pre></details>')


def _exchanges(result: CaptureResult, capture_index: int) -> str:
    lines = {f.line for f in result.findings if f.line is not None}
    lines |= {note.line for f in result.findings for note in f.notes if note.line is not None}
    lines |= {step.line for story in result.stories for step in story.steps if step.line is not None}
    seqs = ({seq for m in result.readiness.modules for s in m.scenarios for seq in s.seqs}
            if result.readiness is not None else set())
    found = exchanges_at(result.capture, lines, seqs)
    shown = sorted(found)[:MAX_EXCHANGES]
    more = f"<p>{len(found) - len(shown)} more exchanges not embedded.</p>" if len(found) > len(shown) else ""
    return "".join(_exchange(found[line], line, capture_index) for line in shown) + more


def html_report(results: Sequence[CaptureResult], profile: str, group: bool = True) -> str:
    """The page; with `group`, a cause found `GROUP_AT` times or more is one row that opens to its findings."""
    sections = []
    for index, result in enumerate(results):
        readiness = _readiness(result.readiness, index) if result.readiness is not None else ""
        sections.append(
            f"<section><h2>{_e(result.capture)}: readiness</h2>{readiness}"
            f"<h2>{_e(result.capture)}: timelines</h2>{_timelines(result, index)}"
            f"<h2>{_e(result.capture)}: exchanges</h2>{_exchanges(result, index)}</section>")
    total = sum(len(result.findings) for result in results)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>ocpi-tap report</title><style>{_STYLE}</style></head><body>"
        f"<h1>ocpi-tap report</h1><p>ocpi-tap {_e(__version__)}, profile {_e(profile)}, "
        f"{len(results)} capture(s), {total} finding(s).</p>"
        f'<section id="findings"><h2>Findings</h2>{_findings(results, group)}</section>'
        f"{''.join(sections)}<script>{_SCRIPT}</script></body></html>\n")
