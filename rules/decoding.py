"""Decoding bodies into the model, with msgspec's errors split into message and JSON path."""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec

from .model import RawEnvelope, decoder_for
from .model.types import DATETIME_PATTERN, PRINTABLE_ASCII_PATTERN, PRINTABLE_PATTERN, DateTime

_PATH_RE: Final = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)
_envelope_decoder: Final = msgspec.json.Decoder(RawEnvelope)


class _LooseEnvelope(msgspec.Struct):
    """An answer's envelope fields, each of any type: what is left to read when the envelope as a whole fails."""

    data: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    status_code: Any = None
    status_message: Any = None
    timestamp: Any = None


_loose_envelope_decoder: Final = msgspec.json.Decoder(_LooseEnvelope)


# msgspec names the regex a string failed; people want to read what was meant.
_PATTERN_MEANING: Final = {
    DATETIME_PATTERN: "an OCPI DateTime (YYYY-MM-DDThh:mm:ss, optional fraction and Z, UTC, no offset)",
    PRINTABLE_PATTERN: "a string without control characters",
    PRINTABLE_ASCII_PATTERN: "a CiString of printable ASCII",
}
_REGEX_RE: Final = re.compile(r"^Expected `str` matching regex '(?P<regex>.*)'$", re.DOTALL)


def _readable(message: str) -> str:
    regex = _REGEX_RE.match(message)
    if regex is None:
        return message
    pattern = regex["regex"].encode().decode("unicode_escape")
    meaning = _PATTERN_MEANING.get(pattern)
    return f"Expected {meaning}" if meaning else f"Expected a string matching {pattern}"


class ShapeError(msgspec.Struct, frozen=True):
    """Why a body does not decode as its type, and where (`$` is the whole body)."""

    message: str
    path: str


def shape_error(error: msgspec.MsgspecError) -> ShapeError:
    """msgspec's `... - at `$.a[0].b`` split into its parts."""
    match = _PATH_RE.match(str(error))
    assert match is not None  # the pattern matches any string
    message = _readable(match["message"].replace("Input data was truncated", "JSON is cut short"))
    return ShapeError(message, match["path"] or "$")


def decode_envelope(body: msgspec.Raw) -> RawEnvelope | ShapeError:
    try:
        return _envelope_decoder.decode(body)
    except msgspec.MsgspecError as error:
        return shape_error(error)


def salvage_envelope(body: msgspec.Raw) -> RawEnvelope | None:
    """What can still be read of an answer whose envelope failed to decode: its `data`, its `status_code`
    (an integer, or a string of digits), and its `timestamp` only where that is a valid DateTime (else "").
    None when not even that is there (not a JSON object, or no usable status_code)."""
    try:
        loose = _loose_envelope_decoder.decode(body)
    except msgspec.MsgspecError:
        return None
    code = loose.status_code
    if isinstance(code, str) and code.isascii() and code.isdigit():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        return None
    try:
        timestamp = msgspec.convert(loose.timestamp, DateTime)
    except msgspec.ValidationError:
        timestamp = ""
    message = loose.status_message if isinstance(loose.status_message, str) else None
    return RawEnvelope(data=loose.data, status_code=code, status_message=message, timestamp=timestamp)


def loose_strings(body: msgspec.Raw | msgspec.UnsetType, *names: str) -> dict[str, str]:
    """The fields `names` of a body that failed to decode as its type, those that are non-empty strings: what
    a malformed object still says (a command's `response_url`, a CDR's session). Only failed bodies get here."""
    if isinstance(body, msgspec.UnsetType):
        return {}
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {name: value[name] for name in names if isinstance(value.get(name), str) and value[name]}


def model_key(route_type: str) -> str:
    """A route's type name (`location[]`, `version[]`) as the model registry names it."""
    return route_type[:-2] + "_list" if route_type.endswith("[]") else route_type


def decode_as(body: msgspec.Raw, key: str, version: str = "2.2.1") -> Any | ShapeError:
    """`body` decoded as the model type `key` of that OCPI version, or why it is not one."""
    try:
        return decoder_for(key, version).decode(body)
    except msgspec.MsgspecError as error:
        return shape_error(error)


def under(prefix: str, path: str) -> str:
    """A path inside `data` seen from the whole body: `$.x` under `$.data` is `$.data.x`."""
    return prefix + path[1:]
