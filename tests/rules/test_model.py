"""The model rejects what the spec forbids and keeps what a checker needs."""

import enum
import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from msgspec import UNSET

from ocpi_tap.rules import model
from ocpi_tap.rules.model import (
    DIFFERENCES_2_2,
    ERRATA_2_2_1,
    Cdr,
    ChargingPreferencesResponse,
    Connector,
    ConnectorPatch,
    Evse,
    EvsePatch,
    Location,
    LocationPatch,
    Session,
    SessionPatch,
    Token,
    TokenPatch,
    TokenType,
    decoder_for,
    envelope_decoder_for,
    parse_datetime,
    registry,
)

TOKEN: dict[str, Any] = {
    "country_code": "PT",
    "party_id": "EMS",
    "uid": "012345678",
    "type": "RFID",
    "contract_id": "PT-EMS-C12345678-X",
    "issuer": "Example eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2026-03-01T10:00:00Z",
}

CONNECTOR: dict[str, Any] = {
    "id": "1",
    "standard": "IEC_62196_T2",
    "format": "SOCKET",
    "power_type": "AC_3_PHASE",
    "max_voltage": 230,
    "max_amperage": 32,
    "last_updated": "2026-03-01T10:00:00Z",
}

EVSE: dict[str, Any] = {
    "uid": "EVSE-1",
    "status": "AVAILABLE",
    "connectors": [CONNECTOR],
    "last_updated": "2026-03-01T10:00:00Z",
}

LOCATION: dict[str, Any] = {
    "country_code": "PT",
    "party_id": "CPO",
    "id": "LOC-1",
    "publish": True,
    "address": "Rua Augusta 1",
    "city": "Lisboa",
    "country": "PRT",
    "coordinates": {"latitude": "38.710720", "longitude": "-9.136890"},
    "evses": [EVSE],
    "time_zone": "Europe/Lisbon",
    "last_updated": "2026-03-01T10:00:00Z",
}

CDR_TOKEN = {key: TOKEN[key] for key in ("country_code", "party_id", "uid", "type", "contract_id")}

SESSION: dict[str, Any] = {
    "country_code": "PT",
    "party_id": "CPO",
    "id": "SES-1",
    "start_date_time": "2026-03-01T10:00:00Z",
    "kwh": 0,
    "cdr_token": CDR_TOKEN,
    "auth_method": "COMMAND",
    "location_id": "LOC-1",
    "evse_uid": "EVSE-1",
    "connector_id": "1",
    "currency": "EUR",
    "status": "ACTIVE",
    "last_updated": "2026-03-01T10:00:00Z",
}

