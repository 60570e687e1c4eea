"""TOK2xx/3xx/4xx, SES303-305, CDR306: tokens over time, and how sessions and CDRs use them.

The partner is the CPO: the eMSP side (the hub here) pushes tokens to it and
answers its authorizations; the CPO pushes sessions and CDRs to the hub.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange, format_timestamp
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import CDR, CDR_TOKEN, CREDENTIALS, HUB, PARTNER, SESSION, START, TOKEN
from test_sessions_and_cdrs import T0, at, stamp

TOKEN_URL = f"{PARTNER}/tokens/PT/EMS/U1"
AUTHORIZE_URL = f"{HUB}/tokens/U1/authorize"
SESSION_URL = f"{HUB}/sessions/PT/CPO/S1"
START_RESULT_URL = f"{HUB}/commands/START_SESSION/42"
LATER = stamp(10)  # sessions start 10 minutes into the day, well after the capture began

# Only what these rules are about: references to locations and tokens, the CDR's numbers, sessions left
# open, missing CDRs, the commands' own results and the envelopes' fixed timestamps (ENV401) are other
# rules' business.
TOKENS_ONLY = Selection(ignore=["SES301", "TOK302", "CDR302", "SES208", "CDR206", "CMD2", "ENV401"])


def ex(seq: int, second: float, method: str, url: str, body: Any = None, data: Any = None,
       status_code: int = 1000, took: float = 0.1) -> Exchange:
    """The seq-th exchange, started `second` seconds into the day; calls to the partner are the eMSP's."""
    direction = "to_partner" if url.startswith(PARTNER) else "to_hub"
    exchange = at(ocpi_exchange(method, url, body, data, seq=seq, direction=direction, status_code=status_code),
                  seq, second)
    return msgspec.structs.replace(exchange, ended=format_timestamp(T0 + second + took))


def codes(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), TOKENS_ONLY,
                          profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def severities(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, str]]:
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), TOKENS_ONLY,
                          profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    return [(f.code, f.severity) for f in found]


def push(seq: int, second: float = 0, **changes: Any) -> Exchange:
    return ex(seq, second, "PUT", TOKEN_URL, dict(TOKEN, **changes))


def authorize(seq: int, second: float, allowed: str = "ALLOWED", reference: str | None = "A-77",
              where: dict[str, Any] | None = None, url: str = AUTHORIZE_URL, took: float = 0.1) -> Exchange:
    info: dict[str, Any] = {"allowed": allowed, "token": TOKEN}
    if reference is not None:
        info["authorization_reference"] = reference
    return ex(seq, second, "POST", url, where, info, took=took)


def session(seq: int, second: float, **changes: Any) -> Exchange:
    return ex(seq, second, "PUT", SESSION_URL, dict(SESSION, start_date_time=LATER, last_updated=LATER, **changes))


def finished(seq: int, second: float, **changes: Any) -> Exchange:
    return session(seq, second, **{"status": "COMPLETED", "end_date_time": LATER, **changes})


def cdr(seq: int, second: float, **changes: Any) -> Exchange:
    body = {**CDR, "session_id": "S1", "start_date_time": LATER, "end_date_time": LATER, **changes}
    return ex(seq, second, "POST", f"{HUB}/cdrs", body)


def start(seq: int, second: float, token: dict[str, Any] = TOKEN, result: str = "ACCEPTED",
          **changes: Any) -> Exchange:
    body = dict(START, response_url=START_RESULT_URL, token=token, **changes)
    return ex(seq, second, "POST", f"{PARTNER}/commands/START_SESSION", body, {"result": result, "timeout": 30})


# TOK201, TOK209 (moved here from the credentials tests)

def test_a_token_patched_before_it_was_put(tmp_path: Path) -> None:
    invalidate = {"valid": False, "last_updated": TOKEN["last_updated"]}
    assert codes(tmp_path, ex(1, 1, "PATCH", TOKEN_URL, invalidate)) == [("TOK201", 1)]
    assert codes(tmp_path, push(1), ex(2, 2, "PATCH", TOKEN_URL, invalidate)) == []


def test_an_invalidated_token_still_authorized(tmp_path: Path) -> None:
    invalidate = ex(2, 2, "PATCH", TOKEN_URL, {"valid": False, "last_updated": TOKEN["last_updated"]})
    assert codes(tmp_path, push(1), invalidate, authorize(3, 3)) == [("TOK209", 3)]
    assert codes(tmp_path, push(1), invalidate, authorize(3, 3, "BLOCKED")) == []


# TOK202

def test_a_push_older_than_the_accepted_one(tmp_path: Path) -> None:
    newer = push(1, last_updated=stamp(5))
    older = ex(2, 2, "PATCH", TOKEN_URL, {"valid": False, "last_updated": stamp(4)})
    assert codes(tmp_path, newer, older) == [("TOK202", 2)]
    same = ex(2, 2, "PATCH", TOKEN_URL, {"valid": False, "last_updated": stamp(5)})
    assert codes(tmp_path, newer, same) == []


