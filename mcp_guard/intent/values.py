"""Address-like values in text: e-mail addresses, web addresses, hosts, IBANs, phone numbers, paths.

One extractor serves the three places that need it, so they agree on what a value is: the declared
request (what it names), a call's arguments (what it would reach) and tool results (where a value
came from). Values are compared whole, after normalisation: `alice@acme.co` is not `alice@acme.co.uk`,
and `evil.example` is not `not-evil.example`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Top-level domains a bare host name may end in (without a scheme or "www."): the common generic ones,
# large country codes and the names reserved for tests and examples (RFC 2606). Two-letter codes that
# are also file extensions (.py, .md, .sh, .rs, …) are left out: `notes.md` is a file, not a host.
_TLDS = (
    "com net org edu gov mil int info biz name pro io co ai app dev xyz me tv cc ly gg to site online top club shop "
    "store tech cloud link click live news blog page email mail web website space zone world today one "
    "uk de fr nl eu ru cn jp in br au ca ch it es se no fi dk pl cz at be ie nz za mx ar kr tw hk sg "
    "example test invalid localhost local internal"
).split()

_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_TAIL = r"[^\s<>\"'`()\[\]{}|\\^]"  # characters a web address may go on with

# Each pass starts at a literal character ("@", ".", "://", "+", "/") so that the regex engine skips
# through text at memchr speed, and widens to the left only where it found one: one combined pattern
# tried at every position costs ~100× more on a large result.
_AT = re.compile(rf"@({_LABEL}(?:\.{_LABEL})+)")
_LOCAL = re.compile(r"[a-z0-9][a-z0-9._%+-]*$")
_SCHEME_AT = re.compile(rf"://{_TAIL}+")
_SCHEME_LEFT = re.compile(r"[a-z][a-z0-9+.-]{1,15}$")
_WWW = re.compile(rf"www\.{_TAIL}+")
_DOT_TLD = re.compile(r"\.(?:" + "|".join(sorted(_TLDS, key=len, reverse=True)) + r")(?![a-z0-9-])")
_LABELS_LEFT = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}$")
_HOST_RIGHT = re.compile(rf"(?::\d{{2,5}})?(?:/{_TAIL}*)?")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])")
_PHONE = re.compile(r"\+\d[\d ().-]{6,18}\d(?![\d])")
_PATH = re.compile(r"/[\w.~@%+-]+(?:/[\w.~@%+-]*)*")
_TRAIL = ".,;:!?)]}'\"*"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_WORDCH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True, slots=True)
class Found:
    kind: str  # email | url | host | iban | phone | path
    value: str  # normalised
    start: int
    end: int


def normalise(kind: str, raw: str) -> str:
    v = raw.strip().rstrip(_TRAIL) if kind != "path" else raw.strip().rstrip(_TRAIL.replace(")", ""))
    if kind in ("url", "host"):
        v = _SCHEME.sub("", v.lower()).removeprefix("www.")
        return v.rstrip("/")
    if kind == "iban":
        return v.replace(" ", "").upper()
    if kind == "phone":
        return "+" + re.sub(r"\D", "", v)
    if kind == "path":
        return v.rstrip("/") or "/"
    return v.lower()


def _spans(text: str, low: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _AT.finditer(low):
        at = m.start()
        left = _LOCAL.search(low, max(0, at - 64), at)
        after = low[m.end()] if m.end() < len(low) else " "
        if left is not None and after not in "_@" and (left.start() == 0 or low[left.start() - 1] not in "/@"):
            out.append((left.start(), m.end(), "email"))
    for m in _SCHEME_AT.finditer(low):
        left = _SCHEME_LEFT.search(low, max(0, m.start() - 16), m.start())
        if left is not None and (left.start() == 0 or not low[left.start() - 1].isalnum()):
            out.append((left.start(), m.end(), "url"))
    for m in _WWW.finditer(low):
        if m.start() == 0 or low[m.start() - 1] not in _WORDCH and low[m.start() - 1] not in ".-@/":
            out.append((m.start(), m.end(), "url"))
    for m in _DOT_TLD.finditer(low):
        left = _LABELS_LEFT.search(low, max(0, m.start() - 253), m.start())
        if left is None:
            continue
        s = left.start()
        if s and (low[s - 1] in _WORDCH or low[s - 1] in ".@%+/-"):
            continue
        out.append((s, _HOST_RIGHT.match(low, m.end()).end(), "host"))
    for m in _IBAN.finditer(text):
        out.append((m.start(), m.end(), "iban"))
    for m in _PHONE.finditer(low):
        if m.start() == 0 or not low[m.start() - 1].isalnum():
            out.append((m.start(), m.end(), "phone"))
    for m in _PATH.finditer(low):
        s = m.start()
        if s >= 2 and low[s - 2:s] == "..":
            s -= 2
        elif s >= 1 and low[s - 1] in "~.":
            s -= 1
        if s and (low[s - 1] in _WORDCH or low[s - 1] in ".:/@-"):
            continue
        out.append((s, m.end(), "path"))
    return out


def find_values(text: str, low: str | None = None) -> Iterator[Found]:
    """Every address-like value in `text`, with its span (trailing punctuation excluded); `low` is
    `text.lower()` when the caller has it already."""
    low = text.lower() if low is None else low
    spans = _spans(text, low)
    spans.sort(key=lambda s: (s[0], -s[1]))
    end = -1
    for start, stop, kind in spans:
        if start < end:
            continue  # inside a longer value found already (the host of an e-mail address, a URL's path)
        raw = text[start:stop]
        trimmed = raw.rstrip(_TRAIL)
        if kind == "url" and len(_SCHEME.sub("", trimmed)) < 4:
            continue
        if kind == "path" and len(trimmed) < 2:
            continue
        end = stop
        yield Found(kind, normalise(kind, trimmed), start, start + len(trimmed))


def url_host(value: str) -> str:
    """The host of a normalised web address (no scheme, no www.)."""
    return re.split(r"[/:?#]", value, maxsplit=1)[0]
