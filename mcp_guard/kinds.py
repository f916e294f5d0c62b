"""The kinds of things an MCP server offers, in one table: every other module reads its spelling here.

`name` is mcp-guard's own (database, review queue, AI-BOM); `singular` is the protocol's (what the
scanner calls it); a listed kind has its list method, the key of the list in the result, the field
that names one item, the capability that announces it, the SDK's request type for its list, and the
notification that says the list changed (resource templates change with the resources).
`server` (identity and instructions) is fingerprinted like the others but is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    name: str  # tool | prompt | resource | resource_template | server
    singular: str  # tool | prompt | resource | resourceTemplate | server
    list_method: str = ""  # "" for the server
    result_key: str = ""  # the list in the list method's result; also the guard contract's ListKind
    identity: str = ""  # the field an item is known by
    capability: str = ""  # the server capability that offers the kind
    sdk_request: str = ""  # the `mcp_types` request class of the list method
    changed: str = ""  # the notification a server sends when the list changed ("": none of its own)


TOOL = Kind("tool", "tool", "tools/list", "tools", "name", "tools", "ListToolsRequest",
            "notifications/tools/list_changed")
PROMPT = Kind("prompt", "prompt", "prompts/list", "prompts", "name", "prompts", "ListPromptsRequest",
              "notifications/prompts/list_changed")
RESOURCE = Kind("resource", "resource", "resources/list", "resources", "uri", "resources", "ListResourcesRequest",
                "notifications/resources/list_changed")
RESOURCE_TEMPLATE = Kind(
    "resource_template", "resourceTemplate", "resources/templates/list", "resourceTemplates", "uriTemplate",
    "resources", "ListResourceTemplatesRequest",
)
SERVER = Kind("server", "server")

KINDS: dict[str, Kind] = {k.name: k for k in (TOOL, PROMPT, RESOURCE, RESOURCE_TEMPLATE, SERVER)}
NAMES: tuple[str, ...] = tuple(KINDS)
LISTED: tuple[Kind, ...] = tuple(k for k in KINDS.values() if k.list_method)
BY_RESULT_KEY: dict[str, Kind] = {k.result_key: k for k in LISTED}
BY_LIST_METHOD: dict[str, Kind] = {k.list_method: k for k in LISTED}

# Members an item may leave out but, when present, must be of the protocol's shape (an object, a string, a list).
_OBJECTS = ("annotations", "inputSchema", "outputSchema", "_meta")
_STRINGS = ("title", "description", "mimeType")


def malformed(kind: Kind, item: object) -> str | None:
    """Why a listed item is not of the shape the protocol gives its kind (an object named by a non-empty
    string, `annotations`, `inputSchema`… objects, `description` a string, a prompt's `arguments` a list of
    objects), or None. Such an item is dropped where it is listed: a client's SDK would refuse the whole list
    for it, and every other upstream's items with it."""
    if not isinstance(item, dict):
        return f"a {kind.singular} that is no object"
    ident = item.get(kind.identity)
    if not isinstance(ident, str) or not ident:
        return f"a {kind.singular} whose {kind.identity} is no string"
    for key in _OBJECTS:
        if key in item and not isinstance(item[key], dict):
            return f"{kind.singular} {ident!r}: its {key} is no object"
    if "icons" in item and not isinstance(item["icons"], list):
        return f"{kind.singular} {ident!r}: its icons are no list"
    for key in _STRINGS:
        if key in item and item[key] is not None and not isinstance(item[key], str):
            return f"{kind.singular} {ident!r}: its {key} is no string"
    args = item.get("arguments") if kind is PROMPT else None
    if args is not None and not (isinstance(args, list) and all(isinstance(a, dict) for a in args)):
        return f"prompt {ident!r}: its arguments are no list of objects"
    return None
