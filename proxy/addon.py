"""Recorder: a mitmproxy addon writing every exchange of an OCPI link to a capture.

Load it as is:

    mitmdump -s proxy/addon.py \
        --mode reverse:https://hub.example.org@8081 \
        --mode reverse:https://partner.example.com@8082 \
        --set ocpi_capture=day1.jsonl

The partner calls the hub through one listener (direction `to_hub`), the hub
calls the partner through the other (`to_partner`). By default the first
`--mode` is the hub side; `ocpi_to_hub_mode` says otherwise.

Each exchange is written once, when it completes (or fails), flushed before
the response goes on to the client, with tokens redacted unless
`ocpi_redaction=none`. If the capture cannot be written (or an exchange cannot
be made into its record), the exchange is not passed on and the proxy stops:
no traffic goes by unrecorded.

The capture file is checked when the options are set, but created (or, with
`ocpi_capture_overwrite`, replaced) only once the proxy is running: a start
that fails, a listen port in use for one, leaves the file system as it was.
The listeners accept a little earlier: a request in between waits for the
capture to open, then goes on.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from mitmproxy import ctx, exceptions, http
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy import mode_specs

from ocpi_tap.replay.capture import (
    REDACTION_DEFAULT,
    REDACTION_NONE,
    TO_HUB,
    TO_PARTNER,
    CaptureWriter,
    Direction,
    Exchange,
    new_header,
    redact_exchange,
)
from ocpi_tap.replay.importers.flows import exchange_from_flow

logger = logging.getLogger(__name__)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class CaptureFileLost(OSError):
    """The capture file was removed or replaced while being written."""


class _FileStream:
    """A capture file opened for appending that notices when it is removed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO = path.open("wb")
        self._fd = self._file.fileno()

    def write(self, data: bytes) -> int:
        return self._file.write(data)

    def flush(self) -> None:
        self._file.flush()
        # Writing to a deleted file succeeds silently on POSIX: check it still has a name.
        if os.fstat(self._fd).st_nlink == 0:
            raise CaptureFileLost(f"capture file {self.path} was removed while recording")

    def close(self) -> None:
        self._file.close()


