"""Address-like values in text: e-mail addresses, web addresses, hosts, IBANs, phone numbers, paths.

One extractor serves the three places that need it, so they agree on what a value is: the declared
request (what it names), a call's arguments (what it would reach) and tool results (where a value
came from). Values are compared whole, after normalisation: `alice@acme.co` is not `alice@acme.co.uk`,
and `evil.example` is not `not-evil.example`.

Normalisation follows what the software that uses the value would do with it, so that two spellings
of one place compare equal and a spelling that reaches another place never does:
- a web address is parsed as an HTTP client parses it (backslash as slash, userinfo up to the last
  '@', port, IDNA, trailing dot, percent-encoded and numeric IPv4 hosts); when parsers would disagree
  on its host, the host is unknown ("");
- an e-mail address's mailbox domain is after the last '@' outside quotes; comments are dropped;
- a path is resolved ('.', '..', '//', Windows separators) before any containment check;
- a phone number compares by its digits, an IBAN without spaces.
"""

from __future__ import annotations

import bisect
import ipaddress
import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

# Extensions of files people name in running text: a bare `notes.md` there is a file, not a host. (In an
# argument that says it is a host or web address, any syntactically valid name is one.)
_FILE_EXTS = frozenset(
    "md txt pdf doc docx xls xlsx ppt pptx csv tsv json yaml yml toml ini cfg conf log xml html htm css js mjs ts "
    "tsx jsx py pyc rb go rs java kt c h cc cpp hpp cs php pl sh bash zsh ps1 bat exe dll so dylib bin o a jar war "
    "png jpg jpeg gif svg webp bmp ico tif tiff mp3 mp4 wav mov avi mkv zip tar gz tgz bz2 xz 7z rar dmg iso "
    "db sqlite sql lock env key pem crt p12 bak tmp swp ipynb rst tex odt ods eml ics vcf msg".split()
)

_L = r"[^\W_](?:[\w-]{0,61}[^\W_])?"  # a host label (Unicode letters allowed: IDN)
_TAIL = r"[^\s<>\"'`(){}|^]"  # characters a web address may go on with ('\\' and '[]' included: parsed below)

# Each pass starts at a literal character ("@", ".", "://", "+", "/") so that the regex engine skips
# through text at memchr speed, and widens to the left only where it found one: one combined pattern
# tried at every position costs ~100× more on a large result.
_AT = re.compile(rf"@((?:\[[0-9a-f:.]+\])|{_L}(?:\.{_L})+\.?)")
_LOCAL_CH = frozenset("!#$%&*+/=?^{}~.-_")
_SCHEME_AT = re.compile(rf"://{_TAIL}+")
_SCHEME_LEFT = re.compile(r"[a-z][a-z0-9+.-]{1,15}$")
_WWW = re.compile(rf"www\.{_TAIL}+")
_DOT_TLD = re.compile(r"\.((?:xn--[a-z0-9-]{2,59})|[^\W\d_]{2,63})(?![\w-])")
_DIGIT = re.compile(r"\d")
_FENCE = re.compile(r"^[ \t]*```", re.M)
_HOSTNAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9])?)*")
_HEX_PART = re.compile(r"0x[0-9a-f]*")
_OCT_PART = re.compile(r"0[0-7]+")
_HOST_RIGHT = re.compile(rf"(?::\d{{2,5}})?(?:/{_TAIL}*)?")
_IPV4 = re.compile(r"(?<![\w.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\w]|\.\d)")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])")
_PHONE = re.compile(r"\+\d[\d ().-]{6,18}\d(?![\d])")
_PATH = re.compile(r"/[\w.~@%+-]+(?:/[\w.~@%+-]*)*")
_REL_LEFT = re.compile(r"(?:[\w.~@%+-]+/)*[\w.~@%+-]*$")
_WINPATH = re.compile(r"(?<![\w])(?:[a-z]:[\\/]|\\\\[\w.-]+\\)[^\s<>\"|?*,;]*")
_TRAIL = ".,;:!?)]}'\"*"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_WORDCH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_SPECIAL = frozenset({"http", "https", "ws", "wss", "ftp"})
_DEFAULT_PORT = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}


