"""Where OCPI 2.2 differs from the 2.2.1 model, as data for the hub profiles.

The structs follow 2.2.1 as on branch `release-2.2.1-bugfixes` (2.2.1-d2 plus
errata). A profile for a "2.2" hub (MOBI.E announces 2.2 and mostly behaves
as 2.2.1) can use `DIFFERENCES_2_2` to decide which 2.2.1 additions to
require or tolerate. `ERRATA_2_2_1` lists where the original 2.2.1 release
(tag `2.2.1`, 2021) still had the 2.2 limits. Both lists were taken from a
comparison of the spec's field and enum tables at tags `2.2`, `2.2.1` and the
bugfix branch. (Outside the model: status code 4000 is new in 2.2.1.)
"""

from typing import Literal, NamedTuple

Kind = Literal["field-added", "cardinality", "type", "length", "enum-value-added"]


class Difference(NamedTuple):
    target: str  # "Object.field" or "Enum.VALUE", with the model's names
    kind: Kind
    before: str  # as in the older text
    now: str  # as in this model


def _added_values(enum_name: str, values: str) -> tuple[Difference, ...]:
    return tuple(Difference(f"{enum_name}.{v}", "enum-value-added", "absent", "value") for v in values.split())


DIFFERENCES_2_2: tuple[Difference, ...] = (
    Difference("Location.address", "length", "string(45)", "string(255)"),
    Difference("Location.state", "length", "string(20)", "string(45)"),
    Difference("CdrToken.country_code", "field-added", "absent", "CiString(2), required"),
    Difference("CdrToken.party_id", "field-added", "absent", "CiString(3), required"),
    Difference("CdrLocation.postal_code", "cardinality", "required", "optional"),
    Difference("CdrLocation.state", "field-added", "absent", "string(20), optional"),
    Difference("Cdr.home_charging_compensation", "field-added", "absent", "boolean, optional"),
    Difference("SignedData.public_key", "type", "CiString(512)", "string(512)"),
    Difference("SignedData.url", "type", "CiString(512)", "string(512)"),
    Difference("SignedValue.plain_data", "type", "CiString(512)", "string(5000)"),
    Difference("SignedValue.signed_data", "type", "CiString(512)", "string(5000)"),
    Difference("StartSession.connector_id", "field-added", "absent", "CiString(36), optional"),
    *_added_values("VersionNumber", "2.2.1"),
    *_added_values("Capability", "START_SESSION_CONNECTOR_REQUIRED"),
    *_added_values(
        "ConnectorType",
        "CHAOJI DOMESTIC_M DOMESTIC_N DOMESTIC_O GBT_AC GBT_DC"
        " NEMA_5_20 NEMA_6_30 NEMA_6_50 NEMA_10_30 NEMA_10_50 NEMA_14_30 NEMA_14_50",
    ),
    *_added_values("PowerType", "AC_2_PHASE AC_2_PHASE_SPLIT"),
)

ERRATA_2_2_1: tuple[Difference, ...] = (
    Difference("Location.address", "length", "string(45)", "string(255)"),
    Difference("Location.state", "length", "string(20)", "string(45)"),
    Difference("SignedValue.plain_data", "length", "string(512)", "string(5000)"),
)