def _check_writable(path: Path) -> None:
    """Raises OSError unless `path` can be opened for writing, and leaves it as it was: an
    existing file is opened without truncating it, a file created to find out is removed again.
    Other existing paths (a FIFO, a device) are not opened: that could block."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        path.unlink()
    elif path.is_file() or path.is_dir():
        os.close(os.open(path, os.O_WRONLY))  # a directory fails here (EISDIR)


def direction_map(modes: Sequence[str], to_hub: str) -> dict[str, Direction]:
    """Listener spec -> direction: `to_hub` names the hub-side listener, every other is `to_partner`.

    `to_hub` is empty (the first mode), an index into `modes`, or a mode spec.
    """
    parsed = [mode_specs.ProxyMode.parse(mode) for mode in modes]
    if not parsed:
        return {}
    if not to_hub:
        hub_index = 0
    elif to_hub.isdigit():
        hub_index = int(to_hub)
        if hub_index >= len(parsed):
            raise ValueError(f"ocpi_to_hub_mode={to_hub}: there are only {len(parsed)} --mode listeners")
    else:
        wanted = mode_specs.ProxyMode.parse(to_hub).full_spec
        specs = [mode.full_spec for mode in parsed]
        if wanted not in specs:
            raise ValueError(f"ocpi_to_hub_mode={to_hub!r} is none of the --mode listeners {specs}")
        hub_index = specs.index(wanted)
    return {
        mode.full_spec: TO_HUB if index == hub_index else TO_PARTNER
        for index, mode in enumerate(parsed)
    }


def peers_of(modes: Sequence[str], directions: dict[str, Direction]) -> dict[str, str]:
    """The upstream behind each direction, for the capture header."""
    peers: dict[str, str] = {}
    for spec in modes:
        mode = mode_specs.ProxyMode.parse(spec)
        if isinstance(mode, mode_specs.ReverseMode):
            scheme, (host, port) = mode.scheme, mode.address
            shown = host if _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
            peers.setdefault(directions[mode.full_spec], f"{scheme}://{shown}")
    return peers


class Recorder:
    def __init__(
        self,
        stream: BinaryIO | None = None,
        on_written: Callable[[Exchange], None] | None = None,
        log_failure: bool = True,
    ) -> None:
        """`stream` (for tests) replaces the file named by `ocpi_capture`;
        `on_written` is called with each exchange once it is in the capture;
        `log_failure=False` when the program embedding the proxy reports `failure` itself."""
        self._injected_stream = stream
        self._on_written = on_written
        self._log_failure = log_failure
        self.writer: CaptureWriter | None = None
        self.failure: str | None = None
        self._path: Path | None = None  # the capture file to open once the proxy is running
        self._writing: Path | None = None  # the capture file open now
        self._running = False
        self._created: Path | None = None  # the capture file, if this Recorder created it
        self._written = 0  # exchanges written, to any capture; unlike writer.count, it outlives the writer's closing
        self._directions: dict[str, Direction] = {}
        self._next_seq = 1
        self._open: dict[str, tuple[int, http.HTTPFlow]] = {}  # flow id -> (seq, flow), not yet written
        self._held: list[http.HTTPFlow] = []  # requests that came before `running` opened the capture

    def load(self, loader: Loader) -> None:
        loader.add_option(
            "ocpi_capture", str, "",
            "Write every exchange to this OCPI capture file (JSON Lines, capture format 1). "
            "An existing file is only replaced with ocpi_capture_overwrite.",
        )
        loader.add_option(
            "ocpi_capture_overwrite", bool, False,
            "Replace the capture file if it exists (once the proxy is running: "
            "a start that fails leaves it as it was).",
        )
        loader.add_option(
            "ocpi_redaction", str, REDACTION_DEFAULT,
            "How credentials tokens are written: as sha256 fingerprints (default), "
            "or in clear with 'none' (stated in the capture header).",
            choices=[REDACTION_DEFAULT, REDACTION_NONE],
        )
        loader.add_option(
            "ocpi_to_hub_mode", str, "",
            "The --mode listener through which the partner calls the hub (direction to_hub), "
            "as its position among the --mode options (0, 1) or its spec; every other "
            "listener carries the hub's calls to the partner (to_partner). Default: the first.",
        )
        loader.add_option(
            "ocpi_note", str, "",
            "Free text for the capture header's note.",
        )

    def configure(self, updated: set[str]) -> None:
        if "mode" in updated or "ocpi_to_hub_mode" in updated:
            try:
                self._directions = direction_map(ctx.options.mode, ctx.options.ocpi_to_hub_mode)
            except ValueError as error:
                raise exceptions.OptionsError(str(error)) from None
        if ctx.options.ocpi_redaction not in (REDACTION_DEFAULT, REDACTION_NONE):
            raise exceptions.OptionsError(
                f"ocpi_redaction must be {REDACTION_DEFAULT} or {REDACTION_NONE}, "
                f"not {ctx.options.ocpi_redaction!r}"
            )
        # The option is mitmdump's (its StreamBodies addon); a body streamed passes by unseen by any hook.
        if "stream_large_bodies" in updated and getattr(ctx.options, "stream_large_bodies", None):
            raise exceptions.OptionsError(
                f"stream_large_bodies={ctx.options.stream_large_bodies}: a streamed body would be missing "
                "from the capture; leave stream_large_bodies unset while recording"
            )
        if self._injected_stream is not None:
            if "ocpi_capture" in updated or self.writer is None:
                self._close()
                self._start_writer(self._injected_stream)
        elif "ocpi_capture" in updated:
            self._choose_capture()

    def _choose_capture(self) -> None:
        """Checks that the capture file can be written, and opens it now if the proxy is running
        already, else in `running`. A name refused leaves the capture being written as it was
        (mitmproxy then sets the option back to it)."""
        path = Path(ctx.options.ocpi_capture) if ctx.options.ocpi_capture else None
        if self.failure is not None or (path is not None and self.writer is not None and path == self._writing):
            return  # stopping; or unchanged, or set back after a refused name
        if path is not None:
            if path.exists() and path.is_file() and not ctx.options.ocpi_capture_overwrite:
                raise exceptions.OptionsError(
                    f"capture file {path} exists; choose another name or set ocpi_capture_overwrite"
                )
            try:
                _check_writable(path)
            except OSError as error:
                raise exceptions.OptionsError(f"cannot create capture file {path}: {error}") from None
        self._close()
        self._path = path
        if path is not None and self._running:
            try:
                self._open_capture()
            except (OSError, exceptions.OptionsError) as error:
                reason = f"cannot create capture file {path}: {error}"
                self._fail(reason)  # the old capture is closed: stop rather than pass traffic unrecorded
                raise exceptions.OptionsError(reason) from None

    def _open_capture(self) -> None:
        """Creates or replaces the capture file `_path` and writes its header."""
        assert self._path is not None
        path, self._path = self._path, None
        created = not path.exists()
        stream = _FileStream(path)
        self._created = path if created else None
        try:
            self._start_writer(stream)
        except exceptions.OptionsError:
            stream.close()
            raise
        self._writing = path

    def _start_writer(self, stream: Any) -> None:
        header = new_header(
            peers=peers_of(ctx.options.mode, self._directions),
            redaction=ctx.options.ocpi_redaction,
            note=ctx.options.ocpi_note or None,
        )
        try:
            self.writer = CaptureWriter(stream, header)
        except OSError as error:
            raise exceptions.OptionsError(f"cannot write capture file: {error}") from None

    def running(self) -> None:
        # The listeners are up: only now may an existing capture file be replaced.
        self._running = True
        if self._path is not None:
            path = self._path
            try:
                self._open_capture()
            except (OSError, exceptions.OptionsError) as error:
                self._fail(f"cannot create capture file {path}: {error}", starting=True)
            self._release_held()
        elif self.writer is None:
            logger.warning("ocpi-tap: ocpi_capture is not set, nothing is recorded")
        # With the default eager strategy mitmproxy connects upstream before
        # the request exists, so an unreachable upstream leaves no flow to
        # record; lazy gives the client a 502 and us an error hook.
        if ctx.options.connection_strategy != "lazy":
            logger.info("ocpi-tap: setting connection_strategy=lazy so that failed exchanges are recorded")
            ctx.options.connection_strategy = "lazy"

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if self.failure is not None:
            flow.kill()
            return
        self._open[flow.id] = (self._next_seq, flow)
        self._next_seq += 1
        if self.writer is None and self._path is not None:
            # The listeners accept before the master's `running` hook, where the capture opens (and
            # where mitmproxy 12's TlsConfig makes the certificate store its `request` hook needs).
            # A request that early waits there, to be passed on and recorded once the capture is open.
            flow.intercept()
            self._held.append(flow)

    def _release_held(self) -> None:
        held, self._held = self._held, []
        for flow in held:
            flow.resume()
            if self.writer is None and flow.killable:
                flow.kill()  # the capture could not be opened: nothing is passed on unrecorded

    def response(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def oldest_in_flight(self) -> float:
        """When the oldest request not yet written started (infinity when none is in flight)."""
        return min((flow.request.timestamp_start for _, flow in self._open.values()), default=math.inf)

    def done(self) -> None:
        for flow_id in list(self._open):
            self._record(self._open[flow_id][1], in_flight=True)
        self._close()

    def remove_unused_capture(self) -> None:
        """After a start that failed: closes the capture and removes it if this Recorder created
        it and wrote no exchange, so that it is not in the way of the next start. A file that
        existed before (ocpi_capture_overwrite) is never removed: it is replaced only once the
        proxy is running, so a start that fails before leaves it as it was."""
        self._path = None
        self._close()
        if self._created is not None and self._written == 0:
            self._created.unlink(missing_ok=True)
            self._created = None

    def _direction(self, flow: http.HTTPFlow) -> Direction:
        spec = flow.client_conn.proxy_mode.full_spec
        return self._directions.get(spec, TO_PARTNER if self._directions else TO_HUB)

    def _record(self, flow: http.HTTPFlow, in_flight: bool = False) -> None:
        entry = self._open.pop(flow.id, None)
        if entry is None:
            return  # written already
        if self.writer is None:
            if self._path is not None and flow.killable:
                flow.kill()  # done before `running` opened the capture: not passed on unrecorded
            return
        try:
            exchange = exchange_from_flow(flow, entry[0], self._direction(flow), in_flight=in_flight)
            if ctx.options.ocpi_redaction != REDACTION_NONE:
                exchange = redact_exchange(exchange)
        except Exception as error:  # a flow this code cannot turn into a record: a bug, yet no reason to lose it
            if flow.killable:
                flow.kill()
            self._fail(f"cannot record an exchange ({error!r}); stopping the proxy")
            return
        self._write(exchange, flow)

    def _write(self, exchange: Exchange, flow: http.HTTPFlow) -> None:
        assert self.writer is not None
        try:
            self.writer.write(exchange)
        except (OSError, ValueError) as error:
            if flow.killable:
                flow.kill()  # the client must not get what was not recorded
            self._fail(f"cannot write the capture ({error}); stopping the proxy")
            return
        self._written += 1
        if self._on_written is not None:
            self._on_written(exchange)

    def _fail(self, reason: str, starting: bool = False) -> None:
        if self.failure is None:
            self.failure = reason
            # While starting, the logged error is what makes the start fail (mitmproxy's errorcheck).
            if self._log_failure or starting:
                logger.error(f"ocpi-tap: {reason}")
            ctx.master.shutdown()

    def _close(self) -> None:
        writer, self.writer = self.writer, None
        self._writing = None
        if writer is None or self._injected_stream is not None:
            return  # an injected stream belongs to whoever passed it in
        try:
            writer.close()
        except OSError as error:
            self._fail(f"cannot close the capture ({error})")


addons = [Recorder()]