CDR: dict[str, Any] = {
    "country_code": "PT",
    "party_id": "CPO",
    "id": "CDR-1",
    "start_date_time": "2026-03-01T10:00:00Z",
    "end_date_time": "2026-03-01T11:00:00Z",
    "session_id": "SES-1",
    "cdr_token": CDR_TOKEN,
    "auth_method": "COMMAND",
    "cdr_location": {
        "id": "LOC-1",
        "address": "Rua Augusta 1",
        "city": "Lisboa",
        "country": "PRT",
        "coordinates": {"latitude": "38.710720", "longitude": "-9.136890"},
        "evse_uid": "EVSE-1",
        "evse_id": "PT*CPO*E1",
        "connector_id": "1",
        "connector_standard": "IEC_62196_T2",
        "connector_format": "SOCKET",
        "connector_power_type": "AC_3_PHASE",
    },
    "currency": "EUR",
    "charging_periods": [
        {"start_date_time": "2026-03-01T10:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 11.5}]}
    ],
    "total_cost": {"excl_vat": 4.0, "incl_vat": 4.92},
    "total_energy": 11.5,
    "total_time": 1.0,
    "last_updated": "2026-03-01T11:00:05Z",
}


def decode(key: str, doc: Any) -> Any:
    return decoder_for(key).decode(json.dumps(doc).encode())


def rejected(key: str, doc: Any) -> str:
    with pytest.raises(msgspec.ValidationError) as info:
        decode(key, doc)
    return str(info.value)


def test_valid_fixtures_decode() -> None:
    assert decode("token", TOKEN).type is TokenType.RFID
    assert decode("location", LOCATION).evses[0].connectors[0].max_amperage == 32
    assert decode("session", SESSION).status == "ACTIVE"
    assert decode("cdr", CDR).cdr_location.evse_id == "PT*CPO*E1"


# --- string limits -----------------------------------------------------------


def test_overlong_cistring_is_rejected() -> None:
    message = rejected("token", TOKEN | {"uid": "x" * 37})
    assert message == "Expected `str` of length <= 36 - at `$.uid`"


def test_cistring_at_its_limit_is_accepted() -> None:
    assert decode("token", TOKEN | {"uid": "x" * 36}).uid == "x" * 36


def test_cistring_must_be_printable_ascii() -> None:
    message = rejected("token", TOKEN | {"uid": "caf\u00e9"})
    assert message.startswith("Expected `str` matching regex") and message.endswith("- at `$.uid`")


def test_string_must_not_hold_control_characters() -> None:
    message = rejected("location", LOCATION | {"name": "Rua\nAugusta"})
    assert message.endswith("- at `$.name`")
    assert decode("location", LOCATION | {"name": "Praça do Comércio"}).name == "Praça do Comércio"


def test_country_code_and_party_id_lengths() -> None:
    message = rejected("token", TOKEN | {"country_code": "PRT"})
    assert message == "Expected `str` of length <= 2 - at `$.country_code`"
    assert rejected("token", TOKEN | {"party_id": "EMSP"}) == "Expected `str` of length <= 3 - at `$.party_id`"


def test_cdr_id_has_room_for_a_credit_suffix() -> None:
    assert decode("cdr", CDR | {"id": "x" * 39}).id == "x" * 39
    assert rejected("cdr", CDR | {"id": "x" * 40}) == "Expected `str` of length <= 39 - at `$.id`"


# --- DateTime ----------------------------------------------------------------

VALID_DATETIMES = [
    "2015-06-29T20:39:09Z",
    "2015-06-29T20:39:09",
    "2016-12-29T17:45:09.2Z",
    "2016-12-29T17:45:09.2",
    "2018-01-01T01:08:01.123Z",
    "2018-01-01T01:08:01.123",
    "2018-01-01T01:08:01.1234Z",  # 25 characters, the limit
]

INVALID_DATETIMES = [
    "2015-06-29T20:39:09+00:00",  # numeric offset, even +00:00
    "2015-06-29T20:39:09+01:00",
    "2015-06-29T20:39:09.123456Z",  # 27 characters
    "2015-06-29 20:39:09Z",
    "2015-06-29T20:39Z",
    "2015-06-29",
    "2015-06-29T20:39:09z",
    "2015-13-29T20:39:09Z",
    "1970-1-1T00:00:00Z",  # the CDR placeholder as the spec text writes it
    "2015-06-29T20:39:09Z\n",
]


@pytest.mark.parametrize("value", VALID_DATETIMES)
def test_datetime_forms_of_the_spec_are_accepted(value: str) -> None:
    assert decode("token", TOKEN | {"last_updated": value}).last_updated == value


@pytest.mark.parametrize("value", INVALID_DATETIMES)
def test_other_datetime_forms_are_rejected(value: str) -> None:
    message = rejected("token", TOKEN | {"last_updated": value})
    assert message.endswith("- at `$.last_updated`")


def test_datetime_with_offset_names_the_pattern() -> None:
    message = rejected("session", SESSION | {"start_date_time": "2026-03-01T10:00:00+00:00"})
    assert message.startswith("Expected `str` matching regex")
    assert message.endswith("- at `$.start_date_time`")


def test_parse_datetime_reads_every_form_as_utc() -> None:
    assert parse_datetime("2015-06-29T20:39:09") == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert parse_datetime("2015-06-29T20:39:09Z") == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert parse_datetime("2016-12-29T17:45:09.2Z") == datetime(2016, 12, 29, 17, 45, 9, 200000, tzinfo=UTC)
    assert parse_datetime("2016-12-31T23:59:60Z") == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)


# --- enums, required fields, lists ------------------------------------------


def test_unknown_enum_value_is_rejected() -> None:
    assert rejected("token", TOKEN | {"type": "RFID_CARD"}) == "Invalid enum value 'RFID_CARD' - at `$.type`"


def test_enum_values_are_case_sensitive() -> None:
    assert rejected("session", SESSION | {"status": "active"}) == "Invalid enum value 'active' - at `$.status`"


def test_reserved_is_not_a_session_status() -> None:
    assert rejected("session", SESSION | {"status": "RESERVED"}) == "Invalid enum value 'RESERVED' - at `$.status`"


def test_missing_required_field_is_rejected() -> None:
    doc = {key: value for key, value in SESSION.items() if key != "cdr_token"}
    assert rejected("session", doc) == "Object missing required field `cdr_token`"


