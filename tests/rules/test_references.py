"""LOC301, LOC302, SES301, TOK302: objects name tariffs, locations and tokens the capture has seen."""

from __future__ import annotations

from pathlib import Path

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import CONNECTOR, EVSE, HUB, LOCATION, PARTNER, SESSION, TARIFF, TOKEN
from test_sessions_and_cdrs import at

# Only the reference rules: the sessions here are not whole sessions.
REFERENCES = Selection(select=["LOC301", "LOC302", "SES301", "TOK302"])
TARIFF_PUT = ("PUT", f"{HUB}/tariffs/PT/CPO/T1", TARIFF, "to_hub")
TOKEN_PUT = ("PUT", f"{PARTNER}/tokens/PT/EMS/U1", TOKEN, "to_partner")
SESSION_PUT = ("PUT", f"{HUB}/sessions/PT/CPO/S1", SESSION, "to_hub")


def location_with_tariff(tariff: str) -> dict[str, object]:
    return dict(LOCATION, evses=[dict(EVSE, connectors=[dict(CONNECTOR, tariff_ids=[tariff])])])


def codes(tmp_path: Path, *steps: tuple[str, str, object, str]) -> list[tuple[str, int | None]]:
    exchanges: list[Exchange] = [at(ocpi_exchange(method, url, body, seq=n, direction=direction), n, n)
                                 for n, (method, url, body, direction) in enumerate(steps, start=1)]
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), REFERENCES,
                          profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def test_everything_named_was_seen_first(tmp_path: Path) -> None:
    location = ("PUT", f"{HUB}/locations/PT/CPO/L1", location_with_tariff("T1"), "to_hub")
    assert codes(tmp_path, TARIFF_PUT, location, TOKEN_PUT, SESSION_PUT) == []


def test_a_connector_naming_an_unknown_tariff(tmp_path: Path) -> None:
    location = ("PUT", f"{HUB}/locations/PT/CPO/L1", location_with_tariff("T9"), "to_hub")
    assert codes(tmp_path, TARIFF_PUT, location) == [("LOC301", 2)]


def test_a_session_at_an_unknown_location_or_evse(tmp_path: Path) -> None:
    assert codes(tmp_path, TOKEN_PUT, SESSION_PUT) == [("SES301", 2)]
    location = ("PUT", f"{HUB}/locations/PT/CPO/L1", location_with_tariff("T1"), "to_hub")
    other_evse = ("PUT", f"{HUB}/sessions/PT/CPO/S1", dict(SESSION, evse_uid="E9"), "to_hub")
    assert codes(tmp_path, TARIFF_PUT, location, TOKEN_PUT, other_evse) == [("SES301", 4)]


def test_a_session_for_an_unknown_token(tmp_path: Path) -> None:
    location = ("PUT", f"{HUB}/locations/PT/CPO/L1", location_with_tariff("T1"), "to_hub")
    assert codes(tmp_path, TARIFF_PUT, location, SESSION_PUT) == [("TOK302", 3)]


def tariff_put(tariff_id: str, **changes: object) -> tuple[str, str, object, str]:
    return ("PUT", f"{HUB}/tariffs/PT/CPO/{tariff_id}", dict(TARIFF, id=tariff_id, **changes), "to_hub")


def listing(*tariffs: str) -> tuple[str, str, object, str]:
    connector = dict(CONNECTOR, tariff_ids=list(tariffs))
    return ("PUT", f"{HUB}/locations/PT/CPO/L1", dict(LOCATION, evses=[dict(EVSE, connectors=[connector])]),
            "to_hub")


def test_a_connector_listing_two_regular_tariffs_at_once(tmp_path: Path) -> None:
    assert codes(tmp_path, tariff_put("T1", type="REGULAR"), tariff_put("T2", type="REGULAR"),
                 listing("T1", "T2"), listing("T1", "T2")) == [("LOC302", 3)]  # said once per connector and pair


def test_a_connector_listing_tariffs_of_other_types_or_times(tmp_path: Path) -> None:
    assert codes(tmp_path, tariff_put("T1", type="REGULAR"), tariff_put("T2", type="AD_HOC_PAYMENT"),
                 listing("T1", "T2")) == []
    assert codes(tmp_path, tariff_put("T1", type="REGULAR", end_date_time="2026-12-01T00:00:00Z"),
                 tariff_put("T2", type="REGULAR", start_date_time="2026-12-01T00:00:00Z"),
                 listing("T1", "T2")) == []
