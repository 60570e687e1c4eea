"""ENV: transport rules every OCPI exchange must follow, whatever its module (§4, §5).

Checked per exchange, with no state beyond the exchange itself. Rules that
need the route (the `data` type, routing headers, pagination) come with the
route table.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections import OrderedDict
from typing import ClassVar, Final

import orjson
from msgspec import UNSET, Raw

from ..decoding import ShapeError, decode_envelope, salvage_envelope
from ..exchange import ExchangeView, MessageView
from ..findings import Report
from ..model import RawEnvelope, parse_datetime
from ..profiles import Profile
from ..registry import Severity, Violation
from ..tolerance import RepairKind, datetime_put_right


_DEFINED_STATUS_CODES: Final = frozenset({1000, 2000, 2001, 2002, 2003, 2004, 3000, 3001, 3002, 3003, 4000, 4001, 4002, 4003})
_PUSH_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
# HTTP errors the spec itself prescribes (catalogue 1.3); 400 only for a body that is not JSON.
_NAMED_HTTP_ERRORS: Final = frozenset({401, 404, 405})
_PRINTABLE_TOKEN: Final = re.compile(rb"[\x21-\x7e]+")


class NotAnEnvelope(Violation, frozen=True, kw_only=True):
    """## What it checks
    A response of an OCPI endpoint is a JSON object with an integer
    `status_code`, a DateTime `timestamp`, an optional string
    `status_message` and an optional `data`.

    ## Why it matters
    The envelope is how the caller learns whether the request succeeded; a
    client cannot interpret an answer without `status_code`.

    ## Example
    `{"status_code": "1000", "data": {...}}` (a string code, no timestamp),
    or an HTML error page from a gateway.

    ## Expected
    `{"data": ..., "status_code": 1000, "timestamp": "2026-11-23T09:00:00Z"}`
    on success and on error alike.
    """

    code = "ENV001"
    severity = Severity.ERROR
    spec = "§4.1.7"
    about = "response"
    reason: str

    def message(self) -> str:
        return f"response is not an OCPI envelope: {self.reason}"


class RequestBodyNotJson(Violation, frozen=True, kw_only=True):
    """## What it checks
    The body of a POST, PUT or PATCH request is valid JSON.

    ## Why it matters
    The receiver cannot process the push at all; it must answer HTTP 400.

    ## Example
    A PATCH whose body is `{"status": "AVAILABLE",}` (trailing comma).

    ## Expected
    A JSON object (the bare OCPI object, not wrapped in an envelope).
    """

    code = "ENV003"
    severity = Severity.ERROR
    spec = "§5"
    about = "request"
    method: str

    def message(self) -> str:
        return f"{self.method} request body is not valid JSON"


class _NotJsonContentType(Violation, frozen=True, kw_only=True):
    side: ClassVar[str]
    found: str | None

    def message(self) -> str:
        return f"{self.side} body sent with Content-Type {self.found!r}, not application/json"

    def group_key(self) -> str:  # one cause whatever the content type found: the JSON is not declared as such
        return f"{self.side} body not sent with Content-Type application/json"


class RequestWithoutJsonContentType(_NotJsonContentType, frozen=True, kw_only=True):
    """## What it checks
    A request that carries a body declares `Content-Type: application/json`
    (parameters such as `charset=utf-8` are fine).

    ## Why it matters
    Servers and gateways route and parse by content type; some reject or
    mangle bodies declared otherwise.

    ## Example
    A PUT of a Location sent as `text/plain` or with no Content-Type.

    ## Expected
    `Content-Type: application/json` on every request with a body.
    """

    code = "ENV005"
    severity = Severity.ERROR
    spec = "§4.1.4"
    about = "request"
    side = "request"


class ResponseWithoutJsonContentType(_NotJsonContentType, frozen=True, kw_only=True):
    """## What it checks
    A response that carries a body declares `Content-Type: application/json`.

    ## Why it matters
    Clients that honour the content type will not parse the envelope.

    ## Example
    An envelope served as `text/html`.

    ## Expected
    `Content-Type: application/json` on every response with a body.
    """

    code = "ENV012"
    severity = Severity.WARNING
    spec = "§4.1.7"
    about = "response"
    side = "response"


class MissingAuthorization(Violation, frozen=True, kw_only=True):
    """## What it checks
    Every request carries an `Authorization` header.

    ## Why it matters
    OCPI authenticates every call with the credentials token; a request
    without it must be refused with HTTP 401.

    ## Example
    A GET of the versions endpoint with no Authorization header.

    ## Expected
    `Authorization: Token <base64 of the credentials token>`.
    """

    code = "ENV101"
    severity = Severity.ERROR
    spec = "§4.1.2"
    about = "request"

    def message(self) -> str:
        return "request has no Authorization header"


class MalformedAuthorization(Violation, frozen=True, kw_only=True):
    """## What it checks
    The Authorization header is the word `Token`, one space, and a
    non-empty value.

    ## Why it matters
    Servers split the header on that form; `Bearer ...`, `token ...` or two
    spaces are refused by strict peers.

    ## Example
    `Authorization: Bearer ZXhhbXBsZS10b2tlbg==`.

    ## Expected
    `Authorization: Token ZXhhbXBsZS10b2tlbg==`.
    """

    code = "ENV102"
    severity = Severity.ERROR
    spec = "§4.1.2"
    about = "request"
    scheme: str

    def message(self) -> str:
        return f"Authorization is not 'Token <value>' (scheme {self.scheme!r})"


class AuthorizationNotBase64(Violation, frozen=True, kw_only=True):
    """## What it checks
    The token in the Authorization header is Base64-encoded, as OCPI 2.2.1
    requires (the capture records `redacted:b64:` for such headers).

    ## Why it matters
    OCPI 2.1.1 and the 2.2 release sent the token raw; a 2.2.1 peer decodes
    the header and will not recognise a raw token. Under the `mobie`
    profile this is a warning: raw tokens are common on that hub.

    ## Example
    `Authorization: Token example-token`.

    ## Expected
    `Authorization: Token ZXhhbXBsZS10b2tlbg==` (Base64 of `example-token`).
    """

    code = "ENV103"
    severity = Severity.ERROR
    spec = "§4.1.2"
    about = "request"

    def message(self) -> str:
        return "the Authorization token is not Base64-encoded (2.1.1/2.2 style raw token)"


class _HeaderNotEchoed(Violation, frozen=True, kw_only=True):
    header: str
    problem: str  # the same for every exchange with this fault
    values: str | None = None  # this exchange's values of the header, which differ from exchange to exchange
    side: str | None = None  # the message whose headers are wrong, where the rule's `about` cannot tell

    def message(self) -> str:
        return self.group_key() + (f" ({self.values})" if self.values else "")

    def group_key(self) -> str:
        return f"{self.header}: {self.problem}"

    def judges(self) -> str:
        return self.side or self.about


class RequestIdNotEchoed(_HeaderNotEchoed, frozen=True, kw_only=True):
    """## What it checks
    Every request carries an `X-Request-ID` and its response carries the
    same value.

    ## Why it matters
    Request ids are how two parties find one call in each other's logs on a
    certification day.

    ## Example
    A response with no X-Request-ID, or with a new value.

    ## Expected
    The request's X-Request-ID (a UUID is advised), echoed in the response.
    """

    code = "ENV104"
    severity = Severity.ERROR
    spec = "§4.2"
    about = "response"


class CorrelationIdNotEchoed(_HeaderNotEchoed, frozen=True, kw_only=True):
    """## What it checks
    Every request carries an `X-Correlation-ID` and its response carries the
    same value.

    ## Why it matters
    The correlation id follows one business transaction across a hub, from
    the first call to the last forwarded one.

    ## Example
    A request without X-Correlation-ID.

    ## Expected
    The same X-Correlation-ID on the request and its response.
    """

    code = "ENV105"
    severity = Severity.ERROR
    spec = "§4.2"
    about = "response"


class EnvelopeTimestampNotDateTime(Violation, frozen=True, kw_only=True):
    """## What it checks
    The envelope `timestamp` is an OCPI DateTime: `YYYY-MM-DDThh:mm:ss`,
    optional fraction, optional `Z`, always UTC, no numeric offset, at most
    25 characters.

    ## Why it matters
    OCPI forbids offsets (even `+00:00`); strict parsers refuse them. A
    timestamp that fails only by a form the catalogue tolerates (12.6) has
    the severity the profile gives that form in bodies too, and the answer
    is checked as if the timestamp had been written right.

    ## Example
    `"timestamp": "2026-11-23T09:00:00+00:00"`.

    ## Expected
    `"timestamp": "2026-11-23T09:00:00Z"`.
    """

    code = "ENV008"
    severity = Severity.ERROR
    spec = "§16.2"
    about = "response"
    # Reported with the profile's severity for them, the same as in bodies (catalogue 12.6).
    tolerated_forms: ClassVar[tuple[RepairKind, ...]] = ("datetime_offset", "datetime_length")
    reason: str

    def message(self) -> str:
        return f"timestamp is not an OCPI DateTime: {self.reason}"


class UndefinedStatusCode(Violation, frozen=True, kw_only=True):
    """## What it checks
    `status_code` is one the spec defines (1000, 2000-2004, 3000-3003,
    4000-4003) or lies in a custom range (19xx, 29xx, 39xx, 49xx).

    ## Why it matters
    Clients map status codes to behaviour; an undefined code leaves them
    guessing whether the call succeeded.

    ## Example
    `"status_code": 200` or `"status_code": 1001`.

    ## Expected
    `"status_code": 1000` on success, a 2xxx/3xxx code on failure.
    """

    code = "ENV120"
    severity = Severity.ERROR
    spec = "§5"
    about = "response"
    status_code: int

    def message(self) -> str:
        return f"status_code {self.status_code} is not an OCPI status code"


class CustomStatusCode(Violation, frozen=True, kw_only=True):
    """## What it checks
    Standard modules answer with the spec's status codes, not with codes
    from the custom ranges (19xx, 29xx, 39xx, 49xx).

    ## Why it matters
    Custom codes are for custom modules agreed between two parties; a peer
    that does not know the code can only guess what happened.

    ## Example
    `"status_code": 2901` answering a Location PATCH.

    ## Expected
    The closest standard code (2001 for a bad parameter, 2003 for an
    unknown location, ...).
    """

    code = "ENV121"
    severity = Severity.WARNING
    spec = "§5"
    about = "response"
    status_code: int

    def message(self) -> str:
        return f"custom status_code {self.status_code} used by a standard module"


class HubCodeFromParty(Violation, frozen=True, kw_only=True):
    """## What it checks
    4xxx status codes (hub errors: unknown receiver, timeout, connection
    problem) come only from the hub.

    ## Why it matters
    A party answering 4xxx claims to be a hub; the hub's own error
    handling and the partner's retry logic both misread it.

    ## Example
    The partner answering a hub's GET with `"status_code": 4001`.

    ## Expected
    2xxx or 3xxx codes from a party.
    """

    code = "ENV122"
    severity = Severity.ERROR
    spec = "§5.4"
    about = "response"
    status_code: int

    def message(self) -> str:
        return f"status_code {self.status_code} is a hub error, but the partner sent it"


class DuplicateRequestId(Violation, frozen=True, kw_only=True):
    """## What it checks
    One sender does not use the same `X-Request-ID` for two requests.

    ## Why it matters
    Request ids are how both sides find one call in their logs; a reused
    id (often a constant left in a client) makes every log search ambiguous.

    ## Example
    Every request of a partner carrying `X-Request-ID: 1`.

    ## Expected
    A fresh UUID per request.
    """

    code = "ENV106"
    severity = Severity.WARNING
    spec = "§4.2"
    about = "request"
    request_id: str
    first_seq: int

    def message(self) -> str:
        return f"X-Request-ID {self.request_id!r} was already used by this sender (seq {self.first_seq})"

    def group_key(self) -> str:
        return "X-Request-ID reused: this sender sent it on an earlier request"


class SuccessWithHttpError(Violation, frozen=True, kw_only=True):
    """## What it checks
    A response with a 1xxx (success) `status_code` has a 2xx HTTP status.

    ## Why it matters
    The two layers contradict each other; HTTP clients treat the call as
    failed while the body says it succeeded.

    ## Example
    HTTP 500 with `"status_code": 1000`.

    ## Expected
    HTTP 200 (or 201) with 1000; an error code with an HTTP error status.
    """

    code = "ENV123"
    severity = Severity.ERROR
    spec = "§5"
    about = "response"
    http_status: int
    status_code: int

    def message(self) -> str:
        return f"OCPI status {self.status_code} (success) sent with HTTP {self.http_status}"


class HttpErrorForOcpiError(Violation, frozen=True, kw_only=True):
    """## What it checks
    A request that reached the OCPI layer (authenticated, valid JSON, an
    existing resource) is answered with HTTP 200 and a 2xxx/3xxx OCPI code,
    not with an HTTP error status. The spec names the exceptions: 400 for a
    body that is not JSON, 401, 404 for an unknown object, 405 for a
    credentials call in the wrong registration state.

    ## Why it matters
    HTTP clients and gateways treat 4xx/5xx as transport failures and may
    retry or drop the body; the OCPI status inside is then never read.

    ## Example
    HTTP 500 with `"status_code": 2001` for a PATCH missing `last_updated`;
    HTTP 400 answering a valid JSON body.

    ## Expected
    HTTP 200 with `"status_code": 2001`.
    """

    code = "ENV124"
    severity = Severity.WARNING
    spec = "§5"
    about = "response"
    http_status: int
    status_code: int

    def message(self) -> str:
        return f"OCPI error {self.status_code} sent with HTTP {self.http_status}; expected HTTP 200"


class NoResponse(Violation, frozen=True, kw_only=True):
    """## What it checks
    A request got a response.

    ## Why it matters
    A timeout or refused connection on a certification day is a failed test
    step; OCPI messages are not queued and retried, so the data is lost
    until the next full synchronisation.

    ## Example
    A push to the hub that timed out, recorded with `response: null`.

    ## Expected
    Every request answered.
    """

    code = "ENV402"
    severity = Severity.WARNING
    spec = "§4.4"
    about = "response"
    error: str

    def message(self) -> str:
        return f"no response: {self.error}"


class EnvelopeTimestampSkew(Violation, frozen=True, kw_only=True):
    """## What it checks
    The envelope `timestamp` is within a tolerance (the profile's, 300 s by
    default) of the time the proxy received the response.

    ## Why it matters
    A skewed clock, or local time sent as UTC, shifts every `last_updated`
    and date filter the peer computes, and breaks incremental pulls.

    ## Example
    A server in Lisbon summer time writing local time with a `Z`: one hour off.

    ## Expected
    Timestamps in UTC from a synchronised clock.
    """

    code = "ENV401"
    severity = Severity.WARNING
    spec = "§4.1.7, §16.2"
    about = "response"
    seconds: float

    def message(self) -> str:
        return f"envelope timestamp is {self.seconds:+.0f} s from the capture's clock"

    def group_key(self) -> str:  # a clock that is off is off on every exchange, by a little more or less
        return f"envelope timestamp is {'ahead of' if self.seconds > 0 else 'behind'} the capture's clock"


@functools.lru_cache(maxsize=256)  # a capture sends a handful of Content-Type values
def _is_json_media_type(value: str | None) -> bool:
    return value is not None and value.split(";", 1)[0].strip().lower() == "application/json"


@functools.lru_cache(maxsize=256)  # a capture uses a handful of tokens, over and over
def _is_base64_token(value: str) -> bool:
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(value) % 4 == 0 and _PRINTABLE_TOKEN.fullmatch(decoded) is not None




class TransportChecker:
    """Per-exchange transport checks; fed exchanges, it returns what they break.

    Run on every exchange, so written as plain calls that append to one list
    (no generator per rule); most exchanges break nothing.
    """

    # Request ids remembered per sender: a window, so memory stays bounded on
    # long captures; reuse is typically close in time (retries, a constant id).
    REQUEST_ID_WINDOW: Final = 20_000

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._tolerance = profile.timestamp_tolerance_seconds
        self._request_ids: dict[str, OrderedDict[str, int]] = {}

    def check(self, exchange: ExchangeView, envelope: RawEnvelope | ShapeError | None, ended_at: float | None,
              usable: RawEnvelope | ShapeError | None = None, tolerated: RepairKind | None = None) -> list[Report]:
        """`envelope` is the response body decoded once by `response_envelope`; `ended_at` is
        `exchange.ended` in seconds since the epoch. For an envelope that failed, `usable` and `tolerated` are
        what `usable_envelope` read of it."""
        request = exchange.request
        found = list(_authorization(request.header("Authorization")))
        self._reused_request_id(exchange, found)
        if request.has_body:
            if not _is_json_media_type(request.header("Content-Type")):
                found.append(Report(RequestWithoutJsonContentType(found=request.header("Content-Type")), None))
            if request.body is UNSET and request.method in _PUSH_METHODS:
                found.append(Report(RequestBodyNotJson(method=request.method), None))
        response = exchange.response
        if response is None:
            error = exchange.error if exchange.error is not UNSET else "none recorded"
            found.append(Report(NoResponse(error=str(error)), None))
            return found
        _echoed("X-Request-ID", request, response, RequestIdNotEchoed, found)
        _echoed("X-Correlation-ID", request, response, CorrelationIdNotEchoed, found)
        if response.has_body and not _is_json_media_type(response.header("Content-Type")):
            found.append(Report(ResponseWithoutJsonContentType(found=response.header("Content-Type")), None))
        self._envelope(exchange, response, envelope, ended_at, found, usable, tolerated)
        return found

    def _reused_request_id(self, exchange: ExchangeView, found: list[Report]) -> None:
        request_id = exchange.request.header("X-Request-ID")
        if request_id is None:
            return
        seen = self._request_ids.get(exchange.direction)
        if seen is None:
            seen = self._request_ids[exchange.direction] = OrderedDict()
        first = seen.get(request_id)
        if first is not None:
            found.append(Report(DuplicateRequestId(request_id=request_id, first_seq=first), None))
            return
        seen[request_id] = exchange.seq
        if len(seen) > self.REQUEST_ID_WINDOW:
            seen.popitem(last=False)

    def _envelope(self, exchange: ExchangeView, response: MessageView, envelope: RawEnvelope | ShapeError | None,
                  ended_at: float | None, found: list[Report], usable: RawEnvelope | ShapeError | None,
                  tolerated: RepairKind | None) -> None:
        if envelope is None:
            reason = "the body is not JSON" if response.has_body else "the body is empty"
            found.append(Report(NotAnEnvelope(reason=reason), None))
        elif isinstance(envelope, ShapeError):
            if envelope.path == "$.timestamp":
                severity = (self._profile.tolerated_severity(tolerated, EnvelopeTimestampNotDateTime)
                            if tolerated is not None else None)
                found.append(Report(EnvelopeTimestampNotDateTime(reason=envelope.message), envelope.path, severity))
            else:
                found.append(Report(NotAnEnvelope(reason=envelope.message), envelope.path))
            # One defect must not hide the others: judge the status code of what is left.
            if isinstance(usable, RawEnvelope):
                self._status(usable, exchange, ended_at, found)
        else:
            self._status(envelope, exchange, ended_at, found)

    def _status(self, envelope: RawEnvelope, exchange: ExchangeView, ended_at: float | None,
                found: list[Report]) -> None:
        code = envelope.status_code
        assert exchange.response is not None
        if code != 1000:  # the usual answer breaks none of the status code rules
            custom = 1900 <= code <= 4999 and code % 1000 >= 900
            if code not in _DEFINED_STATUS_CODES and not custom:
                found.append(Report(UndefinedStatusCode(status_code=code), "$.status_code"))
            if custom:
                found.append(Report(CustomStatusCode(status_code=code), "$.status_code"))
            if 4000 <= code <= 4999 and exchange.direction == "to_partner":
                found.append(Report(HubCodeFromParty(status_code=code), "$.status_code"))
        http = exchange.response.status
        if 1000 <= code <= 1999 and not 200 <= http <= 299:
            found.append(Report(SuccessWithHttpError(http_status=http, status_code=code), "$.status_code"))
        if 2000 <= code <= 3999 and 400 <= http <= 599 and http not in _NAMED_HTTP_ERRORS:
            if http != 400 or exchange.request.body is not UNSET or not exchange.request.has_body:
                found.append(Report(HttpErrorForOcpiError(http_status=http, status_code=code), "$.status_code"))
        if ended_at is not None and envelope.timestamp:  # "": a salvaged envelope's timestamp was no DateTime
            skew = parse_datetime(envelope.timestamp).timestamp() - ended_at
            if abs(skew) > self._tolerance:
                found.append(Report(EnvelopeTimestampSkew(seconds=skew), "$.timestamp"))


@functools.lru_cache(maxsize=256)  # a capture uses a handful of Authorization values, over and over
def _authorization(value: str | None) -> tuple[Report, ...]:
    if value is None:
        return (Report(MissingAuthorization(), None),)
    scheme, space, token = value.partition(" ")
    if scheme != "Token" or not space or not token or token.startswith(" "):
        return (Report(MalformedAuthorization(scheme=scheme), None),)
    if token.startswith("redacted:sha256:") or (not token.startswith("redacted:") and not _is_base64_token(token)):
        return (Report(AuthorizationNotBase64(), None),)
    return ()


def _echoed(name: str, request: MessageView, response: MessageView, rule: type[_HeaderNotEchoed],
            found: list[Report]) -> None:
    sent = request.header(name)
    if sent is None:
        found.append(Report(rule(header=name, problem="missing on the request", side="request"), None))
        return
    echoed = response.header(name)
    if echoed is None:
        found.append(Report(rule(header=name, problem="not echoed in the response", values=f"request had {sent!r}"),
                            None))
    elif echoed != sent:
        found.append(Report(rule(header=name, problem="echoed with another value",
                                 values=f"response has {echoed!r}, request had {sent!r}"), None))


def tolerated_envelope(response: MessageView, failed: ShapeError) -> tuple[RawEnvelope, RepairKind] | None:
    """An envelope that failed only by its timestamp written in a form the catalogue tolerates (12.6),
    decoded with the timestamp put right, and that form; None for any other fault. Only failed envelopes
    get here."""
    body = response.body
    if failed.path != "$.timestamp" or body is UNSET:
        return None
    try:
        value = orjson.loads(bytes(body))
    except orjson.JSONDecodeError:
        return None
    timestamp = value.get("timestamp") if isinstance(value, dict) else None
    put_right = datetime_put_right(timestamp) if isinstance(timestamp, str) else None
    if put_right is None:
        return None
    value["timestamp"] = put_right[0]
    envelope = decode_envelope(Raw(orjson.dumps(value)))
    return (envelope, put_right[1]) if isinstance(envelope, RawEnvelope) else None


def response_envelope(exchange: ExchangeView) -> RawEnvelope | ShapeError | None:
    """The response body as an envelope, why it is not one, or None when it is not JSON at all."""
    response = exchange.response
    if response is None or response.body is UNSET:
        return None
    return decode_envelope(response.body)


def usable_envelope(exchange: ExchangeView,
                    failed: ShapeError) -> tuple[RawEnvelope | ShapeError, RepairKind | None]:
    """What is left to judge of an envelope that failed as a whole, read once: the envelope with its
    timestamp put right and the tolerated form it had, when that was its only fault; else its `data` and
    `status_code` by themselves; else `failed`. The transport rules report the fault, the rest is checked."""
    if exchange.response is None or exchange.response.body is UNSET:
        return failed, None
    tolerated = tolerated_envelope(exchange.response, failed)
    if tolerated is not None:
        return tolerated
    return salvage_envelope(exchange.response.body) or failed, None
