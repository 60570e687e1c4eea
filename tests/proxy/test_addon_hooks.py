"""The Recorder's hooks, driven with mitmproxy's own test helpers."""

from __future__ import annotations

import errno
import io
from collections.abc import Iterator

import msgspec
import pytest
from mitmproxy import exceptions
from mitmproxy.addons import proxyserver
from mitmproxy.proxy import mode_specs
from mitmproxy.test import taddons, tflow

from ocpi_tap.proxy import addon
from ocpi_tap.proxy.addon import Recorder, direction_map
from ocpi_tap.replay.capture import Exchange, Header

HUB_MODE = "reverse:http://hub.test:80@8081"
PARTNER_MODE = "reverse:https://partner.test:443@8082"


def lines(stream: io.BytesIO) -> tuple[Header, list[Exchange]]:
    first, *rest = stream.getvalue().splitlines()
    return msgspec.json.decode(first, type=Header), [msgspec.json.decode(line, type=Exchange) for line in rest]


def flow_via(mode: str, path: str = "/ocpi/versions", resp: bool = True) -> tflow.HTTPFlow:
    flow = tflow.tflow(resp=resp)
    flow.client_conn.proxy_mode = mode_specs.ProxyMode.parse(mode)
    flow.request.path = path
    return flow


def shutdowns(context: taddons.context) -> list[bool]:
    """Each call of the master's shutdown, recorded instead of done."""
    stopped: list[bool] = []
    context.master.shutdown = lambda: stopped.append(True)  # type: ignore[method-assign]
    return stopped


@pytest.fixture
def recorded() -> Iterator[tuple[Recorder, io.BytesIO, taddons.context]]:
    stream = io.BytesIO()
    recorder = Recorder(stream=stream)
    with taddons.context(recorder) as context:
        context.configure(recorder, mode=[HUB_MODE, PARTNER_MODE])
        yield recorder, stream, context


def test_header_names_the_upstream_behind_each_direction(recorded) -> None:
    _, stream, _ = recorded
    header, exchanges = lines(stream)
    assert header.peers == {"to_hub": "http://hub.test", "to_partner": "https://partner.test"}
    assert header.redaction == "sha256-12" and exchanges == []


def test_each_exchange_is_written_once_with_seq_in_arrival_order(recorded) -> None:
    recorder, stream, _ = recorded
    first, second = flow_via(HUB_MODE), flow_via(PARTNER_MODE)
    recorder.requestheaders(first)
    recorder.requestheaders(second)
    recorder.response(second)  # completes first
    recorder.response(first)
    recorder.error(first)  # an error after the response must not write it again
    recorder.done()
    _, exchanges = lines(stream)
    assert [(e.seq, e.direction) for e in exchanges] == [(2, "to_partner"), (1, "to_hub")]


def test_flows_in_flight_at_done_are_written_without_response(recorded) -> None:
    recorder, stream, _ = recorded
    flow = flow_via(HUB_MODE, resp=False)
    recorder.requestheaders(flow)
    recorder.done()
    _, [exchange] = lines(stream)
    assert exchange.response is None and exchange.ended is None
    assert exchange.error == "in flight when the recorder stopped"


def test_a_failed_flow_records_the_error(recorded) -> None:
    recorder, stream, _ = recorded
    flow = flow_via(PARTNER_MODE, resp=False)
    flow.error = tflow.terr("Connection refused")
    recorder.requestheaders(flow)
    recorder.error(flow)
    _, [exchange] = lines(stream)
    assert exchange.error == "Connection refused" and exchange.response is None


class FullDisk(io.BytesIO):
    def __init__(self, writes_allowed: int) -> None:
        super().__init__()
        self.writes_allowed = writes_allowed

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.writes_allowed == 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.writes_allowed -= 1
        return super().write(data)


def test_a_full_disk_kills_the_flow_and_stops_the_proxy() -> None:
    recorder = Recorder(stream=FullDisk(writes_allowed=2))  # the header and one exchange
    with taddons.context(recorder) as context:
        context.configure(recorder, mode=[HUB_MODE, PARTNER_MODE])
        stopped = shutdowns(context)
        ok, lost = flow_via(HUB_MODE), flow_via(HUB_MODE)
        for flow in (ok, lost):
            recorder.requestheaders(flow)
            recorder.response(flow)
        assert ok.error is None
        assert lost.error is not None and lost.error.msg == "Connection killed."
        assert stopped == [True]
        assert recorder.failure and "No space left on device" in recorder.failure
        later = flow_via(PARTNER_MODE)
        recorder.requestheaders(later)  # nothing passes once recording failed
        assert later.error is not None


