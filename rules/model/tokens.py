"""Tokens module (§12), plus ProfileType.

ProfileType belongs to the Sessions module (§9.4.2) but Token uses it; it
lives here so that tokens -> (nothing), cdrs -> tokens, sessions -> cdrs
stays free of import cycles. `sessions` re-exports it.

`TokenPatch.last_updated` is `UNSET` by default like every PATCH field: a
PATCH body without it decodes, and the checker reports TOK002 with its own
code instead of a generic shape error.
"""

import enum

from msgspec import UNSET, UnsetType

from .types import (
    CiString36,
    CountryCode,
    DateTime,
    DisplayText,
    OcpiObject,
    OcpiPatch,
    PartyId,
    String2,
    String64,
)


class TokenType(enum.StrEnum):
    """§12.4.4"""

    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


class WhitelistType(enum.StrEnum):
    """§12.4.5"""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AllowedType(enum.StrEnum):
    """§12.4.1"""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class ProfileType(enum.StrEnum):
    """§9.4.2"""

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class EnergyContract(OcpiObject, kw_only=True, frozen=True):
    """§12.4.2"""

    supplier_name: String64
    contract_id: String64 | None = None


class LocationReferences(OcpiObject, kw_only=True, frozen=True):
    """§12.4.3 (request body of the real-time authorize)."""

    location_id: CiString36
    evse_uids: list[CiString36] | None = None


class Token(OcpiObject, kw_only=True, frozen=True):
    """§12.3.2"""

    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36
    visual_number: String64 | None = None
    issuer: String64
    group_id: CiString36 | None = None
    valid: bool
    whitelist: WhitelistType
    language: String2 | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class TokenPatch(OcpiPatch, kw_only=True, frozen=True):
    """§12.2.1.3: the Token fields a PATCH carries; `last_updated` required by the spec."""

    country_code: CountryCode | None | UnsetType = UNSET
    party_id: PartyId | None | UnsetType = UNSET
    uid: CiString36 | None | UnsetType = UNSET
    type: TokenType | None | UnsetType = UNSET
    contract_id: CiString36 | None | UnsetType = UNSET
    visual_number: String64 | None | UnsetType = UNSET
    issuer: String64 | None | UnsetType = UNSET
    group_id: CiString36 | None | UnsetType = UNSET
    valid: bool | None | UnsetType = UNSET
    whitelist: WhitelistType | None | UnsetType = UNSET
    language: String2 | None | UnsetType = UNSET
    default_profile_type: ProfileType | None | UnsetType = UNSET
    energy_contract: EnergyContract | None | UnsetType = UNSET
    last_updated: DateTime | None | UnsetType = UNSET


class AuthorizationInfo(OcpiObject, kw_only=True, frozen=True):
    """§12.3.1"""

    allowed: AllowedType
    token: Token
    location: LocationReferences | None = None
    authorization_reference: CiString36 | None = None
    info: DisplayText | None = None
