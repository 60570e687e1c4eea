"""CRD202, CRD203, CRD207, CRD208, CRD210-CRD212, CRD301, ENV125: the registration as both sides live it."""

from __future__ import annotations

from pathlib import Path

import msgspec

from captures import write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES, Profile
from ocpi_tap.rules.registry import Selection
from test_body_rules import CREDENTIALS, HUB, PARTNER, TARIFF, TOKEN
from test_credentials_and_tokens import (
    HUB_CREDENTIALS, HUB_DETAILS, PARTNER_DETAILS, PARTNER_VERSIONS, VERSIONS, codes, discovery, every_module,
    registration, step,
)

STRICT = PROFILES["ocpi-2.2.1"]
TARIFF_URL = f"{HUB}/tariffs/PT/CPO/T1"
REFUSED = {"status": 401, "status_code": 2000}


def found(tmp_path: Path, *exchanges: Exchange, profile: Profile = STRICT,
          select: list[str] | None = None, role: str = "CPO") -> list[tuple[str, int | None, str]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), profile=profile, partner_role=role,
                           selection=Selection(select=select) if select else None)
    return [(f.code, f.seq, f.severity) for f in result.findings]


# CRD202: token A opens versions and credentials only


def test_token_a_accepted_on_a_functional_module(tmp_path: Path) -> None:
    push = step(3, "PUT", TARIFF_URL, "token-a", TARIFF)
    assert codes(tmp_path, *registration(), push) == [("CRD202", 3)]


def test_token_a_refused_on_a_functional_module(tmp_path: Path) -> None:
    push = step(3, "PUT", TARIFF_URL, "token-a", TARIFF, **REFUSED)
    assert codes(tmp_path, *registration(), push, step(4, "PUT", TARIFF_URL, "token-c", TARIFF)) == []


def test_token_a_accepted_after_a_failed_registration(tmp_path: Path) -> None:
    failed = step(1, "POST", f"{HUB}/credentials", "token-a", dict(CREDENTIALS, token="token-b"), status_code=3001)
    push = step(3, "PUT", TARIFF_URL, "token-a", TARIFF)
    assert codes(tmp_path, *discovery(), failed, push) == [("CRD202", 3)]


def test_token_a_accepted_before_the_registration(tmp_path: Path) -> None:
    *discovered, post, versions, details = registration()
    push = step(104, "PUT", TARIFF_URL, "token-a", TARIFF, second=0.3)
    assert found(tmp_path, *discovered, push, post, versions, details) == [("CRD202", 104, "error")]
    refused = step(104, "PUT", TARIFF_URL, "token-a", TARIFF, second=0.3, **REFUSED)  # the refusal is right
    assert found(tmp_path, *discovered, refused, post, versions, details) == []


def test_an_emsp_token_push_with_token_a_before_the_registration(tmp_path: Path) -> None:
    *discovered, post, versions, details = registration()
    token_url = f"{HUB}/tokens/PT/EMS/U1"
    push = step(104, "PUT", token_url, "token-a", dict(TOKEN, party_id="EMS"), second=0.3)
    assert found(tmp_path, *discovered, push, post, versions, details, role="EMSP") == [("CRD202", 104, "error")]
    refused = step(104, "PUT", token_url, "token-a", dict(TOKEN, party_id="EMS"), second=0.3, **REFUSED)
    assert found(tmp_path, *discovered, refused, post, versions, details, role="EMSP") == []


def test_the_current_token_of_a_capture_begun_mid_connection_is_not_token_a(tmp_path: Path) -> None:
    reread = step(104, "GET", VERSIONS, "token-c", data=[{"version": "2.2.1", "url": HUB}], second=0.1)
    push = step(105, "PUT", TARIFF_URL, "token-c", TARIFF, second=0.3)
    assert found(tmp_path, reread, push) == []
    # A registration made later with another token A does not make the current token one.
    assert found(tmp_path, reread, push, *registration()) == []


# CRD203: the server fetches the client's endpoints while answering


