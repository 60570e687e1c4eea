"""Credentials module (§7), with BusinessDetails and Image (§8.4.2, §8.4.15)."""

import enum
from typing import Annotated

from msgspec import Meta

from .types import URL, CiString4, CountryCode, Int5, OcpiObject, PartyId, Role, String64, String100


class ImageCategory(enum.StrEnum):
    """§8.4.16"""

    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    OWNER = "OWNER"


class Image(OcpiObject, kw_only=True, frozen=True):
    """§8.4.15"""

    url: URL
    thumbnail: URL | None = None
    category: ImageCategory
    type: CiString4
    width: Int5 | None = None
    height: Int5 | None = None


class BusinessDetails(OcpiObject, kw_only=True, frozen=True):
    """§8.4.2"""

    name: String100
    website: URL | None = None
    logo: Image | None = None


class CredentialsRole(OcpiObject, kw_only=True, frozen=True):
    """§7.4.1"""

    role: Role
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


class Credentials(OcpiObject, kw_only=True, frozen=True):
    """§7.3.1"""

    # The spec asks for U+0021..U+007E only with a "should": a checker's
    # business (CRD001), not a decode failure. Captures hold the redacted
    # form `redacted:sha256:<12 hex>`, which fits.
    token: String64
    url: URL
    roles: Annotated[list[CredentialsRole], Meta(min_length=1)]
