"""LOC301, SES301, TOK302: objects name tariffs, locations and tokens the capture has seen."""

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
REFERENCES = Selection(select=["LOC301", "SES301", "TOK302"])
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