def test_the_server_never_fetches_the_client_endpoints(tmp_path: Path) -> None:
    post_only = registration()[:3]
    assert found(tmp_path, *post_only) == [("CRD203", 1, "error")]
    versions_only = registration()[:4]
    assert found(tmp_path, *versions_only) == [("CRD203", 1, "error")]


def test_the_server_fetches_only_after_answering(tmp_path: Path) -> None:
    *before, versions, details = registration()
    late = [msgspec.structs.replace(versions, started="2026-11-23T09:00:02.000000Z",
                                    ended="2026-11-23T09:00:02.100000Z"),
            msgspec.structs.replace(details, started="2026-11-23T09:00:02.200000Z",
                                    ended="2026-11-23T09:00:02.300000Z")]
    assert found(tmp_path, *before, *late) == [("CRD203", 2, "warning")]


def test_the_server_fetches_while_answering(tmp_path: Path) -> None:
    assert found(tmp_path, *registration()) == []


def later(seq: int, url: str, token: str, data: object, direction: str) -> Exchange:
    """A GET long after the registration (time plays no part: what happened in between does)."""
    return step(seq, "GET", url, token, data=data, direction=direction, second=200 + seq)


def test_a_routine_reread_after_the_connection_is_in_use_is_no_late_fetch(tmp_path: Path) -> None:
    *before, versions, _details = registration()  # the hub never reads the partner's version details
    hub_push = step(3, "PUT", f"{PARTNER}/tokens/PT/EMS/U1", "token-b", TOKEN, direction="to_partner")
    reread = later(4, PARTNER, "token-b", PARTNER_DETAILS, "to_partner")
    assert found(tmp_path, *before, versions, hub_push, reread) == [("CRD203", 1, "error")]
    # With no call of the hub's between, a fetch after the answer is the registration's, late: the partner's
    # own pushes, made as soon as it has its token, do not end the handshake.
    partner_push = step(3, "PUT", TARIFF_URL, "token-c", TARIFF)
    assert found(tmp_path, *before, versions, partner_push, reread) == [("CRD203", 4, "warning")]
    assert found(tmp_path, *before, versions, reread) == [("CRD203", 4, "warning")]


def test_a_partner_reread_of_the_hub_versions_after_the_hub_registered(tmp_path: Path) -> None:
    """The hub registers with an eMSP partner; the partner reads the hub's endpoints and, hours later, again."""
    partner_credentials = dict(CREDENTIALS, url=PARTNER_VERSIONS,
                               roles=[dict(CREDENTIALS["roles"][0], role="EMSP", party_id="EMS")])  # type: ignore[index]
    post = step(1, "POST", f"{PARTNER}/credentials", "token-a", dict(HUB_CREDENTIALS, token="token-b"),
                dict(partner_credentials, token="token-c"), direction="to_partner")
    fetched = [step(2, "GET", VERSIONS, "token-b", data=[{"version": "2.2.1", "url": HUB}], second=1.01),
               step(103, "GET", HUB, "token-b", data=every_module(HUB_DETAILS, HUB), second=1.02)]
    discovery = [step(101, "GET", PARTNER_VERSIONS, "token-a", data=[{"version": "2.2.1", "url": PARTNER}],
                      direction="to_partner", second=0.1),
                 step(102, "GET", PARTNER, "token-a", data=PARTNER_DETAILS, direction="to_partner", second=0.2)]
    token = step(3, "PUT", f"{HUB}/tokens/PT/EMS/U1", "token-b", dict(TOKEN, party_id="EMS"))
    reread = [later(4, VERSIONS, "token-b", [{"version": "2.2.1", "url": HUB}], "to_hub"),
              later(5, HUB, "token-b", HUB_DETAILS, "to_hub")]
    assert found(tmp_path, *discovery, post, *fetched, token, *reread, role="EMSP") == []
    assert found(tmp_path, *discovery, post, fetched[0], token, *reread, role="EMSP") == [("CRD203", 1, "error")]


