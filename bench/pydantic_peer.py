"""The peer approach: pydantic v2 models of the OCPI 2.2.1 objects, validating a capture's bodies.

This is how OCPI Python SDKs check traffic: one pydantic model per object,
`model_validate_json` on each body, a generic envelope around responses.
The models here are written for this benchmark from the specification; they
validate what ocpi-tap's shape checks validate (types, enums, string
lengths, required fields), not the sequencing across messages.

    validate_capture(path) -> (exchanges, bodies validated, bodies refused)
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlsplit

from msgspec import UNSET
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ocpi_tap.replay.capture import CaptureReader, LineProblem

CiString36 = Annotated[str, Field(max_length=36)]
String45 = Annotated[str, Field(max_length=45)]
String64 = Annotated[str, Field(max_length=64)]
String255 = Annotated[str, Field(max_length=255)]
CountryCode = Annotated[str, Field(min_length=2, max_length=2)]  # a party's, ISO 3166-1 alpha-2
PartyId = Annotated[str, Field(min_length=3, max_length=3)]
Country = Annotated[str, Field(min_length=3, max_length=3)]  # an address's, ISO 3166-1 alpha-3
PostalCode = Annotated[str, Field(max_length=10)]
Language = Annotated[str, Field(min_length=2, max_length=2)]
Currency = Annotated[str, Field(min_length=3, max_length=3)]
EvseId = Annotated[str, Field(max_length=48)]
Url = Annotated[str, Field(max_length=255)]
T = TypeVar("T")


class Ocpi(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Status(str, Enum):
    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class PowerType(str, Enum):
    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ConnectorFormat(str, Enum):
    SOCKET = "SOCKET"
    CABLE = "CABLE"


class TokenType(str, Enum):
    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


class Whitelist(str, Enum):
    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AuthMethod(str, Enum):
    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


class SessionStatus(str, Enum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class DisplayText(Ocpi):
    language: Language
    text: Annotated[str, Field(max_length=512)]


class GeoLocation(Ocpi):
    latitude: Annotated[str, Field(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
    longitude: Annotated[str, Field(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]


class Connector(Ocpi):
    id: CiString36
    standard: String64
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None = None
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: Url | None = None
    last_updated: datetime


class Evse(Ocpi):
    uid: CiString36
    evse_id: EvseId | None = None
    status: Status
    capabilities: list[str] | None = None
    connectors: Annotated[list[Connector], Field(min_length=1)]
    floor_level: Annotated[str, Field(max_length=4)] | None = None
    coordinates: GeoLocation | None = None
    physical_reference: Annotated[str, Field(max_length=16)] | None = None
    directions: list[DisplayText] | None = None
    last_updated: datetime


class Location(Ocpi):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    publish: bool
    name: String255 | None = None
    address: String45
    city: String45
    postal_code: PostalCode | None = None
    state: Annotated[str, Field(max_length=20)] | None = None
    country: Country
    coordinates: GeoLocation
    parking_type: str | None = None
    evses: list[Evse] | None = None
    time_zone: String255
    last_updated: datetime


class LocationPatch(Ocpi):
    """A PATCH of a Location, an EVSE or a Connector: any of their fields, last_updated required."""

    status: Status | None = None
    connectors: list[Connector] | None = None
    evses: list[Evse] | None = None
    tariff_ids: list[CiString36] | None = None
    last_updated: datetime


class PriceComponent(Ocpi):
    type: str
    price: float
    vat: float | None = None
    step_size: int


class TariffElement(Ocpi):
    price_components: Annotated[list[PriceComponent], Field(min_length=1)]
    restrictions: dict[str, Any] | None = None


class Tariff(Ocpi):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    currency: Currency
    elements: Annotated[list[TariffElement], Field(min_length=1)]
    last_updated: datetime


class Token(Ocpi):
    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36
    visual_number: String64 | None = None
    issuer: String64
    group_id: CiString36 | None = None
    valid: bool
    whitelist: Whitelist
    language: Language | None = None
    last_updated: datetime


class TokenPatch(Ocpi):
    valid: bool | None = None
    whitelist: Whitelist | None = None
    last_updated: datetime


class LocationReferences(Ocpi):
    location_id: CiString36
    evse_uids: list[CiString36] | None = None


class AuthorizationInfo(Ocpi):
    allowed: Annotated[str, Field(pattern=r"^(ALLOWED|BLOCKED|EXPIRED|NO_CREDIT|NOT_ALLOWED)$")]
    token: Token
    location: LocationReferences | None = None
    authorization_reference: CiString36 | None = None
    info: DisplayText | None = None


class CdrToken(Ocpi):
    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36


class CdrDimension(Ocpi):
    type: str
    volume: float


class ChargingPeriod(Ocpi):
    start_date_time: datetime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]
    tariff_id: CiString36 | None = None


class Price(Ocpi):
    excl_vat: float
    incl_vat: float | None = None


class Session(Ocpi):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    start_date_time: datetime
    end_date_time: datetime | None = None
    kwh: float
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
    meter_id: String255 | None = None
    currency: Currency
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus
    last_updated: datetime


class SessionPatch(Ocpi):
    status: SessionStatus | None = None
    kwh: float | None = None
    end_date_time: datetime | None = None
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    last_updated: datetime


class CdrLocation(Ocpi):
    id: CiString36
    name: String255 | None = None
    address: String45
    city: String45
    postal_code: PostalCode | None = None
    country: Country
    coordinates: GeoLocation
    evse_uid: CiString36
    evse_id: EvseId
    connector_id: CiString36
    connector_standard: str
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class Cdr(Ocpi):
    country_code: CountryCode
    party_id: PartyId
    id: Annotated[str, Field(max_length=39)]
    start_date_time: datetime
    end_date_time: datetime
    session_id: CiString36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    cdr_location: CdrLocation
    meter_id: String255 | None = None
    currency: Currency
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1)]
    total_cost: Price
    total_energy: float
    total_energy_cost: Price | None = None
    total_time: float
    last_updated: datetime


class StartSession(Ocpi):
    response_url: Url
    token: Token
    location_id: CiString36
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None
    authorization_reference: CiString36 | None = None


class StopSession(Ocpi):
    response_url: Url
    session_id: CiString36


class UnlockConnector(Ocpi):
    response_url: Url
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36


class CommandResponse(Ocpi):
    result: Annotated[str, Field(pattern=r"^(NOT_SUPPORTED|REJECTED|ACCEPTED|UNKNOWN_SESSION)$")]
    timeout: int
    message: list[DisplayText] | None = None


class CommandResult(Ocpi):
    result: str
    message: list[DisplayText] | None = None


class Version(Ocpi):
    version: str
    url: Url


class Endpoint(Ocpi):
    identifier: str
    role: Annotated[str, Field(pattern=r"^(SENDER|RECEIVER)$")]
    url: Url


class VersionDetails(Ocpi):
    version: str
    endpoints: list[Endpoint]


class CredentialsRole(Ocpi):
    role: str
    business_details: dict[str, Any]
    party_id: PartyId
    country_code: CountryCode


class Credentials(Ocpi):
    token: String64
    url: Url
    roles: Annotated[list[CredentialsRole], Field(min_length=1)]


class Envelope(Ocpi, Generic[T]):
    data: T | None = None
    status_code: int
    status_message: str | None = None
    timestamp: datetime


Models = tuple[type[BaseModel] | None, type[BaseModel]]  # (request model, response model)
Plain = Envelope[Any]
# The tables and the parametrized envelopes are built once, not for every exchange.
VERSIONS: Models = (None, Envelope[list[Version]])
VERSION_DETAILS: Models = (None, Envelope[VersionDetails])
CREDENTIALS: Models = (Credentials, Envelope[Credentials])
AUTHORIZE: Models = (LocationReferences, Envelope[AuthorizationInfo])
LISTS: dict[str, type[BaseModel]] = {
    "locations": Envelope[list[Location]], "tokens": Envelope[list[Token]], "tariffs": Envelope[list[Tariff]],
    "sessions": Envelope[list[Session]], "cdrs": Envelope[list[Cdr]]}
PATCHES: dict[str, type[BaseModel]] = {"locations": LocationPatch, "sessions": SessionPatch, "tokens": TokenPatch}
PUSHES: dict[str, type[BaseModel]] = {"sessions": Session, "cdrs": Cdr, "tariffs": Tariff, "tokens": Token}
LOCATION_OBJECTS: dict[int, type[BaseModel]] = {3: Location, 4: Evse, 5: Connector}  # by path segments after the module
COMMANDS: dict[str, type[BaseModel]] = {
    "START_SESSION": StartSession, "STOP_SESSION": StopSession, "UNLOCK_CONNECTOR": UnlockConnector}
COMMAND_RESPONSE = Envelope[CommandResponse]


def models_for(method: str, url: str) -> Models:
    """(request model, response model) for one exchange, routed as an SDK's handlers are.

    What it has no model for gets no request model and the generic envelope.
    """
    path = urlsplit(url).path.split("/ocpi/", 1)[-1].strip("/").split("/")
    if path == ["versions"]:
        return VERSIONS
    if len(path) == 1:
        return VERSION_DETAILS
    module, rest = path[1], path[2:]
    if module == "credentials":
        return CREDENTIALS
    if method == "GET":
        return None, (Plain if rest else LISTS.get(module, Plain))
    if module == "tokens" and rest and rest[-1] == "authorize":
        return AUTHORIZE
    if module == "commands":
        if len(rest) == 1:
            return COMMANDS.get(rest[0]), COMMAND_RESPONSE
        return (CommandResult if rest else None), Plain
    if method == "PATCH":
        return PATCHES.get(module), Plain
    if module == "locations":
        return LOCATION_OBJECTS.get(len(rest)), Plain
    return PUSHES.get(module), Plain


def validate_capture(path: Path) -> tuple[int, int, int]:
    """Validate every body of a capture with the pydantic models: (exchanges, validated, refused)."""
    exchanges = validated = refused = 0
    with CaptureReader(path) as reader:
        for item in reader:
            if isinstance(item, LineProblem):
                continue
            _, exchange = item
            exchanges += 1
            request_model, response_model = models_for(exchange.request.method, exchange.request.url)
            for model, message in ((request_model, exchange.request), (response_model, exchange.response)):
                if model is None or message is None or message.body is UNSET:
                    continue
                try:
                    model.model_validate_json(bytes(message.body))
                    validated += 1
                except ValidationError:
                    refused += 1
    return exchanges, validated, refused
