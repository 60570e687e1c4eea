"""A malformed object is reported at its own path and hides nothing else: the other objects of its page are
kept, and an object pushed unreadable still counts as pushed (LOC001, TAR001, LOC202, LOC301, SES301)."""

from __future__ import annotations

from pathlib import Path

import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CONNECTOR, EVSE, HUB, LOCATION, PARTNER, TARIFF, without
from test_sessions_and_cdrs import at

ROLES = ("CPO", "EMSP")
L2 = dict(LOCATION, id="L2", evses=[dict(EVSE, uid="E2")])
L3 = dict(LOCATION, id="L3", evses=[dict(EVSE, uid="E3")])
MOVED = {"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"}


def cpo_side(role: str) -> tuple[str, str]:
    """The base URL of the CPO's data at the other side (where pushes go) and the direction of a push."""
    return (f"{HUB}", "to_hub") if role == "CPO" else (f"{PARTNER}", "to_partner")


def emsp_side(role: str) -> tuple[str, str]:
    """The base URL where the eMSP pulls the CPO's lists from, and the direction of a pull."""
    return (f"{PARTNER}", "to_partner") if role == "CPO" else (f"{HUB}", "to_hub")


def found(tmp_path: Path, role: str, *steps: tuple[str, str, object, object, str]
          ) -> list[tuple[str, int | None, str | None]]:
    exchanges: list[Exchange] = []
    for n, (method, url, body, data, direction) in enumerate(steps, start=1):
        headers = [("X-Total-Count", str(len(data))), ("X-Limit", "100")] if isinstance(data, list) else None
        exchanges.append(at(ocpi_exchange(method, url, body, data, seq=n, direction=direction,
                                          response_headers=headers), n, n))
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=PROFILES["ocpi-2.2.1"],
                           partner_role=role)
    return [(f.code, f.seq, f.path) for f in result.findings]


def pull(role: str, module: str, page: list[object]) -> tuple[str, str, object, object, str]:
    base, direction = emsp_side(role)
    return ("GET", f"{base}/{module}?offset=0&limit=100", None, page, direction)


def push(role: str, method: str, path: str, body: object) -> tuple[str, str, object, object, str]:
    base, direction = cpo_side(role)
    return (method, f"{base}/{path}", body, None, direction)


@pytest.mark.parametrize("role", ROLES)
def test_each_malformed_object_of_a_page_at_its_path_and_the_others_kept(tmp_path: Path, role: str) -> None:
    page = [LOCATION, without(L2, "coordinates"), dict(L3, evses=[dict(EVSE, uid="E3", status="FREE")])]
    patches = [push(role, "PATCH", "locations/PT/CPO/L1/E1", MOVED)]
    assert found(tmp_path, role, pull(role, "locations", page), *patches) == [
        ("LOC001", 1, "$.data[1]"), ("LOC001", 1, "$.data[2].evses[0].status")]
    assert found(tmp_path, role, pull(role, "locations", [LOCATION, L2, L3]), *patches) == []


@pytest.mark.parametrize("role", ROLES)
def test_a_tolerated_form_in_one_object_is_reported_there_once(tmp_path: Path, role: str) -> None:
    offset = dict(L2, last_updated="2026-11-23T09:00:00+00:00")
    assert [code for code, _, path in found(tmp_path, role, pull(role, "locations", [LOCATION, offset,
                                                                                     without(L3, "address")]))
            ] == ["LOC001", "LOC001"]


@pytest.mark.parametrize("role", ROLES)
def test_a_page_that_is_no_list_is_reported_whole(tmp_path: Path, role: str) -> None:
    base, direction = emsp_side(role)
    assert found(tmp_path, role, ("GET", f"{base}/tariffs?offset=0&limit=100", None, TARIFF, direction)) == [
        ("TAR001", 1, "$.data")]


@pytest.mark.parametrize("role", ROLES)
def test_a_tariff_pushed_malformed_is_not_unknown_to_the_connectors_naming_it(tmp_path: Path, role: str) -> None:
    location = dict(LOCATION, evses=[dict(EVSE, connectors=[dict(CONNECTOR, tariff_ids=["T1"])])])
    broken = push(role, "PUT", "tariffs/PT/CPO/T1", dict(TARIFF, elements=[]))
    assert found(tmp_path, role, broken, push(role, "PUT", "locations/PT/CPO/L1", location)) == [
        ("TAR001", 1, "$.elements")]
    never = push(role, "PUT", "tariffs/PT/CPO/T2", dict(TARIFF, id="T2"))
    assert found(tmp_path, role, never, push(role, "PUT", "locations/PT/CPO/L1", location)) == [
        ("LOC301", 2, None)]


@pytest.mark.parametrize("role", ROLES)
def test_a_location_pushed_malformed_still_counts_as_put(tmp_path: Path, role: str) -> None:
    broken = push(role, "PUT", "locations/PT/CPO/L1", without(LOCATION, "address"))
    moved = push(role, "PATCH", "locations/PT/CPO/L1/E1", MOVED)
    assert found(tmp_path, role, broken, moved) == [("LOC001", 1, "$")]
    assert found(tmp_path, role, moved) == [("LOC202", 1, None)]


@pytest.mark.parametrize("role", ROLES)
def test_the_page_keeps_its_count_and_positions_for_the_pagination_rules(tmp_path: Path, role: str) -> None:
    base, direction = emsp_side(role)
    early = dict(LOCATION, id="L0", last_updated="2026-11-22T09:00:00Z")
    url = f"{base}/locations?offset=0&limit=100&date_from=2026-11-23T00:00:00Z"
    page = [LOCATION, without(L2, "coordinates"), early]  # 3 sent, X-Total-Count 3: no next link due
    assert found(tmp_path, role, ("GET", url, None, page, direction)) == [
        ("ENV135", 1, "$.data[2].last_updated"), ("LOC001", 1, "$.data[1]")]
