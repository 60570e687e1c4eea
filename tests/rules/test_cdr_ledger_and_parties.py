"""CDR204, CDR205, CDR305: credits, reading a CDR back, and whose CDR it is; each broken once, kept once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_body_rules import CDR, HUB, PARTNER, SESSION
from test_sessions_and_cdrs import COMPLETED, PUT, at, day

CDRS = f"{HUB}/cdrs"
CREDIT = dict(CDR, id="C1-C", credit=True, credit_reference_id="C1", session_id="S1",
              total_cost={"excl_vat": -1.0, "incl_vat": -1.23})
ORIGINAL = dict(CDR, session_id="S1", total_cost={"excl_vat": 1.0, "incl_vat": 1.23})
# The session's numbers against its CDRs are another rule's (CDR302); the references to locations and tokens
# too, and the registration around the credentials these tests show.
IGNORED = Selection(ignore=["SES301", "TOK302", "CDR302", "CRD"])
LONE = {name: value for name, value in ORIGINAL.items() if name != "session_id"}  # a CDR of no session


def found(tmp_path: Path, exchanges: list[Exchange], profile: str = "ocpi-2.2.1") -> list[tuple[str, int | None, str]]:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), IGNORED, profile=PROFILES[profile],
                           partner_role="CPO")
    return [(f.code, f.seq, f.severity) for f in result.findings]


def test_a_cdr_credited_once_and_corrected_is_clean(tmp_path: Path) -> None:
    corrected = dict(ORIGINAL, id="C1-2")
    assert found(tmp_path, day(PUT, COMPLETED, ("POST", CDRS, ORIGINAL), ("POST", CDRS, CREDIT),
                               ("POST", CDRS, corrected))) == []


def test_a_cdr_credited_twice(tmp_path: Path) -> None:
    again = dict(CREDIT, id="C1-D")
    exchanges = day(PUT, COMPLETED, ("POST", CDRS, ORIGINAL), ("POST", CDRS, CREDIT), ("POST", CDRS, again))
    assert found(tmp_path, exchanges) == [("CDR204", 5, "error")]
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), IGNORED, profile=PROFILES["ocpi-2.2.1"])
    assert [n.seq for n in result.findings[0].notes] == [4, 3]  # the first credit, the CDR


def test_a_credit_for_a_cdr_never_seen_is_a_warning(tmp_path: Path) -> None:
    assert found(tmp_path, day(PUT, COMPLETED, ("POST", CDRS, CREDIT))) == [("CDR204", 3, "warning")]


def read(seq: int, url: str, data: Any = ORIGINAL, status_code: int = 1000) -> Exchange:
    return at(ocpi_exchange("GET", url, None, data, seq=seq, status_code=status_code), seq, seq)


def test_reading_a_posted_cdr_elsewhere_than_its_location(tmp_path: Path) -> None:
    posted = day(PUT, COMPLETED, ("POST", CDRS, ORIGINAL))  # answered with Location {CDRS}/stored-1
    assert found(tmp_path, [*posted, read(4, f"{CDRS}/stored-1")]) == []
    assert found(tmp_path, [*posted, read(4, f"{CDRS}/C1", data=None, status_code=2001)]) == [("CDR205", 4, "warning")]
    assert found(tmp_path, [*posted, read(4, f"{CDRS}/PT/CPO/C1")]) == [("CDR205", 4, "warning")]


def test_the_emsp_reading_its_own_copy_is_not_the_cpo_reading_back(tmp_path: Path) -> None:
    posted = day(PUT, COMPLETED, ("POST", CDRS, ORIGINAL))
    elsewhere = at(ocpi_exchange("GET", f"{PARTNER}/cdrs/C1", None, ORIGINAL, seq=4, direction="to_partner"), 4, 4)
    assert found(tmp_path, [*posted, elsewhere]) == []


def credentials(seq: int, role: str, party: tuple[str, str], hub: tuple[str, str]) -> Exchange:
    """The partner registers with role `role` as `party`; the hub answers as a HUB `hub`."""
    def creds(the_role: str, the_party: tuple[str, str]) -> dict[str, Any]:
        return {"token": "redacted:sha256:000000000000", "url": "https://x.example/ocpi/versions",
                "roles": [{"role": the_role, "business_details": {"name": "Made-up"},
                           "country_code": the_party[0], "party_id": the_party[1]}]}
    return at(ocpi_exchange("POST", f"{HUB}/credentials", creds(role, party), creds("HUB", hub), seq=seq), seq, seq)


def test_a_cdr_under_another_party_than_its_sender(tmp_path: Path) -> None:
    stranger = dict(LONE, party_id="XYZ")
    # posted FROM PT/CPO (the capture helper's routing headers) with the CDR saying PT/XYZ
    assert found(tmp_path, day(("POST", CDRS, stranger))) == [("CDR305", 1, "error")]
    assert found(tmp_path, day(("POST", CDRS, LONE))) == []


def test_a_hub_that_generates_cdrs_may_put_its_own_party_in_them(tmp_path: Path) -> None:
    hubs = dict(LONE, party_id="MBE")
    exchanges = [credentials(1, "CPO", ("PT", "CPO"), ("PT", "MBE")), at(ocpi_exchange("POST", CDRS, hubs, seq=2), 2, 2)]
    assert found(tmp_path, exchanges) == [("CDR305", 2, "error")]
    assert found(tmp_path, exchanges, profile="mobie") == []


def test_a_cdr_whose_token_is_not_the_receiving_emsps(tmp_path: Path) -> None:
    """The partner is the eMSP PT/EMS; the hub POSTs it a CDR whose token belongs to PT/OTH."""
    registered = credentials(1, "EMSP", ("PT", "EMS"), ("PT", "MBE"))
    others = dict(LONE, party_id="MBE", cdr_token=dict(CDR["cdr_token"], party_id="OTH"))
    post = at(ocpi_exchange("POST", f"{PARTNER}/cdrs", others, seq=2, direction="to_partner",
                            routed=False), 2, 2)  # no routing headers: the parties come from the credentials
    unrouted = Selection(ignore=["SES301", "TOK302", "CDR302", "CRD", "ENV107"])
    result = check_capture(write_capture(tmp_path / "c.jsonl", registered, post), unrouted,
                           profile=PROFILES["ocpi-2.2.1"], partner_role="EMSP")
    assert [(f.code, f.seq, f.severity) for f in result.findings] == [("CDR305", 2, "warning")]
    own = at(ocpi_exchange("POST", f"{PARTNER}/cdrs", dict(others, cdr_token=CDR["cdr_token"]), seq=2,
                           direction="to_partner", routed=False), 2, 2)
    result = check_capture(write_capture(tmp_path / "c.jsonl", registered, own), unrouted,
                           profile=PROFILES["ocpi-2.2.1"], partner_role="EMSP")
    assert [(f.code, f.seq) for f in result.findings] == []


# CDR203: a CDR is POSTed once; only the hub's re-send of the CDRs it generates is lenient under mobie

# The hub's test helper sends as PT/MBE for CDRs of PT/CPO: whose CDR it is (CDR305) is judged above.
ONE_PARTY = Selection(ignore=["SES301", "TOK302", "CDR302", "CRD", "CDR305"])


def cdr_twice(direction: str, again: dict[str, Any]) -> list[Exchange]:
    """The session, its completion and its CDR, then the CDR again, all sent the same way."""
    base = HUB if direction == "to_hub" else PARTNER
    url, cdrs = f"{base}/sessions/PT/CPO/S1", f"{base}/cdrs"
    steps = [("PUT", url, PUT[2]), ("PATCH", url, COMPLETED[2]), ("POST", cdrs, ORIGINAL), ("POST", cdrs, again)]
    return [at(ocpi_exchange(method, target, body, seq=n, direction=direction), n, n)
            for n, (method, target, body) in enumerate(steps, start=1)]


def resent(tmp_path: Path, direction: str, again: dict[str, Any], profile: str) -> list[tuple[str, int | None,
                                                                                              str, str | None]]:
    role = "CPO" if direction == "to_hub" else "EMSP"
    result = check_capture(write_capture(tmp_path / "c.jsonl", *cdr_twice(direction, again)), ONE_PARTY,
                           profile=PROFILES[profile], partner_role=role)
    return [(f.code, f.seq, f.severity, f.culprit) for f in result.findings]


def test_the_partner_re_sending_its_own_cdr_is_an_error_under_every_profile(tmp_path: Path) -> None:
    changed = dict(ORIGINAL, total_cost={"excl_vat": 2.0, "incl_vat": 2.46})
    for again in (ORIGINAL, changed):
        for profile in ("mobie", "ocpi-2.2.1"):
            assert resent(tmp_path, "to_hub", again, profile) == [("CDR203", 4, "error", "partner")]
    result = check_capture(write_capture(tmp_path / "c.jsonl", *cdr_twice("to_hub", changed)), IGNORED,
                           profile=PROFILES["mobie"], partner_role="CPO")
    assert result.findings[0].message == "CDR PT/CPO/C1 was already POSTed; this POST changes its content"


def test_the_hubs_re_sent_cdr_is_a_warning_under_mobie_only(tmp_path: Path) -> None:
    changed = dict(ORIGINAL, total_cost={"excl_vat": 2.0, "incl_vat": 2.46})
    assert resent(tmp_path, "to_partner", changed, "mobie") == [("CDR203", 4, "warning", "hub")]
    assert resent(tmp_path, "to_partner", ORIGINAL, "mobie") == [("CDR203", 4, "warning", "hub")]
    assert resent(tmp_path, "to_partner", changed, "ocpi-2.2.1") == [("CDR203", 4, "error", "hub")]


def test_a_cdr_posted_once_each_way_is_clean(tmp_path: Path) -> None:
    other = dict(ORIGINAL, id="C2", session_id="S2")
    for direction in ("to_hub", "to_partner"):
        exchanges = cdr_twice(direction, other)[:3]
        for profile in ("mobie", "ocpi-2.2.1"):
            role = "CPO" if direction == "to_hub" else "EMSP"
            result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), ONE_PARTY,
                                   profile=PROFILES[profile], partner_role=role)
            assert result.findings == []


# CDR308: the Location answering a CDR POST is a URL under the receiver's CDRs endpoint

RECEIVER = {"CPO": ("to_hub", HUB, "hub"), "EMSP": ("to_partner", PARTNER, "partner")}  # partner role -> eMSP side


def stored_at(tmp_path: Path, role: str, location: str, *before: Exchange,
              after: tuple[Exchange, ...] = ()) -> list[tuple[str, int | None, str, str | None, str]]:
    """A CDR POSTed to the eMSP (the hub, or the eMSP partner), answered with `location`."""
    direction, base, _ = RECEIVER[role]
    post = at(ocpi_exchange("POST", f"{base}/cdrs", LONE, seq=10, direction=direction, cdr_location=False,
                            response_headers=[("Location", location)]), 10, 10)
    result = check_capture(write_capture(tmp_path / "c.jsonl", *before, post, *after), ONE_PARTY,
                           profile=PROFILES["ocpi-2.2.1"], partner_role=role)
    return [(f.code, f.seq, f.severity, f.culprit, f.message) for f in result.findings]


def advertised(role: str, cdrs: str) -> tuple[Exchange, Exchange]:
    """The eMSP's versions and version details, giving `cdrs` as its CDRs Receiver endpoint."""
    direction, _, _ = RECEIVER[role]
    public = cdrs.rsplit("/", 1)[0]
    versions = at(ocpi_exchange("GET", "https://upstream.example.org/ocpi/versions", seq=1, direction=direction,
                                data=[{"version": "2.2.1", "url": public}]), 1, 1)
    details = at(ocpi_exchange("GET", public, seq=2, direction=direction, data={"version": "2.2.1", "endpoints": [
        {"identifier": "cdrs", "role": "RECEIVER", "url": cdrs}]}), 2, 2)
    return versions, details


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_cdr_location_that_is_no_url(tmp_path: Path, role: str) -> None:
    culprit = RECEIVER[role][2]
    for location in ("C1", "/ocpi/2.2.1/cdrs/8f2c", "urn:cdr:C1", "https:///cdrs/C1"):
        assert stored_at(tmp_path, role, location) == [
            ("CDR308", 10, "error", culprit, f"the CDR POST was answered with Location {location!r}, which is not an "
                                             "absolute http(s) URL")]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_cdr_location_under_another_endpoint_is_not_learned_as_a_route(tmp_path: Path, role: str) -> None:
    """A later GET there is what its path says (a session), not the CDR the Location claimed."""
    direction, base, culprit = RECEIVER[role]
    session_url = f"{base}/sessions/PT/CPO/S1"
    read = at(ocpi_exchange("GET", session_url, seq=11, direction=direction, data=SESSION), 11, 11)
    found = stored_at(tmp_path, role, session_url, after=(read,))
    assert found == [("CDR308", 10, "warning", culprit, f"the CDR POST was answered with Location {session_url!r}, "
                                                        f"which is not under the receiver's CDRs endpoint {base}/cdrs")]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_a_cdr_location_off_the_receivers_advertised_hosts(tmp_path: Path, role: str) -> None:
    cdrs = "https://public.example.org/ocpi/2.2.1/cdrs"
    found = stored_at(tmp_path, role, "https://elsewhere.example.net/ocpi/2.2.1/cdrs/C1", *advertised(role, cdrs))
    assert [(code, seq, severity, who) for code, seq, severity, who, _ in found] == [
        ("CDR308", 10, "warning", RECEIVER[role][2])]
    assert "is on https://elsewhere.example.net, not on the receiver's https://public.example.org" in found[0][4]


@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_cdr_locations_under_the_receivers_endpoint_are_clean(tmp_path: Path, role: str) -> None:
    """As advertised (behind the proxy the capture holds the upstream's URL), or as called."""
    _, base, _ = RECEIVER[role]
    cdrs = "https://public.example.org/ocpi/2.2.1/cdrs"
    assert stored_at(tmp_path, role, f"{cdrs}/8f2c", *advertised(role, cdrs)) == []
    assert stored_at(tmp_path, role, f"{base}/cdrs/8f2c") == []
    assert stored_at(tmp_path, role, f"{base}/cdrs/PT/CPO/C1") == []


def test_the_rule_doc_says_the_hub_s_re_send_is_a_warning_under_mobie() -> None:
    from ocpi_tap.rules.profiles import severity_choices
    from ocpi_tap.rules.registry import REGISTRY

    rule = REGISTRY.get("CDR203")
    assert rule is not None
    assert severity_choices(rule).splitlines()[0] == (
        "severity by profile: mobie error (warning when the hub is at fault), ocpi-2.2.1 error")
