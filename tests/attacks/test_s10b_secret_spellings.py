"""Class: a granted secret its own server writes reaches the model or mcp-guard's log in a spelling the
scrub does not know (session 10, attacker 2; fixed: each is a spelling
the scrub knows, and a number is read as its text). `credentials._spellings` knows a value as it is,
percent-encoded with nothing kept (`quote(v, safe="")`, `quote_plus`) and in base64; the walk compares
each decoded string with those. Ordinary writers spell a key otherwise:
- a URL path or query built with `quote(key)` keeps `/` (the default of every URL encoder for paths);
- a JSON text inside a result (a server that shows its request body) written by an encoder that escapes
  `/` as `\\/` (PHP's json_encode, by default): the text the model reads holds the escape, and the
  model reads it back as the key;
- a key of several lines (a PEM key from `file:`): its stderr is scrubbed line by line, and no one line
  holds the whole value, so every line of the key reaches mcp-guard's log.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from tests.attacks.client import Attacker, Scripted, text_of, write_config

SECRET = "sk-live/Q7vX+2mN9=pLr4Tz8"
CONFIG = {"name": "show_config", "description": "Show this server's configuration.",
          "annotations": {"readOnlyHint": True}, "inputSchema": {"type": "object"}}

# How the server writes its key (Python run inside it, `k` is the key) and how the model reads it back.
SPELLINGS = {
    "url_path_quote": ("'GET /v1/keys/' + __import__('urllib.parse').parse.quote(k) + ' region eu-1'",
                       lambda shown: SECRET in unquote(shown)),
    "json_escaped_slash": ("'request body: ' + json.dumps({'key': k}).replace('/', '\\\\/') + ' region eu-1'",
                           lambda shown: SECRET in shown.replace("\\/", "/")),
}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_a_granted_secret_in_an_ordinary_spelling_is_scrubbed(tmp_path, spelling):
    code, read_back = SPELLINGS[spelling]
    vault = Scripted(tmp_path / "vault.json", tools=[CONFIG],
                     call_python=f"(lambda k: {code})(os.environ.get('VAULT_KEY', '?'))")
    config = write_config(tmp_path / "mcp-guard.toml", {
        "vault": (vault.command, 'trust = "tofu"\nsecrets = { VAULT_KEY = "env:VAULT_SOURCE" }\n'),
    }, '[storage]\npath = "guard.db"\n[profiles.ops]\nowner = "ops@example.test"\ngrants = ["VAULT_KEY"]\n')
    with Attacker(config, "--profile", "ops", "--intent", "Check the vault config",
                  env={"VAULT_SOURCE": SECRET}) as client:
        client.open()
        assert client.names() == ["show_config"]  # one upstream: its names are not prefixed
        shown = text_of(client.call("show_config"))
    assert "region eu-1" in shown, shown  # the server answered
    assert not read_back(shown), f"the model can read the key back from: {shown}"


PEM = ("-----BEGIN PRIVATE KEY-----\n"
       "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
       "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
       "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ\n"
       "-----END PRIVATE KEY-----")


def test_a_granted_key_of_several_lines_never_reaches_mcp_guards_log(tmp_path):
    (tmp_path / "signing.pem").write_text(PEM + "\n")
    vault = Scripted(tmp_path / "vault.json", tools=[CONFIG], call_python="'region eu-1'",
                     startup_python="sys.stderr.write('vault: loaded signing key\\n'"
                                    " + os.environ.get('SIGNING_KEY', '?') + '\\n'); sys.stderr.flush()")
    config = write_config(tmp_path / "mcp-guard.toml", {
        "vault": (vault.command, 'trust = "tofu"\nsecrets = { SIGNING_KEY = "file:signing.pem" }\n'),
    }, '[storage]\npath = "guard.db"\n[profiles.ops]\nowner = "ops@example.test"\ngrants = ["SIGNING_KEY"]\n')
    with Attacker(config, "--profile", "ops", "--intent", "Check the vault config") as client:
        client.open()
        client.names()
        client.call("show_config")
        assert client.proc.stdin is not None
        client.proc.stdin.close()
        client.proc.wait(20)
        log = client.stderr()
    assert "vault: loaded signing key" in log  # the server's own line did reach our log
    body = [line for line in PEM.splitlines() if not line.startswith("-----")]
    assert not [line for line in body if line in log], "the private key's lines are in mcp-guard's log"


NUMBER = "4929118350067124"  # a card number, an account's number, a numeric API key


def test_a_granted_numeric_secret_written_as_a_json_number_is_scrubbed(tmp_path):
    """A server that answers with structured content writes a number as a number: `_carries` and
    `_scrub` look at strings and keys only, so the bytes' match is walked and found clean."""
    vault = Scripted(tmp_path / "vault.json", tools=[CONFIG], startup_python=(
        "s = json.load(open(sys.argv[1])); "
        "s['call'] = {'result': {'content': [{'type': 'text', 'text': 'region eu-1'}], "
        "'structuredContent': {'account': int(os.environ.get('CARD', '0'))}}}; "
        "json.dump(s, open(sys.argv[1] + '.new', 'w')); os.replace(sys.argv[1] + '.new', sys.argv[1])"))
    config = write_config(tmp_path / "mcp-guard.toml", {
        "vault": (vault.command, 'trust = "tofu"\nsecrets = { CARD = "env:CARD_SOURCE" }\n'),
    }, '[storage]\npath = "guard.db"\n[profiles.ops]\nowner = "ops@example.test"\ngrants = ["CARD"]\n')
    with Attacker(config, "--profile", "ops", "--intent", "Check the vault config",
                  env={"CARD_SOURCE": NUMBER}) as client:
        client.open()
        assert client.names() == ["show_config"]
        answer = client.call("show_config")
    assert "region eu-1" in text_of(answer), answer  # the server answered
    assert NUMBER not in json.dumps(answer), answer
