"""VER201-VER206: traffic against what the callee advertised (its endpoints, its versions, the version registered)."""

from __future__ import annotations

from pathlib import Path

import msgspec

from captures import write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CREDENTIALS, PAGE_HEADERS, TARIFF, TOKEN
from test_credentials_and_tokens import HUB_CREDENTIALS, PARTNER_VERSIONS, VERSIONS, step

ORIGIN = "https://hub.example.org"
PARTNER_ORIGIN = "https://cpo.example.com"


def details(version: str, origin: str = ORIGIN) -> dict[str, object]:
    return {"version": version, "endpoints": [
        {"identifier": name, "role": "RECEIVER", "url": f"{origin}/ocpi/{version}/{name}"}
        for name in ("credentials", "tariffs")]}


def registered(*versions: str, selected: str) -> list[Exchange]:
    """The partner reads the hub's `versions`, registers in `selected`, and the hub reads the partner's endpoints."""
    listed = [{"version": version, "url": f"{ORIGIN}/ocpi/{version}"} for version in versions]
    reads = [step(110 + n, "GET", f"{ORIGIN}/ocpi/{version}", "token-a", data=details(version), second=0.2 + n / 10)
             for n, version in enumerate(versions)]
    return [
        step(101, "GET", VERSIONS, "token-a", data=listed, second=0.1), *reads,
        step(1, "POST", f"{ORIGIN}/ocpi/{selected}/credentials", "token-a", dict(CREDENTIALS, token="token-b"),
             dict(HUB_CREDENTIALS, token="token-c")),
        step(2, "GET", PARTNER_VERSIONS, "token-b", direction="to_partner", second=1.01,
             data=[{"version": selected, "url": f"{PARTNER_ORIGIN}/ocpi/{selected}"}]),
        step(102, "GET", f"{PARTNER_ORIGIN}/ocpi/{selected}", "token-b", data=details(selected, PARTNER_ORIGIN),
             direction="to_partner", second=1.02),
    ]


def codes(tmp_path: Path, *exchanges: Exchange, profile: str = "ocpi-2.2.1") -> list[tuple[str, int | None]]:
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=PROFILES[profile],
                          partner_role="CPO").findings
    return [(f.code, f.seq) for f in found]


def push(seq: int, url: str) -> Exchange:
    return step(seq, "PUT", url, "token-c", TARIFF)


def test_a_push_beside_the_advertised_endpoint(tmp_path: Path) -> None:
    guessed = f"{ORIGIN}/ocpi/tariffs/PT/CPO/T1"  # the version segment left out
    assert codes(tmp_path, *registered("2.2.1", selected="2.2.1"), push(3, guessed), push(4, guessed)) == [
        ("VER201", 3)]


def test_slashes_do_not_move_a_push_off_its_endpoint(tmp_path: Path) -> None:
    sloppy = f"{ORIGIN}//ocpi/2.2.1/tariffs//PT/CPO/T1/"
    assert codes(tmp_path, *registered("2.2.1", selected="2.2.1"), push(3, sloppy)) == []


def test_nothing_is_advertised_when_the_details_were_never_read(tmp_path: Path) -> None:
    unread = [exchange for exchange in registered("2.2.1", selected="2.2.1") if exchange.seq != 110]
    assert codes(tmp_path, *unread, push(3, f"{ORIGIN}/ocpi/tariffs/PT/CPO/T1")) == [("CRD201", 1)]


def test_traffic_in_another_version_than_registered(tmp_path: Path) -> None:
    both = registered("2.1.1", "2.2.1", selected="2.2.1")
    assert codes(tmp_path, *both, push(3, f"{ORIGIN}/ocpi/2.1.1/tariffs/PT/CPO/T1")) == [("VER202", 3)]
    assert codes(tmp_path, *both, push(3, f"{ORIGIN}/ocpi/2.2.1/tariffs/PT/CPO/T1")) == []


def test_a_mobie_connection_speaks_2_2_throughout(tmp_path: Path) -> None:
    assert codes(tmp_path, *registered("2.2", selected="2.2"), push(3, f"{ORIGIN}/ocpi/2.2/tariffs/PT/CPO/T1"),
                 profile="mobie") == []


# VER203: the two versions lists have a version in common


def registration_offering(hub: str, partner: str, role: str, status_code: int = 1000) -> list[Exchange]:
    """The partner reads the hub's versions, registers in the hub's version, and the hub reads the partner's."""
    party = dict(CREDENTIALS["roles"][0], role=role, party_id="CPO" if role == "CPO" else "EMS")  # type: ignore[index]
    answer = dict(HUB_CREDENTIALS, token="token-c") if status_code == 1000 else None
    return [
        step(101, "GET", VERSIONS, "token-a", data=[{"version": hub, "url": f"{ORIGIN}/ocpi/{hub}"}], second=0.1),
        step(102, "GET", f"{ORIGIN}/ocpi/{hub}", "token-a", data=details(hub), second=0.2),
        step(1, "POST", f"{ORIGIN}/ocpi/{hub}/credentials", "token-a", dict(CREDENTIALS, token="token-b",
                                                                             roles=[party]),
             answer, status_code=status_code),
        step(2, "GET", PARTNER_VERSIONS, "token-b", direction="to_partner", second=1.01,
             data=[{"version": partner, "url": f"{PARTNER_ORIGIN}/ocpi/{partner}"}]),
    ]


