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
