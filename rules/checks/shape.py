"""Shape rules: each body decoded into the type its route calls for (the 0xx codes).

One rule per module and kind of body, all alike: the body does not decode,
and the message says why and the finding says where (`path`). A missing
`last_updated` in a PATCH has its own code per module, because the spec
names it and receivers answer 2001 for it.
"""

from __future__ import annotations

from typing import ClassVar

from ..registry import Severity, Violation
from ..tolerance import RepairKind


class _Malformed(Violation, frozen=True, kw_only=True):
    what: ClassVar[str] = "body"
    # Reported, with the profile's severity for them, also where only these forms break the body.
    tolerated_forms: ClassVar[tuple[RepairKind, ...]] = ("datetime_offset", "datetime_length")
    reason: str

    def message(self) -> str:
        return f"{self.what} is malformed: {self.reason}"


class MalformedVersions(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    The `data` of a GET versions answer is a non-empty array of Version
    objects (`version`, `url`), with `version` one of the spec's numbers.

    ## Why it matters
    The versions list is the entry point of every connection: a peer that
    cannot read it cannot register.

    ## Example
    `"data": {"version": "2.2.1", "url": "..."}` (an object, not a list).

    ## Expected
    `"data": [{"version": "2.2.1", "url": "https://.../ocpi/2.2.1"}]`.
    """

    code = "VER001"
    severity = Severity.ERROR
    spec = "§6.1.1"
    about = "response"
    what = "versions list"


class MalformedVersionDetails(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    The `data` of a GET version details answer is a VersionDetails object:
    `version` and a non-empty `endpoints` list of {identifier, role, url}.

    ## Why it matters
    The endpoints list tells the other side where every module lives; a
    broken list fails registration with 3003.

    ## Example
    An Endpoint with `"role": "sender"` (lower case).

    ## Expected
    `{"version": "2.2.1", "endpoints": [{"identifier": "credentials",
    "role": "SENDER", "url": "https://.../credentials"}]}`.
    """

    code = "VER002"
    severity = Severity.ERROR
    spec = "§6.2.1, §6.2.2"
    about = "response"
    what = "version details"


class MalformedCredentials(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    A Credentials object (a POST/PUT body or the `data` of an answer) has a
    token of at most 64 characters, a URL and a non-empty list of complete
    CredentialsRoles (role, business_details, party_id, country_code).

    ## Why it matters
    The handshake stops at the first malformed Credentials object, and
    nothing else can be tested until it passes.

    ## Example
    `"roles": []`, or a role without `business_details`.

    ## Expected
    A Credentials object as §7.3.1 defines it.
    """

    code = "CRD001"
    severity = Severity.ERROR
    spec = "§7.3.1, §7.4.1"
    about = "object"
    what = "Credentials"


class CredentialsAnswerWithoutCredentials(Violation, frozen=True, kw_only=True):
    """## What it checks
    A successful (1xxx) answer to GET, POST or PUT credentials carries the
    server's Credentials object in `data`.

    ## Why it matters
    The answer is how the client gets the token it must use from now on
    (CREDENTIALS_TOKEN_C); without it the registration cannot complete.

    ## Example
    `{"status_code": 1000, "timestamp": "..."}` answering a POST credentials.

    ## Expected
    `{"data": {"token": "...", "url": "...", "roles": [...]}, "status_code": 1000, ...}`.
    """

    code = "CRD002"
    severity = Severity.ERROR
    spec = "§7.2.1-7.2.3"
    about = "response"

    def message(self) -> str:
        return "the credentials answer carries no Credentials object in data"


class MalformedToken(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    A Token (a PUT body, GET data or list item) has every required field
    with its type, length and enum values.

    ## Why it matters
    A CPO that cannot store a token refuses the driver at the charger.

    ## Example
    `"whitelist": "SOMETIMES"`, or no `contract_id`.

    ## Expected
    A Token as §12.3.2 defines it.
    """

    code = "TOK001"
    severity = Severity.ERROR
    spec = "§12.3.2"
    about = "object"
    what = "Token"


class TokenPatchWithoutLastUpdated(Violation, frozen=True, kw_only=True):
    """## What it checks
    A Token PATCH body carries `last_updated`.

    ## Why it matters
    The receiver orders updates by `last_updated`; without it the PATCH is
    refused with 2001 and the token cache drifts.

    ## Example
    `{"valid": false}`.

    ## Expected
    `{"valid": false, "last_updated": "2026-11-23T09:00:00Z"}`.
    """

    code = "TOK002"
    severity = Severity.ERROR
    spec = "§12.2.1.3"
    about = "request"

    def message(self) -> str:
        return "Token PATCH body lacks last_updated"


class MalformedAuthorization(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    A real-time authorization answer's `data` is an AuthorizationInfo, and
    its request body, when present, a LocationReferences object.

    ## Why it matters
    The CPO decides at the charger from this answer; one it cannot read
    means the driver is refused.

    ## Example
    `"allowed": "YES"` (not an AllowedType value).

    ## Expected
    `{"allowed": "ALLOWED", "token": {...}}`.
    """

    code = "TOK003"
    severity = Severity.ERROR
    spec = "§12.3.1, §12.4.3"
    about = "object"
    what = "authorization"


class MalformedLocation(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    A Location, EVSE or Connector (a PUT or PATCH body, GET data, list item)
    or one of its nested classes has the fields, types, lengths and enum
    values the spec defines for it.

    ## Why it matters
    Locations are what drivers see in apps; a malformed one is dropped by
    the receiver and the charger disappears from the map.

    ## Example
    A Connector without `power_type`, or `"status": "FREE"`.

    ## Expected
    Objects as §8.3 and §8.4 define them.
    """

    code = "LOC001"
    severity = Severity.ERROR
    spec = "§8.3, §8.4"
    about = "object"
    what = "Location object"


class CoordinatePrecision(Violation, frozen=True, kw_only=True):
    """## What it checks
    A GeoLocation `latitude` or `longitude` (in a Location, its related
    locations, or a CDR's location) is a decimal string with 5 to 7 decimals
    and a `.` separator, as the spec's regex demands.

    ## Why it matters
    Strict receivers refuse the whole Location over it; many feeds send
    fewer decimals, so hubs differ (catalogue 12.23: a warning under `mobie`).
    The object is still checked as if the value had been written right.

    ## Example
    `"latitude": "38.7"` or `"longitude": "-9.139337123"`.

    ## Expected
    `"latitude": "38.70000"`, `"longitude": "-9.1393371"`.
    """

    code = "LOC005"
    severity = Severity.ERROR
    spec = "§8.4.13, §8.4.1"
    about = "object"
    value: str

    def message(self) -> str:
        return f"coordinate {self.value!r} does not have 5 to 7 decimals"


class LocationPatchWithoutLastUpdated(Violation, frozen=True, kw_only=True):
    """## What it checks
    A Location, EVSE or Connector PATCH body carries `last_updated`.

    ## Why it matters
    Status changes are PATCHes; without `last_updated` they are refused
    with 2001 and the map shows stale availability.

    ## Example
    `{"status": "CHARGING"}`.

    ## Expected
    `{"status": "CHARGING", "last_updated": "2026-11-23T09:00:00Z"}`.
    """

    code = "LOC003"
    severity = Severity.ERROR
    spec = "§8.2.2.3"
    about = "request"

    def message(self) -> str:
        return "Location PATCH body lacks last_updated"


class MalformedTariff(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    A Tariff (a PUT body, GET data, list item) and its elements, price
    components and restrictions have the fields the spec defines.

    ## Why it matters
    Without a readable tariff the eMSP cannot show or bill the price.

    ## Example
    A PriceComponent without `step_size`.

    ## Expected
    A Tariff as §11.3.1 and §11.4 define it.
    """

    code = "TAR001"
    severity = Severity.ERROR
    spec = "§11.3.1, §11.4"
    about = "object"
    what = "Tariff"


class MalformedSession(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    A Session (a PUT or PATCH body, GET data, list item) has the fields,
    types and enum values the spec defines.

    ## Why it matters
    The eMSP follows the charge in its app through Session updates; an
    unreadable one freezes the driver's view.

    ## Example
    `"kwh": "12.5"` (a string), or `"status": "CHARGING"`.

    ## Expected
    A Session as §9.3.1 defines it.
    """

    code = "SES001"
    severity = Severity.ERROR
    spec = "§9.3.1"
    about = "object"
    what = "Session"


class SessionPatchWithoutLastUpdated(Violation, frozen=True, kw_only=True):
    """## What it checks
    A Session PATCH body carries `last_updated`.

    ## Why it matters
    Receivers refuse such a PATCH with 2001, so the kWh and status updates
    of a running session are lost.

    ## Example
    `{"kwh": 12.5}`.

    ## Expected
    `{"kwh": 12.5, "last_updated": "2026-11-23T09:00:00Z"}`.
    """

    code = "SES002"
    severity = Severity.ERROR
    spec = "§9.2.2.3"
    about = "request"

    def message(self) -> str:
        return "Session PATCH body lacks last_updated"


class MalformedChargingPreferences(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    A charging preferences PUT body is a ChargingPreferences object, and the
    answer's `data` a ChargingPreferencesResponse value.

    ## Why it matters
    Smart-charging requests that cannot be read are silently ignored.

    ## Example
    `"data": {"result": "ACCEPTED"}` instead of the bare string.

    ## Expected
    `"data": "ACCEPTED"`.
    """

    code = "SES004"
    severity = Severity.ERROR
    spec = "§9.2.1.2, §9.4.1"
    about = "object"
    what = "charging preferences"


class MalformedCommand(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    A command body matches the object of its command type (CancelReservation,
    ReserveNow, StartSession, StopSession, UnlockConnector).

    ## Why it matters
    The CPO rejects a command it cannot read; the driver's remote start
    fails.

    ## Example
    A STOP_SESSION body without `session_id`.

    ## Expected
    The object §13.3 defines for the command in the URL.
    """

    code = "CMD002"
    severity = Severity.ERROR
    spec = "§13.2.1.2, §13.3"
    about = "request"
    what = "command body"


class MalformedCommandResponse(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    The answer to a command has a CommandResponse in `data`: `result`,
    `timeout`, optional `message`.

    ## Why it matters
    The eMSP learns from it whether to wait for a CommandResult, and how
    long.

    ## Example
    `"data": {"result": "ACCEPTED"}` (no `timeout`).

    ## Expected
    `"data": {"result": "ACCEPTED", "timeout": 30}`.
    """

    code = "CMD003"
    severity = Severity.ERROR
    spec = "§13.3.2"
    about = "response"
    what = "CommandResponse"


class MalformedCommandResult(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    The POST to a command's `response_url` carries a bare CommandResult
    (`result`, optional `message`).

    ## Why it matters
    The asynchronous outcome of a command is the only news the eMSP gets
    from the charger; certification tests wait for it.

    ## Example
    `{"data": {"result": "ACCEPTED"}, "status_code": 1000, ...}` (wrapped in
    an envelope).

    ## Expected
    `{"result": "ACCEPTED"}`.
    """

    code = "CMD004"
    severity = Severity.ERROR
    spec = "§13.3.3, §13.2.2.2"
    about = "request"
    what = "CommandResult"


class MalformedCdr(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    A CDR (a POST body, GET data, list item) has the fields, types and enum
    values the spec defines.

    ## Why it matters
    CDRs are what gets invoiced; one the receiver cannot store is a charge
    it cannot bill.

    ## Example
    A CDR without `total_cost`, or a `cdr_token` without `contract_id`.

    ## Expected
    A CDR as §10.3.1 defines it.
    """

    code = "CDR001"
    severity = Severity.ERROR
    spec = "§10.3.1"
    about = "object"
    what = "CDR"


class CdrPostWithoutLocation(Violation, frozen=True, kw_only=True):
    """## What it checks
    A successful answer to a CDR POST carries an HTTP `Location` header
    with the URL where the stored CDR can be read.

    ## Why it matters
    The CPO uses that URL to check what the eMSP stored; hubs test it.

    ## Example
    HTTP 201 with `"status_code": 1000` and no Location header.

    ## Expected
    `Location: https://emsp.example.com/ocpi/2.2.1/cdrs/12345`.
    """

    code = "CDR002"
    severity = Severity.ERROR
    spec = "§10.2.2.2"
    about = "response"

    def message(self) -> str:
        return "the CDR POST was accepted without a Location header"


class MalformedData(_Malformed, frozen=True, kw_only=True):
    """## What it checks
    On a 1xxx answer, `data` has the shape its route calls for where no
    module rule covers it (e.g. hubclientinfo), or is an array where an
    object is due and the reverse.

    ## Why it matters
    A success answer whose data cannot be read is a failure in disguise.

    ## Example
    A ClientInfo list answered as a single object.

    ## Expected
    `data` as §4.1.7 and the module's interface define it.
    """

    code = "ENV002"
    severity = Severity.ERROR
    spec = "§4.1.7"
    about = "response"
    what = "data"


class RequestWrappedInEnvelope(Violation, frozen=True, kw_only=True):
    """## What it checks
    A request body is the bare object, not wrapped in a response envelope
    (`data`, `status_code`, `timestamp` at the top level).

    ## Why it matters
    Request bodies are never wrapped; a wrapped one is read as an object
    with none of its fields, typically a CommandResult or a pushed CDR.

    ## Example
    `{"data": {"result": "ACCEPTED"}, "status_code": 1000,
    "timestamp": "..."}` posted to a `response_url`.

    ## Expected
    `{"result": "ACCEPTED"}`.
    """

    code = "ENV004"
    severity = Severity.ERROR
    spec = "§4.1.7, §13.2.2.2"
    about = "request"

    def message(self) -> str:
        return "request body is wrapped in a response envelope; send the bare object"


class PushWithoutBody(Violation, frozen=True, kw_only=True):
    """## What it checks
    A POST, PUT or PATCH whose route carries an OCPI object (a pushed
    Location, Session, Token, Tariff or CDR, a PATCH, a command, a
    CommandResult, Credentials, charging preferences) has a body. Only the
    real-time authorize POST may go without one (its LocationReferences are
    optional).

    ## Why it matters
    A push without a body carries nothing to store: the receiver must refuse
    it (2001), and if it does not, the object it thinks it received is
    empty. An empty body is usually a client that serialised the object
    after sending, or a gateway that dropped it.

    ## Example
    `PUT {locations}/PT/CPO/L1` with `Content-Length: 0`.

    ## Expected
    The object as a JSON body: `PUT {locations}/PT/CPO/L1` with the
    Location, `Content-Type: application/json`.
    """

    code = "ENV014"
    severity = Severity.ERROR
    spec = "§4.1.4, §5"
    about = "request"
    method: str
    carries: str  # what the body should have been, as the route names it

    def message(self) -> str:
        return f"{self.method} request has no body; it must carry the {self.carries.replace('_', ' ')}"


class UrlFieldNotUrl(Violation, frozen=True, kw_only=True):
    """## What it checks
    The URL fields the other party calls back to are absolute http(s)
    URLs: a command's `response_url`, the `url` of Credentials (the
    versions endpoint), each `url` of a versions list and each endpoint
    `url` of version details.

    ## Why it matters
    The other party stores these and calls them later: the CommandResult
    goes to the `response_url`, the registration fetches the Credentials
    `url`, every module call goes to an endpoint `url`. A relative path, a
    bare host or a placeholder fails only then, far from its cause.

    ## Example
    `"response_url": "/ocpi/emsp/commands/START_SESSION/42"`, or
    `"url": "TBD"` in Credentials.

    ## Expected
    An absolute URL with scheme and host, at most 255 characters:
    `"response_url": "https://emsp.example.com/ocpi/emsp/commands/START_SESSION/42"`.
    """

    code = "ENV009"
    severity = Severity.ERROR
    spec = "§16.8, §6.1.2, §6.2.2, §7.3.1, §13.3"
    about = "object"  # whichever message carried it: a request body or an answer's data
    field: str
    value: str

    def message(self) -> str:
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return f"`{self.field}` is not an absolute http(s) URL: {shown!r}"


# Type key (as routes name them) -> the rule a decoding failure breaks.
MALFORMED_BY_TYPE: dict[str, type[_Malformed]] = {
    "version_list": MalformedVersions,
    "version_details": MalformedVersionDetails,
    "credentials": MalformedCredentials,
    "token": MalformedToken,
    "token_patch": MalformedToken,
    "token_list": MalformedToken,
    "location_references": MalformedAuthorization,
    "authorization_info": MalformedAuthorization,
    "location": MalformedLocation,
    "evse": MalformedLocation,
    "connector": MalformedLocation,
    "location_patch": MalformedLocation,
    "evse_patch": MalformedLocation,
    "connector_patch": MalformedLocation,
    "location_list": MalformedLocation,
    "tariff": MalformedTariff,
    "tariff_list": MalformedTariff,
    "session": MalformedSession,
    "session_patch": MalformedSession,
    "session_list": MalformedSession,
    "charging_preferences": MalformedChargingPreferences,
    "charging_preferences_response": MalformedChargingPreferences,
    "cancel_reservation": MalformedCommand,
    "reserve_now": MalformedCommand,
    "start_session": MalformedCommand,
    "stop_session": MalformedCommand,
    "unlock_connector": MalformedCommand,
    "command_response": MalformedCommandResponse,
    "command_result": MalformedCommandResult,
    "cdr": MalformedCdr,
    "cdr_list": MalformedCdr,
    "client_info": MalformedData,
    "client_info_list": MalformedData,
}

PATCH_WITHOUT_LAST_UPDATED: dict[str, type[Violation]] = {
    "token_patch": TokenPatchWithoutLastUpdated,
    "location_patch": LocationPatchWithoutLastUpdated,
    "evse_patch": LocationPatchWithoutLastUpdated,
    "connector_patch": LocationPatchWithoutLastUpdated,
    "session_patch": SessionPatchWithoutLastUpdated,
}
