"""Writing captures: a header line, then one compact line per exchange, flushed."""

from __future__ import annotations

import time
from typing import BinaryIO

import msgspec

from ... import TOOL
from .model import FORMAT, REDACTION_DEFAULT, REDACTION_NONE, VERSION, Exchange, Header, format_timestamp

_encoder = msgspec.json.Encoder()


def new_header(
    peers: dict[str, str] | None = None,
    redaction: str = REDACTION_DEFAULT,
    note: str | None = None,
) -> Header:
    """A header for a capture created now by this tool."""
    if redaction not in (REDACTION_DEFAULT, REDACTION_NONE):
        raise ValueError(f"redaction must be {REDACTION_DEFAULT!r} or {REDACTION_NONE!r}, not {redaction!r}")
    header = Header(
        format=FORMAT,
        version=VERSION,
        created=format_timestamp(time.time()),
        tool=TOOL,
        redaction=redaction,  # type: ignore[arg-type]  # checked just above
        peers=dict(peers or {}),
    )
    if note:
        header.note = note
    return header


def encode_line(record: Header | Exchange) -> bytes:
    """One capture line, newline included."""
    # Compact JSON never holds a raw newline: control characters inside
    # strings are escaped, and bodies were made compact when they were stored.
    return _encoder.encode(record) + b"\n"


class CaptureWriter:
    """Appends exchanges to a capture stream, flushing each line as it is written.

    Flushing hands the line to the operating system, so a process killed at
    any moment leaves every exchange it had written readable. Errors are not
    caught here: a recorder must stop when it cannot write.
    """

    def __init__(self, stream: BinaryIO, header: Header) -> None:
        self._stream = stream
        self.header = header
        self.count = 0
        stream.write(encode_line(header))
        stream.flush()

    def write(self, exchange: Exchange) -> None:
        self._stream.write(encode_line(exchange))
        self._stream.flush()
        self.count += 1

    def close(self) -> None:
        self._stream.close()
