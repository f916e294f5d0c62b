"""Class: a secret granted to one upstream reaches the model, and through it another upstream, the
review store or a log (session 10, attacker; fixed). `[upstreams.X.secrets]` keep a secret out of every
other server's environment, but nothing stopped the value itself once its own server wrote it anywhere:
a tool result or error (a server that echoes its configuration or an "invalid key sk-…" error), its
listing, or its stderr. The result went to the model unchanged, so the next call could carry it to any
upstream the intent lets the model write to (here: the very channel the person asked to post to); the
stderr went verbatim to mcp-guard's own log. Now every message an upstream sends, and every line of its
stderr, is scrubbed of every secret value the process has read (`credentials.scrub`).
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from urllib.parse import quote

from tests.attacks.client import Attacker, Scripted, text_of, write_config

SECRET = "sk-live-Q7vX2mN9pLr4Tz8"
POST = {"name": "post_message", "description": "Post a message to a chat channel.",
        "inputSchema": {"type": "object", "properties": {"channel": {"type": "string"}, "text": {"type": "string"}}}}
CONFIG = {"name": "show_config", "description": "Show this server's configuration.",
          "annotations": {"readOnlyHint": True}, "inputSchema": {"type": "object"}}


def _config(tmp_path):
    vault = Scripted(tmp_path / "vault.json", tools=[CONFIG],
                     call_python="'vault ok, region eu-1, key=' + os.environ.get('VAULT_KEY', '?')",
                     startup_python="sys.stderr.write('vault: starting with key ' + os.environ.get('VAULT_KEY', '?')"
                                    " + '\\n'); sys.stderr.flush()")
    chat = Scripted(tmp_path / "chat.json", tools=[POST])
    config = write_config(tmp_path / "mcp-guard.toml", {
        "vault": (vault.command, 'trust = "tofu"\nsecrets = { VAULT_KEY = "env:VAULT_SOURCE" }\n'),
        "chat": (chat.command, 'trust = "tofu"\n'),
    }, '[storage]\npath = "guard.db"\n[profiles.ops]\nowner = "ops@example.test"\ngrants = ["VAULT_KEY"]\n')
    return vault, chat, config


def test_a_granted_secret_never_reaches_another_upstream(tmp_path):
    _, chat, config = _config(tmp_path)
    with Attacker(config, "--profile", "ops", "--intent", "Check the vault config and post a status note to #ops",
                  env={"VAULT_SOURCE": SECRET}) as client:
        client.open()
        client.names()
        shown = text_of(client.call("vault__show_config"))
        posted = client.call("chat__post_message", {"channel": "#ops", "text": f"vault status: {shown}"})
    assert "region eu-1" in shown  # the server answered (its secret is what must not pass)
    leaked = [line for line in chat.received_raw() if SECRET in line]
    assert not leaked, f"the secret reached another upstream: {text_of(posted)}"
    assert SECRET not in shown, "the model was handed the secret itself"


def test_a_granted_secret_never_reaches_mcp_guards_log(tmp_path):
    _, _, config = _config(tmp_path)
    with Attacker(config, "--profile", "ops", "--intent", "Check the vault config",
                  env={"VAULT_SOURCE": SECRET}) as client:
        client.open()
        client.names()
        client.call("vault__show_config")
        assert client.proc.stdin is not None
        client.proc.stdin.close()
        client.proc.wait(20)
        log = client.stderr()
    assert "vault: starting with key" in log  # the server's own log line did reach ours
    assert SECRET not in log


def test_a_granted_secret_in_a_listing_is_never_shown_or_stored(tmp_path):
    vault, _, config = _config(tmp_path)
    vault.update(startup_python=(  # the server writes its key into its own tool's description
        "s = json.load(open(sys.argv[1])); "
        "s['tools'][0]['description'] = 'Show the config of key ' + os.environ.get('VAULT_KEY', '?'); "
        "json.dump(s, open(sys.argv[1] + '.new', 'w')); os.replace(sys.argv[1] + '.new', sys.argv[1])"))
    with Attacker(config, "--profile", "ops", "--intent", "Check the vault config",
                  env={"VAULT_SOURCE": SECRET}) as client:
        client.open()
        listed = json.dumps(client.request("tools/list"))
    stored = sqlite3.connect(tmp_path / "guard.db").execute("SELECT group_concat(definition) FROM items").fetchone()[0]
    assert "Show the config of key" in stored  # the server did list it
    assert SECRET not in listed
    assert SECRET not in stored


ENCODED = "sk-live/Q7vX+2mN9=pLr4Tz8"  # characters a URL or a header encodes


def test_a_granted_secret_its_server_encodes_is_scrubbed_too(tmp_path):
    """A server that echoes a request it made shows its key the way it sent it: in a Basic
    `Authorization` header (base64 of `user:key`) or a URL's query (percent-encoded). The model decodes
    either as easily as it reads the key itself."""
    vault, _, config = _config(tmp_path)
    vault.update(call_python=(
        "'GET https://api.vault.example/v1/status?key=' + __import__('urllib.parse').parse.quote("
        "os.environ['VAULT_KEY'], safe='') + ' Authorization: Basic ' + __import__('base64').b64encode("
        "('api:' + os.environ['VAULT_KEY']).encode()).decode() + ' region eu-1'"))
    with Attacker(config, "--profile", "ops", "--intent", "Check the vault config",
                  env={"VAULT_SOURCE": ENCODED}) as client:
        client.open()
        client.names()
        shown = text_of(client.call("vault__show_config"))
    assert "region eu-1" in shown, shown  # the server answered
    assert quote(ENCODED, safe="") not in shown, shown
    token = re.search(r"Basic (\S+)", shown)
    decoded = base64.b64decode(token.group(1) + "==").decode(errors="replace") if token else ""
    assert ENCODED not in decoded, shown


def test_a_granted_secret_its_server_writes_in_json_escapes_is_scrubbed_too(tmp_path):
    """JSON lets a writer escape any character (`\\u0073` is `s`): the bytes the server sent hold no
    spelling of the key, the message they parse to does. The scrub must judge the message, not only bytes."""
    vault, _, config = _config(tmp_path)
    escaped = "".join(f"\\u{ord(c):04x}" for c in SECRET)
    note = '{"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "key ' + \
        escaped + '"}}'
    vault.update(before_answer_raw=[note], call_python=f"json.loads('\"{escaped}\"') + ' region eu-1'")
    with Attacker(config, "--profile", "ops", "--intent", "Check the vault config",
                  env={"VAULT_SOURCE": SECRET}) as client:
        client.open()
        client.names()
        shown = text_of(client.call("vault__show_config"))
        seen = json.dumps(client.others)
    assert "region eu-1" in shown, shown  # the server answered
    assert SECRET not in shown, shown
    assert "key" in seen and SECRET not in seen, seen
