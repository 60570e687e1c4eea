"""Stories: the exchanges about one object, in order, for the HTML report's sequence diagrams.

A session's story runs from the START_SESSION that asked for it (joined by
`authorization_reference`), through its pushes and the STOP_SESSION naming
it, to its CDR (`session_id`), pushed or pulled; a command's CommandResult joins the command
by its `response_url`. Commands that lead to no session (a reservation, an
unlock) and other objects (a location, a token) have stories of their own.

Fed every routed exchange like the checkers; bounded, because a capture can
hold millions: at most `MAX_STORIES` stories of `MAX_STEPS` steps each, a
longer story keeping its beginning and its end (where its CDR is).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Final

import msgspec
from msgspec import UNSET

from ocpi_tap.rules.checks.sequencing import Observed
from ocpi_tap.rules.decoding import loose_strings
from ocpi_tap.rules.routes import TO_HUB, url_key

MAX_STORIES: Final = 200
MAX_STEPS: Final = 60
HEAD_STEPS: Final = 30  # of a longer story, its first steps kept; the rest of MAX_STEPS are its latest
_TOLD: Final = frozenset({"sessions", "commands", "cdrs", "tokens", "locations", "tariffs"})


class Step(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    line: int | None
    sender: str  # "partner" or "hub"
    label: str  # what the arrow says: "PUT session (ACTIVE)", "START_SESSION"
    answer: str  # what the answer says: "1000", "ACCEPTED", "HTTP 502"


class Story(msgspec.Struct, kw_only=True):
    key: str
    title: str
    steps: list[Step] = []
    left_out: int = 0  # steps not kept between the first `HEAD_STEPS` and the last ones: the story's end shows

    def add(self, step: Step) -> None:
        """Keeps the first `HEAD_STEPS` steps and the latest ones, `MAX_STEPS` in all: a session PATCHed every
        minute for hours still ends with its STOP_SESSION and its CDR."""
        if len(self.steps) >= MAX_STEPS:
            del self.steps[HEAD_STEPS]
            self.left_out += 1
        self.steps.append(step)


def _attribute(body: object, name: str) -> str | None:
    value = getattr(body, name, None)
    return None if value is None or value is UNSET else str(value)


def _answer(observed: Observed) -> str:
    data = observed.data
    for name in ("result", "allowed"):
        if _attribute(data, name) is not None:
            return f"{observed.status_code} {_attribute(data, name)}"
    if observed.status_code is not None:
        return str(observed.status_code)
    response = observed.exchange.response
    return f"HTTP {response.status}" if response is not None else "no response"


def _label(observed: Observed) -> str:
    key = observed.key
    if observed.operation == "command" and key is not None and key.command:
        return str(key.command)
    if observed.operation == "command_result":
        result = _attribute(observed.request, "result")
        return f"CommandResult {result}" if result else "CommandResult"
    if observed.operation == "authorize":
        return "authorize"
    status = _attribute(observed.request, "status")
    noun = {"sessions": "session", "cdrs": "CDR", "tokens": "token", "tariffs": "tariff"}.get(observed.module)
    if noun is None and key is not None:  # locations: the level the URL names
        noun = "connector" if key.connector_id else "EVSE" if key.evse_uid else "location"
    return f"{observed.exchange.request.method} {noun or observed.module}" + (f" ({status})" if status else "")


class StoryCollector:
    def __init__(self) -> None:
        self.stories: dict[str, Story] = {}
        self._joins: dict[str, str] = {}  # authorization_reference / response_url / session id -> story key

    def feed(self, observed: Observed) -> None:
        if observed.module == "cdrs":
            self._cdrs(observed)
            return
        if observed.module not in _TOLD or observed.operation in ("list", "version_details", "versions"):
            return
        key = self._story_key(observed)
        if key is not None:
            self._tell(key, observed, _label(observed))

    def _tell(self, key: str, observed: Observed, label: str) -> None:
        story = self.stories.get(key)
        if story is None:
            if self._full():
                return
            story = self.stories[key] = Story(key=key, title=key)
        if observed.module == "sessions" and observed.key is not None and observed.key.id:
            story.title = f"session {observed.key.id}"
        story.add(Step(seq=observed.exchange.seq, line=observed.where.line,
                       sender="partner" if observed.exchange.direction == TO_HUB else "hub",
                       label=label, answer=_answer(observed)))

    def _cdrs(self, observed: Observed) -> None:
        """A CDR ends its session's story, pushed (POST) or pulled: a GET of the CDR at the Location its
        POST was answered with, or a GET of the CDR list (which ends the stories of the sessions told so far)."""
        body = observed.request if observed.request is not None else observed.data
        if body is None and observed.exchange.request.has_body:
            said = loose_strings(observed.exchange.request.body, "session_id")  # a pushed CDR that failed to decode
            body = SimpleNamespace(**said) if said else None
        pulled_list = observed.operation == "list"
        cdrs = body if isinstance(body, list) else [] if body is None else [body]
        told: set[str] = set()
        for cdr in cdrs:
            session_id = _attribute(cdr, "session_id")
            if not session_id:
                continue
            key = self._joins.get(f"session:{session_id}", f"session {session_id}")
            if key in told or (pulled_list and key not in self.stories):
                continue
            told.add(key)
            self._tell(key, observed, "GET CDR list" if pulled_list else _label(observed))

    def _full(self) -> bool:
        return len(self.stories) >= MAX_STORIES

    def _join(self, name: str, story: str) -> None:
        if not self._full():  # joins only for stories that can still be told
            self._joins.setdefault(name, story)

    def _story_key(self, observed: Observed) -> str | None:
        request, key = observed.request, observed.key
        if observed.module == "commands":
            return self._command_story(observed)
        if observed.module == "sessions" and key is not None and key.id:
            story = self._joins.get(f"session:{key.id}")
            if story is None:
                reference = _attribute(request, "authorization_reference")
                story = self._joins.get(f"ref:{reference}", f"session {key.id}")
                self._join(f"session:{key.id}", story)
            return story
        if key is not None and key.id:
            return f"{observed.module[:-1]} {key.label()}"
        return None

    def _command_story(self, observed: Observed) -> str | None:
        # By path: the capture holds the upstream's URL, the command the listener's the peer was given.
        url = observed.exchange.request.url
        if observed.operation == "command_result":
            return self._joins.get(f"url:{'/'.join(url_key(url))}", f"command {url.rsplit('/', 2)[-2]}")
        command = observed.key.command if observed.key is not None else None
        request = observed.request
        session_id = _attribute(request, "session_id")
        reference = _attribute(request, "authorization_reference")
        if command == "STOP_SESSION" and session_id:
            story = self._joins.get(f"session:{session_id}", f"session {session_id}")
        elif command == "START_SESSION" and reference:
            story = f"session started by {reference}"
            self._join(f"ref:{reference}", story)
        else:
            story = f"{command or 'command'} {observed.exchange.seq}"
        response_url = _attribute(request, "response_url")
        if response_url:
            self._join(f"url:{'/'.join(url_key(response_url))}", story)
        return story
