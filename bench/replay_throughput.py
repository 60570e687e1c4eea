"""Replay throughput against the floor and the pydantic peer, in the same run on the same file.

    python bench/replay_throughput.py [--exchanges 100000] [--repeat 3] [--quick] [--json PATH]
    python bench/replay_throughput.py --capture day.jsonl.gz [--repeat 3] [--json PATH]

- floor: read the lines and `orjson.loads` each (what any reader must pay);
- read: the capture reader (each line decoded into a typed exchange, bodies raw);
- ordered: what replay does before any rule: each line's head read, the
  exchanges put into time order, each decoded whole when due;
- typed: ordered, plus each exchange routed and its bodies decoded into
  their OCPI types (what every rule reads);
- replay: `ocpi-tap replay`'s whole check of the capture, every rule on
  (`check_capture` with the ocpi-2.2.1 profile and the CPO role);
- pydantic peer: the capture reader, then pydantic v2 models validating every
  body with `model_validate_json` (`pydantic_peer.py`), as OCPI Python SDKs do.

Timed on one generated capture (`generate.py`), or on `--capture` (`.jsonl`
or `.jsonl.gz`; its exchanges are counted, and every step must see the same
count). The steps take turns: each of `--repeat` rounds runs every step
once, and each step's best time is kept. Results are exchanges/s, MB/s (of
JSON lines, decompressed for gzip) and the ratio of each time to the
floor's, printed and written as JSON (default bench/results/replay_throughput.json).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import add_json_argument, versions, write_report  # noqa: E402
from generate import write  # noqa: E402

from ocpi_tap.replay.capture import CaptureReader, LineProblem, decode_exchange  # noqa: E402
from ocpi_tap.replay.capture.reader import is_gzip, open_lines  # noqa: E402
from ocpi_tap.replay.check import check_capture  # noqa: E402
from ocpi_tap.replay.ordering import TimeOrder, epoch  # noqa: E402
from ocpi_tap.rules.checks.bodies import decode_bodies  # noqa: E402
from ocpi_tap.rules.checks.transport import response_envelope  # noqa: E402
from ocpi_tap.rules.profiles import PROFILES  # noqa: E402
from ocpi_tap.rules.routes import Route, RouteTable  # noqa: E402

def lines_mb(path: Path) -> float:
    """Megabytes of JSON lines: the file's size, or for gzip its size decompressed."""
    if not is_gzip(path):
        return path.stat().st_size / 1e6
    total = 0
    with open_lines(path) as stream:
        while chunk := stream.read(1 << 20):
            total += len(chunk)
    return total / 1e6


def floor(path: Path) -> int:
    count = 0
    with open_lines(path) as stream:
        for line in stream:
            orjson.loads(line)
            count += 1
    return count - 1  # the header line


def read(path: Path) -> int:
    with CaptureReader(path) as reader:
        return sum(1 for _ in reader)


def _in_time_order(path: Path, handle: Callable[[bytes], object]) -> int:
    """Replay's reading without its checks: heads, time order, and each line handed on when due."""
    order: TimeOrder[bytes] = TimeOrder()
    count = 0
    with CaptureReader(path) as reader:
        for item in reader.with_lines():
            if isinstance(item, LineProblem):
                continue
            _, head, text = item
            started = epoch(head.started)
            for ready in order.push(started, epoch(head.ended) if head.ended else started, text):
                handle(ready)
            count += 1
    for ready in order.drain():
        handle(ready)
    return count


def ordered(path: Path) -> int:
    return _in_time_order(path, decode_exchange)


def typed(path: Path) -> int:
    routes, profile = RouteTable("CPO"), PROFILES["ocpi-2.2.1"]

    def decode(text: bytes) -> None:
        exchange = decode_exchange(text)
        route = routes.match(exchange.request.method, exchange.request.url, exchange.direction)
        if isinstance(route, Route):
            decode_bodies(exchange, route, response_envelope(exchange), profile)

    return _in_time_order(path, decode)


def replay(path: Path) -> int:
    result = check_capture(path, profile=PROFILES["ocpi-2.2.1"], partner_role="cpo")
    if result.findings:
        # A coherent capture: findings would mean time spent reporting, not checking.
        print(f"  note: replay found {len(result.findings)} findings, first: {result.findings[0].code}",
              file=sys.stderr)
    return result.exchanges