@dataclass(frozen=True, slots=True)
class Found:
    kind: str  # email | url | host | iban | phone | path
    value: str  # normalised
    start: int
    end: int


# -- normalising ---------------------------------------------------------------------------------------
def normalise(kind: str, raw: str) -> str:
    v = raw.strip().rstrip(_TRAIL) if kind != "path" else raw.strip().rstrip(_TRAIL.replace(")", ""))
    if kind == "url":
        return _url_value(v)
    if kind == "host":
        return _host_value(v)
    if kind == "email":
        return normalise_email(v)
    if kind == "iban":
        return v.replace(" ", "").upper()
    if kind == "phone":
        return "+" + _e164_digits(v)
    if kind == "path":
        return normalise_path(v)
    return v.lower()


def canonical_host(host: str) -> str:
    """A host as a client resolves it: percent-decoded, IDNA (punycode), no trailing dot, IPv4 in any
    numeric form (decimal, hex, octal, fewer parts) as dotted quad, IPv6 compressed in brackets; "" when
    it is not a valid host name."""
    h = unquote(host).strip().lower()
    if h.startswith("[") and h.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(h[1:-1]).compressed}]"
        except ValueError:
            return ""
    h = h.rstrip(".") if not h.endswith("..") else ""
    if not h:
        return ""
    ip = _ipv4(h)
    if ip is not None:
        return ip
    try:
        h = h.encode("idna").decode("ascii") if not h.isascii() else h
    except UnicodeError:
        return ""
    if not _HOSTNAME.fullmatch(h):
        return ""
    return h


def _ipv4(h: str) -> str | None:
    """WHATWG IPv4 parsing: 1-4 parts, each decimal, 0x-hex or 0-octal; the last fills the rest."""
    parts = h.split(".")
    if not parts or len(parts) > 4 or not all(parts):
        return None
    nums = []
    for p in parts:
        if p.isdigit() and p.isascii() and (p[0] != "0" or len(p) == 1):
            nums.append(int(p))
        elif _HEX_PART.fullmatch(p):
            nums.append(int(p[2:] or "0", 16))
        elif _OCT_PART.fullmatch(p):
            nums.append(int(p, 8))
        elif p.isdigit() and p.isascii():
            nums.append(int(p))
        else:
            return None
    last = nums.pop()
    if any(n > 255 for n in nums) or last >= 256 ** (4 - len(nums)):
        return None
    n = last
    for i, part in enumerate(nums):
        n += part << (8 * (3 - i))
    return str(ipaddress.IPv4Address(n))


def _host_value(v: str) -> str:
    """A bare host (maybe with a port and a path), normalised like a web address."""
    return _url_value(v)


def url_parts(raw: str) -> tuple[str, str, str]:
    """(scheme, host, rest) of a web address as a client reaches it; rest is [userinfo@]…[:port]/path?query
    minus the host. host is "" when it cannot be parsed or when parsers disagree on it."""
    v = raw.strip()
    m = _SCHEME.match(v)
    scheme = v[: m.end()].split(":", 1)[0].lower() if m else ""
    rest = v[m.end():] if m else v.lstrip("/")
    special = scheme in _SPECIAL or not scheme
    # RFC 3986 reading (backslash is an ordinary character) and WHATWG reading (backslash is '/').
    hosts = set()
    parsed = None
    for text in ({rest, rest.replace("\\", "/")} if special else {rest}):
        try:
            parsed = urlsplit("//" + text)
            host = parsed.hostname if parsed.hostname is not None else ""
            netloc = parsed.netloc
        except ValueError:
            return scheme, "", rest
        if netloc.startswith("[") or "@[" in netloc:
            host = "[" + host + "]"
        hosts.add(canonical_host(host))
    host = hosts.pop() if len(hosts) == 1 else ""
    return scheme, host, rest


