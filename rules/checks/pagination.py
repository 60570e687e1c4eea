"""ENV13x: paginated list GETs (§4.1.4.1): the X-Total-Count, X-Limit and Link headers,
the request's offset/limit/date parameters, and whether the page fits them."""

from __future__ import annotations

import re
from collections.abc import Collection, Generator, Iterator, Sequence
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from ..exchange import ExchangeView
from ..model import parse_datetime
from ..model.types import DATETIME_PATTERN
from ..profiles import Profile
from ..registry import Severity, Violation
from ..routes import split_url

Report = tuple[Violation, str | None]
# One link-value of a `Link` header (RFC 8288 §3): `<URL>` and its parameters; a header may hold several.
_LINK_VALUE_RE: Final = re.compile(r'\s*<(?P<url>[^>]*)>(?P<params>(?:\s*;\s*[^;,"]+(?:"[^"]*")?)*)\s*')
_LINK_SPLIT_RE: Final = re.compile(r',(?=\s*<)')
_REL_RE: Final = re.compile(r';\s*rel\s*=\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s;"]+))', re.IGNORECASE)
_DATETIME_RE: Final = re.compile(DATETIME_PATTERN)


class _PageProblem(Violation, frozen=True, kw_only=True):
    problem: str

    def message(self) -> str:
        return self.problem


class PaginationHeadersMissing(_PageProblem, frozen=True, kw_only=True):
    """## What it checks
    The answer to a paginated list GET carries `X-Total-Count` and
    `X-Limit`, each a non-negative integer.

    ## Why it matters
    Without them the client cannot tell how much there is to fetch or how
    large its pages may be; a full synchronisation stops early.

    ## Example
    A locations list answered with only a `Link` header.

    ## Expected
    `X-Total-Count: 1432` and `X-Limit: 100` on every page.
    """

    code = "ENV130"
    severity = Severity.ERROR
    spec = "§4.1.4.1"
    about = "response"


class PageTooLarge(_PageProblem, frozen=True, kw_only=True):
    """## What it checks
    A page holds no more objects than its own `X-Limit` and the request's
    `limit`.

    ## Why it matters
    Clients size their buffers and timeouts by the limit they asked for.

    ## Example
    `?limit=10` answered with 50 objects.

    ## Expected
    At most `min(limit, X-Limit)` objects per page.
    """

    code = "ENV131"
    severity = Severity.ERROR
    spec = "§4.1.4.1"
    about = "response"


class NextLinkMissing(_PageProblem, frozen=True, kw_only=True):
    """## What it checks
    A page that is not the last (offset + objects returned < X-Total-Count)
    carries a `Link` header with `rel="next"`.

    ## Why it matters
    Clients follow the next link; without it they stop after the first page
    and treat every object not seen as no longer valid.

    ## Example
    `offset=0`, 100 objects returned, `X-Total-Count: 250`, no Link.

    ## Expected
    `Link: <https://.../locations?offset=100&limit=100>; rel="next"`.
    """

    code = "ENV132"
    severity = Severity.ERROR
    spec = "§4.1.4.1"
    about = "response"


class NextLinkOnLastPage(_PageProblem, frozen=True, kw_only=True):
    """## What it checks
    The last page (offset + objects returned >= X-Total-Count) carries no
    `rel="next"` link.

    ## Why it matters
    A client following it fetches an empty page, or loops.

    ## Example
    `offset=200`, 50 objects returned, `X-Total-Count: 250`, and a next link.

    ## Expected
    No Link header on the last page.
    """

    code = "ENV133"
    severity = Severity.WARNING
    spec = "§4.1.4.1"
    about = "response"


class MalformedNextLink(_PageProblem, frozen=True, kw_only=True):
    """## What it checks
    The `Link` header is `<URL>; rel="next"` (RFC 8288), and the next URL
    leads to the next page of the same endpoint with the same filters: the
    request's path, its scheme and host (or one the server advertised),
    `date_from` and `date_to` as the request had them (not dropped, changed
    or added), the request's other parameters kept (with offset
    pagination), and a position after the request's (a greater `offset`,
    or at least some other query). Other links beside it, another `limit`,
    another parameter order, percent-encoding and a relative URL are fine.

    ## Why it matters
    A link clients cannot parse ends the crawl; a next URL that drops,
    changes or invents date filters returns a different set of objects
    from page two on; one that leaves the endpoint fetches something else,
    and one that stays on the same offset makes the client loop.

    ## Example
    `Link: https://.../locations?offset=100` (no angle brackets, no rel);
    or, for `GET .../tokens?offset=0&limit=50`,
    `<https://.../tokens?offset=0&limit=50&date_from=None>; rel="next"`.

    ## Expected
    `Link: <https://.../locations?offset=100&limit=100&date_from=...>; rel="next"`.
    """

    code = "ENV134"
    severity = Severity.ERROR
    spec = "§4.1.4.1"
    about = "response"


