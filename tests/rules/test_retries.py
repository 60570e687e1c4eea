"""ENV403: a failed push re-sent unchanged."""

from __future__ import annotations

from pathlib import Path

import msgspec

from captures import ocpi_exchange, write_capture
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.rules.profiles import PROFILES
from ocpi_tap.rules.registry import Selection
from test_sessions_and_cdrs import URL, at, patch

ACTIVE = patch(1, status="ACTIVE", kwh=1.5)


def push(seq: int, body: object, *, http: int = 200, status_code: int = 1000) -> Exchange:
    exchange = at(ocpi_exchange("PATCH", URL, body, seq=seq, status_code=status_code), seq, seq)
    assert exchange.response is not None
    return msgspec.structs.replace(exchange, response=msgspec.structs.replace(exchange.response, status=http))


def codes(tmp_path: Path, *exchanges: Exchange) -> list[tuple[str, int | None, list[int | None]]]:
    found = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), Selection(["ENV403"]),
                          profile=PROFILES["ocpi-2.2.1"], partner_role="CPO").findings
    return [(f.code, f.seq, [n.seq for n in f.notes]) for f in found]


def test_a_failed_push_sent_again_unchanged(tmp_path: Path) -> None:
    assert codes(tmp_path, push(1, ACTIVE, http=503), push(2, ACTIVE)) == [("ENV403", 2, [1])]
    assert codes(tmp_path, push(1, ACTIVE, status_code=2001), push(2, ACTIVE), push(3, ACTIVE)) == [
        ("ENV403", 2, [1])]  # once: the third is the same retry


def test_a_resync_with_fresh_state_or_a_repeat_of_a_success_is_fine(tmp_path: Path) -> None:
    fresh = patch(2, status="ACTIVE", kwh=1.5)
    assert codes(tmp_path, push(1, ACTIVE, http=503), push(2, fresh)) == []
    assert codes(tmp_path, push(1, ACTIVE), push(2, ACTIVE)) == []


def test_the_same_push_with_other_credentials_is_a_new_attempt(tmp_path: Path) -> None:
    refused = push(1, ACTIVE, http=401, status_code=2000)
    headers = [(k, v) for k, v in refused.request.headers if k != "Authorization"] + [
        ("Authorization", "Token bmV3LW1hZGUtdXAtdG9rZW4=")]
    again = push(2, ACTIVE)
    again = msgspec.structs.replace(again, request=msgspec.structs.replace(again.request, headers=headers))
    assert codes(tmp_path, refused, again) == []
