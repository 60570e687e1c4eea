"""`ocpi-tap import`: a recording the user already has (HAR, mitmproxy flows) to a capture.

The kind of recording is told from its content, not its name. The exchanges
are numbered by request start time (the order requests arrived, as the
recorder numbers them), given a direction by the host they called, and
redacted exactly as the recorder redacts. Nothing is written until the whole
recording has been read, so bad input never leaves a half-made capture.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Final, Literal
from urllib.parse import SplitResult, urlsplit

import msgspec

from ..capture import (
    REDACTION_DEFAULT,
    REDACTION_NONE,
    TO_HUB,
    TO_PARTNER,
    CaptureWriter,
    Direction,
    Exchange,
    Header,
    new_header,
    redact_exchange,
)
from . import har
from .flowfile import FlowFileError, read_flow_file

Kind = Literal["har", "mitmproxy"]
EXPECTED: Final = (
    "a HAR file (.har, JSON), a zlib-compressed HAR file (.zhar) "
    "or a mitmproxy flow file (mitmdump -w)"
)
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_BOM: Final = b"\xef\xbb\xbf"


class RecordingFormatError(ValueError):
    """The input is not a recording this importer reads; the message says what it found."""


class ImportResult(msgspec.Struct, frozen=True, kw_only=True):
    """What `import_recording` did."""

    kind: Kind  # the kind of recording detected
    exchanges: int  # exchanges written to the capture
    to_hub: int
    to_partner: int
    skipped: dict[str, int]  # reason -> how many records were skipped for it
    skipped_at: dict[str, list[int]]  # reason -> the numbers (from 1) of the entries or flows skipped for it
    peers: dict[str, str]  # as written in the capture header

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def import_recording(
    source: Path,
    output: Path,
    *,
    hub_hosts: Sequence[str],
    redaction: str = REDACTION_DEFAULT,
    overwrite: bool = False,
    note: str | None = None,
) -> ImportResult:
    """Convert the recording `source` into the capture `output`.

    `hub_hosts` names the hub: `host` or `host:port` (a URL is accepted too);
    exchanges calling it are `to_hub`, all others `to_partner`. Empty, it is a
    `ValueError` naming the hosts in the recording, so the user can choose.

    Raises `RecordingFormatError` for input that is not a recording,
    `FileExistsError` if `output` exists and `overwrite` is false, and
    `OSError` when a file cannot be read or written.
    """
    if redaction not in (REDACTION_DEFAULT, REDACTION_NONE):
        raise ValueError(f"redaction must be {REDACTION_DEFAULT!r} or {REDACTION_NONE!r}, not {redaction!r}")
    _check_output(source, output, overwrite)
    kind, items = _read(source)
    drafts = [item for item in items if isinstance(item, Exchange)]
    skipped_at: dict[str, list[int]] = {}
    for number, item in enumerate(items, start=1):  # the readers give one item per entry or flow, in file order
        if isinstance(item, str):
            skipped_at.setdefault(item, []).append(number)
    if not hub_hosts:
        raise ValueError(_no_hub_hosts_message(source, drafts))
    exchanges = _number(drafts, _HubMatcher(hub_hosts))
    peers = _peers(exchanges)
    if redaction != REDACTION_NONE:
        exchanges = [redact_exchange(exchange) for exchange in exchanges]
    _write(output, exchanges, new_header(peers=peers, redaction=redaction, note=note), overwrite)
    to_hub = sum(1 for exchange in exchanges if exchange.direction == TO_HUB)
    return ImportResult(
        kind=kind,
        exchanges=len(exchanges),
        to_hub=to_hub,
        to_partner=len(exchanges) - to_hub,
        skipped={reason: len(numbers) for reason, numbers in skipped_at.items()},
        skipped_at=skipped_at,
        peers=peers,
    )


def _check_output(source: Path, output: Path, overwrite: bool) -> None:
    if output.exists() and source.exists() and output.resolve() == source.resolve():
        raise ValueError(f"{output}: the capture would replace the recording it is made from")
    if output.exists() and not overwrite:
        raise FileExistsError(f"{output} exists; choose another name or allow overwriting it")


# Reading ---------------------------------------------------------------------


def _read(source: Path) -> tuple[Kind, list[Exchange | str]]:
    """The kind of `source` and its records, told apart by their first bytes."""
    with source.open("rb") as stream:
        head = stream.peek(16)[:16]
        if _is_zlib(head):
            return "har", _read_har(_decompress(source, stream.read()), f"{source}: zlib-compressed content")
        if head.removeprefix(_BOM).lstrip()[:1] in (b"{", b"["):
            return "har", _read_har(stream.read(), str(source))
        if head[:1].isdigit():  # a tnetstring starts with its length
            return "mitmproxy", _read_flows(stream, source)
    raise RecordingFormatError(f"{source}: expected {EXPECTED}, found {_describe(head)}")


def _is_zlib(head: bytes) -> bool:
    """A zlib stream header (RFC 1950): deflate, 32K window, a valid check value."""
    return len(head) >= 2 and head[0] == 0x78 and int.from_bytes(head[:2], "big") % 31 == 0


def _decompress(source: Path, data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error as error:
        raise RecordingFormatError(
            f"{source}: starts like zlib-compressed data (.zhar) but does not decompress: {error}"
        ) from None


def _read_har(data: bytes, what: str) -> list[Exchange | str]:
    try:
        return list(har.read_har(data.removeprefix(_BOM)))
    except har.HarError as error:
        raise RecordingFormatError(f"{what}: {error}") from None


def _read_flows(stream: BinaryIO, source: Path) -> list[Exchange | str]:
    try:
        return list(read_flow_file(stream))
    except FlowFileError as error:
        raise RecordingFormatError(f"{source}: {error}") from None


def _describe(head: bytes) -> str:
    if not head:
        return "an empty file"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return f"binary data starting with {head[:8].hex(' ')}"
    return f"text starting with {text!r}"


# Direction and order ---------------------------------------------------------


class _HubMatcher:
    """Whether a URL calls the hub: its host, or host:port, is one of the hub hosts."""

    def __init__(self, hub_hosts: Sequence[str]) -> None:
        self._wanted = {normalise_host(host) for host in hub_hosts}

    def direction(self, url: str) -> Direction:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = _port(parts)
        forms = {host, f"{_bracketed(host)}:{port}"} if port is not None else {host}
        return TO_HUB if forms & self._wanted else TO_PARTNER


def normalise_host(text: str) -> str:
    """`Host`, `host:443`, `::1` or `https://host/ocpi` -> `host` / `host:443`, lower case.

    A `ValueError` for text that names no host (empty, or a port that is no number)."""
    given = text.strip()
    if given.count(":") > 1 and "[" not in given and "://" not in given:
        given = f"[{given}]"  # a bare IPv6 address: its colons are no port
    parts = urlsplit(given if "://" in given else f"//{given}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # the port
        host = None
    if not host:
        raise ValueError(f"not a host, host:port or URL: {text!r}")
    return f"{_bracketed(host)}:{port}" if port is not None else host


def _port(parts: SplitResult) -> int | None:
    """The port a URL calls: explicit, or its scheme's default."""
    try:
        explicit = parts.port
    except ValueError:
        return None
    return explicit if explicit is not None else _DEFAULT_PORTS.get(parts.scheme.lower())


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _number(drafts: list[Exchange], hub: _HubMatcher) -> list[Exchange]:
    """Exchanges numbered from 1 by request start time, ties in file order, with directions.

    Capture timestamps have a fixed width, so they sort as strings in time order.
    """
    ordered = sorted(drafts, key=lambda exchange: exchange.started)  # sorted() is stable
    return [
        msgspec.structs.replace(exchange, seq=seq, direction=hub.direction(exchange.request.url))
        for seq, exchange in enumerate(ordered, start=1)
    ]


