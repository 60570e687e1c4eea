"""Rule declarations and the checkers that report them, one module per OCPI module.

Importing this package registers every rule.
"""

from . import capture as capture
from . import cdr_ledger as cdr_ledger
from . import cdr_parties as cdr_parties
from . import cdrs as cdrs
from . import charging_preferences as charging_preferences
from . import command_sessions as command_sessions
from . import commands as commands
from . import credentials as credentials
from . import identity as identity
from . import locations as locations
from . import pagination as pagination
from . import references as references
from . import reservations as reservations
from . import routing as routing
from . import routing_headers as routing_headers
from . import session_rules as session_rules
from . import session_timing as session_timing
from . import sessions as sessions
from . import tokens as tokens
from . import shape as shape
from . import transport as transport

__all__ = ["references", "command_sessions", "locations", "capture", "cdrs", "commands", "credentials", "tokens", "sessions", "identity", "pagination", "routing", "routing_headers", "shape", "transport",
           "cdr_ledger", "cdr_parties", "charging_preferences", "reservations", "session_rules", "session_timing"]
