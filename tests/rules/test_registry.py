"""The rule registry refuses badly declared rules, and selection picks by prefix."""

from __future__ import annotations

import pytest

from ocpi_tap.rules import checks  # noqa: F401  (registers the rules)
from ocpi_tap.rules.registry import (
    DOC_SECTIONS,
    REGISTRY,
    RuleDefinitionError,
    Selection,
    Severity,
    Violation,
    documentation,
)

FULL_DOC = "\n\n".join(f"## {section}\ntext" for section in DOC_SECTIONS)


def test_a_duplicate_code_fails_at_definition() -> None:
    with pytest.raises(RuleDefinitionError, match="CAP001 is already taken"):
        class Again(Violation, frozen=True, kw_only=True):
            __doc__ = FULL_DOC
            code = "CAP001"
            severity = Severity.ERROR
            spec = "x"

            def message(self) -> str:
                return "again"


def test_a_missing_doc_section_fails_at_definition() -> None:
    with pytest.raises(RuleDefinitionError, match="lacks section.*Why it matters"):
        class Undocumented(Violation, frozen=True, kw_only=True):
            """## What it checks
            x
            ## Example
            x
            ## Expected
            x
            """

            code = "CAP097"
            severity = Severity.ERROR
            spec = "x"
            about = "capture"

            def message(self) -> str:
                return "x"
    assert REGISTRY.get("CAP097") is None


@pytest.mark.parametrize("about", [None, "partner", "Request"])
def test_a_rule_that_does_not_say_which_message_it_judges_fails_at_definition(about: str | None) -> None:
    attributes = {"__doc__": FULL_DOC, "code": "CAP096", "severity": Severity.ERROR, "spec": "x",
                  "message": lambda self: "x"}
    if about is not None:
        attributes["about"] = about
    with pytest.raises(RuleDefinitionError, match="about must be one of request, response, object, capture"):
        type("Unjudged", (Violation,), attributes, frozen=True)
    assert REGISTRY.get("CAP096") is None


@pytest.mark.parametrize("code", ["CAP", "XYZ101", "SES901", "ses201", None])
def test_a_malformed_code_fails_at_definition(code: str) -> None:
    with pytest.raises(RuleDefinitionError, match="is not PREFIX"):
        type("Bad", (Violation,), {"__doc__": FULL_DOC, "code": code, "severity": Severity.ERROR,
                                   "spec": "x", "message": lambda self: "x"}, frozen=True)


def test_registered_rules_have_names_modules_and_docs() -> None:
    rule = REGISTRY.get("cap003")
    assert rule is not None
    assert (rule.name, rule.module) == ("duplicate-seq", "capture")
    text = documentation(rule)
    assert text.startswith("CAP003 duplicate-seq\n")
    assert all(f"## {section}" in text for section in DOC_SECTIONS)


@pytest.mark.parametrize(
    ("select", "ignore", "code", "reported"),
    [
        (None, None, "SES201", True),
        (["SES2"], None, "SES201", True),
        (["SES2"], None, "SES101", False),
        (None, ["SES"], "SES201", False),
        (["SES201"], ["SES"], "SES201", True),  # the more specific select wins
        (["SES"], ["SES2"], "SES201", False),  # the more specific ignore wins
        (["SES2"], ["SES2"], "SES201", False),  # a tie goes to ignore
        (["ALL"], ["ENV4"], "ENV401", False),
    ],
)
def test_selection_by_most_specific_prefix(select, ignore, code: str, reported: bool) -> None:
    assert (code in Selection(select, ignore)) is reported


class _Heuristic(Violation, frozen=True, kw_only=True):  # no `code` here: not registered by defining it
    def message(self) -> str:
        return "a heuristic"


@pytest.mark.parametrize(
    ("select", "reported"),
    [(None, False), (["ALL"], False), (["CAP"], True), (["CAP099"], True), (["CAP0"], True)],
)
def test_a_rule_off_by_default_is_reported_only_when_selected_by_name(
        monkeypatch: pytest.MonkeyPatch, select: list[str] | None, reported: bool) -> None:
    monkeypatch.setattr(_Heuristic, "code", "CAP099", raising=False)
    monkeypatch.setattr(_Heuristic, "default_enabled", False)
    monkeypatch.setitem(REGISTRY._rules, "CAP099", _Heuristic)
    assert ("CAP099" in Selection(select)) is reported
    assert ("CAP099" in Selection(["CAP"], ["CAP099"])) is False


def test_every_registered_rule_is_documented_in_full() -> None:
    """Every section of every rule's documentation says something, and there is a spec section and a message."""
    import inspect
    import re

    assert len(REGISTRY) > 100
    for rule in REGISTRY:
        doc = inspect.getdoc(rule) or ""
        parts = re.split(r"^## (.+?)\s*$", doc, flags=re.MULTILINE)
        sections = dict(zip(parts[1::2], parts[2::2]))
        assert list(sections) == list(DOC_SECTIONS), rule.code  # each once, in the fixed order
        for section, text in sections.items():
            assert text.strip(), f"{rule.code}: section {section!r} is empty"
        assert rule.spec.strip() and rule.name and rule.module, rule.code
        text = documentation(rule)
        assert text.startswith(f"{rule.code} {rule.name}\n") and f"spec: {rule.spec}" in text


def test_every_rule_gives_its_findings_a_help_line_from_its_expected_section() -> None:
    assert all(rule.expected_doc and "\n" not in rule.expected_doc for rule in REGISTRY)
    session_rule = REGISTRY.get("SES203")
    assert session_rule is not None
    finding = session_rule(session="PT/CPO/S1", before=3.2, after=1.5)
    assert finding.hint() is None and finding.help() == "expected: `kwh` non-decreasing until COMPLETED."


def test_an_empty_expected_section_fails_at_definition() -> None:
    doc = FULL_DOC.replace("## Expected\ntext", "## Expected\n")
    with pytest.raises(RuleDefinitionError, match="Expected section is empty"):
        type("Helpless", (Violation,), {"__doc__": doc, "code": "CAP095", "severity": Severity.ERROR, "spec": "x",
                                        "about": "capture", "message": lambda self: "x"}, frozen=True)
