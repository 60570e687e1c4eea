"""Rule declarations and the checkers that report them.

Importing this package registers every rule. `pipeline.sequencers` builds
the sequencing checkers of one replay.
"""

from . import authorizations as authorizations
from . import bodies as bodies
from . import capture as capture
from . import cdr_ledger as cdr_ledger
from . import cdr_parties as cdr_parties
from . import cdr_sites as cdr_sites
from . import cdrs as cdrs
from . import charging_preferences as charging_preferences
from . import command_locations as command_locations
from . import command_sessions as command_sessions
from . import commands as commands
from . import copies as copies
from . import credentials as credentials
from . import fingerprints as fingerprints
from . import identity as identity
from . import inventory as inventory
from . import locations as locations
from . import occupancy as occupancy
from . import pagination as pagination
from . import parties as parties
from . import pipeline as pipeline
from . import redirects as redirects
from . import references as references
from . import registration as registration
from . import reservations as reservations
from . import retries as retries
from . import roles as roles
from . import routing as routing
from . import routing_headers as routing_headers
from . import sequencing as sequencing
from . import session_parties as session_parties
from . import session_references as session_references
from . import session_rules as session_rules
from . import session_sites as session_sites
from . import session_timing as session_timing
from . import sessions as sessions
from . import shape as shape
from . import tariffs as tariffs
from . import token_uses as token_uses
from . import tokens as tokens
from . import transport as transport
from . import versions as versions
