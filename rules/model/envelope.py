"""The response envelope (§4.1.7), generic over the type of `data`.

`Envelope[Location]`, `Envelope[list[Token]]` or
`Envelope[ChargingPreferencesResponse]` decode a whole response body in one
pass. `RawEnvelope` keeps `data` as `msgspec.Raw`, for a body whose route
says nothing about `data` (answers to pushes) or whose status is not 1xxx,
where `data` may hold anything; decode `data` afterwards once its type is
known. In both, a missing `data` is `UNSET` and `"data": null` is `None`.
"""

from typing import Generic, TypeVar

from msgspec import UNSET, Raw, UnsetType

from .types import DateTime, OcpiObject, String

T = TypeVar("T")


class Envelope(OcpiObject, Generic[T], kw_only=True, frozen=True):
    """§4.1.7: `data`, `status_code`, `status_message`, `timestamp`."""

    data: T | None | UnsetType = UNSET
    status_code: int
    status_message: String | None = None
    timestamp: DateTime


class RawEnvelope(OcpiObject, kw_only=True, frozen=True):
    """§4.1.7 with `data` left undecoded (`UNSET` when absent)."""

    # Raw cannot share a union with None: `"data": null` is Raw(b"null").
    data: Raw | UnsetType = UNSET
    status_code: int
    status_message: String | None = None
    timestamp: DateTime