def codes_as(tmp_path: Path, role: str, *exchanges: Exchange) -> list[tuple[str, int | None]]:
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=PROFILES["ocpi-2.2.1"],
                          partner_role=role).findings
    return [(f.code, f.seq) for f in found]


def test_a_cpo_with_no_version_in_common_with_the_hub(tmp_path: Path) -> None:
    refused = registration_offering("2.2.1", "2.1.1", "CPO", status_code=3001)  # refusing it is right
    assert codes_as(tmp_path, "CPO", *refused) == [("VER203", 2)]
    read = registration_offering("2.2.1", "2.2.1", "CPO", status_code=3001)
    assert codes_as(tmp_path, "CPO", *read) == []


def test_an_emsp_with_no_version_in_common_with_the_hub(tmp_path: Path) -> None:
    """MOBI.E speaks 2.2: a partner offering only 2.2.1 cannot register, whatever the hub answers."""
    accepted = registration_offering("2.2", "2.2.1", "EMSP")  # and the hub never reads the version details
    assert codes_as(tmp_path, "EMSP", *accepted) == [("CRD203", 1), ("VER203", 2)]
    both = registration_offering("2.2", "2.2", "EMSP")
    assert codes_as(tmp_path, "EMSP", *both) == [("CRD203", 1)]


# VER204, VER205: a module the callee's version details do not list


def paged(exchange: Exchange) -> Exchange:
    assert exchange.response is not None
    return msgspec.structs.replace(exchange, response=msgspec.structs.replace(
        exchange.response, headers=[*exchange.response.headers, *PAGE_HEADERS]))


def test_a_cpo_pulls_tokens_from_a_hub_that_lists_none(tmp_path: Path) -> None:
    tokens_url = f"{ORIGIN}/ocpi/2.2.1/tokens?offset=0&limit=10"
    served = paged(step(3, "GET", tokens_url, "token-c", data=[TOKEN]))
    assert codes(tmp_path, *registered("2.2.1", selected="2.2.1"), served) == [("VER204", 3)]
    refused = step(3, "GET", tokens_url, "token-c", status=404, status_code=2000)
    assert codes(tmp_path, *registered("2.2.1", selected="2.2.1"), refused) == [("VER205", 3)]
    listed = push(3, f"{ORIGIN}/ocpi/2.2.1/tariffs/PT/CPO/T1")
    assert codes(tmp_path, *registered("2.2.1", selected="2.2.1"), listed) == []


def emsp_registered() -> list[Exchange]:
    return [*registration_offering("2.2.1", "2.2.1", "EMSP"),
            step(103, "GET", f"{PARTNER_ORIGIN}/ocpi/2.2.1", "token-b", data=details("2.2.1", PARTNER_ORIGIN),
                 direction="to_partner", second=1.02)]


def test_an_emsp_serves_tokens_it_does_not_list(tmp_path: Path) -> None:
    pulled = paged(step(3, "GET", f"{PARTNER_ORIGIN}/ocpi/2.2.1/tokens?offset=0&limit=10", "token-b",
                        data=[dict(TOKEN, party_id="EMS")], direction="to_partner"))
    assert codes_as(tmp_path, "EMSP", *emsp_registered(), pulled) == [("VER204", 3)]


def test_an_emsp_pushes_tokens_to_a_hub_that_lists_none(tmp_path: Path) -> None:
    token_url = f"{ORIGIN}/ocpi/2.2.1/tokens/PT/EMS/U1"
    refused = step(3, "PUT", token_url, "token-c", dict(TOKEN, party_id="EMS"), status=404, status_code=2000)
    assert codes_as(tmp_path, "EMSP", *emsp_registered(), refused) == [("VER205", 3)]
    served = step(3, "PUT", token_url, "token-c", dict(TOKEN, party_id="EMS"))
    assert codes_as(tmp_path, "EMSP", *emsp_registered(), served) == [("VER204", 3)]


# VER206: what a party advertised is served


def partner_advertising(role: str, *endpoints: tuple[str, str]) -> list[Exchange]:
    """A registration in which the partner's version details list credentials and (module, interface) pairs."""
    base = f"{PARTNER_ORIGIN}/ocpi/2.2.1"
    listed = [{"identifier": "credentials", "role": "SENDER", "url": f"{base}/credentials"},
              *({"identifier": module, "role": interface, "url": f"{base}/{module}"} for module, interface in endpoints)]
    return [*registration_offering("2.2.1", "2.2.1", role),
            step(103, "GET", base, "token-b", data={"version": "2.2.1", "endpoints": listed},
                 direction="to_partner", second=1.02)]