class ObjectOutsideDateWindow(_PageProblem, frozen=True, kw_only=True):
    """## What it checks
    Every object of a page has a `last_updated` within the request's
    `[date_from, date_to)` window.

    ## Why it matters
    Incremental synchronisation relies on the window: objects outside it
    are processed twice or the client's cursor jumps.

    ## Example
    `?date_from=2026-11-23T00:00:00Z` answered with an object last updated
    the day before.

    ## Expected
    `date_from <= last_updated < date_to` for every object.
    """

    code = "ENV135"
    severity = Severity.ERROR
    spec = "§4.1.4.1"
    about = "response"


class BadPaginationParameter(_PageProblem, frozen=True, kw_only=True):
    """## What it checks
    `offset` and `limit` are non-negative integers and `date_from` /
    `date_to` OCPI DateTimes.

    ## Why it matters
    Servers refuse or misread such requests; the page that comes back is
    not the one asked for.

    ## Example
    `?offset=-1` or `?date_from=2026-11-23`.

    ## Expected
    `?offset=0&limit=100&date_from=2026-11-23T00:00:00Z`.
    """

    code = "ENV136"
    severity = Severity.ERROR
    spec = "§4.1.4.1"
    about = "request"


def _non_negative(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


_PAGE_PARAMETERS: Final = frozenset({"offset", "limit", "date_from", "date_to"})


def _same_moment(one: str, other: str) -> bool:
    """Two DateTimes naming one instant (`09:00:00Z` and `09:00:00.000Z`); else the same text."""
    try:
        return parse_datetime(one) == parse_datetime(other)
    except ValueError:
        return one == other


def _same_query(one: dict[str, list[str]], other: dict[str, list[str]]) -> bool:
    return {k: sorted(v) for k, v in one.items()} == {k: sorted(v) for k, v in other.items()}


def _segments(url: str) -> tuple[str, ...]:
    return tuple(unquote(segment) for segment in split_url(url)[1])


def _elsewhere(url: str, request_url: str, origins: Collection[str]) -> str:
    """How the next link leaves the requested endpoint: "" when it does not. Its origin may be the request's
    or one the server advertised: behind a recording proxy the capture has the upstream's URL, and the
    server names itself as it is reached. A server that advertised nothing in the capture is taken at its
    word on its origin; its path is still checked."""
    origin, request_origin = split_url(url)[0], split_url(request_url)[0]
    if not origin.startswith(("http://", "https://")):
        return "is not an http(s) URL"
    if origin != request_origin and origins and origin not in origins:
        return f"leaves {request_origin} for {origin}"
    if _segments(url) != _segments(request_url):
        return f"leaves the requested endpoint {urlsplit(request_url).path} for {urlsplit(url).path}"
    return ""


def _next_link(link: str) -> str | None:
    """The rel="next" URL of a `Link` header; "" when its links are well-formed but none is next, None when
    it is not a list of `<URL>; params` link-values (RFC 8288 §3)."""
    found = ""
    for value in _LINK_SPLIT_RE.split(link):
        match = _LINK_VALUE_RE.fullmatch(value)
        if match is None:
            return None
        for rel in _REL_RE.finditer(match["params"]):
            if "next" in (rel["quoted"] or rel["bare"] or "").lower().split() and not found:
                found = match["url"]
    return found


class PaginationChecker:
    """Checks a paginated list exchange; fed the exchange and its decoded `data` list, if any."""

    def __init__(self, profile: Profile) -> None:
        self._offsets = profile.pagination_offsets

    def check(self, exchange: ExchangeView, data: list[Any] | None, sent: int | None = None,
              positions: Sequence[int] | None = None, origins: Collection[str] = ()) -> Iterator[Report]:
        """`sent` and `positions` where some objects of the page did not decode: how many objects the page
        held, and the index in it of each object of `data`. `origins`: those of the URLs the server
        advertised (its next links may name any of them)."""
        query = parse_qs(urlsplit(exchange.request.url).query, keep_blank_values=True)
        yield from self._parameters(query)
        response = exchange.response
        if response is None or data is None:
            return  # no page to check: no answer, an error answer, or data that did not decode
        count = len(data) if sent is None else sent
        total = _non_negative(response.header("X-Total-Count"))
        limit = _non_negative(response.header("X-Limit"))
        for name, value in (("X-Total-Count", total), ("X-Limit", limit)):
            if value is None:
                found = response.header(name)
                yield PaginationHeadersMissing(
                    problem=f"{name} is {'missing' if found is None else f'not a non-negative integer: {found!r}'}"
                ), None
        asked = _non_negative(_first(query, "limit"))
        for bound, name in ((limit, "X-Limit"), (asked, "the request's limit")):
            if bound is not None and count > bound:
                yield PageTooLarge(problem=f"{count} objects on a page, over {name} of {bound}"), None
        link = response.header("Link")
        next_url = yield from self._link(link, exchange.request.url, query, origins)
        offset = _non_negative(_first(query, "offset")) or 0
        if self._offsets and total is not None:
            if offset + count < total and next_url is None and (link is None or _next_link(link) is not None):
                yield NextLinkMissing(
                    problem=f"no rel=\"next\" link although offset {offset} + {count} returned < X-Total-Count {total}"
                ), None
            elif offset + count >= total and next_url is not None:
                yield NextLinkOnLastPage(
                    problem=f"rel=\"next\" link on the last page (offset {offset} + {count} >= X-Total-Count {total})"
                ), None
        yield from self._window(query, data, positions)

    @staticmethod
    def _parameters(query: dict[str, list[str]]) -> Iterator[Report]:
        for name in ("offset", "limit"):
            value = _first(query, name)
            if value is not None and _non_negative(value) is None:
                yield BadPaginationParameter(problem=f"{name}={value!r} is not a non-negative integer"), None
        for name in ("date_from", "date_to"):
            value = _first(query, name)
            if value is not None and not _DATETIME_RE.search(value):
                yield BadPaginationParameter(problem=f"{name}={value!r} is not an OCPI DateTime"), None

    def _link(self, link: str | None, request_url: str, query: dict[str, list[str]],
              origins: Collection[str]) -> Generator[Report, None, str | None]:
        """Yields link problems; returns the next URL (generator return value)."""
        if link is None:
            return None
        url = _next_link(link)
        if url is None:
            yield MalformedNextLink(problem=f"Link is not '<URL>; rel=\"next\"': {link!r}"), None
            return None
        if not url:
            return None  # well-formed links, none of them rel="next": the last page
        absolute = urljoin(request_url, url)  # a relative reference is resolved against the request (RFC 8288)
        problems = _elsewhere(absolute, request_url, origins) or self._filters(query, parse_qs(
            urlsplit(absolute).query, keep_blank_values=True))
        if problems:
            yield MalformedNextLink(problem=f"the next link {url} {problems}"), None
        return url

    def _filters(self, query: dict[str, list[str]], following: dict[str, list[str]]) -> str:
        """What is wrong with the next link's query against the request's: "" when nothing."""
        problems = []
        for name in ("date_from", "date_to"):
            asked, given = _first(query, name), _first(following, name)
            if asked is None and given is not None:
                problems.append(f"adds {name}={given} the request did not have")
            elif asked is not None and given is None:
                problems.append(f"drops {name} of the request")
            elif asked is not None and given is not None and not _same_moment(asked, given):
                problems.append(f"changes {name} from {asked} to {given}")
        if self._offsets:
            kept = [name for name in query if name not in _PAGE_PARAMETERS and name in following
                    and sorted(following[name]) != sorted(query[name])]
            dropped = [name for name in query if name not in _PAGE_PARAMETERS and name not in following]
            problems += [f"drops {name} of the request" for name in dropped]
            problems += [f"changes {name} from {', '.join(query[name])} to {', '.join(following[name])}"
                         for name in kept]
        offset, next_offset = (_non_negative(_first(q, "offset")) for q in (query, following))
        if next_offset is not None and next_offset <= (offset or 0):
            problems.append(f"does not move forward: offset {next_offset}, the request's is {offset or 0}")
        elif not problems and _same_query(query, following):
            problems.append("is the request's own URL: it does not move forward")
        return "; ".join(problems)

    @staticmethod
    def _window(query: dict[str, list[str]], data: list[Any], positions: Sequence[int] | None) -> Iterator[Report]:
        bounds = []
        for name in ("date_from", "date_to"):
            value = _first(query, name)
            bounds.append(parse_datetime(value) if value and _DATETIME_RE.search(value) else None)
        date_from, date_to = bounds
        if date_from is None and date_to is None:
            return
        for index, item in zip(positions or range(len(data)), data):
            stamp = getattr(item, "last_updated", None)
            if not isinstance(stamp, str):
                continue
            moment = parse_datetime(stamp)
            if (date_from is not None and moment < date_from) or (date_to is not None and moment >= date_to):
                yield ObjectOutsideDateWindow(
                    problem=f"object {index} has last_updated {stamp}, outside the requested date window"
                ), f"$.data[{index}].last_updated"
