"""Rule declarations and the checkers that report them, one module per OCPI module.

Importing this package registers every rule.
"""

from . import authorizations as authorizations
from . import capture as capture
from . import cdr_sites as cdr_sites
from . import cdrs as cdrs
from . import command_locations as command_locations
from . import command_sessions as command_sessions
from . import commands as commands
from . import credentials as credentials
from . import identity as identity
from . import locations as locations
from . import occupancy as occupancy
from . import pagination as pagination
from . import references as references
from . import registration as registration
from . import roles as roles
from . import routing as routing
from . import routing_headers as routing_headers
from . import session_parties as session_parties
from . import session_references as session_references
from . import session_sites as session_sites
from . import sessions as sessions
from . import tariffs as tariffs
from . import token_uses as token_uses
from . import tokens as tokens
from . import shape as shape
from . import transport as transport
from . import versions as versions

