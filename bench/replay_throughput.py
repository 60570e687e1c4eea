"""Replay throughput against the floor, measured in the same run on the same file.

    python bench/replay_throughput.py [--exchanges 100000] [--repeat 3]

- floor: read the lines and `orjson.loads` each (what any reader must pay);
- read: the capture reader (each line decoded into a typed exchange, bodies raw);
- replay: `ocpi-tap replay`'s whole check of the capture, all rules on.

Each is timed `--repeat` times and the best kept; results are ratios to the
floor, printed and written to bench/results/replay_throughput.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write  # noqa: E402

from ocpi_tap.replay.capture import CaptureReader  # noqa: E402
from ocpi_tap.replay.check import check_capture  # noqa: E402


def floor(path: Path) -> int:
    count = 0
    with path.open("rb") as stream:
        for line in stream:
            orjson.loads(line)
            count += 1
    return count - 1


def read(path: Path) -> int:
    with CaptureReader(path) as reader:
        return sum(1 for _ in reader)


def replay(path: Path) -> int:
    return check_capture(path).exchanges


def best_of(repeat: int, run: Callable[[Path], int], path: Path) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = run(path)
        times.append(time.perf_counter() - start)
    return min(times), count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exchanges", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "results" / "replay_throughput.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        capture = write(Path(workdir) / "synthetic.jsonl", args.exchanges)
        size_mb = capture.stat().st_size / 1e6
        results = {}
        for name, run in (("floor", floor), ("read", read), ("replay", replay)):
            seconds, count = best_of(args.repeat, run, capture)
            assert count == args.exchanges, (name, count)
            results[name] = {"seconds": seconds, "exchanges_per_s": count / seconds, "mb_per_s": size_mb / seconds}
    base = results["floor"]["seconds"]
    for entry in results.values():
        entry["ratio_to_floor"] = entry["seconds"] / base
    report = {
        "exchanges": args.exchanges,
        "capture_mb": round(size_mb, 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "msgspec": version("msgspec"),
        "orjson": version("orjson"),
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{args.exchanges} exchanges, {size_mb:.1f} MB, Python {report['python']}")
    for name, entry in results.items():
        print(f"  {name:<7} {entry['exchanges_per_s']:>12,.0f} exchanges/s {entry['mb_per_s']:>8.1f} MB/s"
              f"   x{entry['ratio_to_floor']:.2f} the floor's time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
