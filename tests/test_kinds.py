"""One table of kinds: every module that spells a kind reads it from mcp_guard.kinds."""

from __future__ import annotations

from mcp_guard import kinds, manifest
from mcp_guard.cli.scan import LISTS
from mcp_guard.upstream_client import SdkUpstream


def test_the_table_is_complete_and_consistent():
    import mcp_types

    assert kinds.NAMES == ("tool", "prompt", "resource", "resource_template", "server")
    for k in kinds.LISTED:
        assert k.list_method.endswith("/list") and k.result_key and k.identity and k.capability
        assert issubclass(getattr(mcp_types, k.sdk_request), mcp_types.Request)  # the SDK knows the request
        assert kinds.BY_RESULT_KEY[k.result_key] is k and kinds.BY_LIST_METHOD[k.list_method] is k
    assert kinds.SERVER not in kinds.LISTED


def test_modules_read_the_table():
    assert manifest.LIST_METHODS["resource_template"] == ("resources/templates/list", "resourceTemplates")
    assert manifest.FROM_LIST_KIND == {"tools": "tool", "prompts": "prompt", "resources": "resource",
                                       "resourceTemplates": "resource_template"}
    assert LISTS["resources/templates/list"] == ("resourceTemplates", "resourceTemplate", "resources")
    assert set(SdkUpstream._REQUESTS) == {k.list_method for k in kinds.LISTED} | {"tools/call"}
    for k in kinds.LISTED:
        assert manifest.item_name(k.name, {k.identity: "x"}) == "x"
    assert manifest.item_name("server", {}) == manifest.SERVER_NAME
