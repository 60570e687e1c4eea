"""OCPI objects the mock peers exchange, built from the project's own model structs.

Every factory returns a model struct; `wire()` turns one into the JSON-ready
builtins a body carries, so what the peers send is what the model defines.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec

from ocpi_tap.rules import model as m


def _stamp(moment: datetime, precise: bool) -> str:
    if precise:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def now(precise: bool = False) -> str:
    """An OCPI DateTime for this moment (UTC, `Z`; milliseconds when `precise`, 24 characters)."""
    return _stamp(datetime.now(timezone.utc), precise)


def later_than(previous: str) -> str:
    """A precise `now()`, but strictly after `previous`: updates of one object within the same
    millisecond must still carry growing `last_updated` values, or receivers drop them."""
    moment = max(datetime.now(timezone.utc), m.parse_datetime(previous) + timedelta(milliseconds=1))
    return _stamp(moment, precise=True)


def wire(obj: Any) -> Any:
    return msgspec.to_builtins(obj)


def business(name: str) -> m.BusinessDetails:
    return m.BusinessDetails(name=name)


def credentials(token: str, versions_url: str, role: str, party: tuple[str, str], name: str) -> m.Credentials:
    return m.Credentials(
        token=token,
        url=versions_url,
        roles=[m.CredentialsRole(role=m.Role(role), business_details=business(name),
                                 country_code=party[0], party_id=party[1])],
    )


def connector(connector_id: str, tariff_id: str) -> m.Connector:
    return m.Connector(id=connector_id, standard=m.ConnectorType.IEC_62196_T2, format=m.ConnectorFormat.SOCKET,
                       power_type=m.PowerType.AC_3_PHASE, max_voltage=230, max_amperage=32,
                       tariff_ids=[tariff_id], last_updated=now())


def evse(uid: str, tariff_id: str, status: str = "AVAILABLE") -> m.Evse:
    return m.Evse(uid=uid, evse_id=f"PT*CPO*E{uid}", status=m.Status(status),
                  capabilities=[m.Capability.REMOTE_START_STOP_CAPABLE, m.Capability.RESERVABLE,
                                m.Capability.UNLOCK_CAPABLE],
                  connectors=[connector("1", tariff_id)], last_updated=now())


def location(party: tuple[str, str], location_id: str, evses: list[m.Evse]) -> m.Location:
    return m.Location(country_code=party[0], party_id=party[1], id=location_id, publish=True,
                      name=f"Posto {location_id}", address="Avenida da Liberdade 1", city="Lisboa",
                      postal_code="1250-096", country="PRT",
                      coordinates=m.GeoLocation(latitude="38.72225", longitude="-9.13934"),
                      evses=evses, time_zone="Europe/Lisbon", last_updated=now())


def tariff(party: tuple[str, str], tariff_id: str) -> m.Tariff:
    return m.Tariff(country_code=party[0], party_id=party[1], id=tariff_id, currency="EUR",
                    elements=[m.TariffElement(price_components=[
                        m.PriceComponent(type=m.TariffDimensionType.ENERGY, price=0.25, vat=23, step_size=1)])],
                    last_updated=now())


def token(party: tuple[str, str], uid: str, valid: bool = True) -> m.Token:
    return m.Token(country_code=party[0], party_id=party[1], uid=uid, type=m.TokenType.RFID,
                   contract_id=f"{party[0]}-{party[1]}-C{uid}", issuer="Mock eMSP", valid=valid,
                   whitelist=m.WhitelistType.ALLOWED, last_updated=now())


def cdr_token(tok: m.Token) -> m.CdrToken:
    return m.CdrToken(country_code=tok.country_code, party_id=tok.party_id, uid=tok.uid, type=tok.type,
                      contract_id=tok.contract_id)


def session(party: tuple[str, str], session_id: str, tok: m.Token, location_id: str, evse_uid: str,
            authorization_reference: str | None) -> m.Session:
    return m.Session(country_code=party[0], party_id=party[1], id=session_id, start_date_time=now(), kwh=0,
                     cdr_token=cdr_token(tok), auth_method=m.AuthMethod.COMMAND,
                     authorization_reference=authorization_reference, location_id=location_id,
                     evse_uid=evse_uid, connector_id="1", currency="EUR", status=m.SessionStatus.PENDING,
                     last_updated=now())


def period(kwh: float, after: m.ChargingPeriod | None = None) -> m.ChargingPeriod:
    """A period starting now, and strictly after the period `after` when there is one: in the mock day
    periods follow each other within milliseconds, and a second start equal to the first is out of order."""
    return m.ChargingPeriod(start_date_time=later_than(after.start_date_time) if after else now(precise=True),
                            dimensions=[m.CdrDimension(type=m.CdrDimensionType.ENERGY, volume=kwh)])


def cdr(ses: m.Session, loc: m.Location, kwh: float, started: str, ended: str) -> m.Cdr:
    return m.Cdr(
        country_code=ses.country_code, party_id=ses.party_id, id=f"CDR-{ses.id}", start_date_time=started,
        end_date_time=ended, session_id=ses.id, cdr_token=ses.cdr_token, auth_method=ses.auth_method,
        authorization_reference=ses.authorization_reference,
        cdr_location=m.CdrLocation(id=loc.id, address=loc.address[:45], city=loc.city, postal_code=loc.postal_code,
                                   country=loc.country, coordinates=loc.coordinates, evse_uid=ses.evse_uid,
                                   evse_id=f"PT*CPO*E{ses.evse_uid}", connector_id="1",
                                   connector_standard=m.ConnectorType.IEC_62196_T2,
                                   connector_format=m.ConnectorFormat.SOCKET,
                                   connector_power_type=m.PowerType.AC_3_PHASE),
        currency="EUR", charging_periods=[m.ChargingPeriod(
            start_date_time=started, dimensions=[m.CdrDimension(type=m.CdrDimensionType.ENERGY, volume=kwh)])],
        total_cost=m.Price(excl_vat=round(kwh * 0.25, 2), incl_vat=round(kwh * 0.25 * 1.23, 2)),
        total_energy=kwh, total_time=0.01, last_updated=now(),
    )
