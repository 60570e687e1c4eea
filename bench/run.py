"""Every benchmark, one command: each script present runs, then bench/results/summary.md is written.

    python bench/run.py [--quick] [--only NAME]...

Each benchmark is a script `bench/<name>.py` that takes `[--quick] --json PATH`,
prints a human summary and writes its results to PATH; this runs each in a
process of its own with `--json bench/results/<name>.json`, one after the
other (they measure time: never two at once), then renders the JSON files
of this run into the summary (a script that fails leaves no stale results).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import RESULTS, results_path  # noqa: E402

BENCHMARKS = ("replay_throughput", "memory", "parallel", "proxy_throughput")


def run(name: str, quick: bool) -> int:
    command = [sys.executable, str(HERE / f"{name}.py"), "--json", str(results_path(name))]
    if quick:
        command.append("--quick")
    print(f"== {name}: {' '.join(command[1:])}", flush=True)
    start = time.perf_counter()
    code = subprocess.run(command).returncode
    print(f"== {name}: exit {code} after {time.perf_counter() - start:.0f} s", flush=True)
    return code


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render_replay_throughput(report: dict[str, Any]) -> list[str]:
    lines = [f"{report['exchanges']:,} exchanges, {report['capture_mb']} MB, best of {report['repeat']}.", ""]
    rows = [[name, f"{entry['exchanges_per_s']:,.0f}", f"{entry['mb_per_s']:.1f}", f"{entry['ratio_to_floor']:.2f}"]
            for name, entry in report["results"].items()]
    lines += _table(rows, ["step", "exchanges/s", "MB/s", "time vs floor"])
    if "replay_vs_pydantic" in report:
        lines += ["", f"Replay is {report['replay_vs_pydantic']:.2f}x as fast as the pydantic peer."]
    else:
        lines += ["", "No pydantic peer column: `pip install -e '.[bench]'`."]
    return lines


def render_memory(report: dict[str, Any]) -> list[str]:
    rows = [[f"{run['exchanges']:,}", f"{run['capture_mb']:,.0f}", f"{run['replay_peak_rss_mb']:.0f}",
             f"{run['replay_exchanges_per_s']:,}", str(run["findings"]), f"{run['generate_peak_rss_mb']:.0f}"]
            for run in report["runs"]]
    lines = [f"Fleet of {report['locations']} locations; a process that only imports the replayer peaks at "
             f"{report['import_only_peak_rss_mb']} MB.", ""]
    return lines + _table(rows, ["exchanges", "capture MB", "replay peak RSS MB", "replay exchanges/s",
                                 "findings", "generator peak RSS MB"])


def render_other(report: dict[str, Any]) -> list[str]:
    return ["```json", json.dumps(report, indent=2), "```"]


RENDERERS = {"replay_throughput": render_replay_throughput, "memory": render_memory}


def versions_line(reports: dict[str, dict[str, Any]]) -> str:
    found = reports.get("replay_throughput", {}).get("versions")
    if not found:
        return ""
    return "Versions: " + ", ".join(f"{name} {value}" for name, value in found.items() if value) + "."


def summary(reports: dict[str, dict[str, Any]]) -> str:
    import platform

    lines = ["# Benchmark results", "",
             f"{time.strftime('%Y-%m-%d')}, {platform.platform()}, {_cpus()} CPUs.", versions_line(reports), ""]
    for name, report in reports.items():
        lines += [f"## {name}", ""]
        try:
            lines += RENDERERS.get(name, render_other)(report)
        except (KeyError, TypeError):
            lines += render_other(report)
        lines.append("")
    return "\n".join(lines)


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run of every benchmark")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this one (repeatable)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    failed = []
    reports = {}
    for name in args.only or BENCHMARKS:
        if not (HERE / f"{name}.py").exists():
            continue
        path = results_path(name)
        path.unlink(missing_ok=True)
        if run(name, args.quick) != 0:
            failed.append(name)
        elif path.exists():
            reports[name] = json.loads(path.read_text())
    (RESULTS / "summary.md").write_text(summary(reports))
    print(f"Wrote {RESULTS / 'summary.md'}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
