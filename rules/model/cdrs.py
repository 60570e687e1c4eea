"""CDRs module (§10), with the classes Sessions shares (§10.4).

CdrToken, AuthMethod, ChargingPeriod, CdrDimension and CdrDimensionType are
defined by the CDRs chapter and used by Session too; `sessions` re-exports
them. A CDR is never changed, so there is no PATCH body.

2.2 differences (see `differences.py`): CdrToken.country_code/party_id,
CdrLocation.state and Cdr.home_charging_compensation are new in 2.2.1;
CdrLocation.postal_code was required; SignedData and SignedValue strings were
CiString(512).
"""

import enum
from typing import Annotated

from msgspec import Meta

from .locations import ConnectorFormat, ConnectorType, PowerType
from .tariffs import Tariff
from .tokens import TokenType
from .types import (
    CiString32,
    CiString36,
    CiString39,
    CiString48,
    CountryCode,
    DateTime,
    GeoLocation,
    Number,
    OcpiObject,
    PartyId,
    Price,
    String3,
    String10,
    String20,
    String45,
    String255,
    String512,
    String5000,
)


class AuthMethod(enum.StrEnum):
    """§10.4.1"""

    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


class CdrDimensionType(enum.StrEnum):
    """§10.4.3 (CURRENT, ENERGY_EXPORT, ENERGY_IMPORT, POWER, STATE_OF_CHARGE: Sessions only)"""

    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"
    TIME = "TIME"


class CdrDimension(OcpiObject, kw_only=True, frozen=True):
    """§10.4.2"""

    type: CdrDimensionType
    volume: Number


class ChargingPeriod(OcpiObject, kw_only=True, frozen=True):
    """§10.4.6"""

    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Meta(min_length=1)]
    tariff_id: CiString36 | None = None


class CdrToken(OcpiObject, kw_only=True, frozen=True):
    """§10.4.5"""

    country_code: CountryCode  # new (and required) in 2.2.1
    party_id: PartyId  # new (and required) in 2.2.1
    uid: CiString36
    type: TokenType
    contract_id: CiString36


class CdrLocation(OcpiObject, kw_only=True, frozen=True):
    """§10.4.4"""

    id: CiString36
    name: String255 | None = None
    address: String45  # the Location.address erratum (45 -> 255) did not touch this one
    city: String45
    postal_code: String10 | None = None  # required in 2.2
    state: String20 | None = None  # new in 2.2.1
    country: String3
    coordinates: GeoLocation
    evse_uid: CiString36
    evse_id: CiString48
    connector_id: CiString36
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class SignedValue(OcpiObject, kw_only=True, frozen=True):
    """§10.4.8"""

    nature: CiString32
    plain_data: String5000  # CiString(512) in 2.2, string(512) in the 2.2.1 release
    signed_data: String5000  # CiString(512) in 2.2


class SignedData(OcpiObject, kw_only=True, frozen=True):
    """§10.4.7"""

    encoding_method: CiString36
    encoding_method_version: int | None = None
    public_key: String512 | None = None  # CiString(512) in 2.2
    signed_values: Annotated[list[SignedValue], Meta(min_length=1)]
    url: String512 | None = None  # CiString(512) in 2.2


class Cdr(OcpiObject, kw_only=True, frozen=True):
    """§10.3.1 (the spec's CDR object)"""

    country_code: CountryCode
    party_id: PartyId
    id: CiString39  # 36 plus room for a credit CDR's suffix
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    cdr_location: CdrLocation
    meter_id: String255 | None = None
    currency: String3
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Meta(min_length=1)]
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Number
    total_energy_cost: Price | None = None
    total_time: Number
    total_time_cost: Price | None = None
    total_parking_time: Number | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: String255 | None = None
    invoice_reference_id: CiString39 | None = None
    credit: bool | None = None
    credit_reference_id: CiString39 | None = None
    home_charging_compensation: bool | None = None  # new in 2.2.1
    last_updated: DateTime
