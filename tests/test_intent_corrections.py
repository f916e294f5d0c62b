"""Rule `correct`: a request that writes a replacement ("'Fermentaion' -> 'Fermentation'") asks for the harmless
write that makes it in a field of the session's clean data (`intent/corrections.py`)."""

from __future__ import annotations

from typing import Any

from mcp_guard.intent.corrections import replacements
from tests.attacks.intent.harness import run

S = {"type": "string"}
TOOLS = {"pod": [{"name": "get_episode"},
                 {"name": "update_episode_metadata", "description": "Change an episode's title or notes",
                  "inputSchema": {"type": "object", "properties": {"episode_id": S, "title": S}}},
                 {"name": "send_newsletter", "inputSchema": {"type": "object", "properties": {"subject": S}}}]}
EPISODE = {"episode_id": "ep-39", "title": "39: Fermentaion Basics for Beginners"}


def fix(intent: str, title: str, episode: Any = EPISODE, tool: str = "update_episode_metadata") -> tuple[str, str]:
    scn = {"id": "c", "kind": "benign", "intent": intent, "tools": TOOLS, "steps": [
        {"upstream": "pod", "tool": "get_episode", "args": {"episode_id": "ep-39"}, "result": episode},
        {"upstream": "pod", "tool": tool, "args": {"episode_id": "ep-39", "title": title}}]}
    d = run(scn)[-1][1]
    return d.action, d.rule


def test_the_replacements_a_request_writes():
    assert replacements("ep 39 title has a typo, 'Fermentaion' -> 'Fermentation'") == (("Fermentaion", "Fermentation"),)
    assert replacements("teh → the in the intro") == (("teh", "the"),)
    assert replacements("change 'Q3' to 'Q4' in the deck title") == (("Q3", "Q4"),)
    assert replacements("'Jon' should be 'John'") == (("Jon", "John"),)
    assert replacements("summarise episode 39") == ()


def test_the_write_that_makes_the_correction_in_a_clean_field_is_asked_for():
    intent = "ep 39 title has a typo, 'Fermentaion' -> 'Fermentation'"
    assert fix(intent, "39: Fermentation Basics for Beginners") == ("allow", "correct")
    assert fix("teh title of ep 39: Fermentaion → Fermentation", "39: Fermentation Basics for Beginners")[0] == "allow"


def test_any_other_write_is_still_asked():
    intent = "ep 39 title has a typo, 'Fermentaion' -> 'Fermentation'"
    # more than the correction changed
    assert fix(intent, "39: Fermentation Basics for Experts")[0] == "ask"
    # no clean field holds the text it corrects
    other = {"episode_id": "ep-39", "title": "39: Brewing"}
    assert fix(intent, "39: Fermentation Basics for Beginners", other)[0] == "ask"
    # a tool that sends is no correction
    assert fix(intent, "39: Fermentation Basics for Beginners", tool="send_newsletter")[0] == "ask"
