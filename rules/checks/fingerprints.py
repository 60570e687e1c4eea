"""Credentials tokens as captures keep them: fingerprints, never the tokens themselves."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib


def fingerprint(token: str) -> str:
    """As the capture format defines it: the first 12 hex digits of the token's sha256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


@functools.lru_cache(maxsize=256)  # a capture uses a handful of tokens, in most of its exchanges
def header_fingerprint(value: str | None) -> str | None:
    """The fingerprint of the token an Authorization header carries, redacted or not."""
    if value is None or not value.startswith("Token "):
        return None
    secret = value[6:]
    for marker in ("redacted:b64:sha256:", "redacted:sha256:"):
        if secret.startswith(marker):
            return secret[len(marker):]
    try:
        return fingerprint(base64.b64decode(secret, validate=True).decode("ascii"))
    except (binascii.Error, ValueError):
        return fingerprint(secret)


def body_fingerprint(token: str) -> str:
    return token[len("redacted:sha256:"):] if token.startswith("redacted:sha256:") else fingerprint(token)