def pydantic_peer() -> Callable[[Path], int] | None:
    try:
        from pydantic_peer import validate_capture
    except ImportError:
        return None

    def run(path: Path) -> int:
        exchanges, validated, refused = validate_capture(path)
        if not validated:
            raise SystemExit("the pydantic peer validated no body: its routing found no model")
        if refused:
            print(f"  note: the pydantic models refused {refused} bodies", file=sys.stderr)
        return exchanges

    return run


Step = tuple[str, Callable[[Path], int]]


def timed(run: Callable[[Path], int], path: Path) -> tuple[float, int]:
    """(seconds, exchanges seen) of one run of a step."""
    start = time.perf_counter()
    count = run(path)
    return time.perf_counter() - start, count


def best_in_turns(steps: list[Step], path: Path, repeat: int) -> dict[str, tuple[float, int]]:
    """Each step's best (seconds, exchanges seen) over `repeat` rounds, every step once per round, in turn.

    Taking turns spreads whatever else the machine does over all steps alike,
    where a block of repeats per step would let it fall on one.
    """
    best: dict[str, tuple[float, int]] = {}
    for _ in range(repeat):
        for name, run in steps:
            seconds, count = timed(run, path)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, count)
    return best


def measure(capture: Path, repeat: int) -> dict[str, object]:
    size_mb = lines_mb(capture)
    steps: list[Step] = [
        ("floor", floor), ("read", read), ("ordered", ordered), ("typed", typed), ("replay", replay)]
    peer = pydantic_peer()
    if peer is not None:
        steps.append(("pydantic", peer))
    results: dict[str, dict[str, float]] = {}
    for name, (seconds, count) in best_in_turns(steps, capture, repeat).items():
        results[name] = {"seconds": seconds, "exchanges": count, "exchanges_per_s": count / seconds,
                         "mb_per_s": size_mb / seconds}
    counts = {name: entry["exchanges"] for name, entry in results.items()}
    assert len(set(counts.values())) == 1, f"the steps saw different numbers of exchanges: {counts}"
    exchanges = int(counts["floor"])
    base = results["floor"]["seconds"]
    for entry in results.values():
        entry["ratio_to_floor"] = entry["seconds"] / base
    report: dict[str, object] = {
        "benchmark": "replay_throughput",
        "exchanges": exchanges,
        "capture_mb": round(size_mb, 1),
        "repeat": repeat,
        "machine": {"platform": platform.platform(), "cpu": platform.processor() or platform.machine()},
        "versions": versions("msgspec", "orjson", "pydantic", "ocpi-tap"),
        "results": results,
    }
    if is_gzip(capture):
        report["gzip_mb"] = round(capture.stat().st_size / 1e6, 1)
    if peer is not None:
        report["replay_vs_pydantic"] = results["pydantic"]["seconds"] / results["replay"]["seconds"]
    else:
        report["pydantic_missing"] = "pip install -e '.[bench]'"
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exchanges", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 5,000 exchanges, once each")
    parser.add_argument("--capture", type=Path, help="time this .jsonl or .jsonl.gz capture instead of "
                                                     "generating one (its exchanges are counted)")
    add_json_argument(parser, "replay_throughput")
    args = parser.parse_args(argv)
    if args.quick:
        args.exchanges, args.repeat = 5_000, 1
    with tempfile.TemporaryDirectory() as workdir:
        capture = args.capture or write(Path(workdir) / "synthetic.jsonl", args.exchanges)
        report = measure(capture, args.repeat)
    write_report(args.json, report)
    print(summary(report))
    if "pydantic_missing" in report:
        print("  pydantic is not installed: pip install -e '.[bench]' for the peer column")
    return 0


def summary(report: dict[str, object]) -> str:
    found = report["versions"]
    assert isinstance(found, dict)
    gzipped = f" (gzip: {report['gzip_mb']} MB)" if "gzip_mb" in report else ""
    lines = [f"{report['exchanges']:,} exchanges, {report['capture_mb']} MB{gzipped}, best of {report['repeat']}; "
             + ", ".join(f"{name} {value}" for name, value in found.items() if value)]
    results = report["results"]
    assert isinstance(results, dict)
    for name, entry in results.items():
        lines.append(f"  {name:<9} {entry['exchanges_per_s']:>10,.0f} exchanges/s {entry['mb_per_s']:>7.1f} MB/s"
                     f"   x{entry['ratio_to_floor']:.2f} the floor's time")
    if "replay_vs_pydantic" in report:
        lines.append(f"  replay is {report['replay_vs_pydantic']:.2f}x as fast as the pydantic peer")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
