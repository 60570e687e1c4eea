"""Every finding names the message it judges and its culprit: a request's sender, or a response's (the callee).

Each case is met in both directions: with the partner as the caller (to_hub)
the partner is at fault for a bad request and the hub for a bad answer; the
other way round when the hub calls the partner.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from captures import clean_exchange, ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange, format_timestamp
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.findings import Finding
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import CDR, CREDENTIALS, EVSE, HUB, LOCATION, NOW, PARTNER, SESSION, START, TARIFF, TOKEN, without
from test_credentials_and_tokens import registration, step
from test_sessions_and_cdrs import T0, at

STRICT = PROFILES["ocpi-2.2.1"]
OTHER = {"to_hub": "to_partner", "to_partner": "to_hub"}
CALLER = {"to_hub": "partner", "to_partner": "hub"}
CALLEE = {"to_hub": "hub", "to_partner": "partner"}


def judged(tmp_path: Path, *exchanges: Exchange, role: str = "CPO") -> list[tuple[str, int | None, str | None,
                                                                                   str | None]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=STRICT, partner_role=role)
    return [(f.code, f.seq, f.about, f.culprit) for f in result.findings]


def _base(direction: str) -> str:
    return HUB if direction == "to_hub" else PARTNER


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_malformed_pushed_session_is_the_pushers_request(tmp_path: Path, direction: str) -> None:
    push = ocpi_exchange("PUT", f"{_base(direction)}/sessions/PT/CPO/S1", without(SESSION, "kwh"),
                         direction=direction)
    found = [f for f in judged(tmp_path, push) if f[0] == "SES001"]
    assert found == [("SES001", 1, "request", CALLER[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_malformed_pulled_session_is_the_answerers_response(tmp_path: Path, direction: str) -> None:
    pull = ocpi_exchange("GET", f"{_base(direction)}/sessions/PT/CPO/S1", data=without(SESSION, "kwh"),
                         direction=direction)
    found = [f for f in judged(tmp_path, pull) if f[0] == "SES001"]
    assert found == [("SES001", 1, "response", CALLEE[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_credentials_malformed_in_the_request_or_in_the_answer_of_one_post(tmp_path: Path, direction: str) -> None:
    roleless = without(CREDENTIALS, "roles")
    bad_request = ocpi_exchange("POST", f"{_base(direction)}/credentials", roleless, CREDENTIALS, seq=1,
                                direction=direction)
    bad_answer = ocpi_exchange("POST", f"{_base(direction)}/credentials", CREDENTIALS, roleless, seq=2,
                               direction=direction)
    found = [f for f in judged(tmp_path, bad_request, bad_answer) if f[0] == "CRD001"]
    assert found == [("CRD001", 1, "request", CALLER[direction]), ("CRD001", 2, "response", CALLEE[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_request_id_missing_on_the_request_or_not_echoed_by_the_answer(tmp_path: Path, direction: str) -> None:
    base = clean_exchange(1, direction=direction)
    assert base.response is not None
    unsent = msgspec.structs.replace(base, request=msgspec.structs.replace(
        base.request, headers=[(k, v) for k, v in base.request.headers if k != "X-Request-ID"]))
    unechoed = msgspec.structs.replace(clean_exchange(2, direction=direction), response=msgspec.structs.replace(
        base.response, headers=[(k, v) for k, v in base.response.headers if k != "X-Request-ID"]))
    found = [f for f in judged(tmp_path, unsent, unechoed) if f[0] == "ENV104"]
    assert found == [("ENV104", 1, "request", CALLER[direction]), ("ENV104", 2, "response", CALLEE[direction])]


def test_a_superseded_token_accepted_is_the_fault_of_the_server_that_accepted_it(tmp_path: Path) -> None:
    old_token = step(4, "GET", f"{HUB}/credentials", "token-a", data=dict(CREDENTIALS, token="token-c"))
    found = [f for f in judged(tmp_path, *registration(), old_token) if f[0] == "CRD206"]
    assert found == [("CRD206", 4, "response", "hub")]


@pytest.mark.parametrize(("direction", "role"), [("to_hub", "CPO"), ("to_partner", "EMSP")])
def test_a_session_left_open_is_the_fault_of_the_cpo_that_pushed_it(tmp_path: Path, direction: str,
                                                                    role: str) -> None:
    push = ocpi_exchange("PUT", f"{_base(direction)}/sessions/PT/CPO/S1", SESSION, direction=direction)
    found = [f for f in judged(tmp_path, push, role=role) if f[0] == "SES208"]
    assert found == [("SES208", 1, "request", CALLER[direction])]


def test_a_capture_line_that_is_not_an_exchange_has_no_culprit(tmp_path: Path) -> None:
    capture = write_capture(tmp_path / "c.jsonl", clean_exchange(1))
    with capture.open("ab") as stream:
        stream.write(b"not json\n")
    findings: list[Finding] = check_capture(capture, profile=STRICT).findings
    assert [(f.code, f.about, f.culprit) for f in findings] == [("CAP001", None, None)]


# Sequencing rules: a finding may point at an exchange other than the faulty message's sender sent (the
# command a result never came for, the last push of a session left without a CDR), or at a message whose
# sender is not at fault (a GET that shows the other side's mistake). Each day below is played twice: with
# the partner as the CPO (its calls go to the hub) and as the eMSP (the hub, as CPO, calls the partner),
# so that the same fault blames the partner in one run and the hub in the other.

ROLES = ["CPO", "EMSP"]
START_RESULT_PATH = "commands/START_SESSION/42"
STOP_RESULT_PATH = "commands/STOP_SESSION/43"
RESERVE_RESULT_PATH = "commands/RESERVE_NOW/50"


class Day:
    """The exchanges of one day, by who makes the call: the CPO (pushes, results, authorizations) or the eMSP
    (token pushes, commands, preferences). `cpo` and `emsp` are the party ("partner" or "hub") in that role."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.by_cpo_direction = "to_hub" if role == "CPO" else "to_partner"
        self.by_emsp_direction = OTHER[self.by_cpo_direction]
        self.cpo = CALLER[self.by_cpo_direction]
        self.emsp = CALLER[self.by_emsp_direction]

    def _call(self, direction: str, seq: int, second: float, method: str, path: str, body: object,
              data: object, status_code: int, took: float, response_headers: list[tuple[str, str]]) -> Exchange:
        url = f"{_base(direction)}/{path}" if path else _base(direction)
        exchange = at(ocpi_exchange(method, url, body, data, seq=seq, direction=direction, status_code=status_code,
                                    response_headers=response_headers), seq, second)
        return msgspec.structs.replace(exchange, ended=format_timestamp(T0 + second + took))

    def by_cpo(self, seq: int, second: float, method: str, path: str, body: object = None, data: object = None,
               status_code: int = 1000, took: float = 0.1,
               response_headers: list[tuple[str, str]] | None = None) -> Exchange:
        return self._call(self.by_cpo_direction, seq, second, method, path, body, data, status_code, took,
                          response_headers or [])

    def by_emsp(self, seq: int, second: float, method: str, path: str, body: object = None, data: object = None,
                status_code: int = 1000, took: float = 0.1,
                response_headers: list[tuple[str, str]] | None = None) -> Exchange:
        return self._call(self.by_emsp_direction, seq, second, method, path, body, data, status_code, took,
                          response_headers or [])

    def command(self, seq: int, second: float, kind: str, body: dict[str, object],
                answer: str = "ACCEPTED") -> Exchange:
        return self.by_emsp(seq, second, "POST", f"commands/{kind}", body, {"result": answer, "timeout": 30})

    def start(self, seq: int, second: float) -> Exchange:
        return self.command(seq, second, "START_SESSION",
                            dict(START, response_url=f"{_base(self.by_cpo_direction)}/{START_RESULT_PATH}",
                                 evse_uid="E1"))

    def stop(self, seq: int, second: float, session_id: str = "S1") -> Exchange:
        return self.command(seq, second, "STOP_SESSION", {
            "response_url": f"{_base(self.by_cpo_direction)}/{STOP_RESULT_PATH}", "session_id": session_id})

    def result(self, seq: int, second: float, path: str = START_RESULT_PATH) -> Exchange:
        return self.by_cpo(seq, second, "POST", path, {"result": "ACCEPTED"})

    def session(self, seq: int, second: float, method: str = "PUT", **fields: object) -> Exchange:
        body = dict(SESSION, **fields) if method == "PUT" else dict(fields, last_updated=NOW)
        return self.by_cpo(seq, second, method, "sessions/PT/CPO/S1", body)


