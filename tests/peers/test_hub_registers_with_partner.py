"""`ocpi-tap hub --partner-versions URL --partner-token TOKEN`: the hub registers with the partner itself.

The spec partner (tests/spec_partner.py) implements only the server side
of the credentials handshake, as many platforms do, so this is the only
way it registers without a test playing its client side. The tests look
at what the partner received (method, path, token) and at the hub's
answers to the partner's token B; and at `--token-a`, and the usage errors.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from conftest import BIN
from ocpi_tap.cli import main
from spec_partner import Seen, SpecPartner
from test_hub_rehearsal import ROUTING, Hub, call, register
from upstreams import free_port


def token_of(seen: Seen) -> str:
    return base64.b64decode(seen.headers["Authorization"].removeprefix("Token ")).decode()


def client_options(partner: SpecPartner, token: str | None = None) -> list[str]:
    return ["--partner-versions", partner.versions_url, "--partner-token", token or partner.token_a]


@pytest.fixture(params=["cpo", "emsp"])
def partner(request: pytest.FixtureRequest) -> Iterator[SpecPartner]:
    started = SpecPartner(request.param.upper()).start()
    try:
        yield started
    finally:
        started.stop()


def test_the_hub_registers_with_a_partner_that_serves_only_the_handshake(partner: SpecPartner) -> None:
    role = partner.role.lower()
    hub = Hub(role, options=client_options(partner))
    try:
        assert hub.banner[3].startswith("registered with the partner PT*SPC (OCPI 2.2.1): "), hub.banner
        # The hub was the client: versions and details of the mutual version (2.1.1 is listed first), then
        # the POST, all with the partner's token A; then one GET of the credentials with the token C.
        root = f"/api/ocpi/{role}"
        calls = [(seen.method, seen.path, token_of(seen)) for seen in partner.received]
        assert partner.hub_token is not None and len(partner.accepted) == 1
        token_b, token_c = partner.hub_token, next(iter(partner.accepted))
        assert calls == [("GET", f"{root}/versions/", partner.token_a), ("GET", f"{root}/2.2.1/", partner.token_a),
                         ("POST", f"{root}/2.2.1/credentials/", partner.token_a),
                         ("GET", f"{root}/2.2.1/credentials/", token_c)]
        posted = partner.received[2].body.decode()
        assert token_b in posted and hub.versions_url in posted and '"HUB"' in posted
        # Token B opens the hub (the partner checked its versions with it while handling the POST, or it
        # would have answered 3001); the answers name the partner, whose party the hub learnt.
        assert call("GET", hub.base + "/credentials", token_b).code == 1000
        probe = f"{hub.base}/locations/PT/SPC/NOPE" if role == "cpo" else f"{hub.base}/locations"
        answer = call("GET", probe, token_b)
        assert answer.code in (1000, 2003) and answer.status != 401, answer
        assert [answer.headers.get(name) for name in ROUTING] == ["PT", "MBE", "PT", "SPC"]
        if role == "cpo":  # the hub is the eMSP: the CPO's CommandResult reaches it with token B
            assert call("POST", f"{hub.base}/commands/START_SESSION/1", token_b, {"result": "ACCEPTED"}).code == 1000
        # Registered: the hub's own token A no longer opens it, nor does a second registration.
        assert call("GET", hub.versions_url, hub.token_a).status == 401
        assert call("POST", hub.base + "/credentials", token_b, {}).status == 405
        out, err = hub.stop()
    finally:
        if hub.process.poll() is None:
            hub.process.kill()
            hub.process.communicate(timeout=30)
    assert "registered with the partner" not in out and "Traceback" not in err  # said once, in the banner


def run_hub(role: str, *options: str) -> subprocess.CompletedProcess[str]:
    """A hub whose registration fails exits by itself: run it to its end."""
    return subprocess.run([str(BIN / "ocpi-tap"), "hub", "--port", str(free_port()), "--role", role,
                           "--profile", "ocpi-2.2.1", *options], capture_output=True, text=True, timeout=120)


def failure_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "registered with" not in done.stdout
    lines = [line for line in done.stderr.splitlines() if "registration with the partner" in line]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_wrong_partner_token_is_one_failure_line_and_exit_2(partner: SpecPartner) -> None:
    line = failure_line(run_hub(partner.role.lower(), *client_options(partner, token="made-up-wrong-token")))
    assert line.startswith(f"error: registration with the partner at {partner.versions_url} failed: ")
    assert "HTTP 401, OCPI 2000: unknown token" in line, line
    assert [seen.method for seen in partner.received] == ["GET"]  # it stopped at the first refusal


def test_a_partner_without_a_mutual_version_is_one_failure_line_and_exit_2() -> None:
    partner = SpecPartner("CPO", versions=("2.1.1",)).start()
    try:
        line = failure_line(run_hub("cpo", *client_options(partner)))
    finally:
        partner.stop()
    assert "no mutual version: the partner lists 2.1.1" in line, line
    assert [seen.path for seen in partner.received] == ["/api/ocpi/cpo/versions/"]


def test_an_unreachable_partner_is_one_failure_line_and_exit_2() -> None:
    url = f"http://127.0.0.1:{free_port()}/ocpi/versions"  # nothing listens there
    line = failure_line(run_hub("emsp", "--partner-versions", url, "--partner-token", "made-up-token-a"))
    assert "the partner is unreachable" in line, line


def test_an_ocpi_error_answer_to_the_post_is_one_failure_line_and_exit_2() -> None:
    # The hub advertises a versions URL where nothing listens: the partner, as the server, cannot read the hub's
    # versions while handling the POST, and answers 3001.
    partner = SpecPartner("EMSP").start()
    try:
        done = subprocess.run([str(BIN / "ocpi-tap"), "hub", "--port", str(free_port()), "--role", "emsp",
                               "--profile", "ocpi-2.2.1", "--public-url", f"http://127.0.0.1:{free_port()}",
                               *client_options(partner)], capture_output=True, text=True, timeout=120)
    finally:
        partner.stop()
    line = failure_line(done)
    assert "POST " in line and "OCPI 3001: cannot use your versions" in line, line


def test_token_a_fixes_the_token_the_partner_registers_with(partner: SpecPartner) -> None:
    hub = Hub(partner.role.lower(), options=["--token-a", "made-up-token-a-0001"])
    try:
        assert hub.token_a == "made-up-token-a-0001"
        assert call("GET", hub.versions_url, "made-up-token-a-0001").code == 1000
        assert register(hub, partner).code == 1000
    finally:
        out, _ = hub.stop()
    assert "registered PT*SPC" in out


@pytest.mark.parametrize(("options", "said"), [
    (["--partner-versions", "http://127.0.0.1:1/ocpi/versions"], "--partner-versions and --partner-token"),
    (["--partner-token", "made-up-token-a"], "--partner-versions and --partner-token"),
    (["--partner-versions", "partner.example/versions", "--partner-token", "t"], "not an http(s) URL"),
    (["--token-a", ""], "a token is printable text without spaces"),
    (["--token-a", "made up"], "a token is printable text without spaces"),
])
def test_usage_errors(options: list[str], said: str) -> None:
    result = CliRunner().invoke(main, ["hub", "--port", str(free_port()), *options])
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output
