"""SES306, SES307, TAR301, CDR303, CDR304, LOC303: sessions and CDRs against the locations and tariffs."""

from __future__ import annotations

from pathlib import Path

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange, encode_line
from ocpi_tap.replay.check import CaptureCheck, check_capture
from ocpi_tap.rules.checks.session_sites import SITE_HORIZON_SECONDS, SessionSites
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import CDR, CONNECTOR, EVSE, HUB, LOCATION, NOW, SESSION, TARIFF
from test_sessions_and_cdrs import at

SITES = Selection(select=["SES306", "SES307", "TAR301", "CDR303", "CDR304"])
L1 = f"{HUB}/locations/PT/CPO/L1"
S1 = f"{HUB}/sessions/PT/CPO/S1"
PERIOD = {"start_date_time": NOW, "dimensions": [{"type": "ENERGY", "volume": 1}], "tariff_id": "T1"}
ACTIVE = dict(SESSION, status="ACTIVE", charging_periods=[PERIOD])


def listing(*tariffs: str, **evse_changes: object) -> dict[str, object]:
    connector = dict(CONNECTOR, tariff_ids=list(tariffs))
    return dict(LOCATION, evses=[dict(EVSE, connectors=[connector], **evse_changes)])


def tariff(tariff_id: str = "T1", **changes: object) -> Exchange:
    return ocpi_exchange("PUT", f"{HUB}/tariffs/PT/CPO/{tariff_id}", dict(TARIFF, id=tariff_id, **changes))


def codes(tmp_path: Path, *exchanges: Exchange, selection: Selection = SITES) -> list[tuple[str, int | None]]:
    timed = [at(exchange, n, n) for n, exchange in enumerate(exchanges, start=1)]
    found = check_capture(write_capture(tmp_path / "c.jsonl", *timed), selection, profile=PROFILES["ocpi-2.2.1"],
                          partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def put(url: str, body: object) -> Exchange:
    return ocpi_exchange("PUT", url, body)


def patch(url: str, body: object) -> Exchange:
    return ocpi_exchange("PATCH", url, body)


def post_cdr(body: object) -> Exchange:
    return ocpi_exchange("POST", f"{HUB}/cdrs", body)


def test_periods_naming_the_connectors_tariff_are_clean(tmp_path: Path) -> None:
    assert codes(tmp_path, tariff(), put(L1, listing("T1")), put(S1, ACTIVE)) == []


def test_a_period_naming_a_tariff_the_connector_does_not_list(tmp_path: Path) -> None:
    other = dict(PERIOD, tariff_id="T2")
    assert codes(tmp_path, tariff(), tariff("T2"), put(L1, listing("T1")), put(S1, SESSION),
                 patch(S1, {"charging_periods": [other], "last_updated": NOW}),
                 patch(S1, {"charging_periods": [other], "last_updated": NOW})) == [("SES306", 5)]  # once


def test_a_period_naming_an_unknown_tariff_where_the_connector_lists_none(tmp_path: Path) -> None:
    assert codes(tmp_path, tariff(), put(L1, listing()), put(S1, dict(ACTIVE, charging_periods=[
        dict(PERIOD, tariff_id="T9")]))) == [("SES306", 3)]
    assert codes(tmp_path, put(L1, listing()), put(S1, dict(ACTIVE, charging_periods=[
        dict(PERIOD, tariff_id="T9")]))) == []  # no tariff of that CPO known at all: nothing to say


def test_a_session_on_a_removed_evse(tmp_path: Path) -> None:
    assert codes(tmp_path, put(L1, listing(status="REMOVED")), put(S1, SESSION)) == [("SES307", 2)]
    assert codes(tmp_path, put(L1, listing()), put(S1, SESSION)) == []


def test_a_tariff_in_another_currency_than_the_session_or_cdr(tmp_path: Path) -> None:
    assert codes(tmp_path, tariff(currency="GBP"), put(L1, listing("T1")), put(S1, ACTIVE)) == [("TAR301", 3)]
    cdr = dict(CDR, session_id="S1", charging_periods=[PERIOD])
    assert codes(tmp_path, tariff(currency="GBP"), post_cdr(cdr)) == [("TAR301", 2)]
    assert codes(tmp_path, tariff(), post_cdr(cdr)) == []


def cdr_at(**location_changes: object) -> dict[str, object]:
    location = CDR["cdr_location"]
    assert isinstance(location, dict)
    return dict(CDR, session_id="S1", cdr_location=dict(location, **location_changes))


def test_a_cdr_location_as_at_session_start(tmp_path: Path) -> None:
    evse = {"evse_id": "PT*CPO*E1"}
    assert codes(tmp_path, put(L1, listing(**evse)), put(S1, SESSION), post_cdr(cdr_at())) == []
    # The location changing after the session started does not matter.
    moved = dict(listing(**evse), address="Rua 2")
    assert codes(tmp_path, put(L1, listing(**evse)), put(S1, SESSION), put(L1, moved), post_cdr(cdr_at())) == []


def test_a_cdr_location_that_differs_from_the_location_at_session_start(tmp_path: Path) -> None:
    evse = {"evse_id": "PT*CPO*E1"}
    assert codes(tmp_path, put(L1, listing(**evse)), put(S1, SESSION),
                 post_cdr(cdr_at(connector_standard="CHADEMO", address="Rua 9"))) == [("CDR303", 3)]


def test_cdr_tariffs_listed_by_the_connector_at_session_start(tmp_path: Path) -> None:
    cdr = dict(cdr_at(), tariffs=[TARIFF])
    assert codes(tmp_path, tariff(), put(L1, listing("T1")), put(S1, SESSION), post_cdr(cdr)) == []


def test_cdr_tariffs_not_those_of_the_connector_at_session_start(tmp_path: Path) -> None:
    other = dict(cdr_at(), tariffs=[dict(TARIFF, id="T2")])
    assert codes(tmp_path, tariff(), tariff("T2"), put(L1, listing("T1")), put(S1, SESSION),
                 post_cdr(other)) == [("CDR304", 5)]
    dearer = {"price_components": [{"type": "ENERGY", "price": 0.99, "step_size": 1}]}
    changed = dict(cdr_at(), tariffs=[dict(TARIFF, elements=[dearer])])
    assert codes(tmp_path, tariff(), put(L1, listing("T1")), put(S1, SESSION), post_cdr(changed)) == [("CDR304", 4)]


OCCUPANCY = Selection(select=["LOC303"])


def test_evse_status_against_sessions_is_off_by_default(tmp_path: Path) -> None:
    location = ocpi_exchange("PUT", L1, listing(), seq=1)
    charging = ocpi_exchange("PATCH", f"{L1}/E1", {"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"},
                             seq=2)
    assert codes(tmp_path, location, charging, selection=Selection()) == []
    assert codes(tmp_path, location, charging, selection=OCCUPANCY) == [("LOC303", 2)]


def test_an_evse_charging_with_its_session_or_available_after_it(tmp_path: Path) -> None:
    charging = patch(f"{L1}/E1", {"status": "CHARGING", "last_updated": "2026-11-23T09:05:00Z"})
    available = patch(f"{L1}/E1", {"status": "AVAILABLE", "last_updated": "2026-11-23T09:06:00Z"})
    completed = patch(S1, {"status": "COMPLETED", "end_date_time": NOW, "last_updated": NOW})
    # The session is pushed just after the EVSE went CHARGING; it completes just after the EVSE is free again.
    assert codes(tmp_path, put(L1, listing()), charging, put(S1, ACTIVE), available, completed,
                 selection=OCCUPANCY) == []


def test_an_evse_available_while_its_session_stays_active(tmp_path: Path) -> None:
    available = at(patch(f"{L1}/E1", {"status": "AVAILABLE", "last_updated": "2026-11-23T09:06:00Z"}), 3, 3)
    still_active = at(patch(S1, {"kwh": 5, "last_updated": NOW}), 4, 600)
    exchanges = [at(put(L1, listing()), 1, 1), at(put(S1, ACTIVE), 2, 2), available, still_active]
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), OCCUPANCY,
                          profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    assert [(f.code, f.seq) for f in found] == [("LOC303", 3)]


