"""uris.py: one normal form for a resource URI and for a template's literal text."""

from __future__ import annotations

import pytest

from mcp_guard.uris import template_matches, uri_key


@pytest.mark.parametrize(("template", "uri"), [
    ("https://api.example/{path}", "https://api.example:443/secrets"),  # the default port
    ("https://api.example/{path}", "https://anyone@api.example/secrets"),  # user info
    ("https://api.example/{path}", "HTTPS://API.EXAMPLE/secrets"),
    ("https://api.example/{path}", "https://%61pi.example/secrets"),
    ("notes://day/{date}", "notes://me@day/2026-12-01"),
    ("https://api.example:443/{path}", "https://api.example/x"),  # the template spelled with its port
    ("file:///{path}", "file://localhost/etc/passwd"),
    ("https://x/{a}/{b}", "https://x/a/../../secret"),  # as written: a server may take `..` into a value
    ("https://x/a/{id}", "https://x/a/"),
])
def test_spellings_of_a_template_expansion_match(template, uri):
    assert template_matches(template, uri)


@pytest.mark.parametrize(("template", "uri"), [
    ("https://api.example/{path}", "https://api.example:8443/secrets"),
    ("https://api.example/{path}", "https://other.example/api.example/x"),
    ("notes://day/{date}", "notes://night/2026-12-01"),
])
def test_other_resources_do_not_match(template, uri):
    assert not template_matches(template, uri)


def test_key_is_the_same_for_authority_spellings():
    assert uri_key("https://u:p@API.example:443/a/./b/") == uri_key("https://api.example/a/b")
