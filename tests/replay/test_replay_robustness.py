"""Whatever the bodies hold, replay reports findings and never fails: no checker raises (CAP004)."""

from __future__ import annotations

import random
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from ocpi_tap.replay.capture import CaptureReader, Exchange, LineProblem, body_fields, encode_line
from ocpi_tap.replay.check import check_capture

CLEAN_DAY = REPO / "captures" / "clean-cpo.jsonl"
ODD_VALUES = [None, "", "x" * 300, -1, 0, 1.5, True, [], {}, [None], {"uid": None}, "2026-13-45T99:99:99Z", "#NA"]


def exchanges() -> tuple[bytes, list[Exchange]]:
    with CaptureReader(CLEAN_DAY) as reader:
        items = [item[1] for item in reader if not isinstance(item, LineProblem)]
    return CLEAN_DAY.read_bytes().split(b"\n", 1)[0], items


def mutate(value: Any, rng: random.Random) -> Any:
    """One change somewhere inside a JSON value: a key dropped, or a value replaced by an odd one."""
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        if rng.random() < 0.3:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: mutate(value[key], rng) if rng.random() < 0.6 else rng.choice(ODD_VALUES)}
    if isinstance(value, list) and value:
        index = rng.randrange(len(value))
        return [mutate(v, rng) if i == index else v for i, v in enumerate(value)]
    return rng.choice(ODD_VALUES)


def with_body(message: Any, body: Any) -> Any:
    fields: dict[str, Any] = {"body": msgspec.UNSET, "text": msgspec.UNSET, "b64": msgspec.UNSET}
    fields.update(body_fields(msgspec.json.encode(body)))
    return msgspec.structs.replace(message, **fields)


@pytest.mark.skipif(not CLEAN_DAY.exists(), reason="reference captures not generated")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=8))
def test_mutated_bodies_give_findings_never_a_failing_checker(tmp_path_factory: pytest.TempPathFactory,
                                                              seed: int, changes: int) -> None:
    rng = random.Random(seed)
    header, day = exchanges()
    for _ in range(changes):
        index = rng.randrange(len(day))
        exchange = day[index]
        side = "request" if exchange.response is None or rng.random() < 0.5 else "response"
        message = getattr(exchange, side)
        if message is None or message.body is msgspec.UNSET:
            continue
        mutated = with_body(message, mutate(msgspec.json.decode(message.body), rng))
        day[index] = msgspec.structs.replace(exchange, **{side: mutated})
    path = tmp_path_factory.mktemp("mutated") / "day.jsonl"
    path.write_bytes(header + b"\n" + b"".join(encode_line(e) for e in day))
    findings = check_capture(path).findings
    assert [f.message for f in findings if f.code == "CAP004"] == []
