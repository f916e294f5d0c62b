"""Printing what a server or client wrote, exactly as written.

Rich reads `[...]` as markup and `:name:` as emoji codes, and a terminal acts on control characters
(ANSI escapes can hide or overwrite text); bidi overrides and zero-width characters change what a
person sees without changing what a model reads. A reviewer approves what was on the screen, so
such text goes through `visible` and a `console()` that interprets nothing.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def visible(text: str) -> str:
    """`text` with every control and invisible format character (but newline and tab) written as an
    escape (`\\x1b`, `\\u202e`), so nothing in it acts on the terminal or hides from the reader."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn"):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def console(**options: Any) -> Any:
    """A rich Console that prints strings literally: no markup, no emoji codes, no highlighting."""
    from rich.console import Console

    return Console(markup=False, emoji=False, highlight=False, **options)