def test_a_refused_push_does_not_set_the_clock(tmp_path: Path) -> None:
    refused = ex(1, 1, "PUT", TOKEN_URL, dict(TOKEN, last_updated=stamp(9)), status_code=2001)
    assert codes(tmp_path, refused, push(2, 2, last_updated=stamp(5))) == []


# TOK203

def test_an_always_token_authorized_in_real_time(tmp_path: Path) -> None:
    assert codes(tmp_path, push(1, whitelist="ALWAYS"), authorize(2, 2), authorize(3, 3)) == [("TOK203", 2)]
    assert codes(tmp_path, push(1, whitelist="ALLOWED"), authorize(2, 2)) == []


# TOK204

def test_a_never_token_used_by_whitelist(tmp_path: Path) -> None:
    never = push(1, whitelist="NEVER")
    assert codes(tmp_path, never, finished(2, 600), cdr(3, 900)) == [("TOK204", 2)]  # said once, of the session
    assert codes(tmp_path, never, cdr(2, 900, session_id=None)) == [("TOK204", 2)]  # a CDR of no session seen
    assert codes(tmp_path, never, authorize(2, 500, reference=None),
                 finished(3, 600, auth_method="AUTH_REQUEST"), cdr(4, 900, auth_method="AUTH_REQUEST")) == []


def test_a_token_set_never_after_its_session_started_by_whitelist(tmp_path: Path) -> None:
    """§10.3.1: the CDR shows the token as it was at the start of the session, which was judged then."""
    def never(seq: int, second: float) -> Exchange:
        return push(seq, second, whitelist="NEVER", last_updated=stamp(11))

    done = ex(4, 800, "PUT", SESSION_URL, dict(SESSION, start_date_time=LATER, status="COMPLETED",
                                               end_date_time=LATER, last_updated=stamp(12)))
    assert codes(tmp_path, push(1), session(2, 600), never(3, 700), done, cdr(5, 900)) == []
    assert codes(tmp_path, push(1), never(2, 500), session(3, 600), done, cdr(5, 900)) == [("TOK204", 3)]


# TOK205

def test_an_invalidated_token_started_by_whitelist(tmp_path: Path) -> None:
    invalidate = ex(2, 2, "PATCH", TOKEN_URL, {"valid": False, "last_updated": TOKEN["last_updated"]})
    assert severities(tmp_path, push(1), invalidate, session(3, 600)) == [("TOK205", "warning")]
    assert severities(tmp_path, push(1), session(3, 600)) == []


# TOK206

def test_a_session_after_a_refusal(tmp_path: Path) -> None:
    assert codes(tmp_path, authorize(1, 500, "BLOCKED"), session(2, 600, auth_method="AUTH_REQUEST",
                                                                 authorization_reference="A-77")) == [("TOK206", 2)]
    assert codes(tmp_path, authorize(1, 500), session(2, 600, auth_method="AUTH_REQUEST",
                                                      authorization_reference="A-77")) == []


def test_a_refusal_elsewhere_does_not_count(tmp_path: Path) -> None:
    here = authorize(1, 500, where={"location_id": "L1"})
    elsewhere = authorize(2, 550, "BLOCKED", "A-78", where={"location_id": "L2"})
    started = session(3, 600, auth_method="AUTH_REQUEST", authorization_reference="A-77")
    assert codes(tmp_path, here, elsewhere, started) == []


# TOK207

def test_an_app_token_from_a_command_authorized(tmp_path: Path) -> None:
    app = dict(TOKEN, uid="U3", type="APP_USER", whitelist="NEVER")
    asked = authorize(2, 5000, url=f"{HUB}/tokens/U3/authorize?type=APP_USER")
    assert codes(tmp_path, start(1, 1, app), asked) == [("TOK207", 2)]
    assert codes(tmp_path, start(1, 1, app, result="REJECTED"), asked) == []  # no command was taken on


def test_an_rfid_token_from_a_command_authorized_at_once_there(tmp_path: Path) -> None:
    there = {"location_id": "L1"}
    assert codes(tmp_path, start(1, 1), authorize(2, 60, where=there)) == [("TOK207", 2)]
    assert codes(tmp_path, start(1, 1), authorize(2, 1000, where=there)) == []  # after 15 minutes
    assert codes(tmp_path, start(1, 1), authorize(2, 60, where={"location_id": "L2"})) == []  # elsewhere


# TOK208

