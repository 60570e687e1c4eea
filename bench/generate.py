"""Synthetic captures for benchmarks: seeded, deterministic, OCPI-shaped traffic.

The mix follows a CPO partner's day: EVSE status PATCHes dominate, then
session updates, session and CDR pushes, commands with their results, and
token pulls. Every exchange is well-formed, so a replay's time is spent on
checking, not on reporting.

    python bench/generate.py 100000 -o /tmp/day.jsonl
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
from pathlib import Path

import orjson

from ocpi_tap.replay.capture import (
    CaptureWriter,
    Exchange,
    Request,
    Response,
    body_fields,
    format_timestamp,
    new_header,
)

HUB = "https://hub.example.org/ocpi/2.2.1"
PARTNER = "https://cpo.example.com/ocpi/2.2.1"
AUTH = "Token " + base64.b64encode(b"bench-made-up-token").decode()
START = 1_795_000_000.0  # a November 2026 morning


def _iso(moment: float) -> str:
    return format_timestamp(moment)[:19] + "Z"


def _ok(moment: float, data: object = None) -> bytes:
    envelope: dict[str, object] = {"status_code": 1000, "timestamp": _iso(moment)}
    if data is not None:
        envelope["data"] = data
    return orjson.dumps(envelope)


def _evse_patch(rng: random.Random, moment: float) -> tuple[str, str, str, bytes | None, bytes]:
    location, evse = rng.randrange(2000), rng.randrange(4)
    status = rng.choice(["AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER"])
    body = orjson.dumps({"status": status, "last_updated": _iso(moment)})
    return "to_hub", "PATCH", f"{HUB}/locations/PT/CPO/LOC{location}/EVSE{location}-{evse}", body, _ok(moment)


def _session(rng: random.Random, moment: float) -> tuple[str, str, str, bytes | None, bytes]:
    number = rng.randrange(50_000)
    body = orjson.dumps({
        "kwh": round(rng.uniform(0, 60), 3),
        "charging_periods": [{"start_date_time": _iso(moment - 60),
                              "dimensions": [{"type": "ENERGY", "volume": round(rng.uniform(0, 2), 3)}]}],
        "last_updated": _iso(moment),
    })
    return "to_hub", "PATCH", f"{HUB}/sessions/PT/CPO/S{number}", body, _ok(moment)


def _cdr(rng: random.Random, moment: float) -> tuple[str, str, str, bytes | None, bytes]:
    number = rng.randrange(50_000)
    body = orjson.dumps({
        "country_code": "PT", "party_id": "CPO", "id": f"CDR{number}",
        "start_date_time": _iso(moment - 3600), "end_date_time": _iso(moment),
        "session_id": f"S{number}",
        "cdr_token": {"country_code": "PT", "party_id": "EMS", "uid": f"U{number}", "type": "RFID",
                      "contract_id": f"PT-EMS-C{number}"},
        "auth_method": "WHITELIST",
        "cdr_location": {"id": "LOC1", "address": "Rua 1", "city": "Lisboa", "country": "PRT",
                         "coordinates": {"latitude": "38.72225", "longitude": "-9.13934"},
                         "evse_uid": "EVSE1-0", "evse_id": "PT*CPO*E1", "connector_id": "1",
                         "connector_standard": "IEC_62196_T2", "connector_format": "SOCKET",
                         "connector_power_type": "AC_3_PHASE"},
        "currency": "EUR", "total_cost": {"excl_vat": 4.5, "incl_vat": 5.54},
        "charging_periods": [{"start_date_time": _iso(moment - 3600),
                              "dimensions": [{"type": "ENERGY", "volume": 12.5}]}],
        "total_energy": 12.5, "total_time": 1.0, "last_updated": _iso(moment),
    })
    return "to_hub", "POST", f"{HUB}/cdrs", body, _ok(moment)


def _command(rng: random.Random, moment: float) -> tuple[str, str, str, bytes | None, bytes]:
    number = rng.randrange(50_000)
    body = orjson.dumps({
        "response_url": f"{HUB}/commands/START_SESSION/{number}",
        "token": {"country_code": "PT", "party_id": "EMS", "uid": f"U{number}", "type": "APP_USER",
                  "contract_id": f"PT-EMS-C{number}", "issuer": "EMS", "valid": True,
                  "whitelist": "ALLOWED", "last_updated": _iso(moment)},
        "location_id": "LOC1", "evse_uid": "EVSE1-0",
    })
    return "to_partner", "POST", f"{PARTNER}/commands/START_SESSION", body, _ok(moment, {"result": "ACCEPTED", "timeout": 30})


def _token_pull(rng: random.Random, moment: float) -> tuple[str, str, str, bytes | None, bytes]:
    tokens = [{"country_code": "PT", "party_id": "EMS", "uid": f"U{rng.randrange(50_000)}", "type": "RFID",
               "contract_id": "PT-EMS-C1", "issuer": "EMS", "valid": True, "whitelist": "ALLOWED",
               "last_updated": _iso(moment)} for _ in range(10)]
    return "to_hub", "GET", f"{HUB}/tokens?offset=0&limit=10", None, _ok(moment, tokens)


CPO = ("PT", "CPO")
HUB_PARTY = ("PT", "MBE")


def _routing(sender: tuple[str, str], receiver: tuple[str, str]) -> list[tuple[str, str]]:
    return [("OCPI-from-country-code", sender[0]), ("OCPI-from-party-id", sender[1]),
            ("OCPI-to-country-code", receiver[0]), ("OCPI-to-party-id", receiver[1])]


MIX = [(_evse_patch, 60), (_session, 20), (_cdr, 5), (_command, 5), (_token_pull, 10)]


def exchanges(count: int, seed: int = 2026) -> list[Exchange]:
    rng = random.Random(seed)
    makers = [maker for maker, weight in MIX for _ in range(weight)]
    result = []
    for seq in range(1, count + 1):
        moment = START + seq * 0.05
        direction, method, url, request_body, response_body = rng.choice(makers)(rng, moment)
        caller, callee = (CPO, HUB_PARTY) if direction == "to_hub" else (HUB_PARTY, CPO)
        headers = [("Authorization", AUTH), ("X-Request-ID", f"r{seq}"), ("X-Correlation-ID", f"c{seq}"),
                   *_routing(caller, callee)]
        if request_body is not None:
            headers.append(("Content-Type", "application/json"))
        answer = [("Content-Type", "application/json"), ("X-Request-ID", f"r{seq}"), ("X-Correlation-ID", f"c{seq}"),
                  *_routing(callee, caller)]
        if method == "GET":
            answer += [("X-Total-Count", "10"), ("X-Limit", "10")]
        result.append(Exchange(
            seq=seq, direction=direction, started=format_timestamp(moment),  # type: ignore[arg-type]
            ended=format_timestamp(moment + 0.02),
            request=Request(method=method, url=url, headers=headers, **body_fields(request_body)),
            response=Response(status=200, headers=answer, **body_fields(response_body)),
        ))
    return result


def write(path: Path, count: int, seed: int = 2026) -> Path:
    with path.open("wb") as stream:
        writer = CaptureWriter(stream, new_header({"to_hub": HUB, "to_partner": PARTNER}, note=f"synthetic, seed {seed}"))
        for exchange in exchanges(count, seed):
            writer.write(exchange)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    write(args.output, args.count, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
