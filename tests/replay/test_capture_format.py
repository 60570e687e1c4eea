"""The capture format: what the writer writes the reader gives back; bad input is reported, not fatal."""

from __future__ import annotations

import base64
import gzip
import io
import json
from pathlib import Path

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpi_tap.replay.capture import (
    CaptureError,
    CaptureReader,
    CaptureWriter,
    Exchange,
    LineProblem,
    Request,
    Response,
    body_bytes,
    body_fields,
    decode_exchange,
    encode_line,
    format_timestamp,
    new_header,
    parse_timestamp,
)
from ocpi_tap.replay.capture.model import ExchangeHead
from ocpi_tap.replay.capture.reader import decode_head, is_gzip, open_lines
from ocpi_tap.replay.check import HEAD_REPEATED, check_capture

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
headers = st.lists(st.tuples(header_text.filter(bool), header_text), max_size=5)
bodies = st.one_of(
    st.just(b""),
    json_values.map(lambda value: json.dumps(value, indent=1).encode()),
    st.text().map(str.encode),
    st.binary(max_size=64),
)
times = st.floats(min_value=0, max_value=4_000_000_000, allow_nan=False)


@st.composite
def exchanges(draw: st.DrawFn) -> Exchange:
    started = draw(times)
    request = Request(
        method=draw(st.sampled_from(["GET", "PUT", "PATCH", "POST", "DELETE"])),
        url="https://hub.example.org/ocpi/2.2.1/" + draw(st.text("abcXYZ019/?=&%", max_size=20)),
        headers=draw(headers),
        **body_fields(draw(bodies)),
    )
    answered = draw(st.booleans())
    exchange = Exchange(
        seq=draw(st.integers(min_value=1, max_value=2**40)),
        direction=draw(st.sampled_from(["to_hub", "to_partner"])),
        started=format_timestamp(started),
        ended=format_timestamp(started + draw(st.floats(0, 100))) if answered else None,
        request=request,
        response=(
            Response(status=draw(st.integers(100, 599)), headers=draw(headers), **body_fields(draw(bodies)))
            if answered
            else None
        ),
    )
    if not answered or draw(st.booleans()):
        exchange.error = draw(st.text(max_size=40))
    return exchange


def write_capture(path: Path, records: list[Exchange]) -> None:
    with path.open("wb") as stream:
        writer = CaptureWriter(stream, new_header({"to_hub": "https://hub.example.org"}))
        for record in records:
            writer.write(record)


def read_back(path: Path) -> list[tuple[int, Exchange] | LineProblem]:
    with CaptureReader(path) as reader:
        return list(reader)


def normalised(exchange: Exchange) -> object:
    """An exchange as plain data, bodies decoded (Raw compares by identity)."""
    return msgspec.json.decode(msgspec.json.encode(exchange))


@settings(max_examples=150, deadline=None)
@given(st.lists(exchanges(), max_size=6))
def test_what_the_writer_writes_the_reader_gives_back(tmp_path_factory: pytest.TempPathFactory, records: list[Exchange]) -> None:
    path = tmp_path_factory.mktemp("roundtrip") / "capture.jsonl"
    write_capture(path, records)
    items = read_back(path)
    assert all(not isinstance(item, LineProblem) for item in items)
    assert [line for line, _ in items] == list(range(2, len(records) + 2))  # type: ignore[misc]
    assert [normalised(exchange) for _, exchange in items] == [normalised(r) for r in records]  # type: ignore[misc]
    assert path.read_bytes().count(b"\n") == len(records) + 1  # one line each, no raw newline inside


@settings(max_examples=200, deadline=None)
@given(bodies)
def test_body_forms_keep_the_bytes(content: bytes) -> None:
    fields = body_fields(content)
    request = Request(method="POST", url="http://x", **fields)
    stored = body_bytes(request)
    if "body" in fields:
        assert msgspec.json.decode(stored) == msgspec.json.decode(content)
        assert b"\n" not in stored
    else:
        assert stored == content
    if content:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            assert "b64" in fields
        else:
            assert "b64" not in fields


def test_json_numbers_keep_their_digits() -> None:
    fields = body_fields(b'{"kwh": 1.10, "big": 123456789012345678901234567890, "e": 1E+2}')
    assert bytes(fields["body"]) == b'{"kwh":1.10,"big":123456789012345678901234567890,"e":1E+2}'


def test_timestamps_are_utc_with_microseconds() -> None:
    assert format_timestamp(0) == "1970-01-01T00:00:00.000000Z"
    assert format_timestamp(1.25) == "1970-01-01T00:00:01.250000Z"
    assert parse_timestamp("2026-11-23T09:00:01.123456Z").microsecond == 123456
    with pytest.raises(ValueError, match="capture timestamp"):
        parse_timestamp("2026-11-23T09:00:01Z")


def _capture_lines(*lines: bytes) -> bytes:
    header = msgspec.json.encode(new_header())
    return b"\n".join((header, *lines))


