"""Peak memory of replaying captures of growing length: it must not grow with the length.

    python bench/memory.py [--sizes 100000,250000] [--quick] [--json PATH]
    python bench/memory.py --sizes 100000,250000,1000000,4000000 --gzip

Every capture is generated with the same fleet (`--locations`, so only the
length differs), then replayed in a child process of its own with every
rule on (`check_capture`, profile ocpi-2.2.1, role cpo); the child's peak
RSS (VmHWM) is what is reported, next to the peak of a child that only
imports the same modules (the interpreter and the code, before any capture)
and the generator's own peak. Replay runs at some thousands of exchanges
per second, so 4M exchanges take minutes; the default sizes take a few.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import add_json_argument, versions, write_report  # noqa: E402

FLEET = 2000  # locations: the fleet every size shares


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_replay(capture: str | None) -> None:
    """In the child: replay `capture` (or only import, when None) and print what it cost."""
    from ocpi_tap.replay.check import check_capture
    from ocpi_tap.rules.profiles import PROFILES

    result: dict[str, object] = {}
    if capture is not None:
        start = time.perf_counter()
        replayed = check_capture(capture, profile=PROFILES["ocpi-2.2.1"], partner_role="cpo")
        result = {"exchanges": replayed.exchanges, "findings": len(replayed.findings),
                  "seconds": time.perf_counter() - start}
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def child_generate(path: str, count: int, locations: int) -> None:
    from generate import write

    start = time.perf_counter()
    write(Path(path), count, locations=locations)
    print(json.dumps({"seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb()}))


def in_child(*args: str) -> dict[str, float]:
    # stderr is not captured: a child's errors show.
    done = subprocess.run([sys.executable, __file__, *args], check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(sizes: list[int], locations: int, workdir: Path, gzip: bool) -> dict[str, object]:
    baseline = in_child("--child-replay", "-")
    runs = []
    for size in sizes:
        capture = workdir / f"synthetic-{size}.jsonl{'.gz' if gzip else ''}"
        generated = in_child("--child-generate", str(capture), str(size), str(locations))
        capture_mb = capture.stat().st_size / 1e6
        replayed = in_child("--child-replay", str(capture))
        capture.unlink()
        runs.append({"exchanges": size, "capture_mb": round(capture_mb, 1),
                     "replay_peak_rss_mb": round(replayed["peak_rss_mb"], 1),
                     "replay_seconds": round(replayed["seconds"], 1),
                     "replay_exchanges_per_s": round(size / replayed["seconds"]),
                     "findings": replayed["findings"],
                     "generate_peak_rss_mb": round(generated["peak_rss_mb"], 1),
                     "generate_seconds": round(generated["seconds"], 1)})
        print(f"  {size:>10,} exchanges ({capture_mb:,.0f} MB{' gzip' if gzip else ''}): "
              f"replay peak RSS {replayed['peak_rss_mb']:6.1f} MB in {replayed['seconds']:6.1f} s, "
              f"{replayed['findings']} findings; generator peak {generated['peak_rss_mb']:.1f} MB", flush=True)
    return {"benchmark": "memory", "locations": locations, "gzip": gzip,
            "import_only_peak_rss_mb": round(baseline["peak_rss_mb"], 1),
            "machine": {"platform": platform.platform()}, "versions": versions("msgspec", "ocpi-tap"),
            "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,250000",
                        help="comma-separated exchange counts (default: 100000,250000)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10,000 and 20,000 exchanges")
    parser.add_argument("--locations", type=int, default=FLEET, help="the fleet every capture shares")
    parser.add_argument("--gzip", action="store_true", help="write the captures as .jsonl.gz (4M: ~5 GB plain)")
    parser.add_argument("--workdir", type=Path, help="where the captures are written (default: a temporary "
                                                    "directory; each is deleted once measured)")
    add_json_argument(parser, "memory")
    parser.add_argument("--child-replay", help=argparse.SUPPRESS)
    parser.add_argument("--child-generate", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_replay is not None:
        child_replay(None if args.child_replay == "-" else args.child_replay)
        return 0
    if args.child_generate is not None:
        path, count, locations = args.child_generate
        child_generate(path, int(count), int(locations))
        return 0
    sizes = [10_000, 20_000] if args.quick else [int(size) for size in args.sizes.split(",")]
    locations = min(args.locations, 100) if args.quick else args.locations
    print(f"Peak RSS replaying captures of {locations} locations, each in its own process:")
    with tempfile.TemporaryDirectory(dir=args.workdir) as workdir:
        report = measure(sizes, locations, Path(workdir), args.gzip)
    print(f"  (a process that only imports the replayer: {report['import_only_peak_rss_mb']} MB)")
    write_report(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
