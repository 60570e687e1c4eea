"""ocpi-tap: record, replay and check OCPI traffic between a partner and a hub."""

__version__ = "0.1.0"
TOOL = f"ocpi-tap {__version__}"
