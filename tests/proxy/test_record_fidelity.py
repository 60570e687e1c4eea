"""`ocpi-tap record` for real, with what peers send at the edges: odd bytes, odd bodies, odd shapes."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
from pathlib import Path

import msgspec
import pytest

from conftest import BIN, REPO
from ocpi_tap.replay.capture import body_bytes, fingerprint
from upstreams import Peer, Reply, free_port
from rawhttp import build_request, exchange
from test_record_integration import read_all


def raw_exchange(port: int, request: bytes) -> bytes:
    """Everything the listener answers to `request` until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while data := sock.recv(65536):
            received += data
        return received


@pytest.mark.parametrize(("request_line", "method", "target"), [
    (b"GET /ocpi/2.2.1/locations/S\xe3o?q=\xe9", "GET", "/ocpi/2.2.1/locations/S%E3o?q=%E9"),
    (b"G\xc9T /ocpi/versions", "G\xc9T", "/ocpi/versions"),
], ids=["target", "method"])
def test_a_request_line_that_is_not_utf8_is_passed_on_and_recorded(hub: Peer, partner: Peer, start_record,
                                                                   request_line: bytes, method: str,
                                                                   target: str) -> None:
    proxy = start_record(hub.url, partner.url)
    odd = request_line + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    direct = raw_exchange(hub.port, odd)
    proxied = raw_exchange(proxy.hub_port, odd)
    assert proxied.split(b"\r\n", 1)[0] == direct.split(b"\r\n", 1)[0]  # the upstream's own status line
    assert exchange(proxy.hub_port, build_request("GET", "/ocpi/versions", [])).status == 200  # still recording
    assert proxy.stop() == 0, proxy.stderr

    exchanges, problems = read_all(proxy.capture)
    assert problems == [] and len(exchanges) == 2
    first = min(exchanges, key=lambda e: e.seq)
    assert first.request.method == method  # bytes that are not UTF-8 as Latin-1, as in header values
    # Percent-encoded, as a URL parser takes such bytes: the URL stays a valid one that means the same.
    assert first.request.url == f"{hub.url}{target}"


SECRET = "3f1c2b7e-made-up-credentials-token"


def assert_nowhere(secret: str, capture: Path) -> None:
    """`secret` is in no line of `capture`, in clear or base64, nor in any body stored as base64."""
    written = capture.read_bytes()
    assert secret.encode() not in written
    assert base64.b64encode(secret.encode()) not in written
    exchanges, _ = read_all(capture)
    for message in [e.request for e in exchanges] + [e.response for e in exchanges if e.response is not None]:
        assert secret.encode() not in body_bytes(message)


def reply_with(body: bytes) -> Reply:
    return Reply(headers=[(b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode()),
                          (b"Date", b"Mon, 23 Nov 2026 09:00:00 GMT"), (b"Server", b"peer")], body=body)


def test_credentials_tokens_are_redacted_whatever_the_shape_of_the_body(hub: Peer, partner: Peer,
                                                                        start_record) -> None:
    credentials = {"token": SECRET, "url": "https://partner.example.com/ocpi/versions", "roles": []}
    shapes = {
        "list": [credentials],
        "data-list": {"data": [credentials], "status_code": 1000, "timestamp": "2026-11-23T09:00:00Z"},
        "nested": {"data": {"credentials": credentials}, "status_code": 1000},
    }
    hub.responder = lambda received: reply_with(json.dumps(shapes[received.raw_path.split("/")[2]]).encode())
    proxy = start_record(hub.url, partner.url)
    for shape, body in shapes.items():
        sent = json.dumps(body).encode()
        headers = [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(sent)).encode())]
        response = exchange(proxy.hub_port, build_request("PUT", f"/ocpi/{shape}/2.2.1/credentials", headers, sent))
        assert response.body == json.dumps(body).encode()  # the peers themselves get the real token
    assert proxy.stop() == 0, proxy.stderr

    assert_nowhere(SECRET, proxy.capture)
    exchanges, problems = read_all(proxy.capture)
    assert problems == [] and len(exchanges) == len(shapes)
    redacted = {**credentials, "token": f"redacted:sha256:{fingerprint(SECRET)}"}
    for recorded in exchanges:
        shape = recorded.request.url.split("/")[4]
        assert recorded.response is not None
        for message in (recorded.request, recorded.response):
            expected = json.loads(json.dumps(shapes[shape]).replace(SECRET, redacted["token"]))
            assert msgspec.json.decode(body_bytes(message)) == expected


