"""Printing what a server or client wrote, exactly as written.

Rich reads `[...]` as markup and `:name:` as emoji codes, and a terminal acts on control characters
(ANSI escapes can hide or overwrite text); bidi overrides and zero-width characters change what a
person sees without changing what a model reads. A reviewer approves what was on the screen, so
such text goes through `visible` and a `console()` that interprets nothing.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from typing import Any

# Printable by category, yet drawn as nothing (Unicode's default-ignorable marks and fillers): variation
# selectors alone are 256 code points, enough to spell any byte unseen after a visible character.
_IGNORABLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
                        "\U000e0100-\U000e01ef]")


def visible(text: str) -> str:
    """`text` with every control, invisible format or ignorable character (but newline and tab) written
    as an escape (`\\x1b`, `\\u202e`, `\\ufe0f`), so nothing in it acts on the terminal or hides from the
    reader."""
    if text.isprintable() and not _IGNORABLE.search(text):
        return text
    out = []
    for ch in text:
        if ch in "\n\t" or (unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn")
                             and not _IGNORABLE.match(ch)):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def console(**options: Any) -> Any:
    """A rich Console that prints strings literally: no markup, no emoji codes, no highlighting. A reader
    that stops early (`| head`) ends the command as for every other one: exit 0 (rich would exit 1)."""
    from rich.console import Console

    class Literal(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
            raise BrokenPipeError

    return Literal(markup=False, emoji=False, highlight=False, **options)
