"""The exit status agrees with the readiness: `--fail-on` and `--require-ready`, run as a user runs them.

The captures are the stored clean days (every module ready, for a CPO and an
eMSP partner), the same days with one warning or one error put in, and the
start of a clean day (Versions and Tariffs ready, the rest not).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import BIN, REPO

ROLES = ("cpo", "emsp")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ocpi-tap"), *args], capture_output=True, text=True, timeout=120)


def clean_day(role: str) -> Path:
    return REPO / "captures" / f"clean-{role}.jsonl"


def changed_day(tmp_path: Path, role: str, name: str, change: bytes, into: bytes) -> Path:
    """The clean day of `role` with its first exchange (the partner's versions GET) changed."""
    header, first, *rest = clean_day(role).read_bytes().split(b"\n")
    changed = re.sub(change, into, first, count=1)
    assert changed != first
    path = tmp_path / f"{name}-{role}.jsonl"
    path.write_bytes(b"\n".join([header, changed, *rest]))
    return path


def warning_day(tmp_path: Path, role: str) -> Path:
    """One warning, every module ready: a raw (not Base64) token (ENV103, a warning under the mobie profile)."""
    return changed_day(tmp_path, role, "warning", rb'"Token redacted:b64:sha256:', b'"Token redacted:sha256:')


def error_day(tmp_path: Path, role: str) -> Path:
    """Versions failing on an error of the partner: its first versions GET without an Authorization header
    (ENV101), and so its registration not preceded by a GET with the token it registers with (CRD201, a warning)."""
    return changed_day(tmp_path, role, "error", rb'\["Authorization","Token redacted:b64:sha256:[0-9a-f]*"\],', b"")


def day_start(tmp_path: Path, role: str) -> Path:
    """Clean, but only the first 7 exchanges: Versions and Tariffs ready, the rest partly or not exercised."""
    path = tmp_path / f"start-{role}.jsonl"
    path.write_bytes(b"\n".join(clean_day(role).read_bytes().split(b"\n")[:8]) + b"\n")
    return path


START_NOT_READY = ("not ready: Credentials (partly exercised: 1 of 2 scenarios seen), Tokens (not exercised), "
                   "Locations (not exercised), Sessions (not exercised), Commands (not exercised), "
                   "CDRs (not exercised)")


@pytest.mark.parametrize("role", ROLES)
def test_a_clean_day_with_every_module_ready_passes_and_says_so(role: str) -> None:
    for required in ([], ["--require-ready", "all"]):
        result = run("replay", str(clean_day(role)), "--role", role, *required)
        assert result.returncode == 0, result.stdout
        closing = result.stdout.splitlines()[-2 if required else -1:]
        assert closing[0] == "All checks passed: 55 exchanges in 1 capture."
        assert closing[1:] == (["Required modules ready: every module."] if required else [])


@pytest.mark.parametrize("role", ROLES)
def test_a_clean_day_partly_exercised_passes_but_never_says_all_checks_passed(tmp_path: Path, role: str) -> None:
    path = day_start(tmp_path, role)
    result = run("replay", str(path), "--role", role)
    assert result.returncode == 0, result.stdout
    assert "All checks passed" not in result.stdout
    assert result.stdout.splitlines()[-1] == f"No findings in 7 exchanges of 1 capture; {START_NOT_READY}."


@pytest.mark.parametrize("role", ROLES)
def test_require_ready_fails_on_a_module_not_ready_and_says_which_and_why(tmp_path: Path, role: str) -> None:
    path = day_start(tmp_path, role)
    met = run("replay", str(path), "--role", role, "--require-ready", "versions,tariffs")
    assert met.returncode == 0, met.stdout
    assert met.stdout.splitlines()[-1] == "Required modules ready: Versions, Tariffs."
    unmet = run("replay", str(path), "--role", role,
                "--require-ready", "Versions", "--require-ready", "LOCATIONS,credentials")  # any case, repeated
    assert unmet.returncode == 1, unmet.stdout
    assert unmet.stdout.splitlines()[-2:] == [
        f"No findings in 7 exchanges of 1 capture; {START_NOT_READY}.",
        "Required modules not ready: Credentials (partly exercised: 1 of 2 scenarios seen), "
        "Locations (not exercised).",
    ]
    every = run("replay", str(path), "--role", role, "--require-ready", "all")
    assert every.returncode == 1
    assert every.stdout.splitlines()[-1] == f"Required modules {START_NOT_READY}."


@pytest.mark.parametrize("role", ROLES)
def test_warnings_fail_by_default_and_not_with_fail_on_error(tmp_path: Path, role: str) -> None:
    path = warning_day(tmp_path, role)
    default = run("replay", str(path), "--role", role)
    assert default.returncode == 1
    assert default.stdout.splitlines()[-1] == (
        "Found 1 finding (0 errors, 1 warning) in 55 exchanges of 1 capture; every module ready.")
    for fail_on in ("error", "never", "ERROR"):
        passed = run("replay", str(path), "--role", role, "--fail-on", fail_on, "--require-ready", "all")
        assert passed.returncode == 0, (fail_on, passed.stdout)
        assert passed.stdout.splitlines()[-3:] == [
            "Found 1 finding (0 errors, 1 warning) in 55 exchanges of 1 capture; every module ready.",
            f"1 warning does not fail the run (--fail-on {fail_on.lower()}).",
            "Required modules ready: every module.",
        ]
    assert run("replay", str(path), "--role", role, "--fail-on", "warning").returncode == 1


@pytest.mark.parametrize("role", ROLES)
def test_errors_fail_unless_fail_on_never_and_a_failing_module_fails_a_requirement(tmp_path: Path, role: str) -> None:
    path = error_day(tmp_path, role)
    summary = ("Found 2 findings (1 error, 1 warning) in 55 exchanges of 1 capture; "
               "not ready: Versions (failing: 1 error).")
    failed = run("replay", str(path), "--role", role)
    assert failed.returncode == 1
    assert failed.stdout.splitlines()[-1] == summary  # nothing to add: the findings fail, as always
    errors_only = run("replay", str(path), "--role", role, "--fail-on", "error")
    assert errors_only.returncode == 1  # the error fails; the warning is named as not failing
    assert errors_only.stdout.splitlines()[-2:] == [summary, "1 warning does not fail the run (--fail-on error)."]
    never = run("replay", str(path), "--role", role, "--fail-on", "never")
    assert never.returncode == 0, never.stdout
    assert never.stdout.splitlines()[-2:] == [summary, "2 findings do not fail the run (--fail-on never)."]
    elsewhere = run("replay", str(path), "--role", role, "--fail-on", "never", "--require-ready", "tariffs")
    assert elsewhere.returncode == 0, elsewhere.stdout
    assert elsewhere.stdout.splitlines()[-1] == "Required module ready: Tariffs."
    here = run("replay", str(path), "--role", role, "--fail-on", "never", "--require-ready", "versions")
    assert here.returncode == 1
    assert here.stdout.splitlines()[-1] == "Required module not ready: Versions (failing: 1 error)."


def test_a_finding_of_the_hub_fails_neither_the_run_nor_the_partner_s_readiness(tmp_path: Path) -> None:
    # The hub's versions answer without its envelope's timestamp (ENV001): the hub's response is at fault.
    path = changed_day(tmp_path, "cpo", "hub-error", rb',"timestamp":"[^"]*"', b"")
    result = run("replay", str(path), "--role", "cpo", "--require-ready", "all")
    assert result.returncode == 0, result.stdout  # the hub's quirk is reported, apart, and the partner passes
    assert result.stdout.splitlines()[-3:] == [
        "Found 1 finding (1 error, 0 warnings) in 55 exchanges of 1 capture; every module ready.",
        "1 finding of the hub's does not fail the partner's run.",
        "Required modules ready: every module.",
    ]
    assert "  the hub's side: 1 finding (1 error, 0 warnings: ENV001), not counted against the partner" in (
        result.stdout.splitlines())
    report = json.loads(run("replay", str(path), "--role", "cpo", "--format", "json").stdout)
    assert (report["exit_code"], report["failed_because"]) == (0, [])


def test_with_several_captures_a_module_must_be_ready_in_each(tmp_path: Path) -> None:
    start, full = day_start(tmp_path, "cpo"), clean_day("cpo")
    met = run("replay", str(full), str(start), "--role", "cpo", "--require-ready", "versions,tariffs")
    assert met.returncode == 0, met.stdout
    assert met.stdout.splitlines()[-1] == "Required modules ready in every capture: Versions, Tariffs."
    unmet = run("replay", str(full), str(start), "--role", "cpo", "--require-ready", "tariffs,locations")
    assert unmet.returncode == 1
    assert unmet.stdout.splitlines()[-1] == f"Required module not ready: Locations (not exercised in {start})."
    assert unmet.stdout.splitlines()[-2].startswith(
        f"No findings in 62 exchanges of 2 captures; not ready: Credentials (partly exercised in {start}: "
        f"1 of 2 scenarios seen), Tokens (not exercised in {start}), ")


def test_an_unknown_module_or_severity_is_a_usage_error_naming_the_valid_ones(tmp_path: Path) -> None:
    path = clean_day("cpo")
    for value in ("location", "versions,sesions", "", " , "):
        result = run("replay", str(path), "--require-ready", value)
        assert result.returncode == 2, (value, result.stdout)
        assert result.stdout == ""
        assert ("the modules are versions, credentials, tokens, locations, tariffs, sessions, commands, cdrs, "
                "or all") in result.stderr, result.stderr
    assert "unknown module 'location' (did you mean locations?)" in run(
        "replay", str(path), "--require-ready", "location").stderr
    wrong = run("replay", str(path), "--fail-on", "warnings")
    assert wrong.returncode == 2 and "'warnings' is not one of 'error', 'warning', 'never'" in wrong.stderr


@pytest.mark.parametrize("role", ROLES)
def test_the_json_report_carries_the_decision_the_exit_status_made(tmp_path: Path, role: str) -> None:
    cases = [
        (warning_day(tmp_path, role), ["--fail-on", "error"], 0, []),
        (warning_day(tmp_path, role), [], 1, ["findings"]),
        (day_start(tmp_path, role), ["--require-ready", "tariffs,cdrs"], 1, ["not ready"]),
        (error_day(tmp_path, role), ["--require-ready", "versions"], 1, ["findings", "not ready"]),
        (clean_day(role), ["--require-ready", "all"], 0, []),
    ]
    for path, options, code, because in cases:
        out = tmp_path / "report.json"
        result = run("replay", str(path), "--role", role, "--format", "json", "-o", str(out), *options)
        assert result.returncode == code, (path, options, result.stderr)
        report = json.loads(out.read_text())
        assert (report["exit_code"], report["failed_because"]) == (code, because), (path, options)
        assert report["fail_on"] == ("error" if "error" in options else "warning")
    report = json.loads(run("replay", str(day_start(tmp_path, role)), "--role", role, "--format", "json",
                            "--require-ready", "all").stdout)
    assert report["require_ready"] == ["versions", "credentials", "tokens", "locations", "tariffs", "sessions",
                                       "commands", "cdrs"]


def test_junit_fails_exactly_what_fails_the_run(tmp_path: Path) -> None:
    warned = warning_day(tmp_path, "cpo")
    lenient = run("replay", str(warned), "--role", "cpo", "--format", "junit", "--fail-on", "error")
    assert lenient.returncode == 0
    tree = ElementTree.fromstring(lenient.stdout.encode())
    assert list(tree.iter("failure")) == []  # the warning is shown, as output, not as a failure
    [shown] = [case for case in tree.iter("testcase") if case.get("name", "").startswith("rule ENV103 ")]
    assert "not failing the run (--fail-on error)" in (shown.findtext("system-out") or "")
    strict = ElementTree.fromstring(run("replay", str(warned), "--role", "cpo", "--format", "junit").stdout.encode())
    assert [case.get("name", "").split(" ")[:2] for case in strict.iter("testcase") if case.find("failure") is not None
            ] == [["scenario", "partner-discovers-hub:"], ["rule", "ENV103"]]
    start = day_start(tmp_path, "cpo")
    required = run("replay", str(start), "--role", "cpo", "--format", "junit", "--require-ready", "tariffs,cdrs")
    assert required.returncode == 1
    cases = {case.get("name"): case for case in ElementTree.fromstring(required.stdout.encode()).iter("testcase")}
    assert cases["module Tariffs ready (--require-ready)"].find("failure") is None
    cdrs = cases["module CDRs ready (--require-ready)"].find("failure")
    assert cdrs is not None and cdrs.get("message") == "required, but not exercised"
    assert not any(name.startswith("module Versions") for name in cases)  # not required: no such case


def test_github_annotations_name_each_required_module_not_ready(tmp_path: Path) -> None:
    start = day_start(tmp_path, "cpo")
    result = run("replay", str(start), "--role", "cpo", "--format", "github", "--require-ready", "credentials,cdrs")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"::error file={start},title=Credentials not ready::--require-ready credentials: Credentials is partly "
        f"exercised: 1 of 2 scenarios seen",
        f"::error file={start},title=CDRs not ready::--require-ready cdrs: CDRs is not exercised",
    ]


@pytest.mark.parametrize("live", [False, True], ids=["checked-after", "live"])
def test_the_demo_takes_the_same_options(tmp_path: Path, live: bool) -> None:
    base = ["demo", "--fault", "cdr-without-total-cost", *(["--live"] if live else [])]
    tolerated = run(*base, "-o", str(tmp_path / "a.jsonl"), "--fail-on", "never", "--require-ready", "versions,tariffs")
    assert tolerated.returncode == 0, tolerated.stdout + tolerated.stderr
    assert tolerated.stdout.splitlines()[-2:] == ["1 finding does not fail the run (--fail-on never).",
                                                  "Required modules ready: Versions, Tariffs."]
    required = run(*base, "-o", str(tmp_path / "b.jsonl"), "--fail-on", "never", "--require-ready", "cdrs")
    assert required.returncode == 1, required.stdout + required.stderr
    assert required.stdout.splitlines()[-1] == "Required module not ready: CDRs (failing: 1 error)."
    assert run("demo", "--require-ready", "cdr", "-o", str(tmp_path / "c.jsonl")).returncode == 2
