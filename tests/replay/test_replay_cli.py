"""`ocpi-tap replay` as a user runs it: findings, summary, exit codes, JSON report."""

from __future__ import annotations

import gzip
import json
import subprocess
import zlib
from pathlib import Path
from xml.etree import ElementTree

import msgspec
import pytest

from captures import clean_exchange
from conftest import BIN, REPO
from ocpi_tap.replay.capture import encode_line, new_header

EXCHANGE = encode_line(clean_exchange()).rstrip(b"\n")
SECOND = encode_line(clean_exchange(2)).rstrip(b"\n")
# The closing line's end for the little captures here: versions GETs, so only Versions exercised, and in part.
NOT_READY = ("; not ready: Versions (partly exercised: 0 of 2 scenarios seen), Credentials (not exercised), "
             "Tokens (not exercised), Locations (not exercised), Tariffs (not exercised), Sessions (not exercised), "
             "Commands (not exercised), CDRs (not exercised).")


def capture(path: Path, *lines: bytes, newline_at_end: bool = True) -> Path:
    path.write_bytes(b"\n".join([msgspec.json.encode(new_header()), *lines]) + (b"\n" if newline_at_end else b""))
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ocpi-tap"), *args], capture_output=True, text=True, timeout=60)


def finding_lines(stdout: str, path: Path) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(f"{path}:")]


def test_a_clean_capture_exits_0_and_says_what_it_did_not_exercise(tmp_path: Path) -> None:
    path = capture(tmp_path / "clean.jsonl", EXCHANGE, SECOND)
    result = run("replay", str(path))
    assert result.returncode == 0, result.stdout
    assert finding_lines(result.stdout, path) == []
    assert result.stdout.splitlines()[-1] == "No findings in 2 exchanges of 1 capture" + NOT_READY


def test_the_readiness_table_never_shows_unexercised_modules_as_ready(tmp_path: Path) -> None:
    path = capture(tmp_path / "clean.jsonl", EXCHANGE, SECOND)
    lines = run("replay", str(path)).stdout.splitlines()
    heading = lines.index(f"Readiness of the CPO partner in {path}:")
    assert lines[heading + 1] == ("  note: the partner declared no role in a credentials exchange and pushed "
                                  "nothing that tells it: judged as a CPO; give --role emsp if it is an eMSP")
    table = lines[heading + 2:][:8]
    assert [line.split()[0] for line in table] == [
        "Versions", "Credentials", "Tokens", "Locations", "Tariffs", "Sessions", "Commands", "CDRs"]
    assert "partly exercised" in table[0]  # GETs of the hub's versions, but not the rest of discovery
    assert all("not exercised" in line for line in table[1:])
    assert lines[-2].startswith("No module is ready to book. Not ready: Versions (partly exercised: 0 of 2")


def test_a_role_the_traffic_contradicts_is_pointed_out(tmp_path: Path) -> None:
    clean_emsp = str(REPO / "captures" / "clean-emsp.jsonl")
    wrong = run("replay", clean_emsp, "--role", "cpo").stdout.splitlines()
    assert wrong[wrong.index(f"Readiness of the CPO partner in {clean_emsp}:") + 1] == (
        "  note: judged as --role cpo, but the partner's credentials declare it an eMSP: check --role")
    for role in ([], ["--role", "emsp"]):  # inferred, or given and borne out: no note
        assert "note:" not in run("replay", clean_emsp, *role).stdout
    report = json.loads(run("replay", clean_emsp, "--role", "cpo", "--format", "json").stdout)
    assert "check --role" in report["captures"][0]["readiness"]["role_note"]


