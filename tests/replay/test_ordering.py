"""Time ordering: file order is completion order; checkers get start order, in bounded memory."""

from __future__ import annotations

import random

from ocpi_tap.replay.ordering import TimeOrder, epoch


def test_exchanges_come_out_in_start_order_whatever_order_they_completed_in() -> None:
    rng = random.Random(7)
    spans = [(start, start + rng.uniform(0, 50)) for start in (float(i) for i in range(1000))]
    by_completion = sorted(spans, key=lambda span: span[1])
    order: TimeOrder[float] = TimeOrder(window=60)
    released = [item for started, ended in by_completion for item in order.push(started, ended, started)]
    released += list(order.drain())
    assert released == sorted(start for start, _ in spans)
    assert order.late == 0


def test_memory_holds_only_the_window() -> None:
    order: TimeOrder[int] = TimeOrder(window=10)
    held = 0
    for second in range(10_000):
        list(order.push(float(second), float(second) + 0.5, second))
        held = max(held, len(order._heap))
    assert held <= 12


def test_an_exchange_longer_than_the_window_is_released_late_and_counted() -> None:
    order: TimeOrder[str] = TimeOrder(window=5)
    out = list(order.push(0.0, 1.0, "a")) + list(order.push(20.0, 100.0, "b"))
    assert out == ["a", "b"]  # the capture moved 80 s past b's start: both released
    assert list(order.push(2.0, 101.0, "slow")) == ["slow"]  # started before b, arrives after it
    assert order.late == 1


def test_epoch_reads_capture_timestamps() -> None:
    assert epoch("1970-01-01T00:00:01.500000Z") == 1.5
