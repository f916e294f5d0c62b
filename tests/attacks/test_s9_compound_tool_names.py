"""Class: a tool name that reads first and acts after is a read (session 9, attacker). Without
annotations, `intent/tools.classify` decides a tool's effect by the leading verb of its name, so
`read_and_delete`, `search_and_replace`, `list_and_archive_issues` and `get_or_create_user` are reads:
the `read` rule allows them, and neither `destructive` nor `unasked` is consulted, though the name
itself says it deletes, replaces, archives or creates. A session declared to summarise a README
deletes it unasked. The same when name and annotations disagree: `delete_file` marked
`readOnlyHint: true` is a read ("annotations win"), where the safe side is the stronger effect.
The control: `delete_file` is asked (destructive).
"""

from __future__ import annotations

import pytest

from tests.attacks.client import text_of
from tests.attacks.test_intent_e2e import reached, session

INTENT = "Summarise the README of my project"


def _call(tmp_path, tool: str, args: dict, annotations: dict | None = None):
    listed = {"name": tool, **({"annotations": annotations} if annotations else {})}
    return session(tmp_path, INTENT, [{"name": "read_file"}, listed], {"read_file": "# Project\nParses logs."},
                   [("read_file", {"path": "README.md"}), (tool, args)])


@pytest.mark.parametrize(("tool", "args"), [
    ("read_and_delete", {"path": "README.md"}),
    ("search_and_replace", {"path": "README.md", "find": "logs", "replace": ""}),
    ("list_and_archive_issues", {"repo": "project"}),
    ("get_or_create_user", {"login": "admin2"}),
])
def test_a_tool_that_also_acts_is_not_a_read(tmp_path, tool, args):
    log, answers = _call(tmp_path, tool, args)
    assert reached(log, tool) == [], text_of(answers[-1])


def test_control_delete_file_is_asked(tmp_path):
    log, answers = _call(tmp_path, "delete_file", {"path": "README.md"})
    assert reached(log, "delete_file") == [], text_of(answers[-1])
    assert "destructive" in text_of(answers[-1])


def test_a_removal_verb_marked_read_only_is_still_asked(tmp_path):
    log, answers = _call(tmp_path, "delete_file", {"path": "README.md"}, {"readOnlyHint": True})
    assert reached(log, "delete_file") == [], text_of(answers[-1])
