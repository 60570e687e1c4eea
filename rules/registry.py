"""The rule registry: every rule declared once, as a small typed class.

A rule is a `Violation` subclass. Its class attributes are the permanent
facts (`code`, `severity`, `spec`), its fields are what one occurrence
carries, `message()` states the problem from those fields, and `hint()` may
say what to do. Its docstring is its documentation, in fixed sections:

    ## What it checks
    ## Why it matters
    ## Example
    ## Expected

Defining a class with a `code` registers it (one without is a shared base). A duplicate code, a code of unknown
module or kind, or a missing doc section fails at import, so a rule cannot
ship undocumented. The kebab-case `name` comes from the class name.
A rule with `default_enabled = False` (a heuristic, or one the catalogue
keeps off) is reported only when `--select` names it or its module.

Codes: module prefix (VER, CRD, TOK, LOC, TAR, SES, CMD, CDR, ENV for
transport, CAP for the capture file) and three digits whose hundreds digit
is the kind: 0 shape, 1 field semantics, 2 sequencing, 3 cross-module
references, 4 timing.
"""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Final

import msgspec


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


MODULES: Final = {
    "CAP": "capture",
    "ENV": "transport",
    "VER": "versions",
    "CRD": "credentials",
    "TOK": "tokens",
    "LOC": "locations",
    "TAR": "tariffs",
    "SES": "sessions",
    "CMD": "commands",
    "CDR": "cdrs",
}
KINDS: Final = ("shape", "field semantics", "sequencing", "cross-module references", "timing")
DOC_SECTIONS: Final = ("What it checks", "Why it matters", "Example", "Expected")
# Which message of an exchange a rule judges, and so who is at fault: the request's sender (the caller),
# the response's sender (the callee), or the message that carried the object (`object`: the request of a
# push, the response of a GET); `capture` for the capture file itself, which no party sent.
ABOUTS: Final = ("request", "response", "object", "capture")

_CODE_RE: Final = re.compile(r"^(?P<prefix>[A-Z]{3})(?P<kind>[0-4])\d\d$")
_SECTION_RE: Final = re.compile(r"^## (.+?)\s*$", re.MULTILINE)


class RuleDefinitionError(Exception):
    """A rule class that breaks the registry's conventions."""


