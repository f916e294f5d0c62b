"""Resource URIs compared the way a server might resolve them, so a held resource has no second name.

`uri_key` is deliberately loose: RFC 3986 normalisation (scheme and host case, dot segments, the
fragment dropped, default ports) and then more than the RFC allows (every percent-escape decoded,
case folded, `\\` read as `/`, repeated and trailing slashes dropped), because what matters is
whether some server could serve the same thing under both spellings, not whether the RFC calls them
equal. Used only to decide what is held: a false match holds a resource, it never releases one.
`template_matches` reads an RFC 6570 template as its literal text with any value in each `{...}`.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, urlsplit

_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}
_SLASHES = re.compile(r"/{2,}")


@lru_cache(maxsize=65536)
def uri_key(uri: str) -> str:
    """A comparison key for a resource URI: equal keys may name the same resource."""
    text = uri.strip().replace("\\", "/")
    try:
        parts = urlsplit(text)
        scheme, netloc, path, query = parts.scheme, parts.netloc, parts.path, parts.query
    except ValueError:  # an invalid IPv6 host and the like: compare the text itself
        scheme, netloc, path, query = "", "", text.split("#", 1)[0], ""
    netloc = unquote(netloc).casefold().rsplit("@", 1)[-1]  # user info does not change the resource
    host, _, port = netloc.rpartition(":") if ":" in netloc and not netloc.endswith("]") else (netloc, "", "")
    if port and _DEFAULT_PORTS.get(scheme.lower()) == port:
        netloc = host
    if scheme.lower() == "file" and netloc == "localhost":  # RFC 8089: the same as no host
        netloc = ""
    for _ in range(3):  # double encoding (%252e) decoded too, within a bound
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    path = _SLASHES.sub("/", path.replace("\\", "/"))
    if path:
        leading = path.startswith("/")
        path = posixpath.normpath(path)
        path = path.lstrip("/") if not leading else "/" + path.lstrip("/")
        if path in (".", "/."):
            path = "" if not leading else "/"
    # Windows ignores trailing dots and spaces of a name: `Secret.txt.` opens `Secret.txt`.
    path = "/".join(seg.rstrip(". ") if seg not in (".", "..") else seg for seg in path.split("/")).rstrip("/")
    # An empty authority is no authority (file:///x is file:/x, RFC 8089).
    key = f"{scheme.lower()}:" + (f"//{netloc}" if netloc else "") + path
    if query:
        key += "?" + unquote(query)
    return _fold(key)


def uri_base(key: str) -> str:
    """A key without its query, path parameters or anything after a decoded `#`: a server may ignore them."""
    return re.split(r"[?;#]", key, maxsplit=1)[0]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=1024)
def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^{}]*\}", template)
    literal = [uri_key_fragment(p) for p in parts]
    return re.compile("^" + ".*".join(re.escape(p) for p in literal) + "/*$", re.S)


def uri_key_fragment(text: str) -> str:
    """The literal text of a template, folded as `uri_key` folds a whole URI (no structure to parse)."""
    return _fold(_SLASHES.sub("/", unquote(text).replace("\\", "/")))


def template_matches(template: str, uri: str) -> bool:
    """Whether `uri` (or its key) could be an expansion of the RFC 6570 `template`."""
    regex = _template_regex(template)
    folded = uri_key_fragment(uri.split("#", 1)[0])
    return bool(regex.match(folded) or regex.match(uri_key(uri)))
