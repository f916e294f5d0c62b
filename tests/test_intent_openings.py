"""What opens a thing to everyone, in the spellings services use (`intent/openings`)."""

from __future__ import annotations

import pytest

from mcp_guard.intent.openings import openings


@pytest.mark.parametrize("arguments", [
    {"visibility": "public"}, {"private": False}, {"is_public": True}, {"publicly_accessible": "true"},
    {"acl": "public-read"}, {"role": {"entity": "allAuthenticatedUsers"}}, {"link_access": "anyone_with_link"},
    {"mode": "0777"}, {"permissions": 666}, {"chmod": "o+w"}, {"settings": '{"hidden": false}'},
])
def test_an_opening_in_any_common_spelling_is_found(arguments):
    assert list(openings(arguments))


@pytest.mark.parametrize("arguments", [
    {"visibility": "private"}, {"private": True}, {"is_public": False}, {"name": "public-docs"},
    {"description": "a public mirror of the docs"}, {"mode": "0755"}, {"mode": "0644"}, {"acl": "private"},
    {"title": "Everyone welcome"}, {"count": 777},
])
def test_a_setting_that_keeps_it_closed_is_no_opening(arguments):
    assert list(openings(arguments)) == []
