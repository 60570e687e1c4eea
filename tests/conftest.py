"""Shared fixtures: loopback peers and a real `ocpi-tap record` process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from upstreams import Peer, free_ports

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Headless Chromium as the tests run it: nothing of its own goes on the network (no updates, metrics or
# lookups), and every host name but 127.0.0.1 fails to resolve, so pages can reach loopback only.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def wait_for_port(port: int, deadline: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"process exited {process.returncode}: {out.decode()} {err.decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {deadline}s")


class ProxyProcess:
    """`ocpi-tap record` (or `mitmdump -s proxy/addon.py`) as a user starts it."""

    def __init__(self, argv: list[str], ports: tuple[int, int], capture: Path) -> None:
        self.argv = argv
        self.hub_port, self.partner_port = ports
        self.capture = capture
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
        for port in ports:
            wait_for_port(port, process=self.process)
        self.stdout = ""
        self.stderr = ""

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=timeout)
        self.stdout, self.stderr = out.decode(), err.decode()
        return self.process.returncode

    def kill(self) -> None:
        self.process.kill()
        self.process.communicate(timeout=30)


def record_argv(hub: str, partner: str, capture: Path, ports: tuple[int, int], *extra: str) -> list[str]:
    return [
        str(BIN / "ocpi-tap"), "record", "--hub", hub, "--partner", partner,
        "--hub-port", str(ports[0]), "--partner-port", str(ports[1]), "-o", str(capture), *extra,
    ]


@pytest.fixture
def hub() -> Iterator[Peer]:
    peer = Peer("hub").start()
    yield peer
    peer.stop()


@pytest.fixture
def partner() -> Iterator[Peer]:
    peer = Peer("partner").start()
    yield peer
    peer.stop()


@pytest.fixture
def start_record(tmp_path: Path) -> Iterator[object]:
    started: list[ProxyProcess] = []

    def start(hub_url: str, partner_url: str, *extra: str, capture: Path | None = None) -> ProxyProcess:
        first, second = free_ports(2)
        ports = (first, second)
        capture = capture or tmp_path / "capture.jsonl"
        proxy = ProxyProcess(record_argv(hub_url, partner_url, capture, ports, *extra), ports, capture)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        if proxy.process.poll() is None:
            proxy.kill()


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("NO_COLOR", "1")
