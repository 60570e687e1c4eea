"""Tariffs module (§11). No PATCH: tariffs are replaced by PUT."""

import enum
from typing import Annotated

from msgspec import Meta

from .locations import EnergyMix
from .types import (
    URL,
    CiString36,
    CountryCode,
    DateTime,
    DisplayText,
    LocalDate,
    LocalTime,
    Number,
    OcpiObject,
    PartyId,
    Price,
    String3,
)


class DayOfWeek(enum.StrEnum):
    """§11.4.1"""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class ReservationRestrictionType(enum.StrEnum):
    """§11.4.3"""

    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class TariffDimensionType(enum.StrEnum):
    """§11.4.5"""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class TariffType(enum.StrEnum):
    """§11.4.7"""

    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class PriceComponent(OcpiObject, kw_only=True, frozen=True):
    """§11.4.2"""

    type: TariffDimensionType
    price: Number
    vat: Number | None = None  # absent means no VAT applies, which is not 0 %
    step_size: int


class TariffRestrictions(OcpiObject, kw_only=True, frozen=True):
    """§11.4.6 (times and dates are local to the Location's time_zone)"""

    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_current: Number | None = None
    max_current: Number | None = None
    min_power: Number | None = None
    max_power: Number | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


class TariffElement(OcpiObject, kw_only=True, frozen=True):
    """§11.4.4"""

    price_components: Annotated[list[PriceComponent], Meta(min_length=1)]
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiObject, kw_only=True, frozen=True):
    """§11.3.1"""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    currency: String3
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    elements: Annotated[list[TariffElement], Meta(min_length=1)]
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