def _url_value(v: str) -> str:
    scheme, host, rest = url_parts(v)
    if not host:
        return _SCHEME.sub("", v.lower()).rstrip("/")
    try:
        p = urlsplit("//" + rest.replace("\\", "/"))
        port = p.port
    except ValueError:
        return _SCHEME.sub("", v.lower()).rstrip("/")
    userinfo = p.netloc.rsplit("@", 1)[0] + "@" if "@" in p.netloc else ""
    host = host.removeprefix("www.")
    port_s = f":{port}" if port is not None and str(port) != _DEFAULT_PORT.get(scheme) else ""
    tail = p.path + (f"?{p.query}" if p.query else "") + (f"#{p.fragment}" if p.fragment else "")
    return (userinfo.lower() + host + port_s + tail.lower()).rstrip("/")


def url_host(value: str) -> str:
    """The host of a (normalised) web address or host; "" when it cannot be told."""
    return url_parts(value)[1].removeprefix("www.")


def normalise_email(raw: str) -> str:
    """A mailbox: comments dropped, the domain (after the last '@' outside quotes) canonical, the local
    part lower-case (a quoted local part keeps its quotes: `"a@b"@c` is a mailbox at c, never a@b)."""
    v = re.sub(r"\([^()]*\)", "", raw.strip()).strip().removeprefix("mailto:")
    at = _last_at(v)
    if at < 0:
        return v.lower()
    local, domain = v[:at], v[at + 1:]
    host = canonical_host(domain) or domain.lower()
    return f"{local.lower()}@{host}"


def _last_at(v: str) -> int:
    if '"' not in v:
        return v.rfind("@")
    quoted, at, i = False, -1, 0
    while i < len(v):
        c = v[i]
        if c == "\\" and quoted:
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == "@" and not quoted:
            at = i
        i += 1
    return at


def email_domain(value: str) -> str:
    at = _last_at(value)
    return value[at + 1:] if at >= 0 else ""


def normalise_path(raw: str) -> str:
    """A path resolved as the file system would: Windows separators as '/', '.' and '..' resolved,
    repeated '/' collapsed, no trailing '/'; `file:` URLs as the path they name; Windows paths lower-case."""
    v = raw.strip()
    if v[:5].lower() == "file:":
        p = urlsplit(v.replace("\\", "/"))
        host = p.netloc.lower()
        v = unquote(p.path) if host in ("", "localhost") else f"//{host}{unquote(p.path)}"
        if re.match(r"^/[a-zA-Z]:/", v):
            v = v[1:]
    windows = "\\" in v or bool(re.match(r"^[a-zA-Z]:", v))
    v = v.replace("\\", "/")
    if windows:
        v = v.lower()
    if v.startswith("~"):
        head, _, rest = v.partition("/")
        norm = posixpath.normpath("/" + rest) if rest else "/"
        # `~/..` climbs out of home: keep the climb visible rather than resolve it against an unknown home.
        climbs = posixpath.normpath(rest) if rest else "."
        if climbs.startswith(".."):
            return f"{head}/{climbs}"
        return head + (norm if norm != "/" else "")
    if not v:
        return v
    norm = posixpath.normpath(v)
    return norm if norm not in (".",) else ""


def within(path: str, folder: str) -> bool:
    """Is `path` (either normalised here) the folder or inside it, at a component boundary? (`/srv/a`
    holds `/srv/a/x`, never `/srv/a-evil` nor `/srv/a/../b`)."""
    p, f = normalise_path(path), normalise_path(folder)
    if not p or not f or p.startswith("..") or "/../" in p + "/":
        return False
    if f == "/":
        return p.startswith("/")
    return p == f or p.startswith(f + "/")


def _e164_digits(v: str) -> str:
    d = re.sub(r"\D", "", v)
    if v.strip().startswith("00") and not v.strip().startswith("+"):
        d = d[2:]
    return d


