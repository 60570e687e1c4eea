"""A minimal HTTP/1.1 client over a socket, so tests control every byte sent
(header case, order, duplicates) and see every byte received."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import BinaryIO

RawHeaders = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: RawHeaders
    body: bytes


def build_request(method: str, target: str, headers: RawHeaders, body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1".encode()]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body



def exchange(port: int, request: bytes, timeout: float = 10.0) -> RawResponse:
    """Send one request on a new connection and read the whole response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        reader = sock.makefile("rb")
        status_line = reader.readline()
        if not status_line:
            raise ConnectionError("connection closed without a response")
        status = int(status_line.split(b" ", 2)[1])
        headers: RawHeaders = []
        while (line := reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.rstrip(b"\r\n").partition(b":")
            headers.append((name, value.strip()))
        if (b"transfer-encoding", b"chunked") in [(k.lower(), v.lower()) for k, v in headers]:
            return RawResponse(status, headers, _read_chunked(reader))
        length = next((int(v) for k, v in headers if k.lower() == b"content-length"), 0)
        body = reader.read(length) if length else b""
        return RawResponse(status, headers, body)


def _read_chunked(reader: BinaryIO) -> bytes:
    body = b""
    while size := int(reader.readline().split(b";")[0], 16):
        body += reader.read(size)
        reader.readline()
    reader.readline()
    return body
