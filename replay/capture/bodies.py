"""Bodies on the wire to the three body forms of a capture, and back.

A body that parses as JSON is stored as JSON, made compact but otherwise
byte-for-byte what was sent (numbers keep their digits: `1.10` stays `1.10`);
a UTF-8 body that is not JSON (or JSON nested too deep to reformat) is
stored as text; anything else as base64.
"""

from __future__ import annotations

import base64
from typing import TypedDict

import msgspec
from msgspec import UNSET, Raw

from .model import Message


class BodyFields(TypedDict, total=False):
    body: Raw
    text: str
    b64: str


def body_fields(content: bytes | None) -> BodyFields:
    """The body fields of a message whose body is `content` (none for an empty body)."""
    if not content:
        return {}
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return {"b64": base64.b64encode(content).decode("ascii")}
    try:
        return {"body": Raw(msgspec.json.format(content, indent=-1))}
    except (msgspec.DecodeError, RecursionError):  # JSON nested deeper than msgspec goes is kept as text
        return {"text": text}


def body_bytes(message: Message) -> bytes:
    """The body of `message` as bytes (the JSON form compact, as stored)."""
    if message.body is not UNSET:
        return bytes(message.body)
    if message.text is not UNSET:
        return message.text.encode("utf-8")
    if message.b64 is not UNSET:
        return base64.b64decode(message.b64)
    return b""
