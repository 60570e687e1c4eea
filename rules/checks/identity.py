"""The ids in a push URL agree with the ids in the pushed object (§4.1.5.1).

Client-owned objects are pushed to `{module}/{country_code}/{party_id}/{id}`
(and deeper for EVSEs and connectors); the receiver files the object under
the URL, so a body that names other ids files it in the wrong place.
Ids are CiStrings: compared without regard to case.
"""

from __future__ import annotations

from typing import Any, Protocol

from msgspec import UNSET

from ..registry import Severity, Violation

Report = tuple[Violation, str | None]


class _IdMismatch(Violation, frozen=True, kw_only=True):
    field: str
    in_url: str
    in_body: str

    def message(self) -> str:
        return f"URL has {self.field} {self.in_url!r}, the body {self.in_body!r}"


class LocationPartyMismatch(_IdMismatch, frozen=True, kw_only=True):
    """## What it checks
    On a Location PUT, the URL's `{country_code}` and `{party_id}` are the
    Location's own.

    ## Why it matters
    The receiver files the Location under the URL's party; a mismatch puts
    it under another operator.

    ## Example
    `PUT {locations}/PT/ABC/LOC1` with `"party_id": "XYZ"`.

    ## Expected
    The same country_code and party_id in URL and body.
    """

    code = "LOC101"
    severity = Severity.ERROR
    spec = "§8.2.2.2"
    about = "request"


class LocationIdMismatch(_IdMismatch, frozen=True, kw_only=True):
    """## What it checks
    The URL's location id, EVSE uid and connector id are the pushed object's
    own (`Location.id`, `EVSE.uid`, `Connector.id`).

    ## Why it matters
    A PUT to one URL with another object's ids overwrites the wrong
    charger, or creates a duplicate.

    ## Example
    `PUT {locations}/PT/ABC/LOC1/EVSE1` with `"uid": "EVSE2"`.

    ## Expected
    The same ids in URL and body.
    """

    code = "LOC102"
    severity = Severity.ERROR
    spec = "§4.1.5.1"
    about = "request"


class TariffIdMismatch(_IdMismatch, frozen=True, kw_only=True):
    """## What it checks
    On a Tariff PUT, the URL's `{country_code}`, `{party_id}` and
    `{tariff_id}` are the Tariff's own.

    ## Why it matters
    Connectors refer to tariffs by id; a tariff filed under another id is
    never found.

    ## Example
    `PUT {tariffs}/PT/ABC/T1` with `"id": "T2"`.

    ## Expected
    The same ids in URL and body.
    """

    code = "TAR101"
    severity = Severity.ERROR
    spec = "§11.2.2.2"
    about = "request"


class SessionIdMismatch(_IdMismatch, frozen=True, kw_only=True):
    """## What it checks
    On a Session PUT or PATCH, the URL's `{country_code}`, `{party_id}` and
    `{session_id}` are the Session's own (where the body names them).

    ## Why it matters
    Updates land on the session the URL names; a mismatch splits one charge
    into two sessions or updates the wrong one.

    ## Example
    `PUT {sessions}/PT/ABC/S1` with `"id": "S2"`.

    ## Expected
    The same ids in URL and body.
    """

    code = "SES101"
    severity = Severity.ERROR
    spec = "§9.2.2.2"
    about = "request"


class TokenPartyMismatch(_IdMismatch, frozen=True, kw_only=True):
    """## What it checks
    On a Token PUT, the URL's `{country_code}` and `{party_id}` are the
    Token's own.

    ## Why it matters
    The CPO files tokens by their eMSP; a mismatch authorises the driver
    under another provider's contract.

    ## Example
    `PUT {tokens}/PT/EMS/U1` with `"party_id": "XYZ"`.

    ## Expected
    The same country_code and party_id in URL and body.
    """

    code = "TOK101"
    severity = Severity.ERROR
    spec = "§12.2.1.2"
    about = "request"


class TokenUidMismatch(_IdMismatch, frozen=True, kw_only=True):
    """## What it checks
    The URL's `{token_uid}` is the Token's `uid`, and the URL's `type`
    parameter (RFID when absent) is the Token's `type`.

    ## Why it matters
    An RFID card and an app user may share a uid; the type tells them apart.

    ## Example
    `PUT {tokens}/PT/EMS/U1` (type RFID by default) with `"type": "APP_USER"`.

    ## Expected
    `PUT {tokens}/PT/EMS/U1?type=APP_USER` for an APP_USER token.
    """

    code = "TOK102"
    severity = Severity.ERROR
    spec = "§12.2.1.2, §4.1.5.1"
    about = "request"


class KeyView(Protocol):
    @property
    def country_code(self) -> str | None: ...
    @property
    def party_id(self) -> str | None: ...
    @property
    def id(self) -> str | None: ...
    @property
    def evse_uid(self) -> str | None: ...
    @property
    def connector_id(self) -> str | None: ...
    @property
    def token_type(self) -> str | None: ...


# request type -> [(the URL key field, the body field, the rule)]
_CHECKS: dict[str, list[tuple[str, str, type[_IdMismatch]]]] = {
    "location": [("country_code", "country_code", LocationPartyMismatch),
                 ("party_id", "party_id", LocationPartyMismatch), ("id", "id", LocationIdMismatch)],
    "location_patch": [("id", "id", LocationIdMismatch)],
    "evse": [("evse_uid", "uid", LocationIdMismatch)],
    "evse_patch": [("evse_uid", "uid", LocationIdMismatch)],
    "connector": [("connector_id", "id", LocationIdMismatch)],
    "connector_patch": [("connector_id", "id", LocationIdMismatch)],
    "tariff": [("country_code", "country_code", TariffIdMismatch), ("party_id", "party_id", TariffIdMismatch),
               ("id", "id", TariffIdMismatch)],
    "session": [("country_code", "country_code", SessionIdMismatch), ("party_id", "party_id", SessionIdMismatch),
                ("id", "id", SessionIdMismatch)],
    "session_patch": [("country_code", "country_code", SessionIdMismatch),
                      ("party_id", "party_id", SessionIdMismatch), ("id", "id", SessionIdMismatch)],
    "token": [("country_code", "country_code", TokenPartyMismatch), ("party_id", "party_id", TokenPartyMismatch),
              ("id", "uid", TokenUidMismatch), ("token_type", "type", TokenUidMismatch)],
    "token_patch": [("id", "uid", TokenUidMismatch), ("token_type", "type", TokenUidMismatch)],
}


def check_ids(request_type: str | None, key: KeyView | None, body: Any) -> list[Report]:
    """Mismatches between the URL `key` and the typed request `body` of a push."""
    found: list[Report] = []
    if request_type is None or key is None or body is None:
        return found
    for url_field, body_field, rule in _CHECKS.get(request_type, ()):
        in_url = getattr(key, url_field, None)
        in_body = getattr(body, body_field, None)
        if in_url is None or in_body is None or in_body is UNSET:
            continue
        if str(in_url).lower() != str(in_body).lower():
            found.append((rule(field=body_field, in_url=str(in_url), in_body=str(in_body)), f"$.{body_field}"))
    return found
