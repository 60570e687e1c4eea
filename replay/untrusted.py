"""Capture text made safe to show: a capture is a partner's traffic, and any of it can reach a finding."""

from __future__ import annotations


def printable(text: str) -> str:
    """`text` on one line, with every character `str.isprintable` refuses written as Python's repr writes it.

    Control characters (ESC, BEL, NUL, CR, LF), line separators and lone
    surrogates become `\\x1b`, `\\n`, `\\u2028`, `\\ud800`: nothing a terminal acts
    on, and nothing XML 1.0 cannot hold. Other text, non-ASCII letters
    included, stays as it is.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
