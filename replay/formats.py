"""The choices `replay` offers: report formats and `--fail-on` severities (kept apart so the command line
loads without the engine)."""

from typing import Final, Literal

REPORT_FORMATS: Final = ("concise", "full", "json", "junit", "github", "html")
FailOn = Literal["error", "warning", "never"]
FAIL_ON_CHOICES: Final[tuple[FailOn, ...]] = ("error", "warning", "never")
DEFAULT_FAIL_ON: Final[FailOn] = "warning"