def test_bad_lines_are_findings_with_line_numbers_and_the_rest_is_read(tmp_path: Path) -> None:
    path = capture(tmp_path / "bad.jsonl", EXCHANGE, b"{not json", EXCHANGE, EXCHANGE[:50], newline_at_end=False)
    result = run("replay", str(path))
    assert result.returncode == 1
    assert finding_lines(result.stdout, path) == [
        f"{path}:3: CAP001 not a valid exchange: JSON is malformed: object keys must be strings (byte 1)",
        f"{path}:4: CAP003 seq 1 was already used earlier in this capture",
        f"{path}:5: CAP002 the last line is cut short (recorder stopped mid-write); it is skipped",
    ]
    assert result.stdout.splitlines()[-1] == (
        "Found 3 findings (2 errors, 1 warning) in 2 exchanges of 1 capture" + NOT_READY)


def test_a_line_whose_times_read_but_whose_request_does_not_is_a_finding_in_its_place(tmp_path: Path) -> None:
    # The replay reads a line's seq and times first, for time order, and the rest when it is due.
    bad_request = SECOND.replace(b'"method":"', b'"method":7,"was":"', 1)
    path = capture(tmp_path / "bad.jsonl", EXCHANGE, bad_request, encode_line(clean_exchange(3)).rstrip(b"\n"))
    result = run("replay", str(path))
    assert result.returncode == 1
    assert finding_lines(result.stdout, path) == [
        f"{path}:3: CAP001 not a valid exchange: Expected `str`, got `int` - at `$.request.method`"]
    assert result.stdout.splitlines()[-1] == (
        "Found 1 finding (1 error, 0 warnings) in 2 exchanges of 1 capture" + NOT_READY)


def test_a_line_that_is_not_utf8_is_a_finding_and_the_rest_is_read(tmp_path: Path) -> None:
    in_method = SECOND.replace(b'"method":"GET"', b'"method":"G\xffT"')
    in_body = encode_line(clean_exchange(3)).rstrip(b"\n").replace(b'"version":"2.2.1"', b'"version":"2.2\xe9"')
    path = capture(tmp_path / "latin1.jsonl", EXCHANGE, in_method, in_body, encode_line(clean_exchange(4)).rstrip(b"\n"))
    at_method, at_body = in_method.index(b"\xff"), in_body.index(b"\xe9")
    result = run("replay", str(path))
    assert result.returncode == 1, result.stderr
    assert finding_lines(result.stdout, path) == [
        f"{path}:3: CAP001 not a valid exchange: line is not UTF-8: invalid start byte (byte {at_method})",
        f"{path}:4: CAP001 not a valid exchange: line is not UTF-8: invalid continuation byte (byte {at_body})",
    ]
    assert result.stdout.splitlines()[-1] == (
        "Found 2 findings (2 errors, 0 warnings) in 2 exchanges of 1 capture" + NOT_READY)
    header = tmp_path / "latin1-header.jsonl"
    header.write_bytes(msgspec.json.encode(new_header(note="caf\xe9")).replace(b"caf\xc3\xa9", b"caf\xe9") + b"\n")
    refused = run("replay", str(header))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith(f"error: {header}: line 1 is not a capture header: line is not UTF-8: ")


def test_a_line_nested_deeper_than_can_be_read_is_a_finding_and_the_rest_is_read(tmp_path: Path) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    in_head = b'{"x":' + deep + b"}"  # read by the decoder to find seq and times
    in_body = SECOND.replace(b'"data":[', b'"data":[' + deep + b",", 1)  # read when the exchange is due
    assert in_body != SECOND
    path = capture(tmp_path / "deep.jsonl", EXCHANGE, in_head, in_body, encode_line(clean_exchange(3)).rstrip(b"\n"))
    result = run("replay", str(path))
    assert result.returncode == 1, result.stderr
    assert finding_lines(result.stdout, path) == [
        f"{path}:3: CAP001 not a valid exchange: JSON is nested too deeply",
        f"{path}:4: CAP001 not a valid exchange: JSON is nested too deeply",
    ]
    assert result.stdout.splitlines()[-1] == (
        "Found 2 findings (2 errors, 0 warnings) in 2 exchanges of 1 capture" + NOT_READY)
    header = capture(tmp_path / "deep-header.jsonl")
    header.write_bytes(header.read_bytes().replace(b"{", b'{"x":' + deep + b",", 1))
    refused = run("replay", str(header))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == f"error: {header}: line 1 is not a capture header: JSON is nested too deeply\n"