# CRD207, CRD208: POST only when unregistered, PUT and DELETE only when registered


def rediscovery(token: str) -> list[Exchange]:
    return [step(201, "GET", VERSIONS, token, data=[{"version": "2.2.1", "url": HUB}], second=3.1),
            step(202, "GET", HUB, token, data=HUB_DETAILS, second=3.2)]


def test_a_second_post_is_not_refused_with_405(tmp_path: Path) -> None:
    again = step(4, "POST", f"{HUB}/credentials", "token-c", dict(CREDENTIALS, token="token-d"), status_code=2000)
    assert codes(tmp_path, *registration(), *rediscovery("token-c"), again) == [("CRD207", 4)]


def test_a_second_post_refused_with_405(tmp_path: Path) -> None:
    again = step(4, "POST", f"{HUB}/credentials", "token-c", dict(CREDENTIALS, token="token-d"), status=405,
                 status_code=2000)
    assert codes(tmp_path, *registration(), *rediscovery("token-c"), again) == []


def test_a_put_after_the_delete_is_not_refused_with_405(tmp_path: Path) -> None:
    delete = step(3, "DELETE", f"{HUB}/credentials", "token-c")
    put = step(4, "PUT", f"{HUB}/credentials", "token-c", dict(CREDENTIALS, token="token-d"), status_code=2000)
    assert codes(tmp_path, *registration(), delete, put) == [("CRD208", 4)]
    refused = step(4, "PUT", f"{HUB}/credentials", "token-c", dict(CREDENTIALS, token="token-d"), status=405,
                   status_code=2000)
    assert codes(tmp_path, *registration(), delete, refused) == []


def test_a_new_registration_after_the_delete_is_no_traffic_after_it(tmp_path: Path) -> None:
    delete = step(3, "DELETE", f"{HUB}/credentials", "token-c")
    again = step(4, "POST", f"{HUB}/credentials", "token-c", dict(CREDENTIALS, token="token-d"), status_code=2000)
    assert codes(tmp_path, *registration(), delete, *rediscovery("token-c"), again) == []


# CRD210: the POST's answer agrees with what the server saw while handling it


def test_success_although_the_server_could_not_read_the_client(tmp_path: Path) -> None:
    *before, details = registration()
    failed = step(103, "GET", PARTNER, "token-b", direction="to_partner", status_code=3000, second=1.02)
    assert found(tmp_path, *before, failed) == [("CRD210", 1, "warning")]
    retried = step(104, "GET", PARTNER, "token-b", data=PARTNER_DETAILS, direction="to_partner", second=1.03)
    assert found(tmp_path, *before, failed, retried) == []


def modules(details: dict[str, object], *names: str) -> dict[str, object]:
    base = str(details["endpoints"][0]["url"]).rsplit("/", 1)[0]  # type: ignore[index]
    extra = [{"identifier": name, "role": "RECEIVER", "url": f"{base}/{name}"} for name in names]
    return dict(details, endpoints=[*details["endpoints"], *extra])  # type: ignore[misc]


def no_matching_endpoints(partner_modules: tuple[str, ...]) -> list[Exchange]:
    return [
        step(101, "GET", VERSIONS, "token-a", data=[{"version": "2.2.1", "url": HUB}], second=0.1),
        step(102, "GET", HUB, "token-a", data=modules(HUB_DETAILS, "tariffs"), second=0.2),
        step(1, "POST", f"{HUB}/credentials", "token-a", dict(CREDENTIALS, token="token-b"), status_code=3003),
        step(2, "GET", PARTNER_VERSIONS, "token-b", data=[{"version": "2.2.1", "url": PARTNER}],
             direction="to_partner", second=1.01),
        step(103, "GET", PARTNER, "token-b", data=modules(PARTNER_DETAILS, *partner_modules),
             direction="to_partner", second=1.02),
    ]


def test_3003_although_both_sides_list_the_same_modules(tmp_path: Path) -> None:
    assert codes(tmp_path, *no_matching_endpoints(("tariffs", "locations"))) == [("CRD210", 1)]
    assert codes(tmp_path, *no_matching_endpoints(("locations",))) == []


