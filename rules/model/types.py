"""OCPI basic types (§16) and the string limits used by every module.

Each limit is a named `Annotated` alias, defined here once. msgspec checks
them while decoding and names the JSON path of the first value that breaks
one, which is what the shape rules report.

- string(n): at most n characters, printable UTF-8 (no C0/C1 control
  characters, so no CR, LF or TAB).
- CiString(n): at most n characters, printable ASCII (0x20..0x7E). Case
  insensitivity is a matter of comparison, left to the checkers.
- DateTime: kept as `str`, not `datetime`, so that a wrong form (`+00:00`,
  missing seconds, over 25 characters) is reported as such; `parse_datetime`
  turns a valid one into an aware UTC `datetime`.

Patterns end in `\\Z`, not `$`: msgspec uses `re.search`, and `$` would also
match before a trailing newline.
"""

import enum
from datetime import datetime
from typing import Annotated, TypeAlias

from msgspec import Meta, Struct

PRINTABLE_PATTERN = r"^[^\x00-\x1F\x7F-\x9F]*\Z"
PRINTABLE_ASCII_PATTERN = r"^[\x20-\x7E]*\Z"


def string_meta(n: int) -> Meta:
    """Constraints of the OCPI type string(n)."""
    return Meta(max_length=n, pattern=PRINTABLE_PATTERN)


def cistring_meta(n: int) -> Meta:
    """Constraints of the OCPI type CiString(n)."""
    return Meta(max_length=n, pattern=PRINTABLE_ASCII_PATTERN)


String2: TypeAlias = Annotated[str, string_meta(2)]
String3: TypeAlias = Annotated[str, string_meta(3)]
String4: TypeAlias = Annotated[str, string_meta(4)]
String10: TypeAlias = Annotated[str, string_meta(10)]
String16: TypeAlias = Annotated[str, string_meta(16)]
String20: TypeAlias = Annotated[str, string_meta(20)]
String45: TypeAlias = Annotated[str, string_meta(45)]
String64: TypeAlias = Annotated[str, string_meta(64)]
String100: TypeAlias = Annotated[str, string_meta(100)]
String255: TypeAlias = Annotated[str, string_meta(255)]
String512: TypeAlias = Annotated[str, string_meta(512)]
String5000: TypeAlias = Annotated[str, string_meta(5000)]
# Fields the spec types as plain `string` without a length.
String: TypeAlias = Annotated[str, Meta(pattern=PRINTABLE_PATTERN)]

CountryCode: TypeAlias = Annotated[str, cistring_meta(2)]
PartyId: TypeAlias = Annotated[str, cistring_meta(3)]
CiString4: TypeAlias = Annotated[str, cistring_meta(4)]
CiString32: TypeAlias = Annotated[str, cistring_meta(32)]
CiString36: TypeAlias = Annotated[str, cistring_meta(36)]
CiString39: TypeAlias = Annotated[str, cistring_meta(39)]
CiString48: TypeAlias = Annotated[str, cistring_meta(48)]

# §16.8: a string(255); whether it is absolute is a semantic check (ENV009).
URL: TypeAlias = Annotated[str, string_meta(255)]

DATETIME_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?Z?\Z"
)
DateTime: TypeAlias = Annotated[str, Meta(max_length=25, pattern=DATETIME_PATTERN)]

# Local wall-clock forms, with the regexes the spec gives (§8.4.21, §11.4.6).
LocalTime: TypeAlias = Annotated[str, Meta(max_length=5, pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]\Z")]
LocalDate: TypeAlias = Annotated[
    str, Meta(max_length=10, pattern=r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\Z")
]

Latitude: TypeAlias = Annotated[str, Meta(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}\Z")]
Longitude: TypeAlias = Annotated[str, Meta(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}\Z")]

# §16.4: any JSON number; "4 decimals" is formatting advice, not a limit.
Number: TypeAlias = float
# int(5): at most 5 digits (Image width/height).
Int5: TypeAlias = Annotated[int, Meta(ge=-99_999, le=99_999)]


class OcpiObject(Struct, kw_only=True, frozen=True):
    """Base of every OCPI object and class: frozen, unknown fields ignored.

    Every subclass repeats `kw_only=True, frozen=True`: msgspec does not
    inherit `kw_only` (which lets required and optional fields keep the
    spec's order), and mypy wants `frozen` restated.
    """


class OcpiPatch(Struct, kw_only=True, frozen=True, omit_defaults=True):
    """Base of the PATCH bodies: every field defaults to `UNSET` (never encoded)."""


class DisplayText(OcpiObject, kw_only=True, frozen=True):
    """§16.3"""

    language: String2
    text: String512


class Price(OcpiObject, kw_only=True, frozen=True):
    """§16.5"""

    excl_vat: Number
    incl_vat: Number | None = None


class GeoLocation(OcpiObject, kw_only=True, frozen=True):
    """§8.4.13 (shared by Locations and CDRs)."""

    latitude: Latitude
    longitude: Longitude


class Role(enum.StrEnum):
    """§16.6"""

    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


def parse_datetime(value: str) -> datetime:
    """An aware UTC datetime from a valid OCPI DateTime (no designator = UTC)."""
    text = value.removesuffix("Z")
    if text[17:19] == "60":  # a leap second, legal in RFC 3339, unknown to Python
        text = text[:17] + "59" + text[19:]
    return datetime.fromisoformat(text + "+00:00")  # as aware as `.replace(tzinfo=UTC)`, and faster