def test_an_offline_token_used_locally_while_the_emsp_answers(tmp_path: Path) -> None:
    offline = push(1, whitelist="ALLOWED_OFFLINE")
    other = ex(2, 500, "POST", f"{HUB}/tokens/U2/authorize", None,
               {"allowed": "ALLOWED", "token": dict(TOKEN, uid="U2")})
    assert severities(tmp_path, offline, other, session(3, 600)) == [("TOK208", "warning")]
    assert severities(tmp_path, offline, session(3, 600)) == []


def test_an_offline_token_used_locally_when_the_hub_cannot_reach_the_emsp(tmp_path: Path) -> None:
    offline = push(1, whitelist="ALLOWED_OFFLINE")
    unreachable = ex(2, 500, "POST", f"{HUB}/tokens/U2/authorize", status_code=3001)
    long_ago = ex(2, 100, "POST", f"{HUB}/tokens/U2/authorize", None,
                  {"allowed": "ALLOWED", "token": dict(TOKEN, uid="U2")})
    assert codes(tmp_path, offline, unreachable, session(3, 600)) == []
    assert codes(tmp_path, offline, long_ago, session(3, 600)) == []


# TOK301

def test_an_auth_request_session_with_another_reference(tmp_path: Path) -> None:
    assert codes(tmp_path, authorize(1, 500), session(2, 600, auth_method="AUTH_REQUEST",
                                                      authorization_reference="A-76")) == [("TOK301", 2)]
    assert codes(tmp_path, authorize(1, 500), cdr(2, 900, auth_method="AUTH_REQUEST",
                                                  authorization_reference="A-76", session_id=None)) == [
        ("TOK301", 2)]  # a CDR of no session: compared with the authorization itself
    assert codes(tmp_path, authorize(1, 500), cdr(2, 900, auth_method="AUTH_REQUEST",
                                                  authorization_reference="A-77", session_id=None)) == []


# SES303

def test_a_command_session_without_the_commands_reference(tmp_path: Path) -> None:
    command = start(1, 500, authorization_reference="R-5")
    assert codes(tmp_path, command, session(2, 600, auth_method="COMMAND")) == [("SES303", 2)]
    assert codes(tmp_path, command, session(2, 600, auth_method="COMMAND", authorization_reference="R-5")) == []


def test_an_authorization_without_a_reference_does_not_replace_the_commands(tmp_path: Path) -> None:
    command = start(1, 500, authorization_reference="R-5")
    kept = session(3, 600, auth_method="COMMAND", authorization_reference="R-5")
    assert codes(tmp_path, command, authorize(2, 550, reference=None), kept) == []
    dropped = session(3, 600, auth_method="COMMAND")
    assert codes(tmp_path, command, authorize(2, 550, reference=None), dropped) == [("SES303", 3)]
    replaced = session(3, 600, auth_method="COMMAND", authorization_reference="A-77")
    assert codes(tmp_path, command, authorize(2, 550), replaced) == []  # an answer with one does replace it


def test_the_partner_as_emsp_gives_no_reference_in_its_answer(tmp_path: Path) -> None:
    """The hub (the CPO side) pushes the session; the partner sent the command and answered the authorize."""
    def hub_session(seq: int, second: float, **changes: Any) -> Exchange:
        body = dict(SESSION, start_date_time=LATER, last_updated=LATER, **changes)
        return ex(seq, second, "PUT", f"{PARTNER}/sessions/PT/CPO/S1", body)

    command = ex(1, 500, "POST", f"{HUB}/commands/START_SESSION",
                 dict(START, response_url=f"{PARTNER}/commands/START_SESSION/42", authorization_reference="R-5"),
                 {"result": "ACCEPTED", "timeout": 30})
    answer = authorize(2, 550, reference=None, url=f"{PARTNER}/tokens/U1/authorize")

    def emsp_codes(*exchanges: Exchange) -> list[tuple[str, int | None]]:
        found = check_capture(write_capture(tmp_path / "e.jsonl", *exchanges), TOKENS_ONLY,
                              profile=PROFILES["ocpi-2.2.1"], partner_role="EMSP").findings
        return [(f.code, f.seq) for f in found]

    assert emsp_codes(command, answer, hub_session(3, 600, auth_method="COMMAND", authorization_reference="R-5")) == []
    assert emsp_codes(command, answer, hub_session(3, 600, auth_method="COMMAND")) == [("SES303", 3)]


def test_a_reference_changed_by_a_patch(tmp_path: Path) -> None:
    command = start(1, 500, authorization_reference="R-5")
    started = session(2, 600, auth_method="COMMAND", authorization_reference="R-5")
    changed = ex(3, 700, "PATCH", SESSION_URL, {"authorization_reference": "R-4", "last_updated": stamp(12)})
    assert codes(tmp_path, command, started, changed) == [("SES303", 3)]


