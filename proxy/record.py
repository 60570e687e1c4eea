"""`ocpi-tap record`: mitmproxy embedded in process, two reverse listeners, the Recorder.

An embedded master with only the addons a reverse proxy needs carries more
requests per second than `mitmdump` with its full default set. This module
does no printing: the command line watches progress through `on_progress`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from mitmproxy import master, options
from mitmproxy.addons import core, errorcheck, next_layer, proxyserver, tlsconfig

from msgspec import UNSET

from ocpi_tap.replay.capture import REDACTION_DEFAULT, TO_HUB, TO_PARTNER, Exchange

from .addon import Recorder


class StartupError(Exception):
    """The proxy could not start (a port in use, a bad certificate, ...)."""


@dataclass
class RecordConfig:
    hub_url: str
    partner_url: str
    capture: Path
    hub_port: int = 8081
    partner_port: int = 8082
    listen_host: str = "127.0.0.1"
    public_host: str | None = None  # the listeners' host as the callers reach them (shown, not bound)
    redaction: str = REDACTION_DEFAULT
    overwrite: bool = False
    upstream_ca: Path | None = None
    upstream_insecure: bool = False
    cert: Path | None = None
    key: Path | None = None
    note: str = ""


@dataclass
class Progress:
    """Counts of what has been recorded so far."""

    to_hub: int = 0
    to_partner: int = 0
    errors: int = 0

    @property
    def total(self) -> int:
        return self.to_hub + self.to_partner

    def add(self, exchange: Exchange) -> None:
        if exchange.direction == TO_HUB:
            self.to_hub += 1
        else:
            self.to_partner += 1
        if exchange.error is not UNSET:
            self.errors += 1


def upstream_spec(url: str) -> str:
    """`scheme://host[:port]` of a URL: a reverse listener forwards paths as the client sends them."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


WILDCARD_HOSTS: Final = ("", "0.0.0.0", "::")


def reachable_host(listen_host: str) -> str:
    """The host a caller on this machine reaches a listener on `listen_host` by (127.0.0.1 for every address)."""
    return "127.0.0.1" if listen_host in WILDCARD_HOSTS else listen_host


def netloc(host: str, port: int) -> str:
    """`host:port` as a URL writes it (an IPv6 address in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _listener_url(url: str, host: str, port: int, tls: bool) -> str:
    return urlsplit(url)._replace(scheme="https" if tls else "http", netloc=netloc(host, port)).geturl()


def listener_urls(config: RecordConfig) -> dict[str, str]:
    """Per direction, where the caller must send what it meant for the upstream URL."""
    tls = config.cert is not None
    host = config.public_host or reachable_host(config.listen_host)
    return {
        TO_HUB: _listener_url(config.hub_url, host, config.hub_port, tls),
        TO_PARTNER: _listener_url(config.partner_url, host, config.partner_port, tls),
    }


class _StartupCheck(errorcheck.ErrorCheck):
    """Turns errors logged while starting into an exception instead of `sys.exit`.

    While `holding_errors`, until the start is over, those errors reach no other log handler:
    the exception carries them, so that the caller tells them once (not the log line, then the
    error). Any not carried by an exception go on to the handlers when the holding ends."""

    name = "errorcheck"  # the master looks it up by this name

    def __init__(self) -> None:
        super().__init__()
        self._holding: list[logging.Handler] = []

    async def shutdown_if_errored(self) -> None:
        await asyncio.sleep(0)
        if self.logger.has_errored:
            details = "; ".join(_startup_message(record) for record in self.logger.has_errored)
            self.logger.has_errored.clear()
            raise StartupError(details)

    @contextlib.contextmanager
    def holding_errors(self) -> Iterator[None]:
        self._holding = [handler for handler in logging.getLogger().handlers if handler is not self.logger]
        for handler in self._holding:
            handler.addFilter(_below_error)
        try:
            yield
        finally:
            self._release()
            self.logger.uninstall()  # when the start failed, `finish` was not called

    def finish(self) -> None:
        """The master calls it once started."""
        super().finish()
        self._release()

    def _release(self) -> None:
        holding, self._holding = self._holding, []
        for handler in holding:
            handler.removeFilter(_below_error)
        for record in self.logger.has_errored:  # logged while starting, yet in no StartupError
            for handler in holding:
                if record.levelno >= handler.level:
                    handler.handle(record)
        self.logger.has_errored.clear()


def _below_error(record: logging.LogRecord) -> bool:
    return record.levelno < logging.ERROR


def _startup_message(record: logging.LogRecord) -> str:
    """mitmproxy's message of a listener that failed starts with the errno the end repeats:
    "[Errno 98] reverse proxy to ... failed to listen on ... with [Errno 98] ...: address
    already in use"; said once, at the end."""
    message = record.getMessage()
    errno_prefix = re.match(r"\[Errno \d+\] ", message)
    if errno_prefix and errno_prefix[0] in message[errno_prefix.end():]:
        return message[errno_prefix.end():]
    return message


