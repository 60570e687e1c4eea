"""Redaction of credentials tokens, as `shared/capture-format.md` defines it.

Pure functions: an exchange goes in, a redacted copy comes out. A token is
replaced by a fingerprint (the first 12 hex digits of its sha256), so the
replayer can still tell which token was used when without storing any.

Beyond the letter of the format, these cases are also redacted because a
secret must never land in a capture: an `Authorization` value of another
scheme (kept as `<scheme> redacted:sha256:<fp>`), a `"token": "..."` pair
inside a Credentials body that is not valid JSON (stored as text) or not
UTF-8 (stored as base64), every `"token": "..."` pair of a JSON body that
msgspec cannot decode (a number out of range), which cannot be searched for
Credentials objects, a key written with escapes, and every value of a
`token` key repeated in a Credentials body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import msgspec
from msgspec import UNSET, Raw

from .model import Exchange, HeaderField, Request, Response

REDACTED: Final = "redacted:"
_SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization"})
M = TypeVar("M", Request, Response)
_TEXT_TOKEN_RE: Final = re.compile(rb'("token"\s*:\s*")((?:[^"\\]|\\.)*)(")')


def fingerprint(token: str) -> str:
    """First 12 hex digits of the sha256 of the token's UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


def _decode_strict_base64(text: str) -> str | None:
    """The token that `text` encodes, if it is strict padded base64 of printable ASCII."""
    if not text or len(text) % 4:
        return None
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not decoded or any(byte < 0x21 or byte > 0x7E for byte in decoded):
        return None
    return decoded.decode("ascii")


def redact_authorization(value: str) -> str:
    """`Token <secret>` -> `Token redacted:[b64:]sha256:<fp>`; other schemes likewise."""
    scheme, space, secret = value.partition(" ")
    if not space:
        return value if value.startswith(REDACTED) else f"{REDACTED}sha256:{fingerprint(value)}"
    if secret.startswith(REDACTED):
        return value
    plain = _decode_strict_base64(secret) if scheme == "Token" else None
    if plain is not None:
        return f"{scheme} {REDACTED}b64:sha256:{fingerprint(plain)}"
    return f"{scheme} {REDACTED}sha256:{fingerprint(secret)}"


def redact_token_value(token: str) -> str:
    """The stored form of a credentials token found in a body."""
    return token if token.startswith(REDACTED) else f"{REDACTED}sha256:{fingerprint(token)}"


def is_credentials_url(url: str) -> bool:
    """Whether `url` addresses a Credentials endpoint (last path segment `credentials`)."""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1].lower() == "credentials"


def _looks_like_credentials(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("token"), str) and "url" in obj


def _redact_credentials(document: Any, credentials_url: bool) -> bool:
    """Redacts, in place, the token of every Credentials object in `document`, however deep (a peer
    may wrap them in a list, or nest them): every `token` string of a Credentials body, and of any
    other body every `token` beside a `url`. Whether any changed."""
    changed = False
    pending = [document]
    while pending:  # not recursive: a body nested deeper than Python's recursion limit is no error
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            token = node.get("token")
            if isinstance(token, str) and (credentials_url or _looks_like_credentials(node)):
                redacted = redact_token_value(token)
                if redacted != token:
                    node["token"] = redacted
                    changed = True
            pending.extend(node.values())
    return changed


def _redact_json(raw: Raw, credentials_url: bool) -> Raw:
    content = bytes(raw)
    if b'"token"' not in content and b"\\u" not in content:  # a key may be written with escapes: "t\u006fken"
        return raw
    try:
        document: Any = msgspec.json.decode(content)
    except (msgspec.DecodeError, RecursionError):  # valid JSON all the same: a number out of range, say
        return Raw(_redact_bytes(content))
    if _redact_credentials(document, credentials_url):
        return Raw(msgspec.json.encode(document))
    if credentials_url and b'"token"' in content:
        # A key repeated: decoding keeps its last value (which may be no string), the bytes keep them all.
        redacted = _redact_bytes(content)
        return raw if redacted == content else Raw(redacted)
    return raw


def _redact_bytes(content: bytes) -> bytes:
    """Every `"token": "..."` pair of a body that does not decode, redacted."""
    def replace(match: re.Match[bytes]) -> bytes:
        token = match.group(2).decode("utf-8", "replace")
        return match.group(1) + redact_token_value(token).encode() + match.group(3)

    return _TEXT_TOKEN_RE.sub(replace, content)


def _redact_text(text: str) -> str:
    return _redact_bytes(text.encode("utf-8")).decode("utf-8")


def _redact_b64(b64: str) -> str:
    content = base64.b64decode(b64)
    redacted = _redact_bytes(content)
    return b64 if redacted == content else base64.b64encode(redacted).decode("ascii")


def _is_secret(name: str) -> bool:
    # Stripped: mitmproxy refuses a name such as "Authorization " (space before the colon), but records it.
    return name.strip().lower() in _SECRET_HEADERS


def _redact_headers(headers: list[HeaderField]) -> list[HeaderField]:
    if not any(_is_secret(name) for name, _ in headers):
        return headers
    return [(name, redact_authorization(value) if _is_secret(name) else value) for name, value in headers]


def _redact_message(message: M, credentials_url: bool) -> M:
    changes: dict[str, Any] = {}
    headers = _redact_headers(message.headers)
    if headers is not message.headers:
        changes["headers"] = headers
    if message.body is not UNSET:
        body = _redact_json(message.body, credentials_url)
        if body is not message.body:
            changes["body"] = body
    elif message.text is not UNSET and credentials_url:
        changes["text"] = _redact_text(message.text)
    elif message.b64 is not UNSET and credentials_url:
        changes["b64"] = _redact_b64(message.b64)  # a body not UTF-8 (Latin-1, say) is JSON all the same
    return msgspec.structs.replace(message, **changes) if changes else message


def redact_exchange(exchange: Exchange) -> Exchange:
    """A copy of `exchange` with every credentials token replaced by its fingerprint."""
    credentials_url = is_credentials_url(exchange.request.url)
    request = _redact_message(exchange.request, credentials_url)
    response = (
        _redact_message(exchange.response, credentials_url)
        if exchange.response is not None
        else None
    )
    if request is exchange.request and response is exchange.response:
        return exchange
    return msgspec.structs.replace(exchange, request=request, response=response)
