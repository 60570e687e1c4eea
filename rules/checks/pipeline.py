"""The sequencing checkers of one replay, built in the order they are fed.

Order matters where checkers share state: the one that keeps a kind of
state (sessions, the CDR ledger, the inventory of locations and tariffs,
session sites, tokens, authorizations) is fed each exchange before the
checkers that read it, so they see the exchange's effect.
"""

from __future__ import annotations

from ..profiles import Profile
from .authorizations import AuthorizationsChecker
from .cdr_ledger import CdrLedger
from .cdr_parties import CdrPartiesChecker
from .cdr_sites import CdrSitesChecker
from .cdrs import CdrsChecker
from .charging_preferences import ChargingPreferencesChecker
from .command_locations import CommandLocationsChecker
from .command_sessions import CommandSessionsChecker
from .commands import CommandsChecker
from .copies import CopiesChecker
from .credentials import CredentialsChecker
from .inventory import Inventory
from .locations import LocationsChecker
from .occupancy import OccupancyChecker
from .references import ReferencesChecker
from .registration import RegistrationChecker
from .reservations import ReservationsChecker
from .retries import RetriesChecker
from .roles import RolesChecker
from .sequencing import Checker
from .session_parties import SessionPartiesChecker
from .session_references import SessionReferencesChecker
from .session_sites import SessionSites
from .session_timing import SessionClockChecker
from .sessions import SessionsChecker
from .tariffs import TariffsChecker
from .token_uses import TokenUsesChecker
from .tokens import TokensChecker
from .versions import VersionsChecker


def sequencers(profile: Profile) -> list[Checker]:
    inventory = Inventory()  # written by the locations and tariffs checkers only
    sites = SessionSites(inventory)  # where each session happened, as the inventory said at its start
    sessions, ledger = SessionsChecker(), CdrLedger()
    tokens, authorizations = TokensChecker(), AuthorizationsChecker(profile.authorize_slow_seconds)
    return [
        # Versions and credentials.
        CredentialsChecker(profile.require_handshake), RegistrationChecker(), VersionsChecker(), RolesChecker(),
        # Locations and tariffs (the inventory), then tokens and sessions (state others read).
        LocationsChecker(inventory), TariffsChecker(inventory), tokens, sessions,
        SessionClockChecker(sessions, profile.timestamp_tolerance_seconds, profile.session_update_interval_seconds),
        ChargingPreferencesChecker(sessions, sites, inventory),
        # CDRs.
        ledger, CdrsChecker(sessions, ledger), CdrPartiesChecker(profile.hub_generates_cdrs),
        # Commands.
        CommandsChecker(profile.command_grace_seconds, profile.command_response_slow_seconds),
        CommandSessionsChecker(sessions), ReservationsChecker(sessions),
        # References across modules.
        ReferencesChecker(inventory), sites, CdrSitesChecker(sites, inventory), OccupancyChecker(inventory, sites),
        CommandLocationsChecker(inventory, sites),
        authorizations, TokenUsesChecker(tokens, authorizations), SessionReferencesChecker(authorizations),
        SessionPartiesChecker(),
        # Transport across messages: retries, and pushed objects as pulled and as kept.
        RetriesChecker(), CopiesChecker(),
    ]
