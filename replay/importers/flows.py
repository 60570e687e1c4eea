"""mitmproxy HTTP flows to capture exchanges.

Used live by the recorder addon and offline by `ocpi-tap import` for flow
files written with `mitmdump -w`. Bodies are recorded decoded (a gzip body
is stored as the JSON it carries; its headers still say `Content-Encoding`).
"""

from __future__ import annotations

import re
from typing import Final

from mitmproxy import http

from ..capture import Exchange, Request, Response, body_fields, format_timestamp
from ..capture.model import Direction, HeaderField

IN_FLIGHT_AT_SHUTDOWN: Final = "in flight when the recorder stopped"
NO_RESPONSE: Final = "no response"
# mitmproxy decodes a request target with surrogateescape: each byte that is not UTF-8 becomes a lone surrogate.
_ESCAPED_BYTE_RE: Final = re.compile("[\udc80-\udcff]")


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def header_fields(headers: http.Headers) -> list[HeaderField]:
    """Headers in wire order, duplicates kept, names as sent."""
    return [(_text(name), _text(value)) for name, value in headers.fields]


def _url(request: http.Request) -> str:
    """The request's URL, with the bytes of the target that are not UTF-8 percent-encoded, as a URL
    parser takes them: a capture is UTF-8, and such a URL still means what the upstream was sent."""
    return _ESCAPED_BYTE_RE.sub(lambda byte: f"%{ord(byte[0]) - 0xDC00:02X}", request.url)


def _content(message: http.Message) -> bytes | None:
    # strict=False: a body whose Content-Encoding is wrong is kept as sent.
    return message.get_content(strict=False)


def request_record(request: http.Request) -> Request:
    return Request(
        method=_text(request.data.method).upper(),
        url=_url(request),
        headers=header_fields(request.headers),
        **body_fields(_content(request)),
    )


def response_record(response: http.Response) -> Response:
    return Response(
        status=response.status_code,
        headers=header_fields(response.headers),
        **body_fields(_content(response)),
    )


def exchange_from_flow(
    flow: http.HTTPFlow, seq: int, direction: Direction, *, in_flight: bool = False
) -> Exchange:
    """The exchange a flow records; `in_flight` marks one cut off by shutdown."""
    response = flow.response
    ended = response.timestamp_end if response is not None and not in_flight else None
    exchange = Exchange(
        seq=seq,
        direction=direction,
        started=format_timestamp(flow.request.timestamp_start),
        ended=format_timestamp(ended) if ended is not None else None,
        request=request_record(flow.request),
        response=response_record(response) if response is not None and ended is not None else None,
    )
    if flow.error is not None:
        exchange.error = flow.error.msg
    elif in_flight:
        exchange.error = IN_FLIGHT_AT_SHUTDOWN
    elif exchange.response is None:
        exchange.error = NO_RESPONSE  # the format wants a reason wherever a response is missing
    return exchange
