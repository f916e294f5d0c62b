"""Edit JSON (and VS Code's JSONC) files in place: change one value's text, leave every other byte alone.

A parse → modify → dump round trip loses the file's own formatting (indent, key spacing, comments in
JSONC). So the parser here records where each value lies in the text, and an edit replaces only the
text of the values that change; a new value is printed in the indent style of the text around it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Any

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class JsonSyntaxError(ValueError):
    """The text is not valid JSON; `where` is "line L column C"."""

    def __init__(self, message: str, text: str, pos: int) -> None:
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        self.where = f"line {line} column {column}"
        super().__init__(f"{message} at {self.where}")


@dataclass
class Node:
    """A parsed value and the span [start, end) of its text."""

    start: int
    end: int
    value: Any
    # For objects: member name -> (start of the member's key, value node). The last duplicate wins,
    # as in JSON.parse.
    members: dict[str, tuple[int, Node]] = field(default_factory=dict)

    def get(self, *path: str) -> Node | None:
        node: Node | None = self
        for key in path:
            if node is None or not isinstance(node.value, dict) or key not in node.members:
                return None
            node = node.members[key][1]
        return node


class _Parser:
    def __init__(self, text: str, comments: bool) -> None:
        self.text = text
        self.comments = comments  # JSONC: // and /* */ comments, trailing commas

    def fail(self, message: str, pos: int) -> JsonSyntaxError:
        return JsonSyntaxError(message, self.text, pos)

    def skip(self, i: int) -> int:
        text = self.text
        while i < len(text):
            c = text[i]
            if c in " \t\r\n":
                i += 1
            elif self.comments and text.startswith("//", i):
                nl = text.find("\n", i)
                i = len(text) if nl < 0 else nl + 1
            elif self.comments and text.startswith("/*", i):
                close = text.find("*/", i + 2)
                if close < 0:
                    raise self.fail("unterminated comment", i)
                i = close + 2
            else:
                break
        return i

    def value(self, i: int) -> Node:
        i = self.skip(i)
        if i >= len(self.text):
            raise self.fail("unexpected end of file", i)
        c = self.text[i]
        if c == "{":
            return self.obj(i)
        if c == "[":
            return self.array(i)
        if c == '"':
            return self.string(i)
        m = _NUMBER.match(self.text, i)
        if m:
            number = m.group()
            parsed = float(number) if any(ch in number for ch in ".eE") else int(number)
            return Node(i, m.end(), parsed)
        for word, parsed in _LITERALS.items():
            if self.text.startswith(word, i):
                return Node(i, i + len(word), parsed)
        raise self.fail(f"unexpected character {c!r}", i)

    def string(self, i: int) -> Node:
        try:
            s, end = scanstring(self.text, i + 1, True)
        except json.JSONDecodeError as err:
            raise self.fail(err.msg.lower(), err.pos) from None
        return Node(i, end, s)

    def obj(self, start: int) -> Node:
        node = Node(start, start, {})
        i = self.skip(start + 1)
        if self.text.startswith("}", i):
            node.end = i + 1
            return node
        while True:
            if not self.text.startswith('"', i):
                if self.comments and self.text.startswith("}", i) and node.members:
                    node.end = i + 1  # trailing comma
                    return node
                raise self.fail("expected a member name in double quotes", i)
            key = self.string(i)
            i = self.skip(key.end)
            if not self.text.startswith(":", i):
                raise self.fail("expected ':'", i)
            child = self.value(i + 1)
            node.value[key.value] = child.value
            node.members[key.value] = (key.start, child)
            i = self.skip(child.end)
            if self.text.startswith(",", i):
                i = self.skip(i + 1)
            elif self.text.startswith("}", i):
                node.end = i + 1
                return node
            else:
                raise self.fail("expected ',' or '}'", i)

    def array(self, start: int) -> Node:
        node = Node(start, start, [])
        i = self.skip(start + 1)
        if self.text.startswith("]", i):
            node.end = i + 1
            return node
        while True:
            if self.comments and self.text.startswith("]", i) and node.value:
                node.end = i + 1
                return node
            child = self.value(i)
            node.value.append(child.value)
            i = self.skip(child.end)
            if self.text.startswith(",", i):
                i = self.skip(i + 1)
            elif self.text.startswith("]", i):
                node.end = i + 1
                return node
            else:
                raise self.fail("expected ',' or ']'", i)


def parse(text: str, *, comments: bool = False) -> Node:
    """Parse a whole document; raise JsonSyntaxError with line and column on bad input."""
    parser = _Parser(text, comments)
    start = 1 if text.startswith("\ufeff") else 0  # a BOM, as some Windows editors write
    root = parser.value(start)
    end = parser.skip(root.end)
    if end != len(text):
        raise parser.fail("extra text after the JSON value", end)
    return root


def _line_indent(text: str, pos: int) -> str:
    """The whitespace that starts the line holding `pos` (empty if other text precedes `pos`)."""
    line_start = text.rfind("\n", 0, pos) + 1
    lead = text[line_start:pos]
    return lead if lead.strip() == "" else ""


def indent_unit(text: str) -> str:
    """The file's indent step: the leading whitespace of its first indented line (default 2 spaces)."""
    m = re.search(r"\n([ \t]+)\S", text)
    return m.group(1) if m else "  "


def render(value: Any, text: str, node: Node, key_start: int) -> str:
    """`value` as JSON text to put where `node` is, in the style of the text around it."""
    old = text[node.start : node.end]
    if "\n" not in old:
        # A one-line value stays on one line, with the same spacing after ':' (none when minified).
        compact = re.search(r'"\s*:\s', old if ":" in old else text) is None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":") if compact else (", ", ": "))
    base = _line_indent(text, key_start)
    inner = re.match(r"[^\n]*\n([ \t]*)", text[node.start : node.end])
    unit = indent_unit(text)
    if inner and inner.group(1).startswith(base) and len(inner.group(1)) > len(base):
        unit = inner.group(1)[len(base) :]
    dumped = json.dumps(value, ensure_ascii=False, indent=unit)
    newline = "\r\n" if "\r\n" in text else "\n"
    return dumped.replace("\n", newline + base)


def replace_spans(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping (start, end, new_text) edits."""
    out, last = [], 0
    for start, end, new in sorted(edits):
        out.append(text[last:start])
        out.append(new)
        last = end
    out.append(text[last:])
    return "".join(out)