def test_missing_required_field_in_a_nested_object_names_its_path() -> None:
    doc = json.loads(json.dumps(LOCATION))
    del doc["evses"][0]["connectors"][0]["max_voltage"]
    message = rejected("location", doc)
    assert message == "Object missing required field `max_voltage` - at `$.evses[0].connectors[0]`"


def test_required_field_must_not_be_null() -> None:
    assert rejected("token", TOKEN | {"issuer": None}) == "Expected `str`, got `null` - at `$.issuer`"


def test_2_2_1_cdr_token_requires_country_code() -> None:
    doc = SESSION | {"cdr_token": {k: v for k, v in CDR_TOKEN.items() if k != "country_code"}}
    assert rejected("session", doc) == "Object missing required field `country_code` - at `$.cdr_token`"


def test_empty_plus_list_is_rejected() -> None:
    assert rejected("evse", EVSE | {"connectors": []}) == "Expected `array` of length >= 1 - at `$.connectors`"
    message = rejected("cdr", CDR | {"charging_periods": []})
    assert message == "Expected `array` of length >= 1 - at `$.charging_periods`"


def test_star_list_may_be_absent_null_or_empty() -> None:
    assert decode("location", {k: v for k, v in LOCATION.items() if k != "evses"}).evses is None
    assert decode("location", LOCATION | {"evses": None}).evses is None
    assert decode("location", LOCATION | {"evses": []}).evses == []


def test_number_sent_as_string_is_rejected() -> None:
    assert rejected("session", SESSION | {"kwh": "1.5"}) == "Expected `float`, got `str` - at `$.kwh`"


def test_integer_field_rejects_a_fraction() -> None:
    doc = EVSE | {"connectors": [CONNECTOR | {"max_voltage": 230.5}]}
    assert rejected("evse", doc) == "Expected `int`, got `float` - at `$.connectors[0].max_voltage`"


@pytest.mark.parametrize("latitude", ["38.7107", "38,710720", "38.71072012", "138.710720"])
def test_geolocation_follows_the_spec_regex(latitude: str) -> None:
    message = rejected("location", LOCATION | {"coordinates": {"latitude": latitude, "longitude": "-9.136890"}})
    assert message.endswith("- at `$.coordinates.latitude`")


def test_regular_hours_weekday_and_time_syntax() -> None:
    def opening(weekday: int, begin: str, end: str) -> dict[str, Any]:
        hours = {"twentyfourseven": False, "regular_hours": [{"weekday": weekday, "period_begin": begin, "period_end": end}]}
        return LOCATION | {"opening_times": hours}

    assert rejected("location", opening(8, "08:00", "20:00")).endswith("- at `$.opening_times.regular_hours[0].weekday`")
    message = rejected("location", opening(1, "8:00", "20:00"))
    assert message.endswith("- at `$.opening_times.regular_hours[0].period_begin`")
    message = rejected("location", opening(1, "08:00", "24:00"))
    assert message.endswith("- at `$.opening_times.regular_hours[0].period_end`")


# --- extensions --------------------------------------------------------------


def test_unknown_extra_fields_are_accepted() -> None:
    extension = {"mobie_cdr_extension": {"usage": {"idUsage": "123"}, "subUsages": []}}
    assert decode("cdr", CDR | extension).id == "CDR-1"
    doc = LOCATION | {"mobie_extra": 1, "evses": [EVSE | {"vendor": {"x": [1, 2]}}]}
    assert decode("location", doc).evses[0].uid == "EVSE-1"


# --- PATCH bodies -------------------------------------------------------------


def test_patch_keeps_absent_and_null_distinct() -> None:
    patch = decode("location_patch", {"name": None, "last_updated": "2026-03-01T10:05:00Z"})
    assert patch.name is None
    assert patch.city is UNSET
    assert patch.last_updated == "2026-03-01T10:05:00Z"
    # Encoding leaves UNSET fields out and keeps the explicit null.
    assert msgspec.json.decode(msgspec.json.encode(patch)) == {"name": None, "last_updated": "2026-03-01T10:05:00Z"}


def test_patch_without_last_updated_decodes_as_unset() -> None:
    for key in ("location_patch", "evse_patch", "connector_patch", "session_patch", "token_patch"):
        assert decode(key, {}).last_updated is UNSET


