"""Every JSON example the OCPI 2.2.1 spec ships decodes strictly into the model.

Each file is mapped to the type it exemplifies (`shared/spec-examples/README.md`):
full objects and PUT bodies to the object, PATCH bodies to the `*Patch`
struct, complete responses to `Envelope[...]`, fragments to the nested class
(bare, or inside a one-key wrapper). The examples that are themselves wrong
(catalogue section 13) are listed with the exact first error msgspec reports.
"""

import json
import os
from pathlib import Path
from typing import Any

import msgspec
import pytest

from ocpi_tap.rules.model import (
    Cdr,
    ConnectorPatch,
    Credentials,
    DisplayText,
    EnergyMix,
    Envelope,
    Evse,
    EvsePatch,
    Hours,
    Location,
    LocationPatch,
    Session,
    SessionPatch,
    Tariff,
    Token,
    TokenPatch,
    Version,
    VersionDetails,
    registry,
)


def _examples_dir() -> Path | None:
    here = Path(__file__).resolve().parents[2].parent / "shared" / "spec-examples" / "ocpi-2.2.1"
    if here.is_dir():
        return here
    env = os.environ.get("OCPI_SPEC_EXAMPLES")
    return Path(env) if env and Path(env).is_dir() else None


EXAMPLES = _examples_dir()
SKIP_REASON = (
    "spec examples not found: expected ../shared/spec-examples/ocpi-2.2.1 next to the "
    "repository, or a folder named by OCPI_SPEC_EXAMPLES"
)


# The README says the spec shows some classes as inner lines of an object; the
# copies wrap them in one key. The wrappers forbid other keys so a wrong
# wrapper name fails.
class EnergyMixFragment(msgspec.Struct, forbid_unknown_fields=True):
    energy_mix: EnergyMix


class OpeningTimesFragment(msgspec.Struct, forbid_unknown_fields=True):
    opening_times: Hours


_TARIFFS = [
    "tariff_1_simple_2hour",
    "tariff_2_alt_text",
    "tariff_3_alt_url",
    "tariff_4_complex",
    "tariff_5_free_of_charge",
    "tariff_6_025kwh_start_max_price",
    "tariff_8_simple_025kwh",
    "tariff_9_025kwh_start",
    "tariff_10_025kwh_parking_start",
    "tariff_11_not_possible_alt_text",
    "tariff_12_025kwh_min_price",
    "tariff_13_simple_3hour_5parking",
    "tariff_14_step_size",
    "tariff_15_reservation_5_euro_per_hour",
    "tariff_16_reservation_2_euro_fee_5_euro_per_hour",
    "tariff_17_reservation_with_expire_fee",
    "tariff_18_reservation_with_expire_time",
    "tariffrestriction_example_max_power",
    "tariffrestriction_example_max_duration",
]

# file stem -> the type it exemplifies
TYPES: dict[str, Any] = {
    # response envelopes
    "transport_and_format_version_info_example": Envelope[list[Version]],
    "transport_and_format_version_details_example": Envelope[VersionDetails],
    "transport_and_format_get_token_example": Envelope[Token],
    "transport_and_format_get_token_list_example": Envelope[list[Token]],
    # versions: the `data` value only
    "versions_info_example": registry["version_list"],
    "version_details_example": VersionDetails,
    "version_details_example2": VersionDetails,
    # credentials
    "credentials_example": Credentials,
    "credentials_example2": Credentials,
    "credentials_example3": Credentials,
    "credentials_example4": Credentials,
    # locations
    "location_example": Location,
    "location_example_uc2_destination_charger": Location,
    "location_example_uc3_destination_charger_not_published": Location,
    "location_example_uc4_limited_visibility": Location,
    "location_example_uc5_home_charge_point": Location,
    "location_example_parking_garage_opening_hours": Location,
    "location_put_example_add_evse": Evse,
    "location_patch_example_status": EvsePatch,
    "location_patch_example_location": LocationPatch,
    "location_patch_example_tariff": ConnectorPatch,
    "location_patch_example_remove_evse": EvsePatch,
    "location_energymix_example_simple": EnergyMixFragment,
    "location_energymix_example_energy_provider": EnergyMixFragment,
    "location_energymix_example_complete": EnergyMixFragment,
    "location_hours_247_open_exception_closing": Hours,
    "location_hours_opening_hours_with_exceptional_closing": Hours,
    "location_hours_opening_hours_with_exceptional_opening": Hours,
    "location_regularhours_example": OpeningTimesFragment,
    # sessions
    "session_example_1_simple_start": Session,
    "session_example_2_short_finished": Session,
    "session_patch_example_total_cost": SessionPatch,
    "session_patch_example_charging_period": SessionPatch,
    # cdrs
    "cdr_example": Cdr,
    # tariffs
    "tariff_put_example": Tariff,
    **{stem: Tariff for stem in _TARIFFS},
    # tokens
    "token_example_1_app_user": Token,
    "token_example_2_full_rfid": Token,
    "token_put_example": Token,
    "token_patch_example": TokenPatch,
    # types
    "type_displaytext_example": DisplayText,
}

