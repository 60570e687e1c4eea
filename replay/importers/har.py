"""HAR 1.2 files (browser dev tools, mitmproxy's `hardump`) to capture exchanges.

Bodies go through `body_fields`, as the recorder's do, so a body is stored as
JSON, text or base64 by the same rule whichever tool recorded it. HAR keeps
bodies decoded (no `Content-Encoding` applied), like the recorder; headers
stay as recorded.

An entry that cannot become an exchange (not http(s), no valid start time, an
unknown content encoding, a malformed entry) is skipped with a reason rather
than failing the whole file; a file that is not a HAR at all is a `HarError`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import msgspec

from ..capture import TO_PARTNER, Exchange, Request, Response, body_fields, format_timestamp
from ..capture.model import HeaderField

EXPECTED: Final = 'a HAR file (a JSON object with "log": {"entries": [...]})'
NO_RESPONSE: Final = "no response (HAR status 0)"


class HarError(ValueError):
    """The data is not a HAR file; the message says what was found instead."""


class _NameValue(msgspec.Struct):
    name: str
    value: str = ""


class _PostData(msgspec.Struct):
    text: str | None = None
    params: list[_NameValue] = []


class _HarRequest(msgspec.Struct):
    method: str
    url: str
    headers: list[_NameValue] = []
    postData: _PostData | None = None  # noqa: N815  (HAR's name)


class _Content(msgspec.Struct):
    text: str | None = None
    encoding: str | None = None


class _HarResponse(msgspec.Struct):
    status: int = 0
    headers: list[_NameValue] = []
    content: _Content | None = None
    error: str | None = msgspec.field(default=None, name="_error")  # Chrome, mitmproxy


class _Entry(msgspec.Struct):
    startedDateTime: str  # noqa: N815
    request: _HarRequest
    time: float | None = None  # total milliseconds
    response: _HarResponse | None = None


class _Log(msgspec.Struct):
    # Kept raw so that one malformed entry is skipped instead of failing the file.
    entries: list[msgspec.Raw]


class _Har(msgspec.Struct):
    log: _Log


_har_decoder: Final = msgspec.json.Decoder(_Har)
_entry_decoder: Final = msgspec.json.Decoder(_Entry)


class _Skip(Exception):
    """An entry that cannot become an exchange; the message is the reason."""


def read_har(data: bytes) -> Iterator[Exchange | str]:
    """The exchanges of a HAR document, in file order, or for a skipped entry the reason.

    Each exchange's `seq` is its entry's position in the file (from 1) and its
    direction is `to_partner`: only the caller knows which host is the hub and
    numbers the exchanges by start time.
    """
    entries = _decode_har(data)
    for position, raw in enumerate(entries, start=1):
        try:
            entry = _entry_decoder.decode(raw)
            yield _exchange(entry, position)
        except msgspec.ValidationError as error:
            yield f"invalid HAR entry: {error}"
        except _Skip as skip:
            yield str(skip)


def _decode_har(data: bytes) -> list[msgspec.Raw]:
    try:
        return _har_decoder.decode(data).log.entries
    except msgspec.MsgspecError as error:
        raise HarError(f"expected {EXPECTED}, found {_describe(data, error)}") from None


def _describe(data: bytes, error: msgspec.MsgspecError) -> str:
    """What data that is not a HAR is, in a few words."""
    # Validation runs while parsing: a ValidationError does not mean the JSON is valid.
    try:
        document: Any = msgspec.json.decode(data)
    except msgspec.DecodeError as not_json:
        return _describe_not_json(data, not_json)
    return f"{_describe_json(document)} ({error})"


def _describe_json(document: Any) -> str:
    if isinstance(document, dict):
        keys = sorted(document)[:8]
        return f"a JSON object with keys {keys}" if keys else "an empty JSON object"
    return f"a JSON {type(document).__name__}"


def _describe_not_json(data: bytes, error: msgspec.DecodeError) -> str:
    """Text that is not JSON; a capture (JSON Lines) is named as such."""
    first_line = data.split(b"\n", 1)[0]
    try:
        first: Any = msgspec.json.decode(first_line)
    except msgspec.DecodeError:
        return f"data that is not valid JSON ({error})"
    if isinstance(first, dict) and "format" in first:
        return f"JSON Lines whose first line has format {first['format']!r}, not one JSON document"
    return f"data that is not one JSON document ({error})"


def _exchange(entry: _Entry, position: int) -> Exchange:
    started = _started(entry.startedDateTime)
    request = _request(entry.request)
    response = entry.response
    exchange = Exchange(
        seq=position,
        direction=TO_PARTNER,
        started=format_timestamp(started),
        ended=None,
        request=request,
        response=None,
    )
    if response is None or response.status == 0:
        exchange.error = (response.error if response is not None else None) or NO_RESPONSE
        return exchange
    exchange.response = _response(response)
    exchange.ended = format_timestamp(started + timedelta(milliseconds=max(entry.time or 0.0, 0.0)))
    if response.error:
        exchange.error = response.error
    return exchange


def _started(text: str) -> datetime:
    """`startedDateTime` as an aware datetime; without an offset it means UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Skip(f"startedDateTime is not an ISO 8601 time: {text[:40]!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _request(har: _HarRequest) -> Request:
    parts = urlsplit(har.url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise _Skip(f"not an http(s) URL: {parts.scheme or har.url[:40]!r}")
    return Request(
        method=har.method.upper(),
        url=har.url,
        headers=_headers(har.headers),
        **body_fields(_request_body(har.postData)),
    )


def _request_body(post: _PostData | None) -> bytes | None:
    if post is None:
        return None
    if post.text is not None:
        return _utf8(post.text)
    # Without `text` only the form fields are known: re-encode them as a form.
    return urlencode([(param.name, param.value) for param in post.params]).encode("ascii")


def _response(har: _HarResponse) -> Response:
    return Response(
        status=har.status,
        headers=_headers(har.headers),
        **body_fields(_response_body(har.content)),
    )


def _response_body(content: _Content | None) -> bytes | None:
    if content is None or content.text is None:
        return None
    if content.encoding is None or content.encoding == "":
        return _utf8(content.text)
    if content.encoding.lower() != "base64":
        raise _Skip(f"response content encoding {content.encoding!r} is not supported")
    try:
        return base64.b64decode(content.text, validate=True)
    except (binascii.Error, ValueError):
        raise _Skip("response content says base64 but is not valid base64") from None


def _headers(fields: list[_NameValue]) -> list[HeaderField]:
    """Headers in recorded order; HTTP/2 pseudo-headers (`:authority`) are left out,
    as mitmproxy, and so the recorder, never lists them among the headers."""
    return [(field.name, field.value) for field in fields if not field.name.startswith(":")]


def _utf8(text: str) -> bytes:
    # surrogatepass: a lone surrogate from a JSON escape stays visible (as base64)
    # instead of failing the import.
    return text.encode("utf-8", "surrogatepass")
