"""The OCPI 2.2.1 message model: msgspec Structs named as the spec names them.

`registry` maps a short key (the body type a route calls for) to its type;
`decoder_for(key)` and `envelope_decoder_for(key)` return a
`msgspec.json.Decoder` built once per key and reused. Decoding is strict
(no string-to-number coercion), unknown fields are ignored, and the first
error raises `msgspec.ValidationError` with the JSON path in its message.
"""

from functools import cache
from types import MappingProxyType
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from .cdrs import (
    AuthMethod,
    Cdr,
    CdrDimension,
    CdrDimensionType,
    CdrLocation,
    CdrToken,
    ChargingPeriod,
    SignedData,
    SignedValue,
)
from .commands import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from .credentials import BusinessDetails, Credentials, CredentialsRole, Image, ImageCategory
from .differences import DIFFERENCES_2_2, ERRATA_2_2_1, Difference
from .envelope import Envelope, RawEnvelope
from .hubclientinfo import ClientInfo, ConnectionStatus
from .locations import (
    AdditionalGeoLocation,
    Capability,
    Connector,
    ConnectorFormat,
    ConnectorPatch,
    ConnectorType,
    EnergyMix,
    EnergySource,
    EnergySourceCategory,
    EnvironmentalImpact,
    EnvironmentalImpactCategory,
    Evse,
    EvsePatch,
    ExceptionalPeriod,
    Facility,
    Hours,
    Location,
    LocationPatch,
    ParkingRestriction,
    ParkingType,
    PowerType,
    PublishTokenType,
    RegularHours,
    Status,
    StatusSchedule,
)
from .sessions import (
    ChargingPreferences,
    ChargingPreferencesResponse,
    Session,
    SessionPatch,
    SessionStatus,
)
from .tariffs import (
    DayOfWeek,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    TariffType,
)
from .tokens import (
    AllowedType,
    AuthorizationInfo,
    EnergyContract,
    LocationReferences,
    ProfileType,
    Token,
    TokenPatch,
    TokenType,
    WhitelistType,
)
from .types import DisplayText, GeoLocation, OcpiObject, OcpiPatch, Price, Role, parse_datetime
from .ocpi22 import OVERRIDES_2_2
from .versions import Endpoint, InterfaceRole, ModuleID, Version, VersionDetails, VersionNumber

registry: MappingProxyType[str, Any] = MappingProxyType(
    {
        "envelope": RawEnvelope,
        # versions, credentials
        "version_list": Annotated[list[Version], Meta(min_length=1)],
        "version_details": VersionDetails,
        "credentials": Credentials,
        # locations (the PATCH type follows the URL depth)
        "location": Location,
        "evse": Evse,
        "connector": Connector,
        "location_patch": LocationPatch,
        "evse_patch": EvsePatch,
        "connector_patch": ConnectorPatch,
        "location_list": list[Location],
        # tariffs
        "tariff": Tariff,
        "tariff_list": list[Tariff],
        # sessions
        "session": Session,
        "session_patch": SessionPatch,
        "session_list": list[Session],
        "charging_preferences": ChargingPreferences,
        "charging_preferences_response": ChargingPreferencesResponse,
        # cdrs
        "cdr": Cdr,
        "cdr_list": list[Cdr],
        # tokens
        "token": Token,
        "token_patch": TokenPatch,
        "token_list": list[Token],
        "location_references": LocationReferences,
        "authorization_info": AuthorizationInfo,
        # commands
        "cancel_reservation": CancelReservation,
        "reserve_now": ReserveNow,
        "start_session": StartSession,
        "stop_session": StopSession,
        "unlock_connector": UnlockConnector,
        "command_response": CommandResponse,
        "command_result": CommandResult,
        # hubclientinfo
        "client_info": ClientInfo,
        "client_info_list": list[ClientInfo],
    }
)


OCPI_VERSIONS = ("2.2.1", "2.2")


def _lookup(key: str, version: str = "2.2.1") -> Any:
    if version not in OCPI_VERSIONS:
        raise ValueError(f"no model for OCPI {version!r}; expected one of: {', '.join(OCPI_VERSIONS)}")
    if version == "2.2" and key in OVERRIDES_2_2:
        return OVERRIDES_2_2[key]
    try:
        return registry[key]
    except KeyError:
        raise KeyError(f"no OCPI body type {key!r}; expected one of: {', '.join(registry)}") from None


@cache
def decoder_for(key: str, version: str = "2.2.1") -> msgspec.json.Decoder[Any]:
    """The decoder of the bare body type `key` (a request body, or `data`) in that OCPI version."""
    return msgspec.json.Decoder(_lookup(key, version))


@cache
def envelope_decoder_for(key: str, version: str = "2.2.1") -> msgspec.json.Decoder[Any]:
    """The decoder of a whole response whose `data` is of type `key`."""
    return msgspec.json.Decoder(Envelope[_lookup(key, version)])  # type: ignore[misc]


__all__ = [
    "DIFFERENCES_2_2",
    "ERRATA_2_2_1",
    "AdditionalGeoLocation",
    "AllowedType",
    "AuthMethod",
    "AuthorizationInfo",
    "BusinessDetails",
    "CancelReservation",
    "Capability",
    "Cdr",
    "CdrDimension",
    "CdrDimensionType",
    "CdrLocation",
    "CdrToken",
    "ChargingPeriod",
    "ChargingPreferences",
    "ChargingPreferencesResponse",
    "ClientInfo",
    "CommandResponse",
    "CommandResponseType",
    "CommandResult",
    "CommandResultType",
    "CommandType",
    "ConnectionStatus",
    "Connector",
    "ConnectorFormat",
    "ConnectorPatch",
    "ConnectorType",
    "Credentials",
    "CredentialsRole",
    "DayOfWeek",
    "Difference",
    "DisplayText",
    "Endpoint",
    "EnergyContract",
    "EnergyMix",
    "EnergySource",
    "EnergySourceCategory",
    "EnvironmentalImpact",
    "EnvironmentalImpactCategory",
    "Envelope",
    "Evse",
    "EvsePatch",
    "ExceptionalPeriod",
    "Facility",
    "GeoLocation",
    "Hours",
    "Image",
    "ImageCategory",
    "InterfaceRole",
    "Location",
    "LocationPatch",
    "LocationReferences",
    "ModuleID",
    "OcpiObject",
    "OcpiPatch",
    "ParkingRestriction",
    "ParkingType",
    "PowerType",
    "Price",
    "PriceComponent",
    "ProfileType",
    "PublishTokenType",
    "RawEnvelope",
    "RegularHours",
    "ReservationRestrictionType",
    "ReserveNow",
    "Role",
    "Session",
    "SessionPatch",
    "SessionStatus",
    "SignedData",
    "SignedValue",
    "StartSession",
    "Status",
    "StatusSchedule",
    "StopSession",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffRestrictions",
    "TariffType",
    "Token",
    "TokenPatch",
    "TokenType",
    "UnlockConnector",
    "Version",
    "VersionDetails",
    "VersionNumber",
    "WhitelistType",
    "decoder_for",
    "envelope_decoder_for",
    "parse_datetime",
    "registry",
]
