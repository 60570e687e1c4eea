"""The sequencing checkers are fed the exchanges of the modules they watch, and only those."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.checks.locations import LocationsChecker
from ocpi_tap.rules.checks.pipeline import sequencers
from ocpi_tap.rules.checks.sequencing import Observed
from ocpi_tap.rules.checks.versions import VersionsChecker
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.routes import MODULES

CLEAN_DAY = Path(__file__).resolve().parents[2] / "captures" / "clean-cpo.jsonl"
ROUTED_MODULES = {*MODULES, "versions"}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_checker_watches_modules_that_are_routed(profile: str) -> None:
    # A misspelt module would starve its checker without a word.
    for checker in sequencers(PROFILES[profile]):
        assert checker.watches is None or checker.watches <= ROUTED_MODULES, type(checker).__name__


def fed_modules(checker: type, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    fed: Counter[str] = Counter()
    original = checker.feed  # type: ignore[attr-defined]

    def spy(self: object, observed: Observed) -> object:
        fed[observed.module] += 1
        return original(self, observed)

    monkeypatch.setattr(checker, "feed", spy)
    return fed


def test_a_checker_is_fed_only_its_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    locations = fed_modules(LocationsChecker, monkeypatch)
    every = fed_modules(VersionsChecker, monkeypatch)
    result = check_capture(CLEAN_DAY)
    assert result.findings == []
    assert set(locations) == {"locations"} and locations["locations"] == every["locations"] > 0
    assert sum(every.values()) == result.exchanges  # watches None: every routed exchange (all are, here)
