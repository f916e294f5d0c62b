"""Names, URIs and cursors when several upstreams stand behind one endpoint.

With one upstream nothing is renamed. With several, tools and prompts are exposed as
`UPSTREAM<sep>NAME`, resources keep their URIs and are routed to the upstream that listed them,
and list cursors are the proxy's own: they say which upstream to read next and with what cursor.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

import orjson

from mcp_guard.errors import InvalidParams
from mcp_guard.uris import uri_key

UPSTREAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class RoutingError(InvalidParams):
    """A name, URI or cursor that routes to no single upstream."""


class Router:
    def __init__(self, upstreams: list[str], separator: str) -> None:
        self.upstreams = upstreams
        self.separator = separator
        self.namespaced = len(upstreams) > 1
        self._uri_owner: dict[str, str] = {}
        self._template_prefixes: list[tuple[str, str]] = []  # (literal prefix of a template, upstream)
        self._templates: dict[str, str] = {}  # a template as listed -> the first upstream that listed it

    def expose(self, upstream: str, name: str) -> str:
        return f"{upstream}{self.separator}{name}" if self.namespaced else name

    def resolve(self, exposed: str) -> tuple[str, str] | None:
        """The (upstream, name on that upstream) of an exposed tool or prompt name."""
        if not self.namespaced:
            return self.upstreams[0], exposed
        for upstream in self.upstreams:
            prefix = upstream + self.separator
            if exposed.startswith(prefix) and len(exposed) > len(prefix):
                return upstream, exposed[len(prefix):]
        return None

    def unknown(self, name: str, listed: Iterable[str] = ()) -> str:
        """Why a tool or prompt name routes nowhere, with the names it may have meant among those `listed`."""
        if not self.namespaced or self.resolve(name) is not None:
            return f"Unknown tool: {name}"
        meant = [n for n in listed if n.endswith(self.separator + name) and self.resolve(n) == (
            n[: -len(self.separator + name)], name)]
        named = f": {' or '.join(map(repr, meant[:4]))}" if meant else ""
        return f"Unknown tool: {name} (with several upstreams a tool is named UPSTREAM{self.separator}TOOL{named})"

    def claim_uri(self, upstream: str, uri: str) -> bool:
        """Record that `upstream` serves `uri`; False when another upstream already does (a collision)."""
        owner = self._uri_owner.setdefault(uri_key(uri), upstream)  # spellings of one URI have one owner
        return owner == upstream

    def claim_template(self, upstream: str, template: str) -> None:
        self._templates.setdefault(template, upstream)
        prefix = template.split("{", 1)[0]
        if prefix and (prefix, upstream) not in self._template_prefixes:
            self._template_prefixes.append((prefix, upstream))
            self._template_prefixes.sort(key=lambda p: -len(p[0]))

    def route_uri(self, uri: str) -> str | None:
        if not self.namespaced:
            return self.upstreams[0]
        owner = self._uri_owner.get(uri_key(uri))
        if owner is not None:
            return owner
        if uri in self._templates:  # a completion ref names the template itself
            return self._templates[uri]
        # A URI that fits templates of several upstreams is refused: the narrower template may be the
        # other server's way of taking reads meant for the wider one (`file:///home/{x}` in `file:///{p}`).
        fits = [u for u in self.upstreams if any(uri.startswith(p) for p, o in self._template_prefixes if o == u)]
        if len(fits) > 1:
            raise RoutingError(f"resource {uri!r} fits resource templates of several upstreams "
                               f"({', '.join(fits)}): refused as ambiguous; read a URI one of them listed")
        return fits[0] if fits else None


def encode_cursor(index: int, cursor: str | None) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([index, cursor])).decode()


def decode_cursor(token: str | None) -> tuple[int, str | None]:
    if token is None:
        return 0, None
    if not isinstance(token, str):
        raise RoutingError("invalid cursor")
    try:
        index, cursor = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        if isinstance(index, int) and index >= 0 and (cursor is None or isinstance(cursor, str)):
            return index, cursor
    except (ValueError, TypeError, orjson.JSONDecodeError):
        pass
    raise RoutingError("invalid cursor")
