"""Named faults: each makes the mock day break one rule of the catalogue, the way real platforms do.

A fault is data: its name, the module it belongs to, what it does, and the
rule codes a replay of the day must report. The peers ask `faults.on(name)`
at the one place the fault bends their behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    module: str
    does: str
    expect: tuple[str, ...]  # rule codes a replay reports for it (sequencing ones once those checks exist)


FAULTS: dict[str, Fault] = {fault.name: fault for fault in [
    Fault("versions-as-object", "versions", "the versions endpoint answers one Version object, not a list",
          ("VER001",)),
    Fault("registration-without-discovery", "credentials", "the partner POSTs its credentials to a guessed URL "
          "without reading the hub's versions and version details", ("CRD201",)),
    Fault("credentials-name-too-long", "credentials", "the partner's business name is over 100 characters",
          ("CRD001",)),
    Fault("old-token-still-accepted", "credentials", "the hub still accepts the token the rotation replaced",
          ("CRD206",)),
    Fault("raw-token-header", "credentials", "the partner sends its token without Base64", ("ENV103",)),
    Fault("location-patch-without-last-updated", "locations", "an EVSE status PATCH lacks last_updated",
          ("LOC003",)),
    Fault("stale-location-update", "locations", "an EVSE status PATCH carries a last_updated older than the "
          "previous one", ("LOC201",)),
    Fault("evse-url-mismatch", "locations", "an EVSE is PUT under another EVSE's uid", ("LOC102",)),
    Fault("connector-without-power-type", "locations", "a Location PUT has a connector without power_type",
          ("LOC001",)),
    Fault("tariff-patched", "tariffs", "a tariff change is sent as PATCH (tariffs have none)", ("TAR002",)),
    Fault("tariff-url-mismatch", "tariffs", "a Tariff is PUT under another id", ("TAR101",)),
    Fault("token-patch-without-last-updated", "tokens", "the token invalidation PATCH lacks last_updated",
          ("TOK002",)),
    Fault("token-type-mismatch", "tokens", "an APP_USER token is PUT without ?type=APP_USER", ("TOK102",)),
    Fault("invalidated-token-authorized", "tokens", "an invalidated token is still authorized ALLOWED",
          ("TOK209",)),
    Fault("token-patched-before-put", "tokens", "a token never PUT is PATCHed", ("TOK201",)),
    Fault("authorize-answer-malformed", "tokens", "the authorize answer says allowed: YES", ("TOK003",)),
    Fault("session-kwh-as-string", "sessions", "a session PATCH sends kwh as a string", ("SES001",)),
    Fault("session-patch-without-last-updated", "sessions", "a session PATCH lacks last_updated", ("SES002",)),
    Fault("session-deleted", "sessions", "a finished session is DELETEd", ("SES005",)),
    Fault("session-kwh-going-down", "sessions", "a session's kWh falls between two updates", ("SES203",)),
    Fault("session-updated-after-completion", "sessions", "the kWh is patched after COMPLETED", ("SES202",)),
    Fault("command-response-without-timeout", "commands", "the CommandResponse lacks timeout", ("CMD003",)),
    Fault("command-result-in-envelope", "commands", "the CommandResult is posted wrapped in an envelope",
          ("ENV004",)),
    Fault("callback-never-sent", "commands", "an accepted START_SESSION never gets its CommandResult",
          ("CMD202",)),
    Fault("callback-sent-twice", "commands", "START_SESSION's CommandResult is POSTed twice", ("CMD204",)),
    Fault("result-after-rejection", "commands", "a rejected START_SESSION still gets a CommandResult",
          ("CMD201",)),
    Fault("command-type-lower-case", "commands", "UNLOCK_CONNECTOR is posted as unlock_connector", ("CMD001",)),
    Fault("cdr-without-total-cost", "cdrs", "the CDR lacks total_cost", ("CDR001",)),
    Fault("cdr-before-session-completed", "cdrs", "the CDR is POSTed before the session is COMPLETED",
          ("CDR201",)),
    Fault("cdr-answer-without-location", "cdrs", "the CDR POST is answered without a Location header",
          ("CDR002",)),
    Fault("cdr-put", "cdrs", "a CDR is PUT instead of POSTed, so none is ever POSTed",
          ("CDR003", "CDR206")),
    Fault("missing-envelope-timestamp", "transport", "the partner's answers lack the envelope timestamp",
          ("ENV001",)),
    Fault("wrong-pagination-header", "transport", "list answers lack X-Total-Count", ("ENV130",)),
    Fault("request-id-not-echoed", "transport", "the partner's answers do not echo X-Request-ID", ("ENV104",)),
    Fault("routing-headers-missing", "transport", "the partner sends no OCPI-from/to headers", ("ENV107",)),
]}


class Faults:
    """The faults switched on for one day."""

    def __init__(self, names: list[str] | tuple[str, ...] = ()) -> None:
        unknown = [name for name in names if name not in FAULTS]
        if unknown:
            raise ValueError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}")
        self.names = frozenset(names)

    def on(self, name: str) -> bool:
        assert name in FAULTS, name
        return name in self.names
