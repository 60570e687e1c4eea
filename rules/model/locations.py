"""Locations module (§8): Location, Evse, Connector, their PATCH bodies.

A PATCH body is decoded as `LocationPatch`, `EvsePatch` or `ConnectorPatch`
by URL depth. Every field defaults to `UNSET`, so a field that is absent
stays distinct from one sent as `null` (a null in a PATCH has no defined
meaning: a checker warns). `last_updated` is required in every PATCH by the
spec (§8.2.2.3) but `UNSET` here too: a body without it decodes, and the
checker reports LOC003 with its own code instead of a generic shape error.

2.2 differences (see `differences.py`): Location.address and Location.state
were string(45) / string(20) until the 2026 erratum; Capability, ConnectorType
and PowerType gained values in 2.2.1.
"""

import enum
from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from .credentials import BusinessDetails, Image
from .tokens import TokenType
from .types import (
    URL,
    CiString36,
    CiString48,
    CountryCode,
    DateTime,
    DisplayText,
    GeoLocation,
    Latitude,
    LocalTime,
    Longitude,
    Number,
    OcpiObject,
    OcpiPatch,
    PartyId,
    String3,
    String4,
    String10,
    String16,
    String45,
    String64,
    String255,
)


class Status(enum.StrEnum):
    """§8.4.22 (EVSE status)"""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class Capability(enum.StrEnum):
    """§8.4.3"""

    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE"
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT"
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE"
    PED_TERMINAL = "PED_TERMINAL"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED"  # new in 2.2.1
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE"
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"


class ConnectorFormat(enum.StrEnum):
    """§8.4.4"""

    SOCKET = "SOCKET"
    CABLE = "CABLE"


class ConnectorType(enum.StrEnum):
    """§8.4.5 (CHAOJI, DOMESTIC_M/N/O, GBT_*, NEMA_* new in 2.2.1)"""

    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


class PowerType(enum.StrEnum):
    """§8.4.19 (AC_2_PHASE and AC_2_PHASE_SPLIT new in 2.2.1)"""

    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ParkingType(enum.StrEnum):
    """§8.4.18"""

    ALONG_MOTORWAY = "ALONG_MOTORWAY"
    PARKING_GARAGE = "PARKING_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    ON_DRIVEWAY = "ON_DRIVEWAY"
    ON_STREET = "ON_STREET"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"


class ParkingRestriction(enum.StrEnum):
    """§8.4.17"""

    EV_ONLY = "EV_ONLY"
    PLUGGED = "PLUGGED"
    DISABLED = "DISABLED"
    CUSTOMERS = "CUSTOMERS"
    MOTORCYCLES = "MOTORCYCLES"


class Facility(enum.StrEnum):
    """§8.4.12"""

    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BIKE_SHARING = "BIKE_SHARING"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAM_STOP = "TRAM_STOP"
    METRO_STATION = "METRO_STATION"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    PARKING_LOT = "PARKING_LOT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"


class EnergySourceCategory(enum.StrEnum):
    """§8.4.8"""

    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnvironmentalImpactCategory(enum.StrEnum):
    """§8.4.10"""

    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"


class AdditionalGeoLocation(OcpiObject, kw_only=True, frozen=True):
    """§8.4.1"""

    latitude: Latitude
    longitude: Longitude
    name: DisplayText | None = None


class EnergySource(OcpiObject, kw_only=True, frozen=True):
    """§8.4.7"""

    source: EnergySourceCategory
    percentage: Number


class EnvironmentalImpact(OcpiObject, kw_only=True, frozen=True):
    """§8.4.9"""

    category: EnvironmentalImpactCategory
    amount: Number


class EnergyMix(OcpiObject, kw_only=True, frozen=True):
    """§8.4.6"""

    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: String64 | None = None
    energy_product_name: String64 | None = None


class ExceptionalPeriod(OcpiObject, kw_only=True, frozen=True):
    """§8.4.11"""

    period_begin: DateTime
    period_end: DateTime


class RegularHours(OcpiObject, kw_only=True, frozen=True):
    """§8.4.21"""

    weekday: Annotated[int, Meta(ge=1, le=7)]  # int(1), 1 = Monday .. 7 = Sunday
    period_begin: LocalTime
    period_end: LocalTime


class Hours(OcpiObject, kw_only=True, frozen=True):
    """§8.4.14"""

    twentyfourseven: bool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None


class PublishTokenType(OcpiObject, kw_only=True, frozen=True):
    """§8.4.20"""

    uid: CiString36 | None = None
    type: TokenType | None = None
    visual_number: String64 | None = None
    issuer: String64 | None = None
    group_id: CiString36 | None = None


