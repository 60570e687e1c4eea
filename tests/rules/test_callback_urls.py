"""A POST to a `response_url` a command gave is a CommandResult, whatever its path looks like, even when the
command itself was malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import HUB, PARTNER, START, without
from test_sessions_and_cdrs import at

# The session a START_SESSION promises is not this test's point (test_command_sessions has it).
RESULTS = Selection(ignore=["CMD205", "SES", "TOK"])


@pytest.mark.parametrize(("direction", "role"), [("to_hub", "EMSP"), ("to_partner", "CPO")])
@pytest.mark.parametrize("malformed", [True, False])
@pytest.mark.parametrize("path", ["commands/START_SESSION/a1b2", "commands/results/a1b2", "commands/a1b2"])
def test_the_result_at_a_commands_path_is_a_result(tmp_path: Path, direction: str, role: str,
                                                    malformed: bool, path: str) -> None:
    sender, receiver = (PARTNER, HUB) if direction == "to_hub" else (HUB, PARTNER)
    back = "to_partner" if direction == "to_hub" else "to_hub"
    # The sender's response_url lies on its own commands module, shaped like a command's URL.
    response_url = f"{sender}/{path}"
    body = dict(START, response_url=response_url)
    if malformed:
        body = without(body, "location_id")
    command = at(ocpi_exchange("POST", f"{receiver}/commands/START_SESSION", body,
                               {"result": "ACCEPTED", "timeout": 30}, direction=direction, seq=1), 1, 1)
    result = at(ocpi_exchange("POST", response_url, {"result": "ACCEPTED"}, direction=back, seq=2), 2, 3)
    findings = check_capture(write_capture(tmp_path / "c.jsonl", command, result), RESULTS,
                             profile=PROFILES["ocpi-2.2.1"], partner_role=role).findings
    assert [(f.code, f.seq) for f in findings] == ([("CMD002", 1)] if malformed else [])
