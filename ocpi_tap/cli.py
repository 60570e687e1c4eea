"""The `ocpi-tap` command line. The only module that prints."""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from . import __version__
from .replay.formats import DEFAULT_FAIL_ON, FAIL_ON_CHOICES, REPORT_FORMATS, FailOn

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for a command stopped by Ctrl-C


class _Commands(click.Group):
    """Ctrl-C that cuts a command short exits 130, saying "interrupted", rather than with click's
    "Aborted!" and 1, which would read as findings. Where Ctrl-C is the normal end (`record`
    and `hub` stopping, `demo --ui` releasing its page after the day), the command handles the
    signal itself and exits with its own status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            if sys.stderr.isatty():
                click.echo(err=True)  # past the terminal's ^C
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ocpi-tap")
def main() -> None:
    """Record, replay and check OCPI traffic between a partner platform and a roaming hub."""


def _rule_prefixes(ctx: click.Context, param: click.Parameter, prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """`--select`/`--ignore`: a prefix that names no rule is a mistake, not an empty selection."""
    if not prefixes:
        return prefixes
    from ocpi_tap.rules import checks as _  # noqa: F401  (registers the rules)
    from ocpi_tap.rules.registry import unknown_prefixes

    unknown = unknown_prefixes(prefixes)
    if unknown:
        raise click.BadParameter(
            f"no rule code starts with {', '.join(map(repr, unknown))}: codes look like CRD211, prefixes "
            f"like CRD or CRD2; `ocpi-tap rules` lists them", param=param)
    return prefixes


def _required_modules(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """`--require-ready`: module names (any case, comma lists, repeatable) or `all`; a name that is no
    module is a mistake, not a requirement met."""
    from ocpi_tap.replay.outcome import parse_modules

    try:
        return parse_modules(values)
    except ValueError as error:
        raise click.BadParameter(str(error), param=param) from None


def _decision_options(command: Any, baseline: bool = False) -> Any:
    """`--fail-on` and `--require-ready`: what makes the exit status 1 (`baseline`: the command takes one)."""
    command = click.option(
        "--require-ready", multiple=True, metavar="MODULES", callback=_required_modules,
        help="Exit 1 unless these modules are ready in every capture's readiness: module names, comma-separated "
             "or repeated (versions, credentials, tokens, locations, tariffs, sessions, commands, cdrs), or all.",
    )(command)
    return click.option(
        "--fail-on", type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False), default=DEFAULT_FAIL_ON,
        show_default=True,
        help="Which findings make the exit status 1: warning (errors and warnings), error (errors only) or never."
             + (" With --baseline, only new findings count." if baseline else ""),
    )(command)


def _colour() -> bool:
    """Colour on stdout: only on a terminal, and never with NO_COLOR set to a value (no-color.org: empty is unset)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _default_capture_name() -> Path:
    return Path(datetime.now(timezone.utc).strftime("capture-%Y%m%dT%H%M%SZ.jsonl"))


