"""The mock day: clean for both partner roles and both profiles, and each fault found as declared."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from conftest import BIN
from ocpi_tap.peers.demo import free_ports, play
from ocpi_tap.peers.faults import FAULTS
from ocpi_tap.replay.capture import CaptureReader, LineProblem
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import REGISTRY, Selection

MODULES = ["versions", "credentials", "tariffs", "locations", "tokens", "sessions", "cdrs", "commands"]


def day(tmp_path: Path, role: str, profile: str = "mobie", faults: tuple[str, ...] = ()) -> tuple[Path, list[str]]:
    capture = tmp_path / f"{role}.jsonl"
    modules: list[str] = []
    recorder = asyncio.run(play(role, list(faults), capture, profile, lambda module, _: modules.append(module)))
    assert recorder.failure is None
    return capture, modules


@pytest.mark.parametrize("profile", ["mobie", "ocpi-2.2.1"])
@pytest.mark.parametrize("role", ["cpo", "emsp"])
def test_a_clean_day_exercises_every_module_in_both_directions_without_findings(
    tmp_path: Path, role: str, profile: str
) -> None:
    capture, modules = day(tmp_path, role, profile)
    assert set(MODULES) <= set(modules)
    with CaptureReader(capture) as reader:
        exchanges = [item[1] for item in reader if not isinstance(item, LineProblem)]
        assert set(reader.header.peers) == {"to_hub", "to_partner"}
    directions = Counter(e.direction for e in exchanges)
    assert directions["to_hub"] > 10 and directions["to_partner"] > 10
    urls = " ".join(e.request.url for e in exchanges)
    for module in MODULES[1:]:
        assert f"/{module}" in urls
    assert any(e.response and e.response.status == 401 for e in exchanges)  # the superseded token refused
    every_rule = Selection(["ALL", *(rule.code for rule in REGISTRY if not rule.default_enabled)])
    result = check_capture(capture, every_rule, profile=PROFILES[profile], partner_role=role.upper())
    assert result.findings == []  # even by the rules that are off by default (heuristics)


def test_the_mobie_hub_adds_its_cdr_extension(tmp_path: Path) -> None:
    capture, _ = day(tmp_path, "emsp")  # the hub plays the CPO side and produces the CDR
    assert b'"mobie_cdr_extension"' in capture.read_bytes()
    assert b'"version":"2.2"' in capture.read_bytes()


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_breaks_exactly_its_rules(tmp_path: Path, name: str) -> None:
    capture, _ = day(tmp_path, "cpo", faults=(name,))
    result = check_capture(capture, profile=PROFILES["mobie"], partner_role="CPO")
    assert {finding.code for finding in result.findings} == set(FAULTS[name].expect)


def test_demo_command_runs_the_day_and_reports(tmp_path: Path) -> None:
    clean = subprocess.run([str(BIN / "ocpi-tap"), "demo", "-o", str(tmp_path / "day.jsonl")],
                           capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    for module in MODULES:
        assert f"  {module}" in clean.stdout
    assert re.search(r"All checks passed: \d+ exchanges in 1 capture\.\n$", clean.stdout)
    faulty = subprocess.run([str(BIN / "ocpi-tap"), "demo", "--role", "cpo", "--fault", "cdr-put",
                             "-o", str(tmp_path / "faulty.jsonl")], capture_output=True, text=True, timeout=120)
    assert faulty.returncode == 1
    assert " CDR003 " in faulty.stdout and "(partner's request)" in faulty.stdout
    # With an eMSP partner the CDRs are the mock hub's (the CPO's): its fault is reported, and fails no partner.
    hubs = subprocess.run([str(BIN / "ocpi-tap"), "demo", "--role", "emsp", "--fault", "cdr-put",
                           "-o", str(tmp_path / "hubs.jsonl")], capture_output=True, text=True, timeout=120)
    assert hubs.returncode == 0, hubs.stdout
    assert " CDR003 " in hubs.stdout and "(hub's request)" in hubs.stdout
    assert "  the hub's side: 2 findings (1 error, 1 warning: CDR003, CDR206), not counted against the partner" in (
        hubs.stdout.splitlines())
    unknown = subprocess.run([str(BIN / "ocpi-tap"), "demo", "--fault", "no-such-fault"],
                             capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "--list-faults" in unknown.stderr


@pytest.mark.parametrize(("taken", "said"), [(0, "the recorder could not start"), (2, "a mock peer cannot listen")],
                         ids=["recorder-port", "mock-peer-port"])
def test_a_port_taken_before_the_demo_binds_it_is_an_error_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: int, said: str) -> None:
    import socket

    from click.testing import CliRunner

    from ocpi_tap import cli
    from ocpi_tap.peers import demo

    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        chosen = free_ports(4)
        chosen[taken] = occupied.getsockname()[1]  # what another program took since the ports were chosen
        monkeypatch.setattr(demo, "free_ports", lambda count: chosen[:count])
        result = CliRunner().invoke(cli.main, ["demo", "-o", str(tmp_path / "day.jsonl")])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # the error said, no other exception escaped
    [error] = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert error.startswith(f"error: the demo could not start: {said}")
    assert f"127.0.0.1:{chosen[taken]}" in error
    assert not (tmp_path / "day.jsonl").exists()


def test_demo_live_checks_while_the_day_is_recorded(tmp_path: Path) -> None:
    capture = tmp_path / "live.jsonl"
    done = subprocess.run([str(BIN / "ocpi-tap"), "demo", "--live", "--fault", "cdr-put", "-o", str(capture)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    offline = subprocess.run([str(BIN / "ocpi-tap"), "replay", "--role", "cpo", str(capture)],
                             capture_output=True, text=True, timeout=120)
    found = sorted(line for line in done.stdout.splitlines() if line.startswith(f"{capture}:"))
    assert found == sorted(line for line in offline.stdout.splitlines() if line.startswith(f"{capture}:"))
    assert done.stdout.splitlines()[-1] == offline.stdout.splitlines()[-1]  # the same summary
    assert "Recorded " not in done.stdout  # no second check after the day


def page_state(port: int) -> dict[str, object] | None:
    """The live page's /state, or None while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/state", timeout=10) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]
    except OSError:
        return None