def kebab_name(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", class_name).lower()


class Violation(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every rule. Subclasses are registered when defined."""

    code: ClassVar[str]
    name: ClassVar[str]
    module: ClassVar[str]
    severity: ClassVar[Severity]
    spec: ClassVar[str]  # the spec section(s), e.g. "§9.2.2.3"
    about: ClassVar[str]  # one of ABOUTS: the message judged, unless an occurrence says otherwise
    expected_doc: ClassVar[str]  # the docstring's `## Expected` section on one line: what to send instead
    default_enabled: ClassVar[bool] = True

    def message(self) -> str:
        raise NotImplementedError

    def hint(self) -> str | None:
        """What to change, when this occurrence can say more than the rule's `## Expected` section."""
        return None

    def help(self) -> str:
        """The `help:` line of a finding: this occurrence's hint, else what the rule expects instead."""
        return self.hint() or f"expected: {self.expected_doc}"

    def group_key(self) -> str:
        """The message without this occurrence's particulars (a request id, a header value, a number), where
        message() has some: occurrences of one rule in one capture with the same group key have one cause,
        and the concise and HTML reports show them as one line with a count. It is also that line's text."""
        return self.message()

    def judges(self) -> str:
        """The message this occurrence judges (one of ABOUTS): the rule's `about`, unless its fields tell."""
        return self.about

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:  # a class without its own code is a shared base
            REGISTRY.register(cls)


class Registry:
    def __init__(self) -> None:
        self._rules: dict[str, type[Violation]] = {}

    def register(self, rule: type[Violation]) -> None:
        where = f"{rule.__module__}.{rule.__qualname__}"
        code = getattr(rule, "code", None)
        match = _CODE_RE.match(code or "")
        if not match or match["prefix"] not in MODULES:
            raise RuleDefinitionError(f"{where}: code {code!r} is not PREFIX + 3 digits with a known prefix and kind")
        if code in self._rules:
            raise RuleDefinitionError(f"{where}: code {code} is already taken by {self._rules[code].__qualname__}")
        if not isinstance(getattr(rule, "severity", None), Severity):
            raise RuleDefinitionError(f"{where}: severity must be a Severity")
        if not getattr(rule, "spec", ""):
            raise RuleDefinitionError(f"{where}: spec section missing")
        if getattr(rule, "about", None) not in ABOUTS:
            raise RuleDefinitionError(f"{where}: about must be one of {', '.join(ABOUTS)}")
        if rule.message is Violation.message:
            raise RuleDefinitionError(f"{where}: message() missing")
        doc = inspect.getdoc(rule) or ""
        sections = _SECTION_RE.findall(doc)
        missing = [section for section in DOC_SECTIONS if section not in sections]
        if missing:
            raise RuleDefinitionError(f"{where}: docstring lacks section(s) {', '.join(missing)}")
        expected = " ".join(_section(doc, "Expected").split())
        if not expected:
            raise RuleDefinitionError(f"{where}: the Expected section is empty: it is the findings' help line")
        assert code is not None
        rule.expected_doc = expected
        rule.name = kebab_name(rule.__name__)
        rule.module = MODULES[code[:3]]
        self._rules[code] = rule

    def __iter__(self) -> Iterator[type[Violation]]:
        return iter(sorted(self._rules.values(), key=lambda rule: rule.code))

    def __len__(self) -> int:
        return len(self._rules)

    def get(self, code: str) -> type[Violation] | None:
        return self._rules.get(code.upper())


REGISTRY: Final = Registry()


def _section(doc: str, title: str) -> str:
    """The text of the docstring section `## title`, up to the next section."""
    start = doc.index(f"## {title}") + len(title) + 3
    following = _SECTION_RE.search(doc, start)
    return doc[start:following.start() if following else len(doc)]


def unknown_prefixes(prefixes: Iterable[str]) -> list[str]:
    """The `--select`/`--ignore` prefixes that no registered code starts with (`ALL` names every rule)."""
    codes = [rule.code for rule in REGISTRY]
    return [prefix for prefix in prefixes
            if prefix.upper() != "ALL" and not any(code.startswith(prefix.upper()) for code in codes)]


def kind_of(code: str) -> str:
    return KINDS[int(code[3])]


_JUDGES: Final = {
    "request": "the request (its sender, the caller, is at fault)",
    "response": "the response (its sender, the callee, is at fault)",
    "object": "the message that carried the object (a push's request, a GET's response): its sender is at fault",
    "capture": "the capture file itself (no party is at fault)",
}


def documentation(rule: type[Violation], severities: str = "") -> str:
    """The rule's documentation as `ocpi-tap rule CODE` prints it; `severities`, lines saying what the
    profiles make of its severity (`profiles.severity_choices`), go under its head."""
    head = (
        f"{rule.code} {rule.name}\n"
        f"module: {rule.module} · kind: {kind_of(rule.code)} · severity: {rule.severity.value} · spec: {rule.spec}\n"
        f"judges: {_JUDGES[rule.about]}\n"
        + severities
    )
    if not rule.default_enabled:
        head += "off by default: `--select` it by code or module prefix\n"
    return head + "\n" + (inspect.getdoc(rule) or "") + "\n"


class Selection:
    """`--select` / `--ignore` by code prefix; the most specific prefix wins.

    It filters what is reported, never what the checkers track.
    """

    def __init__(self, select: list[str] | None = None, ignore: list[str] | None = None) -> None:
        self._select = [prefix.upper() for prefix in (select or ["ALL"])]
        self._ignore = [prefix.upper() for prefix in (ignore or [])]
        self._decided: dict[str, bool] = {}  # code -> selected; asked once per finding

    @staticmethod
    def _longest(code: str, prefixes: list[str]) -> int:
        return max((0 if p == "ALL" else len(p) for p in prefixes if p == "ALL" or code.startswith(p)), default=-1)

    def __contains__(self, code: str) -> bool:
        decided = self._decided.get(code)
        if decided is None:
            decided = self._decided[code] = self._decide(code)
        return decided

    def _decide(self, code: str) -> bool:
        selected = self._longest(code, self._select)
        ignored = self._longest(code, self._ignore)
        if selected == 0 and not _enabled_by_default(code):
            return False  # ALL does not switch on a rule that is off by default; naming it does
        return selected >= 0 and selected > ignored  # a tie goes to --ignore


def _enabled_by_default(code: str) -> bool:
    rule = REGISTRY.get(code)
    return rule is None or rule.default_enabled