class _ProgressLine:
    """A running count on stderr: rewritten in place on a terminal, a line now and then otherwise."""

    def __init__(self, interval: float) -> None:
        self._tty = sys.stderr.isatty()
        self._interval = 0.2 if self._tty else interval
        self._last = time.monotonic()  # the first report comes after one interval: short runs show none
        self._shown = False

    def show(self, text: str, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < self._interval:
            return
        self._last = now
        self._shown = True
        if self._tty:
            click.echo(f"\r\033[K{text}", err=True, nl=final)
        else:
            click.echo(text, err=True)

    def finish(self) -> None:
        """Clears a progress line left on a terminal (nothing was shown on short runs)."""
        if self._tty and self._shown:
            click.echo("\r\033[K", err=True, nl=False)


@main.command()
@click.option("--hub", "hub_url", required=True, metavar="URL",
              help="The hub's OCPI URL (e.g. its versions URL) that the partner normally calls.")
@click.option("--partner", "partner_url", required=True, metavar="URL",
              help="The partner's OCPI URL that the hub normally calls.")
@click.option("--hub-port", default=8081, show_default=True, type=click.IntRange(1, 65535),
              help="Listener the partner calls instead of the hub (direction to_hub).")
@click.option("--partner-port", default=8082, show_default=True, type=click.IntRange(1, 65535),
              help="Listener the hub calls instead of the partner (direction to_partner).")
@click.option("--listen-host", default="127.0.0.1", show_default=True,
              help="Address both listeners bind to; 0.0.0.0 to accept the hub's calls from outside.")
@click.option("--public-host", metavar="HOST",
              help="This machine's name or address as the hub (and partner) reach it, for the listener URLs "
                   "to configure and advertise. [default: the --listen-host; 127.0.0.1 for 0.0.0.0]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Capture file to write. [default: capture-<UTC time>.jsonl]")
@click.option("--force", is_flag=True, help="Replace the capture file if it exists.")
@click.option("--no-redaction", is_flag=True,
              help="Write credentials tokens in clear (the header says so). Never for captures you share.")
@click.option("--upstream-ca", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM bundle of CAs to trust for the hub's and the partner's TLS certificates.")
@click.option("--upstream-insecure", is_flag=True,
              help="Do not verify upstream TLS certificates (test systems only).")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM certificate the listeners serve TLS with (the hub calls the partner over HTTPS).")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM private key of --cert, if not in the same file.")
@click.option("--note", default="", help="Free text for the capture header.")
@click.option("--live", is_flag=True,
              help="Check the traffic as it is recorded, in a separate process: findings print as they "
                   "happen, the readiness at Ctrl-C.")
@click.option("--ui", "ui_port", type=click.IntRange(1, 65535), metavar="PORT",
              help="Serve the live page (readiness, counts, findings as they happen) on 127.0.0.1:PORT. "
                   "Implies --live.")
@click.option("--live-json", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write each live finding to FILE as one JSON object per line. Implies --live.")
@click.option("--profile", type=click.Choice(["mobie", "ocpi-2.2.1"]), default="mobie", show_default=True,
              help="The counterparty's profile for --live (as for replay).")
@click.option("--role", type=click.Choice(["cpo", "emsp"], case_sensitive=False),
              help="The partner's OCPI role for --live (as for replay).")
@click.option("--select", multiple=True, metavar="PREFIX", callback=_rule_prefixes,
              help="With --live, report only rules whose code starts with PREFIX (as for replay).")
@click.option("--ignore", multiple=True, metavar="PREFIX", callback=_rule_prefixes,
              help="With --live, do not report rules whose code starts with PREFIX (as for replay).")
@click.option("--no-group", is_flag=True,
              help="With --live, print every finding. By default a cause found 3 times or more (as replay groups "
                   "them) prints once, is counted after that, and is summed up at the end.")
def record(
    hub_url: str, partner_url: str, hub_port: int, partner_port: int, listen_host: str, public_host: str | None,
    output: Path | None, force: bool, no_redaction: bool, upstream_ca: Path | None,
    upstream_insecure: bool, cert: Path | None, key: Path | None, note: str,
    live: bool, ui_port: int | None, live_json: Path | None, profile: str, role: str | None,
    select: tuple[str, ...], ignore: tuple[str, ...], no_group: bool,
) -> None:
    """Record a partner-hub OCPI link in both directions until Ctrl-C.

    The partner calls the hub through one listener and the hub calls the
    partner through the other; every exchange is written to the capture as it
    completes, with credentials tokens redacted. With --live a second process
    checks the capture as it grows, as `replay` would check it.
    """
    from ocpi_tap.proxy import record as recording
    from ocpi_tap.replay.capture import REDACTION_DEFAULT, REDACTION_NONE

    if key is not None and cert is None:
        raise click.UsageError("--key needs --cert")
    live = live or ui_port is not None or live_json is not None  # --ui and --live-json imply --live
    profile_given = click.get_current_context().get_parameter_source("profile") != ParameterSource.DEFAULT
    if not live:
        given = [name for name, used in (("--profile", profile_given), ("--role", role is not None),
                                          ("--select", bool(select)), ("--ignore", bool(ignore)),
                                          ("--no-group", no_group)) if used]
        if given:
            raise click.UsageError(f"{', '.join(given)}: for the live check only; add --live")
    if hub_port == partner_port:
        raise click.UsageError("--hub-port and --partner-port must differ")
    for option, url in (("--hub", hub_url), ("--partner", partner_url)):
        try:
            recording.upstream_spec(url)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint=option) from None
    capture = output or _default_capture_name()
    if capture.exists() and not force:
        raise click.UsageError(f"{capture} exists; choose another -o or add --force")
    config = recording.RecordConfig(
        hub_url=hub_url, partner_url=partner_url, capture=capture,
        hub_port=hub_port, partner_port=partner_port, listen_host=listen_host, public_host=public_host,
        redaction=REDACTION_NONE if no_redaction else REDACTION_DEFAULT, overwrite=force,
        upstream_ca=upstream_ca, upstream_insecure=upstream_insecure, cert=cert, key=key, note=note,
    )
    urls = recording.listener_urls(config)
    progress_line = _ProgressLine(interval=10.0)
    link = None
    if live:
        from .live import LiveLink, LiveOptions

        if ui_port is not None and ui_port in (hub_port, partner_port):
            raise click.UsageError("--ui needs a port of its own")
        link = LiveLink(LiveOptions(capture=capture, profile=profile, role=role.upper() if role else None,
                                    json_out=live_json, ui_port=ui_port, colour=_colour(), select=select,
                                    ignore=ignore, group=not no_group))
        link.start()

    def ready() -> None:
        click.echo(f"Recording to {capture}" + (" (tokens in clear)" if no_redaction else " (tokens redacted)"))
        click.echo(f"  partner -> hub:  the partner calls {urls['to_hub']}  (forwarded to {hub_url})")
        click.echo(f"  hub -> partner:  the partner advertises {urls['to_partner']}  (forwarded to {partner_url})")
        if listen_host in recording.WILDCARD_HOSTS and public_host is None:
            click.echo("  (listening on every address: --public-host names this machine as the hub reaches it, "
                       "in place of 127.0.0.1)")
        if link is not None:
            click.echo(f"Checking live ({profile} profile): findings print as they happen, the readiness at the end.")
            link.begin()
        click.echo("Ctrl-C stops and closes the capture.")

    def show(progress: recording.Progress, final: bool = False) -> None:
        progress_line.show(
            f"recorded {progress.total} exchanges: {progress.to_hub} to_hub, "
            f"{progress.to_partner} to_partner, {progress.errors} failed",
            final=final,
        )

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    addons: list[object] = []
    if link is not None:
        from ocpi_tap.proxy.live_feed import InFlight

        addons.append(InFlight(link.publish))
    try:
        recorder, progress = recording.run_blocking(config, on_ready=ready, on_progress=show, addons=addons)
    except KeyboardInterrupt:  # Ctrl-C while the recorder started, before it took the signal over: 130
        if link is not None:
            link.close()
        raise
    except recording.StartupError as error:
        if link is not None:
            link.close()
        hint = (" (another program listens there: stop it, or choose another --hub-port or --partner-port)"
                if "address already in use" in str(error).lower() else "")
        click.echo(f"error: the proxy could not start: {error}{hint}", err=True)
        sys.exit(EXIT_ERROR)
    try:
        show(progress, final=True)
        code = link.close() if link is not None else None  # the checker drains the capture, prints the readiness
    except KeyboardInterrupt:  # a second Ctrl-C, even before `close` waits: the checker stops too
        if link is not None:
            link.stop()
        raise
    if link is not None:
        if code not in (EXIT_CLEAN, EXIT_FINDINGS):  # findings do not make the recording fail
            click.echo(f"error: live checking failed (exit status {code}); the capture is complete, "
                       f"`ocpi-tap replay {capture}` checks it", err=True)
    if recorder.failure is not None:
        click.echo(f"error: {recorder.failure}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"Capture complete: {capture}")


def _hub_hosts(ctx: click.Context, param: click.Parameter, hosts: tuple[str, ...]) -> tuple[str, ...]:
    """`import --hub`: each names a host, before the recording is read."""
    from ocpi_tap.replay.importers.convert import normalise_host

    for host in hosts:
        try:
            normalise_host(host)
        except ValueError as error:
            raise click.BadParameter(str(error), param=param) from None
    return hosts


@main.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Capture file to write.")
@click.option("--hub", "hub_hosts", multiple=True, required=True, metavar="HOST", callback=_hub_hosts,
              help="Host (HOST, HOST:PORT or a URL) of the hub: requests to it are to_hub, all others "
                   "to_partner. Repeatable.")
@click.option("--force", is_flag=True, help="Replace the capture file if it exists.")
@click.option("--no-redaction", is_flag=True, help="Keep credentials tokens in clear (the header says so).")
@click.option("--note", default="", help="Free text for the capture header.")
def import_(source: Path, output: Path, hub_hosts: tuple[str, ...], force: bool, no_redaction: bool,
            note: str) -> None:
    """Convert a mitmproxy flow file (mitmdump -w) or a HAR file into a capture.

    Tokens are redacted as the recorder redacts them.
    """
    from ocpi_tap.replay.capture import REDACTION_DEFAULT, REDACTION_NONE
    from ocpi_tap.replay.importers.convert import RecordingFormatError, import_recording

    try:
        result = import_recording(
            source, output, hub_hosts=hub_hosts, overwrite=force, note=note or None,
            redaction=REDACTION_NONE if no_redaction else REDACTION_DEFAULT,
        )
    except FileExistsError:
        raise click.UsageError(f"{output} exists; choose another -o or add --force") from None
    except (RecordingFormatError, ValueError, OSError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(
        f"Imported {result.exchanges} exchanges from {source} ({result.kind}): "
        f"{result.to_hub} to_hub, {result.to_partner} to_partner -> {output}"
    )
    one, several = ("entry", "entries") if result.kind == "har" else ("flow", "flows")
    for reason, numbers in sorted(result.skipped_at.items()):
        shown = ", ".join(map(str, numbers[:10])) + (", ..." if len(numbers) > 10 else "")
        click.echo(f"  skipped {len(numbers)}: {reason} ({one if len(numbers) == 1 else several} {shown})", err=True)


@main.command()
@click.argument("captures", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(REPORT_FORMATS), default="concise", show_default=True,
              help="concise: a line per finding and the readiness table; full: findings with their exchange, "
                   "value, help and notes, and each module's scenarios; json: the report; junit: JUnit XML; "
                   "github: GitHub Actions annotations; html: one self-contained page (readiness, findings, timelines).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of stdout.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Accepted findings: report (and fail on) only new ones, and say which no longer occur.")
@click.option("--update-baseline", is_flag=True, help="Write the current findings to the --baseline file.")
@click.option("-j", "--jobs", default=1, show_default=True, type=click.IntRange(0),
              help="Captures replayed at once, one process each (0: one per CPU).")
@click.option("--select", multiple=True, metavar="PREFIX", callback=_rule_prefixes,
              help="Report only rules whose code starts with PREFIX (repeatable; ALL for every rule on by default, "
                   "a rule off by default only when named by its code or a prefix of it).")
@click.option("--ignore", multiple=True, metavar="PREFIX", callback=_rule_prefixes,
              help="Do not report rules whose code starts with PREFIX (repeatable); the longest prefix wins.")
@click.option("--profile", type=click.Choice(["mobie", "ocpi-2.2.1"]), default="mobie", show_default=True,
              help="The counterparty's profile: hub-specific versions, severities and tolerances.")
@click.option("--role", type=click.Choice(["cpo", "emsp"], case_sensitive=False),
              help="The partner's OCPI role, where the URLs alone do not tell Sender from Receiver.")
@click.option("--no-group", is_flag=True,
              help="Show every finding on a line of its own. By default the concise and html formats show a "
                   "cause found 3 times or more (one rule, one message but for request ids and other "
                   "particulars) once, with its count and its first and last line; the other formats never "
                   "group.")
@functools.partial(_decision_options, baseline=True)
def replay(captures: tuple[Path, ...], output_format: str, output: Path | None, baseline: Path | None,
           update_baseline: bool, jobs: int, select: tuple[str, ...], ignore: tuple[str, ...], profile: str,
           role: str | None, no_group: bool, fail_on: FailOn, require_ready: tuple[str, ...]) -> None:
    """Check captures offline: findings, and each module's readiness for certification.

    Exit status: 0 passed, 1 failed: (new) findings at or above --fail-on, or a --require-ready module
    not ready; 2 usage error or unreadable capture or baseline, 130 interrupted (Ctrl-C).
    """
    _report_replay(list(captures), output_format, select, ignore, profile, role, output, baseline, update_baseline,
                   jobs, fail_on, require_ready, group=not no_group)


@main.command()
@click.option("--role", type=click.Choice(["cpo", "emsp"]), default="cpo", show_default=True,
              help="The role the mock partner plays.")
@click.option("--fault", "faults", multiple=True, metavar="NAME",
              help="Make the day break a rule the way real platforms do (repeatable; --list-faults).")
@click.option("--list-faults", is_flag=True, help="List the faults and exit.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the capture. [default: demo-<role>.jsonl]")
@click.option("--profile", type=click.Choice(["mobie", "ocpi-2.2.1"]), default="mobie", show_default=True,
              help="The hub the mock plays, and the profile the capture is checked with.")
@click.option("--live", is_flag=True, help="Check while the day is recorded (as record --live) instead of after.")
@click.option("--ui", "ui_port", type=click.IntRange(1, 65535), metavar="PORT",
              help="With --live, serve the live page on 127.0.0.1:PORT; it stays up after the day until Ctrl-C. "
                   "Implies --live.")
@_decision_options
def demo(role: str, faults: tuple[str, ...], list_faults: bool, output: Path | None, profile: str,
         live: bool, ui_port: int | None, fail_on: FailOn, require_ready: tuple[str, ...]) -> None:
    """Play a certification day between a mock hub and a mock partner through the recorder, then check it.

    Everything runs on free loopback ports: the hub and the partner reach each
    other only through the recording proxy, so the capture holds both
    directions. Exit status as for replay.
    """
    import asyncio

    from ocpi_tap.peers.demo import DemoStartError, play
    from ocpi_tap.peers.faults import FAULTS

    if list_faults:
        for fault in FAULTS.values():
            click.echo(f"{fault.name:<38} {fault.module:<12} {fault.does}")
        return
    unknown = [name for name in faults if name not in FAULTS]
    if unknown:
        raise click.BadParameter(f"unknown fault(s) {', '.join(unknown)}; see --list-faults", param_hint="--fault")
    capture = output or Path(f"demo-{role}.jsonl")
    click.echo(f"Mock day: {role} partner, {profile} hub" + (f", faults: {', '.join(faults)}" if faults else ""))
    started = time.monotonic()
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    addons: list[object] = []
    link = None
    keep_page = False  # the day lasts seconds: the page stays for people to look at, unless the day failed
    try:  # Ctrl-C during the day (its wait for the checker included) ends the checker too, and exits 130
        if live or ui_port is not None:
            from ocpi_tap.proxy.live_feed import InFlight

            from .live import LiveLink, LiveOptions

            checker = LiveLink(LiveOptions(capture=capture, profile=profile, role=role.upper(), ui_port=ui_port,
                                           colour=_colour(), fail_on=fail_on, require_ready=require_ready))
            checker.start()
            link = checker  # only a started checker is waited for
            link.wait_warm(60)
            addons.append(InFlight(link.publish))
        try:
            recorder = asyncio.run(play(role, list(faults), capture, profile,
                                        lambda module, detail: click.echo(f"  {module:<12} {detail}"),
                                        addons=addons, on_ready=link.begin if link is not None else lambda: None))
        except DemoStartError as error:
            click.echo(f"error: the demo could not start: {error}", err=True)
            sys.exit(EXIT_ERROR)
        keep_page = ui_port is not None and recorder.failure is None
    finally:
        code = link.close(keep_page) if link is not None else None
    if recorder.failure is not None:
        click.echo(f"error: {recorder.failure}", err=True)
        sys.exit(EXIT_ERROR)
    if code is not None:
        if code not in (EXIT_CLEAN, EXIT_FINDINGS):
            click.echo(f"error: live checking failed (exit status {code}); `ocpi-tap replay {capture}` checks "
                       f"the capture", err=True)
        sys.exit(code if code in (EXIT_CLEAN, EXIT_FINDINGS) else EXIT_ERROR)
    click.echo(f"Recorded {capture} in {time.monotonic() - started:.1f} s; checking it:")
    _report_replay([capture], "concise", (), (), profile, role, fail_on=fail_on,
                   require_ready=require_ready)


@main.command()
@click.option("--port", default=9000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--role", type=click.Choice(["cpo", "emsp"]), default="cpo", show_default=True,
              help="The role of the partner that will connect; the hub plays the other side.")
@click.option("--profile", type=click.Choice(["mobie", "ocpi-2.2.1"]), default="mobie", show_default=True,
              help="mobie: the hub speaks OCPI 2.2 as MOBI.E does.")
@click.option("--public-url", metavar="URL",
              help="The hub's root as the partner reaches it (e.g. the to_hub listener of ocpi-tap record).")
@click.option("--token-a", metavar="TOKEN",
              help="The token A the partner registers with (default: a new one, printed).")
@click.option("--partner-versions", metavar="URL",
              help="The partner's versions URL: the hub registers with the partner (as the credentials client) "
                   "instead of waiting for it to register. Needs --partner-token.")
@click.option("--partner-token", metavar="TOKEN",
              help="The token A the partner gave for --partner-versions.")
def hub(port: int, host: str, role: str, profile: str, public_url: str | None, token_a: str | None,
        partner_versions: str | None, partner_token: str | None) -> None:
    """Run the mock hub alone, for a real partner backend to register with and rehearse against.

    It answers versions, version details and the credentials registration
    (token A, then the token C it issues; DELETE unregisters), and the
    endpoints its side implements, with or without a trailing slash. Every
    error is an OCPI answer. Record the rehearsal by putting `ocpi-tap record`
    between the backend and this hub. Ctrl-C stops it.

    With --partner-versions and --partner-token the hub registers with the
    partner itself, for backends that implement only the server side of the
    handshake; a registration that fails exits 2, saying why.
    """
    import asyncio
    import signal
    from urllib.parse import urlsplit

    from ocpi_tap.peers.demo import serve_hub, standalone_hub
    from ocpi_tap.peers.registration import RegistrationFailed, register_with_partner
    from ocpi_tap.proxy.record import WILDCARD_HOSTS

    if (partner_versions is None) != (partner_token is None):
        raise click.UsageError("--partner-versions and --partner-token go together: the partner's versions URL "
                               "and the token A it gave")
    if partner_versions is not None:
        parts = urlsplit(partner_versions)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise click.BadParameter(f"not an http(s) URL: {partner_versions!r}", param_hint="--partner-versions")
    for option, token in (("--token-a", token_a), ("--partner-token", partner_token)):
        if token is not None and (not token or not token.isprintable() or any(c.isspace() for c in token)):
            raise click.BadParameter(f"a token is printable text without spaces, not {token!r}", param_hint=option)
    try:
        mock, registrar = standalone_hub(role, profile, host, port, public_url, say=click.echo,
                                         bug_report=functools.partial(click.echo, err=True), token_a=token_a)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--public-url") from None
    failed = False

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        ready = asyncio.Event()
        task = asyncio.ensure_future(serve_hub(mock, host, port, stop, ready))
        waiting = asyncio.ensure_future(ready.wait())
        await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)  # listening, or failed to
        waiting.cancel()
        if task.done():
            task.result()
        click.echo(f"Mock hub ({profile}, OCPI {mock.version}) for a {role.upper()} partner")
        click.echo(f"  versions URL: {mock.versions_url}")
        click.echo(f"  token A:      {registrar.token_a}")
        if host in WILDCARD_HOSTS and public_url is None:
            click.echo("  (listening on every address: --public-url names this hub as the partner reaches it, "
                       "in place of 127.0.0.1)")
        if partner_versions is not None and partner_token is not None:
            try:
                click.echo(await asyncio.wait_for(
                    register_with_partner(registrar, partner_versions, partner_token), REGISTRATION_TIMEOUT))
            except (RegistrationFailed, asyncio.TimeoutError) as error:
                nonlocal failed
                failed = True
                reason = str(error) or f"no answer within {REGISTRATION_TIMEOUT} s"
                click.echo(f"error: registration with the partner at {partner_versions} failed: {reason}", err=True)
                stop.set()
                await task
                return
        click.echo("Ctrl-C stops it.")
        await task

    try:
        asyncio.run(serve())
    except OSError as error:
        click.echo(f"error: the mock hub could not start: {error}", err=True)
        sys.exit(EXIT_ERROR)
    if failed:
        sys.exit(EXIT_ERROR)  # a wrong URL or token, as a usage error


REGISTRATION_TIMEOUT = 60  # seconds the hub's registration with a partner may take, all calls together


def _report_replay(captures: list[Path], output_format: str, select: tuple[str, ...], ignore: tuple[str, ...],
                   profile: str, role: str | None, output: Path | None = None, baseline: Path | None = None,
                   update_baseline: bool = False, jobs: int = 1, fail_on: FailOn = DEFAULT_FAIL_ON,
                   require_ready: tuple[str, ...] = (), group: bool = True) -> None:
    from ocpi_tap.replay import baseline as baselines
    from ocpi_tap.replay import outcome as outcomes
    from ocpi_tap.replay import render
    from ocpi_tap.replay.capture import CaptureError
    from ocpi_tap.replay.check import check_capture
    from ocpi_tap.replay.parallel import run_all, worker_count
    from ocpi_tap.replay.untrusted import printable
    from ocpi_tap.rules.profiles import PROFILES
    from ocpi_tap.rules.registry import Selection

    if update_baseline and baseline is None:
        raise click.UsageError("--update-baseline needs --baseline FILE")
    accepted = None
    if baseline is not None and baseline.exists():  # read when updating too: it keeps other captures' entries
        try:
            accepted = baselines.load(baseline)
        except baselines.BaselineError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(EXIT_ERROR)
    elif baseline is not None and not update_baseline:
        click.echo(f"note: baseline {baseline} does not exist yet: every finding is new "
                   f"(--update-baseline writes it)", err=True)
    selection = Selection(list(select) or None, list(ignore) or None)
    progress = _ProgressLine(interval=10.0)
    replay_one = functools.partial(check_capture, selection=selection, profile=PROFILES[profile],
                                   partner_role=role.upper() if role else None, stories=output_format == "html")
    try:
        if worker_count(jobs) > 1 and len(captures) > 1:
            results = run_all(replay_one, captures, jobs,
                              lambda finished, total: progress.show(f"replayed {finished}/{total} captures"))
        else:
            results = []
            for capture in captures:

                def show(exchanges: int, fraction: float | None, capture: Path = capture) -> None:
                    done = f", {fraction:.0%}" if fraction is not None else ""
                    progress.show(f"replaying {capture}: {exchanges:,} exchanges{done}")

                results.append(replay_one(capture, progress=show))
    except CaptureError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    progress.finish()
    if update_baseline:
        assert baseline is not None
        built = baselines.update((f for result in results for f in result.findings),
                                 accepted or baselines.Baseline(), (str(c) for c in captures), selection)
        try:
            baselines.save(built, baseline)
        except baselines.BaselineError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(EXIT_ERROR)
        click.echo(f"Baseline {baseline}: {sum(e.count for e in built.findings)} findings accepted "
                   f"({len(built.findings)} entries).")
        sys.exit(EXIT_CLEAN)
    gone: list[baselines.BaselineEntry] = []
    baselined = None
    if baseline is not None:
        comparison = baselines.compare((f for result in results for f in result.findings),
                                       accepted or baselines.Baseline(), (str(c) for c in captures), selection)
        new = {id(finding) for finding in comparison.new}
        baselined = sum(len(result.findings) for result in results) - len(new)
        for result in results:
            result.findings = [finding for finding in result.findings if id(finding) in new]
        gone = comparison.gone
    colour = output is None and _colour()
    decision = outcomes.decide(results, fail_on, require_ready)
    text = render.report(results, output_format, profile=profile, colour=colour, baselined=baselined,
                         outcome=decision, group=group)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")  # what the HTML and XML declare, whatever the locale
        except OSError as error:
            click.echo(f"error: {output}: the report cannot be written: {error}", err=True)
            sys.exit(EXIT_ERROR)
    for entry in gone:
        where = " ".join(part for part in (entry.capture, entry.object, entry.path) if part)
        click.echo(f"baseline: {entry.code} at {printable(where)} no longer occurs ({entry.count} fewer); "
                   f"--update-baseline drops it", err=True)
    sys.exit(EXIT_FINDINGS if decision.exit_code else EXIT_CLEAN)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path), default=Path("captures"))
