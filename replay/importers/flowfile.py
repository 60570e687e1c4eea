"""mitmproxy flow files (`mitmdump -w`) to capture exchanges.

Each HTTP flow becomes an exchange through `exchange_from_flow`, exactly as
the recorder converts a live flow; TCP, UDP and DNS flows, and CONNECT
requests (tunnel set-up, not an OCPI call), are skipped with a reason.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO, Final

from mitmproxy import exceptions, flow, http
from mitmproxy.io import FlowReader

from ..capture import TO_PARTNER, Exchange
from .flows import exchange_from_flow

EXPECTED: Final = "a mitmproxy flow file (written by mitmdump -w)"
TRUNCATED: Final = "last flow cut short (the flow file is truncated)"

# What mitmproxy raises on data that is not a flow file. Besides its own
# exception, 11.x lets AttributeError out for a record that is not a dict.
_READ_ERRORS: Final = (exceptions.FlowReadException, AttributeError, KeyError, TypeError)


class FlowFileError(ValueError):
    """mitmproxy cannot read the stream; `flows_read` flows came before the problem."""

    def __init__(self, message: str, flows_read: int) -> None:
        super().__init__(message)
        self.flows_read = flows_read


def read_flow_file(stream: BinaryIO) -> Iterator[Exchange | str]:
    """The exchanges of a flow file, in file order, or for a skipped flow the reason.

    Each exchange's `seq` is its flow's position in the file (from 1) and its
    direction is `to_partner`: only the caller knows which host is the hub and
    numbers the exchanges by start time.

    A file that ends inside a flow (mitmdump killed while writing) keeps the
    flows before it, and the cut one is skipped; bad data anywhere else is a
    `FlowFileError`.
    """
    flows = iter(FlowReader(stream).stream())
    position = 0
    while True:
        try:
            item = next(flows, None)
        except _READ_ERRORS as error:
            if position and _at_end(stream):
                yield TRUNCATED
                return
            if not position and _first_record_cut(stream):
                raise FlowFileError("the first flow is cut short: the file ends inside it "
                                    "(the flow file is truncated), no flow to import", 0) from error
            raise FlowFileError(_read_error_text(error, position), position) from error
        if item is None:
            return
        position += 1
        yield _convert(item, position)


def _convert(item: flow.Flow, position: int) -> Exchange | str:
    if not isinstance(item, http.HTTPFlow):
        return f"{item.type} flow (only HTTP flows are imported)"
    if item.request.method.upper() == "CONNECT":
        return "CONNECT request (proxy tunnel set-up)"
    # mitmdump also writes flows still open when it stops: exchange_from_flow
    # gives those the error "no response".
    return exchange_from_flow(item, position, TO_PARTNER)


def _at_end(stream: BinaryIO) -> bool:
    """Whether the failed read consumed the rest of the stream (a cut-short last record)."""
    try:
        return stream.read(1) == b""
    except OSError:
        return False


def _first_record_cut(stream: BinaryIO) -> bool:
    """Whether the file is shorter than the tnetstring it starts with announces (`LENGTH:DATA,`)."""
    try:
        stream.seek(0)
        length, colon, _ = stream.read(12).partition(b":")
        size = stream.seek(0, io.SEEK_END)
    except OSError:
        return False
    return bool(colon) and length.isdigit() and len(length) + 1 + int(length) + 1 > size


def _read_error_text(error: Exception, flows_read: int) -> str:
    if isinstance(error, exceptions.FlowReadException):
        reason = str(error.__cause__ or error) or "invalid data"
    else:
        reason = "a record that is not a flow"
    where = f"after {flows_read} flows" if flows_read else "at the start"
    return f"expected {EXPECTED}, found data mitmproxy cannot read {where}: {reason}"
