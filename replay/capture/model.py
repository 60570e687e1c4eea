"""The records of capture format version 1 (`shared/capture-format.md`).

One capture file is a `Header` line followed by `Exchange` lines. Bodies stay
`msgspec.Raw` (the JSON text, unparsed) until a route says what they are, so a
reader that only routes or counts never parses them.
"""

from __future__ import annotations

import operator
import re
from datetime import datetime, timezone
from typing import Annotated, Final, Literal

import msgspec
from msgspec import UNSET, Raw, UnsetType

from ocpi_tap.rules.exchange import capture_time

FORMAT: Final = "ocpi-capture"
VERSION: Final = 1

REDACTION_DEFAULT: Final = "sha256-12"
REDACTION_NONE: Final = "none"

TO_HUB: Final = "to_hub"
TO_PARTNER: Final = "to_partner"
Direction = Literal["to_hub", "to_partner"]
DIRECTIONS: Final = (TO_HUB, TO_PARTNER)

TIMESTAMP_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
# Fixed width, so timestamps of one capture sort as strings in time order.
Timestamp = Annotated[str, msgspec.Meta(pattern=TIMESTAMP_PATTERN)]
_TIMESTAMP_RE: Final = re.compile(TIMESTAMP_PATTERN)

HeaderField = tuple[str, str]


# Header names, as a message sends them -> the position of each name's first value, by the
# lower-cased name and by the name as sent (so the usual lookup, in the sender's spelling,
# lowers nothing). A connection sends the same names in the same order over and over, so
# the lookup table is built once per such layout, not once per message.
_LAYOUTS: dict[tuple[str, ...], dict[str, int]] = {}
_LAYOUTS_LIMIT: Final = 1024
_name = operator.itemgetter(0)


def _layout(headers: list[HeaderField]) -> dict[str, int]:
    names = tuple(map(_name, headers))
    layout = _LAYOUTS.get(names)
    if layout is None:
        if len(_LAYOUTS) >= _LAYOUTS_LIMIT:
            _LAYOUTS.clear()
        layout = _LAYOUTS[names] = {}
        for position in range(len(names) - 1, -1, -1):  # backwards: the first value wins
            layout[names[position].lower()] = position
        for name in names:
            layout[name] = layout[name.lower()]
    return layout


class _MessageAccess:
    """Accessors shared by `Request` and `Response` (the body fields are theirs).

    The checks look up about twenty headers per exchange: the first lookup
    finds the message's header layout (not a field, never encoded), so the
    others cost a dict lookup instead of a scan. `headers` is not changed
    after a message is built.
    """

    __slots__ = ("_layout",)
    headers: list[HeaderField]
    body: Raw | UnsetType
    text: str | UnsetType
    b64: str | UnsetType
    _layout: dict[str, int]

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        try:
            layout = self._layout
        except AttributeError:
            layout = self._layout = _layout(self.headers)
        position = layout.get(name)
        if position is None:
            position = layout.get(name.lower())
            if position is None:
                return None
        return self.headers[position][1]

    @property
    def has_body(self) -> bool:
        return self.body is not UNSET or self.text is not UNSET or self.b64 is not UNSET


# Request and Response repeat the header and body fields rather than inherit
# them so that a capture line reads in wire order: method, url, headers, body.
class Request(msgspec.Struct, _MessageAccess, kw_only=True, omit_defaults=True):
    method: str
    url: str
    headers: list[HeaderField] = []
    body: Raw | UnsetType = UNSET  # the body as JSON, when it parsed as JSON
    text: str | UnsetType = UNSET  # a UTF-8 body that is not JSON
    b64: str | UnsetType = UNSET  # a body that is not UTF-8, base64


class Response(msgspec.Struct, _MessageAccess, kw_only=True, omit_defaults=True):
    status: int
    headers: list[HeaderField] = []
    body: Raw | UnsetType = UNSET
    text: str | UnsetType = UNSET
    b64: str | UnsetType = UNSET


Message = Request | Response


class ExchangeHead(msgspec.Struct, kw_only=True):
    """The fields of an exchange line that say when it happened: what time order needs.

    A replay reads each line's head first and decodes the whole exchange only
    when it is due, so a line that is held back is parsed in full once.
    """

    seq: Annotated[int, msgspec.Meta(ge=1)]
    direction: Direction
    started: Timestamp
    ended: Timestamp | None


class Exchange(ExchangeHead, kw_only=True, omit_defaults=True):
    """One request and what came back, as the proxy saw it: the head, then the rest."""

    request: Request
    response: Response | None
    error: str | UnsetType = UNSET


class Header(msgspec.Struct, kw_only=True):
    """Line 1 of a capture. Written in full, so `redaction` is always stated."""

    format: str
    version: int
    created: Timestamp
    tool: str | UnsetType = UNSET
    redaction: Literal["sha256-12", "none"] = REDACTION_DEFAULT
    peers: dict[str, str] = {}
    note: str | UnsetType = UNSET


def format_timestamp(moment: float | datetime) -> str:
    """A POSIX time or an aware datetime as the capture writes it: UTC, microseconds, `Z`."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment!r}: captures need an aware time")
        as_utc = moment.astimezone(timezone.utc)
    else:
        as_utc = datetime.fromtimestamp(moment, timezone.utc)
    return as_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    """The aware UTC datetime of a capture timestamp."""
    if not _TIMESTAMP_RE.match(text):
        raise ValueError(f"not a capture timestamp (YYYY-MM-DDThh:mm:ss.ffffffZ): {text!r}")
    return capture_time(text)
