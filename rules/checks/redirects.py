"""ENV129: a redirect is not an answer.

Theory of operation: some platforms answer an advertised URL with a
redirect (`307` to the same path with a trailing slash) and the client
repeats the request at the `Location`. The redirect says nothing about the
request: the repeated request and its answer are what count. So a
redirect is reported once per endpoint, as a warning, and the engine feeds
nothing of it to the other checks: no body, no status, no URL or token
learned from it.
"""

from __future__ import annotations

from typing import Final

from ..exchange import ExchangeView
from ..registry import Severity, Violation
from ..routes import UrlKey, url_key

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})


class EndpointRedirects(Violation, frozen=True, kw_only=True):
    """## What it checks
    An endpoint answers the request itself, not with an HTTP redirect
    (301, 302, 303, 307 or 308) to another URL. Reported once per endpoint;
    the request repeated at the redirect's `Location` is judged as the
    answer.

    ## Why it matters
    OCPI clients call the URLs a party advertised and are not required to
    follow redirects: many do not, and a client that does may drop the
    body or the `Authorization` header on the way (303, or another host),
    so the call fails on some partners' platforms and not on others.

    ## Example
    `POST https://cpo.example.com/ocpi/2.2.1/cdrs` answered `307` with
    `Location: https://cpo.example.com/ocpi/2.2.1/cdrs/`.

    ## Expected
    Serve every advertised URL as advertised (with and without a trailing
    slash), or advertise the URL the server really answers at.
    """

    code = "ENV129"
    severity = Severity.WARNING
    spec = "§6.2; RFC 9110 §15.4"
    about = "response"
    method: str
    status: int
    location: str

    def message(self) -> str:
        return (f"the endpoint redirects: {self.method} answered HTTP {self.status} to {self.location}; "
                f"the repeated request is judged instead")


class Redirects:
    """Tells the engine which exchanges are redirects, and reports each redirecting endpoint once."""

    def __init__(self) -> None:
        # (direction, method, endpoint) already reported: the endpoint is the route's module, or for a URL that
        # fits no module its path.
        self._told: set[tuple[str, str, str | UrlKey]] = set()

    def check(self, exchange: ExchangeView, module: str | None) -> tuple[bool, EndpointRedirects | None]:
        """Whether `exchange` is a redirect (to be set aside), and the finding if its endpoint (its `module`,
        as routed) is new."""
        response = exchange.response
        if response is None or response.status not in REDIRECT_STATUSES:
            return False, None
        location = response.header("Location")
        if location is None:
            return False, None  # no target to repeat the request at: an answer like any other
        request = exchange.request
        endpoint = (exchange.direction, request.method.upper(), module or url_key(request.url))
        if endpoint in self._told:
            return True, None
        self._told.add(endpoint)
        return True, EndpointRedirects(method=request.method, status=response.status, location=location)
