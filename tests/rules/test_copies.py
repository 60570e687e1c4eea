"""ENV201 and ENV202: what a party pushed must be in its own list when pulled, and in the receiver's copy.

Both ways round: the partner as the owner (a CPO pushing to the hub; an eMSP pushing tokens) and the hub as the
owner (the mock CPO of an eMSP partner), so that each fault blames the party that serves the wrong list or copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import HUB, NOW, PARTNER, SESSION, TOKEN
from test_sessions_and_cdrs import at

ONLY = Selection(select=["ENV201", "ENV202"])
BACK = {"to_hub": "to_partner", "to_partner": "to_hub"}
CALLER = {"to_hub": "partner", "to_partner": "hub"}
PERIOD = {"start_date_time": NOW, "dimensions": [{"type": "ENERGY", "volume": 1.5}]}
LATER = "2026-11-23T09:10:00Z"


def found(tmp_path: Path, *exchanges: Exchange, role: str) -> list[tuple[str, int | None, str | None]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), ONLY, profile=PROFILES["ocpi-2.2.1"],
                           partner_role=role)
    return [(f.code, f.seq, f.culprit) for f in result.findings]


def receiver(direction: str) -> str:
    """The base URL of the callee of `direction`."""
    return HUB if direction == "to_hub" else PARTNER


def pulled(seq: int, direction: str, module: str, data: list[object], query: str = "date_from=2026-11-23T08:00:00Z",
           total: int | None = None) -> Exchange:
    """The owner's list, pulled by the other party (so in the direction opposite to the owner's pushes)."""
    count = len(data) if total is None else total
    return at(ocpi_exchange("GET", f"{receiver(BACK[direction])}/{module}?{query}", data=data, seq=seq,
                            direction=BACK[direction],
                            response_headers=[("X-Total-Count", str(count)), ("X-Limit", "100")]), seq, seq)


# The CPO's sessions (partner as CPO: pushed to_hub; partner as eMSP: the hub's mock CPO pushes to_partner).
SESSION_OWNERS = [("to_hub", "CPO"), ("to_partner", "EMSP")]


@pytest.mark.parametrize(("direction", "role"), SESSION_OWNERS)
def test_a_pull_that_leaves_out_a_pushed_session(tmp_path: Path, direction: str, role: str) -> None:
    push = at(ocpi_exchange("PUT", f"{receiver(direction)}/sessions/PT/CPO/S1", SESSION, seq=1, direction=direction),
              1, 1)
    empty = pulled(2, direction, "sessions", [])
    whole = pulled(2, direction, "sessions", [SESSION])
    assert found(tmp_path, push, empty, role=role) == [("ENV201", 2, CALLER[direction])]
    assert found(tmp_path, push, whole, role=role) == []


@pytest.mark.parametrize(("direction", "role"), [("to_partner", "CPO"), ("to_hub", "EMSP")])
def test_a_pull_of_tokens_that_leaves_out_a_pushed_token(tmp_path: Path, direction: str, role: str) -> None:
    push = at(ocpi_exchange("PUT", f"{receiver(direction)}/tokens/PT/EMS/U1", TOKEN, seq=1, direction=direction), 1, 1)
    assert found(tmp_path, push, pulled(2, direction, "tokens", []), role=role) == [("ENV201", 2, CALLER[direction])]
    assert found(tmp_path, push, pulled(2, direction, "tokens", [TOKEN]), role=role) == []


@pytest.mark.parametrize("query", ["date_from=2026-11-23T09:00:01Z",  # after the push's last_updated
                                   "date_from=2026-11-23T08:00:00Z&date_to=2026-11-23T10:00:00Z"])
def test_a_window_the_pushed_object_may_lie_outside_is_not_judged(tmp_path: Path, query: str) -> None:
    push = at(ocpi_exchange("PUT", f"{HUB}/sessions/PT/CPO/S1", SESSION, seq=1), 1, 1)
    assert found(tmp_path, push, pulled(2, "to_hub", "sessions", [], query=query), role="CPO") == []


def test_a_refused_push_is_not_expected_in_the_list(tmp_path: Path) -> None:
    refused = at(ocpi_exchange("PUT", f"{HUB}/sessions/PT/CPO/S1", SESSION, seq=1, status_code=2001), 1, 1)
    assert found(tmp_path, refused, pulled(2, "to_hub", "sessions", []), role="CPO") == []


def test_a_paged_list_whose_total_is_short_of_the_pushes(tmp_path: Path) -> None:
    pushes = [at(ocpi_exchange("PUT", f"{HUB}/sessions/PT/CPO/S{n}", dict(SESSION, id=f"S{n}"), seq=n), n, n)
              for n in (1, 2, 3)]
    first_page = pulled(4, "to_hub", "sessions", [dict(SESSION, id="S1")], query="limit=1", total=2)
    assert found(tmp_path, *pushes, first_page, role="CPO") == [("ENV201", 4, "partner")]
    honest = pulled(4, "to_hub", "sessions", [dict(SESSION, id="S1")], query="limit=1", total=3)
    assert found(tmp_path, *pushes, honest, role="CPO") == []


def _session_day(direction: str, kept: dict[str, object], patch_status: int = 1000) -> list[Exchange]:
    url = f"{receiver(direction)}/sessions/PT/CPO/S1"
    return [
        at(ocpi_exchange("PUT", url, dict(SESSION, status="ACTIVE", kwh=1.5, charging_periods=[PERIOD]), seq=1,
                         direction=direction), 1, 1),
        at(ocpi_exchange("PATCH", url, {"kwh": 3.2, "charging_periods": [dict(PERIOD, start_date_time=LATER)],
                                        "last_updated": LATER}, seq=2, direction=direction,
                         status_code=patch_status), 2, 2),
        at(ocpi_exchange("GET", url, data=kept, seq=3, direction=direction), 3, 3),
    ]


@pytest.mark.parametrize(("direction", "role"), SESSION_OWNERS)
def test_a_receiver_copy_without_the_appended_period(tmp_path: Path, direction: str, role: str) -> None:
    stale = dict(SESSION, status="ACTIVE", kwh=1.5, charging_periods=[PERIOD])
    receiver_party = "hub" if direction == "to_hub" else "partner"
    assert found(tmp_path, *_session_day(direction, stale), role=role) == [("ENV202", 3, receiver_party)]
    merged = dict(SESSION, status="ACTIVE", kwh=3.2, last_updated=LATER,
                  charging_periods=[PERIOD, dict(PERIOD, start_date_time=LATER)])
    assert found(tmp_path, *_session_day(direction, merged), role=role) == []


def test_a_refused_patch_is_not_expected_in_the_copy(tmp_path: Path) -> None:
    stale = dict(SESSION, status="ACTIVE", kwh=1.5, charging_periods=[PERIOD])
    assert found(tmp_path, *_session_day("to_hub", stale, patch_status=2001), role="CPO") == []


def test_the_difference_is_said_field_by_field(tmp_path: Path) -> None:
    stale = dict(SESSION, status="PENDING", kwh=1.5, charging_periods=[PERIOD])
    result = check_capture(write_capture(tmp_path / "c.jsonl", *_session_day("to_hub", stale)), ONLY,
                           profile=PROFILES["ocpi-2.2.1"], partner_role="CPO")
    [finding] = result.findings
    assert finding.message == (
        "the receiver's copy of PT/CPO/S1 differs from what was pushed: last_updated 2026-11-23T09:00:00Z, older "
        "than the 2026-11-23T09:10:00Z pushed; kwh 1.5, where 3.2 was pushed; status PENDING, where ACTIVE was "
        "pushed; 1 charging period(s), where the pushes gave 2")


def test_a_pushed_object_malformed_on_the_page_is_not_said_to_be_left_out(tmp_path: Path) -> None:
    pushes = [at(ocpi_exchange("PUT", f"{HUB}/sessions/PT/CPO/S{n}", dict(SESSION, id=f"S{n}"), seq=n), n, n)
              for n in (1, 2)]
    page = [dict(SESSION, id="S1"), dict(SESSION, id="S2", kwh="a lot")]  # S2 is there, malformed (SES001)
    pull = at(ocpi_exchange("GET", f"{PARTNER}/sessions?date_from=2026-11-23T08:00:00Z", data=page, seq=3,
                            direction="to_partner"), 3, 3)
    assert found(tmp_path, *pushes, pull, role="CPO") == []
    short = [dict(SESSION, id="S1")]  # S2 really left out
    pull = at(ocpi_exchange("GET", f"{PARTNER}/sessions?date_from=2026-11-23T08:00:00Z", data=short, seq=3,
                            direction="to_partner"), 3, 3)
    assert found(tmp_path, *pushes, pull, role="CPO") == [("ENV201", 3, "partner")]


def test_a_paged_pull_short_of_the_pushes_is_said_once_at_its_first_page(tmp_path: Path) -> None:
    pushes = [at(ocpi_exchange("PUT", f"{HUB}/sessions/PT/CPO/S{n}", dict(SESSION, id=f"S{n}"), seq=n), n, n)
              for n in (1, 2, 3)]
    first = pulled(4, "to_hub", "sessions", [dict(SESSION, id="S1")], query="limit=1", total=2)
    second = pulled(5, "to_hub", "sessions", [dict(SESSION, id="S2")], query="offset=1&limit=1", total=2)
    assert found(tmp_path, *pushes, first, second, role="CPO") == [("ENV201", 4, "partner")]
