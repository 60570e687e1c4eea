"""A second chance for bodies that fail only on forms real peers commonly send (catalogue 12.6, 12.23).

Two deviations are everywhere in practice: DateTimes written by libraries
(`+00:00` instead of `Z`, six fractional digits that make 27 characters
where the spec allows 25) and coordinates with fewer or more decimals than
the 5 to 7 the GeoLocation regex demands. A body that fails to decode is
rewritten with exactly those forms put right; if it then decodes, the
checks downstream still see the object, and each rewrite is reported on its
own, with the severity the profile gives it.

Only bodies that already failed get here, so the well-formed path costs
nothing.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal, NamedTuple

import orjson

from .model.types import DATETIME_PATTERN

RepairKind = Literal["datetime_offset", "datetime_length", "coordinate_precision"]

_DATETIME: Final = re.compile(DATETIME_PATTERN)
_NEAR_DATETIME: Final = re.compile(
    r"^(?P<base>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?P<fraction>\.[0-9]+)?"
    r"(?P<zone>Z|[+-]00:?00)?\Z"
)
_COORDINATE: Final = re.compile(r"^-?[0-9]{1,3}\.[0-9]{5,7}\Z")
_NEAR_COORDINATE: Final = re.compile(r"^(?P<whole>-?[0-9]{1,3})(?:\.(?P<decimals>[0-9]*))?\Z")
_COORDINATE_KEYS: Final = frozenset({"latitude", "longitude"})
_DATETIME_LIMIT: Final = 25


class Repair(NamedTuple):
    path: str
    kind: RepairKind
    original: str


# What each tolerated form is, as `ocpi-tap rule CODE` names it.
FORMS: Final[dict[RepairKind, str]] = {
    "datetime_offset": "a DateTime with a numeric UTC offset (`+00:00`)",
    "datetime_length": "a DateTime longer than 25 characters (too many fractional digits)",
    "coordinate_precision": "a coordinate without 5 to 7 decimals",
}


def datetime_put_right(value: str) -> tuple[str, RepairKind] | None:
    """A DateTime that failed its pattern, put right, with the tolerated form it was written in (the offset
    first, as `repair` reports it); None if it is in none."""
    repairs: list[Repair] = []
    fixed = _datetime(value, "$", repairs)
    return (fixed, repairs[0].kind) if repairs else None


def repair(body: bytes) -> tuple[bytes, list[Repair]] | None:
    """The body with the tolerated forms put right and what was changed, or None if nothing was."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    repairs: list[Repair] = []
    try:
        fixed = _walk(value, "$", None, repairs)
    except RecursionError:  # nested deeper than Python recursion goes (orjson reads up to 1024 levels)
        return None
    return (orjson.dumps(fixed), repairs) if repairs else None


def _walk(value: Any, path: str, key: str | None, repairs: list[Repair]) -> Any:
    if isinstance(value, dict):
        return {name: _walk(item, f"{path}.{name}", name, repairs) for name, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, f"{path}[{index}]", None, repairs) for index, item in enumerate(value)]
    if not isinstance(value, str):
        return value
    if key in _COORDINATE_KEYS:
        return _coordinate(value, path, repairs)
    return _datetime(value, path, repairs)


def _coordinate(value: str, path: str, repairs: list[Repair]) -> str:
    if _COORDINATE.match(value):
        return value
    near = _NEAR_COORDINATE.match(value)
    if near is None:
        return value
    decimals = (near["decimals"] or "").ljust(5, "0")[:7]
    repairs.append(Repair(path, "coordinate_precision", value))
    return f"{near['whole']}.{decimals}"


def _datetime(value: str, path: str, repairs: list[Repair]) -> str:
    if len(value) <= _DATETIME_LIMIT and _DATETIME.match(value):
        return value
    near = _NEAR_DATETIME.match(value)
    if near is None:
        return value
    zone, fraction = near["zone"] or "", near["fraction"] or ""
    if zone not in ("", "Z"):
        repairs.append(Repair(path, "datetime_offset", value))
        zone = "Z"
    fixed = near["base"] + fraction + zone
    if len(fixed) > _DATETIME_LIMIT:
        if not repairs or repairs[-1].path != path:
            repairs.append(Repair(path, "datetime_length", value))
        fixed = near["base"] + fraction[: _DATETIME_LIMIT - len(near["base"]) - len(zone)] + zone
    return fixed