# Examples that are wrong against the spec's own tables (catalogue section 13):
# stem -> (why, the first error msgspec reports).
KNOWN_BAD: dict[str, tuple[str, str]] = {
    "location_put_example_add_evse": (
        "its connector lacks power_type, max_voltage, max_amperage and last_updated; "
        "physical_reference is a number; `floor` is not a field (floor_level is)",
        "Object missing required field `power_type` - at `$.connectors[0]`",
    ),
    "tariff_put_example": (
        "the Tariff lacks the required last_updated",
        "Object missing required field `last_updated`",
    ),
}


def _files() -> list[Any]:
    if EXAMPLES is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=SKIP_REASON), id="no-examples")]
    return [pytest.param(path, id=path.name) for path in sorted(EXAMPLES.glob("*.json"))]


@pytest.mark.parametrize("path", _files())
def test_example_decodes(path: Path) -> None:
    stem = path.stem
    assert stem in TYPES, f"{path.name}: no type mapped; add it to TYPES (see the README table)"
    decoder = msgspec.json.Decoder(TYPES[stem])
    if stem in KNOWN_BAD:
        reason, message = KNOWN_BAD[stem]
        with pytest.raises(msgspec.ValidationError) as info:
            decoder.decode(path.read_bytes())
        assert str(info.value) == message, reason
    else:
        decoder.decode(path.read_bytes())


@pytest.mark.skipif(EXAMPLES is None, reason=SKIP_REASON)
def test_every_mapped_example_exists() -> None:
    assert EXAMPLES is not None
    present = {path.stem for path in EXAMPLES.glob("*.json")}
    assert set(TYPES) == present
    assert len(present) == 59


@pytest.mark.skipif(EXAMPLES is None, reason=SKIP_REASON)
def test_add_evse_example_problems_one_by_one() -> None:
    """Repairing the example one fault at a time shows each documented problem in turn."""
    assert EXAMPLES is not None
    doc = json.loads((EXAMPLES / "location_put_example_add_evse.json").read_bytes())
    decoder = msgspec.json.Decoder(Evse)
    connector = doc["connectors"][0]
    repairs: list[tuple[str, Any]] = [
        ("power_type", "AC_3_PHASE"),
        ("max_voltage", 230),
        ("max_amperage", 16),
        ("last_updated", "2019-06-24T12:39:09Z"),
    ]
    for field, value in repairs:
        missing = rf"missing required field `{field}` - at `\$\.connectors\[0\]`"
        with pytest.raises(msgspec.ValidationError, match=missing):
            decoder.decode(json.dumps(doc))
        connector[field] = value
    not_a_string = r"Expected `str \| null`, got `int` - at `\$\.physical_reference`"
    with pytest.raises(msgspec.ValidationError, match=not_a_string):
        decoder.decode(json.dumps(doc))
    doc["physical_reference"] = "3"
    evse = decoder.decode(json.dumps(doc))
    # `floor` is an unknown field: ignored by decoding (ENV011 may flag it), so floor_level stays unset.
    assert evse.floor_level is None


@pytest.mark.skipif(EXAMPLES is None, reason=SKIP_REASON)
def test_tariff_put_example_is_valid_with_last_updated() -> None:
    assert EXAMPLES is not None
    doc = json.loads((EXAMPLES / "tariff_put_example.json").read_bytes())
    doc["last_updated"] = "2019-06-24T12:39:09Z"
    tariff = msgspec.json.decode(json.dumps(doc), type=Tariff)
    assert tariff.elements[0].price_components[0].step_size == 300


# --- The examples through the product: as bodies of their routes in a capture, replayed.

HUB = "https://hub.example.org/ocpi/2.2.1"
PARTNER = "https://cpo.example.com/ocpi/2.2.1"


def _party_url(base: str, module: str, doc: dict[str, Any], id_field: str = "id") -> str:
    return f"{base}/{module}/{doc.get('country_code', 'NL')}/{doc.get('party_id', 'CPO')}/{doc[id_field]}"


