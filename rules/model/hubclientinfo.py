"""Hub Client Info module (§15): not certified, but present in hub traffic."""

import enum

from .types import CountryCode, DateTime, OcpiObject, PartyId, Role


class ConnectionStatus(enum.StrEnum):
    """§15.5.1"""

    CONNECTED = "CONNECTED"
    OFFLINE = "OFFLINE"
    PLANNED = "PLANNED"
    SUSPENDED = "SUSPENDED"


class ClientInfo(OcpiObject, kw_only=True, frozen=True):
    """§15.4.1"""

    party_id: PartyId
    country_code: CountryCode
    role: Role
    status: ConnectionStatus
    last_updated: DateTime
