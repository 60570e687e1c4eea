"""`ocpi-tap hub` against a partner backend it was not written around (tests/spec_partner.py).

The real `ocpi-tap hub` runs as a subprocess; the spec partner serves on
another loopback port. It implements only the server side of the
credentials handshake, so the tests play its client side from the spec
(GET versions, GET version details, POST credentials with token A), then
call the hub as a user's backend would and look at status codes,
envelopes and headers.
"""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from conftest import BIN, wait_for_port
from spec_partner import SpecPartner
from upstreams import free_port

ROUTING = ("OCPI-from-country-code", "OCPI-from-party-id", "OCPI-to-country-code", "OCPI-to-party-id")


@dataclass
class Reply:
    status: int
    body: Any  # the parsed JSON, or the text when it is not JSON
    headers: dict[str, str]

    @property
    def code(self) -> Any:
        return self.body.get("status_code") if isinstance(self.body, dict) else None


def call(method: str, url: str, token: str, body: Any = None, *, raw: bytes | None = None,
         headers: dict[str, str] | None = None) -> Reply:
    async def go() -> Reply:
        sent = {"Authorization": "Token " + base64.b64encode(token.encode()).decode(), **(headers or {})}
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            sent["Content-Type"] = "application/json"
        async with aiohttp.ClientSession() as session, session.request(method, url, data=data, headers=sent) as answer:
            text = await answer.text()
            try:
                parsed: Any = json.loads(text)
            except ValueError:
                parsed = text
            return Reply(answer.status, parsed, dict(answer.headers))
    return asyncio.run(go())


