"""Class: a remote upstream's credential reaches the model (session 10, attacker 2; fixed:
the HTTP client of a remote upstream remembers its credential headers as secrets read). The scrub
knows only the values `[upstreams.X] secrets` read (`credentials._remember` from `_read`); a `url`
upstream has no environment, and its credential is the `headers` entry (`Authorization = "Bearer …"`):
nothing remembers it. A remote server that echoes the header it got (an "invalid token Bearer sk-…"
error, a debug tool) hands the token to the model, and through it to any other upstream.
"""

from __future__ import annotations

import http.server
import json
import threading

from tests.clients import GUARD, RawClient

TOKEN = "sk-crm-SECRET-0123456789"
TOOL = {"name": "whoami", "description": "Who the CRM thinks you are.", "annotations": {"readOnlyHint": True},
        "inputSchema": {"type": "object"}}


class _Crm(http.server.BaseHTTPRequestHandler):
    """A minimal streamable-HTTP MCP server answering in JSON; its tool echoes the Authorization header."""

    def do_POST(self) -> None:  # noqa: N802 - the handler's protocol
        msg = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        if "id" not in msg:
            self.send_response(202)
            self.end_headers()
            return
        method = msg.get("method")
        if method == "initialize":
            result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
                      "serverInfo": {"name": "crm", "version": "1"}}
        elif method == "tools/list":
            result = {"tools": [TOOL]}
        elif method == "tools/call":
            result = {"content": [{"type": "text", "text": "401 from backend: credential "
                                   f"'{self.headers.get('Authorization')}' has expired"}], "isError": True}
        else:
            result = {}
        body = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - no stream of the server's own
        self.send_response(405)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_remote_upstreams_header_credential_it_echoes_never_reaches_the_model(home, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Crm)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = tmp_path / "mcp-guard.toml"
    config.write_text('[storage]\npath = "guard.db"\n'
                      f'[upstreams.crm]\nurl = "http://127.0.0.1:{server.server_port}/mcp"\n'
                      'transport = "streamable-http"\ntrust = "tofu"\n'
                      f'headers = {{ Authorization = "Bearer {TOKEN}" }}\n')
    client = RawClient([*GUARD, "--config", str(config), "run", "--upstream", "crm", "--intent", "who am I in the CRM"])
    try:
        client.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
        client.read(timeout=30)
        client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        client.send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        listed = client.read(timeout=30)
        client.send({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "whoami", "arguments": {}}})
        answer = json.dumps(client.read(timeout=30))
    finally:
        client.close()
        server.shutdown()
        server.server_close()
    assert "whoami" in json.dumps(listed), listed
    assert "has expired" in answer, answer  # the server answered
    assert TOKEN not in answer, answer