def test_a_cpo_answers_404_on_the_locations_it_advertised(tmp_path: Path) -> None:
    day = partner_advertising("CPO", ("locations", "SENDER"))
    base = f"{PARTNER_ORIGIN}/ocpi/2.2.1/locations"
    listing = step(3, "GET", f"{base}?offset=0&limit=10", "token-b", direction="to_partner", status=404,
                   status_code=2000)
    assert codes_as(tmp_path, "CPO", *day, listing) == [("VER206", 3)]
    unknown = step(3, "GET", f"{base}/L9", "token-b", direction="to_partner", status=404, status_code=2003)
    assert codes_as(tmp_path, "CPO", *day, unknown) == []  # an unknown object: the 404 the spec asks for


def html_404(exchange: Exchange) -> Exchange:
    assert exchange.response is not None
    headers = [(name, "text/html" if name == "Content-Type" else value) for name, value in exchange.response.headers]
    page = msgspec.structs.replace(exchange.response, status=404, body=msgspec.UNSET, text="<h1>Not Found</h1>",
                                   headers=headers)
    return msgspec.structs.replace(exchange, response=page)


def test_an_emsp_answers_404_on_the_tokens_it_advertised(tmp_path: Path) -> None:
    day = partner_advertising("EMSP", ("tokens", "SENDER"))
    base = f"{PARTNER_ORIGIN}/ocpi/2.2.1/tokens"
    listing = html_404(step(3, "GET", f"{base}?offset=0&limit=10", "token-b", direction="to_partner"))
    assert codes_as(tmp_path, "EMSP", *day, listing) == [("ENV001", 3), ("ENV012", 3), ("VER206", 3)]
    authorize = step(3, "POST", f"{base}/U9/authorize", "token-b", direction="to_partner", status=404,
                     status_code=2004)
    assert codes_as(tmp_path, "EMSP", *day, authorize) == []  # an unknown token: the 404 the spec asks for
    wrong = step(3, "POST", f"{base}/U9/authorize", "token-b", direction="to_partner", status=404,
                 status_code=2000)
    assert codes_as(tmp_path, "EMSP", *day, wrong) == [("VER206", 3)]


def test_a_version_url_the_hub_listed_answers_404(tmp_path: Path) -> None:
    gone = step(3, "GET", f"{ORIGIN}/ocpi/2.2.1", "token-c", status=404, status_code=2000)
    assert codes(tmp_path, *registered("2.2.1", selected="2.2.1"), gone) == [("VER206", 3)]
    unlisted = step(3, "GET", f"{ORIGIN}/ocpi/2.1.1", "token-c", status=404, status_code=2000)
    assert codes(tmp_path, *registered("2.2.1", selected="2.2.1"), unlisted) == []


def test_a_hub_answers_404_to_the_tariffs_a_cpo_pushes_for_itself(tmp_path: Path) -> None:
    own = step(3, "PUT", f"{ORIGIN}/ocpi/2.2.1/tariffs/PT/CPO/T1", "token-c", TARIFF, status=404, status_code=2000)
    assert codes(tmp_path, *registered("2.2.1", selected="2.2.1"), own) == [("VER206", 3)]
    other = dict(TARIFF, party_id="XYZ")  # a party the CPO does not hold: the 404 is right, the push is not
    foreign = step(3, "PUT", f"{ORIGIN}/ocpi/2.2.1/tariffs/PT/XYZ/T1", "token-c", other, status=404,
                   status_code=2000)
    assert codes(tmp_path, *registered("2.2.1", selected="2.2.1"), foreign) == [("CRD301", 3)]


def test_a_hub_answers_404_to_the_tokens_an_emsp_pushes_for_itself(tmp_path: Path) -> None:
    day = [*emsp_registered()[:2], step(104, "GET", f"{ORIGIN}/ocpi/2.2.1", "token-a", second=0.3, data={
        "version": "2.2.1", "endpoints": [
            {"identifier": "credentials", "role": "SENDER", "url": f"{ORIGIN}/ocpi/2.2.1/credentials"},
            {"identifier": "tokens", "role": "RECEIVER", "url": f"{ORIGIN}/ocpi/2.2.1/tokens"}]}),
        *emsp_registered()[2:]]
    refused = step(3, "PUT", f"{ORIGIN}/ocpi/2.2.1/tokens/PT/EMS/U1", "token-c", dict(TOKEN, party_id="EMS"),
                   status=404, status_code=2000)
    assert codes_as(tmp_path, "EMSP", *day, refused) == [("VER206", 3)]
    unknown = step(3, "GET", f"{ORIGIN}/ocpi/2.2.1/tokens/PT/EMS/U9", "token-c", status=404, status_code=2004)
    assert codes_as(tmp_path, "EMSP", *day, unknown) == []


def test_no_common_version_is_said_once_when_a_list_is_read_again(tmp_path: Path) -> None:
    refused = registration_offering("2.2.1", "2.1.1", "CPO", status_code=3001)
    again = step(103, "GET", VERSIONS, "token-a", data=[{"version": "2.2.1", "url": f"{ORIGIN}/ocpi/2.2.1"}],
                 second=2)
    assert codes_as(tmp_path, "CPO", *refused, again) == [("VER203", 2)]