@pytest.mark.parametrize("depth", [600, 1000])
def test_a_body_nested_too_deep_for_the_checks_is_a_finding(tmp_path: Path, depth: int) -> None:
    # Deep enough to pass the line's decoding (on one Python or the other), too deep to walk in Python.
    deep = b"[" * depth + b"]" * depth
    path = capture(tmp_path / "deep.jsonl", EXCHANGE, SECOND.replace(b'"data":[', b'"data":[' + deep + b",", 1))
    result = run("replay", str(path))
    assert result.stderr == "", result.stderr
    # Exit 1 for the capture's own fault; the hub's malformed answer is reported but fails no partner's run.
    assert result.returncode == (0 if "VER001" in result.stdout else 1)
    assert finding_lines(result.stdout, path) in (
        [f"{path}:3: VER001 versions list is malformed: Expected `object`, got `array` [$.data[0]] (hub's response)"],
        [f"{path}:3: CAP001 not a valid exchange: JSON is nested too deeply"],
    )


def test_a_gzip_capture_corrupt_midway_keeps_what_was_read_and_says_why_it_stops(tmp_path: Path) -> None:
    lines = b"\n".join([msgspec.json.encode(new_header()),
                        *(encode_line(clean_exchange(seq)).rstrip(b"\n") for seq in range(1, 400))]) + b"\n"
    packer = zlib.compressobj(wbits=31)  # gzip
    path = tmp_path / "corrupt.jsonl.gz"
    # Whole deflate blocks of the lines, then a block of a type deflate does not have.
    path.write_bytes(packer.compress(lines) + packer.flush(zlib.Z_SYNC_FLUSH) + b"\x07" + bytes(64))
    result = run("replay", str(path))
    assert result.returncode == 1 and result.stderr == "", result.stderr
    [stop] = finding_lines(result.stdout, path)
    line = int(stop.split(":")[1])
    assert 100 < line <= 401
    assert stop == (f"{path}:{line}: CAP001 not a valid exchange: cannot read further: "
                    f"Error -3 while decompressing data: invalid block type")
    assert result.stdout.splitlines()[-1] == (
        f"Found 1 finding (1 error, 0 warnings) in {line - 2} exchanges of 1 capture" + NOT_READY)
    path.write_bytes(gzip.compress(lines)[:10] + b"\x07" + bytes(64))  # the gzip header, then the bad block
    refused = run("replay", str(path))  # the header itself cannot be read
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == f"error: {path}: cannot read: Error -3 while decompressing data: invalid block type\n"


def test_a_time_of_the_right_form_that_never_was_is_a_finding_and_the_rest_is_read(tmp_path: Path) -> None:
    feb_30 = SECOND.replace(b'"started":"2026-11-23T09:00:00.900000Z"', b'"started":"2026-02-30T09:00:00.900000Z"')
    hour_25 = encode_line(clean_exchange(3)).rstrip(b"\n").replace(
        b'"ended":"2026-11-23T09:00:01.000000Z"', b'"ended":"2026-11-23T25:00:01.000000Z"')
    assert feb_30 != SECOND and b"T25:" in hour_25
    path = capture(tmp_path / "times.jsonl", EXCHANGE, feb_30, hour_25, feb_30.replace(b"02-30", b"11-23"))
    result = run("replay", str(path))
    assert result.returncode == 1 and result.stderr == "", result.stderr
    assert finding_lines(result.stdout, path) == [
        f"{path}:3: CAP001 not a valid exchange: 2026-02-30T09:00:00.900000Z is no date and time "
        f"(day is out of range for month) - at `$.started`",
        f"{path}:4: CAP001 not a valid exchange: 2026-11-23T25:00:01.000000Z is no date and time "
        f"(hour must be in 0..23) - at `$.ended`",
    ]  # and seq 2 on line 5 is no duplicate: line 3 was not an exchange
    assert result.stdout.splitlines()[-1] == (
        "Found 2 findings (2 errors, 0 warnings) in 2 exchanges of 1 capture" + NOT_READY)