class StatusSchedule(OcpiObject, kw_only=True, frozen=True):
    """§8.4.23"""

    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class Connector(OcpiObject, kw_only=True, frozen=True):
    """§8.3.3"""

    id: CiString36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None = None
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime


class Evse(OcpiObject, kw_only=True, frozen=True):
    """§8.3.2 (the spec's EVSE object)"""

    uid: CiString36
    evse_id: CiString48 | None = None
    status: Status
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: Annotated[list[Connector], Meta(min_length=1)]
    floor_level: String4 | None = None
    coordinates: GeoLocation | None = None
    physical_reference: String16 | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class Location(OcpiObject, kw_only=True, frozen=True):
    """§8.3.1"""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    publish: bool
    publish_allowed_to: list[PublishTokenType] | None = None
    name: String255 | None = None
    address: String255  # string(45) in 2.2 and the 2.2.1 release; 255 since the erratum
    city: String45
    postal_code: String10 | None = None
    state: String45 | None = None  # string(20) in 2.2 and the 2.2.1 release; 45 since the erratum
    country: String3
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[Evse] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: String255
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


class ConnectorPatch(OcpiPatch, kw_only=True, frozen=True):
    """PATCH body at `.../{location_id}/{evse_uid}/{connector_id}` (§8.2.2.3)."""

    id: CiString36 | None | UnsetType = UNSET
    standard: ConnectorType | None | UnsetType = UNSET
    format: ConnectorFormat | None | UnsetType = UNSET
    power_type: PowerType | None | UnsetType = UNSET
    max_voltage: int | None | UnsetType = UNSET
    max_amperage: int | None | UnsetType = UNSET
    max_electric_power: int | None | UnsetType = UNSET
    tariff_ids: list[CiString36] | None | UnsetType = UNSET
    terms_and_conditions: URL | None | UnsetType = UNSET
    last_updated: DateTime | None | UnsetType = UNSET


class EvsePatch(OcpiPatch, kw_only=True, frozen=True):
    """PATCH body at `.../{location_id}/{evse_uid}` (§8.2.2.3)."""

    uid: CiString36 | None | UnsetType = UNSET
    evse_id: CiString48 | None | UnsetType = UNSET
    status: Status | None | UnsetType = UNSET
    status_schedule: list[StatusSchedule] | None | UnsetType = UNSET
    capabilities: list[Capability] | None | UnsetType = UNSET
    connectors: Annotated[list[Connector], Meta(min_length=1)] | None | UnsetType = UNSET
    floor_level: String4 | None | UnsetType = UNSET
    coordinates: GeoLocation | None | UnsetType = UNSET
    physical_reference: String16 | None | UnsetType = UNSET
    directions: list[DisplayText] | None | UnsetType = UNSET
    parking_restrictions: list[ParkingRestriction] | None | UnsetType = UNSET
    images: list[Image] | None | UnsetType = UNSET
    last_updated: DateTime | None | UnsetType = UNSET


class LocationPatch(OcpiPatch, kw_only=True, frozen=True):
    """PATCH body at `.../{location_id}` (§8.2.2.3)."""

    country_code: CountryCode | None | UnsetType = UNSET
    party_id: PartyId | None | UnsetType = UNSET
    id: CiString36 | None | UnsetType = UNSET
    publish: bool | None | UnsetType = UNSET
    publish_allowed_to: list[PublishTokenType] | None | UnsetType = UNSET
    name: String255 | None | UnsetType = UNSET
    address: String255 | None | UnsetType = UNSET
    city: String45 | None | UnsetType = UNSET
    postal_code: String10 | None | UnsetType = UNSET
    state: String45 | None | UnsetType = UNSET
    country: String3 | None | UnsetType = UNSET
    coordinates: GeoLocation | None | UnsetType = UNSET
    related_locations: list[AdditionalGeoLocation] | None | UnsetType = UNSET
    parking_type: ParkingType | None | UnsetType = UNSET
    evses: list[Evse] | None | UnsetType = UNSET
    directions: list[DisplayText] | None | UnsetType = UNSET
    operator: BusinessDetails | None | UnsetType = UNSET
    suboperator: BusinessDetails | None | UnsetType = UNSET
    owner: BusinessDetails | None | UnsetType = UNSET
    facilities: list[Facility] | None | UnsetType = UNSET
    time_zone: String255 | None | UnsetType = UNSET
    opening_times: Hours | None | UnsetType = UNSET
    charging_when_closed: bool | None | UnsetType = UNSET
    images: list[Image] | None | UnsetType = UNSET
    energy_mix: EnergyMix | None | UnsetType = UNSET
    last_updated: DateTime | None | UnsetType = UNSET
