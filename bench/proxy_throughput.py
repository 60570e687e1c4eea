"""The recording proxy against plain mitmdump and against direct, on loopback, in one run.

    python bench/proxy_throughput.py [--quick] [--requests N] [--concurrency C]
                                     [--repeat R] [--json PATH] [--profile PATH]

An aiohttp upstream (its own process) answers OCPI Location PATCHes with an
envelope, about 1 KB each way. An aiohttp client sends N requests with at
most C in flight, then N/10 one at a time (latency without queueing), to:

- direct: the upstream itself (the floor);
- mitmdump: plain `mitmdump -q` in reverse mode, no addon, lazy upstream
  connections as `ocpi-tap record` uses;
- record: the real `ocpi-tap record` (both listeners, tokens redacted,
  a capture written and flushed line by line), through its to_hub listener;
- mitmdump+addon: `mitmdump -q -s proxy/addon.py`, the other documented way
  to record: the same mitmdump as the plain arm, plus the recorder as a
  script (its hooks and mitmdump's dispatch into scripts).

Each arm is warmed up, then the arms take turns R times and the median of
each figure is kept. Besides requests/s and latency, the CPU time each proxy
process spent per request is read from /proc: unlike requests/s, other load
on the machine hardly moves it. The recorder's hooks are also timed in
process on the same messages, to say what share of the proxy's work
recording is. Each capture must hold exactly the exchanges sent through its
recorder, each once, the token redacted. Results are printed and written to
bench/results/proxy_throughput.json; `--profile PATH` runs `ocpi-tap record`
under cProfile and writes its stats there.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from ocpi_tap.peers.demo import free_ports
from ocpi_tap.replay.capture import CaptureReader, LineProblem

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import add_json_argument, versions, write_report  # noqa: E402

BIN = Path(sys.executable).parent
PATH_PREFIX = "/ocpi/2.2.1/locations/PT/ABC"
# An OCPI 2.2.1 header token: base64 of the credentials token, redacted by the recorder.
AUTHORIZATION = "Token NGE3ZDhmMmUtOWIxYy00YzNhLWE1ZTYtN2YwMWI5YzJkNGU4"


def _connector(number: int) -> dict[str, object]:
    return {
        "id": str(number), "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "power_type": "DC",
        "max_voltage": 920, "max_amperage": 250, "max_electric_power": 150000,
        "tariff_ids": ["DC-FAST-2026"], "terms_and_conditions": "https://cpo.example.com/terms",
        "last_updated": "2026-11-23T09:00:00Z",
    }


def evse_patch() -> bytes:
    """A PATCH of an EVSE (status and connectors), about 1 KB like a real status push."""
    return orjson.dumps({
        "uid": "PT-ABC-E0001-1", "evse_id": "PT*ABC*E0001*1", "status": "CHARGING",
        "status_schedule": [], "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE", "UNLOCK_CAPABLE"],
        "connectors": [_connector(1), _connector(2)], "floor_level": "0",
        "physical_reference": "1", "parking_restrictions": ["EV_ONLY"],
        "last_updated": "2026-11-23T09:00:00Z",
    })


def envelope() -> bytes:
    """The hub's answer: the OCPI envelope around the EVSE as it now stands, about 1 KB."""
    return orjson.dumps({
        "data": {**orjson.loads(evse_patch()), "coordinates": {"latitude": "38.736946", "longitude": "-9.142685"}},
        "status_code": 1000, "status_message": "Success", "timestamp": "2026-11-23T09:00:00Z",
    })


# ---- the upstream, in its own process so that it does not share the client's interpreter


def _serve(conn: Connection) -> None:
    body = envelope()

    async def patch(request: web.Request) -> web.Response:
        await request.read()
        headers = {"X-Request-ID": request.headers.get("X-Request-ID", ""),
                   "X-Correlation-ID": request.headers.get("X-Correlation-ID", "")}
        return web.Response(body=body, content_type="application/json", headers=headers)

    async def main() -> None:
        app = web.Application()
        app.router.add_route("PATCH", PATH_PREFIX + "/{location}/{evse}", patch)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        conn.send(runner.addresses[0][1])
        # Runs until the parent says stop (or goes away).
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        await runner.cleanup()

    asyncio.run(main())


