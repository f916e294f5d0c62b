"""A request's verb that names the tool by another form of a word (issue #12, session 12): a noun WordNet derives
from it ("categorize": category), a kind of action in a rarer sense ("drop the price"), or a misspelling one edit
from exactly one verb ("reshedule"). Near misses still ask."""

from __future__ import annotations

from mcp_guard.intent.engine import DeclaredIntent
from mcp_guard.intent.spelling import is_word, meant_verb
from mcp_guard.intent.tools import classify


def tool(name: str, *params: str) -> object:
    return classify({"name": name, "inputSchema": {"properties": {p: {"type": "string"} for p in params}}})


CATEGORY = tool("update_transaction_category", "transaction_id", "category")
DELETE_CATEGORY = tool("delete_category", "category")
MOVE = tool("update_event", "event_id", "start")


def asks(text: str, info) -> bool:
    return DeclaredIntent(text).asks_for(info)


def test_a_verb_wordnet_derives_a_noun_of_the_tool_name_from_asks_for_the_tool_that_sets_it():
    assert asks("categorize last week's payments as travel", CATEGORY)
    assert asks("Categorize my transactions from March", CATEGORY)


def test_derivation_needs_a_tool_that_makes_or_changes_and_a_verb_that_does_not_only_read():
    assert not asks("categorize last week's payments as travel", DELETE_CATEGORY)
    assert not asks("describe the category of each payment", CATEGORY)
    assert not asks("categorize the photos from the trip", CATEGORY)  # not what the tool acts on


def test_a_misspelt_verb_one_edit_from_one_verb_is_read_as_it():
    assert meant_verb("reshedule") == "reschedule"
    assert asks("Please reshedule my dentist appointment to Friday", MOVE)


def test_a_real_word_two_edits_or_two_candidates_is_left_as_written():
    assert is_word("sned") and meant_verb("sned") == ""  # a word of the dictionary, however close to "send"
    assert meant_verb("rehsedule") == ""  # two edits
    assert meant_verb("recieve") == ""  # receive and relieve
    assert meant_verb("resend") == "" and meant_verb("unarchive") == ""  # a prefix on a word is a word
    assert not asks("rehsedule my dentist appointment to Friday", MOVE)


PRICE = tool("update_price", "product_id", "price")
PAY = tool("pay_invoice", "invoice_id", "amount")
DELETE_PRODUCT = tool("delete_product", "product_id")


def test_a_rarer_sense_of_the_verb_asks_for_a_tool_of_its_kind_on_a_noun_of_the_tools_name():
    assert asks("drop the price of the blue mug to 12 EUR", PRICE)  # "drop": lower, a change in a rarer sense


def test_a_rarer_sense_needs_the_tools_noun_and_grants_no_other_kind_and_no_removal():
    assert not asks("drop the blue mug to the bottom of the list", PRICE)  # no noun of the tool's name
    assert not asks("check the price of the blue mug", PRICE)  # a read
    assert not asks("mark the invoice as paid", PAY)  # "mark" changes, it does not pay
    assert not DeclaredIntent("drop the price of the blue mug").asks_for(DELETE_PRODUCT, strict=True)
    assert not asks("cancel an order from Norland", tool("create_purchase_order", "vendor_id", "lines"))