# CRD212: the credentials url is the versions endpoint


def test_the_credentials_url_is_a_version_details_url(tmp_path: Path) -> None:
    post = step(1, "POST", f"{HUB}/credentials", "token-a", dict(CREDENTIALS, token="token-b", url=PARTNER),
                dict(HUB_CREDENTIALS, token="token-c"))
    details = step(2, "GET", PARTNER, "token-b", data=PARTNER_DETAILS, direction="to_partner", second=1.01)
    assert codes(tmp_path, *discovery(), post, details) == [("CRD212", 2)]


# Versions URLs are free form: known from the Credentials `url` and from what a GET of them answers


def free_form_registration(role: str) -> list[Exchange]:
    """A registration in which neither versions URL ends in `versions` (the spec allows any URL)."""
    hub_versions, partner_versions = "https://hub.example.org/ocpi/hub/", "https://cpo.example.com/ocpi/cpo"
    party = dict(CREDENTIALS["roles"][0], role=role, party_id="CPO" if role == "CPO" else "EMS")  # type: ignore[index]
    return [
        step(101, "GET", hub_versions, "token-a", data=[{"version": "2.2.1", "url": HUB}], second=0.1),
        step(102, "GET", HUB, "token-a", data=HUB_DETAILS, second=0.2),
        step(1, "POST", f"{HUB}/credentials", "token-a", dict(CREDENTIALS, token="token-b", url=partner_versions,
                                                               roles=[party]),
             dict(HUB_CREDENTIALS, token="token-c", url=hub_versions)),
        step(2, "GET", partner_versions + "/", "token-b", data=[{"version": "2.2.1", "url": PARTNER}],
             direction="to_partner", second=1.01),
        step(103, "GET", PARTNER, "token-b", data=PARTNER_DETAILS, direction="to_partner", second=1.02),
        # Later, each re-reads the other's versions (found by the URL the Credentials gave).
        step(3, "GET", hub_versions, "token-c", data=[{"version": "2.2.1", "url": HUB}]),
        step(4, "GET", partner_versions, "token-b", data=[{"version": "2.2.1", "url": PARTNER}],
             direction="to_partner"),
    ]


def test_versions_urls_that_do_not_end_in_versions(tmp_path: Path) -> None:
    assert found(tmp_path, *free_form_registration("CPO")) == []
    assert found(tmp_path, *free_form_registration("EMSP"), role="EMSP") == []


def test_a_free_form_versions_url_never_fetched_is_still_missed(tmp_path: Path) -> None:
    *registered, _versions, details, reread_hub, _reread_partner = free_form_registration("CPO")
    assert found(tmp_path, *registered, details, reread_hub) == [("CRD203", 1, "error")]


def test_a_free_form_versions_url_that_answers_version_details(tmp_path: Path) -> None:
    post = step(1, "POST", f"{HUB}/credentials", "token-a",
                dict(CREDENTIALS, token="token-b", url="https://cpo.example.com/ocpi/cpo"),
                dict(HUB_CREDENTIALS, token="token-c"))
    details = step(2, "GET", "https://cpo.example.com/ocpi/cpo", "token-b", data=PARTNER_DETAILS,
                   direction="to_partner", second=1.01)
    assert codes(tmp_path, *discovery(), post, details) == [("CRD212", 2), ("VER001", 2)]


# CRD211: off by default, and off in a profile that does not ask for the handshake


def test_module_traffic_without_a_handshake(tmp_path: Path) -> None:
    push = step(1, "PUT", TARIFF_URL, "token-c", TARIFF)
    assert found(tmp_path, push) == []
    assert found(tmp_path, push, select=["ALL", "CRD211"]) == [("CRD211", 1, "warning")]
    lenient = msgspec.structs.replace(STRICT, require_handshake=False)
    assert found(tmp_path, push, profile=lenient, select=["ALL", "CRD211"]) == []
    later = step(3, "PUT", TARIFF_URL, "token-c", TARIFF)
    assert found(tmp_path, *registration(), later, select=["ALL", "CRD211"]) == []


