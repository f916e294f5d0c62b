"""Rule `own`: a read of the signed-in account that gives its owner's address (`get_account()` ->
`owner_email`) gives the person's own address; another party the account lists is still another party."""

from __future__ import annotations

from tests.attacks.intent.harness import run

TOOLS = {"news": [{"name": "get_account", "description": "Get the account's settings"},
                  {"name": "send_test", "description": "Send a test of a campaign"}]}
ACCOUNT = {"owner_email": "jess@kilnhouse.example", "billing_contact_email": "acct@ledger.example",
           "from_name": "Kiln House"}


def send_test_to(to: str, intent: str = "schedule the newsletter, send me a test first") -> str:
    scn = {"id": "o", "kind": "benign", "intent": intent, "tools": TOOLS, "steps": [
        {"upstream": "news", "tool": "get_account", "args": {}, "result": ACCOUNT},
        {"upstream": "news", "tool": "send_test", "args": {"campaign_id": "c-1", "to": to}}]}
    return run(scn)[-1][1].action


def test_the_accounts_owner_is_the_person():
    assert send_test_to("jess@kilnhouse.example") == "allow"


def test_another_party_the_account_lists_is_not_the_person():
    assert send_test_to("acct@ledger.example") == "ask"