def test_demo_ui_keeps_the_live_page_up_until_ctrl_c(tmp_path: Path) -> None:
    [port] = free_ports(1)
    # A session of its own, so that Ctrl-C can reach the whole group, checker included, as from a terminal.
    process = subprocess.Popen([str(BIN / "ocpi-tap"), "demo", "--ui", str(port), "--fault", "cdr-put",
                                "-o", str(tmp_path / "ui.jsonl")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (page_state(port) or {}).get("finished"):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the live page never reported the capture finished"
            time.sleep(0.1)
        assert process.stdout is not None
        printed = []
        for line in process.stdout:  # up to the last line the demo prints before waiting
            printed.append(line.rstrip("\n"))
            if line.startswith("Live page stays at"):
                break
        assert printed[-1] == f"Live page stays at http://127.0.0.1:{port}/ until Ctrl-C."
        summary = re.match(r"Found (\d+) findings? ", printed[-2])  # the summary came first
        assert summary, printed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
            assert answer.status == 200 and "ocpi-tap live" in answer.read().decode()
        assert (page_state(port) or {}).get("findings") == int(summary[1])
        assert process.poll() is None
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=30)
    assert process.returncode == 1, err  # findings, as without --ui
    assert "Traceback" not in err and out == ""
    assert page_state(port) is None  # the page went with it


def test_the_mock_hub_alone_prints_what_to_configure_and_answers_token_a(tmp_path: Path) -> None:
    import base64
    import signal

    from conftest import wait_for_port
    from upstreams import free_port
    from rawhttp import build_request, exchange

    port = free_port()
    process = subprocess.Popen([str(BIN / "ocpi-tap"), "hub", "--port", str(port), "--role", "emsp"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process=process)  # type: ignore[arg-type]
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        token_a = lines[2].split()[-1]
        assert lines[1].split()[-1] == f"http://127.0.0.1:{port}/ocpi/versions"

        def get(path: str, token: str) -> int:
            auth = b"Token " + base64.b64encode(token.encode())
            return exchange(port, build_request("GET", path, [(b"Host", b"x"), (b"Authorization", auth)])).status

        assert get("/ocpi/versions", token_a) == 200
        assert get("/ocpi/2.2", token_a) == 200
        assert get("/ocpi/versions", "not-the-token") == 401
        assert get("/ocpi/2.2/tariffs/PT/CPO/T1", token_a) == 401  # token A opens versions and credentials only
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0


@pytest.mark.parametrize("public_url", ["not a url", "ftp://hub.example.org", "http://", "127.0.0.1:8081"])
def test_the_mock_hub_refuses_a_public_url_that_is_no_http_url(public_url: str) -> None:
    result = subprocess.run([str(BIN / "ocpi-tap"), "hub", "--port", str(free_ports(1)[0]), "--public-url", public_url],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout
    assert "--public-url" in result.stderr and "not an http(s) URL" in result.stderr
    assert result.stdout == ""


def test_the_mock_hub_on_an_ipv6_address_prints_a_versions_url_that_is_a_url() -> None:
    import socket
    from urllib.parse import urlsplit


    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    port = free_ports(1)[0]
    process = subprocess.Popen([str(BIN / "ocpi-tap"), "hub", "--host", "::1", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    if "could not start" in err:
        pytest.skip(f"no IPv6 loopback here: {err}")
    versions_url = lines[1].split()[-1]
    assert versions_url == f"http://[::1]:{port}/ocpi/versions"
    assert urlsplit(versions_url).port == port


@pytest.mark.parametrize(("host", "versions_url"), [
    ("127.0.0.1", "http://127.0.0.1:9000/ocpi/versions"),
    ("::1", "http://[::1]:9000/ocpi/versions"),
    ("0.0.0.0", "http://127.0.0.1:9000/ocpi/versions"),  # every address: as record shows its listeners
    ("::", "http://127.0.0.1:9000/ocpi/versions"),
])
def test_the_mock_hub_advertises_urls_a_partner_can_call(host: str, versions_url: str) -> None:
    from ocpi_tap.peers.demo import standalone_hub

    hub, _ = standalone_hub("cpo", "mobie", host, 9000)
    assert hub.versions_url == versions_url
    assert standalone_hub("cpo", "mobie", host, 9000, "https://hub.example.org/")[0].versions_url == (
        "https://hub.example.org/ocpi/versions")


def test_the_mock_hub_answers_a_registration_it_cannot_complete_with_an_ocpi_error() -> None:
    import base64

    from conftest import wait_for_port
    from rawhttp import build_request, exchange

    port, closed = free_ports(2)  # nothing listens on `closed`: the partner's versions URL leads nowhere
    process = subprocess.Popen([str(BIN / "ocpi-tap"), "hub", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process=process)  # type: ignore[arg-type]
        assert process.stdout is not None
        token_a = [process.stdout.readline() for _ in range(3)][2].split()[-1]
        auth = b"Token " + base64.b64encode(token_a.encode())

        def post(body: bytes) -> tuple[int, int]:
            answer = exchange(port, build_request(
                "POST", "/ocpi/2.2/credentials",
                [(b"Host", b"x"), (b"Authorization", auth), (b"Content-Type", b"application/json"),
                 (b"Content-Length", str(len(body)).encode())], body))
            return answer.status, json.loads(answer.body)["status_code"]

        assert post(b"not json") == (400, 2001)
        assert post(b"{}") == (200, 2001)
        assert post(json.dumps({"token": "made-up-token-b", "url": 5, "roles": []}).encode()) == (200, 2001)
        unreachable = {"token": "made-up-token-b", "url": f"http://127.0.0.1:{closed}/ocpi/versions",
                       "roles": [{"role": "CPO", "party_id": "CPO", "country_code": "PT"}]}
        assert post(json.dumps(unreachable).encode()) == (200, 3001)  # unable to use the client's API
        versions = exchange(port, build_request("GET", "/ocpi/versions", [(b"Host", b"x"), (b"Authorization", auth)]))
        assert versions.status == 200  # not registered: token A still opens versions and credentials
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in err, err


def pipe_holding(fd: int) -> int:
    """How many bytes wait in a pipe, unread."""
    import array
    import fcntl
    import termios

    count = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return count[0]


@pytest.mark.parametrize("live", [False, True], ids=["plain", "live"])
def test_ctrl_c_during_the_demo_day_exits_130(tmp_path: Path, live: bool) -> None:
    import fcntl
    import select

    # The day lasts a tenth of a second; to interrupt it for certain, the demo's stdout is a pipe of one
    # page that the test fills but for ROOM bytes and does not read: the demo writes its first lines,
    # then blocks on a progress line of the day (the day prints about 700 bytes) until the test reads.
    room, day_under_way = 300, 100  # the first line, "Mock day: ...", is shorter than 100 bytes
    read_end, write_end = os.pipe()
    try:
        size = fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
        os.write(write_end, b"." * (size - room))
        capture = tmp_path / "day.jsonl"
        process = subprocess.Popen([str(BIN / "ocpi-tap"), "demo", "-o", str(capture), *(["--live"] if live else [])],
                                   stdout=write_end, stderr=subprocess.PIPE, text=True, start_new_session=True)
    finally:
        os.close(write_end)
    try:
        deadline = time.monotonic() + 60
        while pipe_holding(read_end) < size - room + day_under_way:  # a progress line of the day is out
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the demo printed no progress of its day"
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole group, checker included
        out = b""
        while True:  # read what the demo writes, up to the end of its output
            assert time.monotonic() < deadline, "the demo did not end after Ctrl-C"
            if select.select([read_end], [], [], 1)[0]:
                chunk = os.read(read_end, 65536)
                if not chunk:
                    break
                out += chunk
        _, err = process.communicate(timeout=60)
        stdout = out.decode().lstrip(".")
    finally:
        os.close(read_end)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=30)
    assert process.returncode == 130, stdout + err
    assert "  versions " in stdout and "Recorded " not in stdout  # interrupted during the day, not after
    assert err.splitlines()[-1] == "interrupted" and err.count("interrupted") == 1
    assert "Aborted" not in err and "Traceback" not in err, err
    if live:  # the checker was waited for: it checked what there was and said so before the demo ended
        summary = (r"^(All checks passed: \d+ exchanges in 1 capture"
                   r"|(No findings|Found \d+ findings? .*) in \d+ exchanges of 1 capture(; not ready: .*)?)\.$")
        assert re.search(summary, stdout, re.M), stdout
    with CaptureReader(capture) as reader:  # what was recorded of the day is a readable capture
        assert not any(isinstance(item, LineProblem) for item in reader)