def test_a_reservation_later_authorized_at_the_charge_point(tmp_path: Path) -> None:
    reserve = ex(1, 400, "POST", f"{PARTNER}/commands/RESERVE_NOW",
                 dict(START, response_url=f"{HUB}/commands/RESERVE_NOW/1", expiry_date=stamp(30),
                      reservation_id="R1", authorization_reference="R-5"), {"result": "ACCEPTED", "timeout": 30})
    reserved = session(2, 450, auth_method="COMMAND", authorization_reference="R-5", status="RESERVATION")
    swiped = ex(4, 600, "PATCH", SESSION_URL, {"auth_method": "AUTH_REQUEST", "authorization_reference": "A-77",
                                              "status": "ACTIVE", "last_updated": stamp(11)})
    assert codes(tmp_path, reserve, reserved, authorize(3, 550), swiped) == []
    kept = ex(4, 600, "PATCH", SESSION_URL, {"status": "ACTIVE", "authorization_reference": "R-5",
                                            "last_updated": stamp(11)})
    assert codes(tmp_path, reserve, reserved, authorize(3, 550), kept) == [("SES303", 4)]


# SES304

def test_an_auth_request_session_without_an_authorize(tmp_path: Path) -> None:
    first = push(1)
    assert severities(tmp_path, first, session(2, 600, auth_method="AUTH_REQUEST")) == [("SES304", "warning")]
    began_before = ex(2, 600, "PUT", SESSION_URL, dict(SESSION, auth_method="AUTH_REQUEST"))  # started at T0
    assert codes(tmp_path, first, began_before) == []
    assert codes(tmp_path, first, authorize(2, 500, reference=None),
                 session(3, 600, auth_method="AUTH_REQUEST")) == []


# SES305

def routed_to(exchange: Exchange, country_code: str, party_id: str) -> Exchange:
    """The exchange addressed to another party, which answers it."""
    party = [("country-code", country_code), ("party-id", party_id)]

    def readdressed(headers: list[tuple[str, str]], side: str) -> list[tuple[str, str]]:
        return [(k, v) for k, v in headers if not k.lower().startswith(f"ocpi-{side}-")] + [
            (f"OCPI-{side}-{name}", value) for name, value in party]

    assert exchange.response is not None
    return msgspec.structs.replace(
        exchange, request=msgspec.structs.replace(exchange.request, headers=readdressed(exchange.request.headers, "to")),
        response=msgspec.structs.replace(exchange.response, headers=readdressed(exchange.response.headers, "from")))


def test_a_session_pushed_to_another_emsp_than_its_tokens(tmp_path: Path) -> None:
    other = dict(CDR_TOKEN, party_id="OTH")
    to_ems = routed_to(session(2, 600, cdr_token=other), "PT", "EMS")
    assert severities(tmp_path, push(1), to_ems) == [("SES305", "warning")]
    assert severities(tmp_path, push(1), routed_to(session(2, 600), "PT", "EMS")) == []
    assert severities(tmp_path, to_ems) == []  # EMS is not known as an eMSP: nothing to compare with


def test_a_session_pushed_without_routing_headers_to_a_platform_of_other_emsps(tmp_path: Path) -> None:
    hub_roles = dict(CREDENTIALS, roles=[{"role": "EMSP", "party_id": "OTH", "country_code": "PT",
                                          "business_details": {"name": "O"}}])
    register = ex(1, 1, "POST", f"{HUB}/credentials", CREDENTIALS, hub_roles)
    direct = at(ocpi_exchange("PUT", SESSION_URL, dict(SESSION, start_date_time=LATER, last_updated=LATER),
                              seq=2, routed=False), 2, 600)
    found = check_capture(write_capture(tmp_path / "c.jsonl", register, direct),
                          Selection(select=["SES305"]), profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    assert [(f.code, f.seq) for f in found] == [("SES305", 2)]


# CDR306

def test_a_cdr_that_does_not_copy_the_sessions_authorization(tmp_path: Path) -> None:
    story = [authorize(1, 500), finished(2, 600, auth_method="AUTH_REQUEST", authorization_reference="A-77")]
    assert codes(tmp_path, *story, cdr(3, 900)) == [("CDR306", 3)]
    assert codes(tmp_path, *story, cdr(3, 900, auth_method="AUTH_REQUEST", authorization_reference="A-77")) == []
    # A session first seen by a PATCH never showed its reference: the CDR's cannot be compared.
    ended = ex(1, 600, "PATCH", SESSION_URL, {"status": "COMPLETED", "end_date_time": LATER, "last_updated": LATER})
    assert codes(tmp_path, ended, cdr(2, 900, authorization_reference="A-77")) == [("SES205", 1)]


# TOK401

def test_a_slow_authorization(tmp_path: Path) -> None:
    assert codes(tmp_path, authorize(1, 500, took=9.0)) == [("TOK401", 1)]
    assert codes(tmp_path, authorize(1, 500, took=4.0)) == []