@pytest.mark.parametrize("body", [
    b'{"t\\u006fken": "%s", "url": "https://partner.example.com/ocpi/versions", "roles": []}',
    b'{"token": "%s", "url": "https://partner.example.com/ocpi/versions", "roles": [], "token": 1}',
], ids=["escaped-key", "repeated-key"])
def test_a_credentials_token_written_oddly_in_json_is_redacted_all_the_same(hub: Peer, partner: Peer,
                                                                           start_record, body: bytes) -> None:
    sent = body % SECRET.encode()
    hub.responder = lambda _: reply_with(b'{"status_code": 1000, "timestamp": "2026-11-23T09:00:00Z"}')
    proxy = start_record(hub.url, partner.url)
    headers = [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(sent)).encode())]
    assert exchange(proxy.hub_port, build_request("POST", "/ocpi/2.2.1/credentials", headers, sent)).status == 200
    assert proxy.stop() == 0, proxy.stderr
    assert hub.received[0].body == sent  # the hub itself gets the body as sent
    assert_nowhere(SECRET, proxy.capture)


def test_a_credentials_body_that_is_not_utf8_has_its_token_redacted(hub: Peer, partner: Peer,
                                                                    start_record) -> None:
    # A business name in Latin-1: the body is not UTF-8, so it is stored as base64.
    body = ('{"data": {"token": "%s", "url": "https://hub.example.org/ocpi/versions", "roles": '
            '[{"role": "HUB", "business_details": {"name": "Mobilidade El\xe9trica"}}]}}' % SECRET).encode("latin-1")
    hub.responder = lambda _: reply_with(body)
    proxy = start_record(hub.url, partner.url)
    headers = [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode())]
    assert exchange(proxy.hub_port, build_request("POST", "/ocpi/2.2.1/credentials", headers, body)).body == body
    assert proxy.stop() == 0, proxy.stderr

    assert_nowhere(SECRET, proxy.capture)
    [recorded], _ = read_all(proxy.capture)
    assert recorded.response is not None
    for message in (recorded.request, recorded.response):
        assert body_bytes(message) == body.replace(SECRET.encode(), f"redacted:sha256:{fingerprint(SECRET)}".encode())


@pytest.mark.parametrize(("path", "body"), [
    ("/ocpi/2.2.1/credentials",  # valid JSON, with a number no float holds
     b'{"token": "%s", "url": "https://partner.example.com/ocpi/versions", "n": 1e999}' % SECRET.encode()),
    ("/ocpi/2.2.1/locations", b"[" * 5000 + b"]" * 5000),  # valid JSON, nested deeper than msgspec goes
], ids=["number-out-of-range", "nested-deep"])
def test_a_json_body_beyond_the_json_decoder_is_recorded_all_the_same(hub: Peer, partner: Peer, start_record,
                                                                      path: str, body: bytes) -> None:
    hub.responder = lambda _: reply_with(body)
    proxy = start_record(hub.url, partner.url)
    headers = [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode())]
    assert exchange(proxy.hub_port, build_request("PUT", path, headers, body)).body == body
    assert proxy.stop() == 0, proxy.stderr
    assert "Traceback" not in proxy.stderr, proxy.stderr

    assert_nowhere(SECRET, proxy.capture)
    [recorded], problems = read_all(proxy.capture)
    assert problems == [] and recorded.response is not None
    expected = body.replace(SECRET.encode(), f"redacted:sha256:{fingerprint(SECRET)}".encode())
    for message in (recorded.request, recorded.response):
        assert body_bytes(message).replace(b" ", b"") == expected.replace(b" ", b"")  # compact, if stored as JSON


def test_mitmdump_with_the_addon_refuses_to_stream_bodies_it_could_not_record(hub: Peer, partner: Peer,
                                                                              tmp_path: Path) -> None:
    capture = tmp_path / "day1.jsonl"
    argv = [
        str(BIN / "mitmdump"), "-q", "-s", str(REPO / "proxy" / "addon.py"),
        "--mode", f"reverse:{hub.url}@127.0.0.1:{free_port()}",
        "--mode", f"reverse:{partner.url}@127.0.0.1:{free_port()}",
        "--set", f"ocpi_capture={capture}", "--set", "stream_large_bodies=1k",
    ]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO) as process:
        try:
            output, _ = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode != 0
    assert b"stream_large_bodies" in output
    assert not capture.exists()


def test_an_authorization_header_with_space_before_the_colon_is_redacted(hub: Peer, partner: Peer,
                                                                         start_record) -> None:
    proxy = start_record(hub.url, partner.url)
    sloppy = b"GET /ocpi/versions HTTP/1.1\r\nHost: x\r\nAuthorization : Token %s\r\nConnection: close\r\n\r\n"
    raw_exchange(proxy.hub_port, sloppy % SECRET.encode())  # mitmproxy refuses such a name, yet records the request
    assert proxy.stop() == 0, proxy.stderr

    assert_nowhere(SECRET, proxy.capture)
    [recorded], _ = read_all(proxy.capture)
    assert ("Authorization ", f"Token redacted:sha256:{fingerprint(SECRET)}") in recorded.request.headers
