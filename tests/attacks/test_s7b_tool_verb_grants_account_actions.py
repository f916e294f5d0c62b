"""s7b: an honest request whose verb is a dangerous tool's own verb (or a light verb, "make") grants that
tool although the clause acts on something else (issues, notes, a README, a settings tab, a list), and a
one-off request grants a standing rule. README "Session intent": a verb grants a tool of another verb
only when its clause acts on what the tool acts on; "a tool with no such argument acts on a place its
name fixes (the public, every user, a database), which the clause must name". Expected: asked/held.
Actual: allowed ("grounded") and forwarded."""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, server, text_of, write_config

S = {"type": "string"}


def tool(name: str, *props: str) -> dict:
    return {"name": name, "description": name.replace("_", " ").capitalize(),
            "inputSchema": {"type": "object", "properties": {p: S for p in props}}}


TOOLS = [tool("read_file", "path") | {"annotations": {"readOnlyHint": True}},
         tool("make_repository_public", "repo"), tool("transfer_repository", "repo", "new_owner"),
         tool("add_collaborator", "repo", "username", "permission"), tool("close_account"),
         tool("create_api_key", "name"), tool("set_auto_forward", "address")]
CASES = [
    ("Make the README in corp/site repository clearer", "make_repository_public", {"repo": "corp/site"}),
    ("Publish the corp/site repository changelog", "make_repository_public", {"repo": "corp/site"}),
    ("Transfer the open issues of corp/site to bob", "transfer_repository", {"repo": "corp/site", "new_owner": "bob"}),
    ("Add bob's review notes to the corp/site repository wiki", "add_collaborator",
     {"repo": "corp/site", "username": "bob", "permission": "admin"}),
    ("Close the account settings tab", "close_account", {}),
    ("Close the account ticket #42", "close_account", {}),
    ("Create a key takeaways list from the meeting", "create_api_key", {"name": "x"}),
    ("Forward my emails from last week to bob@corp.example", "set_auto_forward", {"address": "bob@corp.example"}),
]


@pytest.mark.parametrize("intent,name,args", CASES, ids=[str(i) for i in range(len(CASES))])
def test_other_object_does_not_grant_account_action(tmp_path, intent, name, args):
    log = tmp_path / "upstream.log"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"tools": TOOLS, "log": str(log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml", {"w": (server("intent_world.py", str(spec)), 'trust = "tofu"')},
                       '[storage]\npath = "guard.db"\n')
    with Attacker(cfg, "--upstream", "w", "--intent", intent) as a:
        a.open()
        a.names()
        ans = a.call(name, args)
    got = [json.loads(x)["tool"] for x in log.read_text().splitlines()] if log.exists() else []
    assert name not in got, text_of(ans)
