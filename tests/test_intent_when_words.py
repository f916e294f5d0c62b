"""A word that says when ("tomorrow", "tonight", "friday") ends the noun phrase of a clause's object: it is never
the head of what the clause acts on (`engine._object_of`, `_WHEN`)."""

from __future__ import annotations

from mcp_guard.intent.engine import DeclaredIntent, _object_of
from mcp_guard.intent.tools import classify

S = {"type": "string"}
PICKUP = classify({"name": "book_pickup", "description": "Book a collection",
                   "inputSchema": {"type": "object", "properties": {"depot": S, "date": S, "consignee": S,
                                                                    "pieces": {"type": "integer"}}}})


def test_a_time_word_after_the_noun_is_not_the_head():
    assert _object_of("book a pickup tomorrow at the Leeds depot")[0] == "pickup"
    assert _object_of("send the report friday")[0] == "report"
    assert _object_of("cancel the friday standup")[0] == "standup"  # (before the noun it is a modifier)
    intent = DeclaredIntent("book a pickup tomorrow at the Leeds depot for the 3 pallets going to Brightwell")
    assert intent.asks_for(PICKUP, params=PICKUP.params)


def test_the_head_must_still_be_what_the_tool_acts_on():
    # the head is the clause's noun, not the time word after it: a table is no pickup
    assert not DeclaredIntent("book a table tomorrow at the Leeds depot").asks_for(PICKUP, params=PICKUP.params)
