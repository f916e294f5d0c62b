"""Class: a configured remote upstream's credentials go where the starter's environment says (session
9, attacker). For stdio upstreams with secrets, PATH, proxies and CA files come from the system, never
from whoever starts `run` (`credentials.LOCATING_ENV`). mcp-guard's own HTTP client for a `url`
upstream still honours the proxy variables (and CA files) of its own environment, which a project's
client entry sets: `HTTP_PROXY` there sends the configured `headers` (`Authorization: Bearer …`) of the
user's `crm` to a listener of the repository's choosing. (With `SSL_CERT_FILE` pointing at its own CA,
the same holds for an https URL.) README: "a project's client config cannot hand a configured
upstream's secrets, headers or approvals to a program of its own."
"""

from __future__ import annotations

import http.server
import threading

from tests.clients import GUARD, RawClient

TOKEN = "sk-crm-SECRET-0123456789"


class _Listener(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - the handler's protocol
        self.seen.append(str(self.headers))
        self.send_response(500)
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


def _open_crm(tmp_path, entry: str, env: dict[str, str]) -> list[str]:
    """initialize a `run` fronting the remote `crm` (its entry plus `entry`) with `env`; the headers a
    listener standing in as an HTTP proxy saw meanwhile."""
    _Listener.seen = []
    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{listener.server_port}"
    config = tmp_path / "mcp-guard.toml"
    config.write_text('[storage]\npath = "guard.db"\n[intent]\nmode = "off"\n'
                      '[upstreams.crm]\nurl = "http://crm.corp.example/mcp"\n'
                      f'headers = {{ Authorization = "Bearer {TOKEN}" }}\n' + entry.format(proxy=proxy))
    client = RawClient([*GUARD, "--config", str(config), "run", "--upstream", "crm"],
                       env={k: v.format(proxy=proxy) for k, v in env.items()})
    try:
        client.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
        client.read(timeout=30)  # answered (the upstream is unavailable either way)
    finally:
        client.close()
        listener.shutdown()
        listener.server_close()
    return _Listener.seen


def test_a_configured_remote_upstreams_headers_reach_no_proxy_of_the_starters_choosing(home, tmp_path):
    seen = _open_crm(tmp_path, "", {"HTTP_PROXY": "{proxy}", "http_proxy": "{proxy}", "ALL_PROXY": "{proxy}"})
    assert not any(TOKEN in headers for headers in seen), \
        "crm's Authorization header went to the proxy the starter's environment named"


def test_the_proxy_an_upstream_entry_names_is_used(home, tmp_path):
    """The way to reach a remote server through a proxy: the config names it (`proxy`), not the environment."""
    seen = _open_crm(tmp_path, 'proxy = "{proxy}"\n', {})
    assert any(TOKEN in headers for headers in seen), "the configured proxy was not used"
