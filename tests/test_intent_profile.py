"""Profiles: globs over namespaced names, argument constraints, budgets, expiry, fallback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mcp_guard.config import parse_config
from mcp_guard.errors import ConfigError
from mcp_guard.guards.base import SessionInfo, ToolCall
from mcp_guard.guards.intent import IntentGuard


def guard_for(tmp_path, profile: dict, **intent) -> IntentGuard:
    cfg = parse_config({"profiles": {"p": {"owner": "sec@corp", **profile}}, "intent": intent}, tmp_path / "g.toml")
    return IntentGuard(cfg)


def call(session: SessionInfo, name: str, **args) -> ToolCall:
    upstream, tool = name.split("/")
    return ToolCall(session, upstream, tool, f"{upstream}__{tool}", args)


def test_deny_ask_allow_globs_over_namespaced_names(tmp_path):
    g = guard_for(
        tmp_path, {"allow": ["mail/*", "get_*"], "deny": ["*/delete_*"], "ask": ["mail/send_*"], "fallback": "deny"}
    )
    s = SessionInfo(id="s", intent="anything", profile="p")
    assert g.decide(call(s, "mail/delete_all")).action == "deny"
    d = g.decide(call(s, "mail/send_mail", to="x@y.example"))
    assert d.action == "ask" and d.question and d.guard == "intent"
    assert g.decide(call(s, "mail/list_inbox")).action == "allow"
    assert g.decide(call(s, "files/get_file")).action == "allow"  # bare glob: any upstream
    d = g.decide(call(s, "files/write_file"))
    assert (d.action, d.rule) == ("deny", "fallback")


def test_constraints_each_kind(tmp_path):
    approved = tmp_path / "recipients.txt"
    approved.write_text("# approved\nAlice@Corp.example\n")
    g = guard_for(
        tmp_path,
        {
            "allow": ["*"],
            "constraints": [
                {"tool": "bank/pay", "arg": "currency", "equals": "EUR"},
                {"tool": "bank/pay", "arg": "method", "one_of": ["sepa", "instant"]},
                {"tool": "bank/pay", "arg": "ref", "pattern": r"INV-\d+"},
                {"tool": "bank/pay", "arg": "amount", "min": 1, "max": 500},
                {"tool": "bank/pay", "arg": "memo", "in_intent": True},
                {"tool": "mail/send", "arg": "to", "trusted_list": "recipients.txt", "required": True},
                {"tool": "mail/send", "arg": "cc", "trusted_list": "recipients.txt", "on_fail": "ask"},
            ],
        },
    )
    s = SessionInfo(id="s", intent="pay the plumber, memo 'boiler fix'", profile="p")
    good = {"currency": "EUR", "method": "sepa", "ref": "INV-42", "amount": 120, "memo": "boiler fix"}
    assert g.decide(call(s, "bank/pay", **good)).action == "allow"
    for arg, bad, words in [
        ("currency", "USD", "must equal"),
        ("method", "cash", "one of"),
        ("ref", "INV-4x", "must match"),
        ("amount", 900, "at most"),
        ("amount", "lots", "number"),
        ("memo", "bitcoin", "declared intent"),
    ]:
        d = g.decide(call(s, "bank/pay", **{**good, arg: bad}))
        assert d.action == "deny" and words in d.reason and d.rule == f"constraint:bank/pay.{arg}", (arg, d)
    assert g.decide(call(s, "mail/send", to=["alice@corp.example"])).action == "allow"
    assert g.decide(call(s, "mail/send", to=["alice@corp.example", "eve@x.example"])).action == "deny"
    assert "required" in g.decide(call(s, "mail/send", body="hi")).reason
    assert g.decide(call(s, "mail/send", to="alice@corp.example", cc="eve@x.example")).action == "ask"


def test_budgets_per_tool_and_total(tmp_path):
    g = guard_for(tmp_path, {"allow": ["*"], "budget": {"total": 4, "per_tool": {"*/send_*": 2}}})
    s = SessionInfo(id="s", intent="x", profile="p")
    assert [g.decide(call(s, "mail/send_mail")).action for _ in range(3)] == ["allow", "allow", "deny"]
    assert g.decide(call(s, "mail/read")).action == "allow"
    assert g.decide(call(s, "mail/read")).action == "allow"
    d = g.decide(call(s, "mail/read"))
    assert (d.action, d.rule) == ("deny", "budget")
    other = SessionInfo(id="t", intent="x", profile="p")  # budgets are per session
    assert g.decide(call(other, "mail/send_mail")).action == "allow"


def test_expiry(tmp_path):
    cfg = parse_config({"profiles": {"p": {"owner": "o", "allow": ["*"], "expires": "2030-01-31"}}})
    s = SessionInfo(id="s", intent="x", profile="p")
    before = IntentGuard(cfg, clock=lambda: datetime(2030, 1, 31, 23, 59, tzinfo=UTC))
    after = IntentGuard(cfg, clock=lambda: datetime(2030, 2, 1, 0, 0, tzinfo=UTC))
    assert before.decide(call(s, "a/b")).action == "allow"
    d = after.decide(call(SessionInfo(id="s", intent="x", profile="p"), "a/b"))
    assert (d.action, d.rule) == ("deny", "expired")


def test_fallback_engine_judges_calls_no_rule_names(tmp_path):
    g = guard_for(tmp_path, {"deny": ["*/delete_*"]})
    s = SessionInfo(id="s", intent="Send the notes to bo@corp.example", profile="p")
    assert g.decide(call(s, "mail/send_email", to="bo@corp.example")).action == "allow"
    assert g.decide(call(s, "mail/send_email", to="x@evil.example")).rule == "ungrounded"


def test_unknown_profile_and_bad_pattern_are_refused(tmp_path):
    g = guard_for(tmp_path, {"allow": ["*"]})
    d = g.decide(call(SessionInfo(id="s", intent="x", profile="nope"), "a/b"))
    assert d.action == "deny" and "nope" in d.reason
    with pytest.raises(ConfigError, match="regular expression"):
        parse_config({"profiles": {"p": {"owner": "o", "constraints": [{"tool": "*", "arg": "a", "pattern": "("}]}}})


def test_constraints_hold_for_the_inputs_too(tmp_path):
    """A value under a constrained name anywhere in a call's inputs (inputResponses, a client's
    answers) is held to the constraint like the argument."""
    g = guard_for(tmp_path, {"allow": ["mail/*"],
                             "constraints": [{"tool": "mail/send", "arg": "to", "one_of": ["bob@corp.example"]}]})
    s = SessionInfo(id="s", intent="anything", profile="p")
    ok = call(s, "mail/send", to="bob@corp.example")
    assert g.decide(ok).action == "allow"
    for inputs in ({"inputResponses": {"r": {"action": "accept", "content": {"to": "eve@x.example"}}}},
                   {"inputResponses": {"r": {"content": {"nested": [{"to": ["eve@x.example"]}]}}}}):
        d = g.decide(ToolCall(s, "mail", "send", "mail__send", {"to": "bob@corp.example"}, None, inputs))
        assert (d.action, d.rule) == ("deny", "constraint:mail/send.to"), inputs
    fine = {"inputResponses": {"r": {"action": "accept", "content": {"to": "bob@corp.example", "note": "hi"}}}}
    assert g.decide(ToolCall(s, "mail", "send", "mail__send", {"to": "bob@corp.example"}, None, fine)).allowed


def test_constraints_hold_for_a_nested_argument_too(tmp_path):
    """A value under the constrained name deeper in the arguments (`message.to`, a list of messages)
    is held to the constraint as a top-level one is (attacker 2, session 10: only the top was read)."""
    g = guard_for(tmp_path, {"allow": ["mail/*"],
                             "constraints": [{"tool": "mail/send", "arg": "to", "one_of": ["bob@corp.example"]}]})
    s = SessionInfo(id="s", intent="anything", profile="p")
    assert g.decide(call(s, "mail/send", message={"to": "bob@corp.example", "body": "hi"})).action == "allow"
    for args in ({"message": {"to": "eve@x.example"}}, {"messages": [{"to": ["eve@x.example"]}]},
                 {"to": "bob@corp.example", "forward": {"to": "eve@x.example"}}):
        d = g.decide(call(s, "mail/send", **args))
        assert (d.action, d.rule) == ("deny", "constraint:mail/send.to"), args


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_spent_budget_is_checked_before_constraints_and_again_on_a_yes(tmp_path, anyio_backend):
    g = guard_for(tmp_path, {"ask": ["mail/send"], "budget": {"total": 1},
                             "constraints": [{"tool": "mail/send", "arg": "to", "one_of": ["bob@corp.example"],
                                              "on_fail": "ask"}]})
    s = SessionInfo(id="s", intent="anything", profile="p")
    first, second = call(s, "mail/send", to="bob@corp.example"), call(s, "mail/send", to="bob@corp.example")
    assert g.decide(first).action == "ask" and g.decide(second).action == "ask"  # both asked before any yes
    assert await g.on_approved(first) is None  # the first yes is charged
    refused = await g.on_approved(second)  # the second yes finds the budget spent meanwhile
    assert refused is not None and (refused.action, refused.rule) == ("deny", "budget")
    d = g.decide(call(s, "mail/send", to="eve@x.example"))  # violates the constraint: not asked, refused
    assert (d.action, d.rule) == ("deny", "budget")
