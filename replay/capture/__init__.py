"""The capture format (`shared/capture-format.md`, version 1), in one place.

The proxy writes captures with `CaptureWriter`, the importers convert other
recordings into the same records, and the replayer reads them with
`CaptureReader`.
"""

from .bodies import body_bytes, body_fields
from .model import (
    DIRECTIONS,
    FORMAT,
    REDACTION_DEFAULT,
    REDACTION_NONE,
    TO_HUB,
    TO_PARTNER,
    VERSION,
    Direction,
    Exchange,
    Header,
    Message,
    Request,
    Response,
    format_timestamp,
    parse_timestamp,
)
from .reader import CaptureError, CaptureReader, LineItem, LineProblem, ReadItem, decode_exchange
from .redact import fingerprint, redact_authorization, redact_exchange
from .writer import CaptureWriter, encode_line, new_header

__all__ = [
    "DIRECTIONS",
    "FORMAT",
    "REDACTION_DEFAULT",
    "REDACTION_NONE",
    "TO_HUB",
    "TO_PARTNER",
    "VERSION",
    "CaptureError",
    "CaptureReader",
    "CaptureWriter",
    "Direction",
    "Exchange",
    "Header",
    "LineItem",
    "LineProblem",
    "Message",
    "ReadItem",
    "Request",
    "Response",
    "body_bytes",
    "body_fields",
    "decode_exchange",
    "encode_line",
    "fingerprint",
    "format_timestamp",
    "new_header",
    "parse_timestamp",
    "redact_authorization",
    "redact_exchange",
]
