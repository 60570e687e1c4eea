"""Regenerate the reference captures and the findings each must give. Run only on purpose:

    .venv/bin/python captures/regenerate.py

For each partner role a clean day, and for each fault of `ocpi-tap demo
--list-faults` a day with that fault (CPO partner), all under the mobie
profile. Beside each capture `NAME.jsonl` goes `NAME.expected.json`: the
role, the profile and the findings (code, seq, path) its replay gives.
tests/replay/test_reference_captures.py replays them all against these.

With `--expected-only` the captures are kept and only the `.expected.json`
files are rewritten (after a rule change, to review what it finds).
Naming faults after the options regenerates only those.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from ocpi_tap.peers.demo import play
from ocpi_tap.peers.faults import FAULTS
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES

HERE = Path(__file__).resolve().parent
PROFILE = "mobie"


def expected(capture: Path, role: str) -> dict[str, object]:
    result = check_capture(capture, profile=PROFILES[PROFILE], partner_role=role.upper())
    return {
        "role": role,
        "profile": PROFILE,
        "findings": [{"code": f.code, "seq": f.seq, "path": f.path} for f in result.findings],
    }


def generate(name: str, role: str, faults: list[str], record: bool = True) -> None:
    capture = HERE / f"{name}.jsonl"
    if record:
        recorder = asyncio.run(play(role, faults, capture, PROFILE, lambda module, detail: None))
        if recorder.failure is not None:
            raise SystemExit(f"{name}: recording failed: {recorder.failure}")
    (HERE / f"{name}.expected.json").write_text(json.dumps(expected(capture, role), indent=1) + "\n")
    print(f"{name}: {capture.stat().st_size // 1024} KiB")


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="captures/regenerate.py",
        description="Regenerate the reference captures in captures/ (a clean mock day per partner role, and "
                    "a CPO day per fault of `ocpi-tap demo --list-faults`, mobie profile) and, beside each, "
                    "NAME.expected.json: the findings its replay gives.",
        epilog="This rewrites the stored captures: run it only on purpose, and review the diff of the "
               "expected findings.",
    )
    parser.add_argument("faults", nargs="*", metavar="FAULT",
                        help="regenerate only the captures of these faults (default: every capture)")
    parser.add_argument("--expected-only", action="store_true",
                        help="keep the captures and rewrite only the .expected.json files "
                             "(after a rule change, to review what it finds)")
    return parser


def main(arguments: list[str]) -> int:
    parser = argument_parser()
    options = parser.parse_args(arguments)
    record = not options.expected_only
    only: list[str] = options.faults
    unknown = [name for name in only if name not in FAULTS]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}; see ocpi-tap demo --list-faults")
    if not only:
        for role in ("cpo", "emsp"):
            generate(f"clean-{role}", role, [], record)
    for fault in sorted(only or FAULTS):
        generate(f"fault-{fault}", "cpo", [fault], record)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