def seq_judged(tmp_path: Path, day: Day, *exchanges: Exchange, code: str,
               select: list[str] | None = None) -> list[tuple[str, int | None, str | None, str | None]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=STRICT, partner_role=day.role,
                           selection=Selection(select=select) if select else None)
    return [(f.code, f.seq, f.about, f.culprit) for f in result.findings if f.code == code]


# Commands: the CPO owes the results and sessions its answers promised; the finding points at the command,
# whose answer (the CPO's, as its callee) made the promise.


@pytest.mark.parametrize("role", ROLES)
def test_a_result_never_sent_points_at_the_cpos_answer(tmp_path: Path, role: str) -> None:
    day = Day(role)
    assert seq_judged(tmp_path, day, day.start(1, 1), code="CMD202") == [("CMD202", 1, "response", day.cpo)]


@pytest.mark.parametrize("role", ROLES)
def test_a_late_result_is_the_cpos_request(tmp_path: Path, role: str) -> None:
    day = Day(role)
    found = seq_judged(tmp_path, day, day.start(1, 1), day.result(2, 60), code="CMD401")
    assert found == [("CMD401", 2, "request", day.cpo)]


@pytest.mark.parametrize("role", ROLES)
def test_a_start_without_its_session_is_the_cpos(tmp_path: Path, role: str) -> None:
    day = Day(role)
    found = seq_judged(tmp_path, day, day.start(1, 1), day.result(2, 2), code="CMD205")
    assert found == [("CMD205", 1, "response", day.cpo)]


