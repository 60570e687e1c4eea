"""ENV rules: each has a capture that breaks it, and the clean exchange breaks none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from msgspec import UNSET

from captures import MADE_UP_TOKEN, clean_exchange, write_capture
from ocpi_tap.replay.capture import Exchange, body_fields
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection

Edit = Callable[[Exchange], Exchange]
LOCATION_URL = "https://hub.example.org/ocpi/2.2.1/locations/PT/CPO/LOC1"


def with_request(**changes: object) -> Edit:
    return lambda e: msgspec.structs.replace(e, request=msgspec.structs.replace(e.request, **changes))


def with_response(**changes: object) -> Edit:
    def edit(e: Exchange) -> Exchange:
        assert e.response is not None
        return msgspec.structs.replace(e, response=msgspec.structs.replace(e.response, **changes))
    return edit


def without_header(side: str, name: str) -> Edit:
    def edit(e: Exchange) -> Exchange:
        message = e.request if side == "request" else e.response
        assert message is not None
        headers = [h for h in message.headers if h[0] != name]
        return (with_request if side == "request" else with_response)(headers=headers)(e)
    return edit


def replace_header(side: str, name: str, value: str) -> Edit:
    def edit(e: Exchange) -> Exchange:
        message = e.request if side == "request" else e.response
        assert message is not None
        headers = [(k, value if k == name else v) for k, v in message.headers]
        return (with_request if side == "request" else with_response)(headers=headers)(e)
    return edit


def envelope(body: bytes | None) -> Edit:
    """The response body replaced (all three body forms reset first)."""
    return with_response(**{"body": UNSET, "text": UNSET, "b64": UNSET, **body_fields(body)})


def codes(tmp_path: Path, exchange: Exchange, profile: str = "ocpi-2.2.1") -> list[str]:
    """The transport codes the exchange breaks (a broken envelope may break module rules too).

    Routing headers (ENV107) are left out: the edits here move exchanges to
    functional modules without adding them, and they have their own tests.
    """
    result = check_capture(write_capture(tmp_path / "c.jsonl", exchange), profile=PROFILES[profile],
                           selection=Selection(ignore=["ENV107"]))
    return [finding.code for finding in result.findings if finding.module == "transport"]


def test_the_clean_exchange_breaks_no_rule(tmp_path: Path) -> None:
    assert check_capture(write_capture(tmp_path / "c.jsonl", clean_exchange())).findings == []


BREAKING: list[tuple[str, Edit]] = [
    ("ENV001", envelope(b'{"data": [], "status_code": "1000", "timestamp": "2026-11-23T09:00:01Z"}')),
    ("ENV001", envelope(b"<html>Bad gateway</html>")),
    ("ENV001", envelope(None)),
    ("ENV003", lambda e: with_request(method="PUT", url=LOCATION_URL,
                                      headers=e.request.headers + [("Content-Type", "application/json")],
                                      **body_fields(b'{"id": "LOC1",}'))(e)),
    ("ENV005", with_request(method="PUT", url=LOCATION_URL, **body_fields(b'{"id": "LOC1"}'))),
    ("ENV008", envelope(b'{"status_code": 1000, "timestamp": "2026-11-23T09:00:01+00:00"}')),
    ("ENV012", without_header("response", "Content-Type")),
    ("ENV101", without_header("request", "Authorization")),
    ("ENV102", replace_header("request", "Authorization", "Bearer c29tZXRoaW5n")),
    ("ENV103", replace_header("request", "Authorization", f"Token {MADE_UP_TOKEN}")),
    ("ENV104", without_header("request", "X-Request-ID")),
    ("ENV104", replace_header("response", "X-Request-ID", "another")),
    ("ENV105", without_header("response", "X-Correlation-ID")),
    ("ENV120", envelope(b'{"status_code": 200, "timestamp": "2026-11-23T09:00:01Z"}')),
    ("ENV123", with_response(status=500)),
    ("ENV124", lambda e: with_response(status=500)(envelope(b'{"status_code": 2001, "timestamp": "2026-11-23T09:00:01Z"}')(e))),
    ("ENV124", lambda e: with_response(status=400)(envelope(b'{"status_code": 2001, "timestamp": "2026-11-23T09:00:01Z"}')(e))),
    ("ENV401", envelope(b'{"status_code": 1000, "timestamp": "2026-11-23T10:00:01Z"}')),
    ("ENV402", lambda e: msgspec.structs.replace(e, response=None, ended=None, error="connection refused")),
]


@pytest.mark.parametrize(("code", "edit"), BREAKING, ids=[f"{c}-{i}" for i, (c, _) in enumerate(BREAKING)])
def test_each_rule_fires_on_the_exchange_that_breaks_it(tmp_path: Path, code: str, edit: Edit) -> None:
    assert codes(tmp_path, edit(clean_exchange())) == [code]


def test_custom_status_codes_are_defined_but_not_for_standard_modules(tmp_path: Path) -> None:
    custom = envelope(b'{"status_code": 2901, "timestamp": "2026-11-23T09:00:01Z"}')
    assert codes(tmp_path, custom(clean_exchange())) == ["ENV121"]


def test_hub_codes_come_only_from_the_hub(tmp_path: Path) -> None:
    hub_error = envelope(b'{"status_code": 4001, "timestamp": "2026-11-23T09:00:01Z"}')(clean_exchange())
    assert codes(tmp_path, hub_error) == []  # the hub answered the partner: fine
    from_partner = msgspec.structs.replace(hub_error, direction="to_partner")
    assert codes(tmp_path, from_partner) == ["ENV122"]


def test_a_sender_reusing_a_request_id(tmp_path: Path) -> None:
    first, second = clean_exchange(1), clean_exchange(2)
    reused = replace_header("request", "X-Request-ID", "req-1")(replace_header("response", "X-Request-ID", "req-1")(second))
    other_sender = msgspec.structs.replace(reused, seq=3, direction="to_partner")
    capture = write_capture(tmp_path / "c.jsonl", first, reused, other_sender)
    found = [(f.code, f.seq) for f in check_capture(capture).findings]
    assert found == [("ENV106", 2)]


def test_the_shape_finding_carries_the_json_path(tmp_path: Path) -> None:
    bad = envelope(b'{"status_code": "1000", "timestamp": "2026-11-23T09:00:01Z"}')(clean_exchange())
    finding, missing_data = check_capture(write_capture(tmp_path / "c.jsonl", bad)).findings
    assert finding.path == "$.status_code"
    assert finding.message == "response is not an OCPI envelope: Expected `int`, got `str`"
    assert (missing_data.code, missing_data.path) == ("VER001", "$.data")  # what is left is judged too


def test_the_mobie_profile_makes_raw_tokens_a_warning(tmp_path: Path) -> None:
    raw = replace_header("request", "Authorization", f"Token {MADE_UP_TOKEN}")(clean_exchange())
    capture = write_capture(tmp_path / "c.jsonl", raw)
    [strict] = check_capture(capture, profile=PROFILES["ocpi-2.2.1"]).findings
    [tolerant] = check_capture(capture, profile=PROFILES["mobie"]).findings
    assert (strict.code, strict.severity) == ("ENV103", "error")
    assert (tolerant.code, tolerant.severity) == ("ENV103", "warning")


def test_unredacted_captures_are_checked_the_same_way(tmp_path: Path) -> None:
    raw = replace_header("request", "Authorization", f"Token {MADE_UP_TOKEN}")(clean_exchange())
    result = check_capture(write_capture(tmp_path / "c.jsonl", raw, redact=False), profile=PROFILES["ocpi-2.2.1"])
    assert [f.code for f in result.findings] == ["ENV103"]
    clean = check_capture(write_capture(tmp_path / "d.jsonl", clean_exchange(), redact=False))
    assert clean.findings == []


@pytest.mark.parametrize("http", [401, 404, 405])
def test_the_http_errors_the_spec_names_are_not_flagged(tmp_path: Path, http: int) -> None:
    answer = with_response(status=http)(envelope(b'{"status_code": 2004, "timestamp": "2026-11-23T09:00:01Z"}')(clean_exchange()))
    assert codes(tmp_path, answer) == []


def test_http_400_is_right_for_a_body_that_is_not_json(tmp_path: Path) -> None:
    bad_json = with_request(method="PUT", url=LOCATION_URL, headers=clean_exchange().request.headers
                            + [("Content-Type", "application/json")], **body_fields(b"{not json"))(clean_exchange())
    answer = with_response(status=400)(envelope(b'{"status_code": 2001, "timestamp": "2026-11-23T09:00:01Z"}')(bad_json))
    assert codes(tmp_path, answer) == ["ENV003"]


GROUPED: list[tuple[str, Callable[[int], Edit], str]] = [
    # (code, the edit of exchange n, the group key: the message without the exchange's particulars)
    ("ENV104", lambda n: without_header("response", "X-Request-ID"), "X-Request-ID: not echoed in the response"),
    ("ENV104", lambda n: replace_header("response", "X-Request-ID", f"other-{n}"),
     "X-Request-ID: echoed with another value"),
    ("ENV105", lambda n: replace_header("response", "X-Correlation-ID", f"other-{n}"),
     "X-Correlation-ID: echoed with another value"),
    ("ENV012", lambda n: replace_header("response", "Content-Type", ["text/plain", "text/html"][n % 2]),
     "response body not sent with Content-Type application/json"),
    ("ENV005", lambda n: lambda e: replace_header("request", "Content-Type", ["text/plain", "text/html"][n % 2])(
        with_request(method="PUT", url=LOCATION_URL,
                     headers=e.request.headers + [("Content-Type", "x")], **body_fields(b'{"id": "LOC1"}'))(e)),
     "request body not sent with Content-Type application/json"),
    ("ENV401", lambda n: envelope(b'{"status_code": 1000, "timestamp": "2026-11-23T1%d:00:01Z"}' % n),
     "envelope timestamp is ahead of the capture's clock"),
]


@pytest.mark.parametrize(("code", "edit", "group"), GROUPED, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(GROUPED)])
def test_findings_that_differ_only_by_the_exchange_particulars_share_a_group_key(
        tmp_path: Path, code: str, edit: Callable[[int], Edit], group: str) -> None:
    exchanges = [edit(n)(clean_exchange(n)) for n in (1, 2)]
    findings = [f for f in check_capture(write_capture(tmp_path / "c.jsonl", *exchanges)).findings if f.code == code]
    assert len(findings) == 2
    assert findings[0].message != findings[1].message  # each names its own value
    assert [f.group for f in findings] == [group, group]


def test_a_rule_whose_message_has_no_particulars_groups_by_its_message(tmp_path: Path) -> None:
    exchanges = [without_header("request", "Authorization")(clean_exchange(n)) for n in (1, 2)]
    findings = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges)).findings
    assert [(f.code, f.group, f.cause()) for f in findings] == [
        ("ENV101", None, "request has no Authorization header")] * 2


def test_a_reused_request_id_groups_whatever_the_id(tmp_path: Path) -> None:
    exchanges = [clean_exchange(n) for n in (1, 2)]
    again = [replace_header("request", "X-Request-ID", f"req-{n - 2}")(replace_header(
        "response", "X-Request-ID", f"req-{n - 2}")(clean_exchange(n))) for n in (3, 4)]
    findings = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges, *again)).findings
    assert [f.code for f in findings] == ["ENV106", "ENV106"] and findings[0].message != findings[1].message
    assert {f.group for f in findings} == {"X-Request-ID reused: this sender sent it on an earlier request"}
