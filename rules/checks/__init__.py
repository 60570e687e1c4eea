"""Rule declarations and the checkers that report them, one module per OCPI module.

Importing this package registers every rule.
"""

from . import capture as capture

__all__ = ["capture"]