@contextmanager
def upstream() -> Iterator[int]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(child,), daemon=True)
    process.start()
    if not parent.poll(30):
        process.kill()
        raise RuntimeError("the upstream did not start")
    port = int(parent.recv())
    try:
        yield port
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()


# ---- the proxies, started as a user starts them


def wait_for_port(port: int, process: subprocess.Popen[bytes], deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            _, err = process.communicate()
            raise RuntimeError(f"{process.args!r} exited {process.returncode}: {err.decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {deadline}s")


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far (Linux), unmoved by other processes' load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def started(argv: list[str], ports: list[int], result: dict[str, str]) -> Iterator[int]:
    """Runs `argv` until the block ends, then stops it with SIGINT; its stderr lands in `result`.
    Gives the process id."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for port in ports:
            wait_for_port(port, process)
        yield process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        result["stderr"] = err.decode(errors="replace")
        result["returncode"] = str(process.returncode)


ADDON = Path(__file__).resolve().parents[1] / "proxy" / "addon.py"


def mitmdump_argv(upstream_port: int, port: int, capture: Path | None = None) -> list[str]:
    """Plain `mitmdump -q` in reverse mode; with `capture`, the recorder addon loaded as a script."""
    recording = [] if capture is None else ["-s", str(ADDON), "--set", f"ocpi_capture={capture}"]
    return [
        str(BIN / "mitmdump"), "-q",
        "--mode", f"reverse:http://127.0.0.1:{upstream_port}@127.0.0.1:{port}",
        "--set", "connection_strategy=lazy", *recording,
    ]


def record_argv(upstream_port: int, ports: list[int], capture: Path, profile: Path | None) -> list[str]:
    url = f"http://127.0.0.1:{upstream_port}/ocpi/versions"
    command = [str(BIN / "ocpi-tap")] if profile is None else [
        sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "ocpi_tap"]
    return command + [
        "record", "--hub", url, "--partner", url,
        "--hub-port", str(ports[0]), "--partner-port", str(ports[1]), "-o", str(capture),
    ]


# ---- the load


@dataclass
class Run:
    requests: int
    concurrency: int
    seconds: float
    requests_per_s: float
    median_ms: float
    p95_ms: float
    proxy_cpu_us_per_request: float | None  # CPU time of the proxy process; None for direct


class Load:
    """Sends PATCHes to one base URL, each with its own X-Request-ID, and counts them."""

    def __init__(self, base: str, arm: str, proxy_pid: int | None = None) -> None:
        self.base = base
        self.arm = arm
        self.proxy_pid = proxy_pid
        self.sent = 0
        self.body = evse_patch()

    async def run(self, requests: int, concurrency: int) -> Run:
        latencies = [0.0] * requests
        numbers = iter(range(requests))
        first = self.sent
        self.sent += requests
        connector = aiohttp.TCPConnector(limit=concurrency)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def worker() -> None:
                for number in numbers:  # one iterator shared: the workers take turns
                    request_id = f"{self.arm}-{first + number}"
                    url = f"{self.base}{PATH_PREFIX}/LOC{number % 500:04d}/PT-ABC-E{number % 500:04d}-1"
                    headers = {
                        "Authorization": AUTHORIZATION, "Content-Type": "application/json",
                        "X-Request-ID": request_id, "X-Correlation-ID": request_id,
                        "OCPI-from-country-code": "PT", "OCPI-from-party-id": "ABC",
                        "OCPI-to-country-code": "PT", "OCPI-to-party-id": "MOB",
                    }
                    start = time.perf_counter()
                    async with session.patch(url, data=self.body, headers=headers) as response:
                        await response.read()
                        if response.status != 200 or response.headers.get("X-Request-ID") != request_id:
                            raise RuntimeError(f"{self.arm}: {response.status} for {request_id}")
                    latencies[number] = time.perf_counter() - start

            cpu_before = None if self.proxy_pid is None else cpu_seconds(self.proxy_pid)
            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            seconds = time.perf_counter() - start
            cpu_after = None if self.proxy_pid is None else cpu_seconds(self.proxy_pid)
        latencies.sort()
        return Run(
            requests=requests, concurrency=concurrency, seconds=seconds,
            requests_per_s=requests / seconds,
            median_ms=statistics.median(latencies) * 1e3,
            p95_ms=latencies[min(requests - 1, int(requests * 0.95))] * 1e3,
            proxy_cpu_us_per_request=None if cpu_before is None or cpu_after is None
            else (cpu_after - cpu_before) / requests * 1e6,
        )


def median_run(runs: list[Run]) -> dict[str, float | None]:
    cpu = [r.proxy_cpu_us_per_request for r in runs if r.proxy_cpu_us_per_request is not None]
    return {
        "requests_per_s": statistics.median(r.requests_per_s for r in runs),
        "median_ms": statistics.median(r.median_ms for r in runs),
        "p95_ms": statistics.median(r.p95_ms for r in runs),
        "proxy_cpu_us_per_request": statistics.median(cpu) if cpu else None,
    }


async def measure(loads: list[Load], requests: int, concurrency: int, repeat: int) -> dict[str, dict[str, object]]:
    """Warm-up, then `repeat` rounds of every arm in turn: loaded, then one request at a time."""
    serial = max(100, requests // 10)
    for load in loads:
        await load.run(max(200, requests // 10), concurrency)
    loaded: dict[str, list[Run]] = {load.arm: [] for load in loads}
    unloaded: dict[str, list[Run]] = {load.arm: [] for load in loads}
    for round_number in range(repeat):
        for load in loads:
            loaded[load.arm].append(await load.run(requests, concurrency))
            unloaded[load.arm].append(await load.run(serial, 1))
            run = loaded[load.arm][-1]
            cpu = "" if run.proxy_cpu_us_per_request is None else f", proxy CPU {run.proxy_cpu_us_per_request:.0f} µs"
            print(f"  round {round_number + 1} {load.arm:<15} {run.requests_per_s:7.0f} requests/s{cpu}"
                  f"  (1 in flight: median {unloaded[load.arm][-1].median_ms:.2f} ms)", flush=True)
    return {
        arm: {
            "loaded": median_run(loaded[arm]), "one_in_flight": median_run(unloaded[arm]),
            "runs": {"loaded": [asdict(r) for r in loaded[arm]],
                     "one_in_flight": [asdict(r) for r in unloaded[arm]]},
        }
        for arm in loaded
    }


# ---- the recorder's own work, timed in process


def recorder_hooks_us(flows: int) -> float:
    """CPU microseconds per flow in the Recorder's hooks (flow to exchange, redaction, a flushed line in
    a real file), driven with mitmproxy's test flows carrying this benchmark's request and response."""
    from mitmproxy import http
    from mitmproxy.proxy import mode_specs
    from mitmproxy.test import taddons, tflow

    from ocpi_tap.proxy.addon import Recorder

    hub_mode = "reverse:http://127.0.0.1:8000@8081"
    request_headers = {
        "Host": "127.0.0.1:8000", "Authorization": AUTHORIZATION, "Content-Type": "application/json",
        "X-Request-ID": "r", "X-Correlation-ID": "r", "OCPI-from-country-code": "PT", "OCPI-from-party-id": "ABC",
        "OCPI-to-country-code": "PT", "OCPI-to-party-id": "MOB", "Accept": "*/*",
        "Accept-Encoding": "gzip, deflate", "User-Agent": "Python/3.11 aiohttp", "Content-Length": "831",
    }
    response_headers = {"Content-Type": "application/json", "X-Request-ID": "r", "X-Correlation-ID": "r",
                        "Content-Length": "984", "Date": "Mon, 23 Nov 2026 09:00:00 GMT", "Server": "aiohttp"}

    def flow(number: int) -> http.HTTPFlow:
        made = tflow.tflow(resp=True)
        made.client_conn.proxy_mode = mode_specs.ProxyMode.parse(hub_mode)
        made.request.method = "PATCH"
        made.request.path = f"{PATH_PREFIX}/LOC{number:04d}/PT-ABC-E{number:04d}-1"
        made.request.headers = http.Headers([(k.encode(), v.encode()) for k, v in request_headers.items()])
        made.request.content = evse_patch()
        assert made.response is not None
        made.response.headers = http.Headers([(k.encode(), v.encode()) for k, v in response_headers.items()])
        made.response.content = envelope()
        return made

    batch = [flow(number % 500) for number in range(flows)]
    recorder = Recorder()
    with tempfile.TemporaryDirectory() as workdir, taddons.context(recorder) as context:  # type: ignore[no-untyped-call]
        context.configure(recorder, mode=[hub_mode, "reverse:http://127.0.0.1:8001@8082"],
                          ocpi_capture=str(Path(workdir) / "hooks.jsonl"))
        start = time.process_time()  # CPU time: other processes' load does not count
        for made in batch:
            recorder.requestheaders(made)
            recorder.response(made)
        seconds = time.process_time() - start
        assert recorder.writer is not None and recorder.writer.count == flows
    return seconds / flows * 1e6


# ---- the capture check


def check_capture(capture: Path, sent: int, arm: str) -> dict[str, object]:
    """The capture must hold each request sent through the recorder exactly once, none failed."""
    ids: Counter[str] = Counter()
    problems = failed = 0
    with CaptureReader(capture) as reader:
        redaction = reader.header.redaction
        for item in reader:
            if isinstance(item, LineProblem):
                problems += 1
                continue
            exchange = item[1]
            ids[exchange.request.header("X-Request-ID") or ""] += 1
            failed += exchange.response is None
    expected = {f"{arm}-{number}" for number in range(sent)}
    return {
        "sent": sent, "recorded": sum(ids.values()), "line_problems": problems, "failed": failed,
        "redaction": redaction, "exactly_once": set(ids) == expected and max(ids.values(), default=1) == 1,
        "authorization_redacted": AUTHORIZATION.split()[1] not in capture.read_text(),
    }


# ---- the run


def machine_and_versions() -> dict[str, str | None]:
    return {"machine": platform.machine(), "cpus": str(os.cpu_count()),
            **versions("mitmproxy", "aiohttp", "msgspec", "orjson")}


ARMS = ("direct", "mitmdump", "record", "mitmdump+addon")


def ratios(arms: dict[str, dict[str, object]]) -> dict[str, float]:
    def figure(arm: str, kind: str, name: str) -> float:
        value = arms[arm][kind]
        assert isinstance(value, dict)
        return float(value[name])

    def rate(arm: str) -> float:
        return figure(arm, "loaded", "requests_per_s")

    out = {
        "record_over_mitmdump_requests_per_s": rate("record") / rate("mitmdump"),
        "mitmdump+addon_over_mitmdump_requests_per_s": rate("mitmdump+addon") / rate("mitmdump"),
    }
    if all(arms[arm]["loaded"]["proxy_cpu_us_per_request"] is not None for arm in ARMS[1:]):  # type: ignore[index]
        for arm in ("record", "mitmdump+addon"):
            out[f"{arm}_over_mitmdump_proxy_cpu_per_request"] = (
                figure(arm, "loaded", "proxy_cpu_us_per_request")
                / figure("mitmdump", "loaded", "proxy_cpu_us_per_request"))
    for arm in ARMS[1:]:
        out[f"{arm}_over_direct_requests_per_s"] = rate(arm) / rate("direct")
        for kind in ("one_in_flight", "loaded"):
            for name in ("median_ms", "p95_ms"):
                out[f"{arm}_added_{name}_{kind}"] = figure(arm, kind, name) - figure("direct", kind, name)
    return out


def print_summary(report: dict[str, Any]) -> None:
    arms, r, v = report["arms"], report["ratios"], report["versions"]
    print(f"Python {v['python']}, mitmproxy {v['mitmproxy']}, {v['cpus']} CPUs;"
          f" latency added to direct's, in ms, 1 and {report['concurrency']} in flight")
    print(f"{'arm':<15}{'requests/s':>11}{'vs direct':>10}{'proxy CPU/req':>14}"
          f"{'+median/1':>11}{'+p95/1':>8}{'+median/C':>11}{'+p95/C':>8}")
    for arm in ARMS:
        loaded = arms[arm]["loaded"]
        line = f"{arm:<15}{loaded['requests_per_s']:>11,.0f}"
        if arm == "direct":
            print(line + f"{1:>10.2f}")
            continue
        cpu = loaded["proxy_cpu_us_per_request"]
        line += f"{r[f'{arm}_over_direct_requests_per_s']:>10.2f}" + (f"{cpu:>11.0f} µs" if cpu else f"{'':>14}")
        for kind in ("one_in_flight", "loaded"):
            line += f"{r[f'{arm}_added_median_ms_{kind}']:>11.2f}{r[f'{arm}_added_p95_ms_{kind}']:>8.2f}"
        print(line)
    print(f"record / mitmdump: requests/s x{r['record_over_mitmdump_requests_per_s']:.2f}"
          + (f", proxy CPU per request x{r['record_over_mitmdump_proxy_cpu_per_request']:.2f}"
             if "record_over_mitmdump_proxy_cpu_per_request" in r else ""))
    print(f"mitmdump+addon / mitmdump (recording as a mitmdump script):"
          f" requests/s x{r['mitmdump+addon_over_mitmdump_requests_per_s']:.2f}"
          + (f", proxy CPU per request x{r['mitmdump+addon_over_mitmdump_proxy_cpu_per_request']:.2f}"
             if "mitmdump+addon_over_mitmdump_proxy_cpu_per_request" in r else ""))
    print(f"the recorder's hooks, timed in process: {report['recorder_hooks_us_per_flow']:.0f} µs per exchange"
          + (f", {r['recorder_hooks_over_record_proxy_cpu']:.0%} of ocpi-tap record's CPU per request"
             if "recorder_hooks_over_record_proxy_cpu" in r else ""))
    for arm, check in report["captures"].items():
        print(f"capture of {arm}: {check['recorded']} of {check['sent']} exchanges, each exactly once:"
              f" {check['exactly_once']}, token redacted: {check['authorization_redacted']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 requests, one round (a smoke run)")
    parser.add_argument("--requests", type=int, default=4000, help="requests per loaded run [4000]")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight at most [16]")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is kept [3]")
    add_json_argument(parser, "proxy_throughput")
    parser.add_argument("--profile", type=Path, help="run ocpi-tap record under cProfile, stats to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.repeat = 1000, 1

    print(f"{args.requests} requests, {args.concurrency} in flight, {args.repeat} rounds;"
          f" request body {len(evse_patch())} B, response body {len(envelope())} B", flush=True)
    exits: dict[str, dict[str, str]] = {arm: {} for arm in ARMS[1:]}
    with tempfile.TemporaryDirectory(prefix="proxy-bench-") as workdir, upstream() as upstream_port:
        captures = {"record": Path(workdir) / "record.jsonl", "mitmdump+addon": Path(workdir) / "addon.jsonl"}
        mitm_port, hub_port, partner_port, addon_port = free_ports(4)
        with started(mitmdump_argv(upstream_port, mitm_port), [mitm_port], exits["mitmdump"]) as mitm_pid, \
                started(record_argv(upstream_port, [hub_port, partner_port], captures["record"], args.profile),
                        [hub_port, partner_port], exits["record"]) as record_pid, \
                started(mitmdump_argv(upstream_port, addon_port, captures["mitmdump+addon"]),
                        [addon_port], exits["mitmdump+addon"]) as addon_pid:
            loads = [Load(f"http://127.0.0.1:{port}", arm, pid) for arm, port, pid in zip(
                ARMS, (upstream_port, mitm_port, hub_port, addon_port), (None, mitm_pid, record_pid, addon_pid))]
            arms = asyncio.run(measure(loads, args.requests, args.concurrency, args.repeat))
        for arm, exit in exits.items():
            if exit["returncode"] != "0":
                raise RuntimeError(f"{arm} exited {exit['returncode']}: {exit['stderr']}")
        sent = {load.arm: load.sent for load in loads}
        capture_checks = {arm: check_capture(path, sent[arm], arm) for arm, path in captures.items()}

    hooks_us = min(recorder_hooks_us(2000) for _ in range(max(3, args.repeat)))
    shares = ratios(arms)
    record_cpu = arms["record"]["loaded"]["proxy_cpu_us_per_request"]  # type: ignore[index]
    if record_cpu:
        shares["recorder_hooks_over_record_proxy_cpu"] = hooks_us / record_cpu
    report = {
        "requests": args.requests, "concurrency": args.concurrency, "repeat": args.repeat,
        "request_body_bytes": len(evse_patch()), "response_body_bytes": len(envelope()),
        "versions": machine_and_versions(), "arms": arms, "recorder_hooks_us_per_flow": hooks_us,
        "ratios": shares, "captures": capture_checks,
    }
    write_report(args.json, report)

    print_summary(report)
    print(f"results: {args.json}")
    ok = all(check["exactly_once"] and check["recorded"] == check["sent"] and check["authorization_redacted"]
             for check in capture_checks.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
