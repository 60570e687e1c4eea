"""Several captures at once: `ocpi-tap replay -j N` against one process, on the same files in the same run.

    python bench/parallel.py [--quick] [--captures 4] [--exchanges 50000] [--json PATH]

Generates the captures (`bench/generate.py`, a different seed each), then
times the command as users run it, best of `--repeat`: `-j 1`, then `-j N`
for N up to the CPU count. The speedup is the `-j 1` time over each.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import add_json_argument, versions, write_report  # noqa: E402

OCPI_TAP = Path(sys.executable).with_name("ocpi-tap")


def generate(directory: Path, count: int, exchanges: int) -> list[Path]:
    paths = []
    for seed in range(count):
        path = directory / f"capture-{seed}.jsonl"
        subprocess.run([sys.executable, str(HERE / "generate.py"), "-o", str(path), "--seed", str(seed + 1),
                        str(exchanges)], check=True, stdout=subprocess.DEVNULL)
        paths.append(path)
    return paths


def timed_replay(paths: list[Path], jobs: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([str(OCPI_TAP), "replay", "--profile", "ocpi-2.2.1", "--role", "cpo", "--format", "json",
                               "-j", str(jobs), *map(str, paths)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
        if done.returncode != 0:  # the generated days are coherent: findings would mean time spent reporting
            raise SystemExit(f"ocpi-tap replay -j {jobs} exited {done.returncode}, not 0")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--captures", type=int, default=4)
    parser.add_argument("--exchanges", type=int, default=50_000, help="per capture")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="small captures, one run: a smoke test")
    add_json_argument(parser, "parallel")
    args = parser.parse_args()
    if args.quick:
        args.exchanges, args.repeat = 5_000, 1
    cpus = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as scratch:
        paths = generate(Path(scratch), args.captures, args.exchanges)
        single = timed_replay(paths, 1, args.repeat)
        runs = {jobs: timed_replay(paths, jobs, args.repeat) for jobs in range(2, max(cpus, 2) + 1)}
    print(f"{args.captures} captures of {args.exchanges:,} exchanges, {cpus} CPUs, Python {platform.python_version()}")
    print(f"  -j 1   {single:8.2f} s   speedup x1.00")
    for jobs, seconds in runs.items():
        print(f"  -j {jobs:<3} {seconds:8.2f} s   speedup x{single / seconds:.2f}")
    write_report(args.json, {
        "captures": args.captures, "exchanges_per_capture": args.exchanges, "cpus": cpus,
        "machine": platform.machine(), "versions": versions("ocpi-tap"),
        "seconds": {"1": single, **{str(jobs): seconds for jobs, seconds in runs.items()}},
        "speedup": {str(jobs): single / seconds for jobs, seconds in runs.items()},
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
