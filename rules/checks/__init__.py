"""Rule declarations and the checkers that report them, one module per OCPI module.

Importing this package registers every rule.
"""

from . import capture as capture
from . import routing as routing
from . import shape as shape
from . import transport as transport

__all__ = ["capture", "routing", "shape", "transport"]
