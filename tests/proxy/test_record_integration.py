"""`ocpi-tap record` for real: a mitmproxy process between two aiohttp peers on loopback."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from pathlib import Path

import msgspec
import pytest

from conftest import BIN, REPO, ProxyProcess
from ocpi_tap.replay.capture import (
    CaptureReader,
    Exchange,
    LineProblem,
    body_bytes,
    fingerprint,
)
from upstreams import Peer, Received, Reply, free_port, free_ports
from rawhttp import RawResponse, build_request, exchange

MADE_UP_TOKEN = "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2-made-up"
MADE_UP_TOKEN_C = "7c4a9a1e-not-a-real-token-c"


def read_all(path: Path) -> tuple[list[Exchange], list[LineProblem]]:
    exchanges, problems = [], []
    with CaptureReader(path) as reader:
        for item in reader:
            if isinstance(item, LineProblem):
                problems.append(item)
            else:
                exchanges.append(item[1])
    return exchanges, problems


def token_header(token: str) -> bytes:
    return b"Token " + base64.b64encode(token.encode())


def test_bytes_pass_through_unchanged_in_both_directions(hub: Peer, partner: Peer, start_record) -> None:
    reply_body = b'{"data": {"result": "ACCEPTED", "timeout": 30},\n "status_code": 1000, "timestamp": "2026-11-23T09:00:01Z", "n": 1.10}'
    reply = Reply(
        status=201,
        headers=[
            (b"content-type", b"application/json; charset=utf-8"),
            (b"X-Request-ID", b"req-1"),
            (b"Set-Cookie", b"a=1"),
            (b"Set-Cookie", b"b=2"),
            (b"Content-Length", str(len(reply_body)).encode()),
            (b"Date", b"Mon, 23 Nov 2026 09:00:00 GMT"),
            (b"Server", b"peer"),
        ],
        body=reply_body,
    )
    hub.responder = lambda _: reply
    partner.responder = lambda _: reply
    proxy = start_record(hub.url, partner.url)
    body = b'{ "response_url": "https://partner.example.com/ocpi/cmd/1",\t"token": {"uid": "X"}, "amount": 1.10 }'
    sent_headers = [
        (b"Host", b"placeholder"),
        (b"Authorization", token_header(MADE_UP_TOKEN)),
        (b"x-request-id", b"req-1"),
        (b"X-Custom", b"first"),
        (b"X-Custom", b"second"),
        (b"Content-Type", b"application/json"),
        (b"Content-Length", str(len(body)).encode()),
    ]
    for port, peer in ((proxy.hub_port, hub), (proxy.partner_port, partner)):
        response = exchange(port, build_request("POST", "/ocpi/2.2.1/commands/START_SESSION?x=1&y=%20", sent_headers, body))
        received = peer.received[-1]
        assert received.method == "POST"
        assert received.raw_path == "/ocpi/2.2.1/commands/START_SESSION?x=1&y=%20"
        assert received.body == body
        # A reverse proxy addresses the upstream by its own name: Host is the one header it sets.
        assert [h for h in received.raw_headers if h[0].lower() != b"host"] == sent_headers[1:]
        assert dict((k.lower(), v) for k, v in received.raw_headers)[b"host"] == f"127.0.0.1:{peer.port}".encode()
        assert response == RawResponse(201, reply.headers, reply_body)
    assert proxy.stop() == 0

    exchanges, problems = read_all(proxy.capture)
    assert problems == []
    assert [e.direction for e in sorted(exchanges, key=lambda e: e.seq)] == ["to_hub", "to_partner"]
    first = exchanges[0]
    assert first.request.url == f"{hub.url}/ocpi/2.2.1/commands/START_SESSION?x=1&y=%20"
    assert msgspec.json.decode(body_bytes(first.request)) == json.loads(body)
    assert b"1.10" in body_bytes(first.request)  # numbers keep their digits
    assert first.response is not None and first.response.status == 201
    assert first.response.headers[3:4] == [("Set-Cookie", "b=2")]
    assert first.request.headers[1] == ("Authorization", f"Token redacted:b64:sha256:{fingerprint(MADE_UP_TOKEN)}")


def test_tokens_never_reach_the_capture(hub: Peer, partner: Peer, start_record) -> None:
    def credentials_reply(received: Received) -> Reply:
        body = json.dumps({
            "data": {"token": MADE_UP_TOKEN_C, "url": "https://hub.example.org/ocpi/versions",
                     "roles": [{"role": "HUB", "party_id": "MBE", "country_code": "PT",
                                "business_details": {"name": "Hub"}}]},
            "status_code": 1000, "timestamp": "2026-11-23T09:00:00Z"}).encode()
        return Reply(headers=[(b"Content-Type", b"application/json")], body=body)

    hub.responder = credentials_reply
    proxy = start_record(hub.url, partner.url)
    credentials = json.dumps({"token": MADE_UP_TOKEN, "url": "https://partner.example.com/ocpi/versions",
                              "roles": []}).encode()
    headers = [(b"Authorization", token_header(MADE_UP_TOKEN)), (b"Content-Type", b"application/json"),
               (b"Content-Length", str(len(credentials)).encode())]
    response = exchange(proxy.hub_port, build_request("POST", "/ocpi/2.2.1/credentials", headers, credentials))
    assert MADE_UP_TOKEN_C.encode() in response.body  # the partner itself gets the real token
    raw_token = [(b"Authorization", b"Token " + MADE_UP_TOKEN.encode()), (b"Content-Length", b"0")]
    exchange(proxy.partner_port, build_request("GET", "/ocpi/versions", raw_token))
    assert proxy.stop() == 0

    written = proxy.capture.read_bytes()
    for secret in (MADE_UP_TOKEN, MADE_UP_TOKEN_C):
        assert secret.encode() not in written
        assert base64.b64encode(secret.encode()) not in written
    exchanges, _ = read_all(proxy.capture)
    by_seq = {e.seq: e for e in exchanges}
    post, get = by_seq[1], by_seq[2]
    assert post.request.header("Authorization") == f"Token redacted:b64:sha256:{fingerprint(MADE_UP_TOKEN)}"
    assert msgspec.json.decode(body_bytes(post.request))["token"] == f"redacted:sha256:{fingerprint(MADE_UP_TOKEN)}"
    assert post.response is not None
    assert msgspec.json.decode(body_bytes(post.response))["data"]["token"] == f"redacted:sha256:{fingerprint(MADE_UP_TOKEN_C)}"
    assert get.request.header("Authorization") == f"Token redacted:sha256:{fingerprint(MADE_UP_TOKEN)}"
    with CaptureReader(proxy.capture) as reader:
        assert reader.header.redaction == "sha256-12"
        assert reader.header.peers == {"to_hub": hub.url, "to_partner": partner.url}


def test_no_redaction_only_when_asked_and_stated_in_the_header(hub: Peer, partner: Peer, start_record) -> None:
    proxy = start_record(hub.url, partner.url, "--no-redaction")
    exchange(proxy.hub_port, build_request("GET", "/ocpi/versions", [(b"Authorization", token_header(MADE_UP_TOKEN))]))
    assert proxy.stop() == 0
    assert token_header(MADE_UP_TOKEN) in proxy.capture.read_bytes()
    with CaptureReader(proxy.capture) as reader:
        assert reader.header.redaction == "none"


def test_the_listener_urls_shown_name_the_public_host(hub: Peer, partner: Peer, start_record) -> None:
    proxy = start_record(hub.url + "/ocpi/versions", partner.url + "/ocpi/versions",
                         "--public-host", "tap.example.test")
    assert proxy.stop() == 0
    calls = f"the partner calls http://tap.example.test:{proxy.hub_port}/ocpi/versions  (forwarded to {hub.url}"
    advertises = f"the partner advertises http://tap.example.test:{proxy.partner_port}/ocpi/versions"
    assert calls in proxy.stdout and advertises in proxy.stdout
    assert "listening on every address" not in proxy.stdout


def test_unreachable_upstream_gives_502_and_an_error_exchange(partner: Peer, start_record) -> None:
    closed = free_port()
    proxy = start_record(f"http://127.0.0.1:{closed}/ocpi/versions", partner.url)
    response = exchange(proxy.hub_port, build_request("GET", "/ocpi/versions", [(b"X-Request-ID", b"down-1")]))
    assert response.status == 502
    assert proxy.stop() == 0
    exchanges, problems = read_all(proxy.capture)
    assert problems == []
    [failed] = exchanges
    assert failed.response is None and failed.ended is None
    assert failed.error and str(closed) in failed.error  # says which upstream failed
    assert failed.request.header("X-Request-ID") == "down-1"


def test_exchange_in_flight_at_shutdown_is_written(hub: Peer, partner: Peer, start_record) -> None:
    hub.responder = lambda _: Reply(body=b"{}", headers=[(b"Content-Length", b"2")], delay=5.0)
    proxy = start_record(hub.url, partner.url)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(exchange(proxy.hub_port, build_request("GET", "/ocpi/2.2.1/locations", [(b"X-Request-ID", b"slow")])))
        except OSError as error:
            outcome.append(error)

    client = threading.Thread(target=call)
    client.start()
    deadline = time.monotonic() + 10
    while not hub.received and time.monotonic() < deadline:
        time.sleep(0.02)
    assert hub.received, "the slow request never reached the hub"
    assert proxy.stop() == 0
    client.join(timeout=15)
    exchanges, _ = read_all(proxy.capture)
    [cut] = exchanges
    assert cut.request.header("X-Request-ID") == "slow"
    assert cut.response is None
    assert cut.error == "in flight when the recorder stopped"


def test_removed_capture_file_stops_the_proxy_loudly(hub: Peer, partner: Peer, start_record) -> None:
    proxy = start_record(hub.url, partner.url)
    assert exchange(proxy.hub_port, build_request("GET", "/ocpi/versions", [])).status == 200
    os.remove(proxy.capture)
    with pytest.raises((ConnectionError, OSError)):
        exchange(proxy.hub_port, build_request("GET", "/ocpi/versions", [(b"X-Request-ID", b"unrecorded")]))
    code = proxy.process.wait(timeout=30)
    proxy.stop()
    assert code == 2
    assert "removed while recording" in proxy.stderr
    assert proxy.stderr.count("cannot write the capture") == 1  # said once, as the command's error
    assert "error: cannot write the capture" in proxy.stderr
    assert "Traceback" not in proxy.stderr


def test_ctrl_c_with_a_client_still_connected_stops_cleanly(hub: Peer, partner: Peer, start_record) -> None:
    proxy = start_record(hub.url, partner.url)
    with socket.create_connection(("127.0.0.1", proxy.hub_port), timeout=10) as kept_alive:
        kept_alive.sendall(build_request("GET", "/ocpi/versions", [(b"Host", b"placeholder")]))
        assert kept_alive.makefile("rb").readline().startswith(b"HTTP/1.1 200")
        assert proxy.stop() == 0  # while the connection is still open
    assert "Traceback" not in proxy.stderr, proxy.stderr


def test_mitmdump_loads_the_addon_as_is(hub: Peer, partner: Peer, tmp_path: Path) -> None:
    first, second = free_ports(2)
    ports = (first, second)
    capture = tmp_path / "mitmdump.jsonl"
    argv = [
        str(BIN / "mitmdump"), "-q", "-s", str(REPO / "proxy" / "addon.py"),
        "--mode", f"reverse:{partner.url}@127.0.0.1:{ports[1]}",
        "--mode", f"reverse:{hub.url}@127.0.0.1:{ports[0]}",
        "--set", f"ocpi_to_hub_mode=1", "--set", f"ocpi_capture={capture}",
    ]
    proxy = ProxyProcess(argv, ports, capture)
    try:
        assert exchange(ports[0], build_request("GET", "/ocpi/versions", [(b"X-Request-ID", b"a")])).status == 200
        assert exchange(ports[1], build_request("GET", "/ocpi/versions", [(b"X-Request-ID", b"b")])).status == 200
    finally:
        proxy.stop()
    exchanges, problems = read_all(capture)
    assert problems == []
    directions = {e.request.header("X-Request-ID"): e.direction for e in exchanges}
    assert directions == {"a": "to_hub", "b": "to_partner"}
    with CaptureReader(capture) as reader:
        assert reader.header.peers == {"to_hub": hub.url, "to_partner": partner.url}


def test_record_refuses_to_overwrite_and_reports_a_busy_port(hub: Peer, partner: Peer, tmp_path: Path) -> None:
    import subprocess

    from conftest import record_argv

    existing = tmp_path / "existing.jsonl"
    existing.write_text("keep me\n")
    first, second = free_ports(2)
    result = subprocess.run(record_argv(hub.url, partner.url, existing, (first, second)),
                            capture_output=True, timeout=60)
    assert result.returncode == 2
    assert b"exists" in result.stderr
    assert existing.read_text() == "keep me\n"

    result = subprocess.run(record_argv(hub.url, partner.url, tmp_path / "new.jsonl", (hub.port, free_port())),
                            capture_output=True, timeout=60)
    assert result.returncode == 2
    assert b"could not start" in result.stderr


def test_a_failed_start_leaves_no_capture_in_the_way_of_the_retry(hub: Peer, partner: Peer, tmp_path: Path) -> None:
    import subprocess

    from conftest import record_argv

    capture = tmp_path / "day1.jsonl"
    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        busy = (occupied.getsockname()[1], free_port())
        failed = subprocess.run(record_argv(hub.url, partner.url, capture, busy), capture_output=True, timeout=60)
    assert failed.returncode == 2
    assert b"could not start" in failed.stderr
    assert not capture.exists()

    first, second = free_ports(2)
    retry = ProxyProcess(record_argv(hub.url, partner.url, capture, (first, second)), (first, second), capture)
    try:
        assert exchange(first, build_request("GET", "/ocpi/versions", [])).status == 200
    finally:
        code = retry.stop()
    assert code == 0, retry.stderr
    exchanges, problems = read_all(capture)
    assert problems == [] and len(exchanges) == 1


def test_a_failed_start_with_force_leaves_the_existing_capture_intact(hub: Peer, partner: Peer,
                                                                       tmp_path: Path) -> None:
    import subprocess

    from conftest import record_argv

    capture = tmp_path / "day1.jsonl"
    kept = b'{"format":"ocpi-capture","version":1}\n{"seq":1,"note":"yesterday\'s day"}\nnot even a line end'
    capture.write_bytes(kept)
    before = capture.stat()
    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        busy = (free_port(), occupied.getsockname()[1])  # the second listener fails, after the first is up
        failed = subprocess.run(record_argv(hub.url, partner.url, capture, busy, "--force"),
                                capture_output=True, timeout=60)
    assert failed.returncode == 2, failed.stderr
    assert b"could not start" in failed.stderr
    assert capture.read_bytes() == kept
    assert capture.stat().st_mtime_ns == before.st_mtime_ns and capture.stat().st_ino == before.st_ino


def test_mitmdump_with_the_addon_leaves_the_capture_alone_when_it_cannot_listen(hub: Peer, partner: Peer,
                                                                                tmp_path: Path) -> None:
    import subprocess

    existing, new = tmp_path / "existing.jsonl", tmp_path / "new.jsonl"
    existing.write_bytes(b"yesterday\n")
    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        for capture in (existing, new):
            argv = [
                str(BIN / "mitmdump"), "-q", "-s", str(REPO / "proxy" / "addon.py"),
                "--mode", f"reverse:{hub.url}@127.0.0.1:{free_port()}",
                "--mode", f"reverse:{partner.url}@127.0.0.1:{occupied.getsockname()[1]}",
                "--set", f"ocpi_capture={capture}", "--set", "ocpi_capture_overwrite=true",
            ]
            failed = subprocess.run(argv, capture_output=True, timeout=60, cwd=REPO)
            assert failed.returncode != 0, failed.stdout + failed.stderr
    assert existing.read_bytes() == b"yesterday\n"
    assert not new.exists()


@pytest.mark.parametrize("live", [False, True], ids=["plain", "live"])
def test_a_busy_port_is_reported_once(hub: Peer, partner: Peer, tmp_path: Path, live: bool) -> None:
    import subprocess

    from conftest import record_argv

    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        port = occupied.getsockname()[1]
        argv = record_argv(hub.url, partner.url, tmp_path / "day1.jsonl", (free_port(), port),
                           *(["--live"] if live else []))
        failed = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 2
    assert failed.stdout == ""
    [line] = failed.stderr.splitlines()  # mitmproxy's log line held back: the error is said once
    assert line.startswith("error: the proxy could not start: ")
    assert f"127.0.0.1:{port}" in line and "address already in use" in line
    assert "--partner-port" in line
    assert line.count("[Errno") == 1
