"""The readiness report: a verdict per module, the scenarios the traffic exercised, and what to book."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import BIN, REPO
from ocpi_tap.replay.check import check_capture
from ocpi_tap.replay.readiness import ModuleReadiness, Readiness, ScenarioTracker, assess
from ocpi_tap.rules.profiles import PROFILES

CAPTURES = REPO / "captures"


def readiness(name: str, role: str | None = None) -> Readiness:
    result = check_capture(CAPTURES / f"{name}.jsonl", profile=PROFILES["mobie"], partner_role=role)
    assert result.readiness is not None
    return result.readiness


def modules(report: Readiness) -> dict[str, ModuleReadiness]:
    return {module.module: module for module in report.modules}


@pytest.mark.parametrize(("name", "role"), [("clean-cpo", "CPO"), ("clean-emsp", "EMSP")])
def test_a_clean_day_is_ready_in_every_module_and_the_role_is_inferred(name: str, role: str) -> None:
    report = readiness(name)
    assert report.role == role
    assert {m.module: m.verdict for m in report.modules} == dict.fromkeys(modules(report), "ready")
    assert all(s.mark == "seen" and s.seqs for m in report.modules for s in m.scenarios)
    assert report.days == [["Versions", "Credentials", "Tokens", "Locations"], ["Tariffs", "Sessions", "Commands", "CDRs"]]


def test_a_missing_callback_fails_commands_and_leaves_its_scenario_unseen() -> None:
    report = readiness("fault-callback-never-sent", "CPO")
    commands = modules(report)["commands"]
    assert (commands.verdict, commands.errors, commands.codes) == ("failing", 1, {"CMD202": 1})
    marks = {s.id: s.mark for s in commands.scenarios}
    assert marks.pop("start-session-accepted") == "not seen"
    assert set(marks.values()) == {"seen"}
    assert report.closing == ("Ready to book (4 modules a day at most): day 1: Versions, Credentials, Tokens, "
                              "Locations; day 2: Tariffs, Sessions, CDRs. Not ready: Commands (failing: 1 error).")


def test_transport_findings_count_against_the_module_of_their_exchange() -> None:
    report = modules(readiness("fault-wrong-pagination-header", "CPO"))
    assert report["locations"].codes == {"ENV130": 2} and report["locations"].verdict == "failing"
    pulled = {s.id: s.mark for s in report["locations"].scenarios}["locations-pulled"]
    assert pulled == "seen with findings"
    assert report["versions"].verdict == "ready"


def test_nothing_seen_is_never_ready() -> None:
    report = assess(ScenarioTracker(PROFILES["mobie"].scenarios), [], "CPO")
    assert {m.verdict for m in report.modules} == {"not exercised"}
    assert all(s.mark == "not seen" for m in report.modules for s in m.scenarios)
    assert report.days == []
    assert report.closing.startswith("No module is ready to book. Not ready: Versions (not exercised)")


def test_the_json_report_carries_the_readiness_of_each_capture() -> None:
    result = subprocess.run([str(BIN / "ocpi-tap"), "replay", "--format", "json", "--role", "cpo",
                             str(CAPTURES / "fault-callback-never-sent.jsonl")],
                            capture_output=True, text=True, timeout=60)
    [entry] = json.loads(result.stdout)["captures"]
    verdicts = {m["module"]: m["verdict"] for m in entry["readiness"]["modules"]}
    assert verdicts["commands"] == "failing" and verdicts["cdrs"] == "ready"
    assert entry["readiness"]["role"] == "CPO"


def test_the_full_form_shows_the_exchange_the_value_and_the_notes() -> None:
    capture = CAPTURES / "fault-session-kwh-going-down.jsonl"
    result = subprocess.run([str(BIN / "ocpi-tap"), "replay", "--format", "full", str(capture)],
                            capture_output=True, text=True, timeout=60)
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if " SES203 [error] " in line)
    assert lines[start].endswith("(partner's request)")
    request, value, help_line, note = lines[start + 1:start + 5]
    assert request.startswith("   --> PATCH http://") and "/sessions/PT/CPO/S1 (seq 32, to_hub) -> HTTP 200" in request
    assert value == "    | request $.kwh: 1.5"
    assert help_line == "    = help: expected: `kwh` non-decreasing until COMPLETED."
    assert note == "    = note: last update of the session (seq 31, line 32)"
    checklist = lines[lines.index("  Sessions     failing           4/4 scenarios  1 error") + 1:][:4]
    assert checklist[1].startswith("      ! the Session updated while ACTIVE [§9.2.2.3] seen with findings (seq ")


def test_long_replays_report_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocpi_tap.replay import check

    monkeypatch.setattr(check, "PROGRESS_EVERY", 10)
    seen: list[tuple[int, float | None]] = []
    result = check.check_capture(CAPTURES / "clean-cpo.jsonl", progress=lambda n, fraction: seen.append((n, fraction)))
    assert [n for n, _ in seen] == list(range(10, result.exchanges + 1, 10))
    fractions = [fraction for _, fraction in seen]
    assert all(f is not None and 0 < f <= 1 for f in fractions) and fractions == sorted(fractions)
