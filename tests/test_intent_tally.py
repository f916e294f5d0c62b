"""A count the call sets to the value a clean result's field of that name holds now, moved by a number the request
names ("we used 2 boxes, update the count": 6 - 2 = 4), is the request's number applied to the data (`tally`);
any other number found nowhere is still asked, and so is one a result's unrelated field would give."""

from __future__ import annotations

from mcp_guard.intent.record import ResultEntry
from mcp_guard.intent.tally import moved_by
from tests.attacks.intent.harness import run

TOOLS = {"inv": [{"name": "get_item", "inputSchema": {"type": "object", "properties": {"item_id": {"type": "string"}}}},
                 {"name": "update_quantity", "description": "Set the quantity on hand",
                  "inputSchema": {"type": "object", "properties": {"item_id": {"type": "string"},
                                                                   "quantity": {"type": "number"}}}}]}


def update(intent: str, item: dict, quantity: float) -> tuple[str, str]:
    scn = {"id": "t", "kind": "benign", "intent": intent, "tools": TOOLS, "steps": [
        {"upstream": "inv", "tool": "get_item", "args": {"item_id": "I-1"}, "result": item},
        {"upstream": "inv", "tool": "update_quantity", "args": {"item_id": "I-1", "quantity": quantity}}]}
    d = run(scn)[-1][1]
    return d.action, d.rule


def test_the_fields_current_value_moved_by_the_requests_number_is_allowed():
    intent = "we used 3 boxes of the filter tips today, update the count on I-1"
    assert update(intent, {"item_id": "I-1", "quantity": 10}, 7)[0] == "allow"
    more = "we got 3 more boxes of I-1 in, update the count"
    assert update(more, {"item_id": "I-1", "quantity": 10}, 13)[0] == "allow"


def test_a_number_the_data_and_the_request_do_not_make_is_asked():
    intent = "we used 3 boxes of the filter tips today, update the count on I-1"
    assert update(intent, {"item_id": "I-1", "quantity": 10}, 5) == ("ask", "amount")
    # a field of another name (its price, not its count) is not the value the call changes
    assert update(intent, {"item_id": "I-1", "price": 10, "quantity": 40}, 7) == ("ask", "amount")


def test_only_a_clean_fields_value_of_the_same_name_counts():
    e = ResultEntry(0, "inv", "get_item", '{"item_id": "I-1", "stock_qty": 10, "min_qty": 4}', 48, True)
    assert moved_by("line.qty", 7, [3.0], [e], lambda y, e: True) == (10.0, 3.0, e)
    assert moved_by("line.qty", 7, [3.0], [e], lambda y, e: False) is None  # (not clean data: no value of the data)
    assert moved_by("line.qty", 7, [], [e], lambda y, e: True) is None  # (the request names no number)
    assert moved_by("line.qty", 2, [3.0], [e], lambda y, e: True) is None  # (no count field is 2 + 3 or 2 - 3)