@pytest.mark.parametrize("role", ROLES)
def test_a_stop_never_completing_the_session_is_the_cpos(tmp_path: Path, role: str) -> None:
    day = Day(role)
    found = seq_judged(tmp_path, day, day.session(1, 1, status="ACTIVE"), day.stop(2, 2),
                       day.result(3, 3, STOP_RESULT_PATH), code="CMD206")
    assert found == [("CMD206", 2, "response", day.cpo)]


@pytest.mark.parametrize("role", ROLES)
def test_a_stop_of_an_unknown_session_accepted_is_the_cpos(tmp_path: Path, role: str) -> None:
    """ACCEPTED says the CPO knows the session: it never pushed it, or should have answered UNKNOWN_SESSION."""
    day = Day(role)
    found = seq_judged(tmp_path, day, day.stop(1, 1, "S7"), day.result(2, 2, STOP_RESULT_PATH), code="CMD304")
    assert found == [("CMD304", 1, "response", day.cpo)]


@pytest.mark.parametrize("role", ROLES)
def test_a_reservation_without_its_session_is_the_cpos(tmp_path: Path, role: str) -> None:
    day = Day(role)
    reserve = {"response_url": f"{_base(day.by_cpo_direction)}/{RESERVE_RESULT_PATH}", "token": TOKEN,
               "expiry_date": "2026-11-23T10:00:00Z", "reservation_id": "R1", "location_id": "L2"}
    found = seq_judged(tmp_path, day, day.command(1, 1, "RESERVE_NOW", reserve),
                       day.result(2, 2, RESERVE_RESULT_PATH), code="CMD208")
    assert found == [("CMD208", 1, "response", day.cpo)]


