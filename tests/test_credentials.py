"""Scoped credentials: a secret reaches an upstream only in sessions whose profile grants it."""

from __future__ import annotations

import pytest

from mcp_guard.config import parse_config
from mcp_guard.errors import ConfigError
from mcp_guard.intent.credentials import Redactor, Secret, session_env, withheld


@pytest.fixture
def config(tmp_path, monkeypatch):
    (tmp_path / "token.txt").write_text("file-secret-value\n")
    monkeypatch.setenv("CRM_TOKEN_SOURCE", "env-secret-value")
    return parse_config(
        {
            "upstreams": {
                "crm": {
                    "command": "crm-server",
                    "secrets": {"CRM_TOKEN": "env:CRM_TOKEN_SOURCE", "CRM_KEY": "file:token.txt"},
                }
            },
            "profiles": {
                "sales": {"owner": "o", "grants": ["CRM_TOKEN", "CRM_KEY"]},
                "intern": {"owner": "o", "grants": ["CRM_KEY"]},
                "none": {"owner": "o"},
            },
        },
        tmp_path / "mcp-guard.toml",
    )


def test_only_granted_secrets(config):
    assert session_env(config, "crm", "sales") == {"CRM_TOKEN": "env-secret-value", "CRM_KEY": "file-secret-value"}
    assert session_env(config, "crm", "intern") == {"CRM_KEY": "file-secret-value"}
    assert session_env(config, "crm", "none") == {}
    assert session_env(config, "crm", None) == {}
    assert withheld(config, "crm") == ["CRM_TOKEN", "CRM_KEY"]


def test_errors_never_show_values(config, monkeypatch):
    monkeypatch.delenv("CRM_TOKEN_SOURCE")
    with pytest.raises(ConfigError, match="CRM_TOKEN_SOURCE is not set"):
        session_env(config, "crm", "sales")
    with pytest.raises(ConfigError, match="no profile"):
        session_env(config, "crm", "ghost")


def test_secret_repr_and_redaction(config):
    env = session_env(config, "crm", "sales")
    assert "env-secret-value" not in repr(env) and isinstance(env["CRM_TOKEN"], Secret)
    r = Redactor(env)
    assert r("auth=env-secret-value; k=file-secret-value") == "auth=[redacted:CRM_TOKEN]; k=[redacted:CRM_KEY]"


def test_an_upstream_with_secrets_takes_what_locates_code_and_traffic_from_the_system(monkeypatch, tmp_path):
    """Whoever starts mcp-guard (a project's client entry) sets PATH, HOME, proxies and CA files: for an
    upstream that gets secrets, none of them chooses its program, its code or its traffic's route."""
    import os
    import pwd

    from mcp_guard.config import UpstreamConfig
    from mcp_guard.intent.credentials import upstream_env

    repo = str(tmp_path / "repo")
    for name, value in {"PATH": f"{repo}/bin:/usr/bin", "HOME": repo, "XDG_CACHE_HOME": repo, "LANG": "C.UTF-8",
                        "https_proxy": "http://127.0.0.1:9", "SSL_CERT_FILE": f"{repo}/ca.pem"}.items():
        monkeypatch.setenv(name, value)
    guarded = UpstreamConfig(command="/opt/node/bin/npx", secrets={"T": "env:T_SOURCE"})
    env = upstream_env(guarded, {"T": "tok"})
    assert env["PATH"].split(os.pathsep)[0] == "/opt/node/bin" and repo not in env["PATH"]
    assert env["HOME"] == pwd.getpwuid(os.getuid()).pw_dir
    assert not {"XDG_CACHE_HOME", "https_proxy", "SSL_CERT_FILE"} & set(env)
    assert (env["LANG"], env["T"]) == ("C.UTF-8", "tok")
    # the entry decides: its env, or what it names in pass_env
    chosen = UpstreamConfig(command="npx", secrets={"T": "env:T_SOURCE"}, env={"PATH": "/srv/bin"},
                            pass_env=["HTTPS_PROXY"])
    env = upstream_env(chosen)
    assert env["PATH"] == "/srv/bin" and env["https_proxy"] == "http://127.0.0.1:9"
    # without secrets: the ordinary variables as they are
    plain = upstream_env(UpstreamConfig(command="npx"))
    assert plain["PATH"].startswith(repo) and plain["HOME"] == repo and "SSL_CERT_FILE" in plain


def test_an_upstream_with_secrets_starts_in_its_cwd_else_the_root(tmp_path):
    import os

    from mcp_guard.config import UpstreamConfig

    assert UpstreamConfig(command="x", secrets={"T": "env:T"}).launch_cwd() == os.path.abspath(os.sep)
    assert UpstreamConfig(command="x", secrets={"T": "env:T"}, cwd=str(tmp_path)).launch_cwd() == str(tmp_path)
    assert UpstreamConfig(command="x").launch_cwd() is None  # the client's folder, as before


def test_a_secret_read_is_scrubbed_from_messages_and_logs_in_every_spelling(config):
    import base64
    import io
    import logging
    from urllib.parse import quote

    from mcp_guard.intent.credentials import ScrubbedLog, scrub, scrub_message

    session_env(config, "crm", "sales")  # reading the secrets is what makes them known
    basic = base64.b64encode(b"api:file-secret-value").decode()
    msg = {"result": {"text": f"key FILE-SECRET-VALUE, url ?k={quote('env-secret-value')}, Basic {basic}",
                      "file-secret-value": [1, "clean"]}}
    out, raw = scrub_message(msg, repr(msg).encode())
    assert raw is None and "secret-value" not in repr(out).lower() and "api:file" not in repr(out)
    assert out["result"]["text"].startswith("key [redacted:CRM_KEY]")
    clean = {"result": {"text": "nothing here"}}
    assert scrub(clean) is clean and scrub_message(clean, b'{"result":{"text":"nothing here"}}')[0] is clean
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ScrubbedLog())
    log = logging.getLogger("test-credentials-scrub")
    log.addHandler(handler)
    try:
        log.warning("upstream said %s", "bad key file-secret-value")
        try:
            raise ValueError("refused env-secret-value")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    assert "secret-value" not in stream.getvalue() and "[redacted:" in stream.getvalue()
