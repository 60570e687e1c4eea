"""OCPI 2.2 variants of the few 2.2.1 types that became stricter.

Everything else in `DIFFERENCES_2_2` made 2.2.1 more permissive (longer
strings, new optional fields, new enum values), so the 2.2.1 model already
accepts 2.2 traffic there. Only CdrToken gained required fields
(`country_code`, `party_id`); under a "2.2" profile they are optional, in
CdrToken and in the three objects that carry one.
"""

from msgspec import UNSET, UnsetType

from .cdrs import Cdr, CdrToken
from .sessions import Session, SessionPatch
from .types import CountryCode, PartyId


class CdrToken22(CdrToken, kw_only=True, frozen=True):
    country_code: CountryCode | None = None  # type: ignore[assignment]  # absent in 2.2
    party_id: PartyId | None = None  # type: ignore[assignment]  # absent in 2.2


class Session22(Session, kw_only=True, frozen=True):
    cdr_token: CdrToken22


class SessionPatch22(SessionPatch, kw_only=True, frozen=True):
    cdr_token: CdrToken22 | None | UnsetType = UNSET


class Cdr22(Cdr, kw_only=True, frozen=True):
    cdr_token: CdrToken22


# Registry keys whose type differs under 2.2.
OVERRIDES_2_2 = {
    "session": Session22,
    "session_patch": SessionPatch22,
    "session_list": list[Session22],
    "cdr": Cdr22,
    "cdr_list": list[Cdr22],
}