class Hub:
    """`ocpi-tap hub` as a user starts it; `stop()` returns what it printed."""

    def __init__(self, role: str, profile: str = "ocpi-2.2.1", options: Sequence[str] = ()) -> None:
        self.port = free_port()
        self.process = subprocess.Popen([str(BIN / "ocpi-tap"), "hub", "--port", str(self.port), "--role", role,
                                         "--profile", profile, *options], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        wait_for_port(self.port, process=self.process)  # type: ignore[arg-type]
        assert self.process.stdout is not None
        banner = [self.process.stdout.readline() for _ in range(4)]
        self.banner = banner  # with --partner-versions, its last line says what became of the registration
        self.versions_url = banner[1].split()[-1]
        self.token_a = banner[2].split()[-1]
        self.version = "2.2" if profile == "mobie" else "2.2.1"
        self.base = f"http://127.0.0.1:{self.port}/ocpi/{self.version}"

    def stop(self) -> tuple[str, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, err
        return out, err


def register(hub: Hub, partner: SpecPartner, versions_url: str | None = None) -> Reply:
    """The partner's client side of §7.1.1, played by the test: the hub's answer to the POST."""
    listed = call("GET", versions_url or hub.versions_url, hub.token_a)
    mine = next(v for v in listed.body["data"] if v["version"] == hub.version)
    details = call("GET", mine["url"], hub.token_a)
    credentials_url = next(e["url"] for e in details.body["data"]["endpoints"] if e["identifier"] == "credentials")
    token_b = "spec-b-made-up-0001"
    partner.accepted.add(token_b)
    answer = call("POST", credentials_url, hub.token_a, {
        "token": token_b, "url": partner.versions_url,
        "roles": [{"role": partner.role, "party_id": partner.party[1], "country_code": partner.party[0],
                   "business_details": {"name": "Spec partner"}}]})
    if answer.code == 1000:
        partner.hub_token = answer.body["data"]["token"]
    return answer


@pytest.fixture(params=["cpo", "emsp"])
def day(request: pytest.FixtureRequest) -> Iterator[tuple[Hub, SpecPartner]]:
    partner = SpecPartner(request.param.upper()).start()
    hub = Hub(request.param)
    try:
        yield hub, partner
    finally:
        if hub.process.poll() is None:
            hub.process.kill()
            hub.process.communicate(timeout=30)
        partner.stop()


def registered(day: tuple[Hub, SpecPartner]) -> tuple[Hub, SpecPartner, str]:
    hub, partner = day
    answer = register(hub, partner)
    assert (answer.status, answer.code) == (200, 1000), answer
    assert partner.hub_token is not None
    return hub, partner, partner.hub_token


def test_a_partner_listing_2_1_1_first_registers_with_the_version_both_speak(day: tuple[Hub, SpecPartner]) -> None:
    hub, partner, token_c = registered(day)
    fetched = [seen.path for seen in partner.received if seen.method == "GET"]
    assert fetched == [f"/api/ocpi/{partner.role.lower()}/versions/", f"/api/ocpi/{partner.role.lower()}/2.2.1/"]
    # The token C the hub issued opens its modules, at the URLs its version details advertise.
    details = call("GET", f"{hub.base}", token_c)
    modules = {e["identifier"] for e in details.body["data"]["endpoints"]}
    assert {"credentials", "locations", "tariffs", "sessions", "cdrs", "tokens", "commands"} <= modules
    assert call("GET", f"{hub.base}/credentials", token_c).code == 1000
    out, _ = hub.stop()
    assert "registered PT*SPC (OCPI 2.2.1)" in out


def test_a_partner_without_a_mutual_version_is_answered_3002_with_one_console_line() -> None:
    partner = SpecPartner("CPO", versions=("2.1.1",)).start()
    hub = Hub("cpo")
    try:
        answer = register(hub, partner)
        assert (answer.status, answer.code) == (200, 3002)
        assert "2.1.1" in answer.body["status_message"] and "data" not in answer.body
        assert call("GET", hub.versions_url, hub.token_a).code == 1000  # still not registered: A still opens
        out, err = hub.stop()
    finally:
        partner.stop()
    refused = [line for line in out.splitlines() if "3002" in line]
    assert len(refused) == 1 and "no mutual version" in refused[0] and "2.1.1" in refused[0], out
    assert "Traceback" not in err


def test_the_mobie_hub_refuses_a_2_2_1_only_partner_and_registers_one_that_lists_2_2() -> None:
    partner = SpecPartner("EMSP", versions=("2.1.1", "2.2.1")).start()
    hub = Hub("emsp", profile="mobie")
    try:
        assert register(hub, partner).code == 3002  # MOBI.E speaks "2.2" on the wire, as VER203 judges it
        partner.versions = ("2.1.1", "2.2")
        assert register(hub, partner).code == 1000
        assert partner.received[-1].path == "/api/ocpi/emsp/2.2/"  # the details of 2.2, listed second
    finally:
        out, _ = hub.stop()
        partner.stop()
    assert "no mutual version: the partner lists 2.1.1, 2.2.1; this hub speaks 2.2 only" in out
    assert "registered PT*SPC (OCPI 2.2)" in out


def test_every_hub_path_is_served_with_and_without_a_trailing_slash(day: tuple[Hub, SpecPartner]) -> None:
    hub, partner = day
    for url in (hub.versions_url, hub.base, f"{hub.base}/credentials"):
        for form in (url, url + "/"):
            assert call("GET", form, hub.token_a).code == 1000, form
    # Registering through the slashed URLs works as well.
    answer = register(hub, partner, versions_url=hub.versions_url + "/")
    assert answer.code == 1000
    token_c = answer.body["data"]["token"]
    endpoints = call("GET", hub.base + "/", token_c).body["data"]["endpoints"]
    for endpoint in endpoints:
        url = endpoint["url"].rstrip("/")
        if endpoint["identifier"] == "credentials":
            continue
        if endpoint["role"] == "SENDER":  # a list the partner may pull: answered, slash or not
            probes = [url, url + "/"]
            expected = {1000}
        else:  # a receiver: an object that does not exist is the handler's 2003 (2004 a token), not a missing route
            tail = "/NOPE" if endpoint["identifier"] == "cdrs" else "/PT/SPC/NOPE"  # a CDR at the hub's own URL
            probes = [url + tail, url + tail + "/"]
            expected = {2004} if endpoint["identifier"] == "tokens" else {2003}
        if endpoint["identifier"] == "commands":
            continue  # POST only; below
        for probe in probes:
            reply = call("GET", probe, token_c)
            assert reply.code in expected, (probe, reply)
    if partner.role == "CPO":  # the hub is the eMSP: the CommandResult receiver, slash or not
        for probe in (f"{hub.base}/commands/START_SESSION/1", f"{hub.base}/commands/START_SESSION/1/"):
            assert call("POST", probe, token_c, {"result": "ACCEPTED"}).code == 1000, probe


def test_every_error_is_an_ocpi_answer(day: tuple[Hub, SpecPartner]) -> None:
    hub, partner, token_c = registered(day)
    if partner.role == "CPO":  # the hub is the eMSP: it receives the partner's locations
        target, missing = f"{hub.base}/locations/PT/SPC/LOC1", {"country_code": "PT", "party_id": "SPC", "id": "LOC1"}
        unknown = f"{hub.base}/locations/PT/SPC/NOPE/"
        listing = None
    else:  # the hub is the CPO: it receives the partner's tokens and lists its own objects
        target, missing = f"{hub.base}/tokens/PT/SPC/TOK9", {"country_code": "PT", "party_id": "SPC", "uid": "TOK9"}
        unknown = f"{hub.base}/tokens/PT/SPC/NOPE"  # OCPI 2004: unknown token
        listing = f"{hub.base}/locations"
    not_json = call("PUT", target, token_c, raw=b"{not json")
    assert (not_json.status, not_json.code) == (400, 2001) and "timestamp" in not_json.body
    lacking = call("PUT", target, token_c, missing)  # valid JSON, required fields missing
    assert (lacking.status, lacking.code) == (200, 2001), lacking
    assert "last_updated" in lacking.body["status_message"] or "missing" in lacking.body["status_message"]
    assert (lambda r: (r.status, r.code))(call("PUT", target, token_c, [1, 2])) == (200, 2001)
    gone = call("GET", unknown, token_c)
    assert (gone.status, gone.code) == (404, 2004 if "/tokens/" in unknown else 2003)
    if partner.role == "CPO":  # the hub receives locations: a URL deeper than any object is 2003, not a crash
        too_deep = call("PUT", f"{hub.base}/locations/PT/SPC/L1/E1/C1/extra", token_c, {})
        assert (too_deep.status, too_deep.code) == (404, 2003), too_deep
    if listing is not None:
        for query in ("?limit=abc", "?offset=-1", "?limit=2&offset=x"):
            bad = call("GET", listing + query, token_c)
            assert (bad.status, bad.code) == (200, 2001), (query, bad)
        assert call("GET", listing + "?limit=1&offset=0", token_c).code == 1000
    nowhere = call("GET", f"{hub.base}/nothing-here", token_c)
    assert nowhere.status == 404 and nowhere.code == 2000
    for reply in (not_json, lacking, gone, nowhere):
        assert reply.headers["Content-Type"].startswith("application/json")
    _, err = hub.stop()
    assert "Traceback" not in err, err


def test_delete_credentials_unregisters_the_partner(day: tuple[Hub, SpecPartner]) -> None:
    hub, partner, token_c = registered(day)
    assert call("GET", f"{hub.base}/credentials/", token_c).code == 1000
    gone = call("DELETE", f"{hub.base}/credentials", token_c)
    assert (gone.status, gone.code) == (200, 1000)
    after = call("GET", f"{hub.base}/credentials", token_c)
    assert (after.status, after.code) == (401, 2000)
    assert call("GET", f"{hub.base}/locations/PT/SPC/LOC1", token_c).status == 401
    assert call("DELETE", f"{hub.base}/credentials", hub.token_a).status == 405  # nothing left to unregister
    assert register(hub, partner).code == 1000  # token A registers the partner again
    out, _ = hub.stop()
    assert "unregistered PT*SPC" in out


def test_answers_name_the_caller_its_token_identifies(day: tuple[Hub, SpecPartner]) -> None:
    hub, partner, token_c = registered(day)
    probe = f"{hub.base}/locations/PT/SPC/NOPE" if partner.role == "CPO" else f"{hub.base}/locations"
    bare = call("GET", probe, token_c)  # no routing headers in the request
    assert [bare.headers.get(name) for name in ROUTING] == ["PT", "MBE", "PT", "SPC"], bare.headers
    routed = call("GET", probe, token_c, headers={"OCPI-from-country-code": "PT", "OCPI-from-party-id": "SPC",
                                                  "OCPI-to-country-code": "PT", "OCPI-to-party-id": "MBE"})
    assert [routed.headers.get(name) for name in ROUTING] == ["PT", "MBE", "PT", "SPC"]
    for url in (hub.versions_url, hub.base, f"{hub.base}/credentials"):  # configuration modules carry none
        reply = call("GET", url, token_c)
        assert reply.code == 1000 and not any(name in reply.headers for name in ROUTING), (url, reply.headers)


def test_a_slow_commandresult_reaches_the_hub_at_its_response_url_with_a_slash() -> None:
    import time

    partner = SpecPartner("CPO", command_delay=0.5).start()
    hub = Hub("cpo")
    try:
        registered((hub, partner))
        response_url = f"{hub.base}/commands/START_SESSION/1/"
        # What the hub's plan will send; here the test sends it, with a token the partner accepts.
        answer = call("POST", f"{partner.root}/2.2.1/commands/START_SESSION/", "spec-b-made-up-0001", {
            "response_url": response_url, "token": partner.store["tokens"]["TOK1"], "location_id": "LOC1"})
        assert answer.body["data"]["result"] == "ACCEPTED"
        deadline = time.monotonic() + 30
        while response_url not in partner.store.get("result_answers", {}):
            assert time.monotonic() < deadline, "the partner never sent its CommandResult"
            time.sleep(0.05)
        status, body = partner.store["result_answers"][response_url]
        assert (status, body["status_code"]) == (200, 1000)
    finally:
        hub.stop()
        partner.stop()


def test_a_crash_in_a_handler_is_a_bug_report_and_an_ocpi_3000_and_the_hub_goes_on() -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from ocpi_tap.peers.demo import standalone_hub

    reports: list[str] = []
    hub, _ = standalone_hub("cpo", "ocpi-2.2.1", "127.0.0.1", 9000, bug_report=reports.append)

    async def broken(_request: web.Request) -> web.StreamResponse:
        raise ZeroDivisionError("a bug")

    hub.route("GET", "/ocpi/2.2.1/broken", broken)
    hub.accepted_tokens.add("made-up-token-c")
    auth = {"Authorization": "Token " + base64.b64encode(b"made-up-token-c").decode()}

    async def go() -> tuple[int, Any, int]:
        async with TestClient(TestServer(hub.app)) as client:
            crashed = await client.get("/ocpi/2.2.1/broken/", headers=auth)
            body = await crashed.json()
            after = await client.get("/ocpi/2.2.1/cdrs/NOPE", headers=auth)
            return crashed.status, body, after.status
    status, body, after = asyncio.run(go())
    assert (status, body["status_code"]) == (500, 3000) and "timestamp" in body
    assert after == 404  # the next request is served as usual
    assert len(reports) == 1 and "Traceback" in reports[0] and "ZeroDivisionError: a bug" in reports[0]
    assert "GET /ocpi/2.2.1/broken/" in reports[0]


def test_a_registration_whose_versions_cannot_be_read_is_answered_3001_with_one_console_line() -> None:
    hub = Hub("cpo")
    try:
        details = call("GET", hub.base, hub.token_a).body["data"]["endpoints"]
        credentials_url = next(e["url"] for e in details if e["identifier"] == "credentials")
        nowhere = f"http://127.0.0.1:{free_port()}/ocpi/versions"  # nothing listens there
        answer = call("POST", credentials_url, hub.token_a, {
            "token": "spec-b-made-up-0002", "url": nowhere,
            "roles": [{"role": "CPO", "party_id": "SPC", "country_code": "PT",
                       "business_details": {"name": "Spec partner"}}]})
    finally:
        out, _ = hub.stop()
    assert (answer.status, answer.code) == (200, 3001), answer
    refused = [line for line in out.splitlines() if "3001" in line]
    assert len(refused) == 1 and nowhere in refused[0], out
