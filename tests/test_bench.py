"""The benchmarks' synthetic captures: coherent (they replay clean) and deterministic (a seed, the same bytes).

Behaviour only: nothing here is timed.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from msgspec import UNSET

from ocpi_tap.replay.capture import CaptureReader
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES

BENCH = REPO / "bench"
GENERATE = BENCH / "generate.py"
sys.path.insert(0, str(BENCH))
import replay_throughput  # noqa: E402


def generate(path: Path, count: int, seed: int) -> Path:
    subprocess.run([sys.executable, str(GENERATE), str(count), "-o", str(path), "--seed", str(seed)], check=True)
    return path


def test_a_synthetic_day_replays_without_findings(tmp_path: Path) -> None:
    capture = generate(tmp_path / "day.jsonl", 2000, seed=11)
    result = check_capture(capture, profile=PROFILES["ocpi-2.2.1"], partner_role="cpo")
    assert result.exchanges == 2000
    assert [f"{finding.code} {finding.message}" for finding in result.findings] == []


def test_it_holds_both_directions_and_the_modules_of_a_day(tmp_path: Path) -> None:
    capture = generate(tmp_path / "day.jsonl", 2000, seed=11)
    seen = set()
    with CaptureReader(capture) as reader:
        for item in reader:
            _, exchange = item  # type: ignore[misc]
            path = exchange.request.url.split("/ocpi/", 1)[1].split("?")[0].split("/")
            seen.add((exchange.direction, exchange.request.method, path[1] if len(path) > 1 else path[0]))
    assert {("to_hub", "PATCH", "locations"), ("to_hub", "PUT", "sessions"), ("to_hub", "PATCH", "sessions"),
            ("to_hub", "POST", "cdrs"), ("to_partner", "POST", "commands"), ("to_hub", "POST", "commands"),
            ("to_partner", "PUT", "tokens"), ("to_hub", "POST", "tokens"), ("to_partner", "GET", "locations"),
            ("to_hub", "POST", "credentials")} <= seen


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a.jsonl", 2000, seed=5).read_bytes()
    assert generate(tmp_path / "b.jsonl", 2000, seed=5).read_bytes() == first
    assert generate(tmp_path / "c.jsonl", 2000, seed=6).read_bytes() != first


def test_gzip_output_is_deterministic_and_holds_the_same_lines(tmp_path: Path) -> None:
    plain = generate(tmp_path / "a.jsonl", 500, seed=5).read_bytes()
    zipped = generate(tmp_path / "a.jsonl.gz", 500, seed=5).read_bytes()
    assert generate(tmp_path / "b.jsonl.gz", 500, seed=5).read_bytes() == zipped
    assert gzip.decompress(zipped) == plain


@pytest.mark.parametrize("name", ["day.jsonl", "day.jsonl.gz"])
def test_replay_throughput_counts_a_given_capture_and_every_step_sees_all_of_it(tmp_path: Path, name: str) -> None:
    capture = generate(tmp_path / name, 300, seed=3)
    results = tmp_path / "replay_throughput.json"
    argv = ["--quick", "--capture", str(capture), "--repeat", "1", "--json", str(results)]
    assert replay_throughput.main(argv) == 0
    report = json.loads(results.read_text())
    assert report["exchanges"] == 300
    assert {"floor", "read", "ordered", "typed", "replay"} <= set(report["results"])
    assert {step: entry["exchanges"] for step, entry in report["results"].items()} == {
        step: 300 for step in report["results"]}
    assert ("gzip_mb" in report) == name.endswith(".gz")


def test_the_pydantic_peer_gives_what_it_has_no_model_for_the_generic_envelope() -> None:
    pytest.importorskip("pydantic")
    from pydantic_peer import Plain, models_for

    for method, url in [("GET", "https://cpo.example.com/ocpi/2.2.1/commands"),
                        ("PUT", "https://cpo.example.com/ocpi/2.2.1/hubclientinfo/PT/ABC"),
                        ("POST", "https://cpo.example.com/ocpi/2.2.1/chargingprofiles/S1"),
                        ("GET", "https://cpo.example.com/api/things")]:
        assert models_for(method, url) == (None, Plain), (method, url)


def test_the_pydantic_peer_has_a_model_for_every_request_body_of_a_day_and_refuses_none(tmp_path: Path) -> None:
    pytest.importorskip("pydantic")
    from pydantic_peer import models_for, validate_capture

    capture = generate(tmp_path / "day.jsonl", 2000, seed=11)
    with CaptureReader(capture) as reader:
        for item in reader:
            _, exchange = item  # type: ignore[misc]
            if exchange.request.body is not UNSET:
                assert models_for(exchange.request.method, exchange.request.url)[0] is not None, exchange.request.url
    exchanges, validated, refused = validate_capture(capture)
    assert (exchanges, refused) == (2000, 0)
    assert validated > exchanges
