"""VER201 (traffic off the advertised endpoints) and VER202 (traffic in another version than registered)."""

from __future__ import annotations

from pathlib import Path

from captures import write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from test_body_rules import CREDENTIALS, TARIFF
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