def same_phone(a: str, b: str) -> bool:
    """Do two phone numbers reach the same line? Compared by digits, an international prefix (+, 00)
    dropped; a national form (trunk 0 dropped) matches an international one with a 1-3 digit country code."""
    da, db = _e164_digits(a), _e164_digits(b)
    if len(da) < 7 or len(db) < 7:
        return False
    if da == db:
        return True
    intl_a = a.strip().startswith(("+", "00"))
    intl_b = b.strip().startswith(("+", "00"))
    if intl_a == intl_b:
        return False
    full, nat = (da, db) if intl_a else (db, da)
    nat = nat[1:] if nat.startswith("0") else nat
    return len(nat) >= 7 and 1 <= len(full) - len(nat) <= 3 and full.endswith(nat)


_PHONE_ANY = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d ().\-/]{5,22}\d(?!\d)")


def search_forms(kind: str, value: str, raw: str = "") -> tuple[str, ...]:
    """Other spellings, lower-case (results are searched in lower case), under which a result may carry
    the value."""
    out = []
    if kind == "iban":
        v = value.lower()
        out += [v, " ".join(v[i:i + 4] for i in range(0, len(v), 4))]
    elif value != value.lower():
        out.append(value.lower())
    if kind == "person" and value[:1].isalnum() and "@" not in value:
        out.append("@" + value.lower())  # a handle as chat and code hosts write it ("@sbakker" in CODEOWNERS)
    r = raw.strip().lower()
    if r and r != value and r not in out:
        out.append(r)
    return tuple(o for o in out if o != value)


def loose_spans(value: str, low: str) -> list[tuple[int, int]]:
    """Where a value whose spellings vary more than `search_forms` can list (a phone number: spaces,
    dashes, brackets, +/00, national form) stands in a lower-case text."""
    if not re.fullmatch(r"\+\d{7,15}", value):
        return []
    out = []
    for m in _PHONE_ANY.finditer(low):
        s = low[m.start():m.end()].rstrip(").-/ ")
        if same_phone(value, s):
            out.append((m.start(), m.start() + len(s)))
    return out


# -- finding -----------------------------------------------------------------------------------------------
def _email_spans(text: str, low: str) -> Iterator[tuple[int, int, str]]:
    for m in _AT.finditer(low):
        at = m.start()
        end = m.end()
        if low[end - 1] == ".":
            end -= 1
        after = low[end] if end < len(low) else " "
        if after == "@" or after == "_":
            continue  # the local part of a longer (chained) address
        start = _local_start(low, at)
        if start is None:
            continue
        yield start, end, "email"


def _local_left(low: str, end: int) -> int | None:
    """Start of the unquoted local part (atoms, at most 64 characters) that ends at `end`."""
    if not end or low[end - 1] == "." or not (low[end - 1].isalnum() or low[end - 1] in _LOCAL_CH):
        return None
    i, lo = end, max(0, end - 64)
    while i > lo and (low[i - 1].isalnum() or low[i - 1] in _LOCAL_CH):
        i -= 1
    return i


def _local_start(low: str, at: int) -> int | None:
    """Start of the local part ending at `at`: a quoted string, atoms with comments, or a chain
    `a@b@c` (the whole chain is one suspicious address)."""
    i = at
    if i and low[i - 1] == '"':
        q = low.rfind('"', max(0, i - 130), i - 1)
        if q < 0 or "\n" in low[q:i]:
            return None
        i = q
    else:
        while i and low[i - 1] == ")":  # a comment right before the '@'
            o = low.rfind("(", max(0, i - 80), i - 1)
            if o < 0:
                return None
            i = o
        left = _local_left(low, i)
        if left is None:
            return None if i == at else i
        i = left
    while i and low[i - 1] == "@":  # `a@b@c`
        left = _local_left(low, i - 1)
        if left is None:
            break
        i = left
    if "//" in low[i:at]:
        return None  # userinfo of a web address (`https://u@host`), judged as that address
    return i


def _in_code(low: str, pos: int, fences: list[int]) -> bool:
    """Is `pos` inside a Markdown code span (odd number of backticks before it on its line) or a fenced
    block (odd number of fences before it)?"""
    if fences and bisect.bisect_left(fences, pos) % 2:
        return True
    line = low.rfind("\n", 0, pos) + 1
    return low.count("`", line, pos) % 2 == 1


