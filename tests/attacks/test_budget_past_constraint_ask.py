"""Class: budgets. `ProfileView.decide` checks argument constraints BEFORE the budget: a call that
violates a constraint with `on_fail = "ask"` is asked even when the session's budget is spent, and
the person's (or, under `ask = "client"`, the client's) "yes" then lets it through; every further
call that violates the constraint does the same. The budget stops only calls that obey the
constraints. (A held approval of `mcp-guard approvals` takes the same path.)

Setup: profile allows mail/send_email, budget total = 1, `to` constrained to customers.txt with
on_fail = "ask". Call 1 (customer) is charged. Call 2 (not a customer) is asked; approved.
Expected: refused, the budget is spent. Actual: sent (2 calls on a budget of 1).
"""

from __future__ import annotations

from tests.attacks.client import SEND_EMAIL, Attacker, Scripted, envelope, write_config

V = "io.modelcontextprotocol/protocolVersion"
ENV = envelope(elicitation={})
TOOL = SEND_EMAIL
PROFILE = """
[profiles.support]
owner = "secops@example.com"
allow = ["mail/send_email"]
constraints = [{ tool = "mail/send_email", arg = "to", trusted_list = "customers.txt", on_fail = "ask" }]
budget = { total = 1 }
"""
YES = {"mcp-guard-approve": {"action": "accept", "content": {"approve": True}}}


def test_a_spent_budget_is_not_reopened_by_an_approved_ask(tmp_path, home):
    (tmp_path / "customers.txt").write_text("carol@customer.example\n")
    server = Scripted(tmp_path / "s.json", tools=[TOOL])
    config = write_config(tmp_path / "c.toml", {"mail": (server.command, 'trust = "tofu"\n')}, PROFILE)
    with Attacker(config, "--profile", "support", "--intent", "answer the customer's ticket",
                  env={"HOME": str(home)}) as a:
        first = a.request("tools/call", {"name": "send_email", "_meta": ENV,
                                         "arguments": {"to": "carol@customer.example", "body": "1"}})
        assert not first["result"].get("isError"), first
        spent = a.request("tools/call", {"name": "send_email", "_meta": ENV,
                                         "arguments": {"to": "carol@customer.example", "body": "2"}})
        assert spent["result"]["isError"], spent  # control: the budget of 1 is spent
        for i in range(3):
            args = {"to": f"other{i}@elsewhere.example", "body": "x"}
            asked = a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": args})
            state = asked["result"].get("requestState")
            if state:
                a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": args,
                                         "requestState": state, "inputResponses": YES})
    sent = server.received("tools/call")
    assert len(sent) <= 1, f"{len(sent)} calls went out on a budget of 1"
