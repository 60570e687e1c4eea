"""The report formats `replay --format` offers (kept apart so the command line loads without the engine)."""

from typing import Final

REPORT_FORMATS: Final = ("concise", "full", "json", "junit", "github", "html")
