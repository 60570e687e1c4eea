"""Sessions module (§9): Session, its PATCH body, charging preferences.

`SessionPatch` fields all default to `UNSET` (absent stays distinct from
`null`). `last_updated` is required in a PATCH by the spec (§9.2.2.3) but
`UNSET` here too: a body without it decodes, and the checker reports SES002
with its own code instead of a generic shape error. A PATCH's
`charging_periods` are appended to the stored ones, not a replacement.

ChargingPeriod, CdrDimension, CdrToken and AuthMethod come from the CDRs
chapter (§10.4) and ProfileType from `tokens` (to keep imports acyclic);
they are re-exported here.
"""

import enum

from msgspec import UNSET, UnsetType

from .cdrs import AuthMethod, CdrDimension, CdrDimensionType, CdrToken, ChargingPeriod
from .tokens import ProfileType
from .types import (
    CiString36,
    CountryCode,
    DateTime,
    Number,
    OcpiObject,
    OcpiPatch,
    PartyId,
    Price,
    String3,
    String255,
)

__all__ = [
    "AuthMethod",
    "CdrDimension",
    "CdrDimensionType",
    "CdrToken",
    "ChargingPeriod",
    "ChargingPreferences",
    "ChargingPreferencesResponse",
    "ProfileType",
    "Session",
    "SessionPatch",
    "SessionStatus",
]


class SessionStatus(enum.StrEnum):
    """§9.4.3 (the prose of §9.1.4 says RESERVED; the value is RESERVATION)"""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class ChargingPreferencesResponse(enum.StrEnum):
    """§9.4.1 (the bare `data` of the charging-preferences PUT answer)"""

    ACCEPTED = "ACCEPTED"
    DEPARTURE_REQUIRED = "DEPARTURE_REQUIRED"
    ENERGY_NEED_REQUIRED = "ENERGY_NEED_REQUIRED"
    NOT_POSSIBLE = "NOT_POSSIBLE"
    PROFILE_TYPE_NOT_SUPPORTED = "PROFILE_TYPE_NOT_SUPPORTED"


class ChargingPreferences(OcpiObject, kw_only=True, frozen=True):
    """§9.3.2"""

    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: Number | None = None
    discharge_allowed: bool | None = None


class Session(OcpiObject, kw_only=True, frozen=True):
    """§9.3.1"""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: Number
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
    meter_id: String255 | None = None
    currency: String3
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus
    last_updated: DateTime


class SessionPatch(OcpiPatch, kw_only=True, frozen=True):
    """PATCH body at `.../{session_id}` (§9.2.2.3)."""

    country_code: CountryCode | None | UnsetType = UNSET
    party_id: PartyId | None | UnsetType = UNSET
    id: CiString36 | None | UnsetType = UNSET
    start_date_time: DateTime | None | UnsetType = UNSET
    end_date_time: DateTime | None | UnsetType = UNSET
    kwh: Number | None | UnsetType = UNSET
    cdr_token: CdrToken | None | UnsetType = UNSET
    auth_method: AuthMethod | None | UnsetType = UNSET
    authorization_reference: CiString36 | None | UnsetType = UNSET
    location_id: CiString36 | None | UnsetType = UNSET
    evse_uid: CiString36 | None | UnsetType = UNSET
    connector_id: CiString36 | None | UnsetType = UNSET
    meter_id: String255 | None | UnsetType = UNSET
    currency: String3 | None | UnsetType = UNSET
    charging_periods: list[ChargingPeriod] | None | UnsetType = UNSET
    total_cost: Price | None | UnsetType = UNSET
    status: SessionStatus | None | UnsetType = UNSET
    last_updated: DateTime | None | UnsetType = UNSET