def test_redaction_can_be_turned_off_and_says_so() -> None:
    stream = io.BytesIO()
    recorder = Recorder(stream=stream)
    with taddons.context(recorder) as context:
        context.configure(recorder, mode=[HUB_MODE], ocpi_redaction="none")
        flow = flow_via(HUB_MODE)
        flow.request.headers["Authorization"] = "Token made-up-secret"
        recorder.requestheaders(flow)
        recorder.response(flow)
    header, [exchange] = lines(stream)
    assert header.redaction == "none"
    assert exchange.request.header("Authorization") == "Token made-up-secret"


def test_bad_option_values_are_refused() -> None:
    recorder = Recorder(stream=io.BytesIO())
    with taddons.context(recorder) as context:
        with pytest.raises(exceptions.OptionsError, match="only 2"):
            context.configure(recorder, mode=[HUB_MODE, PARTNER_MODE], ocpi_to_hub_mode="5")
        with pytest.raises(exceptions.OptionsError):
            context.configure(recorder, ocpi_redaction="partly")


def test_an_existing_capture_file_is_not_replaced(tmp_path) -> None:
    existing = tmp_path / "day.jsonl"
    existing.write_text("yesterday\n")
    recorder = Recorder()
    with taddons.context(recorder) as context:
        with pytest.raises(exceptions.OptionsError, match="exists"):
            context.configure(recorder, mode=[HUB_MODE], ocpi_capture=str(existing))
    assert existing.read_text() == "yesterday\n"


@pytest.mark.parametrize(
    ("to_hub", "expected"),
    [
        ("", {"to_hub": 0, "to_partner": 1}),
        ("1", {"to_hub": 1, "to_partner": 0}),
        (PARTNER_MODE, {"to_hub": 1, "to_partner": 0}),
    ],
)
def test_direction_map(to_hub: str, expected: dict[str, int]) -> None:
    modes = [HUB_MODE, PARTNER_MODE]
    mapping = direction_map(modes, to_hub)
    specs = [mode_specs.ProxyMode.parse(m).full_spec for m in modes]
    assert {direction: specs.index(spec) for spec, direction in mapping.items()} == expected


def test_direction_map_refuses_an_unknown_listener() -> None:
    with pytest.raises(ValueError, match="none of the --mode listeners"):
        direction_map([HUB_MODE, PARTNER_MODE], "reverse:http://elsewhere:1@9")


# One proxy context per test: with mitmproxy 12, a second one in the same test logs through the
# first one's closed event loop.
@pytest.mark.parametrize("before", [None, "yesterday\n"], ids=["new", "existing"])
def test_the_capture_file_is_created_or_replaced_only_once_the_proxy_runs(tmp_path, before: str | None) -> None:
    capture = tmp_path / "day.jsonl"
    if before is not None:
        capture.write_text(before)
    recorder = Recorder()
    with taddons.context(proxyserver.Proxyserver(), recorder) as context:  # running() needs its options
        context.configure(recorder, mode=[HUB_MODE], ocpi_capture=str(capture), ocpi_capture_overwrite=True)
        assert (capture.read_text() if capture.exists() else None) == before  # checked, not yet opened
        recorder.running()
        recorder.done()
    header = msgspec.json.decode(capture.read_bytes().splitlines()[0], type=Header)
    assert header.peers == {"to_hub": "http://hub.test"}


def test_a_capture_file_that_cannot_be_written_is_refused_before_the_start(tmp_path) -> None:
    recorder = Recorder()
    with taddons.context(recorder) as context:
        with pytest.raises(exceptions.OptionsError, match="cannot create capture file"):
            context.configure(recorder, mode=[HUB_MODE], ocpi_capture=str(tmp_path / "no-such-dir" / "day.jsonl"))
        with pytest.raises(exceptions.OptionsError, match="cannot create capture file"):
            context.configure(recorder, mode=[HUB_MODE], ocpi_capture=str(tmp_path), ocpi_capture_overwrite=True)
    assert list(tmp_path.iterdir()) == []


