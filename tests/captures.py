"""Building captures for tests: a clean OCPI exchange, and variations that break one rule each."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import msgspec

from ocpi_tap.replay.capture import (
    CaptureWriter,
    Exchange,
    Request,
    Response,
    body_fields,
    new_header,
    redact_exchange,
)

MADE_UP_TOKEN = "f00dfeed-made-up-token-c"


def clean_exchange(seq: int = 1, **changes: Any) -> Exchange:
    """A versions GET to the hub, answered as OCPI 2.2.1 wants; `changes` replace fields."""
    request = Request(
        method="GET",
        url="https://hub.example.org/ocpi/versions",
        headers=[
            ("Authorization", "Token " + base64.b64encode(MADE_UP_TOKEN.encode()).decode()),
            ("X-Request-ID", f"req-{seq}"),
            ("X-Correlation-ID", f"corr-{seq}"),
        ],
    )
    response = Response(
        status=200,
        headers=[("Content-Type", "application/json"), ("X-Request-ID", f"req-{seq}"),
                 ("X-Correlation-ID", f"corr-{seq}")],
        **body_fields(
            b'{"data":[{"version":"2.2.1","url":"https://hub.example.org/ocpi/2.2.1"}],'
            b'"status_code":1000,"timestamp":"2026-11-23T09:00:01Z"}'
        ),
    )
    exchange = Exchange(
        seq=seq,
        direction="to_hub",
        started="2026-11-23T09:00:00.900000Z",
        ended="2026-11-23T09:00:01.000000Z",
        request=request,
        response=response,
    )
    return msgspec.structs.replace(exchange, **changes) if changes else exchange


FUNCTIONAL_MODULES = ("tokens", "locations", "tariffs", "sessions", "commands", "cdrs", "callbacks")
CPO = ("PT", "CPO")
HUB_PARTY = ("PT", "MBE")


def _routing(sender: tuple[str, str], receiver: tuple[str, str]) -> list[tuple[str, str]]:
    return [("OCPI-from-country-code", sender[0]), ("OCPI-from-party-id", sender[1]),
            ("OCPI-to-country-code", receiver[0]), ("OCPI-to-party-id", receiver[1])]


def write_capture(path: Path, *exchanges: Exchange, redact: bool = True) -> Path:
    with path.open("wb") as stream:
        writer = CaptureWriter(stream, new_header())
        for exchange in exchanges:
            writer.write(redact_exchange(exchange) if redact else exchange)
    return path


def ocpi_exchange(
    method: str,
    url: str,
    request_body: object = None,
    data: object = None,
    *,
    seq: int = 1,
    direction: str = "to_hub",
    status_code: int = 1000,
    response_headers: list[tuple[str, str]] | None = None,
    raw_response: bytes | None = None,
    routed: bool | None = None,
    cdr_location: bool = True,
) -> Exchange:
    """A well-formed exchange around the given bodies (`data` None: no `data` in the envelope).

    `routed` adds the OCPI-from/to headers (request FROM the caller's party TO
    the callee's, the response swapped); by default where the URL is a
    functional module's. A CDR POST is answered with a Location header unless `cdr_location` is False.
    """
    encode = msgspec.json.encode
    base = clean_exchange(seq)
    headers = list(base.request.headers)
    answer_headers = list(base.response.headers if base.response else [])
    if routed is None:
        routed = any(f"/{module}" in url for module in FUNCTIONAL_MODULES)
    if routed:
        caller, callee = (CPO, HUB_PARTY) if direction == "to_hub" else (HUB_PARTY, CPO)
        headers += _routing(caller, callee)
        answer_headers += _routing(callee, caller)
    if cdr_location and method == "POST" and url.rstrip("/").endswith("/cdrs"):
        answer_headers.append(("Location", f"{url.rstrip('/')}/stored-1"))  # a CDR POST's answer says where
    if request_body is not None:
        headers.append(("Content-Type", "application/json"))
    envelope: dict[str, object] = {"status_code": status_code, "timestamp": "2026-11-23T09:00:01Z"}
    if data is not None:
        envelope["data"] = data
    return msgspec.structs.replace(
        base,
        direction=direction,
        request=Request(method=method, url=url, headers=headers,
                        **body_fields(encode(request_body) if request_body is not None else None)),
        response=Response(status=200, headers=answer_headers + (response_headers or []),
                          **body_fields(raw_response if raw_response is not None else encode(envelope))),
    )