def test_control_characters_from_a_capture_are_shown_escaped_in_every_text_format(tmp_path: Path) -> None:
    odd = EXCHANGE.replace(b'/ocpi/versions"', b'/ocpi/vers\\u0000ions\\u001b[31m\\nX\\uffff"', 1)
    # An unknown URL answering a versions list is a versions URL (they are free form): answer no list here.
    odd = odd.replace(b'"data":[{"version":"2.2.1","url":"https://hub.example.org/ocpi/2.2.1"}],', b"", 1)
    assert odd != EXCHANGE and b'"data"' not in odd
    path = capture(tmp_path / "odd.jsonl", odd)
    shown = r"no OCPI module in path /ocpi/vers\x00ions\x1b[31m\nX\uffff"
    concise = run("replay", str(path))
    assert concise.returncode == 1
    assert finding_lines(concise.stdout, path) == [f"{path}:2: ENV013 {shown} (partner's request)"]
    full = run("replay", "--format", "full", str(path)).stdout.splitlines()
    assert full[:2] == [f"{path}:2: ENV013 [warning] {shown} (partner's request)",
                        rf"   --> GET https://hub.example.org/ocpi/vers\x00ions\x1b[31m\nX\uffff (seq 1, to_hub) "
                        "-> HTTP 200"]
    github = run("replay", "--format", "github", str(path)).stdout
    assert github == f"::warning file={path},line=2,title=ENV013 unknown-endpoint::{shown} (partner's request)\n"
    junit = ElementTree.fromstring(run("replay", "--format", "junit", str(path)).stdout.encode())
    [failure] = [f for f in junit.iter("failure") if "ENV013" in (f.text or "") or shown in (f.text or "")]
    assert failure.text == f"{path}:2: warning: {shown} (partner's request)"


def test_select_and_ignore_filter_what_is_reported(tmp_path: Path) -> None:
    path = capture(tmp_path / "bad.jsonl", EXCHANGE, b"{not json", EXCHANGE)
    assert run("replay", str(path), "--ignore", "CAP").returncode == 0
    only = run("replay", str(path), "--select", "CAP003")
    assert [line.split(" ")[1] for line in finding_lines(only.stdout, path)] == ["CAP003"]


def test_a_prefix_that_names_no_rule_is_a_usage_error_not_a_clean_run(tmp_path: Path) -> None:
    path = capture(tmp_path / "bad.jsonl", EXCHANGE, b"{not json", EXCHANGE)  # findings a typo would hide
    for option, prefix in (("--select", "credentials"), ("--ignore", "CAPS"), ("--select", "X")):
        result = run("replay", str(path), "--select", "CAP", option, prefix)
        assert result.returncode == 2, (option, prefix, result.stdout)
        assert f"no rule code starts with {prefix!r}" in result.stderr
    assert run("replay", str(path), "--ignore", "all").returncode == 0  # ALL names every rule, in any case
    lower = run("replay", str(path), "--select", "cap003")
    assert [line.split(" ")[1] for line in finding_lines(lower.stdout, path)] == ["CAP003"]


def test_json_report_has_the_documented_fields(tmp_path: Path) -> None:
    path = capture(tmp_path / "bad.jsonl", EXCHANGE, EXCHANGE)
    result = run("replay", "--format", "json", str(path))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    [finding] = report["findings"]
    assert set(report) == {"schema", "tool", "exit_code", "failed_because", "fail_on", "require_ready", "findings",
                           "summary", "captures"} and report["schema"] == 1
    assert (report["exit_code"], report["failed_because"], report["fail_on"], report["require_ready"]) == (
        1, ["findings"], "warning", [])
    assert set(finding) == {"code", "name", "severity", "module", "capture", "line", "seq", "direction", "path",
                            "message", "hint", "notes", "exchange_module", "object", "about",
                            "culprit", "group"}  # as README lists them
    assert (finding["code"], finding["module"], finding["line"], finding["seq"], finding["direction"]) == (
        "CAP003", "capture", 3, 1, "to_hub")
    assert (finding["about"], finding["culprit"]) == (None, None)  # the capture file's own fault: no party's
    assert report["summary"]["findings"] == 1 and report["summary"]["errors"] == 1