@pytest.mark.parametrize("role", ROLES)
def test_a_cancel_of_a_reservation_never_made_is_the_emsps_request(tmp_path: Path, role: str) -> None:
    day = Day(role)
    cancel = {"response_url": f"{_base(day.by_cpo_direction)}/commands/CANCEL_RESERVATION/51",
              "reservation_id": "R9"}
    found = seq_judged(tmp_path, day, day.command(1, 1, "CANCEL_RESERVATION", cancel), code="CMD207")
    assert found == [("CMD207", 1, "request", day.emsp)]


# Sessions and CDRs: what never came is pinned on the CPO's last push.


@pytest.mark.parametrize("role", ROLES)
def test_a_completed_session_without_a_cdr_is_the_cpos(tmp_path: Path, role: str) -> None:
    day = Day(role)
    found = seq_judged(tmp_path, day, day.session(1, 1), day.session(2, 2, "PATCH", status="ACTIVE"),
                       day.session(3, 3, "PATCH", status="COMPLETED", end_date_time=NOW), code="CDR206")
    assert found == [("CDR206", 3, "request", day.cpo)]


@pytest.mark.parametrize("role", ROLES)
def test_a_session_left_without_news_is_the_cpos(tmp_path: Path, role: str) -> None:
    day = Day(role)
    found = seq_judged(tmp_path, day, day.session(1, 1), day.session(2, 2, "PATCH", status="ACTIVE"),
                       day.by_cpo(3, 2000, "GET", "versions"), code="SES402")
    assert found == [("SES402", 2, "request", day.cpo)]


# SES209 has two halves: preferences for a session that is over are the eMSP's request; a wrong answer to
# preferences for an EVSE that does not take them is the CPO's response.


@pytest.mark.parametrize("role", ROLES)
def test_preferences_for_a_completed_session_are_the_emsps_request(tmp_path: Path, role: str) -> None:
    day = Day(role)
    preferences = day.by_emsp(4, 4, "PUT", "sessions/S1/charging_preferences", {"profile_type": "FAST"}, "ACCEPTED")
    found = seq_judged(tmp_path, day, day.session(1, 1), day.session(2, 2, "PATCH", status="ACTIVE"),
                       day.session(3, 3, "PATCH", status="COMPLETED", end_date_time=NOW), preferences,
                       code="SES209")
    assert found == [("SES209", 4, "request", day.emsp)]


@pytest.mark.parametrize("role", ROLES)
def test_preferences_accepted_where_the_evse_cannot_take_them_are_the_cpos_response(tmp_path: Path,
                                                                                    role: str) -> None:
    day = Day(role)
    location = day.by_cpo(1, 1, "PUT", "locations/PT/CPO/L1", dict(LOCATION, evses=[dict(EVSE, capabilities=[])]))
    preferences = day.by_emsp(4, 4, "PUT", "sessions/S1/charging_preferences", {"profile_type": "FAST"}, "ACCEPTED")
    found = seq_judged(tmp_path, day, location, day.session(2, 2), day.session(3, 3, "PATCH", status="ACTIVE"),
                       preferences, code="SES209")
    assert found == [("SES209", 4, "response", day.cpo)]


# Tokens: the eMSP answers the authorizations.


@pytest.mark.parametrize("role", ROLES)
def test_an_invalid_token_answered_allowed_is_the_emsps_response(tmp_path: Path, role: str) -> None:
    day = Day(role)
    invalidate = day.by_emsp(1, 1, "PUT", "tokens/PT/EMS/U1", dict(TOKEN, valid=False))
    authorize = day.by_cpo(2, 2, "POST", "tokens/U1/authorize", data={"allowed": "ALLOWED", "token": TOKEN})
    assert seq_judged(tmp_path, day, invalidate, authorize, code="TOK209") == [("TOK209", 2, "response", day.emsp)]