GOOD = (b'{"seq":1,"direction":"to_hub","started":"2026-11-23T09:00:01.000000Z","ended":null,'
        b'"request":{"method":"GET","url":"https://hub.example.org/ocpi/versions"},"response":null,"error":"x"}')


def test_malformed_lines_are_reported_with_their_number_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    wrong_type = GOOD.replace(b'"seq":1', b'"seq":"one"')
    bad_time = GOOD.replace(b"09:00:01.000000Z", b"09:00:01+01:00")
    path.write_bytes(_capture_lines(GOOD, b"{not json", wrong_type, b"", bad_time, GOOD.replace(b'"seq":1', b'"seq":6')) + b"\n")
    items = read_back(path)
    problems = [item for item in items if isinstance(item, LineProblem)]
    assert [p.line for p in problems] == [3, 4, 6]
    assert "$.seq" in problems[1].message and "int" in problems[1].message
    assert "$.started" in problems[2].message
    assert not any(p.truncated for p in problems)
    assert [item[1].seq for item in items if not isinstance(item, LineProblem)] == [1, 6]


def test_reading_with_lines_gives_each_head_and_a_line_that_decodes_to_the_whole_exchange(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    bad_request = GOOD.replace(b'"method":"GET"', b'"method":7')
    path.write_bytes(_capture_lines(GOOD, b"{not json", bad_request, GOOD.replace(b'"seq":1', b'"seq":6'), GOOD[:40]))
    with CaptureReader(path) as reader:
        with_lines = list(reader.with_lines())
    plain = read_back(path)
    # The same lines are problems, except one whose head reads: its request is found wrong when decoded whole.
    assert [item.line for item in with_lines if isinstance(item, LineProblem)] == [3, 6]
    assert [item.line for item in plain if isinstance(item, LineProblem)] == [3, 4, 6]
    heads = [item for item in with_lines if not isinstance(item, LineProblem)]
    assert [(line, head.seq) for line, head, _ in heads] == [(2, 1), (4, 1), (5, 6)]
    whole = {item[0]: item[1] for item in plain if not isinstance(item, LineProblem)}
    for line, head, text in heads:
        if line == 4:
            with pytest.raises(msgspec.ValidationError, match=r"\$\.request\.method"):
                decode_exchange(text)
            continue
        exchange = decode_exchange(text)
        assert exchange == whole[line]
        assert (head.seq, head.direction, head.started, head.ended) == (
            exchange.seq, exchange.direction, exchange.started, exchange.ended)


@settings(max_examples=150, deadline=None)
@given(exchanges())
def test_a_head_read_from_the_first_bytes_is_the_one_the_decoder_reads(record: Exchange) -> None:
    written = encode_line(record)
    for line in (written, orjson.dumps(orjson.loads(written), option=orjson.OPT_SORT_KEYS) + b"\n",
                 written.replace(b'","', b'", "', 1)):  # as written; keys sorted; a space in the head
        read = decode_head(2, line)
        assert not isinstance(read, LineProblem) and read is not None
        assert read == (2, msgspec.json.decode(line, type=ExchangeHead))


def test_a_head_given_twice_with_other_values_is_a_malformed_line_and_the_rest_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "repeated.jsonl"
    later = GOOD.replace(b'"seq":1', b'"seq":2').replace(b"09:00:01", b"09:00:05")
    repeated = GOOD.replace(b'"error":"x"}', b'"error":"x","seq":3}')  # read first as seq 1, by the decoder as 3
    path.write_bytes(_capture_lines(GOOD.replace(b'"seq":1', b'"seq":5'), repeated, later) + b"\n")
    result = check_capture(path)
    malformed = [f for f in result.findings if f.code == "CAP001"]
    assert [(f.line, f.message) for f in malformed] == [(3, f"not a valid exchange: {HEAD_REPEATED}")]
    assert result.exchanges == 2
    assert {f.line for f in result.findings if f.code == "ENV402"} == {2, 4}  # the others were checked: no answer


def test_a_truncated_last_line_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    path.write_bytes(_capture_lines(GOOD, GOOD[:40]))
    items = read_back(path)
    assert isinstance(items[0], tuple) and items[0][0] == 2
    assert items[1] == LineProblem(3, items[1].message, truncated=True)  # type: ignore[union-attr]


def test_gzip_captures_are_read(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl.gz"
    path.write_bytes(gzip.compress(_capture_lines(GOOD, GOOD) + b"\n"))
    assert [item[1].seq for item in read_back(path)] == [1, 1]  # type: ignore[index]


def test_gzip_is_told_by_the_bytes_and_open_lines_gives_what_the_reader_reads(tmp_path: Path) -> None:
    lines = _capture_lines(GOOD, GOOD) + b"\n"
    plain, packed, misnamed = tmp_path / "day.jsonl", tmp_path / "day.jsonl.gz", tmp_path / "other.jsonl"
    plain.write_bytes(lines)
    packed.write_bytes(gzip.compress(lines))
    misnamed.write_bytes(gzip.compress(lines))
    assert [is_gzip(path) for path in (plain, packed, misnamed)] == [False, True, True]
    for path in (plain, packed, misnamed):
        with open_lines(path) as stream:
            assert stream.read() == lines


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_a_refused_header_leaves_no_file_open(tmp_path: Path, compressed: bool) -> None:
    import gc
    import warnings

    path = tmp_path / ("bad.jsonl.gz" if compressed else "bad.jsonl")
    path.write_bytes(gzip.compress(b"not a header\n") if compressed else b"not a header\n")
    gc.collect()  # what earlier tests left behind (event loops of the proxy tests) is not this reader's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(CaptureError):
            CaptureReader(path)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning) and path.name in str(w.message)] == []


