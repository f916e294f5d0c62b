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

_EMAIL = r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+"
_URL = r"(?:[a-z][a-z0-9+.-]{1,15}://|www\.)[^\s<>\"'`()\[\]{}|\\^]+"
_HOST = (
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:" + "|".join(sorted(_TLDS, key=len, reverse=True)) + r")"
    r"(?::\d{2,5})?(?:/[^\s<>\"'`()\[\]{}|\\^]*)?"
)
_IBAN = r"[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,4})?"
_PHONE = r"\+\d[\d ().-]{6,18}\d"
_PATH = r"(?:~|\.{1,2})?/[\w.~@%+-]+(?:/[\w.~@%+-]*)*"

# One pass over a text. Each alternative must start at a boundary: not inside a longer word or address.
_VALUE = re.compile(
    rf"(?<![\w.@%+/-])(?:(?P<email>{_EMAIL})|(?P<url>{_URL})|(?P<host>{_HOST})|(?P<iban>{_IBAN})"
    rf"|(?P<phone>{_PHONE}))(?![\w@-])|(?<![\w.:/@-])(?P<path>{_PATH})",
    re.I,
)
_TRAIL = ".,;:!?)]}'\"*"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


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


def find_values(text: str) -> Iterator[Found]:
    """Every address-like value in `text`, with its span (trailing punctuation excluded)."""
    for m in _VALUE.finditer(text):
        kind = m.lastgroup or ""
        raw = m.group(kind)
        start = m.start(kind)
        if kind == "iban" and not (raw[:2].isupper() or raw[:2].isalpha() and raw.replace(" ", "").isupper()):
            # An IBAN is written in capitals; a lower-case run of letters and digits is a word.
            continue
        if kind == "path" and (raw.count("/") < 2 and not raw.startswith(("~", "."))) and len(raw) < 3:
            continue
        trimmed = raw.rstrip(_TRAIL)
        if kind == "url" and len(_SCHEME.sub("", trimmed)) < 4:
            continue
        yield Found(kind, normalise(kind, trimmed), start, start + len(trimmed))


def url_host(value: str) -> str:
    """The host of a normalised web address (no scheme, no www.)."""
    return re.split(r"[/:?#]", value, maxsplit=1)[0]