@pytest.mark.parametrize("role", ROLES)
def test_a_slow_authorization_is_the_emsps_response(tmp_path: Path, role: str) -> None:
    day = Day(role)
    authorize = day.by_cpo(1, 1, "POST", "tokens/U1/authorize", data={"allowed": "ALLOWED", "token": TOKEN}, took=9)
    assert seq_judged(tmp_path, day, authorize, code="TOK401") == [("TOK401", 1, "response", day.emsp)]


# Credentials: the server (the POST's callee) owes the fetches of the client's endpoints; the client (its
# caller) owes a `url` that is its versions endpoint. Played with the partner registering at the hub and
# with the hub registering at the partner.

VERSIONS_OF = {HUB: "https://hub.example.org/ocpi/versions", PARTNER: "https://cpo.example.com/ocpi/versions"}


def handshake(direction: str, fetched_at: float = 1.01, client_url: str | None = None) -> list[Exchange]:
    """Discovery by the client, its credentials POST (second 1 to 1.1) in `direction`, and the server's GETs
    of the client's versions (at `client_url`, if given: answered there with version details) and version
    details back, from second `fetched_at`."""
    server, client, back = _base(direction), _base(OTHER[direction]), OTHER[direction]

    def details(base: str) -> dict[str, object]:
        return {"version": "2.2.1", "endpoints": [{"identifier": "credentials", "role": "SENDER",
                                                   "url": f"{base}/credentials"}]}

    url = client_url or VERSIONS_OF[client]
    return [
        step(101, "GET", VERSIONS_OF[server], "token-a", data=[{"version": "2.2.1", "url": server}],
             direction=direction, second=0.1),
        step(102, "GET", server, "token-a", data=details(server), direction=direction, second=0.2),
        step(1, "POST", f"{server}/credentials", "token-a", dict(CREDENTIALS, token="token-b", url=url),
             dict(CREDENTIALS, token="token-c", url=VERSIONS_OF[server]), direction=direction),
        step(2, "GET", url, "token-b", data=details(client) if client_url else [{"version": "2.2.1", "url": client}],
             direction=back, second=fetched_at),
        step(103, "GET", client, "token-b", data=details(client), direction=back, second=fetched_at + 0.01),
    ]


