"""Counterparty profiles: what is specific to a hub lives here as data, not in code.

`mobie` (the default) is MOBI.E: OCPI "2.2" on the wire, behaving as 2.2.1,
where partners and the hub still send raw (not Base64) tokens. `ocpi-2.2.1`
is the plain specification, for other hubs and direct peers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

import msgspec

from .registry import Violation
from .scenarios import CERTIFICATION, Scenario
from .tolerance import FORMS, RepairKind


class Profile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    description: str
    # The object model the traffic is decoded with (2.2 relaxes CdrToken, see model.ocpi22).
    ocpi_version: Literal["2.2.1", "2.2"] = "2.2.1"
    # Rules whose severity this counterparty's reality changes.
    severities: dict[str, Literal["error", "warning"]] = {}
    # ENV132/ENV133: whether the server's pages follow offset arithmetic
    # (catalogue 12.11: many use cursors in the next link; then only the headers are checked).
    pagination_offsets: bool = True
    # CMD401: seconds a CommandResult may come after the response's timeout.
    command_grace_seconds: float = 5.0
    # Catalogue 12.6: a DateTime with a numeric UTC offset (`+00:00`), in a body or the envelope
    # (ENV008). Either way the message is still read as if written right; over-long fractions are
    # always a warning (`tolerated_severity`; `ocpi-tap rule CODE` prints both).
    datetime_offset_severity: Literal["error", "warning"] = "error"
    # ENV401, SES401: how far a timestamp may be from the capture's clock.
    timestamp_tolerance_seconds: float = 300.0
    # TOK401: seconds a real-time authorization may take before the driver notices.
    authorize_slow_seconds: float = 5.0
    # CMD402: seconds the synchronous CommandResponse may take.
    command_response_slow_seconds: float = 5.0
    # SES402: seconds an ACTIVE session may go without an update.
    session_update_interval_seconds: float = 900.0
    # CDR305 (catalogue 12.24): the hub generates CDRs, so their party may be the hub's.
    hub_generates_cdrs: bool = False
    # Rules whose findings are warnings when the hub is their culprit: a known way of the hub's that the
    # partner must live with (e.g. CDR203: MOBI.E re-sends the CDRs it generates, content changed at times),
    # while the same fault by the partner keeps the rule's severity (§10: the partner's CDR never changes).
    hub_warnings: frozenset[str] = frozenset()
    # CRD211: whether module traffic with no handshake in the capture is worth a warning
    # (off for captures that routinely start mid-connection).
    require_handshake: bool = True
    # The readiness report: what a certification day exercises, per module and partner role.
    scenarios: tuple[Scenario, ...] = CERTIFICATION

    def severity_of(self, rule: type[Violation]) -> str:
        """The severity the rule's findings have under this profile."""
        return self.severities.get(rule.code, rule.severity.value)

    def tolerated_severity(self, kind: RepairKind, rule: type[Violation]) -> str:
        """The severity of a value `rule` reports only for a form the catalogue tolerates (12.6): the same
        in a body and in the envelope. An over-long fraction is a warning everywhere, a numeric offset as
        `datetime_offset_severity` says; the profile's setting for the rule itself wins over both."""
        own = "warning" if kind == "datetime_length" else self.datetime_offset_severity
        return self.severities.get(rule.code, own)


PROFILES: Final = {
    "mobie": Profile(
        name="mobie",
        description="MOBI.E (Portugal): OCPI 2.2 as published, 2.2.1 in practice",
        ocpi_version="2.2",
        # Catalogue 12.1: raw tokens are common on a "2.2" hub; tolerated, still shown.
        # LOC005 (catalogue 12.23): feeds with 4 or 8 decimals are common and harmless.
        severities={"ENV103": "warning", "ENV107": "warning", "ENV108": "warning", "LOC005": "warning"},
        pagination_offsets=False,
        datetime_offset_severity="warning",
        hub_generates_cdrs=True,
        hub_warnings=frozenset({"CDR203"}),  # MOBI.E generates CDRs itself and re-sends them with changed content
    ),
    "ocpi-2.2.1": Profile(
        name="ocpi-2.2.1",
        description="OCPI 2.2.1 as specified, for hubs and direct peers in general",
    ),
}
DEFAULT_PROFILE: Final = "mobie"


def severity_choices(rule: type[Violation], profiles: Iterable[Profile] = PROFILES.values()) -> str:
    """What each profile makes of the rule's severity, as `ocpi-tap rule CODE` prints it."""
    chosen = list(profiles)

    def each(severity_in: dict[str, str]) -> str:
        return ", ".join(f"{name} {severity}" for name, severity in severity_in.items())

    text = "severity by profile: " + each({
        p.name: p.severity_of(rule) + (" (warning when the hub is at fault)" if rule.code in p.hub_warnings else "")
        for p in chosen}) + "\n"
    forms: tuple[RepairKind, ...] = getattr(rule, "tolerated_forms", ())
    if forms:
        text += "tolerated forms (reported with this code, the message then read as if written right):\n"
        for kind in forms:
            text += f"  {FORMS[kind]}: {each({p.name: p.tolerated_severity(kind, rule) for p in chosen})}\n"
    return text