def test_a_finished_session_is_kept_until_its_cdr_or_the_horizon_only(tmp_path: Path) -> None:
    s2, s3 = f"{HUB}/sessions/PT/CPO/S2", f"{HUB}/sessions/PT/CPO/S3"
    exchanges = [put(L1, listing()), put(S1, dict(SESSION, status="COMPLETED")),  # first seen finished, no CDR
                 put(s2, dict(SESSION, id="S2", status="ACTIVE")), patch(s2, {"status": "COMPLETED"}),
                 post_cdr(dict(cdr_at(), id="C2", session_id="S2"))]
    timed = [at(exchange, n, n) for n, exchange in enumerate(exchanges, start=1)]
    timed.append(at(put(s3, dict(SESSION, id="S3", status="ACTIVE")), 6, SITE_HORIZON_SECONDS + 60))
    check = CaptureCheck("c.jsonl", Selection(), PROFILES["ocpi-2.2.1"], "CPO")
    sites = next(checker for checker in check._engine._sequencers if isinstance(checker, SessionSites))
    for line, exchange in enumerate(timed[:5], start=2):
        check.exchange(line, exchange, encode_line(exchange))
    check.advance(float("inf"))
    assert list(sites.sites) == [("PT", "CPO", "S1")] and list(sites._finished) == [("PT", "CPO", "S1")]
    check.exchange(7, timed[5], encode_line(timed[5]))
    check.finish()
    assert list(sites.sites) == [("PT", "CPO", "S3")] and not sites._finished
