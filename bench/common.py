"""What the benchmark scripts share: where results go, run.py's `--json` option, versions, the report file."""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def results_path(name: str) -> Path:
    """Where benchmark `name` writes its results unless told otherwise, and where run.py reads them."""
    return RESULTS / f"{name}.json"


def add_json_argument(parser: argparse.ArgumentParser, name: str) -> None:
    """`--json PATH`, as run.py passes it; by default `bench/results/<name>.json`."""
    default = results_path(name)
    parser.add_argument("--json", type=Path, default=default, metavar="PATH", help=f"where the results go [{default}]")


def versions(*packages: str) -> dict[str, str | None]:
    """Python's version, then each package's (None when it is not installed)."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for package in packages:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def write_report(path: Path, report: Mapping[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
