"""Streaming reader of captures (`.jsonl`, or gzip-compressed `.jsonl.gz`).

The header is checked when the capture is opened: a file that is not a
capture, or of a newer format version, is refused with `CaptureError`. After
that nothing stops the reading: a malformed line comes out as a `LineProblem`
with its line number, in its place among the exchanges, and reading goes on.
A last line cut short (a recorder killed mid-write) is a `LineProblem` marked
`truncated`.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Final, TypeVar

import msgspec

from .model import FORMAT, TIMESTAMP_PATTERN, VERSION, Exchange, ExchangeHead, Header

_GZIP_MAGIC: Final = b"\x1f\x8b"
_exchange_decoder: Final = msgspec.json.Decoder(Exchange)
_header_decoder: Final = msgspec.json.Decoder(Header)


class CaptureError(Exception):
    """A capture that cannot be read at all: missing, not a capture, or too new."""


class LineProblem(msgspec.Struct, frozen=True):
    """A line of the capture that is not a valid exchange."""

    line: int
    message: str
    truncated: bool = False


_head_decoder: Final = msgspec.json.Decoder(ExchangeHead)
# The head as the capture writer puts it: first, in this order, compact, each value as the decoder
# would check it. Such a head is read from the line's first bytes; the decoder, to be sure there
# is no more of it, parses the rest of the line, bodies and all. Any other line goes to the decoder.
_STAMP: Final = TIMESTAMP_PATTERN.removeprefix("^").removesuffix("$").encode()
_WRITTEN_HEAD: Final = re.compile(
    rb'\{"seq":([1-9][0-9]{0,17}),"direction":"(to_hub|to_partner)","started":"(%s)","ended":(?:"(%s)"|null),'
    % (_STAMP, _STAMP))

# What decoding a line raises: msgspec's errors, a line that is not UTF-8 (`_utf8`), and JSON nested
# deeper than msgspec goes (it counts its depth against Python's recursion limit).
LineError = msgspec.MsgspecError | UnicodeDecodeError | RecursionError
LINE_ERRORS: Final = (msgspec.MsgspecError, UnicodeDecodeError, RecursionError)

ReadItem = tuple[int, Exchange] | LineProblem
LineItem = tuple[int, ExchangeHead, bytes] | LineProblem  # an exchange's head with the line it was read from


def decode_exchange(line: bytes) -> Exchange:
    """The whole exchange of a line whose head has been read; one of `LINE_ERRORS` if the rest is not one."""
    _utf8(line)
    return _exchange_decoder.decode(line)


def _utf8(line: bytes) -> None:
    """`UnicodeDecodeError` unless `line` is UTF-8. msgspec checks the strings it decodes, but not the
    bodies it keeps `Raw`, and those must decode later, in the checks."""
    if not line.isascii():
        line.decode()


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """Whether a capture file is gzip-compressed: by its first bytes, as the reader decides, not its name."""
    with Path(path).open("rb") as raw:
        return raw.read(2) == _GZIP_MAGIC


@contextmanager
def open_lines(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A capture file's bytes as `CaptureReader` reads its lines (decompressed if gzip), unchecked."""
    stream, raw = _open(Path(path))
    try:
        yield stream
    finally:
        stream.close()
        raw.close()


