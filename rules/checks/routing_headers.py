"""ENV107-110: the OCPI-from/to routing headers of a hub connection (§4.1.8).

Functional modules carry them on requests and responses; configuration
modules (versions, credentials, hubclientinfo) never do. A request names
its sender (FROM) and, unless it is an open routing request, its receiver
(TO); the response swaps them.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from ..exchange import ExchangeView, MessageView
from ..registry import Severity, Violation
from .parties import ROUTING_HEADERS, Party

Report = tuple[Violation, str | None]
CONFIGURATION_MODULES: Final = frozenset({"versions", "credentials", "hubclientinfo"})
_COUNTRY_RE: Final = re.compile(r"^[\x20-\x7E]{2}$")
_PARTY_RE: Final = re.compile(r"^[\x20-\x7E]{3}$")


class _RoutingProblem(Violation, frozen=True, kw_only=True):
    problem: str
    side: str | None = None  # the message whose headers are wrong, where the rule's `about` cannot tell

    def message(self) -> str:
        return self.problem

    def judges(self) -> str:
        return self.side or self.about


class RoutingHeadersMissing(_RoutingProblem, frozen=True, kw_only=True):
    """## What it checks
    A functional-module request carries the OCPI-from pair, and its
    response both the OCPI-from and OCPI-to pairs; only an open routing
    request may leave the TO pair out.

    ## Why it matters
    A hub routes by these headers: without them it cannot tell which party
    a push is for, or whom an answer comes from.

    ## Example
    A Session PUT to the hub without `OCPI-from-party-id`.

    ## Expected
    `OCPI-from-country-code`/`OCPI-from-party-id` (and the TO pair) on every
    functional-module message.
    """

    code = "ENV107"
    severity = Severity.ERROR
    spec = "§4.1.8.2, §4.1.8.6"
    about = "request"


class RoutingHeadersOnConfiguration(_RoutingProblem, frozen=True, kw_only=True):
    """## What it checks
    Versions, version details, credentials and hubclientinfo messages carry
    no OCPI-from/to headers.

    ## Why it matters
    Configuration modules are between platforms, not parties; the spec says
    they SHALL NOT be used there, and some hubs reject them.

    ## Example
    A GET versions with `OCPI-to-party-id: MBE`.

    ## Expected
    No routing headers on configuration modules.
    """

    code = "ENV108"
    severity = Severity.ERROR
    spec = "§4.1.8.2"
    about = "request"


class MalformedRoutingHeader(_RoutingProblem, frozen=True, kw_only=True):
    """## What it checks
    Routing headers come in complete pairs, a 2-character country code with
    a 3-character party id.

    ## Why it matters
    Half a party is no party: the hub cannot route the message.

    ## Example
    `OCPI-from-country-code: PT` without `OCPI-from-party-id`.

    ## Expected
    Both headers of a pair, `PT` and `CPO` shaped.
    """

    code = "ENV109"
    severity = Severity.ERROR
    spec = "§4.1.8.2"
    about = "request"


class RoutingHeadersNotSwapped(_RoutingProblem, frozen=True, kw_only=True):
    """## What it checks
    A response's routing headers are the request's swapped: response TO =
    request FROM, and response FROM = request TO when the request named one.

    ## Why it matters
    The answer must go back to the party that asked; a hub uses the swapped
    headers to route it.

    ## Example
    A request FROM PT/EMS TO PT/CPO answered TO PT/MBE.

    ## Expected
    The answer FROM PT/CPO TO PT/EMS.
    """

    code = "ENV110"
    severity = Severity.ERROR
    spec = "§4.1.8.6"
    about = "response"


# The four routing headers of a message, in the order FROM country, FROM party, TO country, TO party.
_NAMES: Final = (*ROUTING_HEADERS["from"], *ROUTING_HEADERS["to"])
Values = tuple[str | None, str | None, str | None, str | None]


def _values(message: MessageView) -> Values:
    header = message.header
    return header(_NAMES[0]), header(_NAMES[1]), header(_NAMES[2]), header(_NAMES[3])


def _party(message: str, side: str, country: str | None, party: str | None) -> tuple[Party | None, Report | None]:
    """The pair of headers of `side` as a party, or what is wrong with it."""
    if country is None and party is None:
        return None, None
    country_name, party_name = ROUTING_HEADERS[side]
    if country is None or party is None:
        missing = country_name if country is None else party_name
        return None, (MalformedRoutingHeader(problem=f"{message} {missing} is missing from its pair", side=message),
                      None)
    if not _COUNTRY_RE.match(country) or not _PARTY_RE.match(party):
        return None, (MalformedRoutingHeader(
            problem=f"{message} {side.upper()} party {country}/{party} is not CiString(2)/CiString(3)", side=message),
            None)
    return (country.upper(), party.upper()), None


def _pairs(message: str, values: Values, found: list[Report]) -> tuple[tuple[Party | None, Report | None], ...]:
    """The FROM and TO parties of `message` (request or response), each with what is wrong with its pair
    (also added to `found`)."""
    pairs = (_party(message, "from", values[0], values[1]), _party(message, "to", values[2], values[3]))
    found.extend(problem for _, problem in pairs if problem is not None)
    return pairs


def check_routing_headers(exchange: ExchangeView, module: str) -> tuple[Report, ...]:
    request, response = exchange.request, exchange.response
    configuration = module if module in CONFIGURATION_MODULES else None
    return _judge(configuration, _values(request), None if response is None else _values(response))


@functools.lru_cache(maxsize=1024)  # a connection repeats a handful of header combinations
def _judge(configuration: str | None, request: Values, response: Values | None) -> tuple[Report, ...]:
    """What is wrong with these routing headers; `configuration` names a configuration module."""
    found: list[Report] = []
    if configuration is not None:
        for side, values in (("request", request), ("response", response)):
            if values is not None and any(value is not None for value in values):
                found.append((RoutingHeadersOnConfiguration(
                    problem=f"{configuration} {side} carries OCPI routing headers", side=side), None))
        return tuple(found)
    (sender, bad_sender), (receiver, _) = _pairs("request", request, found)
    if sender is None and bad_sender is None:
        found.append((RoutingHeadersMissing(problem="request has no OCPI-from-country-code/OCPI-from-party-id"), None))
    if response is None:
        return tuple(found)
    (answered_from, bad_from), (answered_to, bad_to) = _pairs("response", response, found)
    missing = [side for side, party, bad in (("FROM", answered_from, bad_from), ("TO", answered_to, bad_to))
               if party is None and bad is None]
    if missing:
        found.append((RoutingHeadersMissing(problem=f"response has no OCPI-{'/'.join(missing)} routing headers",
                                            side="response"), None))
    if sender is not None and answered_to is not None and answered_to != sender:
        found.append((RoutingHeadersNotSwapped(
            problem=f"response TO {'/'.join(answered_to)} is not the request's FROM {'/'.join(sender)}"
        ), None))
    if receiver is not None and answered_from is not None and answered_from != receiver:
        found.append((RoutingHeadersNotSwapped(
            problem=f"response FROM {'/'.join(answered_from)} is not the request's TO {'/'.join(receiver)}"
        ), None))
    return tuple(found)