def test_a_capture_file_that_cannot_be_created_when_the_proxy_runs_stops_it(tmp_path) -> None:
    directory = tmp_path / "gone"
    directory.mkdir()
    recorder = Recorder()
    with taddons.context(proxyserver.Proxyserver(), recorder) as context:
        context.configure(recorder, mode=[HUB_MODE], ocpi_capture=str(directory / "day.jsonl"))
        directory.rmdir()
        stopped = shutdowns(context)
        recorder.running()
        assert stopped == [True]
        assert recorder.failure and "cannot create capture file" in recorder.failure
        flow = flow_via(HUB_MODE)
        recorder.requestheaders(flow)
        assert flow.error is not None  # nothing passes unrecorded


def test_a_new_capture_name_at_runtime_takes_the_exchanges_from_then_on(tmp_path) -> None:
    first, second = tmp_path / "morning.jsonl", tmp_path / "afternoon.jsonl"
    recorder = Recorder()
    with taddons.context(proxyserver.Proxyserver(), recorder) as context:
        context.configure(recorder, mode=[HUB_MODE], ocpi_capture=str(first))
        recorder.running()
        for name in (first, second):
            context.configure(recorder, ocpi_capture=str(name))
            flow = flow_via(HUB_MODE, path=f"/ocpi/{name.stem}")
            recorder.requestheaders(flow)
            recorder.response(flow)
        recorder.done()
    for name in (first, second):
        _, *written = name.read_bytes().splitlines()
        assert [msgspec.json.decode(line, type=Exchange).request.url.endswith(f"/ocpi/{name.stem}") for line in written] == [True]


def test_a_refused_capture_name_at_runtime_leaves_the_recording_going(tmp_path) -> None:
    capture, taken = tmp_path / "day.jsonl", tmp_path / "taken.jsonl"
    taken.write_text("yesterday\n")
    recorder = Recorder()
    with taddons.context(proxyserver.Proxyserver(), recorder) as context:
        context.configure(recorder, mode=[HUB_MODE], ocpi_capture=str(capture))
        recorder.running()
        with pytest.raises(exceptions.OptionsError, match="exists"):
            context.configure(recorder, ocpi_capture=str(taken))
        assert context.options.ocpi_capture == str(capture)  # mitmproxy rolled the option back
        flow = flow_via(HUB_MODE)
        recorder.requestheaders(flow)
        recorder.response(flow)
        recorder.done()
    assert recorder.failure is None and flow.error is None
    assert taken.read_text() == "yesterday\n"
    assert len(capture.read_bytes().splitlines()) == 2  # the header, then the exchange after the refusal


def test_a_new_capture_that_cannot_be_created_at_runtime_stops_the_proxy(tmp_path, monkeypatch) -> None:
    recorder = Recorder()
    with taddons.context(proxyserver.Proxyserver(), recorder) as context:
        context.configure(recorder, mode=[HUB_MODE], ocpi_capture=str(tmp_path / "day.jsonl"))
        recorder.running()
        stopped = shutdowns(context)
        monkeypatch.setattr(addon, "_check_writable", lambda path: None)  # as if the directory went in between
        with pytest.raises(exceptions.OptionsError, match="cannot create capture file"):
            context.configure(recorder, ocpi_capture=str(tmp_path / "gone" / "next.jsonl"))
        assert stopped == [True]
        flow = flow_via(HUB_MODE)
        recorder.requestheaders(flow)
        assert flow.error is not None  # nothing passes unrecorded


def test_an_exchange_that_cannot_be_turned_into_a_record_is_not_passed_on(recorded, monkeypatch) -> None:
    recorder, stream, context = recorded
    stopped = shutdowns(context)

    def broken(*_: object, **__: object) -> Exchange:
        raise RuntimeError("a flow nobody foresaw")

    monkeypatch.setattr(addon, "exchange_from_flow", broken)
    flow = flow_via(HUB_MODE)
    recorder.requestheaders(flow)
    recorder.response(flow)
    assert flow.error is not None and not flow.live  # killed: the client does not get it unrecorded
    assert stopped == [True] and recorder.failure and "a flow nobody foresaw" in recorder.failure
    assert lines(stream)[1] == []
