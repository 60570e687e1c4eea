"""Bodies decoded as their route's type: each shape and routing rule has an exchange that
breaks it and a near twin that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.registry import Selection

HUB = "https://hub.example.org/ocpi/2.2.1"
PARTNER = "https://cpo.example.com/ocpi/2.2.1"
NOW = "2026-11-23T09:00:00Z"
PAGE_HEADERS = [("X-Total-Count", "1"), ("X-Limit", "100")]

CONNECTOR = {"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
             "max_voltage": 230, "max_amperage": 32, "last_updated": NOW}
EVSE = {"uid": "E1", "status": "AVAILABLE", "connectors": [CONNECTOR], "last_updated": NOW}
LOCATION = {"country_code": "PT", "party_id": "CPO", "id": "L1", "publish": True, "address": "Rua 1",
            "city": "Lisboa", "country": "PRT", "coordinates": {"latitude": "38.72225", "longitude": "-9.13934"},
            "time_zone": "Europe/Lisbon", "evses": [EVSE], "last_updated": NOW}
TOKEN = {"country_code": "PT", "party_id": "EMS", "uid": "U1", "type": "RFID", "contract_id": "PT-EMS-C1",
         "issuer": "EMS", "valid": True, "whitelist": "ALLOWED", "last_updated": NOW}
CDR_TOKEN = {"country_code": "PT", "party_id": "EMS", "uid": "U1", "type": "RFID", "contract_id": "PT-EMS-C1"}
SESSION = {"country_code": "PT", "party_id": "CPO", "id": "S1", "start_date_time": NOW, "kwh": 0,
           "cdr_token": CDR_TOKEN, "auth_method": "WHITELIST", "location_id": "L1", "evse_uid": "E1",
           "connector_id": "1", "currency": "EUR", "status": "PENDING", "last_updated": NOW}
TARIFF = {"country_code": "PT", "party_id": "CPO", "id": "T1", "currency": "EUR",
          "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
          "last_updated": NOW}
CDR = {"country_code": "PT", "party_id": "CPO", "id": "C1", "start_date_time": NOW, "end_date_time": NOW,
       "cdr_token": CDR_TOKEN, "auth_method": "WHITELIST",
       "cdr_location": {"id": "L1", "address": "Rua 1", "city": "Lisboa", "country": "PRT",
                        "coordinates": {"latitude": "38.72225", "longitude": "-9.13934"}, "evse_uid": "E1",
                        "evse_id": "PT*CPO*E1", "connector_id": "1", "connector_standard": "IEC_62196_T2",
                        "connector_format": "SOCKET", "connector_power_type": "AC_3_PHASE"},
       "currency": "EUR", "total_cost": {"excl_vat": 1.0},
       "charging_periods": [{"start_date_time": NOW, "dimensions": [{"type": "ENERGY", "volume": 4}]}],
       "total_energy": 4, "total_time": 1, "last_updated": NOW}
CREDENTIALS = {"token": "made-up-token-b", "url": "https://cpo.example.com/ocpi/versions",
               "roles": [{"role": "CPO", "party_id": "CPO", "country_code": "PT", "business_details": {"name": "C"}}]}
START = {"response_url": f"{HUB}/commands/START_SESSION/42", "token": TOKEN, "location_id": "L1"}


def without(obj: dict[str, object], key: str) -> dict[str, object]:
    return {k: v for k, v in obj.items() if k != key}


def changed(obj: dict[str, object], **changes: object) -> dict[str, object]:
    return {**obj, **changes}


# (code, the exchange breaking it, its clean twin); a CPO partner's traffic unless said otherwise.
CASES: list[tuple[str, Exchange, Exchange]] = [
    ("VER001", ocpi_exchange("GET", "https://hub.example.org/ocpi/versions", data={"version": "2.2.1", "url": HUB}),
     ocpi_exchange("GET", "https://hub.example.org/ocpi/versions", data=[{"version": "2.2.1", "url": HUB}])),
    ("VER002", ocpi_exchange("GET", HUB, data={"version": "2.2.1", "endpoints": [
        {"identifier": "credentials", "role": "sender", "url": f"{HUB}/credentials"}]}),
     ocpi_exchange("GET", HUB, data={"version": "2.2.1", "endpoints": [
         {"identifier": "credentials", "role": "SENDER", "url": f"{HUB}/credentials"}]})),
    ("CRD002", ocpi_exchange("POST", f"{HUB}/credentials", CREDENTIALS),
     ocpi_exchange("POST", f"{HUB}/credentials", CREDENTIALS, CREDENTIALS)),
    ("CRD001", ocpi_exchange("POST", f"{HUB}/credentials", changed(CREDENTIALS, roles=[]), CREDENTIALS),
     ocpi_exchange("POST", f"{HUB}/credentials", CREDENTIALS, CREDENTIALS)),
    ("LOC001", ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1", without(LOCATION, "coordinates")),
     ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1", LOCATION)),
    ("LOC001", ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1/E1/1", without(CONNECTOR, "power_type")),
     ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1/E1/1", CONNECTOR)),
    ("LOC003", ocpi_exchange("PATCH", f"{HUB}/locations/PT/CPO/L1/E1", {"status": "CHARGING"}),
     ocpi_exchange("PATCH", f"{HUB}/locations/PT/CPO/L1/E1", {"status": "CHARGING", "last_updated": NOW})),
    ("TAR001", ocpi_exchange("PUT", f"{HUB}/tariffs/PT/CPO/T1", changed(TARIFF, elements=[])),
     ocpi_exchange("PUT", f"{HUB}/tariffs/PT/CPO/T1", TARIFF)),
    ("SES001", ocpi_exchange("PATCH", f"{HUB}/sessions/PT/CPO/S1", {"kwh": "1.5", "last_updated": NOW}),
     ocpi_exchange("PATCH", f"{HUB}/sessions/PT/CPO/S1", {"kwh": 1.5, "last_updated": NOW})),
    ("SES001", ocpi_exchange("PUT", f"{HUB}/sessions/PT/CPO/S1", changed(SESSION, status="CHARGING")),
     ocpi_exchange("PUT", f"{HUB}/sessions/PT/CPO/S1", SESSION)),
    ("SES002", ocpi_exchange("PATCH", f"{HUB}/sessions/PT/CPO/S1", {"kwh": 1.5}),
     ocpi_exchange("PATCH", f"{HUB}/sessions/PT/CPO/S1", {"kwh": 1.5, "last_updated": NOW})),
    ("SES004", ocpi_exchange("PUT", f"{PARTNER}/sessions/S1/charging_preferences", {"profile_type": "FAST"},
                             {"result": "ACCEPTED"}, direction="to_partner"),
     ocpi_exchange("PUT", f"{PARTNER}/sessions/S1/charging_preferences", {"profile_type": "FAST"},
                   "ACCEPTED", direction="to_partner")),
    ("CDR002", ocpi_exchange("POST", f"{HUB}/cdrs", CDR, cdr_location=False),
     ocpi_exchange("POST", f"{HUB}/cdrs", CDR)),
    ("CDR001", ocpi_exchange("POST", f"{HUB}/cdrs", without(CDR, "total_cost")),
     ocpi_exchange("POST", f"{HUB}/cdrs", CDR)),
    ("TOK001", ocpi_exchange("GET", f"{HUB}/tokens?offset=0&limit=10", data=[changed(TOKEN, whitelist="SOMETIMES")],
                             response_headers=PAGE_HEADERS),
     ocpi_exchange("GET", f"{HUB}/tokens?offset=0&limit=10", data=[TOKEN], response_headers=PAGE_HEADERS)),
    ("TOK002", ocpi_exchange("PATCH", f"{PARTNER}/tokens/PT/EMS/U1", {"valid": False}, direction="to_partner"),
     ocpi_exchange("PATCH", f"{PARTNER}/tokens/PT/EMS/U1", {"valid": False, "last_updated": NOW},
                   direction="to_partner")),
    ("TOK003", ocpi_exchange("POST", f"{HUB}/tokens/U1/authorize", data={"allowed": "YES", "token": TOKEN}),
     ocpi_exchange("POST", f"{HUB}/tokens/U1/authorize", data={"allowed": "ALLOWED", "token": TOKEN})),
    ("CMD002", ocpi_exchange("POST", f"{PARTNER}/commands/STOP_SESSION", {"response_url": f"{HUB}/r/1"},
                             {"result": "ACCEPTED", "timeout": 30}, direction="to_partner"),
     ocpi_exchange("POST", f"{PARTNER}/commands/STOP_SESSION", {"response_url": f"{HUB}/r/1", "session_id": "S1"},
                   {"result": "ACCEPTED", "timeout": 30}, direction="to_partner")),
    ("CMD003", ocpi_exchange("POST", f"{PARTNER}/commands/START_SESSION", START, {"result": "ACCEPTED"},
                             direction="to_partner"),
     ocpi_exchange("POST", f"{PARTNER}/commands/START_SESSION", START, {"result": "ACCEPTED", "timeout": 30},
                   direction="to_partner")),
    ("CMD004", ocpi_exchange("POST", f"{HUB}/commands/START_SESSION/42", {"result": "DONE"}),
     ocpi_exchange("POST", f"{HUB}/commands/START_SESSION/42", {"result": "ACCEPTED"})),
    ("ENV004", ocpi_exchange("POST", f"{HUB}/commands/START_SESSION/42",
                             {"data": {"result": "ACCEPTED"}, "status_code": 1000, "timestamp": NOW}),
     ocpi_exchange("POST", f"{HUB}/commands/START_SESSION/42", {"result": "ACCEPTED"})),
    ("ENV002", ocpi_exchange("GET", f"{HUB}/hubclientinfo", data={"party_id": "EMS"}, response_headers=PAGE_HEADERS),
     ocpi_exchange("GET", f"{HUB}/hubclientinfo", data=[{"party_id": "EMS", "country_code": "PT", "role": "EMSP",
                                                         "status": "CONNECTED", "last_updated": NOW}],
                   response_headers=PAGE_HEADERS)),
    ("ENV013", ocpi_exchange("GET", f"{HUB}/location/PT/CPO/L1"),
     ocpi_exchange("GET", f"{HUB}/locations/PT/CPO/L1", data=LOCATION)),
    ("CMD001", ocpi_exchange("POST", f"{PARTNER}/commands/start_session", START, direction="to_partner"),
     ocpi_exchange("POST", f"{PARTNER}/commands/START_SESSION", START, {"result": "ACCEPTED", "timeout": 30},
                   direction="to_partner")),
    ("LOC004", ocpi_exchange("DELETE", f"{HUB}/locations/PT/CPO/L1"),
     ocpi_exchange("GET", f"{HUB}/locations/PT/CPO/L1", data=LOCATION)),
    ("TAR002", ocpi_exchange("PATCH", f"{HUB}/tariffs/PT/CPO/T1", {"currency": "EUR", "last_updated": NOW}),
     ocpi_exchange("PUT", f"{HUB}/tariffs/PT/CPO/T1", TARIFF)),
    ("SES005", ocpi_exchange("DELETE", f"{HUB}/sessions/PT/CPO/S1"),
     ocpi_exchange("GET", f"{HUB}/sessions/PT/CPO/S1", data=SESSION)),
    ("CDR003", ocpi_exchange("PUT", f"{HUB}/cdrs", CDR),
     ocpi_exchange("POST", f"{HUB}/cdrs", CDR)),
    ("TOK004", ocpi_exchange("DELETE", f"{PARTNER}/tokens/PT/EMS/U1", direction="to_partner"),
     ocpi_exchange("PUT", f"{PARTNER}/tokens/PT/EMS/U1", TOKEN, direction="to_partner")),
    ("LOC101", ocpi_exchange("PUT", f"{HUB}/locations/PT/XYZ/L1", LOCATION),
     ocpi_exchange("PUT", f"{HUB}/locations/pt/cpo/L1", LOCATION)),
    ("LOC102", ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1/E2", EVSE),
     ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1/E1", EVSE)),
    ("LOC102", ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1/E1/2", CONNECTOR),
     ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1/E1/1", CONNECTOR)),
    ("TAR101", ocpi_exchange("PUT", f"{HUB}/tariffs/PT/CPO/T2", TARIFF),
     ocpi_exchange("PUT", f"{HUB}/tariffs/PT/CPO/T1", TARIFF)),
    ("SES101", ocpi_exchange("PATCH", f"{HUB}/sessions/PT/CPO/S2", {"id": "S1", "last_updated": NOW}),
     ocpi_exchange("PATCH", f"{HUB}/sessions/PT/CPO/S1", {"id": "S1", "last_updated": NOW})),
    ("TOK101", ocpi_exchange("PUT", f"{PARTNER}/tokens/PT/XYZ/U1", TOKEN, direction="to_partner"),
     ocpi_exchange("PUT", f"{PARTNER}/tokens/PT/EMS/U1", TOKEN, direction="to_partner")),
    ("TOK102", ocpi_exchange("PUT", f"{PARTNER}/tokens/PT/EMS/U1", changed(TOKEN, type="APP_USER"),
                             direction="to_partner"),
     ocpi_exchange("PUT", f"{PARTNER}/tokens/PT/EMS/U1?type=APP_USER", changed(TOKEN, type="APP_USER"),
                   direction="to_partner")),
    ("CMD005", ocpi_exchange("GET", f"{PARTNER}/commands/START_SESSION", direction="to_partner"),
     ocpi_exchange("POST", f"{PARTNER}/commands/START_SESSION", START, {"result": "ACCEPTED", "timeout": 30},
                   direction="to_partner")),
]


# These captures are single messages, not whole sessions: sequencing across messages is tested elsewhere.
PER_MESSAGE = Selection(ignore=["SES2", "CDR2", "CDR3", "CMD2", "CMD3", "TOK2", "LOC2", "LOC3", "SES3", "TOK3", "CRD2"])


def findings(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, str | None]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), PER_MESSAGE, partner_role="CPO")
    return [(finding.code, finding.path) for finding in result.findings]


@pytest.mark.parametrize(("code", "breaking", "clean"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_the_rule_fires_on_the_breaking_exchange_and_not_on_its_twin(
    tmp_path: Path, code: str, breaking: Exchange, clean: Exchange
) -> None:
    assert [c for c, _ in findings(tmp_path, breaking)] == [code]
    assert findings(tmp_path, clean) == []


def test_findings_point_into_the_body(tmp_path: Path) -> None:
    connector = without(CONNECTOR, "power_type")
    location = changed(LOCATION, evses=[changed(EVSE, connectors=[connector])])
    [(code, path)] = findings(tmp_path, ocpi_exchange("GET", f"{HUB}/locations/PT/CPO/L1", data=location))
    assert (code, path) == ("LOC001", "$.data.evses[0].connectors[0]")


def test_an_advertised_url_routes_what_the_path_alone_would_not(tmp_path: Path) -> None:
    custom = "https://hub.example.org/o/2.2.1/locs"
    versions = ocpi_exchange("GET", "https://hub.example.org/o/versions",
                             data=[{"version": "2.2.1", "url": "https://hub.example.org/o/2.2.1"}])
    details = ocpi_exchange("GET", "https://hub.example.org/o/2.2.1", seq=2, data={"version": "2.2.1", "endpoints": [
        {"identifier": "locations", "role": "RECEIVER", "url": custom}]})
    patch = ocpi_exchange("PATCH", f"{custom}/PT/CPO/L1/E1", {"status": "CHARGING"}, seq=3, routed=True)
    assert [code for code, _ in findings(tmp_path, patch)] == ["ENV013"]
    assert [code for code, _ in findings(tmp_path, versions, details, patch)] == ["LOC003"]


def test_a_learned_response_url_routes_the_command_result(tmp_path: Path) -> None:
    free_form = "https://hub.example.org/callbacks/7f3a"
    command = ocpi_exchange("POST", f"{PARTNER}/commands/START_SESSION", changed(START, response_url=free_form),
                            {"result": "ACCEPTED", "timeout": 30}, direction="to_partner")
    result = ocpi_exchange("POST", free_form, {"result": "FAILED"}, seq=2)
    assert [code for code, _ in findings(tmp_path, result)] == ["ENV013"]
    assert findings(tmp_path, command, result) == []


def test_a_2_2_cdr_token_is_accepted_only_under_a_2_2_profile(tmp_path: Path) -> None:
    from ocpi_tap.rules.profiles import PROFILES

    cdr_22 = changed(CDR, cdr_token=without(without(CDR_TOKEN, "country_code"), "party_id"))
    capture = write_capture(tmp_path / "c.jsonl", ocpi_exchange("POST", f"{HUB}/cdrs", cdr_22))
    strict = check_capture(capture, PER_MESSAGE, PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    assert [(f.code, f.path) for f in strict] == [("CDR001", "$.cdr_token")]
    assert check_capture(capture, PER_MESSAGE, PROFILES["mobie"], partner_role="CPO").findings == []


# ENV014: a push carries its object


def findings_as(tmp_path: Path, role: str, *exchanges: Exchange) -> list[tuple[str, str | None]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), PER_MESSAGE, partner_role=role)
    return [(finding.code, finding.path) for finding in result.findings]


def test_a_cpo_push_without_a_body(tmp_path: Path) -> None:
    empty = ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1", status_code=2001)  # refused: the request is at fault
    assert findings_as(tmp_path, "CPO", empty) == [("ENV014", None)]
    accepted = ocpi_exchange("PATCH", f"{HUB}/sessions/PT/CPO/S1")
    assert findings_as(tmp_path, "CPO", accepted) == [("ENV014", None)]
    assert findings_as(tmp_path, "CPO", ocpi_exchange("PUT", f"{HUB}/locations/PT/CPO/L1", LOCATION)) == []


def test_an_emsp_push_without_a_body(tmp_path: Path) -> None:
    empty = ocpi_exchange("PUT", f"{HUB}/tokens/PT/EMS/U1", status_code=2001)
    assert findings_as(tmp_path, "EMSP", empty) == [("ENV014", None)]
    command = ocpi_exchange("POST", f"{HUB}/commands/START_SESSION", data={"result": "ACCEPTED", "timeout": 30})
    assert findings_as(tmp_path, "EMSP", command) == [("ENV014", None)]
    assert findings_as(tmp_path, "EMSP", ocpi_exchange("PUT", f"{HUB}/tokens/PT/EMS/U1", TOKEN)) == []


def test_an_authorize_may_go_without_a_body(tmp_path: Path) -> None:
    authorize = ocpi_exchange("POST", f"{HUB}/tokens/U1/authorize", data={"allowed": "ALLOWED", "token": TOKEN})
    assert findings_as(tmp_path, "CPO", authorize) == []


# ENV009: the URLs the other party calls back to are URLs


def test_a_command_whose_response_url_is_a_path(tmp_path: Path) -> None:
    relative = ocpi_exchange("POST", f"{HUB}/commands/START_SESSION", changed(START, response_url="/cmd/42"),
                             {"result": "ACCEPTED", "timeout": 30})
    assert findings_as(tmp_path, "EMSP", relative) == [("ENV009", "$.response_url")]
    good = ocpi_exchange("POST", f"{HUB}/commands/START_SESSION", START, {"result": "ACCEPTED", "timeout": 30})
    assert findings_as(tmp_path, "EMSP", good) == []


def test_credentials_whose_url_is_no_url(tmp_path: Path) -> None:
    sent = ocpi_exchange("POST", f"{HUB}/credentials", changed(CREDENTIALS, url="TBD"), CREDENTIALS)
    assert findings_as(tmp_path, "CPO", sent) == [("ENV009", "$.url")]
    answered = ocpi_exchange("POST", f"{HUB}/credentials", CREDENTIALS, changed(CREDENTIALS, url="hub.example.org"))
    assert findings_as(tmp_path, "EMSP", answered) == [("ENV009", "$.data.url")]
    assert findings_as(tmp_path, "CPO", ocpi_exchange("POST", f"{HUB}/credentials", CREDENTIALS, CREDENTIALS)) == []


def test_versions_and_endpoints_whose_url_is_no_url(tmp_path: Path) -> None:
    versions = ocpi_exchange("GET", "https://hub.example.org/ocpi/versions", data=[
        {"version": "2.1.1", "url": f"{HUB}/../2.1.1"}, {"version": "2.2.1", "url": "ocpi/2.2.1"}])
    assert findings_as(tmp_path, "CPO", versions) == [("ENV009", "$.data[1].url")]
    details = ocpi_exchange("GET", HUB, data={"version": "2.2.1", "endpoints": [
        {"identifier": "credentials", "role": "SENDER", "url": f"{HUB}/credentials"},
        {"identifier": "tokens", "role": "SENDER", "url": "https:///ocpi/2.2.1/tokens"}]})
    assert findings_as(tmp_path, "EMSP", details) == [("ENV009", "$.data.endpoints[1].url")]
