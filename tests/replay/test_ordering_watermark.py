"""Time order with the recorder's watermark (live checking): exchanges go out sooner, in exactly the offline order."""

from __future__ import annotations

import math
import random

import pytest

from ocpi_tap.replay.ordering import TimeOrder


def simulate(spans: list[tuple[float, float]], window: float, checks: int, rng: random.Random
             ) -> tuple[list[int], list[int], int]:
    """Exchanges (started, ended) written in completion order, with watermarks read at random moments.

    Returns (TimeOrder's release order, TimeOrder's, how many TimeOrder released before its line's
    window rule or the end would have)."""
    written = sorted(range(len(spans)), key=lambda i: (spans[i][1], i))
    offline: TimeOrder[int] = TimeOrder(window)
    expected = [i for index in written for i in offline.push(*spans[index], index)] + list(offline.drain())

    live: TimeOrder[int] = TimeOrder(window)
    moments = sorted(rng.uniform(0, max(e for _, e in spans) + 1) for _ in range(checks))
    released: list[int] = []
    early = 0
    for position, index in enumerate(written):
        released += live.push(*spans[index], index)
        now = spans[index][1]
        while moments and moments[0] <= now:
            moment = moments.pop(0)
            # The recorder's promise at `moment`: nothing still to be written started before this.
            still_to_come = [spans[i][0] for i in written[position + 1:]]
            watermark = min([moment, *[s for s in still_to_come if s <= moment]])
            out = list(live.advance(watermark))
            early += len(out)
            released += out
    released += live.drain()
    assert live.broken == 0
    return expected, released, early


@pytest.mark.parametrize("seed", range(40))
def test_the_order_is_time_orders_whatever_the_durations(seed: int) -> None:
    rng = random.Random(seed)
    starts = sorted(rng.uniform(0, 600) for _ in range(rng.randint(1, 120)))
    spans = []
    for start in starts:
        duration = rng.choice([0.0, rng.uniform(0, 2), rng.uniform(0, 30), rng.uniform(250, 700)])
        spans.append((round(start, 1) if rng.random() < 0.3 else start, start + duration))  # some equal starts
    expected, released, _ = simulate(spans, window=300.0, checks=rng.randint(0, 200), rng=rng)
    assert released == expected


def test_late_exchanges_come_out_as_offline() -> None:
    spans = [(0.0, 1.0), (1.0, 400.0), (2.0, 3.0), (350.0, 351.0), (360.0, 361.0)]  # the second outlives the window
    expected, released, _ = simulate(spans, window=300.0, checks=50, rng=random.Random(1))
    assert released == expected


def test_an_exchange_goes_out_as_soon_as_nothing_earlier_can_come() -> None:
    order: TimeOrder[str] = TimeOrder()
    assert list(order.push(10.0, 12.0, "b")) == []  # a request that started at 9 is still in flight
    assert list(order.advance(9.0)) == []
    assert list(order.push(9.0, 13.0, "a")) == []
    assert list(order.advance(13.0)) == ["a", "b"]  # nothing in flight: far sooner than the 300 s window
    assert order.held == 0


def test_a_watermark_never_goes_back_and_a_broken_promise_is_counted() -> None:
    order: TimeOrder[str] = TimeOrder()
    list(order.push(5.0, 6.0, "a"))
    assert list(order.advance(7.0)) == ["a"]
    assert list(order.advance(-math.inf)) == []
    list(order.push(6.5, 8.0, "too late"))  # the recorder said nothing before 7 was still to come
    assert order.broken == 1


def test_the_window_still_releases_when_the_watermark_is_stuck() -> None:
    order: TimeOrder[int] = TimeOrder(window=10)
    list(order.advance(0.5))  # a request from 0.5 never ends: no watermark beyond it
    out = [i for second in range(1, 40) for i in order.push(float(second), second + 0.5, second)]
    assert out == list(range(1, 30)) and order.held == 10  # as TimeOrder, no later
