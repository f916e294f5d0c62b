"""Resource URIs compared the way a server might resolve them, so a held resource has no second name.

`uri_key` is deliberately loose: RFC 3986 normalisation (scheme and host case, dot segments, the
fragment dropped, default ports) and then more than the RFC allows (every percent-escape decoded,
case folded, `\\` read as `/`, repeated and trailing slashes dropped), because what matters is
whether some server could serve the same thing under both spellings, not whether the RFC calls them
equal. Used only to decide what is held: a false match holds a resource, it never releases one.
`template_matches` reads an RFC 6570 template as its literal text, keyed the same way, with any value in
each `{...}`.
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


_SLOT = "\ue000"  # a template's `{...}` while its literal text is normalised (a private-use letter)


@lru_cache(maxsize=1024)
def _template_regex(template: str) -> re.Pattern[str]:
    """The template normalised exactly as `uri_key` normalises a URI (its authority's case, port and
    user info, its escapes, slashes and dot segments), with any value in each `{...}`."""
    literal = uri_key(re.sub(r"\{[^{}]*\}", _SLOT, template)).split(_fold(_SLOT))
    return re.compile("^" + ".*".join(re.escape(p) for p in literal) + "/*$", re.S)


@lru_cache(maxsize=1024)
def _raw_template_regex(template: str) -> re.Pattern[str]:
    literal = [_raw_fold(p) for p in re.split(r"\{[^{}]*\}", template)]
    return re.compile("^" + ".*".join(re.escape(p) for p in literal) + "/*$", re.S)


def _raw_fold(text: str) -> str:
    return _fold(_SLASHES.sub("/", unquote(text).replace("\\", "/")))


def template_matches(template: str, uri: str) -> bool:
    """Whether `uri` could be an expansion of the RFC 6570 `template`: both compared by their keys
    (one canonical form), and also as written (a server may expand `../` into a value unresolved)."""
    key = uri_key(uri)
    regex = _template_regex(template)
    return bool(regex.match(key) or regex.match(key + "/")  # `uri_key` drops a trailing slash
                or _raw_template_regex(template).match(_raw_fold(uri.split("#", 1)[0])))