def _certs_option(cert: Path, key: Path | None, workdir: Path) -> str:
    """mitmproxy wants certificate and key in one PEM file."""
    if key is None:
        return f"*={cert}"
    combined = workdir / "listener.pem"
    combined.write_bytes(key.read_bytes() + b"\n" + cert.read_bytes())
    combined.chmod(0o600)
    return f"*={combined}"


class _Ready:
    """Calls back once the listeners are up and the addons before it started without error
    (the Recorder opens the capture file then)."""

    def __init__(self, callback: Callable[[], None], check: _StartupCheck) -> None:
        self._callback = callback
        self._check = check

    def running(self) -> None:
        if not self._check.logger.has_errored:
            self._callback()


async def run(
    config: RecordConfig,
    on_ready: Callable[[], None] = lambda: None,
    on_progress: Callable[[Progress], None] = lambda _: None,
    stop: asyncio.Event | None = None,
    addons: Sequence[object] = (),
) -> tuple[Recorder, Progress]:
    """Record until SIGINT or SIGTERM, or until `stop` is set when one is given (then signals
    are left alone); the Recorder's `failure` says if writing failed. `addons` come after the
    Recorder, so their hooks see each exchange once it is written (the live checker's `InFlight`)."""
    hub_mode = f"reverse:{upstream_spec(config.hub_url)}@{config.listen_host}:{config.hub_port}"
    partner_mode = f"reverse:{upstream_spec(config.partner_url)}@{config.listen_host}:{config.partner_port}"
    opts = options.Options()
    embedded = master.Master(opts)
    progress = Progress()

    def written(exchange: Exchange) -> None:
        progress.add(exchange)
        on_progress(progress)

    recorder = Recorder(on_written=written, log_failure=False)  # the caller reports `failure`
    check = _StartupCheck()
    embedded.addons.add(
        check,
        core.Core(),
        proxyserver.Proxyserver(),
        next_layer.NextLayer(),
        tlsconfig.TlsConfig(),
        recorder,
        *addons,
        _Ready(on_ready, check),
    )
    with check.holding_errors(), tempfile.TemporaryDirectory(prefix="ocpi-tap-") as workdir:
        settings: dict[str, Any] = {
            "mode": [hub_mode, partner_mode],
            "connection_strategy": "lazy",
            "ocpi_capture": str(config.capture),
            "ocpi_capture_overwrite": config.overwrite,
            "ocpi_redaction": config.redaction,
            "ocpi_note": config.note,
            "ssl_insecure": config.upstream_insecure,
        }
        if config.upstream_ca is not None:
            settings["ssl_verify_upstream_trusted_ca"] = str(config.upstream_ca)
        if config.cert is not None:
            settings["certs"] = [_certs_option(config.cert, config.key, Path(workdir))]
        try:
            opts.update(**settings)
        except Exception as error:  # mitmproxy raises OptionsError or KeyError-like types
            raise StartupError(str(error)) from None  # the Recorder creates its capture at `running` only
        loop = asyncio.get_running_loop()
        _ignore_cancelled_connections(loop)
        signals = (signal.SIGINT, signal.SIGTERM) if stop is None else ()
        stop = stop or asyncio.Event()
        for signum in signals:
            loop.add_signal_handler(signum, stop.set)
        watcher = asyncio.ensure_future(_shutdown_when(stop, embedded))
        try:
            await embedded.run()
        except StartupError:
            recorder.remove_unused_capture()
            raise
        finally:
            watcher.cancel()
            for signum in signals:
                loop.remove_signal_handler(signum)
    return recorder, progress


def _ignore_cancelled_connections(loop: asyncio.AbstractEventLoop) -> None:
    """Python 3.11's asyncio streams report a connection handler cancelled by asyncio.run's
    cleanup as an error, with a CancelledError traceback (python/cpython#113538; later versions
    close such a connection quietly): a client still connected when the proxy stops is no error.
    Every other report goes on as before. The handler stays: that cleanup comes after `run` has
    returned."""
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), asyncio.CancelledError):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


async def _shutdown_when(stop: asyncio.Event, embedded: master.Master) -> None:
    await stop.wait()
    embedded.shutdown()


def run_blocking(
    config: RecordConfig,
    on_ready: Callable[[], None] = lambda: None,
    on_progress: Callable[[Progress], None] = lambda _: None,
    addons: Sequence[object] = (),
) -> tuple[Recorder, Progress]:
    return asyncio.run(run(config, on_ready, on_progress, addons=addons))


