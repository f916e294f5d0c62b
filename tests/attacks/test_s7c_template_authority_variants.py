"""Class: review — a held resource template read under another spelling of its authority.

README: "Resource URIs are compared normalised (case, percent-encoding, dot segments, fragment, trailing
slash); a URI that fits a held template is held." `template_matches` folds the template's literal text
with `//` collapsed to `/` ("https:/api.example/"), while `uri_key` keeps the `//` of an authority: the
key never matches a template that has one, and only the raw spelling is compared. So a variant that
`uri_key` exists to normalise but the raw text keeps (a default port, user info) passes a held
template's hold and reaches the server (percent-encoded host letters are caught: the raw text is unquoted).
"""

from __future__ import annotations

import pytest

from tests.attacks.client import Attacker, Scripted, write_config

TEMPLATES = [{"uriTemplate": "https://api.example/{path}", "name": "api", "description": "Held until reviewed."},
             {"uriTemplate": "notes://day/{date}", "name": "day", "description": "Held until reviewed."}]
VARIANTS = ["https://api.example:443/secrets", "https://anyone@api.example/secrets",
            "https://%61pi.example/secrets", "notes://me@day/2026-12-01", "notes://%64ay/2026-12-01"]


@pytest.mark.parametrize("uri", VARIANTS)
def test_held_template_variant_refused(tmp_path, uri):
    spec = Scripted(tmp_path / "spec.json", resourceTemplates=TEMPLATES)
    config = write_config(tmp_path / "mcp-guard.toml", {"files": (spec.command, "")})  # trust = review: held
    with Attacker(config) as client:
        client.open()
        assert "error" in client.request("resources/read", {"uri": "https://api.example/secrets"})  # the plain one
        answer = client.request("resources/read", {"uri": uri})
    assert "error" in answer, (uri, answer)
    assert [m["params"]["uri"] for m in spec.received("resources/read")] == [], "the held template was read"