def test_unreadable_captures_and_bad_usage_exit_2(tmp_path: Path) -> None:
    not_a_capture = tmp_path / "x.jsonl"
    not_a_capture.write_text('{"format": "har"}\n')
    result = run("replay", str(not_a_capture))
    assert result.returncode == 2 and "not an ocpi-capture file" in result.stderr
    assert run("replay").returncode == 2
    assert run("replay", "--format", "xml", str(not_a_capture)).returncode == 2
    assert run("rule", "NOPE1").returncode == 2


def test_rules_lists_and_rule_explains(tmp_path: Path) -> None:
    listing = run("rules").stdout.splitlines()
    assert any(line.startswith("CAP001  error    capture      malformed-exchange-line") for line in listing)
    assert "## Why it matters" in run("rule", "CAP002").stdout
    assert "judges: the response (its sender, the callee, is at fault)" in run("rule", "CRD206").stdout


def test_rule_shows_the_severity_each_profile_gives() -> None:
    lines = run("rule", "LOC005").stdout.splitlines()
    assert "severity by profile: mobie warning, ocpi-2.2.1 error" in lines
    lines = run("rule", "ENV008").stdout.splitlines()
    assert "severity by profile: mobie error, ocpi-2.2.1 error" in lines
    assert "  a DateTime with a numeric UTC offset (`+00:00`): mobie warning, ocpi-2.2.1 error" in lines
    assert ("  a DateTime longer than 25 characters (too many fractional digits): mobie warning, "
            "ocpi-2.2.1 warning") in lines
    assert "tolerated forms" not in run("rule", "CDR307").stdout


def test_import_a_har_then_replay_it(tmp_path: Path) -> None:
    entry = {
        "startedDateTime": "2026-11-23T10:00:00.000+01:00",
        "time": 50,
        "request": {"method": "GET", "url": "https://hub.example.org/ocpi/versions", "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Authorization", "value": "Token bWFkZS11cC10b2tlbg=="},
                                {"name": "X-Request-ID", "value": "r1"}, {"name": "X-Correlation-ID", "value": "c1"}],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "Content-Type", "value": "application/json"},
                                 {"name": "X-Request-ID", "value": "r1"}, {"name": "X-Correlation-ID", "value": "c1"}],
                     "content": {"size": 10, "mimeType": "application/json",
                                 "text": json.dumps({"data": [{"version": "2.2.1", "url": "https://hub.example.org/ocpi/2.2.1"}],
                                                    "status_code": 1000, "timestamp": "2026-11-23T09:00:00Z"})},
                     "cookies": [], "headersSize": -1, "bodySize": -1, "redirectURL": ""},
        "cache": {}, "timings": {"send": 0, "wait": 50, "receive": 0},
    }
    har = tmp_path / "day0.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [entry]}}))
    capture_path = tmp_path / "day0.jsonl"
    imported = run("import", str(har), "-o", str(capture_path), "--hub", "hub.example.org")
    assert imported.returncode == 0, imported.stderr
    assert "Imported 1 exchanges" in imported.stdout and "1 to_hub" in imported.stdout
    assert b"bWFkZS11cC10b2tlbg==" not in capture_path.read_bytes()
    replayed = run("replay", str(capture_path))
    assert replayed.returncode == 0, replayed.stdout
    again = run("import", str(har), "-o", str(capture_path), "--hub", "hub.example.org")
    assert again.returncode == 2 and "--force" in again.stderr
    assert f"Error: {capture_path} exists; choose another -o or add --force\n" in again.stderr  # said once, as record says it
    not_a_recording = run("import", str(capture_path), "-o", str(tmp_path / "x.jsonl"), "--hub", "h")
    assert not_a_recording.returncode == 2 and "error:" in not_a_recording.stderr