def registration_judged(tmp_path: Path, *exchanges: Exchange, code: str) -> list[tuple[str, int | None, str | None,
                                                                                      str | None]]:
    return [finding for finding in judged(tmp_path, *exchanges) if finding[0] == code]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_server_that_never_fetches_is_blamed_for_its_answer(tmp_path: Path, direction: str) -> None:
    post_only = handshake(direction)[:3]
    assert registration_judged(tmp_path, *post_only, code="CRD203") == [("CRD203", 1, "response", CALLEE[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_server_that_fetches_late_is_blamed_for_its_own_fetch(tmp_path: Path, direction: str) -> None:
    """The finding points at the server's GET, made after it answered: the server is its caller."""
    found = registration_judged(tmp_path, *handshake(direction, fetched_at=2), code="CRD203")
    assert found == [("CRD203", 2, "request", CALLEE[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_success_after_a_failed_fetch_is_the_servers_answer(tmp_path: Path, direction: str) -> None:
    """Judged when the POST's window closes: the finding points back at the POST, answered by the server."""
    *registering, versions, details = handshake(direction)
    assert versions.response is not None
    failed = msgspec.structs.replace(versions, response=msgspec.structs.replace(versions.response, status=500))
    found = registration_judged(tmp_path, *registering, failed, details, code="CRD210")
    assert found == [("CRD210", 1, "response", CALLEE[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_a_credentials_url_that_is_not_versions_is_the_clients(tmp_path: Path, direction: str) -> None:
    """The finding points at the server's GET of that url; the client gave it and answers there."""
    client = _base(OTHER[direction])
    *registering, details_at_url, _ = handshake(direction, client_url=client)  # one GET: the url is the details
    found = registration_judged(tmp_path, *registering, details_at_url, code="CRD212")
    assert found == [("CRD212", 2, "response", CALLER[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_token_a_accepted_after_the_registration_is_the_servers_response(tmp_path: Path, direction: str) -> None:
    push = step(3, "PUT", f"{_base(direction)}/tariffs/PT/CPO/T1", "token-a", TARIFF, direction=direction)
    found = registration_judged(tmp_path, *handshake(direction), push, code="CRD202")
    assert found == [("CRD202", 3, "response", CALLEE[direction])]


@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_traffic_without_a_handshake_in_the_capture_is_nobodys_fault(tmp_path: Path, direction: str) -> None:
    """CRD211 says where the recording began, not what either party sent."""
    push = ocpi_exchange("PUT", f"{_base(direction)}/tariffs/PT/CPO/T1", TARIFF, direction=direction)
    result = check_capture(write_capture(tmp_path / "c.jsonl", push), Selection(select=["ALL", "CRD211"]),
                           profile=STRICT)
    assert [(f.code, f.about, f.culprit) for f in result.findings if f.code == "CRD211"] == [("CRD211", None, None)]


# One representative of each other checker, whose culprit is simply the sender of the message the finding
# points at: still played in both roles. Each case gives the day's exchanges, the finding expected (code and
# seq), the message it judges and who must have sent it ("cpo" or "emsp").

LATER = "2026-11-23T09:10:00Z"  # sessions that start well after the capture began
Case = tuple[list[Exchange], str, int, str, str]


def _off_advertised_endpoint(day: Day) -> Case:
    details = {"version": "2.2.1", "endpoints": [{"identifier": "tariffs", "role": "RECEIVER",
                                                  "url": f"{_base(day.by_cpo_direction)}/receiver/tariffs"}]}
    return ([day.by_cpo(1, 1, "GET", "", data=details), day.by_cpo(2, 2, "PUT", "tariffs/PT/CPO/T1", TARIFF)],
            "VER201", 2, "request", "cpo")


def _push_for_an_undeclared_party(day: Day) -> Case:
    return ([day.by_cpo(1, 1, "POST", "credentials", CREDENTIALS, CREDENTIALS),
             day.by_cpo(2, 2, "PUT", "tariffs/PT/OTH/T1", dict(TARIFF, party_id="OTH"))],
            "CRD301", 2, "request", "cpo")


def _a_session_after_a_refusal(day: Day) -> Case:
    return ([day.by_cpo(1, 500, "POST", "tokens/U1/authorize", data={"allowed": "BLOCKED", "token": TOKEN,
                                                                     "authorization_reference": "A-77"}),
             day.session(2, 600, start_date_time=LATER, last_updated=LATER, auth_method="AUTH_REQUEST",
                         authorization_reference="A-77")],
            "TOK206", 2, "request", "cpo")


def _a_session_with_another_reference_than_authorized(day: Day) -> Case:
    return ([day.by_cpo(1, 500, "POST", "tokens/U1/authorize", data={"allowed": "ALLOWED", "token": TOKEN,
                                                                     "authorization_reference": "A-77"}),
             day.session(2, 600, start_date_time=LATER, last_updated=LATER, auth_method="AUTH_REQUEST",
                         authorization_reference="A-76")],
            "TOK301", 2, "request", "cpo")


def _a_session_on_a_removed_evse(day: Day) -> Case:
    removed = dict(LOCATION, evses=[dict(EVSE, status="REMOVED")])
    return [day.by_cpo(1, 1, "PUT", "locations/PT/CPO/L1", removed), day.session(2, 2)], "SES307", 2, "request", "cpo"


def _a_cdr_id_reused(day: Day) -> Case:
    cdr = dict(CDR, session_id=None)
    return [day.by_cpo(1, 1, "POST", "cdrs", cdr), day.by_cpo(2, 2, "POST", "cdrs", cdr)], "CDR203", 2, "request", "cpo"


def _a_command_for_an_evse_never_published(day: Day) -> Case:
    start = day.command(2, 2, "START_SESSION", dict(START, response_url=f"{_base(day.by_cpo_direction)}/"
                                                    f"{START_RESULT_PATH}", evse_uid="E9"))
    # Without routing headers the command goes to the one CPO whose locations are known (the helpers name
    # the hub PT/MBE in them, whichever role it plays).
    unrouted = msgspec.structs.replace(start, request=msgspec.structs.replace(
        start.request, headers=[(k, v) for k, v in start.request.headers if not k.startswith("OCPI-")]))
    return [day.by_cpo(1, 1, "PUT", "locations/PT/CPO/L1", LOCATION), unrouted], "CMD301", 2, "response", "cpo"


def _an_update_of_an_unknown_location(day: Day) -> Case:
    return ([day.by_cpo(1, 1, "PATCH", "locations/PT/CPO/L1", {"name": "Rua 2", "last_updated": NOW})],
            "LOC202", 1, "request", "cpo")


def _a_session_at_an_unknown_location(day: Day) -> Case:
    return [day.session(1, 1)], "SES301", 1, "request", "cpo"


def _a_stale_tariff_update(day: Day) -> Case:
    return ([day.by_cpo(1, 1, "PUT", "tariffs/PT/CPO/T1", dict(TARIFF, last_updated="2026-11-23T09:00:00Z")),
             day.by_cpo(2, 2, "PUT", "tariffs/PT/CPO/T1", dict(TARIFF, last_updated="2026-11-23T08:00:00Z"))],
            "TAR202", 2, "request", "cpo")


def _a_page_larger_than_its_limit(day: Day) -> Case:
    page = day.by_emsp(1, 1, "GET", "locations", data=[LOCATION, dict(LOCATION, id="L2")],
                       response_headers=[("X-Total-Count", "2"), ("X-Limit", "1")])
    return [page], "ENV131", 1, "response", "cpo"


def _a_receiver_copy_older_than_the_push(day: Day) -> Case:
    """The CPO reads its session back: the eMSP, which answers, kept less than it accepted."""
    return ([day.session(1, 1, kwh=5), day.by_cpo(2, 2, "GET", "sessions/PT/CPO/S1", data=SESSION)],
            "ENV202", 2, "response", "emsp")


def _a_failed_push_resent(day: Day) -> Case:
    return ([day.by_cpo(1, 1, "PUT", "tariffs/PT/CPO/T1", TARIFF, status_code=2001),
             day.by_cpo(2, 2, "PUT", "tariffs/PT/CPO/T1", TARIFF)],
            "ENV403", 2, "request", "cpo")


def _an_unanswered_push(day: Day) -> Case:
    push = msgspec.structs.replace(day.by_emsp(1, 1, "PUT", "tokens/PT/EMS/U1", TOKEN), response=None,
                                   error="connection reset")
    return [push], "ENV402", 1, "response", "cpo"


CASES = [_off_advertised_endpoint, _push_for_an_undeclared_party, _a_session_after_a_refusal,
         _a_session_with_another_reference_than_authorized, _a_session_on_a_removed_evse, _a_cdr_id_reused,
         _a_command_for_an_evse_never_published, _an_update_of_an_unknown_location, _a_session_at_an_unknown_location,
         _a_stale_tariff_update, _a_page_larger_than_its_limit, _a_receiver_copy_older_than_the_push,
         _a_failed_push_resent, _an_unanswered_push]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__.strip("_"))
def test_each_checker_blames_the_sender_of_the_message_it_points_at(tmp_path: Path, case: Callable[[Day], Case],
                                                                    role: str) -> None:
    day = Day(role)
    exchanges, code, seq, about, who = case(day)
    party = day.cpo if who == "cpo" else day.emsp
    assert seq_judged(tmp_path, day, *exchanges, code=code) == [(code, seq, about, party)]