@click.option("--profile", type=click.Choice(["mobie", "ocpi-2.2.1"]), default="mobie", show_default=True,
              help="Profile for captures whose NAME.expected.json does not name one.")
@click.option("-j", "--jobs", default=1, show_default=True, type=click.IntRange(0),
              help="Captures replayed at once, one process each (0: one per CPU).")
def check(directory: Path, profile: str, jobs: int) -> None:
    """Replay every stored capture in DIRECTORY against what it must give (the command CI runs).

    NAME.expected.json beside a capture lists the exact findings it must give
    (missing ones fail as well as extra ones); NAME.baseline.json lists
    accepted findings (only new ones fail); a capture with neither must be
    clean. An expected-findings file without its capture is an error. Exit status: 0 all as
    expected, 1 differences, 2 usage error, 130 interrupted.
    """
    from ocpi_tap.replay import render
    from ocpi_tap.replay.capture import CaptureError
    from ocpi_tap.replay.suite import SuiteError, check_directory

    progress = _ProgressLine(interval=10.0)
    try:
        verdicts = check_directory(directory, profile, jobs,
                                   lambda done, total: progress.show(f"checked {done}/{total} captures"))
    except (SuiteError, CaptureError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    progress.show(f"checked {len(verdicts)} captures", final=True)
    for verdict in verdicts:
        click.echo("\n".join(render.verdict_lines(verdict)))
    failed = sum(1 for verdict in verdicts if not verdict.ok)
    click.echo(f"Checked {len(verdicts)} captures: {len(verdicts) - failed} as expected"
               + (f", {failed} not." if failed else "."))
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


@main.command("rules")
def list_rules() -> None:
    """List every rule: code, severity, module and name ("off" marks rules `--select` must name)."""
    from ocpi_tap.rules import checks as _  # noqa: F401  (registers the rules)
    from ocpi_tap.rules.registry import REGISTRY

    for rule in REGISTRY:
        off = "" if rule.default_enabled else "  (off by default)"
        click.echo(f"{rule.code}  {rule.severity.value:<7}  {rule.module:<11}  {rule.name}{off}")


@main.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Print the documentation of rule CODE (e.g. CAP001)."""
    from ocpi_tap.rules import checks as _  # noqa: F401  (registers the rules)
    from ocpi_tap.rules.profiles import severity_choices
    from ocpi_tap.rules.registry import REGISTRY, documentation

    rule = REGISTRY.get(code)
    if rule is None:
        raise click.BadParameter(f"no rule {code!r}; `ocpi-tap rules` lists them", param_hint="CODE")
    click.echo(documentation(rule, severity_choices(rule)), nl=False)