def one_entry_har(path: Path, url: str) -> Path:
    entry = {"startedDateTime": "2026-11-23T09:00:00Z", "time": 5,
             "request": {"method": "GET", "url": url, "headers": []}, "response": {"status": 200, "headers": []}}
    path.write_text(json.dumps({"log": {"entries": [entry]}}))
    return path


@pytest.mark.parametrize("hub_host", ["hub.example.org:notaport", "", " ", "https://"])
def test_import_refuses_a_hub_that_is_no_host(tmp_path: Path, hub_host: str) -> None:
    har = one_entry_har(tmp_path / "day0.har", "https://hub.example.org/ocpi/versions")
    output = tmp_path / "day0.jsonl"
    result = run("import", str(har), "-o", str(output), "--hub", hub_host)
    assert result.returncode == 2, result.stdout
    assert f"--hub': not a host, host:port or URL: {hub_host!r}" in result.stderr, result.stderr
    assert not output.exists()


@pytest.mark.parametrize("hub_host", ["::1", "[::1]", "[::1]:8080", "http://[::1]:8080/ocpi/versions"])
def test_import_takes_an_ipv6_hub(tmp_path: Path, hub_host: str) -> None:
    har = one_entry_har(tmp_path / "day0.har", "http://[::1]:8080/ocpi/versions")
    result = run("import", str(har), "-o", str(tmp_path / "day0.jsonl"), "--hub", hub_host)
    assert result.returncode == 0, result.stderr
    assert "1 to_hub, 0 to_partner" in result.stdout



def test_import_says_which_entries_it_skipped(tmp_path: Path) -> None:
    good = {"startedDateTime": "2026-11-23T09:00:00Z", "time": 5,
            "request": {"method": "GET", "url": "https://hub.example.org/ocpi/versions", "headers": []},
            "response": {"status": 200, "headers": []}}
    nameless = {**good, "request": {**good["request"], "headers": [{"name": "X-Request-ID", "value": None}]}}
    har = tmp_path / "day0.har"
    har.write_text(json.dumps({"log": {"entries": [good, nameless, good, {**good, "startedDateTime": "noon"},
                                                   nameless]}}))
    result = run("import", str(har), "-o", str(tmp_path / "day0.jsonl"), "--hub", "hub.example.org")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "  skipped 2: invalid HAR entry: Expected `str`, got `null` - at `$.request.headers[0].value` (entries 2, 5)",
        "  skipped 1: startedDateTime is not an ISO 8601 time: 'noon' (entry 4)",
    ]


def test_a_failing_checker_is_reported_and_the_replay_goes_on(tmp_path: Path, monkeypatch) -> None:
    from ocpi_tap.replay.check import check_capture
    from ocpi_tap.rules.checks.versions import VersionsChecker

    def broken(self: object, observed: object) -> None:
        raise RuntimeError("made-up bug")

    # A checker fed every exchange (the captured ones are versions GETs).
    assert VersionsChecker.watches is None
    monkeypatch.setattr(VersionsChecker, "feed", broken)
    path = capture(tmp_path / "c.jsonl", EXCHANGE, SECOND, EXCHANGE)
    findings = check_capture(path).findings
    assert [(f.code, f.line) for f in findings] == [("CAP004", 2), ("CAP003", 4)]
    assert "VersionsChecker" in findings[0].message and "made-up bug" in findings[0].message


def test_seqs_seen_in_a_bitmap_and_beyond_it() -> None:
    from ocpi_tap.replay.check import SeqsSeen

    seen = SeqsSeen()
    assert all(seen.add(seq) for seq in range(1, 5000))
    assert not seen.add(4321)
    huge = SeqsSeen.BITMAP_LIMIT + 7
    assert seen.add(huge) and not seen.add(huge)