# ENV125: once the handshake told the tokens, others are refused


def test_an_unknown_token_accepted(tmp_path: Path) -> None:
    unknown = step(3, "GET", VERSIONS, "token-x", data=[{"version": "2.2.1", "url": HUB}])
    again = step(4, "GET", VERSIONS, "token-x", data=[{"version": "2.2.1", "url": HUB}])
    assert codes(tmp_path, *registration(), unknown, again) == [("ENV125", 3)]
    refused = step(3, "GET", VERSIONS, "token-x", **REFUSED)
    assert codes(tmp_path, *registration(), refused) == []


def test_an_unknown_token_before_any_handshake_is_not_checkable(tmp_path: Path) -> None:
    assert codes(tmp_path, step(3, "GET", VERSIONS, "token-x", data=[{"version": "2.2.1", "url": HUB}])) == []


# CRD301: pushes under the parties the pusher declared, in the owning role


def test_a_cpo_pushes_a_tariff_of_another_party(tmp_path: Path) -> None:
    other = dict(TARIFF, party_id="XYZ")
    push = step(3, "PUT", f"{HUB}/tariffs/PT/XYZ/T1", "token-c", other)
    assert codes(tmp_path, *registration(), push, step(4, "PUT", f"{HUB}/tariffs/PT/XYZ/T2", "token-c",
                                                       dict(other, id="T2"))) == [("CRD301", 3)]
    assert codes(tmp_path, *registration(), step(3, "PUT", TARIFF_URL, "token-c", TARIFF)) == []


def test_a_party_registered_as_emsp_pushes_tariffs(tmp_path: Path) -> None:
    as_emsp = [dict(CREDENTIALS["roles"][0], role="EMSP")]  # type: ignore[index]
    *before, post, versions, details = registration()
    post = step(1, "POST", f"{HUB}/credentials", "token-a", dict(CREDENTIALS, token="token-b", roles=as_emsp),
                dict(HUB_CREDENTIALS, token="token-c"))
    assert codes(tmp_path, *before, post, versions, details, step(3, "PUT", TARIFF_URL, "token-c", TARIFF)) == [
        ("CRD301", 3)]


def client_info(party_id: str, role: str) -> Exchange:
    info = {"country_code": "PT", "party_id": party_id, "role": role, "status": "CONNECTED",
            "last_updated": "2026-11-23T09:00:00Z"}
    return step(3, "PUT", f"{PARTNER}/clientinfo/PT/{party_id}", "token-b", info, direction="to_partner")


def test_the_hub_pushes_for_a_party_not_connected_to_it(tmp_path: Path) -> None:
    token = step(4, "PUT", f"{PARTNER}/tokens/PT/EMS/U1", "token-b", TOKEN, direction="to_partner")
    assert codes(tmp_path, *registration(), token) == []  # no hubclientinfo: no telling for whom the hub pushes
    assert codes(tmp_path, *registration(), client_info("EMS", "EMSP"), token) == []
    assert codes(tmp_path, *registration(), client_info("OTH", "EMSP"), token) == [("CRD301", 4)]


def unsigned(exchange: Exchange) -> Exchange:
    headers = [(k, v) for k, v in exchange.request.headers if k != "Authorization"]
    return msgspec.structs.replace(exchange, request=msgspec.structs.replace(exchange.request, headers=headers))


def test_a_request_without_a_token_accepted(tmp_path: Path) -> None:
    bare = unsigned(step(3, "GET", VERSIONS, "token-c", data=[{"version": "2.2.1", "url": HUB}]))
    assert codes(tmp_path, *registration(), bare) == [("ENV101", 3), ("ENV125", 3)]
    refused = unsigned(step(3, "GET", VERSIONS, "token-c", **REFUSED))
    assert codes(tmp_path, *registration(), refused) == [("ENV101", 3)]