def _exchange_for(stem: str, body: bytes) -> Any:
    """The exchange that carries example `stem` where the spec puts it, or None for fragments."""
    from captures import ocpi_exchange

    doc = json.loads(body)
    kind = TYPES[stem]
    page = [("X-Total-Count", "1"), ("X-Limit", "10")]
    if stem.startswith("transport_and_format_"):
        urls = {"version_info": ("https://hub.example.org/ocpi/versions", "to_hub", []),
                "version_details": (HUB, "to_hub", []),
                "get_token_example": (f"{PARTNER}/tokens/NL/TNM/012345678", "to_partner", []),
                "get_token_list": (f"{HUB}/tokens?offset=0&limit=10", "to_hub", page)}
        url, direction, headers = next(v for k, v in urls.items() if k in stem)
        return ocpi_exchange("GET", url, direction=direction, raw_response=body, response_headers=headers)
    simple: dict[Any, Any] = {  # the type -> (method, URL, direction), built when it applies
        Location: lambda: ("PUT", _party_url(HUB, "locations", doc), "to_hub"),
        Session: lambda: ("PUT", _party_url(HUB, "sessions", doc), "to_hub"),
        Tariff: lambda: ("PUT", _party_url(HUB, "tariffs", doc), "to_hub"),
        Token: lambda: ("PUT", _party_url(PARTNER, "tokens", doc, "uid") + f"?type={doc['type']}", "to_partner"),
        Cdr: lambda: ("POST", f"{HUB}/cdrs", "to_hub"),
        Credentials: lambda: ("POST", f"{HUB}/credentials", "to_hub"),
        Evse: lambda: ("PUT", f"{HUB}/locations/NL/CPO/LOC1/{doc.get('uid', 'E1')}", "to_hub"),
        LocationPatch: lambda: ("PATCH", f"{HUB}/locations/NL/CPO/LOC1", "to_hub"),
        EvsePatch: lambda: ("PATCH", f"{HUB}/locations/NL/CPO/LOC1/3256", "to_hub"),
        ConnectorPatch: lambda: ("PATCH", f"{HUB}/locations/NL/CPO/LOC1/3256/1", "to_hub"),
        SessionPatch: lambda: ("PATCH", f"{HUB}/sessions/NL/CPO/101", "to_hub"),
        TokenPatch: lambda: ("PATCH", f"{PARTNER}/tokens/NL/TNM/012345678", "to_partner"),
    }
    if kind in simple:
        method, url, direction = simple[kind]()
        answer = doc if kind is Credentials else None  # a credentials POST is answered with Credentials
        return ocpi_exchange(method, url, doc, answer, direction=direction)
    if kind is VersionDetails:
        return ocpi_exchange("GET", HUB, data=doc)
    if stem == "versions_info_example":
        return ocpi_exchange("GET", "https://hub.example.org/ocpi/versions", data=doc)
    return None  # a fragment (EnergyMix, Hours, DisplayText): no route carries it alone


# stem -> (code, path) the replay reports for the examples that are wrong.
KNOWN_BAD_FINDINGS = {
    "location_put_example_add_evse": ("LOC001", "$.connectors[0]"),
    "tariff_put_example": ("TAR001", "$"),
}


@pytest.mark.parametrize("path", _files())
def test_example_replayed_in_its_route_gives_exactly_the_expected_findings(path: Path, tmp_path: Path) -> None:
    from captures import write_capture

    from ocpi_tap.replay.check import check_capture
    from ocpi_tap.rules.profiles import PROFILES
    from ocpi_tap.rules.registry import Selection

    exchange = _exchange_for(path.stem, path.read_bytes())
    if exchange is None:
        pytest.skip("a fragment: covered by test_example_decodes")
    capture = write_capture(tmp_path / "example.jsonl", exchange)
    # The examples' envelope timestamps are from 2015-2019: clock skew is not what they show; and each is
    # one message, not a whole session, so sequencing across messages does not apply.
    per_message = Selection(ignore=["ENV401", "SES2", "CDR2", "CDR3", "TOK2", "LOC2", "LOC3", "SES3", "TOK3", "CRD2"])
    result = check_capture(capture, per_message, PROFILES["ocpi-2.2.1"], partner_role="CPO")
    found = [(f.code, f.path) for f in result.findings]
    expected = [KNOWN_BAD_FINDINGS[path.stem]] if path.stem in KNOWN_BAD_FINDINGS else []
    assert found == expected
