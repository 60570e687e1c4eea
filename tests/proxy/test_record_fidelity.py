"""`ocpi-tap record` for real, with what peers send at the edges: odd bytes, odd bodies, odd shapes."""

from __future__ import annotations

import socket

import pytest

from upstreams import Peer
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
