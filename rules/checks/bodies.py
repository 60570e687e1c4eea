"""Decoding each body into the type its route calls for, and reporting what does not fit.

Fed an exchange with its route and its already decoded envelope, it gives
back the typed request body and `data` (for the checkers that follow) and
the shape findings. Each body is decoded once; only a page (a `data` list
of objects) that fails as a whole is decoded again object by object, so
that one malformed object neither hides the others from the checkers nor
the faults of the objects after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import msgspec
from msgspec import UNSET, Raw

from ..decoding import ShapeError, decode_as, model_key, under
from ..exchange import ExchangeView
from ..findings import Report
from ..model import RawEnvelope
from ..profiles import Profile
from ..registry import Violation
from ..tolerance import Repair, repair
from .shape import (
    MALFORMED_BY_TYPE,
    CdrPostWithoutLocation,
    CoordinatePrecision,
    PATCH_WITHOUT_LAST_UPDATED,
    CredentialsAnswerWithoutCredentials,
    MalformedData,
    PushWithoutBody,
    RequestWrappedInEnvelope,
    UrlFieldNotUrl,
)





_ENVELOPE_KEYS: Final = (b'"status_code"', b'"timestamp"')
# A page's type key -> its objects' (the lists a malformed object must not take down whole).
_ITEM_KEYS: Final = {key: key.removesuffix("_list") for key in
                     ("location_list", "tariff_list", "session_list", "cdr_list", "token_list", "client_info_list")}
_raw_list: Final = msgspec.json.Decoder(list[Raw])
_BODY_OPTIONAL: Final = frozenset({"authorize"})  # the only push whose body (LocationReferences) is optional
_COMMAND_KEYS: Final = frozenset({"cancel_reservation", "reserve_now", "start_session", "stop_session",
                                  "unlock_connector"})


class RouteView(Protocol):
    @property
    def module(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def request_type(self) -> str | None: ...
    @property
    def data_type(self) -> str | None: ...


@dataclass
class Bodies:
    """The typed bodies of one exchange (None where absent or malformed) and the findings."""

    request: Any = None
    data: Any = None
    reports: list[Report] = field(default_factory=list)
    # A page some of whose objects did not decode: how many it held, and where in it each object of `data` was.
    sent: int | None = None
    positions: list[int] | None = None


def _looks_wrapped(body: Raw) -> bool:
    raw = bytes(body)
    return all(key in raw for key in _ENVELOPE_KEYS) and b'"data"' in raw


def _malformed(key: str, reason: str) -> Violation:
    return MALFORMED_BY_TYPE.get(key, MalformedData)(reason=reason)


_DATETIME_REASONS: Final = {
    "datetime_offset": "DateTime {!r} has a numeric offset; OCPI DateTimes are UTC with `Z` or nothing",
    "datetime_length": "DateTime {!r} is longer than 25 characters (too many fractional digits)",
}


def is_url(value: str) -> bool:
    """An absolute http(s) URL with a host, no blanks (its length the model's URL type checks)."""
    scheme, sep, rest = value.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
    return (sep == "://" and scheme.lower() in ("http", "https") and host not in ("", ":")
            and len(value.split()) == 1)  # no blank anywhere


def _urls(key: str, body: Any) -> list[tuple[str, str]]:
    """The (path, value) of the URL fields of a typed body that the other party calls back to."""
    if key in _COMMAND_KEYS:
        return [("$.response_url", body.response_url)]
    if key == "credentials":
        return [("$.url", body.url)]
    if key == "version_list":
        return [(f"$[{index}].url", version.url) for index, version in enumerate(body)]
    if key == "version_details":
        return [(f"$.endpoints[{index}].url", endpoint.url) for index, endpoint in enumerate(body.endpoints)]
    return []


_URL_KEYS: Final = _COMMAND_KEYS | {"credentials", "version_list", "version_details"}


def _check_urls(key: str, body: Any, prefix: str, reports: list[Report]) -> None:
    for path, value in _urls(key, body):
        if not is_url(value):
            reports.append(Report(UrlFieldNotUrl(field=path.rpartition(".")[2], value=value), under(prefix, path)))


def _second_chance(body: Raw, failed: ShapeError, key: str, profile: Profile, prefix: str,
                   reports: list[Report]) -> Any:
    """`body`, which failed as `key`, decoded with the forms the catalogue tolerates put right (and reported)."""
    repaired = repair(bytes(body))
    if repaired is None:
        return failed
    fixed, repairs = repaired
    for done in repairs:
        reports.append(_repair_report(done, key, profile, prefix))
    return decode_as(Raw(fixed), key, profile.ocpi_version)


def _repair_report(done: Repair, key: str, profile: Profile, prefix: str) -> Report:
    path = under(prefix, done.path)
    if done.kind == "coordinate_precision":
        return Report(CoordinatePrecision(value=done.original), path)
    rule = _malformed(key, _DATETIME_REASONS[done.kind].format(done.original))
    return Report(rule, path, profile.tolerated_severity(done.kind, type(rule)))


def decode_bodies(
    exchange: ExchangeView,
    route: RouteView,
    envelope: RawEnvelope | ShapeError | None,
    profile: Profile,
) -> Bodies:
    """Typed bodies in the model of the profile's OCPI version."""
    bodies = Bodies()
    request_body = exchange.request.body
    if (route.request_type is not None and request_body is UNSET and not exchange.request.has_body
            and route.operation not in _BODY_OPTIONAL):
        bodies.reports.append(Report(PushWithoutBody(method=exchange.request.method, carries=route.request_type),
                                     None))
    if route.request_type is not None and request_body is not UNSET:
        key = model_key(route.request_type)
        decoded = decode_as(request_body, key, profile.ocpi_version)
        if isinstance(decoded, ShapeError) and _looks_wrapped(request_body):
            bodies.reports.append(Report(RequestWrappedInEnvelope(), "$"))
        else:
            if isinstance(decoded, ShapeError):
                decoded = _second_chance(request_body, decoded, key, profile, "$", bodies.reports)
            if isinstance(decoded, ShapeError):
                bodies.reports.append(Report(_malformed(key, decoded.message), decoded.path))
            else:
                bodies.request = decoded
                if key in _URL_KEYS:
                    _check_urls(key, decoded, "$", bodies.reports)
                patch_rule = PATCH_WITHOUT_LAST_UPDATED.get(key)
                if patch_rule is not None and decoded.last_updated is UNSET:
                    bodies.reports.append(Report(patch_rule(), "$.last_updated"))
    accepted = isinstance(envelope, RawEnvelope) and 1000 <= envelope.status_code <= 1999
    if route.module == "cdrs" and route.operation == "post" and accepted and exchange.response is not None:
        if not exchange.response.header("Location"):
            bodies.reports.append(Report(CdrPostWithoutLocation(), None))
    if route.data_type is not None and isinstance(envelope, RawEnvelope) and 1000 <= envelope.status_code <= 1999:
        key = model_key(route.data_type)
        if key == "credentials" and (envelope.data is UNSET or bytes(envelope.data) == b"null"):
            bodies.reports.append(Report(CredentialsAnswerWithoutCredentials(), "$.data"))
        elif envelope.data is UNSET:
            bodies.reports.append(Report(_malformed(key, "`data` is missing"), "$.data"))
        else:
            decoded = decode_as(envelope.data, key, profile.ocpi_version)
            if isinstance(decoded, ShapeError) and key in _ITEM_KEYS:
                decoded = _each_item(envelope.data, decoded, key, profile, bodies)
            if isinstance(decoded, ShapeError):
                decoded = _second_chance(envelope.data, decoded, key, profile, "$.data", bodies.reports)
            if isinstance(decoded, ShapeError):
                bodies.reports.append(Report(_malformed(key, decoded.message), under("$.data", decoded.path)))
            else:
                bodies.data = decoded
                if key in _URL_KEYS:
                    _check_urls(key, decoded, "$.data", bodies.reports)
    return bodies


def _each_item(data: Raw, failed: ShapeError, key: str, profile: Profile, bodies: Bodies) -> Any:
    """A page that failed as a whole, decoded object by object: the objects that decode (after their own
    second chance), each one that does not reported at its own path. `failed` where `data` is no array, or
    where every object decodes as it is (then the page broke a rule of the list itself)."""
    try:
        items = _raw_list.decode(data)
    except msgspec.MsgspecError:
        return failed
    item_key, kept, positions, fell = _ITEM_KEYS[key], [], [], False
    for index, item in enumerate(items):
        decoded = decode_as(item, item_key, profile.ocpi_version)
        if isinstance(decoded, ShapeError):
            fell, prefix = True, f"$.data[{index}]"
            decoded = _second_chance(item, decoded, item_key, profile, prefix, bodies.reports)
            if isinstance(decoded, ShapeError):
                bodies.reports.append(Report(_malformed(key, decoded.message), under(prefix, decoded.path)))
                continue
        kept.append(decoded)
        positions.append(index)
    if not fell:
        return failed
    if len(kept) < len(items):
        bodies.sent, bodies.positions = len(items), positions
    return kept