def _base_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _peers(exchanges: list[Exchange]) -> dict[str, str]:
    """The upstream of the first exchange in each direction."""
    peers: dict[str, str] = {}
    for exchange in exchanges:
        peers.setdefault(exchange.direction, _base_url(exchange.request.url))
    return {direction: peers[direction] for direction in (TO_HUB, TO_PARTNER) if direction in peers}


def _no_hub_hosts_message(source: Path, exchanges: list[Exchange]) -> str:
    hosts = Counter(urlsplit(exchange.request.url).netloc.rpartition("@")[2].lower() for exchange in exchanges)
    if not hosts:
        return f"no hub hosts given, and {source} holds no HTTP exchanges to tell them from"
    seen = ", ".join(
        f"{host} ({count} exchange{'s' if count != 1 else ''})" for host, count in sorted(hosts.items())
    )
    return f"no hub hosts given: say which host of {source} is the hub; hosts seen: {seen}"


# Writing ---------------------------------------------------------------------


def _write(output: Path, exchanges: list[Exchange], header: Header, overwrite: bool) -> None:
    # "x" refuses a file created since the check, instead of replacing it.
    with output.open("wb" if overwrite else "xb") as stream:
        writer = CaptureWriter(stream, header)
        for exchange in exchanges:
            writer.write(exchange)