def test_a_gzip_capture_cut_short_keeps_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl.gz"
    whole = gzip.compress(_capture_lines(*[GOOD] * 200) + b"\n")
    path.write_bytes(whole[: len(whole) - 20])
    items = read_back(path)
    assert isinstance(items[-1], LineProblem) and items[-1].truncated
    assert sum(1 for item in items if isinstance(item, tuple)) > 100


def test_a_gzip_capture_whose_checksum_fails_is_corrupt_not_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl.gz"
    whole = gzip.compress(_capture_lines(GOOD, GOOD) + b"\n")
    path.write_bytes(whole[:-8] + bytes(4) + whole[-4:])  # the CRC-32 of the trailer zeroed
    items = read_back(path)
    assert [item[0] for item in items if isinstance(item, tuple)] == [2, 3]
    assert items[-1] == LineProblem(4, items[-1].message)  # type: ignore[union-attr]
    assert items[-1].message.startswith("cannot read further: CRC check failed")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("first_line", "message"),
    [
        (b"", "line 1 is blank"),
        (b"  \r", "line 1 is blank"),
        (b"\xef\xbb\xbf" + msgspec.json.encode(new_header()), "line 1 starts with a byte order mark"),
        (b"not json", "not a capture header"),
        (b'{"format": "har", "version": 1}', "not an ocpi-capture file"),
        (b"[1, 2]", "not an ocpi-capture file"),
        (b'{"format": "ocpi-capture"}', "no valid version"),
        (b'{"format": "ocpi-capture", "version": 2, "created": "x"}', "version 2 is newer"),
        (b'{"format": "ocpi-capture", "version": 1}', "invalid capture header"),
    ],
)
def test_what_is_not_a_readable_capture_is_refused_clearly(tmp_path: Path, first_line: bytes, message: str) -> None:
    path = tmp_path / "capture.jsonl"
    path.write_bytes(first_line + b"\n" + GOOD + b"\n")
    with pytest.raises(CaptureError, match=message):
        CaptureReader(path)


def test_an_empty_file_is_refused_clearly(tmp_path: Path) -> None:
    for name, content in (("empty.jsonl", b""), ("empty.jsonl.gz", gzip.compress(b""))):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CaptureError, match="empty file, no capture header"):
            CaptureReader(tmp_path / name)


def test_a_missing_file_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="cannot open"):
        CaptureReader(tmp_path / "nowhere.jsonl")


def test_unknown_header_keys_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    header = json.loads(msgspec.json.encode(new_header()))
    header["from_the_future"] = {"x": 1}
    path.write_bytes(json.dumps(header).encode() + b"\n" + GOOD + b"\n")
    with CaptureReader(path) as reader:
        assert reader.header.version == 1
        assert len(list(reader)) == 1


def test_writer_flushes_every_line() -> None:
    class Recording(io.BytesIO):
        flushes = 0

        def flush(self) -> None:
            self.flushes += 1

    stream = Recording()
    writer = CaptureWriter(stream, new_header())
    exchange = msgspec.json.decode(GOOD, type=Exchange)
    writer.write(exchange)
    writer.write(exchange)
    assert stream.flushes == 3
    assert stream.getvalue().count(b"\n") == 3


def test_b64_bodies_decode() -> None:
    raw = bytes(range(256))
    fields = body_fields(raw)
    assert fields == {"b64": base64.b64encode(raw).decode()}


def test_header_lookup_is_case_insensitive_takes_the_first_value_and_keeps_each_messages_values() -> None:
    names = ["X-Request-ID", "x-request-id", "Content-Type"]
    first = Request(method="GET", url="https://hub.example.org/ocpi/versions",
                    headers=list(zip(names, ["r1", "r1-again", "application/json"])))
    second = Request(method="GET", url="https://hub.example.org/ocpi/versions",
                     headers=list(zip(names, ["r2", "r2-again", "text/plain"])))  # the same names: one layout
    assert [first.header("x-REQUEST-id"), first.header("content-type"), first.header("Link")] == [
        "r1", "application/json", None]
    assert [second.header("X-Request-ID"), second.header("Content-Type")] == ["r2", "text/plain"]
    # Asked in the exact spelling of a later duplicate, the first value still wins.
    assert [first.header("x-request-id"), second.header("x-request-id")] == ["r1", "r2"]
    reordered = Response(status=200, headers=[("content-type", "application/json"), ("X-Request-ID", "r3")])
    assert [reordered.header("X-Request-ID"), reordered.header("Content-Type")] == ["r3", "application/json"]