def run_on_a_terminal(*args: str, env: dict[str, str]) -> str:
    """stdout of `ocpi-tap ARGS` written to a pseudo-terminal, as a person running it sees it."""
    import os
    import pty

    leader, follower = pty.openpty()
    inherited = {name: value for name, value in os.environ.items() if name != "NO_COLOR"}  # conftest sets it
    with subprocess.Popen([str(BIN / "ocpi-tap"), *args], stdout=follower, stderr=subprocess.DEVNULL,
                          env={**inherited, **env}) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is done writing
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    path = capture(tmp_path / "bad.jsonl", EXCHANGE, EXCHANGE)
    assert "\x1b[" not in run("replay", str(path)).stdout  # a pipe: no colour
    coloured = run_on_a_terminal("replay", str(path), env={})
    assert "\x1b[31m\x1b[1mCAP003\x1b[0m" in coloured
    assert "\x1b[" not in run_on_a_terminal("replay", str(path), env={"NO_COLOR": "1"})
    assert "\x1b[31m" in run_on_a_terminal("replay", str(path), env={"NO_COLOR": ""})  # no-color.org: empty is unset


def test_control_characters_from_a_capture_never_reach_the_terminal(tmp_path: Path) -> None:
    from test_baseline_and_ci_formats import hostile_capture

    path = hostile_capture(tmp_path)  # ENV013 quotes a URL path holding ESC[2J (clear screen), BEL, NUL, CR LF
    for output_format in ("concise", "full"):
        shown = run_on_a_terminal("replay", str(path), "--format", output_format, env={"NO_COLOR": "1"})
        assert not {"\x1b", "\x07", "\x00", "\x0b", "\u2028"} & set(shown), output_format
        finding = next(line for line in shown.splitlines() if "ENV013" in line)
        assert "nonsense/E\\x1b[2J\\x07\\x00\\x0b]]>\"'<x>,:%\\r\\n\\u2028" in finding  # one line, escaped


def ctrl_c(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Ctrl-C as in a terminal (to the whole group, workers included), pressed again while the command
    has not ended: a signal landing just before a blocking read is only seen once the read returns
    (CPython's handlers run between bytecodes), and the read waits on a FIFO that nobody writes."""
    import os
    import signal

    for _ in range(6):
        os.killpg(process.pid, signal.SIGINT)
        try:
            return process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            continue
    raise AssertionError("Ctrl-C did not end the command")


@pytest.mark.parametrize(("jobs", "endless", "done"), [(1, 1, 0), (2, 2, 0), (2, 1, 1)],
                         ids=["one-process", "workers-busy", "a-worker-idle"])
def test_ctrl_c_during_a_replay_exits_130(tmp_path: Path, jobs: int, endless: int, done: int) -> None:
    import errno
    import os
    import signal
    import time

    # Captures that are FIFOs: the replay waits in them, for certain, until the test writes or interrupts.
    fifos = [tmp_path / f"endless-{index}.jsonl" for index in range(endless)]
    for fifo in fifos:
        os.mkfifo(fifo)
    finished = [capture(tmp_path / f"done-{index}.jsonl", EXCHANGE) for index in range(done)]
    process = subprocess.Popen([str(BIN / "ocpi-tap"), "replay", "-j", str(jobs), *map(str, finished + fifos)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    writers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        for fifo in fifos:
            while len(writers) < fifos.index(fifo) + 1:  # a writer opens without waiting only once the replay reads
                try:
                    writers.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                except OSError as error:
                    assert error.errno == errno.ENXIO, error
                    assert process.poll() is None, process.communicate()
                    assert time.monotonic() < deadline, "the replay never opened the capture"
                    time.sleep(0.01)
        out, err = ctrl_c(process)
    finally:
        for writer in writers:
            os.close(writer)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=30)
    assert process.returncode == 130, out + err
    assert err.splitlines() == ["interrupted"] and out == ""


def test_rule_takes_a_code_in_any_case() -> None:
    upper, lower = run("rule", "ENV104"), run("rule", "env104")
    assert upper.returncode == lower.returncode == 0
    assert lower.stdout == upper.stdout and lower.stdout.startswith("ENV104 ")
    unknown = run("rule", "ENV999")
    assert unknown.returncode == 2 and "`ocpi-tap rules` lists them" in unknown.stderr