def _labels_start(low: str, end: int) -> int | None:
    """Start of the host labels that end at `end` (a scan to the left: a `$`-anchored regex search
    would try every start position)."""
    i, lo = end, max(0, end - 253)
    while i > lo and (low[i - 1].isalnum() or low[i - 1] in "-."):
        i -= 1
    while i < end and low[i] in ".-":
        i += 1
    if i == end or low[end - 1] == "-" or ".." in low[i:end]:
        return None
    return i


def _spans(text: str, low: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = list(_email_spans(text, low)) if "@" in low else []
    dot, digit = "." in low, _DIGIT.search(low) is not None
    for m in _SCHEME_AT.finditer(low) if "://" in low else ():
        left = _SCHEME_LEFT.search(low, max(0, m.start() - 16), m.start())
        if left is not None and (left.start() == 0 or not low[left.start() - 1].isalnum()):
            kind = "path" if low[left.start():m.start()] == "file" else "url"
            out.append((left.start(), m.end(), kind))
    for m in _WWW.finditer(low) if "www." in low else ():
        if m.start() == 0 or low[m.start() - 1] not in _WORDCH and low[m.start() - 1] not in ".-@/":
            out.append((m.start(), m.end(), "url"))
    fences = [f.start() for f in _FENCE.finditer(low)] if "```" in low else []
    for m in _DOT_TLD.finditer(low) if dot else ():
        tld = m.group(1)
        if tld in _FILE_EXTS or not (text[m.start(1):m.end(1)].islower() or text[m.start(1):m.end(1)].isupper()):
            continue
        if low[m.end():m.end() + 3].lstrip(" ")[:1] in ("(", "="):
            continue  # code: `obj.method(` / `obj.attr = …`
        s = _labels_start(low, m.start())
        if s is None:
            continue
        if s and (low[s - 1] in _WORDCH or low[s - 1] in ".@%+/-\\"):
            continue
        if _in_code(low, s, fences):
            continue  # `obj.attr` in a code span or block is code, not a host
        out.append((s, _HOST_RIGHT.match(low, m.end()).end(), "host"))
    for m in _IPV4.finditer(low) if dot and digit else ():
        s = m.start()
        if s and low[s - 1] in "/@:-":
            continue
        out.append((s, _HOST_RIGHT.match(low, m.end()).end(), "host"))
    for m in _IBAN.finditer(text) if digit else ():
        out.append((m.start(), m.end(), "iban"))
    for m in _PHONE.finditer(low) if "+" in low else ():
        if m.start() == 0 or not low[m.start() - 1].isalnum():
            out.append((m.start(), m.end(), "phone"))
    for m in _PATH.finditer(low) if "/" in low else ():
        s = m.start()
        if s and low[s - 1] == "<" and low[m.end():m.end() + 1] == ">" and "/" not in low[s + 1:m.end()]:
            continue  # a closing tag of markup ("</p>"), not a path
        if s and low[s - 1] in _WORDCH or s and low[s - 1] == ".":
            # A relative path: only one that climbs out (`notes/../../x`) is a value of its own.
            left = _REL_LEFT.search(low, max(0, s - 256), s)
            rs = left.start() if left is not None else s
            if rs and low[rs - 1] in ":/@\\":
                continue
            if ".." in low[rs:m.end()].split("/"):
                out.append((rs, m.end(), "path"))
            continue
        if s >= 2 and low[s - 2:s] == "..":
            s -= 2
        elif s >= 1 and low[s - 1] in "~.":
            s -= 1
        if s and (low[s - 1] in _WORDCH or low[s - 1] in ".:/@-\\"):
            continue
        out.append((s, m.end(), "path"))
    for m in _WINPATH.finditer(low) if ":" in low or "\\" in low else ():
        out.append((m.start(), m.end(), "path"))
    return out


def find_values(text: str, low: str | None = None) -> Iterator[Found]:
    """Every address-like value in `text`, with its span (trailing punctuation excluded); `low` is
    `text.lower()` when the caller has it already. A web address that carries another one (an open
    redirect `…?to=https://evil.example/`) yields that one too."""
    low = text.lower() if low is None else low
    spans = _spans(text, low)
    spans.sort(key=lambda s: (s[0], -s[1]))
    end = -1
    for start, stop, kind in spans:
        if start < end:
            continue  # inside a longer value found already (the host of an e-mail address, a URL's path)
        raw = text[start:stop]
        trimmed = _trim(raw, kind)
        if kind == "url" and len(_SCHEME.sub("", trimmed)) < 4:
            continue
        if kind == "path" and len(trimmed) < 2:
            continue
        value = normalise(kind, trimmed)
        if not value:
            continue
        end = stop
        yield Found(kind, value, start, start + len(trimmed))
        if kind == "url":
            yield from inner_addresses(trimmed, start)


def _trim(raw: str, kind: str) -> str:
    t = raw.rstrip(_TRAIL) if kind != "path" else raw.rstrip(_TRAIL.replace(")", ""))
    if kind == "url" and t.endswith("]") and t.count("[") < t.count("]"):
        t = t.rstrip("]").rstrip(_TRAIL)
    return t


_URL_PART = re.compile(r"[^?&=#;]+")


def inner_addresses(url: str, offset: int = 0) -> Iterator[Found]:
    """The addresses a web address carries in its path, query or fragment, as written or
    percent-decoded: another web address (an open redirect's `?to=https://…`), a host (`?next=evil.example`)
    or an e-mail address (`?to=eve@evil.example`); a client or a server that follows it reaches them
    too. Spans are in the text `url` was found in (`offset`: where it starts); a decoded one spans the
    whole web address. The one extractor of nested addresses, for requests, arguments and results."""
    scheme_end = _SCHEME.match(url)
    head = scheme_end.end() if scheme_end else 0
    cut = re.search(r"[/?#\\]", url[head:])
    if cut is None:
        return
    tail_at = head + cut.start() + 1
    tail = url[tail_at:]
    if not any(c in tail for c in ".@%"):
        return  # no host, address or encoded text in it (`/r/42`, `?page=2`)
    seen: set[str] = set()
    for candidate, decoded in ((tail, False), (unquote(tail), True)):
        if decoded and candidate == tail:
            break
        # Each parameter of the query on its own (`?to=eve@x&next=y`: '=' and '&' are not part of them).
        for part in _URL_PART.finditer(candidate):
            for f in find_values(part.group(0)):
                if f.kind not in ("url", "host", "email") or f.value in seen:
                    continue
                seen.add(f.value)
                if decoded:
                    yield Found(f.kind, f.value, offset, offset + len(url))
                else:
                    at = offset + tail_at + part.start()
                    yield Found(f.kind, f.value, at + f.start, at + f.end)


def whole_value(text: str, kind_hint: str = "", found: list[Found] | None = None) -> Found | None:
    """The one address `text` is, whole (surrounding spaces, quotes, brackets aside), else None. With a
    hint from the argument's name ("url", "email", "path", "person"), a value the free-text extractor
    would not take (a bare IP, a decimal IP, a host under any TLD, a relative path, a bare phone number)
    is parsed as that kind."""
    t = text.strip()
    if not t:
        return None
    lead = len(text) - len(text.lstrip())  # `found`: find_values(text) already, offsets in `text`
    first = next(iter(find_values(t)), None) if found is None else (found[0] if found else None)
    shift = 0 if found is None else lead
    if first is not None and first.start - shift <= 1 and first.end - shift >= len(t.rstrip(_TRAIL + "/>")):
        return first
    if kind_hint == "url":
        host = url_host(t)
        if host and not (t.isdigit() and int(t) < 1 << 24):  # `page: 2` is not 0.0.0.2 (0/8 is unreachable)
            return Found("url", _url_value(t), 0, len(t))
    elif kind_hint == "email" and _last_at(t) > 0:
        return Found("email", normalise_email(t), 0, len(t))
    elif kind_hint == "path" and ("/" in t or "\\" in t):
        return Found("path", normalise_path(t), 0, len(t))
    elif kind_hint == "account" and _IBAN.fullmatch(t.upper()):
        return Found("iban", normalise("iban", t), 0, len(t))
    elif kind_hint == "person" and re.fullmatch(r"\+?[\d ().-]{7,22}", t) and len(re.sub(r"\D", "", t)) >= 7:
        return Found("phone", "+" + _e164_digits(t), 0, len(t))
    return None


def address_attempt(text: str) -> bool:
    """Is `text` written like an address (an argument named url/email/path whose value did not parse is
    then judged as an unknown destination), rather than a plain word or number (`page: 2`)?"""
    return any(c in text for c in "@.:/\\[%")


# -- argument leaves -----------------------------------------------------------------------------------------
MAX_DEPTH = 32  # deeper than this, what is left is read as one text (its addresses are still found)
# A member name that is a value, not a field's name: an address, or an account or phone number. At the top
# level a dotted name may be a parameter's (`user.email`), so only the unmistakable shapes count there.
_VALUE_NAME = re.compile(r"[@./:\\+]|\d{6}")
_TOP_VALUE_NAME = re.compile(r"[@/:\\]|\d{6}")


def _flat_text(value: Any) -> str:
    """Every member name, string and number under `value`, one a line, walked without recursion (a
    nesting of any depth is read)."""
    out, stack = [], [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            out += [str(k) for k in v]
            stack += reversed(list(v.values()))
        elif isinstance(v, list | tuple):
            stack += reversed(v)
        elif v is not None and not isinstance(v, bool):
            out.append(str(v))
    return "\n".join(out)


def argument_leaves(arguments: Any, key: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """(key, text) for every string and number leaf of a call's arguments; key is the dotted path of the
    names of its enclosing argument and fields (`phone.n`), array levels skipped. A string that is a JSON
    object or array is walked as such (its own fields name its leaves); a number is a value too (a chat
    id, a phone or account number). Past MAX_DEPTH, an object or array is read as its JSON text."""
    if depth > MAX_DEPTH:
        if isinstance(arguments, dict | list | tuple):
            yield key or '""', _flat_text(arguments)
            return
    if isinstance(arguments, bool) or arguments is None:
        return
    if isinstance(arguments, str):
        s = arguments.strip()
        # Whatever its size (a message is bounded before it gets here): the upstream decodes it whole, so
        # an escape (`\u0040`) must be read as the upstream will read it.
        if s[:1] in "{[" and s[-1:] in "}]":
            try:
                inner = json.loads(s)
            except (ValueError, RecursionError):  # not JSON, or nested beyond what is worth walking
                inner = None
            if isinstance(inner, dict | list):
                yield from argument_leaves(inner, key, depth + 1)
                return
        if key:
            yield key, arguments
    elif isinstance(arguments, int):
        if key:
            yield key, str(arguments)
    elif isinstance(arguments, float):
        if key and arguments == arguments and abs(arguments) != float("inf"):
            yield key, str(int(arguments)) if arguments.is_integer() else repr(arguments)
    elif isinstance(arguments, dict):
        for k, v in arguments.items():
            k = str(k)
            if (_VALUE_NAME if depth else _TOP_VALUE_NAME).search(k):
                yield key or k, k  # a field named by an address (`{"eve@evil.example": "to"}`)
            # A member's name says what it is within its parent: `{"phone": {"n": 151…}}` is a phone number.
            name = k or '""'  # a member with no name is still a member: its leaves are judged
            yield from argument_leaves(v, f"{key}.{name}" if key else name, depth + 1)
    elif isinstance(arguments, list | tuple):
        for v in arguments:
            yield from argument_leaves(v, key, depth + 1)


# -- what a request names as values -------------------------------------------------------------------------
_QUOTED = re.compile(
    r"\"([^\"\n]{1,120})\"|(?<!\w)'([^'\n]{1,120})'(?!\w)|“([^”\n]{1,120})”|(?<!\w)‘([^’\n]{1,120})’(?!\w)|`([^`\n]{1,120})`"
)
_SIGIL = re.compile(r"(?<![\w])[#@]([\w][\w.-]*[\w]|[\w])")
_TOKEN = re.compile(r"[^\s\"'`“”‘’,;()\[\]{}<>]+")
_CAP = re.compile(r"(?<![\w'’])([A-Z][\w'’-]*)")
_WORD = re.compile(r"[^\W_]+")
_AFTER_TO = re.compile(r"(?<![\w])(?:to|with|cc|bcc|named|called|titled)\s+([^\W\d_][\w-]*+)(?!['’@]|\.\w)")
_DOC_NAME = re.compile(
    # (a name's words never include "the" or a preposition: "the messages in the general channel" names "general")
    r"\bthe\s+((?:(?!(?:the|a|an|in|on|of|to|for|with|from|at|by|and|or)\s)[^\W_][\w'’-]*\s+){1,5}?)(?:file|document|doc|spreadsheet|sheet|presentation|folder|attachment|"
    r"note|notes|page|list|report|channel|room|group|thread|chat|calendar|board|repo|repository)s?\b"
)
_FUNCTION_WORDS = frozenset(
    "a an the my our your their his her its this that these those all every each some any me us you him them it "
    "myself ourselves everyone everybody anyone someone nobody whom who which what whoever".split()
)


class NamedValues:
    """The values a request names as values, never its ordinary words: addresses, quoted strings,
    #channels and @users, tokens with digits or inner punctuation (`evt_1`, `acct:42`, `Q4`), and
    proper names (capitalised words, a sentence's first word only when it is not a verb)."""

    def __init__(self, text: str, verbs: frozenset[str] | set[str] = frozenset(), stem=lambda w: w) -> None:
        self.whole: set[str] = set()
        self.name_words: set[str] = set()
        t = text or ""
        for m in _QUOTED.finditer(t):
            q = next(g for g in m.groups() if g is not None).strip()
            self._add(q)
        for m in _SIGIL.finditer(t):
            self._add(m.group(1))
            self.whole.add(m.group(0).lower())
        for m in _TOKEN.finditer(t):
            tok = m.group(0).rstrip(".,;:!?")
            if any(c.isdigit() for c in tok) or re.search(r"\w[_.:/@]\w", tok):
                self._add(tok.lstrip("#@"))
        for m in _CAP.finditer(t):
            w = m.group(1)[:-2] if m.group(1).endswith(("'s", "’s")) else m.group(1)
            if len(w) < 2 or (w.isupper() and stem(w.lower()) in verbs):
                continue  # "I", "DM it to …"
            before = t[:m.start()].rstrip()
            if not before or before[-1] in ".!?:\n":
                # A sentence's first word is capitalised anyway: a name only when a capitalised word
                # follows ("Alice Smith …") and it is not a verb ("Send Alice …").
                nxt = t[m.end():].lstrip()
                if stem(w.lower()) in verbs or not nxt[:1].isupper():
                    continue
            self._add(w)
        # A bare word right after a preposition of destination ("assign it to facilities", "share with
        # bob") or a naming word ("the folder named tmp"), not a determiner's noun ("to my manager",
        # "post the summary"), names a party, a place or a thing.
        for m in _AFTER_TO.finditer(t.lower()):
            w = m.group(1)
            if w not in _FUNCTION_WORDS and stem(w) not in verbs:
                self._add(w)
        # "the team meeting minutes file", "the general channel": the words between "the" and a noun for
        # a document or a place are its name (whole only: its single words stay ordinary words).
        for m in _DOC_NAME.finditer(t.lower()):
            self.whole.add(" ".join(_WORD.findall(m.group(1))))
        self.words_line = " " + " ".join(_WORD.findall(t.lower())) + " "

    def _add(self, v: str) -> None:
        low = v.lower()
        self.whole.add(low)
        self.name_words.update(_WORD.findall(low))

    def names(self, value: str) -> bool:
        """Does the request name `value` (lower-case) as a value: whole, or as a phrase of its words each
        of which the request uses as a name?"""
        v = value.strip().lower()
        if not v:
            return False
        if v in self.whole or v.lstrip("#@") in self.whole:
            return True
        ws = _WORD.findall(v)
        return bool(ws) and all(w in self.name_words for w in ws) and (" " + " ".join(ws) + " ") in self.words_line
