"""Synthetic captures for benchmarks: a coherent CPO partner's day with its hub, seeded and deterministic.

    python bench/generate.py 100000 -o /tmp/day.jsonl [--seed 2026] [--locations 300]
    python bench/generate.py 4000000 -o /tmp/day.jsonl.gz

The day (`synthetic_day.py`) registers (versions, credentials), pushes
tariffs, locations and tokens, then runs: EVSE status PATCHes dominate;
sessions are started by command, by real-time authorization or by the
whitelist, PUT, PATCHed with rising kWh, completed and followed by their CDR;
commands get their results at the response_url; the hub pushes and blocks
tokens; both sides pull in pages. Replaying it with
`ocpi-tap replay --profile ocpi-2.2.1 --role cpo` finds nothing.

Written as the recorder writes: seq in the order requests started, lines in
the order exchanges completed. Memory stays constant whatever the count; a
`.gz` suffix compresses (deterministically: no name or time in the gzip header).
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from msgspec import Raw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_day import HUB, LOOKAHEAD, PARTNER, START, Day, Record  # noqa: E402

from ocpi_tap.replay.capture import Exchange, Request, Response, encode_line, format_timestamp, new_header  # noqa: E402

DEFAULT_SEED = 2026


def in_recorded_order(records: Iterable[Record]) -> Iterator[tuple[int, Record]]:
    """(seq, record) as a recorder writes them: seq by start, lines by completion.

    Records come in the order a day emitted them, which is start order give
    or take `LOOKAHEAD` seconds; two bounded heaps put them right.
    """
    by_start: list[tuple[float, int, Record]] = []
    by_end: list[tuple[float, int, int, Record]] = []
    arrival, seq = 0, 0
    for record in records:
        arrival += 1
        heapq.heappush(by_start, (record.started, arrival, record))
        while by_start[0][0] < record.started - LOOKAHEAD:
            started, _, ready = heapq.heappop(by_start)
            seq += 1
            heapq.heappush(by_end, (ready.ended, seq, seq, ready))
            while by_end[0][0] <= started:
                _, _, done_seq, done = heapq.heappop(by_end)
                yield done_seq, done
    while by_start:
        _, _, ready = heapq.heappop(by_start)
        seq += 1
        heapq.heappush(by_end, (ready.ended, seq, seq, ready))
    while by_end:
        _, _, done_seq, done = heapq.heappop(by_end)
        yield done_seq, done


def to_exchange(seq: int, record: Record) -> Exchange:
    request = Request(method=record.method, url=record.url, headers=record.request_headers)
    if record.request_body is not None:
        request.body = Raw(record.request_body)
    return Exchange(
        seq=seq, direction=record.direction,
        started=format_timestamp(record.started), ended=format_timestamp(record.ended),
        request=request,
        response=Response(status=record.status, headers=record.response_headers, body=Raw(record.response_body)),
    )


@contextmanager
def _open(path: Path) -> Iterator[BinaryIO]:
    with path.open("wb") as raw:
        if path.suffix == ".gz":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as zipped:
                yield zipped  # type: ignore[misc]
        else:
            yield raw


def write(path: Path, count: int, seed: int = DEFAULT_SEED, locations: int | None = None) -> Path:
    """Write a capture of exactly `count` exchanges to `path` (`.jsonl` or `.jsonl.gz`)."""
    header = new_header({"to_hub": HUB, "to_partner": PARTNER},
                        note=f"synthetic CPO day, {count} exchanges, seed {seed}")
    header.created = format_timestamp(START)
    day = Day(count, seed, locations)
    with _open(path) as stream:
        stream.write(encode_line(header))
        batch: list[bytes] = []
        for seq, record in in_recorded_order(day.run()):
            batch.append(encode_line(to_exchange(seq, record)))
            if len(batch) >= 1024:
                stream.write(b"".join(batch))
                batch.clear()
        stream.write(b"".join(batch))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int, help="exchanges to write (at least 200)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="a .jsonl or .jsonl.gz file")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--locations", type=int, default=None,
                        help="size of the fleet (default: grows with the count, at most 2000 locations)")
    args = parser.parse_args(argv)
    write(args.output, args.count, args.seed, args.locations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
