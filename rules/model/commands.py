"""Commands module (§13): the five command bodies, CommandResponse, CommandResult.

A command body goes to `{commands}/{CommandType}`; its CommandResponse comes
back in the answer's `data`; the CommandResult is POSTed later, bare (no
envelope), to the command's `response_url`.

2.2 difference (see `differences.py`): StartSession.connector_id is new.
"""

import enum

from .tokens import Token
from .types import URL, CiString36, DateTime, DisplayText, OcpiObject


class CommandType(enum.StrEnum):
    """§13.4.3"""

    CANCEL_RESERVATION = "CANCEL_RESERVATION"
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


class CommandResponseType(enum.StrEnum):
    """§13.4.1 (the CPO's verdict)"""

    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResultType(enum.StrEnum):
    """§13.4.2 (the Charge Point's verdict)"""

    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"


class CancelReservation(OcpiObject, kw_only=True, frozen=True):
    """§13.3.1"""

    response_url: URL
    reservation_id: CiString36


class CommandResponse(OcpiObject, kw_only=True, frozen=True):
    """§13.3.2"""

    result: CommandResponseType
    timeout: int  # seconds
    message: list[DisplayText] | None = None


class CommandResult(OcpiObject, kw_only=True, frozen=True):
    """§13.3.3"""

    result: CommandResultType
    message: list[DisplayText] | None = None


class ReserveNow(OcpiObject, kw_only=True, frozen=True):
    """§13.3.4"""

    response_url: URL
    token: Token
    expiry_date: DateTime
    reservation_id: CiString36
    location_id: CiString36
    evse_uid: CiString36 | None = None
    authorization_reference: CiString36 | None = None


class StartSession(OcpiObject, kw_only=True, frozen=True):
    """§13.3.5"""

    response_url: URL
    token: Token
    location_id: CiString36
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None  # new in 2.2.1
    authorization_reference: CiString36 | None = None


class StopSession(OcpiObject, kw_only=True, frozen=True):
    """§13.3.6"""

    response_url: URL
    session_id: CiString36


class UnlockConnector(OcpiObject, kw_only=True, frozen=True):
    """§13.3.7"""

    response_url: URL
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
