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
    default_enabled: ClassVar[bool] = True

    def message(self) -> str:
        raise NotImplementedError

    def hint(self) -> str | None:
        return None

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
        if rule.message is Violation.message:
            raise RuleDefinitionError(f"{where}: message() missing")
        sections = _SECTION_RE.findall(inspect.getdoc(rule) or "")
        missing = [section for section in DOC_SECTIONS if section not in sections]
        if missing:
            raise RuleDefinitionError(f"{where}: docstring lacks section(s) {', '.join(missing)}")
        assert code is not None
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


def unknown_prefixes(prefixes: Iterable[str]) -> list[str]:
    """The `--select`/`--ignore` prefixes that no registered code starts with (`ALL` names every rule)."""
    codes = [rule.code for rule in REGISTRY]
    return [prefix for prefix in prefixes
            if prefix.upper() != "ALL" and not any(code.startswith(prefix.upper()) for code in codes)]


def kind_of(code: str) -> str:
    return KINDS[int(code[3])]


def documentation(rule: type[Violation], severities: str = "") -> str:
    """The rule's documentation as `ocpi-tap rule CODE` prints it; `severities`, lines saying what the
    profiles make of its severity (`profiles.severity_choices`), go under its head."""
    head = (
        f"{rule.code} {rule.name}\n"
        f"module: {rule.module} · kind: {kind_of(rule.code)} · severity: {rule.severity.value} · spec: {rule.spec}\n"
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
