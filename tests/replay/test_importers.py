"""`import_recording`: mitmproxy flow files and HAR files become captures, redacted like the recorder's.

Every token here is made up. Flow files are written with mitmproxy's own
`FlowWriter`; captures are read back with the replay reader, which tests the
contract rather than this module's idea of it.
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pytest
from mitmproxy import flow, http
from mitmproxy.io import FlowWriter
from mitmproxy.test import tflow, tutils

from ocpi_tap.replay.capture import CaptureReader, Exchange, Header, fingerprint
from ocpi_tap.replay.importers.convert import ImportResult, RecordingFormatError, import_recording
from ocpi_tap.replay.importers.flows import NO_RESPONSE as FLOW_NO_RESPONSE
from ocpi_tap.replay.importers.flowfile import TRUNCATED
from ocpi_tap.replay.importers.har import NO_RESPONSE as HAR_NO_RESPONSE

# Made-up credentials tokens: the header token (sent base64-encoded, OCPI 2.2.1),
# the partner's token in the request body, the hub's token in the response body.
HEADER_TOKEN = "made-up-header-token-4f1c"
PARTNER_TOKEN = "made-up-partner-token-9a2e"
HUB_TOKEN = "made-up-hub-token-77b0"
SECRETS = (HEADER_TOKEN, PARTNER_TOKEN, HUB_TOKEN, base64.b64encode(HEADER_TOKEN.encode()).decode())
AUTHORIZATION = "Token " + base64.b64encode(HEADER_TOKEN.encode()).decode()
REDACTED_AUTHORIZATION = f"Token redacted:b64:sha256:{fingerprint(HEADER_TOKEN)}"

HUB = "https://hub.example.org"
PARTNER = "https://partner.example.com:8443"
CREDENTIALS_URL = f"{HUB}/ocpi/2.2.1/credentials"
LOCATIONS_URL = f"{PARTNER}/ocpi/2.2.1/locations?offset=0&limit=10"

# The request body is pretty-printed on the wire; the capture keeps it compact.
CREDENTIALS_REQUEST = {"token": PARTNER_TOKEN, "url": f"{PARTNER}/ocpi/versions", "roles": []}
CREDENTIALS_RESPONSE: dict[str, Any] = {
    "data": {"token": HUB_TOKEN, "url": f"{HUB}/ocpi/versions", "roles": []},
    "status_code": 1000,
    "timestamp": "2026-11-23T09:00:02Z",
}
# Numbers keep their digits in a capture: 1.10 stays 1.10.
LOCATIONS_BODY = b'{"data": [{"id": "LOC1", "max_power": 1.10}], "status_code": 1000}'


def moment(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def read_capture(path: Path) -> tuple[Header, list[dict[str, Any]]]:
    """Header and exchanges (as plain JSON values, in seq order) through the replay reader."""
    with CaptureReader(path) as reader:
        items = list(reader)
        header = reader.header
    exchanges: list[Exchange] = []
    for item in items:
        assert isinstance(item, tuple), f"capture line not readable: {item}"
        exchanges.append(item[1])
    plain = [json.loads(msgspec.json.encode(exchange)) for exchange in exchanges]
    return header, sorted(plain, key=lambda exchange: exchange["seq"])


# mitmproxy flow files --------------------------------------------------------


def http_flow(
    url: str,
    method: str,
    started: str,
    headers: list[tuple[str, str]],
    content: bytes = b"",
    response: tuple[int, list[tuple[str, str]], bytes, str] | None = None,
    error: str | None = None,
) -> http.HTTPFlow:
    """An HTTP flow as mitmdump saves it; `response` is (status, headers, body, ended)."""
    parts = urlsplit(url)
    request = tutils.treq(
        host=parts.hostname, port=parts.port or 443, scheme=parts.scheme.encode(),
        path=(parts.path + (f"?{parts.query}" if parts.query else "")).encode(),
        method=method.encode(), headers=http.Headers([(k.encode(), v.encode()) for k, v in headers]),
        content=content, timestamp_start=moment(started), timestamp_end=moment(started),
    )
    answer: http.Response | bool = False
    if response is not None:
        status, response_headers, body, ended = response
        answer = tutils.tresp(
            status_code=status, headers=http.Headers([(k.encode(), v.encode()) for k, v in response_headers]),
            content=body, timestamp_start=moment(ended), timestamp_end=moment(ended),
        )
    return tflow.tflow(req=request, resp=answer, err=flow.Error(error) if error else False)


def recorded_flows() -> list[flow.Flow]:
    """In file (completion) order, which is not the order the requests started."""
    credentials = http_flow(
        CREDENTIALS_URL, "POST", "2026-11-23T09:00:02.250000",
        [("Authorization", AUTHORIZATION), ("Content-Type", "application/json"),
         ("X-Request-ID", "req-2"), ("X-Correlation-ID", "corr-1"), ("X-Request-ID", "req-2-dup")],
        json.dumps(CREDENTIALS_REQUEST, indent=2).encode(),
        (200, [("Content-Type", "application/json"), ("X-Request-ID", "req-2")],
         json.dumps(CREDENTIALS_RESPONSE).encode(), "2026-11-23T09:00:02.370500"),
    )
    locations = http_flow(
        LOCATIONS_URL, "GET", "2026-11-23T09:00:01.000001",
        [("Authorization", f"Token {HUB_TOKEN}"), ("X-Request-ID", "req-1")],
        response=(200, [("Content-Type", "application/json")], LOCATIONS_BODY, "2026-11-23T09:00:01.500000"),
    )
    failed = http_flow(
        f"{HUB}/ocpi/2.2.1/sessions/NL/TNM/S1", "PUT", "2026-11-23T09:00:03.000000",
        [("Authorization", AUTHORIZATION)], b"not json\n", error="Connection refused",
    )
    # mitmdump writes flows still open when it stops: no response, no error.
    open_flow = http_flow(f"{HUB}/ocpi/2.2.1/tariffs", "GET", "2026-11-23T09:00:03.000000", [])
    return [credentials, tflow.ttcpflow(), locations, failed, tflow.tdnsflow(), open_flow]


def write_flow_file(path: Path, flows: list[flow.Flow]) -> Path:
    with path.open("wb") as stream:
        writer = FlowWriter(stream)
        for item in flows:
            writer.add(item)
    return path


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    return write_flow_file(tmp_path / "traffic.mitm", recorded_flows())


def expected_flow_exchanges(authorization: str, partner_token: str, hub_token: str,
                            locations_authorization: str) -> list[dict[str, Any]]:
    return [
        {"seq": 1, "direction": "to_partner",
         "started": "2026-11-23T09:00:01.000001Z", "ended": "2026-11-23T09:00:01.500000Z",
         "request": {"method": "GET", "url": LOCATIONS_URL,
                     "headers": [["Authorization", locations_authorization], ["X-Request-ID", "req-1"]]},
         "response": {"status": 200, "headers": [["Content-Type", "application/json"]],
                      "body": json.loads(LOCATIONS_BODY)}},
        {"seq": 2, "direction": "to_hub",
         "started": "2026-11-23T09:00:02.250000Z", "ended": "2026-11-23T09:00:02.370500Z",
         "request": {"method": "POST", "url": CREDENTIALS_URL,
                     "headers": [["Authorization", authorization], ["Content-Type", "application/json"],
                                 ["X-Request-ID", "req-2"], ["X-Correlation-ID", "corr-1"],
                                 ["X-Request-ID", "req-2-dup"]],
                     "body": {**CREDENTIALS_REQUEST, "token": partner_token}},
         "response": {"status": 200,
                      "headers": [["Content-Type", "application/json"], ["X-Request-ID", "req-2"]],
                      "body": {**CREDENTIALS_RESPONSE,
                               "data": {**CREDENTIALS_RESPONSE["data"], "token": hub_token}}}},
        {"seq": 3, "direction": "to_hub", "started": "2026-11-23T09:00:03.000000Z", "ended": None,
         "request": {"method": "PUT", "url": f"{HUB}/ocpi/2.2.1/sessions/NL/TNM/S1",
                     "headers": [["Authorization", authorization]], "text": "not json\n"},
         "response": None, "error": "Connection refused"},
        {"seq": 4, "direction": "to_hub", "started": "2026-11-23T09:00:03.000000Z", "ended": None,
         "request": {"method": "GET", "url": f"{HUB}/ocpi/2.2.1/tariffs"},
         "response": None, "error": FLOW_NO_RESPONSE},
    ]


def test_flow_file_is_imported_and_redacted(flow_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "capture.jsonl"

    result = import_recording(flow_file, output, hub_hosts=["hub.example.org"], note="from mitmdump")

    header, exchanges = read_capture(output)
    assert exchanges == expected_flow_exchanges(
        REDACTED_AUTHORIZATION,
        f"redacted:sha256:{fingerprint(PARTNER_TOKEN)}",
        f"redacted:sha256:{fingerprint(HUB_TOKEN)}",
        f"Token redacted:sha256:{fingerprint(HUB_TOKEN)}",  # not base64: fingerprint of the value as sent
    )
    assert header.redaction == "sha256-12"
    assert header.peers == {"to_hub": HUB, "to_partner": PARTNER}
    assert header.note == "from mitmdump"
    written = output.read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in written
    assert result == ImportResult(
        kind="mitmproxy", exchanges=4, to_hub=3, to_partner=1,
        skipped={"tcp flow (only HTTP flows are imported)": 1, "dns flow (only HTTP flows are imported)": 1},
        skipped_at={"tcp flow (only HTTP flows are imported)": [2], "dns flow (only HTTP flows are imported)": [5]},
        peers={"to_hub": HUB, "to_partner": PARTNER},
    )
    assert result.skipped_total == 2


def test_flow_file_without_redaction_keeps_tokens_and_says_so(flow_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "clear.jsonl"

    import_recording(flow_file, output, hub_hosts=["hub.example.org"], redaction="none")

    header, exchanges = read_capture(output)
    assert header.redaction == "none"
    assert exchanges == expected_flow_exchanges(AUTHORIZATION, PARTNER_TOKEN, HUB_TOKEN, f"Token {HUB_TOKEN}")


@pytest.mark.parametrize(
    ("hub_hosts", "hub_seqs"),
    [
        (["hub.example.org"], [2, 3, 4]),
        (["HUB.example.org:443"], [2, 3, 4]),  # the scheme's default port counts
        (["https://hub.example.org/ocpi/versions"], [2, 3, 4]),  # a URL, as the user knows it
        (["partner.example.com:8443"], [1]),
        (["partner.example.com"], [1]),
        (["partner.example.com:443"], []),  # another port is another peer
        (["hub.example.org", "partner.example.com"], [1, 2, 3, 4]),
    ],
)
def test_direction_follows_the_hub_hosts(
    flow_file: Path, tmp_path: Path, hub_hosts: list[str], hub_seqs: list[int]
) -> None:
    output = tmp_path / "capture.jsonl"

    import_recording(flow_file, output, hub_hosts=hub_hosts)

    header, exchanges = read_capture(output)
    assert [exchange["seq"] for exchange in exchanges if exchange["direction"] == "to_hub"] == hub_seqs
    first_hub = next((exchange for exchange in exchanges if exchange["direction"] == "to_hub"), None)
    assert header.peers.get("to_hub") == (first_hub["request"]["url"].split("/ocpi")[0] if first_hub else None)


def test_non_http_flows_only_are_all_skipped(tmp_path: Path) -> None:
    source = write_flow_file(tmp_path / "tcp.mitm", [tflow.ttcpflow(), tflow.tudpflow(), tflow.ttcpflow()])
    output = tmp_path / "capture.jsonl"

    result = import_recording(source, output, hub_hosts=["hub.example.org"])

    assert result.exchanges == 0
    assert result.skipped == {
        "tcp flow (only HTTP flows are imported)": 2,
        "udp flow (only HTTP flows are imported)": 1,
    }
    header, exchanges = read_capture(output)
    assert exchanges == [] and header.peers == {}


def test_truncated_flow_file_keeps_the_flows_before_the_cut(flow_file: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mitm"
    cut.write_bytes(flow_file.read_bytes()[:-40])
    output = tmp_path / "capture.jsonl"

    result = import_recording(cut, output, hub_hosts=["hub.example.org"])

    assert result.skipped[TRUNCATED] == 1
    assert result.skipped_at[TRUNCATED] == [6]  # the sixth flow, cut
    assert [exchange["seq"] for exchange in read_capture(output)[1]] == [1, 2, 3]



def test_a_flow_file_cut_inside_its_first_flow_says_so(flow_file: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mitm"
    cut.write_bytes(flow_file.read_bytes()[:1000])  # mitmdump killed while writing its first flow

    with pytest.raises(RecordingFormatError, match="first flow is cut short.*the flow file is truncated"):
        import_recording(cut, tmp_path / "capture.jsonl", hub_hosts=["hub.example.org"])


def test_ties_in_start_time_keep_file_order(tmp_path: Path) -> None:
    started = "2026-11-23T09:00:00.000000"
    flows: list[flow.Flow] = [
        http_flow(f"{HUB}/ocpi/{name}", "GET", started, [], response=(200, [], b"", started))
        for name in ("c", "a", "b")
    ]
    source = write_flow_file(tmp_path / "ties.mitm", flows)

    import_recording(source, tmp_path / "capture.jsonl", hub_hosts=["hub.example.org"])

    urls = [exchange["request"]["url"] for exchange in read_capture(tmp_path / "capture.jsonl")[1]]
    assert urls == [f"{HUB}/ocpi/c", f"{HUB}/ocpi/a", f"{HUB}/ocpi/b"]


# HAR files -------------------------------------------------------------------

NOT_UTF8 = b"\x89PNG\r\n\x1a\n\xff\xfe"
LOCATION_JSON = b'{"data": {"id": "LOC1", "coordinates": {"latitude": "52.1"}}, "status_code": 1000}'


def har_document() -> dict[str, Any]:
    """A HAR as dev tools write one, entries not in start order, with one of each oddity."""

    def entry(started: str, time: float, request: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
        return {"startedDateTime": started, "time": time, "request": {"httpVersion": "HTTP/1.1", **request},
                "response": {"httpVersion": "HTTP/1.1", "statusText": "", **response}, "timings": {}}

    return {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [
        entry("2026-11-23T10:00:02.250+01:00", 120.5,  # 09:00:02.250 UTC
              {"method": "post", "url": CREDENTIALS_URL,
               "headers": [{"name": ":authority", "value": "hub.example.org"},
                           {"name": "Authorization", "value": AUTHORIZATION},
                           {"name": "Content-Type", "value": "application/json"},
                           {"name": "X-Request-ID", "value": "req-2"}],
               "postData": {"mimeType": "application/json", "text": json.dumps(CREDENTIALS_REQUEST, indent=2)}},
              {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
               "content": {"mimeType": "application/json", "text": json.dumps(CREDENTIALS_RESPONSE)}}),
        entry("2026-11-23T09:00:01.000Z", 20,
              {"method": "GET", "url": f"{PARTNER}/ocpi/2.2.1/locations/LOC1",
               "headers": [{"name": "Authorization", "value": AUTHORIZATION}]},
              {"status": 200, "headers": [],
               "content": {"text": base64.b64encode(LOCATION_JSON).decode(), "encoding": "base64"}}),
        entry("2026-11-23T09:00:04Z", 5,
              {"method": "GET", "url": f"{PARTNER}/logo.png", "headers": []},
              {"status": 200, "headers": [], "content": {"text": base64.b64encode(NOT_UTF8).decode(),
                                                          "encoding": "base64"}}),
        entry("2026-11-23T09:00:03-02:30", 1,  # 11:30:03 UTC, the last
              {"method": "PUT", "url": f"{HUB}/ocpi/2.2.1/sessions/S1", "headers": []},
              {"status": 0, "headers": [], "content": {}, "_error": "net::ERR_CONNECTION_REFUSED"}),
        entry("2026-11-23T09:00:05Z", 0,
              {"method": "GET", "url": f"{HUB}/ocpi/2.2.1/tariffs", "headers": []},
              {"status": 0, "headers": [], "content": {}}),
        entry("2026-11-23T09:00:03Z", 30,
              {"method": "POST", "url": f"{HUB}/form", "headers": [],
               "postData": {"mimeType": "application/x-www-form-urlencoded",
                            "params": [{"name": "a", "value": "1 2"}, {"name": "b", "value": "&"}]}},
              {"status": 502, "headers": [{"name": "Content-Type", "value": "text/plain"}],
               "content": {"text": "Bad Gateway\n"}}),
        entry("2026-11-23T09:00:03Z", 0, {"method": "GET", "url": "data:text/plain,hello", "headers": []},
              {"status": 200, "headers": [], "content": {}}),
        {"startedDateTime": "2026-11-23T09:00:03Z", "time": 0},  # no request
    ]}}


@pytest.fixture
def har_file(tmp_path: Path) -> Path:
    path = tmp_path / "browser.har"
    path.write_text(json.dumps(har_document(), indent=2))
    return path


def expected_har_exchanges(authorization: str, partner_token: str, hub_token: str) -> list[dict[str, Any]]:
    return [
        {"seq": 1, "direction": "to_partner",
         "started": "2026-11-23T09:00:01.000000Z", "ended": "2026-11-23T09:00:01.020000Z",
         "request": {"method": "GET", "url": f"{PARTNER}/ocpi/2.2.1/locations/LOC1",
                     "headers": [["Authorization", authorization]]},
         "response": {"status": 200, "body": json.loads(LOCATION_JSON)}},
        {"seq": 2, "direction": "to_hub",
         "started": "2026-11-23T09:00:02.250000Z", "ended": "2026-11-23T09:00:02.370500Z",
         "request": {"method": "POST", "url": CREDENTIALS_URL,
                     "headers": [["Authorization", authorization], ["Content-Type", "application/json"],
                                 ["X-Request-ID", "req-2"]],
                     "body": {**CREDENTIALS_REQUEST, "token": partner_token}},
         "response": {"status": 200, "headers": [["Content-Type", "application/json"]],
                      "body": {**CREDENTIALS_RESPONSE,
                               "data": {**CREDENTIALS_RESPONSE["data"], "token": hub_token}}}},
        {"seq": 3, "direction": "to_hub",
         "started": "2026-11-23T09:00:03.000000Z", "ended": "2026-11-23T09:00:03.030000Z",
         "request": {"method": "POST", "url": f"{HUB}/form", "text": "a=1+2&b=%26"},
         "response": {"status": 502, "headers": [["Content-Type", "text/plain"]], "text": "Bad Gateway\n"}},
        {"seq": 4, "direction": "to_partner",
         "started": "2026-11-23T09:00:04.000000Z", "ended": "2026-11-23T09:00:04.005000Z",
         "request": {"method": "GET", "url": f"{PARTNER}/logo.png"},
         "response": {"status": 200, "b64": base64.b64encode(NOT_UTF8).decode()}},
        {"seq": 5, "direction": "to_hub", "started": "2026-11-23T09:00:05.000000Z", "ended": None,
         "request": {"method": "GET", "url": f"{HUB}/ocpi/2.2.1/tariffs"},
         "response": None, "error": HAR_NO_RESPONSE},
        {"seq": 6, "direction": "to_hub", "started": "2026-11-23T11:30:03.000000Z", "ended": None,
         "request": {"method": "PUT", "url": f"{HUB}/ocpi/2.2.1/sessions/S1"},
         "response": None, "error": "net::ERR_CONNECTION_REFUSED"},
    ]


def check_har_import(source: Path, tmp_path: Path) -> None:
    output = tmp_path / "capture.jsonl"

    result = import_recording(source, output, hub_hosts=["hub.example.org"])

    header, exchanges = read_capture(output)
    assert exchanges == expected_har_exchanges(
        REDACTED_AUTHORIZATION,
        f"redacted:sha256:{fingerprint(PARTNER_TOKEN)}",
        f"redacted:sha256:{fingerprint(HUB_TOKEN)}",
    )
    assert header.redaction == "sha256-12"
    assert header.peers == {"to_hub": HUB, "to_partner": PARTNER}
    written = output.read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in written
    assert result.kind == "har"
    assert (result.exchanges, result.to_hub, result.to_partner) == (6, 4, 2)
    assert result.skipped_total == 2
    assert result.skipped["not an http(s) URL: 'data'"] == 1
    [invalid] = [reason for reason in result.skipped if reason.startswith("invalid HAR entry")]
    assert "request" in invalid


def test_har_is_imported_and_redacted(har_file: Path, tmp_path: Path) -> None:
    check_har_import(har_file, tmp_path)


def test_zlib_compressed_har_is_detected_by_content(har_file: Path, tmp_path: Path) -> None:
    source = tmp_path / "browser.bin"  # the suffix says nothing
    source.write_bytes(zlib.compress(har_file.read_bytes(), 9))
    check_har_import(source, tmp_path)


def test_har_with_byte_order_mark_and_flow_suffix(har_file: Path, tmp_path: Path) -> None:
    source = tmp_path / "misnamed.mitm"
    source.write_bytes(b"\xef\xbb\xbf" + har_file.read_bytes())
    check_har_import(source, tmp_path)


def test_har_without_redaction_keeps_tokens_and_says_so(har_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "clear.jsonl"

    import_recording(har_file, output, hub_hosts=["hub.example.org"], redaction="none")

    header, exchanges = read_capture(output)
    assert header.redaction == "none"
    assert exchanges == expected_har_exchanges(AUTHORIZATION, PARTNER_TOKEN, HUB_TOKEN)


# Refusals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"", "an empty file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary data starting with 89 50 4e 47"),
        (b"hello, world\n", "text starting with 'hello, world"),
        (b'{"foo": 1, "bar": []}', "a JSON object with keys ['bar', 'foo']"),
        (b'[{"log": {}}]', "a JSON list"),
        (b'{"log": {"pages": []}}', "missing required field `entries`"),
        (b'{"log": ', "not valid JSON"),
        (b"123456,789\n", "mitmproxy cannot read"),
        (b"3:abc,", "mitmproxy cannot read"),
        (b"x\x9c" + bytes(range(64)), "does not decompress"),
        (zlib.compress(b"plain text"), "not valid JSON"),
        (b'{"format": "ocpi-capture", "version": 1}\n{"seq": 1}\n', "first line has format 'ocpi-capture'"),
    ],
)
def test_input_that_is_not_a_recording_is_refused(tmp_path: Path, content: bytes, found: str) -> None:
    source = tmp_path / "input.har"
    source.write_bytes(content)
    output = tmp_path / "capture.jsonl"

    with pytest.raises(RecordingFormatError) as raised:
        import_recording(source, output, hub_hosts=["hub.example.org"])

    message = str(raised.value)
    assert found in message
    assert str(source) in message
    assert "expected" in message or "zlib" in message
    assert isinstance(raised.value, ValueError)
    assert not output.exists()


def test_existing_output_is_refused_unless_overwrite(flow_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "capture.jsonl"
    output.write_bytes(b"precious\n")

    with pytest.raises(FileExistsError, match="exists"):
        import_recording(flow_file, output, hub_hosts=["hub.example.org"])
    assert output.read_bytes() == b"precious\n"

    import_recording(flow_file, output, hub_hosts=["hub.example.org"], overwrite=True)
    assert len(read_capture(output)[1]) == 4


def test_the_recording_itself_is_never_the_output(flow_file: Path) -> None:
    before = flow_file.read_bytes()
    with pytest.raises(ValueError, match="replace the recording"):
        import_recording(flow_file, flow_file, hub_hosts=["hub.example.org"], overwrite=True)
    assert flow_file.read_bytes() == before


@pytest.mark.parametrize("source_name", ["flow_file", "har_file"])
def test_no_hub_hosts_names_the_hosts_seen(
    source_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source: Path = request.getfixturevalue(source_name)
    output = tmp_path / "capture.jsonl"

    with pytest.raises(ValueError, match="no hub hosts") as raised:
        import_recording(source, output, hub_hosts=[])

    assert not isinstance(raised.value, RecordingFormatError)
    assert "hub.example.org (" in str(raised.value)
    assert "partner.example.com:8443 (" in str(raised.value)
    assert not output.exists()


def test_unknown_redaction_is_refused(flow_file: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="redaction"):
        import_recording(flow_file, tmp_path / "capture.jsonl", hub_hosts=["hub.example.org"], redaction="md5")