def test_patch_fields_keep_their_constraints() -> None:
    assert rejected("token_patch", {"valid": "false"}) == "Expected `bool | null`, got `str` - at `$.valid`"
    message = rejected("session_patch", {"last_updated": "2026-03-01T10:00:00+00:00"})
    assert message.endswith("- at `$.last_updated`")
    assert rejected("evse_patch", {"status": "GONE"}) == "Invalid enum value 'GONE' - at `$.status`"


def test_session_patch_appends_typed_charging_periods() -> None:
    body = {"charging_periods": CDR["charging_periods"], "last_updated": "2026-03-01T10:30:00Z"}
    patch = decode("session_patch", body)
    assert patch.charging_periods[0].dimensions[0].volume == 11.5
    assert patch.status is UNSET


@pytest.mark.parametrize(
    ("full", "patch"),
    [
        (Location, LocationPatch),
        (Evse, EvsePatch),
        (Connector, ConnectorPatch),
        (Session, SessionPatch),
        (Token, TokenPatch),
    ],
)
def test_patch_structs_mirror_their_object(full: type[msgspec.Struct], patch: type[msgspec.Struct]) -> None:
    assert patch.__struct_fields__ == full.__struct_fields__
    assert all(field.default is UNSET for field in msgspec.structs.fields(patch))


# --- envelope and registry ----------------------------------------------------


def test_envelope_data_is_typed_by_route() -> None:
    body = {"data": "ACCEPTED", "status_code": 1000, "timestamp": "2026-03-01T10:00:00Z"}
    answer = envelope_decoder_for("charging_preferences_response").decode(json.dumps(body))
    assert answer.data is ChargingPreferencesResponse.ACCEPTED
    body["data"] = [TOKEN]
    assert envelope_decoder_for("token_list").decode(json.dumps(body)).data[0].uid == TOKEN["uid"]


def test_envelope_keeps_absent_and_null_data_distinct() -> None:
    base = {"status_code": 2001, "status_message": "Invalid", "timestamp": "2026-03-01T10:00:00Z"}
    assert decode("envelope", base).data is UNSET
    assert envelope_decoder_for("location").decode(json.dumps(base)).data is UNSET
    assert envelope_decoder_for("location").decode(json.dumps(base | {"data": None})).data is None
    raw = decode("envelope", base | {"data": {"anything": [1]}}).data
    assert msgspec.json.decode(raw) == {"anything": [1]}


def test_envelope_requires_status_code_and_timestamp() -> None:
    assert rejected("envelope", {"data": None, "timestamp": "2026-03-01T10:00:00Z"}) == (
        "Object missing required field `status_code`"
    )
    assert rejected("envelope", {"status_code": 1000, "timestamp": "2026-03-01T10:00:00+00:00"}).endswith(
        "- at `$.timestamp`"
    )


def test_version_list_must_not_be_empty() -> None:
    assert rejected("version_list", []) == "Expected `array` of length >= 1"


def test_custom_module_ids_decode() -> None:
    endpoint = {"identifier": "nltnm-tokens", "role": "SENDER", "url": "https://x.example/t"}
    doc = {"version": "2.2.1", "endpoints": [endpoint]}
    assert decode("version_details", doc).endpoints[0].identifier == "nltnm-tokens"


def test_decoders_are_built_once() -> None:
    assert decoder_for("cdr") is decoder_for("cdr")
    assert envelope_decoder_for("cdr") is envelope_decoder_for("cdr")
    assert decoder_for("cdr").type is Cdr


def test_unknown_registry_key_says_what_exists() -> None:
    with pytest.raises(KeyError, match="no OCPI body type 'locaton'"):
        decoder_for("locaton")


def test_registry_covers_the_requested_keys() -> None:
    wanted = {
        "location", "evse", "connector", "location_patch", "tariff", "session", "session_patch", "cdr",
        "token", "token_patch", "authorization_info", "credentials", "version_list", "version_details",
        "command_response", "command_result", "start_session", "stop_session", "reserve_now",
        "cancel_reservation", "unlock_connector", "charging_preferences",
    }  # fmt: skip
    assert wanted <= set(registry)


# --- 2.2 differences -----------------------------------------------------------


@pytest.mark.parametrize("difference", DIFFERENCES_2_2 + ERRATA_2_2_1, ids=lambda d: f"{d.target}")
def test_differences_name_real_fields_and_values(difference: model.Difference) -> None:
    owner, _, member = difference.target.partition(".")
    cls = getattr(model, owner)
    if difference.kind == "enum-value-added":
        assert issubclass(cls, enum.Enum) and member in {m.value for m in cls}
    else:
        assert member in cls.__struct_fields__
