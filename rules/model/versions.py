"""Versions module (§6): the versions list and the version details."""

import enum
from typing import Annotated

from msgspec import Meta

from .types import URL, OcpiObject, String


class VersionNumber(enum.StrEnum):
    """§6.2.5 (2.1 and 2.2 are deprecated; MOBI.E still announces 2.2)."""

    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"
    V2_2 = "2.2"
    V2_2_1 = "2.2.1"


class ModuleID(enum.StrEnum):
    """§6.2.4"""

    CDRS = "cdrs"
    CHARGINGPROFILES = "chargingprofiles"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    HUBCLIENTINFO = "hubclientinfo"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


class InterfaceRole(enum.StrEnum):
    """§6.2.3"""

    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class Version(OcpiObject, kw_only=True, frozen=True):
    """§6.1.2"""

    version: VersionNumber
    url: URL


class Endpoint(OcpiObject, kw_only=True, frozen=True):
    """§6.2.2"""

    # A ModuleID, but the spec lets parties agree on custom ids (§6.2.5.1,
    # e.g. `nltnm-tokens`), so any string decodes; VER004 flags the others.
    identifier: String
    role: InterfaceRole
    url: URL


class VersionDetails(OcpiObject, kw_only=True, frozen=True):
    """§6.2.1"""

    version: VersionNumber
    endpoints: Annotated[list[Endpoint], Meta(min_length=1)]
