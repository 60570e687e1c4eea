"""Exchanges that fit no route: an unknown endpoint, a method an interface does not define."""

from __future__ import annotations

from ..registry import Severity, Violation


class _Unrouted(Violation, frozen=True, kw_only=True):
    reason: str

    def message(self) -> str:
        return self.reason


class UnknownEndpoint(_Unrouted, frozen=True, kw_only=True):
    """## What it checks
    Every request addresses an OCPI endpoint: a versions or version details
    URL, or a module URL that the callee advertised or that has a module's
    path shape.

    ## Why it matters
    Nothing else can be checked about an exchange whose module is unknown;
    it is often a typo in a configured URL, or traffic that is not OCPI.

    ## Example
    `GET https://hub.example.org/ocpi/2.2.1/location/PT/ABC/1` (`location`
    instead of `locations`).

    ## Expected
    Requests to the URLs advertised in version details.
    """

    code = "ENV013"
    severity = Severity.WARNING
    spec = "§6.2"
    about = "request"


class _MethodNotAllowed(_Unrouted, frozen=True, kw_only=True):
    pass


class TokensMethodNotAllowed(_MethodNotAllowed, frozen=True, kw_only=True):
    """## What it checks
    Only the methods the Tokens interfaces define are used: GET, PUT, PATCH
    on the Receiver; GET (list) and POST (authorize) on the Sender.

    ## Why it matters
    Tokens are never deleted (they are invalidated); other methods are
    refused by conforming peers.

    ## Example
    `DELETE {tokens}/PT/EMS/0123456789`.

    ## Expected
    A PATCH with `"valid": false` to retire a token.
    """

    code = "TOK004"
    severity = Severity.ERROR
    spec = "§12.2"
    about = "request"


class LocationsMethodNotAllowed(_MethodNotAllowed, frozen=True, kw_only=True):
    """## What it checks
    Only the methods the Locations interfaces define are used: GET on the
    Sender; GET, PUT and PATCH on the Receiver.

    ## Why it matters
    Locations are never deleted or POSTed; a retired EVSE gets the status
    REMOVED.

    ## Example
    `DELETE {locations}/PT/CPO/LOC1`.

    ## Expected
    A PATCH setting the EVSE's status to REMOVED.
    """

    code = "LOC004"
    severity = Severity.ERROR
    spec = "§8.2"
    about = "request"


class TariffsMethodNotAllowed(_MethodNotAllowed, frozen=True, kw_only=True):
    """## What it checks
    Only the methods the Tariffs interfaces define are used: GET on the
    Sender; GET, PUT and DELETE on the Receiver.

    ## Why it matters
    Tariffs have no PATCH: a changed tariff is PUT whole.

    ## Example
    `PATCH {tariffs}/PT/CPO/T1`.

    ## Expected
    `PUT {tariffs}/PT/CPO/T1` with the whole Tariff.
    """

    code = "TAR002"
    severity = Severity.ERROR
    spec = "§11.2"
    about = "request"


class SessionsMethodNotAllowed(_MethodNotAllowed, frozen=True, kw_only=True):
    """## What it checks
    Only the methods the Sessions interfaces define are used: GET and PUT
    `/charging_preferences` on the Sender; GET, PUT and PATCH on the
    Receiver.

    ## Why it matters
    Sessions are never deleted; they end with status COMPLETED.

    ## Example
    `DELETE {sessions}/PT/CPO/S1`.

    ## Expected
    A PATCH with `"status": "COMPLETED"`.
    """

    code = "SES005"
    severity = Severity.ERROR
    spec = "§9.2"
    about = "request"


class CommandsMethodNotAllowed(_MethodNotAllowed, frozen=True, kw_only=True):
    """## What it checks
    Only POST is used on either Commands interface.

    ## Why it matters
    Commands and their results are one-way messages; there is nothing to GET.

    ## Example
    `GET {commands}/START_SESSION`.

    ## Expected
    `POST {commands}/START_SESSION`.
    """

    code = "CMD005"
    severity = Severity.ERROR
    spec = "§13.2"
    about = "request"


class CdrsMethodNotAllowed(_MethodNotAllowed, frozen=True, kw_only=True):
    """## What it checks
    Only the methods the CDRs interfaces define are used: GET on the
    Sender; POST, and GET of a posted CDR, on the Receiver.

    ## Why it matters
    CDRs are final: they are never changed or deleted; a correction is a
    new (credit) CDR.

    ## Example
    `PUT {cdrs}/CDR1`.

    ## Expected
    `POST {cdrs}` with a new CDR.
    """

    code = "CDR003"
    severity = Severity.ERROR
    spec = "§10.2"
    about = "request"


class UnknownCommandType(_Unrouted, frozen=True, kw_only=True):
    """## What it checks
    The last path segment of a command POST is a CommandType:
    CANCEL_RESERVATION, RESERVE_NOW, START_SESSION, STOP_SESSION or
    UNLOCK_CONNECTOR.

    ## Why it matters
    The CPO dispatches on that segment; an unknown one is refused.

    ## Example
    `POST {commands}/start_session` (lower case).

    ## Expected
    `POST {commands}/START_SESSION`.
    """

    code = "CMD001"
    severity = Severity.ERROR
    spec = "§13.2.1.1"
    about = "request"


METHOD_NOT_ALLOWED: dict[str, type[_Unrouted]] = {
    "tokens": TokensMethodNotAllowed,
    "locations": LocationsMethodNotAllowed,
    "tariffs": TariffsMethodNotAllowed,
    "sessions": SessionsMethodNotAllowed,
    "commands": CommandsMethodNotAllowed,
    "cdrs": CdrsMethodNotAllowed,
}
