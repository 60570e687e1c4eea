"""OCPI 2.2.1 bodies of the synthetic day, as plain dicts ready for `orjson.dumps`.

Only the fields a real CPO or hub sends are set (no `null` padding); every
object is built from the small state the simulation keeps about it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

CPO_PARTY = ("PT", "CPO")
HUB_PARTY = ("PT", "MBE")
PRICE_PER_KWH = 0.25
VAT = 23.0


def iso(moment: float, precise: bool = True) -> str:
    """An OCPI DateTime (UTC, `Z`), with milliseconds when `precise`."""
    whole = int(moment)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    if not precise:
        return stamp + "Z"
    return f"{stamp}.{int((moment - whole) * 1000):03d}Z"


@dataclass
class Connector:
    id: str
    standard: str
    format: str
    power_type: str
    max_voltage: int
    max_amperage: int
    tariff_id: str
    last_updated: float

    def body(self) -> dict[str, Any]:
        return {"id": self.id, "standard": self.standard, "format": self.format, "power_type": self.power_type,
                "max_voltage": self.max_voltage, "max_amperage": self.max_amperage,
                "tariff_ids": [self.tariff_id], "last_updated": iso(self.last_updated)}


@dataclass
class Evse:
    location_id: str
    uid: str
    evse_id: str
    connectors: list[Connector]
    status: str = "AVAILABLE"
    last_updated: float = 0.0
    busy: bool = False  # a session (or a command that may start one) holds it

    def body(self) -> dict[str, Any]:
        return {"uid": self.uid, "evse_id": self.evse_id, "status": self.status,
                "capabilities": ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "UNLOCK_CAPABLE"],
                "connectors": [connector.body() for connector in self.connectors],
                "last_updated": iso(self.last_updated)}


@dataclass
class Location:
    id: str
    name: str
    address: str
    city: str
    postal_code: str
    latitude: str
    longitude: str
    evses: list[Evse]
    last_updated: float

    def body(self) -> dict[str, Any]:
        return {"country_code": CPO_PARTY[0], "party_id": CPO_PARTY[1], "id": self.id, "publish": True,
                "name": self.name, "address": self.address, "city": self.city, "postal_code": self.postal_code,
                "country": "PRT", "coordinates": {"latitude": self.latitude, "longitude": self.longitude},
                "parking_type": "ON_STREET", "evses": [evse.body() for evse in self.evses],
                "time_zone": "Europe/Lisbon", "last_updated": iso(max(self.last_updated, *(
                    evse.last_updated for evse in self.evses)))}


def tariff(tariff_id: str, price: float, moment: float) -> dict[str, Any]:
    return {"country_code": CPO_PARTY[0], "party_id": CPO_PARTY[1], "id": tariff_id, "currency": "EUR",
            "elements": [{"price_components": [{"type": "ENERGY", "price": price, "vat": VAT, "step_size": 1}]}],
            "last_updated": iso(moment)}


@dataclass
class Token:
    uid: str
    type: str
    contract_id: str
    whitelist: str
    valid: bool = True
    last_updated: float = 0.0
    visual_number: str | None = None
    in_use: bool = False  # one driver, one charge at a time

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"country_code": HUB_PARTY[0], "party_id": HUB_PARTY[1], "uid": self.uid,
                                "type": self.type, "contract_id": self.contract_id}
        if self.visual_number:
            body["visual_number"] = self.visual_number
        body.update({"issuer": "Synthetic eMSP", "valid": self.valid, "whitelist": self.whitelist,
                     "language": "pt", "last_updated": iso(self.last_updated)})
        return body

    def cdr_token(self) -> dict[str, Any]:
        return {"country_code": HUB_PARTY[0], "party_id": HUB_PARTY[1], "uid": self.uid, "type": self.type,
                "contract_id": self.contract_id}


@dataclass
class Session:
    id: str
    token: Token
    location: Location
    evse: Evse
    connector: Connector
    auth_method: str
    authorization_reference: str | None
    start: float
    last_updated: float = 0.0
    periods: list[tuple[float, float]] = field(default_factory=list)  # (start, kWh) per charging period
    end: float | None = None

    @property
    def kwh(self) -> float:
        return round(sum(volume for _, volume in self.periods), 3)

    def periods_body(self) -> list[dict[str, Any]]:
        return [{"start_date_time": iso(start), "dimensions": [{"type": "ENERGY", "volume": volume}]}
                for start, volume in self.periods]

    def body(self, status: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "country_code": CPO_PARTY[0], "party_id": CPO_PARTY[1], "id": self.id,
            "start_date_time": iso(self.start), "kwh": self.kwh, "cdr_token": self.token.cdr_token(),
            "auth_method": self.auth_method}
        if self.authorization_reference is not None:
            body["authorization_reference"] = self.authorization_reference
        body.update({"location_id": self.location.id, "evse_uid": self.evse.uid, "connector_id": self.connector.id,
                     "meter_id": f"M-{self.evse.uid}", "currency": "EUR", "status": status,
                     "last_updated": iso(self.last_updated)})
        return body

    def cdr(self, moment: float) -> dict[str, Any]:
        assert self.end is not None
        location, connector, kwh = self.location, self.connector, self.kwh
        excl = round(kwh * PRICE_PER_KWH, 2)
        body: dict[str, Any] = {
            "country_code": CPO_PARTY[0], "party_id": CPO_PARTY[1], "id": f"CDR-{self.id}",
            "start_date_time": iso(self.start), "end_date_time": iso(self.end), "session_id": self.id,
            "cdr_token": self.token.cdr_token(), "auth_method": self.auth_method}
        if self.authorization_reference is not None:
            body["authorization_reference"] = self.authorization_reference
        body.update({
            "cdr_location": {"id": location.id, "name": location.name, "address": location.address,
                             "city": location.city, "postal_code": location.postal_code, "country": "PRT",
                             "coordinates": {"latitude": location.latitude, "longitude": location.longitude},
                             "evse_uid": self.evse.uid, "evse_id": self.evse.evse_id, "connector_id": connector.id,
                             "connector_standard": connector.standard, "connector_format": connector.format,
                             "connector_power_type": connector.power_type},
            "meter_id": f"M-{self.evse.uid}", "currency": "EUR",
            "charging_periods": self.periods_body() or [
                {"start_date_time": iso(self.start), "dimensions": [{"type": "ENERGY", "volume": 0}]}],
            "total_cost": {"excl_vat": excl, "incl_vat": round(excl * (1 + VAT / 100), 2)},
            "total_energy": kwh, "total_energy_cost": {"excl_vat": excl},
            "total_time": round((self.end - self.start) / 3600, 3), "last_updated": iso(moment)})
        return body