def _open(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """The stream to read lines from, and the file under it (the same unless gzip)."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise CaptureError(f"{path}: cannot open: {error.strerror or error}") from error
    if raw.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw  # type: ignore[return-value]  # a BinaryIO in all but name
    return raw, raw


def _problem_text(error: LineError) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"line is not UTF-8: {error.reason} (byte {error.start})"
    if isinstance(error, RecursionError):
        return "JSON is nested too deeply"
    return str(error).replace("Input data was truncated", "JSON is cut short")


def decode_header(line: bytes, where: str) -> Header:
    """The header in `line`, or `CaptureError` saying why it is not one."""
    if line.startswith(codecs.BOM_UTF8):  # as some editors save a file: JSON would say "invalid character"
        raise CaptureError(f"{where}: line 1 starts with a byte order mark (U+FEFF); a capture is UTF-8 without one")
    try:
        _utf8(line)
        first: Any = msgspec.json.decode(line)
    except LINE_ERRORS as error:
        raise CaptureError(f"{where}: line 1 is not a capture header: {_problem_text(error)}") from None
    if not isinstance(first, dict) or first.get("format") != FORMAT:
        found = first.get("format") if isinstance(first, dict) else type(first).__name__
        raise CaptureError(f"{where}: not an {FORMAT} file (line 1 has format {found!r})")
    version = first.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CaptureError(f"{where}: capture header has no valid version (found {version!r})")
    if version > VERSION:
        raise CaptureError(
            f"{where}: capture format version {version} is newer than this ocpi-tap reads "
            f"(up to {VERSION}); upgrade ocpi-tap"
        )
    try:
        return _header_decoder.decode(line)
    except msgspec.ValidationError as error:
        raise CaptureError(f"{where}: invalid capture header: {error}") from None


def line_problem(number: int, line: bytes, error: LineError) -> LineProblem:
    """Why line `number` is not an exchange. A line that lacks its newline is the cut last line."""
    return LineProblem(number, _problem_text(error), not line.endswith(b"\n"))


def decode_line(number: int, line: bytes) -> ReadItem | None:
    """One exchange line as iterating a `CaptureReader` reads it (None for a blank line)."""
    return _decode(_exchange_decoder, number, line)


def decode_head(number: int, line: bytes) -> tuple[int, ExchangeHead] | LineProblem | None:
    """The head of one exchange line (None for a blank line), for readers that take the rest
    later (`decode_exchange`): the replay, and the live checker as the capture grows.

    Both must check that the whole exchange agrees with its head (`agrees`): where a line repeats a
    head key, the decoder takes the last value, and the head may have been read from the first."""
    written = _WRITTEN_HEAD.match(line)
    if written is None:
        return _decode(_head_decoder, number, line)
    seq, direction, started, ended = written.groups()
    return number, ExchangeHead(seq=int(seq), direction="to_hub" if direction == b"to_hub" else "to_partner",
                                started=started.decode(), ended=None if ended is None else ended.decode())


def agrees(exchange: Exchange, head: ExchangeHead) -> bool:
    """Whether the whole exchange of a line has the head read from it first."""
    return (exchange.seq == head.seq and exchange.started == head.started and exchange.ended == head.ended
            and exchange.direction == head.direction)


Decoded = TypeVar("Decoded")


def _decode(decoder: msgspec.json.Decoder[Decoded], number: int,
            line: bytes) -> tuple[int, Decoded] | LineProblem | None:
    try:
        _utf8(line)
        return number, decoder.decode(line)
    except LINE_ERRORS as error:
        return line_problem(number, line, error) if line.strip() else None


class CaptureReader:
    """Reads one capture lazily: `header` at once, exchanges as they are iterated."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._stream, self._file = _open(self.path)
        try:
            first = self._read_first_line()
            self.header = decode_header(first, str(self.path))
        except BaseException:
            self.close()
            raise

    def _read_first_line(self) -> bytes:
        try:
            first = self._stream.readline()
        except (OSError, EOFError, zlib.error) as error:
            raise CaptureError(f"{self.path}: cannot read: {error}") from error
        if not first:
            raise CaptureError(f"{self.path}: empty file, no capture header")
        if not first.strip():
            raise CaptureError(f"{self.path}: line 1 is blank, not a capture header")
        return first

    def __iter__(self) -> Iterator[ReadItem]:
        for item in self._lines():
            if isinstance(item, LineProblem):
                yield item
            else:
                decoded = decode_line(*item)
                if decoded is not None:
                    yield decoded

    def with_lines(self) -> Iterator[LineItem]:
        """Each exchange's head with its line, for a replay: it holds back only the line of an exchange
        that must wait for time order (one object, not the decoded tree) and decodes it in full when
        it is due. A line whose head reads but whose rest does not is found then."""
        for item in self._lines():
            if isinstance(item, LineProblem):
                yield item
            else:
                head = decode_head(*item)
                if isinstance(head, LineProblem):
                    yield head
                elif head is not None:
                    yield head[0], head[1], item[1]

    def _lines(self) -> Iterator[tuple[int, bytes] | LineProblem]:
        line_no = 1
        try:
            for line_no, line in enumerate(self._stream, start=2):
                yield line_no, line
        except EOFError as error:
            # A gzip file cut short: what was read stands, the rest is reported.
            yield LineProblem(line_no + 1, f"cannot read further: {error}", truncated=True)
        except (OSError, zlib.error) as error:
            # Corrupt (or unreadable) further on: not a recorder stopped mid-write, and whatever came after is lost.
            yield LineProblem(line_no + 1, f"cannot read further: {error}")

    def fraction_read(self) -> float | None:
        """How far into the file reading is (0..1; of the compressed bytes for gzip), None if unknown."""
        try:
            size = os.fstat(self._file.fileno()).st_size
            return min(self._file.tell() / size, 1.0) if size else None
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        self._stream.close()
        self._file.close()

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
