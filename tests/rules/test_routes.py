"""The route table names every exchange of the catalogue's endpoint tables, and refuses the rest with a reason."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from ocpi_tap.rules.model import registry
from ocpi_tap.rules.routes import (
    RECEIVER,
    SENDER,
    NoRoute,
    ObjectKey,
    Route,
    RouteTable,
    callee_interface,
    split_url,
)

HUB = "https://hub.example.org/ocpi/"
PARTNER = "https://partner.example.com/ocpi/"
BASES = {"to_hub": HUB, "to_partner": PARTNER}


class Refused(NamedTuple):
    """An expected NoRoute: its reason contains `text`."""

    text: str


Expected = Route | Refused


def route(
    module: str,
    interface: str | None,
    operation: str,
    request_type: str | None,
    data_type: str | None,
    key: ObjectKey | None = None,
    paginated: bool = False,
) -> Route:
    return Route(
        module=module,
        interface=interface,
        operation=operation,
        request_type=request_type,
        data_type=data_type,
        paginated=paginated,
        key=key,
    )


def check(result: Route | NoRoute, expected: Expected) -> None:
    if isinstance(expected, Refused):
        assert isinstance(result, NoRoute), result
        assert expected.text in result.reason
    else:
        assert result == expected


# Who is called, as the hub capture sees it: (partner role, direction) pairs
# that put a party of that kind on the called side.
CALLED: dict[str, list[tuple[str | None, str]]] = {
    "CPO": [("CPO", "to_partner"), ("EMSP", "to_hub"), (None, "to_partner")],
    "EMSP": [("EMSP", "to_partner"), ("CPO", "to_hub"), (None, "to_hub")],
    "either": [("CPO", "to_hub"), ("EMSP", "to_partner"), (None, "to_hub")],
    "hub": [("CPO", "to_hub"), ("EMSP", "to_hub"), (None, "to_hub")],
    "party": [("CPO", "to_partner"), ("EMSP", "to_partner"), (None, "to_partner")],
}


def sender(
    module: str, operation: str, request_type: str | None, data_type: str | None, key: ObjectKey | None = None
) -> Route:
    return route(module, SENDER, operation, request_type, data_type, key)


def receiver(
    module: str, operation: str, request_type: str | None, data_type: str | None, key: ObjectKey | None = None
) -> Route:
    return route(module, RECEIVER, operation, request_type, data_type, key)


def listing(module: str, data_type: str) -> Route:
    return route(module, SENDER, "list", None, data_type, paginated=True)


CREDENTIALS = "2.2.1/credentials"
TOKEN = "2.2.1/tokens/NL/TNM/012345678"
TOKEN_KEY = ObjectKey(country_code="NL", party_id="TNM", id="012345678", token_type="RFID")
AUTHORIZE = "2.2.1/tokens/012345678/authorize"
LOC = "2.2.1/locations/LOC1"
EVSE = LOC + "/3256"
CONNECTOR = EVSE + "/1"
OWN_EVSE_KEY = ObjectKey(id="LOC1", evse_uid="3256")
OWN_CONNECTOR_KEY = ObjectKey(id="LOC1", evse_uid="3256", connector_id="1")
BEC_LOC = "2.2.1/locations/BE/BEC/LOC1"
BEC_EVSE = BEC_LOC + "/3256"
BEC_CONNECTOR = BEC_EVSE + "/1"
LOC_KEY = ObjectKey(country_code="BE", party_id="BEC", id="LOC1")
EVSE_KEY = ObjectKey(country_code="BE", party_id="BEC", id="LOC1", evse_uid="3256")
CONNECTOR_KEY = ObjectKey(country_code="BE", party_id="BEC", id="LOC1", evse_uid="3256", connector_id="1")
TARIFF = "2.2.1/tariffs/BE/BEC/12"
TARIFF_KEY = ObjectKey(country_code="BE", party_id="BEC", id="12")
SESSION = "2.2.1/sessions/BE/BEC/1234"
SESSION_KEY = ObjectKey(country_code="BE", party_id="BEC", id="1234")
PREFERENCES = "2.2.1/sessions/1234/charging_preferences"
CDR_KEY = ObjectKey(id="123456")
CLIENT = "2.2.1/hubclientinfo/NL/ALL"
CLIENT_KEY = ObjectKey(country_code="NL", party_id="ALL")
COMMAND_TYPES = ("CANCEL_RESERVATION", "RESERVE_NOW", "START_SESSION", "STOP_SESSION", "UNLOCK_CONNECTOR")
ALL_BUT_POST = ("GET", "PUT", "PATCH", "DELETE")
VERSIONS = route("versions", None, "versions", None, "version[]")
VERSION_DETAILS = route("versions", None, "version_details", None, "version_details")


def refused(method: str, label: str) -> Refused:
    return Refused(f"{method} is not allowed on {label}")


# One row per row of the endpoint tables of catalogue sections 2-10: the
# callee kind, method, path under the base URL, test id, and the expected route.
ROWS: list[tuple[str, str, str, str, Expected]] = [
    # 2. versions
    ("either", "GET", "versions", "versions", VERSIONS),
    ("either", "GET", "2.2.1", "version-details", VERSION_DETAILS),
    # 3. credentials
    ("either", "GET", CREDENTIALS, "crd-get", route("credentials", None, "get", None, "credentials")),
    ("either", "POST", CREDENTIALS, "crd-post", route("credentials", None, "post", "credentials", "credentials")),
    ("either", "PUT", CREDENTIALS, "crd-put", route("credentials", None, "put", "credentials", "credentials")),
    ("either", "PATCH", CREDENTIALS, "crd-patch", refused("PATCH", "credentials")),
    ("either", "DELETE", CREDENTIALS, "crd-delete", route("credentials", None, "delete", None, None)),
    # 4. tokens, Receiver (on the CPO side)
    ("CPO", "GET", TOKEN, "tok-r-get", receiver("tokens", "get", None, "token", TOKEN_KEY)),
    ("CPO", "PUT", TOKEN, "tok-r-put", receiver("tokens", "put", "token", None, TOKEN_KEY)),
    ("CPO", "PATCH", TOKEN, "tok-r-patch", receiver("tokens", "patch", "token_patch", None, TOKEN_KEY)),
    ("CPO", "POST", TOKEN, "tok-r-post", refused("POST", "tokens RECEIVER")),
    ("CPO", "DELETE", TOKEN, "tok-r-delete", refused("DELETE", "tokens RECEIVER")),
    # 4. tokens, Sender (on the eMSP side)
    ("EMSP", "GET", "2.2.1/tokens/?date_from=2019-01-28T12:00:00", "tok-s-list", listing("tokens", "token[]")),
    (
        "EMSP",
        "POST",
        AUTHORIZE,
        "tok-s-authorize",
        sender(
            "tokens",
            "authorize",
            "location_references",
            "authorization_info",
            ObjectKey(id="012345678", token_type="RFID"),
        ),
    ),
    ("EMSP", "PUT", "2.2.1/tokens", "tok-s-put", refused("PUT", "tokens SENDER {tokens} (allowed: GET)")),
    ("EMSP", "PATCH", AUTHORIZE, "tok-s-patch", refused("PATCH", "tokens SENDER")),
    ("EMSP", "DELETE", "2.2.1/tokens", "tok-s-delete", refused("DELETE", "tokens SENDER")),
    # 5. locations, Sender (on the CPO side)
    ("CPO", "GET", "2.2.1/locations/?offset=50&limit=100", "loc-s-list", listing("locations", "location[]")),
    ("CPO", "GET", LOC, "loc-s-get-1", sender("locations", "get", None, "location", ObjectKey(id="LOC1"))),
    ("CPO", "GET", EVSE, "loc-s-get-2", sender("locations", "get", None, "evse", OWN_EVSE_KEY)),
    (
        "CPO",
        "GET",
        CONNECTOR,
        "loc-s-get-3",
        sender("locations", "get", None, "connector", OWN_CONNECTOR_KEY),
    ),
    ("CPO", "POST", LOC, "loc-s-post", refused("POST", "locations SENDER {locations}/{location_id}")),
    ("CPO", "PUT", "2.2.1/locations", "loc-s-put", refused("PUT", "locations SENDER {locations}")),
    ("CPO", "PATCH", EVSE, "loc-s-patch", refused("PATCH", "locations SENDER")),
    ("CPO", "DELETE", "2.2.1/locations", "loc-s-delete", refused("DELETE", "locations SENDER")),
    # 5. locations, Receiver (on the eMSP side)
    ("EMSP", "GET", BEC_LOC, "loc-r-get-1", receiver("locations", "get", None, "location", LOC_KEY)),
    ("EMSP", "GET", BEC_EVSE, "loc-r-get-2", receiver("locations", "get", None, "evse", EVSE_KEY)),
    ("EMSP", "GET", BEC_CONNECTOR, "loc-r-get-3", receiver("locations", "get", None, "connector", CONNECTOR_KEY)),
    ("EMSP", "PUT", BEC_LOC, "loc-r-put-1", receiver("locations", "put", "location", None, LOC_KEY)),
    ("EMSP", "PUT", BEC_EVSE, "loc-r-put-2", receiver("locations", "put", "evse", None, EVSE_KEY)),
    ("EMSP", "PUT", BEC_CONNECTOR, "loc-r-put-3", receiver("locations", "put", "connector", None, CONNECTOR_KEY)),
    ("EMSP", "PATCH", BEC_LOC, "loc-r-patch-1", receiver("locations", "patch", "location_patch", None, LOC_KEY)),
    ("EMSP", "PATCH", BEC_EVSE, "loc-r-patch-2", receiver("locations", "patch", "evse_patch", None, EVSE_KEY)),
    (
        "EMSP",
        "PATCH",
        BEC_CONNECTOR,
        "loc-r-patch-3",
        receiver("locations", "patch", "connector_patch", None, CONNECTOR_KEY),
    ),
    ("EMSP", "POST", BEC_LOC, "loc-r-post", refused("POST", "locations RECEIVER")),
    ("EMSP", "DELETE", BEC_EVSE, "loc-r-delete", refused("DELETE", "locations RECEIVER")),
    # 6. tariffs
    ("CPO", "GET", "2.2.1/tariffs/?offset=50", "tar-s-list", listing("tariffs", "tariff[]")),
    *(
        ("CPO", method, "2.2.1/tariffs", f"tar-s-{method.lower()}", refused(method, "tariffs SENDER"))
        for method in ("POST", "PUT", "PATCH", "DELETE")
    ),
    ("EMSP", "GET", TARIFF, "tar-r-get", receiver("tariffs", "get", None, "tariff", TARIFF_KEY)),
    ("EMSP", "PUT", TARIFF, "tar-r-put", receiver("tariffs", "put", "tariff", None, TARIFF_KEY)),
    ("EMSP", "DELETE", TARIFF, "tar-r-delete", receiver("tariffs", "delete", None, None, TARIFF_KEY)),
    ("EMSP", "POST", TARIFF, "tar-r-post", refused("POST", "tariffs RECEIVER")),
    ("EMSP", "PATCH", TARIFF, "tar-r-patch", refused("PATCH", "tariffs RECEIVER")),
    # 7. sessions
    ("CPO", "GET", "2.2.1/sessions/?date_from=2019-01-28T12:00:00", "ses-s-list", listing("sessions", "session[]")),
    (
        "CPO",
        "PUT",
        PREFERENCES,
        "ses-s-charging-preferences",
        sender(
            "sessions",
            "charging_preferences",
            "charging_preferences",
            "charging_preferences_response",
            ObjectKey(id="1234"),
        ),
    ),
    ("CPO", "POST", "2.2.1/sessions", "ses-s-post", refused("POST", "sessions SENDER")),
    ("CPO", "PATCH", PREFERENCES, "ses-s-patch", refused("PATCH", "sessions SENDER")),
    ("CPO", "DELETE", "2.2.1/sessions", "ses-s-delete", refused("DELETE", "sessions SENDER")),
    ("EMSP", "GET", SESSION, "ses-r-get", receiver("sessions", "get", None, "session", SESSION_KEY)),
    ("EMSP", "PUT", SESSION, "ses-r-put", receiver("sessions", "put", "session", None, SESSION_KEY)),
    ("EMSP", "PATCH", SESSION, "ses-r-patch", receiver("sessions", "patch", "session_patch", None, SESSION_KEY)),
    ("EMSP", "POST", SESSION, "ses-r-post", refused("POST", "sessions RECEIVER")),
    (
        "EMSP",
        "DELETE",
        SESSION,
        "ses-r-delete",
        refused("DELETE", "sessions RECEIVER {sessions}/{country_code}/{party_id}/{session_id}"),
    ),
    # 8. commands, Receiver (on the CPO side)
    *(
        (
            "CPO",
            "POST",
            f"2.2.1/commands/{command}",
            f"cmd-r-{command.lower()}",
            receiver("commands", "command", command.lower(), "command_response", ObjectKey(command=command)),
        )
        for command in COMMAND_TYPES
    ),
    *(
        ("CPO", method, "2.2.1/commands/START_SESSION", f"cmd-r-{method.lower()}", refused(method, "commands"))
        for method in ALL_BUT_POST
    ),
    # 8. commands, Sender (on the eMSP side): a response_url of the usual layout
    (
        "EMSP",
        "POST",
        "emsp/2.2.1/commands/START_SESSION/abc123",
        "cmd-s-result",
        sender("commands", "command_result", "command_result", None, ObjectKey(command="START_SESSION")),
    ),
    *(
        ("EMSP", method, "emsp/2.2.1/commands/RESERVE_NOW/1234", f"cmd-s-{method.lower()}", refused(method, "commands"))
        for method in ALL_BUT_POST
    ),
    # 9. cdrs
    ("CPO", "GET", "2.2.1/cdrs/?offset=150&limit=50", "cdr-s-list", listing("cdrs", "cdr[]")),
    ("CPO", "PUT", "2.2.1/cdrs", "cdr-s-put", refused("PUT", "cdrs SENDER {cdrs} (allowed: GET)")),
    ("CPO", "PATCH", "2.2.1/cdrs", "cdr-s-patch", refused("PATCH", "cdrs SENDER")),
    ("CPO", "DELETE", "2.2.1/cdrs", "cdr-s-delete", refused("DELETE", "cdrs SENDER")),
    ("EMSP", "POST", "2.2.1/cdrs/", "cdr-r-post", receiver("cdrs", "post", "cdr", None)),
    # the spec's example of a CDR's Location
    ("EMSP", "GET", "emsp/2.2.1/cdrs/123456", "cdr-r-get", receiver("cdrs", "get", None, "cdr", CDR_KEY)),
    *(
        ("EMSP", method, "2.2.1/cdrs/123456", f"cdr-r-{method.lower()}", refused(method, "cdrs RECEIVER"))
        for method in ("PUT", "PATCH", "DELETE")
    ),
    # 10. hubclientinfo
    ("hub", "GET", "2.2.1/hubclientinfo/?offset=50", "hci-s-list", listing("hubclientinfo", "client_info[]")),
    ("hub", "PUT", "2.2.1/hubclientinfo", "hci-s-put", refused("PUT", "hubclientinfo SENDER")),
    # the spec's own example path says `clientinfo`
    (
        "party",
        "GET",
        "cpo/2.0/clientinfo/NL/ALL",
        "hci-r-get",
        receiver("hubclientinfo", "get", None, "client_info", CLIENT_KEY),
    ),
    ("party", "PUT", CLIENT, "hci-r-put", receiver("hubclientinfo", "put", "client_info", None, CLIENT_KEY)),
    ("party", "DELETE", CLIENT, "hci-r-delete", refused("DELETE", "hubclientinfo RECEIVER")),
]

CASES = [
    pytest.param(role, direction, method, BASES[direction] + path, expected, id=f"{name}-{role}-{direction}")
    for called, method, path, name, expected in ROWS
    for role, direction in CALLED[called]
]


@pytest.mark.parametrize(("role", "direction", "method", "url", "expected"), CASES)
def test_every_endpoint_table_row_routes_by_path(
    role: str | None, direction: str, method: str, url: str, expected: Expected
) -> None:
    check(RouteTable(role).match(method, url, direction), expected)


@pytest.mark.parametrize(("role", "direction", "method", "url", "expected"), CASES)
def test_every_endpoint_table_row_routes_the_same_under_advertised_endpoints(
    role: str | None, direction: str, method: str, url: str, expected: Expected
) -> None:
    # A callee advertising both interfaces of every module at the usual URLs, as hubs do.
    table = RouteTable(role)
    modules = ("credentials", "tokens", "locations", "tariffs", "sessions", "commands", "cdrs", "hubclientinfo")
    for callee, base in (("hub", HUB), ("partner", PARTNER)):
        endpoints = [(module, side, f"{base}2.2.1/{module}") for module in modules for side in ("SENDER", "RECEIVER")]
        table.learn_endpoints(callee, endpoints)
    check(table.match(method, url, direction), expected)


def test_every_type_key_names_a_model_type() -> None:
    for _called, _method, _path, _name, expected in ROWS:
        if isinstance(expected, Route):
            for key in (expected.request_type, expected.data_type):
                if key is not None:
                    assert (key[:-2] + "_list" if key.endswith("[]") else key) in registry, key


# -- learned endpoints -------------------------------------------------------

HUB_221 = "https://hub.example.org/ocpi/2.2.1"
PARTNER_221 = "https://partner.example.com/ocpi/2.2.1"
PT_ABC_S1 = ObjectKey(country_code="PT", party_id="ABC", id="S1")


def hub_table(role: str | None, *endpoints: tuple[str, str, str]) -> RouteTable:
    table = RouteTable(role)
    table.learn_endpoints("hub", list(endpoints))
    return table


def test_a_learned_custom_layout_overrides_the_path() -> None:
    table = hub_table("CPO", ("locations", "RECEIVER", "https://hub.example.org/ocpi/emsp/2.2.1/locs"))
    url = "https://hub.example.org/ocpi/emsp/2.2.1/locs/PT/ABC/L1/E1"
    key = ObjectKey(country_code="PT", party_id="ABC", id="L1", evse_uid="E1")
    assert table.match("PUT", url, "to_hub") == receiver("locations", "put", "evse", None, key)
    # Without the endpoint "locs" is no module at all.
    unlearned = RouteTable("CPO").match("PUT", url, "to_hub")
    assert unlearned == NoRoute("no OCPI module in path /ocpi/emsp/2.2.1/locs/PT/ABC/L1/E1")


def test_a_url_routed_before_its_endpoint_was_learned_is_routed_anew_after() -> None:
    table = RouteTable("CPO")
    url = "https://hub.example.org/ocpi/emsp/2.2.1/locs/PT/ABC/L1/E1"
    assert isinstance(table.match("PUT", url, "to_hub"), NoRoute)  # remembered, as every URL routed
    table.learn_endpoints("hub", [("locations", "RECEIVER", "https://hub.example.org/ocpi/emsp/2.2.1/locs")])
    key = ObjectKey(country_code="PT", party_id="ABC", id="L1", evse_uid="E1")
    assert table.match("PUT", url, "to_hub") == receiver("locations", "put", "evse", None, key)


def test_a_learned_endpoint_decides_the_interface_against_the_role_table() -> None:
    # An eMSP partner called by the hub would be the locations Receiver; it advertised a Sender there.
    table = RouteTable("EMSP")
    table.learn_endpoints("partner", [("locations", "SENDER", PARTNER_221 + "/locations")])
    result = table.match("GET", PARTNER_221 + "/locations/NL/ABC/L1", "to_partner")
    key = ObjectKey(id="NL", evse_uid="ABC", connector_id="L1")
    assert result == sender("locations", "get", None, "connector", key)


def test_a_learned_endpoint_wins_over_a_later_module_segment() -> None:
    table = hub_table("CPO", ("tokens", "SENDER", HUB_221 + "/tokens"))
    result = table.match("POST", HUB_221 + "/tokens/sessions/authorize", "to_hub")
    key = ObjectKey(id="sessions", token_type="RFID")
    assert result == sender("tokens", "authorize", "location_references", "authorization_info", key)


def test_the_longest_learned_prefix_wins() -> None:
    table = hub_table(
        None,
        ("credentials", "SENDER", "https://hub.example.org/ocpi"),
        ("cdrs", "RECEIVER", "https://hub.example.org/ocpi/cdr-in"),
    )
    cdr_post = table.match("POST", "https://hub.example.org/ocpi/cdr-in", "to_hub")
    assert cdr_post == receiver("cdrs", "post", "cdr", None)
    credentials_post = table.match("POST", "https://hub.example.org/ocpi", "to_hub")
    assert credentials_post == route("credentials", None, "post", "credentials", "credentials")


def test_a_prefix_counts_by_whole_segments_only() -> None:
    table = hub_table("CPO", ("sessions", "RECEIVER", HUB_221 + "/sess"))
    result = table.match("PUT", HUB_221 + "/sessions/PT/ABC/S1", "to_hub")
    assert result == receiver("sessions", "put", "session", None, PT_ABC_S1)


def test_sender_and_receiver_at_one_url_are_told_apart_by_role() -> None:
    endpoints = [("locations", "SENDER", HUB_221 + "/locations"), ("locations", "RECEIVER", HUB_221 + "/locations")]
    url = HUB_221 + "/locations/PT/ABC/L1"
    emsp = hub_table("EMSP", *endpoints).match("GET", url, "to_hub")
    cpo = hub_table("CPO", *endpoints).match("GET", url, "to_hub")
    assert isinstance(emsp, Route) and (emsp.interface, emsp.data_type) == (SENDER, "connector")
    assert isinstance(cpo, Route) and (cpo.interface, cpo.data_type) == (RECEIVER, "location")
    # Unambiguous shapes need no role.
    listed = hub_table("EMSP", *endpoints).match("GET", HUB_221 + "/locations", "to_hub")
    assert listed == listing("locations", "location[]")


def test_learned_endpoints_belong_to_their_callee() -> None:
    table = hub_table("CPO", ("locations", "RECEIVER", "https://partner.example.com/ocpi/locs"))
    result = table.match("PUT", "https://partner.example.com/ocpi/locs/PT/ABC/L1", "to_partner")
    assert isinstance(result, NoRoute)


def test_a_learned_sender_only_endpoint_refuses_receiver_methods() -> None:
    table = RouteTable("CPO")
    table.learn_endpoints("partner", [("cdrs", "SENDER", PARTNER_221 + "/cdrs")])
    result = table.match("POST", PARTNER_221 + "/cdrs", "to_partner")
    assert result == NoRoute("POST is not allowed on cdrs SENDER {cdrs} (allowed: GET)", "method", "cdrs")


def test_a_learned_module_ocpi_tap_does_not_route_is_refused() -> None:
    table = hub_table("CPO", ("chargingprofiles", "RECEIVER", HUB_221 + "/chargingprofiles"))
    result = table.match("POST", HUB_221 + "/chargingprofiles/S1", "to_hub")
    assert result == NoRoute("module 'chargingprofiles' is not one ocpi-tap routes")


def test_a_learned_credentials_endpoint_has_no_interface() -> None:
    table = hub_table("CPO", ("credentials", "SENDER", HUB_221 + "/creds"))
    result = table.match("PUT", HUB_221 + "/creds", "to_hub")
    assert result == route("credentials", None, "put", "credentials", "credentials")


def test_learned_versions_urls_match_exactly() -> None:
    table = RouteTable("CPO")
    versions = [("2.2", "https://hub.example.org/v22"), ("2.2.1", "https://hub.example.org/v221")]
    table.learn_versions("hub", "https://hub.example.org/entry", versions)
    assert table.match("GET", "https://hub.example.org/entry", "to_hub") == VERSIONS
    assert table.match("GET", "https://hub.example.org/v221/", "to_hub") == VERSION_DETAILS
    assert table.match("POST", "https://hub.example.org/v22", "to_hub") == NoRoute(
        "POST is not allowed on versions {version_url} (allowed: GET)", "method", "versions"
    )
    assert isinstance(table.match("GET", "https://hub.example.org/v221/more", "to_hub"), NoRoute)


def test_a_versions_url_named_in_credentials_routes_what_no_path_explains() -> None:
    table = RouteTable("EMSP")
    table.learn_versions_url("partner", "https://emsp.example.com/ocpi/emsp/")
    assert table.match("GET", "https://emsp.example.com/ocpi/emsp", "to_partner") == VERSIONS
    assert isinstance(table.match("GET", "https://emsp.example.com/ocpi/emsp", "to_hub"), NoRoute)  # the other callee
    # A path that says what it is keeps its route: a version details URL given as the versions URL (CRD212).
    table.learn_versions_url("partner", "https://emsp.example.com/ocpi/2.2.1")
    assert table.match("GET", "https://emsp.example.com/ocpi/2.2.1", "to_partner") == VERSION_DETAILS


def test_the_spec_example_of_a_details_url_is_version_details() -> None:
    assert RouteTable().match("GET", "https://ocpi.server.com/2.2.1/details", "to_hub") == VERSION_DETAILS


# -- normalisation -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        HUB_221 + "/sessions/PT/ABC/S1",
        HUB_221 + "/sessions/PT/ABC/S1/",
        "https://hub.example.org//ocpi//2.2.1//sessions//PT/ABC//S1//",
        "HTTPS://Hub.Example.ORG:443/ocpi/2.2.1/sessions/PT/ABC/S1?x=1#top",
    ],
)
def test_slashes_case_ports_and_query_do_not_change_the_route(url: str) -> None:
    table = hub_table("CPO", ("sessions", "RECEIVER", HUB_221 + "/sessions/"))
    expected = receiver("sessions", "patch", "session_patch", None, PT_ABC_S1)
    assert table.match("PATCH", url, "to_hub") == expected
    assert RouteTable("CPO").match("PATCH", url, "to_hub") == expected


def test_learned_urls_match_by_path_whatever_the_origin() -> None:
    """With the recorder in between, peers advertise its listeners while the capture records the
    upstreams: same paths, other origins."""
    table = hub_table("CPO", ("locations", "RECEIVER", "https://recorder.example:8081/ocpi/locs"))
    for upstream in ("https://hub.example.org/ocpi/locs/PT/ABC/L1", "http://10.1.2.3:9000/ocpi/locs/PT/ABC/L1"):
        assert isinstance(table.match("PUT", upstream, "to_hub"), Route)
    assert isinstance(table.match("PUT", "https://hub.example.org/other/locs/PT/ABC/L1", "to_hub"), NoRoute)
    # the hub's endpoints route the calls to the hub only
    assert isinstance(table.match("PUT", "https://recorder.example:8081/ocpi/locs/PT/ABC/L1", "to_partner"), NoRoute)


def test_split_url() -> None:
    assert split_url("HTTP://User@Host.Example:80//a/b%20c/?type=APP_USER#x") == (
        "http://host.example",
        ("a", "b%20c"),
        "type=APP_USER",
    )
    assert split_url("https://[::1]:443/a") == ("https://[::1]", ("a",), "")
    assert split_url("/ocpi/versions") == ("", ("ocpi", "versions"), "")


# -- tokens: ?type= ----------------------------------------------------------


def test_token_type_comes_from_the_query() -> None:
    table = RouteTable("CPO")
    pushed = table.match("PUT", PARTNER_221 + "/tokens/PT/EMS/abc%2F1?type=APP_USER", "to_partner")
    assert isinstance(pushed, Route)
    assert pushed.key == ObjectKey(country_code="PT", party_id="EMS", id="abc/1", token_type="APP_USER")
    authorize = table.match("POST", HUB_221 + "/tokens/04A1B2/authorize?type=AD_HOC_USER", "to_hub")
    assert isinstance(authorize, Route)
    assert authorize.key == ObjectKey(id="04A1B2", token_type="AD_HOC_USER")


def test_token_type_defaults_to_rfid() -> None:
    result = RouteTable("CPO").match("GET", PARTNER_221 + "/tokens/PT/EMS/04A1B2?other=1", "to_partner")
    assert isinstance(result, Route) and result.key is not None
    assert result.key.token_type == "RFID"


# -- the 3-segment location GET ----------------------------------------------


@pytest.mark.parametrize(
    ("role", "direction", "interface", "data_type"),
    [
        ("CPO", "to_partner", SENDER, "connector"),  # the hub pulls from the CPO
        ("CPO", "to_hub", RECEIVER, "location"),  # the CPO reads back what it pushed
        ("EMSP", "to_hub", SENDER, "connector"),  # the eMSP pulls from the hub
        ("EMSP", "to_partner", RECEIVER, "location"),  # the hub reads back what it pushed
    ],
)
def test_a_three_segment_location_get_follows_role_and_direction(
    role: str, direction: str, interface: str, data_type: str
) -> None:
    result = RouteTable(role).match("GET", BASES[direction] + "2.2.1/locations/PT/ABC/L1", direction)
    assert isinstance(result, Route)
    assert (result.interface, result.data_type) == (interface, data_type)


def own_connector(location_id: str, evse_uid: str, connector_id: str) -> ObjectKey:
    return ObjectKey(id=location_id, evse_uid=evse_uid, connector_id=connector_id)


def party_location(country_code: str, party_id: str) -> ObjectKey:
    return ObjectKey(country_code=country_code, party_id=party_id, id="L1")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("PT/ABC/L1", receiver("locations", "get", None, "location", party_location("PT", "ABC"))),
        ("pt/a1c/L1", receiver("locations", "get", None, "location", party_location("pt", "a1c"))),
        ("LOC1/3256/1", sender("locations", "get", None, "connector", OWN_CONNECTOR_KEY)),
        ("P1/ABC/L1", sender("locations", "get", None, "connector", own_connector("P1", "ABC", "L1"))),
    ],
)
@pytest.mark.parametrize("direction", ["to_hub", "to_partner"])
def test_without_a_role_the_url_shape_decides(path: str, expected: Route, direction: str) -> None:
    assert RouteTable().match("GET", BASES[direction] + "2.2.1/locations/" + path, direction) == expected


# -- commands ----------------------------------------------------------------

START_RESULT = sender("commands", "command_result", "command_result", None, ObjectKey(command="START_SESSION"))
START = receiver("commands", "command", "start_session", "command_response", ObjectKey(command="START_SESSION"))


@pytest.mark.parametrize(
    ("role", "direction", "expected"),
    [
        ("EMSP", "to_hub", START),
        ("CPO", "to_partner", START),
        (None, "to_hub", START),
        (None, "to_partner", START),
        # A CPO never receives commands and an eMSP never executes them: a result to a Sender URL without an id.
        ("CPO", "to_hub", START_RESULT),
        ("EMSP", "to_partner", START_RESULT),
    ],
)
def test_post_commands_type_is_a_command_unless_the_callee_only_gets_results(
    role: str | None, direction: str, expected: Route
) -> None:
    assert RouteTable(role).match("POST", BASES[direction] + "2.2.1/commands/START_SESSION", direction) == expected


def test_a_learned_commands_sender_url_takes_results() -> None:
    table = RouteTable()
    url = "https://partner.example.com/ocpi/emsp/2.2.1/commands"
    table.learn_endpoints("partner", [("commands", "SENDER", url)])
    assert table.match("POST", url + "/START_SESSION", "to_partner") == START_RESULT
    unknown_command = sender("commands", "command_result", "command_result", None)
    assert table.match("POST", url + "/cb/42", "to_partner") == unknown_command


def test_a_result_under_a_learned_receiver_url_is_still_a_result() -> None:
    table = hub_table("CPO", ("commands", "RECEIVER", "https://hub.example.org/ocpi/2.2/commands"))
    assert table.match("POST", "https://hub.example.org/ocpi/2.2/commands/START_SESSION/9f8e", "to_hub") == START_RESULT
    assert table.match("POST", "https://hub.example.org/ocpi/2.2/commands/START_SESSION", "to_hub") == START


def test_a_learned_response_url_is_a_command_result() -> None:
    table = RouteTable("CPO")
    table.learn_response_url("https://hub.example.org/callbacks/7c1e?sig=abc", "START_SESSION")
    assert table.match("POST", "https://hub.example.org/callbacks/7c1e/", "to_hub") == START_RESULT
    assert table.match("GET", "https://hub.example.org/callbacks/7c1e", "to_hub") == NoRoute(
        "GET is not allowed on commands SENDER {response_url} (allowed: POST)", "method", "commands"
    )
    assert isinstance(table.match("POST", "https://hub.example.org/callbacks/7c1f", "to_hub"), NoRoute)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("2.2.1/commands/START_CHARGING", "unknown command type 'START_CHARGING'"),
        ("2.2.1/commands/start_session", "unknown command type 'start_session'"),
        ("emsp/commands/REBOOT/abc123", "unknown command type 'REBOOT'"),
        ("2.2.1/commands", "without a command type"),
    ],
)
def test_an_unknown_command_type_is_no_route(path: str, reason: str) -> None:
    check(RouteTable("EMSP").match("POST", HUB + path, "to_hub"), Refused(reason))


# -- CDR Location --------------------------------------------------------------


def test_a_learned_cdr_location_returns_that_cdr() -> None:
    table = RouteTable("CPO")
    table.learn_cdr_location("https://hub.example.org/store/x9?v=1")
    assert table.match("GET", "https://hub.example.org/store/x9", "to_hub") == receiver("cdrs", "get", None, "cdr")
    assert table.match("PUT", "https://hub.example.org/store/x9", "to_hub") == NoRoute(
        "PUT is not allowed on cdrs RECEIVER {cdr_location} (allowed: GET)", "method", "cdrs"
    )
    assert isinstance(table.match("GET", "https://hub.example.org/store/x8", "to_hub"), NoRoute)


# -- no route ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "reason"),
    [
        ("GET", "https://hub.example.org/foo/bar", "no OCPI module in path /foo/bar"),
        ("GET", "https://hub.example.org/", "no OCPI module in path /"),
        ("POST", HUB + "2.2.1/commands/FOO", "unknown command type 'FOO'; expected one of: CANCEL_RESERVATION"),
        (
            "DELETE",
            HUB + "2.2.1/sessions/PT/ABC/S1",
            "DELETE is not allowed on sessions RECEIVER {sessions}/{country_code}/{party_id}/{session_id} "
            "(allowed: GET, PUT, PATCH)",
        ),
        (
            "PATCH",
            HUB + "2.2.1/tariffs/PT/ABC/T1",
            "PATCH is not allowed on tariffs RECEIVER {tariffs}/{country_code}/{party_id}/{tariff_id} "
            "(allowed: GET, PUT, DELETE)",
        ),
        (
            "GET",
            HUB + "2.2.1/tokens/04A1B2",
            "no tokens route takes the path {tokens}/04A1B2 (expected tokens SENDER: {tokens}, "
            "{tokens}/{token_uid}/authorize; tokens RECEIVER: {tokens}/{country_code}/{party_id}/{token_uid})",
        ),
        ("POST", HUB + "versions", "POST is not allowed on versions {versions_url} (allowed: GET)"),
        ("GET", HUB + "2.2.1/credentials/extra", "no credentials route takes the path {credentials}/extra"),
    ],
)
def test_no_route_says_why(method: str, url: str, reason: str) -> None:
    check(RouteTable("CPO").match(method, url, "to_hub"), Refused(reason))


# -- roles and misuse ------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        # (CPO to_hub, CPO to_partner, eMSP to_hub, eMSP to_partner)
        ("locations", (RECEIVER, SENDER, SENDER, RECEIVER)),
        ("tariffs", (RECEIVER, SENDER, SENDER, RECEIVER)),
        ("sessions", (RECEIVER, SENDER, SENDER, RECEIVER)),
        ("cdrs", (RECEIVER, SENDER, SENDER, RECEIVER)),
        ("tokens", (SENDER, RECEIVER, RECEIVER, SENDER)),
        ("commands", (SENDER, RECEIVER, RECEIVER, SENDER)),
        ("hubclientinfo", (SENDER, RECEIVER, SENDER, RECEIVER)),
        ("credentials", (None, None, None, None)),
    ],
)
def test_callee_interface_table(module: str, expected: tuple[str | None, ...]) -> None:
    combinations = [("CPO", "to_hub"), ("CPO", "to_partner"), ("EMSP", "to_hub"), ("EMSP", "to_partner")]
    assert tuple(callee_interface(module, direction, role) for role, direction in combinations) == expected


def test_callee_interface_without_a_role() -> None:
    assert callee_interface("locations", "to_hub", None) is None
    assert callee_interface("hubclientinfo", "to_partner", None) == RECEIVER


def test_misuse_raises() -> None:
    with pytest.raises(ValueError, match="partner role must be one of CPO, EMSP or None, not 'HUB'"):
        RouteTable("HUB")
    with pytest.raises(ValueError, match="direction must be one of to_hub, to_partner, not 'inbound'"):
        RouteTable().match("GET", HUB + "versions", "inbound")
    with pytest.raises(ValueError, match="callee must be 'hub' or 'partner'"):
        RouteTable().learn_endpoints("cpo", [])
    assert RouteTable("emsp").partner_role == "EMSP"


def test_no_route_says_which_kind_of_miss() -> None:
    table = RouteTable("CPO")
    command = table.match("POST", "https://cpo.example.com/ocpi/2.2.1/commands/start_session", "to_partner")
    method = table.match("DELETE", "https://hub.example.org/ocpi/2.2.1/sessions/PT/CPO/S1", "to_hub")
    unknown = table.match("GET", "https://hub.example.org/ocpi/2.2.1/elsewhere", "to_hub")
    assert isinstance(command, NoRoute) and (command.kind, command.module) == ("command", "commands")
    assert isinstance(method, NoRoute) and (method.kind, method.module) == ("method", "sessions")
    assert isinstance(unknown, NoRoute) and (unknown.kind, unknown.module) == ("unknown", None)
