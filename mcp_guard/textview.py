"""One normalised reading of server text: the words a model reads, however the server spelled them.

A model reads `IGNORE\\u0020ALL`, `&#73;GNORE`, `IGNORE%20ALL`, `IGNORE_ALL`, `I G N O R E`,
`ig\u200bnore`, `igno\u0301re`, full-width or Cyrillic look-alike letters and a no-break space as the
plain words. The scanner's result path and the intent record's search for text that addresses the
model both judge this reading (`view`), so a pattern written for plain text cannot be dodged by
spelling. What changes:
- escapes a model decodes: JSON `\\uXXXX` and `\\n`-style escapes, `\\u{..}`, `\\x..`, octal and CSS
  escapes, HTML entities (with or without `;`), percent-encoding; decoded again on what a pass decoded
  (`%254E`), up to PASSES passes;
- markup a model does not read as letters: tags (an inline tag inside a word joins it) and emphasis
  markers (`**No**te`);
- characters that do not change the reading: format and zero-width characters, soft hyphens,
  combining marks, no-break and other spaces, compatibility forms (NFKC) and look-alike letters of
  other scripts (the scanner's own fold, `scan._fold_char`), the Turkish dotless i;
- separators between letters: `_` between words, single letters split by any one separator
  (`I G N O R E  A L L`, `N.o.t.e`, one a line or a tab), run-together camelCase words;
- whitespace: any run of spaces, tabs and CRs reads as one space, a line break between two words (a
  wrapped line, CRLF or escaped `\\r\\n` too) as a space; a blank line stays a paragraph break;
- letters a model reads as plain ones that NFKC leaves alone (small capitals, negative squared letters:
  a table generated from Unicode's names, data/letter_fold.json), look-alike letters of other scripts
  inside a word with Latin letters (Cherokee `Ꭺ`, Lisu `ꓮ`: from Unicode's confusables data, same file),
  leet digits in words of letters and `@ $ !` inside them (`N0t3`, `a$$i$tant`);
- separators a model reads through: words joined by one of `.`, `|`, `/` across a sentence, two or three
  capitals split by a mark (`A-I`, a braille blank), an HTML comment inside a word;
- encodings of mail and web bodies where the text has their shape: form encoding (`+`), quoted-printable
  (`=4E`, soft line breaks; lower-case hex in a run), UTF-7 that hides ASCII text, base64 cut into groups
  of one width and spaced.
Plain ASCII prose holds none of these: then `view` answers None after a few memchr-speed tests and one
RE2 pass (`needed`, a superset test of every reading: it spares work, it never decides a reading), and
the caller reads the text as it is. A view keeps a map from its offsets back to the text's."""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any
from urllib.parse import unquote

# Edits that change the length of the text, each looked for only when its first character is there.
_JSON_U = re.compile(r"\\u[0-9a-fA-F]{4}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?")  # (a surrogate pair's low half)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)")  # `&#78&#111`
_NAMED_BARE = re.compile(r"&(?:amp|lt|gt|quot|nbsp)(?![A-Za-z0-9;])")  # the common names a browser reads bare
# Backslash escapes of other notations: `\u{4e}`, `\x4e`, octal `\116`, CSS `\4e ` (1-6 hex digits,
# one optional space ending it). Three octal digits read as octal, as C, JS and Python do.
_BACKSLASH = re.compile(r"\\(?:u\{([0-9a-fA-F]{1,6})\}|x([0-9a-fA-F]{2})|([0-3][0-7]{2})(?![0-9a-fA-F])"
                        r"|([0-9a-fA-F]{1,6})[ \t]?)")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}(?:%[0-9A-Fa-f]{2})*")
# Single letters with separators of any kind between them (`I G N O R E  A L L`, `N.o.t.e t.o`, one
# letter a line or a tab); the separator met most often is the one inside words (`_decode`).
_SPACED = re.compile(r"(?<![^\W_])[^\W\d_](?:[^\w]{1,3}[^\W\d_](?![^\W_])){3,}")
# Markup a model does not read as letters: tags (an inline one inside a word joins it) and emphasis
# markers touching a letter (`**No**te`, `~~x~~`, `` `x` ``).
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]{0,15})(?:\s[^<>]{0,300})?/?>")
_INLINE_TAGS = frozenset("a abbr b bdi bdo big cite code del dfn em font i ins kbd mark q s samp small span "
                         "strike strong sub sup time tt u var wbr".split())
_EMPHASIS = re.compile(r"[*~`]+")  # (touching a letter: `_touches_letter`; a literal class scans fast)
# camelCase (`NoteToThe`, `AIAssistant`): a space after the letter each match is
_CAMEL = re.compile(r"[a-z](?=[A-Z])|[A-Z](?=[A-Z][a-z]{2})")  # (the reference `_camel_ends` reads like)
_CASE_MARKS = bytes(97 if 97 <= c <= 122 else 65 if 65 <= c <= 90 else 32 for c in range(256))
# Leet: a word of letters with digits a model reads as letters (`N0t3`, `4ss1st4nt`). A word is leet
# when a digit stands between two of its letters; then the digits of the words around it (`t0 th3 41`)
# are read as letters too, as far as the run of letter-and-digit words goes.
# Symbols read as letters the same way inside a word that opens with a letter (`N@te`, `a$$i$tant`, `A!`):
# `@` and `$` between letters, `!` inside a word or after one letter (`Hello!` keeps its `!`); an address
# (`bob@evil.example`) is no leet word.
_LEET_CORE = re.compile(r"[A-Za-z](?:[0134578]{1,2}|[@$]{1,2})[A-Za-z]")
_LEET_RUN = re.compile(r"(?<![\w@.\\#%&$!])[A-Za-z0-9@$!]+(?:[ '’-]{1,2}[A-Za-z0-9@$!]+)*")  # (not an escape's digits)
_LEET_RUN_CHARS = "A-Za-z0-9@$! '’-"  # what a run is made of
_LEET_WORD = re.compile(r"[A-Za-z0-9@$!]+")
_LEET = str.maketrans("0134578@$!", "oieastbasi")
_LEET_DIGITS = str.maketrans("0134578", "oieastb")
# Form encoding (`Note+to+the+AI`): `+` between words, three times or more in a run without spaces.
_FORM = re.compile(r"(?<![^\s+/=&])[^\s+/=&]+(?:\+[^\s+/=&]+){3,}")
# Quoted-printable (a mail body's encoding): `=XX` escapes of bytes, and `=` ending a line (a soft break).
# (an escape before a letter or beside another: `limit=20&page=3` is a query string, not quoted-printable)
_QP = re.compile(r"(?:=[0-9A-F]{2}){2,}|=[0-9A-F]{2}(?=[A-Za-z])|= *\n")
# Lower-case hex, which many decoders accept too: where the text has the shape (a run of three escapes or
# more), escapes in runs, or before a letter, decode as well; the bytes must then be text (UTF-8 or ASCII).
_QP_SHAPE = re.compile(r"(?:=[0-9A-Fa-f]{2}){3}")
_QP_ANY = re.compile(r"(?:=[0-9A-Fa-f]{2}){2,}|=[0-9A-Fa-f]{2}(?=[A-Za-z])|= *\n")
# UTF-7 (a mail charset): `+` then base64 of UTF-16, ended by `-`. UTF-7 never needs to encode ASCII
# letters, so a run that decodes to mostly ASCII text is text hidden from a plain reading: decoded.
_UTF7_HINT = r"\+[A-Za-z0-9+/]{8}"
_UTF7 = re.compile(r"(?<![\w+/=])\+[A-Za-z0-9+/]{8,}-?")
# Words joined by one of `.`, `|`, `/` instead of spaces across a sentence (`Note.to.the.AI.assistant:`):
# eight words or more, mostly of letters, the same mark between each (a double mark ends a sentence).
# Not inside a path, an address or a URL (no mark, word character or `:` before it).
_JOINED = re.compile(r"(?<![\w./|:@\\-])[^\W_][\w'’-]*[:,;!?]?(?:[./|]{1,2}[^\W_][\w'’-]*[:,;!?]?){7,}")
_JOINED_HINT = r"(?:[^\s./|]+[./|]{1,2}){7}[^\s./|]"
MIN_JOINED = 8
# Two or three capitals split by a mark inside one word (`A-I`, `A.I`, `A·I`, a braille blank): one word.
_SPLIT_CAPS = re.compile(r"(?<![\w.-])[A-Z](?:[-.\u2010\u2011\u00b7\u2027\u2800][A-Z]){1,2}(?![\w.-])")
# An HTML comment inside a word (`A<!-- x -->I`): a model reading the text reads the word without it.
_COMMENT = re.compile(r"<!--.{0,200}?-->", re.S)
# Base64 cut into groups of one width and spaced (`Tm90ZSB0byB0aGUg QUkgYXNzaXN0YW50`): joined and decoded.
# (three groups or more of 8 characters or more, the last shorter; or a line of 16 or more and the rest.
# Not part of an address or a path: `files.example/r/0 and`)
# Groups apart by a space or a line break (a MIME body's base64 is cut into lines of one width).
_B64_SPACED = re.compile(r"(?<![\w+/=.:%@-])(?:[A-Za-z0-9+/]{8,}(?:(?: ?\n| )[A-Za-z0-9+/]{8,})+"
                         r"(?:(?: ?\n| )[A-Za-z0-9+/]{2,})?|[A-Za-z0-9+/]{16,}(?: ?\n| )[A-Za-z0-9+/]{2,})={0,2}")
_B64_HINT = (r"(?:^|[^\w+/=.:%@-])(?:[A-Za-z0-9+/]{8,}(?: ?\n| )[A-Za-z0-9+/]{8}"
             r"|[A-Za-z0-9+/]{16,}(?: ?\n| )[A-Za-z0-9+/]{2})")
# (RE2: a superset of `_B64_SPACED`)
_B64_SPACED_CHARS = "A-Za-z0-9+/= \n"  # what a match is made of
# Whitespace: a run of spaces reads as one space, a line break between two words as a space.
_GAP = re.compile(r"(?<=[^ \n])  +")
_WRAP = re.compile(r"(?<=[^\W\d_]) *\n *(?=[^\W\d_])")  # (the reference `_unwrap` reads like)
# `_WRAP` written to start with its line break (the engine then skips ahead to each in C): a break right
# after a letter, and one after spaces (checked back to a letter by `_unwrap`).
_WRAP_AT_LETTER = re.compile(r"\n(?<=[^\W\d_]\n)(?= *[^\W\d_])")
_WRAP_AT_SPACE = re.compile(r"\n(?<= \n)(?= *[^\W\d_])")
_LETTER = re.compile(r"[^\W\d_]")
_SPACES = "\t\r\f\v"  # each read as a space
# RE2 (linear, a DFA): whether the text holds anything a reading below changes, a superset of each
# pattern it gates (ASCII classes keep its DFA small; a text with other letters needs a view anyway).
_SPACED_HINT = r"(?:^|[^A-Za-z0-9])[A-Za-z](?:[^A-Za-z0-9_]{1,3}[A-Za-z]){3}(?:[^A-Za-z0-9]|$)"
# The same for a text with letters of other scripts (Unicode classes: Python's `\w` is a letter or a number)
_SPACED_HINT_WIDE = r"(?:^|[^\pL\pN])[\pL\pN](?:[^\pL\pN_]{1,3}[\pL\pN]){3}(?:[^\pL\pN]|$)"
_CAMEL_HINT = r"[a-z][A-Z]|[A-Z][A-Z][a-z]"  # (each match of `_CAMEL` is where one of these starts)
_SPLIT_CAPS_HINT = r"[A-Z][-.\x{2010}\x{2011}\x{b7}\x{2027}\x{2800}][A-Z]"  # (and each of `_SPLIT_CAPS`)
_SPACED_CAMEL_HINT = "|".join((_SPACED_HINT, _CAMEL_HINT, _SPLIT_CAPS_HINT))
_SPACED_CAMEL_HINT_WIDE = "|".join((_SPACED_HINT_WIDE, _CAMEL_HINT, _SPLIT_CAPS_HINT))
_HINT = (_SPACED_CAMEL_HINT +
         r"|[A-Za-z][0134578]{1,2}[A-Za-z]|[A-Za-z]\$\$?[A-Za-z]|[A-Za-z]@@?[A-Za-z]+(?:[^A-Za-z.-]|$)"  # leet
         r"|[^\s+/=&]\+[^\s+/=&]+\+[^\s+/=&]+\+[^\s+/=&]"  # form encoding
         r"|=[0-9A-F]{2}(?:[A-Za-z]|=[0-9A-F]{2})|= *[\r\n]|(?:=[0-9A-Fa-f]{2}){3}"  # quoted-printable
         r"|\+[A-Za-z0-9+/]{8}"  # UTF-7
         r"|" + _JOINED_HINT +  # words joined by a mark
         r"|" + _B64_HINT +  # spaced base64
         r"|[^ \n]  |[\t\r\f\v]|[A-Za-z] *\n *[A-Za-z]")  # whitespace
# The hints `_view` asks of a text, asked first as one (`_found`). (`_UTF7_HINT` opens with a literal: alone it
# costs RE2 a memchr, nothing to share.)
_GROUPED = frozenset((_LEET_CORE.pattern, _JOINED_HINT, _QP_SHAPE.pattern, _B64_HINT, _SPACED_CAMEL_HINT,
                      _SPACED_CAMEL_HINT_WIDE, _SPACED_HINT, _SPACED_HINT_WIDE))
_ANY_GROUPED = "|".join(f"(?:{h})" for h in sorted(_GROUPED))
NEAR_MAX = 64  # places `_near` looks at before it reads the whole text instead
PASSES = 3  # escapes decoded again on the decoded text (`%254E`), at most this many times
_ASCII = bytes(range(128))
# Escapes of one character the same length as a space and the character: no offset moves.
_SHORT_ESCAPES = (("\\n", " \n"), ("\\r", " \r"), ("\\t", " \t"), ('\\"', ' "'), ("\\/", " /"))


@lru_cache(maxsize=1)
def letter_fold() -> dict[str, dict[str, str]]:
    """The tables of data/letter_fold.json, generated from Unicode's data by scripts/gen_letter_fold.py:
    `letters` a model reads as a plain letter that NFKC leaves alone (small capitals, negative squared
    letters, ...); `lookalikes`, letters of other scripts drawn like a Latin letter (Cherokee `Ꭺ`, Lisu
    `ꓮ`: Unicode's confusables); `accents`, Latin letters with a diacritic or a stroke -> the plain letter."""
    import json
    from importlib import resources

    return json.loads(resources.files("mcp_guard").joinpath("data/letter_fold.json").read_text("utf-8"))


def _letters() -> dict[str, str]:
    return letter_fold()["letters"]


class _Table(dict):  # type: ignore[type-arg]
    """One non-ASCII character as a model reads it, filled on first use."""

    def __missing__(self, code: int) -> str:
        from mcp_guard.scan import _fold_char

        ch = chr(code)
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Mn", "Me"):  # format, zero-width, soft hyphen, combining marks: not read
            out = ""
        elif cat == "Zs" or ch in "\u2028\u2029":
            out = " "
        elif ch == "\u0131":  # Turkish dotless i
            out = "i"
        elif ch in _letters():
            out = _letters()[ch]
        else:
            out = _fold_char(ch)
        self[code] = out
        return out


_TABLE = _Table({i: i for i in range(128)})


class View:
    """The normalised text and the way back to offsets of the text it was made from."""

    __slots__ = ("text", "_outs", "_origs", "_size", "_inner", "again")

    def __init__(self, text: str, outs: list[int], origs: list[int], size: int,
                 inner: View | None = None) -> None:
        self.text = text
        self._outs = outs
        self._origs = origs
        self._size = size
        self._inner = inner  # a view of an earlier pass: this one reads its text
        self.again = False  # did a decoding make an escape or markup to decode in another pass?

    def original(self, i: int) -> int:
        """The offset in the original text of offset `i` of the view."""
        k = bisect.bisect_right(self._outs, i) - 1
        if k < 0:
            j = min(i, self._size)
        else:
            nxt = self._origs[k + 1] if k + 1 < len(self._origs) else self._size
            j = min(self._origs[k] + i - self._outs[k], max(self._origs[k], nxt))
        return j if self._inner is None else self._inner.original(j)

    def span(self, s: int, e: int) -> tuple[int, int]:
        a = self.original(s)
        return a, max(a + 1 if e > s else a, self.original(max(s, e - 1)) + 1 if e > s else a)


def _decode(kind: str, s: str) -> str:
    if kind == "json":
        hi = int(s[2:6], 16)
        if len(s) == 6:
            return chr(hi)
        lo = int(s[8:12], 16)  # a low surrogate: joined to a high one before it, else two characters
        return chr(0x10000 + ((hi - 0xD800) << 10) + lo - 0xDC00) if 0xD800 <= hi < 0xDC00 else chr(hi) + chr(lo)
    if kind == "ent":
        return html.unescape(s)
    if kind == "pct":
        return unquote(s, errors="replace")
    if kind == "spaced":  # the separator met most often is inside words, any other between them
        seps = re.findall(r"[^\w]+", s)
        inner = max(set(seps), key=seps.count)
        if len(inner) != 1 or 2 * seps.count(inner) < len(seps):
            return s  # no one separator of one character (`x = a + b`): not a spelled word
        out = []
        for part in re.split(r"([^\w]+)", s):
            if part == inner:
                continue
            out.append(part if part.isalpha() else (part.strip(inner) or " "))
        return "".join(out)
    if kind == "tag":
        # (other tags stay: `<IMPORTANT>` is itself a sign the scanner reads)
        return "" if s[1:].lstrip("/").split(None, 1)[0].rstrip("/>").lower() in _INLINE_TAGS else s
    if kind == "bs":
        m = _BACKSLASH.match(s)
        assert m is not None
        u, x, octal, css = m.groups()
        code = int(u or x or css or "0", 16) if octal is None else int(octal, 8)
        ch = chr(code) if code <= 0x10FFFF else ""
        # (CSS and octal forms are also what a path's `\\Data` looks like: only ASCII read from them)
        return ch if " " <= ch <= "~" or (css is None and octal is None and ch.isalpha()) else s
    return s


@cache  # (the module's own dozen hints: each compiled once, its DFA kept warm)
def _gate(pattern: str) -> Any:
    import re2

    options = re2.Options()
    options.max_mem = 64 << 20  # the DFA's cache: enough that a large text never exhausts it
    return re2.compile(pattern, options)


_utf8_last: list[tuple[str, bytes]] = []  # the last texts' bytes, by identity: each is asked several hints


def _utf8(text: str) -> bytes:
    """The text's UTF-8 bytes, what RE2 reads (a lone surrogate kept as its three bytes, read as no
    character a hint looks for). RE2's Python wrapper reads a str by encoding it on every call and,
    at a match, counting characters from the text's start: 10-20 ms per MiB; its bytes cost neither."""
    global _utf8_last
    for t, b in _utf8_last:  # (the list is replaced whole, never changed in place: threads read it)
        if t is text:
            return b
    b = text.encode("utf-8", "surrogatepass")
    _utf8_last = [(text, b), *_utf8_last[:1]]
    return b


_quiet_last: list[tuple[str, bool]] = []


def _found(hint: str, text: str) -> bool:
    """Does RE2 find `hint` in the text? The hints `_view` asks of one text are first asked together (one
    alternation: one DFA pass for all, as fast as one of them): a text none of them is in, most text, is
    read once for all of them; where one is, each is then asked alone."""
    global _quiet_last
    if hint in _GROUPED:
        quiet = None
        for t, q in _quiet_last:  # (the list is replaced whole, never changed in place: threads read it)
            if t is text:
                quiet = q
        if quiet is None:
            quiet = _gate(_ANY_GROUPED).search(_utf8(text)) is None
            _quiet_last = [(text, quiet), *_quiet_last[:1]]
        if quiet:
            return False
    return _gate(hint).search(_utf8(text)) is not None


_CONTINUATION = bytes(range(0x80, 0xC0))  # the bytes of UTF-8 that do not start a character


def _spans(hint: str, text: str) -> Iterator[tuple[int, int]]:
    """The spans of RE2's non-overlapping matches of `hint`, as offsets of the text. An ASCII text's
    bytes have its offsets; else a byte offset is the count of the bytes before it that start a
    character (counted from the last match on, in C)."""
    data = _utf8(text)
    if text.isascii():
        yield from (h.span() for h in _gate(hint).finditer(data))
        return
    at = chars = 0  # a byte offset and the character offset it is
    for h in _gate(hint).finditer(data):
        s, e = h.span()
        cs = chars + len(data[at:s].translate(None, _CONTINUATION))
        chars, at = cs + len(data[s:e].translate(None, _CONTINUATION)), e
        yield cs, chars


def needed(text: str) -> bool:
    """Does the text hold anything `view` changes? (memchr-speed tests, one RE2 pass; plain prose: no)
    A superset test of every reading: a reading never depends on it, it only spares plain text the work."""
    return (not text.isascii() or "\\" in text or "&" in text or "%" in text or "_" in text
            or "<" in text or "*" in text or "~" in text or "`" in text
            or _found(_HINT, text))


_last: list[tuple[str, View | None]] = []  # the last few views, by identity: both readers ask of one text


def view(text: str) -> View | None:
    """The text as a model reads it (module docstring), or None when that is the text itself."""
    for t, v in _last:
        if t is text:
            return v
    v = None
    if needed(text):  # each pass reads the text the last one made: `%254E` -> `%4E` -> `N`
        v = _view(text, first=True)
        for _ in range(PASSES - 1):
            if v is None or not v.again:
                break
            w = _view(v.text, first=False)
            if w is None or w.text == v.text:
                break
            v = View(w.text, w._outs, w._origs, w._size, inner=v)
    _last[:] = [(text, v), *_last[:2]]
    return v


def _camel_ends(src: str) -> list[int]:
    """`[m.end() for m in _CAMEL.finditer(src)]`: each match is one letter, a lower-case one before a
    capital or a capital before a capital and two lower-case letters. Found with bytes.find in the text
    with each letter marked by its case (a non-ASCII character is one `?` byte, so offsets stay): a
    terminal log's colour codes before capitals (`[32mPASSED`) are thousands of places, each a regex
    try at every character otherwise."""
    marks = src.encode("ascii", "replace").translate(_CASE_MARKS)
    ends = []
    for shape in (b"aA", b"AAaa"):
        i = marks.find(shape)
        while i != -1:
            ends.append(i + 1)
            i = marks.find(shape, i + 1)
    ends.sort()
    return ends


def _unwrap(src: str) -> str:
    """`_WRAP.sub` with spaces of the same length: each line break with a letter before it and one after
    it, across spaces only, read as a space (the spaces around it are spaces already). Whether a break
    is read depends on its neighbours across spaces alone, never on another break read: each is
    decided in the text as it was."""
    out = _WRAP_AT_LETTER.sub(" ", src)
    if " \n" not in src:
        return out
    at = []
    for m in _WRAP_AT_SPACE.finditer(src):
        j = m.start() - 1
        while j > 0 and src[j - 1] == " ":
            j -= 1
        if j > 0 and _LETTER.match(src, j - 1):
            at.append(m.start())
    if not at:
        return out
    parts, k = [], 0
    for i in at:
        parts += [out[k:i], " "]
        k = i + 1
    return "".join(parts) + out[k:]


def _leet(src: str) -> str:
    """Each run of letter-and-digit words that holds a leet word (`_LEET_CORE`) with its digits read as
    letters, in words that have letters and in numbers that stand between two such words (`th3 41 4ss`);
    a number on its own (`2024`, `m3` beside plain words) stays. Same length."""
    out = []
    at = 0
    for m in _within(_LEET_RUN, _LEET_CORE.pattern, src, _LEET_RUN_CHARS):  # (the runs that may hold one)
        run = m.group()
        if _LEET_CORE.search(run) is None or ("@" in run and src[m.end():m.end() + 1] in ".-"):
            continue  # (an address's local part and domain: `bob@evil.example`)
        words = list(_LEET_WORD.finditer(run))
        lettered = [not w.group().isdigit() for w in words]
        parts, k = [], 0
        for i, w in enumerate(words):
            between = 0 < i < len(words) - 1 and lettered[i - 1] and lettered[i + 1]
            parts.append(run[k:w.start()])
            parts.append(_leet_word(w.group()) if lettered[i] or between else w.group())
            k = w.end()
        parts.append(run[k:])
        out += [src[at:m.start()], "".join(parts)]
        at = m.end()
    return "".join(out) + src[at:] if out else src


def _leet_word(w: str) -> str:
    """One word of a leet run with its digits (and, in a word that opens with a letter, its `@ $ !`) read
    as letters; a `!` ending a word of more than one letter stays (`Hello!`)."""
    if not w[0].isalpha():
        return w.translate(_LEET_DIGITS)
    if w.endswith("!") and len(w.rstrip("!")) > 1:
        k = len(w.rstrip("!"))
        return w[:k].translate(_LEET) + w[k:]
    return w.translate(_LEET)


def _decode_qp(s: str, strict: bool = False) -> str:
    if s[-1] == "\n":
        return ""  # a soft line break
    data = bytes.fromhex(s.replace("=", ""))
    try:
        out = data.decode("utf-8")
    except UnicodeDecodeError:
        if strict:
            return s
        out = data.decode("latin-1")
    return out if all(c.isprintable() or c in " \t\n" for c in out) else s


def _decode_utf7(s: str) -> str:
    try:
        out = (s if s.endswith("-") else s + "-").encode("ascii").decode("utf-7")
    except (UnicodeError, ValueError):
        return s
    letters = sum(c.isascii() and (c.isalnum() or c == " ") for c in out)
    if len(out) < 4 or not all(c.isprintable() or c in " \t\n" for c in out) or 10 * letters < 8 * len(out):
        return s  # (a phone number `+14155550100` decodes to no ASCII text)
    return out


def _unjoin(m: re.Match[str]) -> str:
    """A sentence joined by one mark with the mark read as a space (same length), else as written."""
    s = m.group()
    marks = re.findall(r"[./|]+", s)
    words = re.split(r"[./|]+", s)
    # (the mark is the last of each group: `m3.|Send` ends a sentence, then joins)
    lettered = sum(w.isalpha() for w in words)
    if len(words) < MIN_JOINED or len({k[-1] for k in marks}) != 1 or 4 * lettered < 3 * len(words):
        return s
    mark = marks[0][-1]
    if mark == ".":  # (`..`: a sentence's end, then the mark)
        return s.replace("..", ". ").replace(".", " ").replace("  ", ". ")
    return s.replace(mark + mark, mark + " ").replace(mark, " ")


def _decode_spaced_b64(src: str, m: re.Match[str]) -> str:
    from mcp_guard.scan import _decode_b64

    s = m.group()
    if m.end() < len(src) and (src[m.end()].isalnum() or src[m.end()] in "_+/="):
        return s
    groups = s.split()
    width = len(groups[0])
    if len({len(g) for g in groups[:-1]}) != 1 or len(groups[-1]) > width:
        return s  # not cut at one width: words, not a base64 run
    if len(groups) == 2 and (width < 16 or width % 4):
        return s  # two groups: the first must be a line of base64 (`tests/test mod` is two words)
    return _decode_b64("".join(groups)) or s


def _inside_word(src: str, m: re.Match[str]) -> bool:
    s, e = m.start(), m.end()
    return s > 0 and src[s - 1].isalpha() and e < len(src) and src[e].isalpha()


@lru_cache(maxsize=1)
def _lookalike_class() -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(_lookalikes())) + "]")


def _lookalikes() -> dict[str, str]:
    return letter_fold()["lookalikes"]


def _fold_lookalikes(src: str) -> str:
    """Look-alike letters folded inside each word that also has a Latin letter (`ᎪI`: read as `AI`; a word
    of Cherokee stays Cherokee). Same length."""
    table = _lookalikes()
    out = list(src)
    done = -1
    for m in _lookalike_class().finditer(src):
        if m.start() < done:
            continue
        s = m.start()
        while s > 0 and (src[s - 1].isalpha() or src[s - 1] in table):
            s -= 1
        e = m.end()
        while e < len(src) and (src[e].isalpha() or src[e] in table):
            e += 1
        done = e
        if any("a" <= c.lower() <= "z" for c in src[s:e]):
            for i in range(s, e):
                if src[i] in table:
                    out[i] = _cased(table[src[i]], src, i, s, e)
    return "".join(out)


def _cased(letter: str, src: str, i: int, s: int, e: int) -> str:
    """A folded letter in the case of the one it stands for, or (a letter of a script without case, Lisu)
    in the case of its neighbours in the word (`ꓮI` reads `AI`, not `aI`)."""
    c = src[i]
    if c.isupper() or c.islower():
        return letter.upper() if c.isupper() else letter
    near = [x for x in src[max(s, i - 1):min(e, i + 2)] if x.isascii() and x.isalpha()]
    return letter.upper() if near and all(x.isupper() for x in near) else letter


def _touches_letter(src: str, m: re.Match[str]) -> bool:
    s, e = m.start(), m.end()
    return (s > 0 and src[s - 1].isalpha()) or (e < len(src) and src[e].isalpha())


def _near(pattern: re.Pattern[str], hint: str, text: str, reach: int) -> list[re.Match[str]]:
    """`pattern.finditer(text)`, run only around where RE2 finds `hint`, for a pattern whose every match
    starts at a place where `hint` matches, reads (with its lookarounds) at most `reach` characters past
    such a match of `hint` from any place inside it, and never starts inside another of its matches. A
    match of the pattern starts where one of RE2's non-overlapping matches starts, or inside one: those
    places, each read with its `reach`, are all the pattern needs to see. Where there are many (RE2's
    matches cost tens of microseconds each in Python), the pattern reads the whole text instead."""
    found: list[re.Match[str]] = []
    for n, (s, e) in enumerate(_spans(hint, text)):
        if n == NEAR_MAX:
            return list(pattern.finditer(text))
        found += [m for m in pattern.finditer(text, s, min(len(text), e + reach)) if m.start() < e]
    return found


STRETCH_MAX = 4096  # characters `_within` walks back from one place before it reads the whole text instead


def _within(pattern: re.Pattern[str], hint: str, text: str, inside: str) -> list[re.Match[str]]:
    """`pattern.finditer(text)`, run only over the stretches of the characters `inside` (a regex class's
    body) that hold or touch a place where RE2 finds `hint`. For a pattern whose every match is made of
    those characters, has no lookahead past its end, and overlaps or follows a match of `hint` in one
    stretch: a match never crosses another character, so the matches in a stretch are the text's own.
    Where there are many places, or a stretch runs long, the pattern reads the whole text instead."""
    found: list[re.Match[str]] = []
    outside = _outside(inside)
    done = 0  # the text before this is read
    for n, (s, e) in enumerate(_spans(hint, text)):
        if e <= done:
            continue
        if n == NEAR_MAX:
            return list(pattern.finditer(text))
        lo = max(s, done)
        floor = max(done, lo - STRETCH_MAX)
        while lo > floor and outside.match(text, lo - 1) is None:
            lo -= 1
        if lo == floor and floor > done:
            return list(pattern.finditer(text))
        stop = outside.search(text, e)
        done = stop.start() if stop is not None else len(text)
        found += pattern.finditer(text, lo, done)
    return found


AT_MAX = 4096  # places `_at` tries the pattern at before it reads the whole text instead


def _at(pattern: re.Pattern[str], first: str, text: str) -> list[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose every match starts with the character `first`: tried
    only where that character is (found with str.find, at memchr speed), when it is there a few times
    (the regex engine tries an alternation at every position of the text otherwise)."""
    if text.count(first) > AT_MAX:
        return list(pattern.finditer(text))
    found: list[re.Match[str]] = []
    i = text.find(first)
    while i != -1:
        m = pattern.match(text, i)
        if m is not None:
            found.append(m)
        i = text.find(first, m.end() if m is not None and m.end() > i else i + 1)
    return found


@lru_cache(maxsize=8)
def _outside(inside: str) -> re.Pattern[str]:
    return re.compile("[^" + inside + "]")


def _non_ascii(text: str) -> str:
    """The text's non-ASCII characters (in C: a regex or a set of the whole text costs 15-30 ms per MiB)."""
    return text.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8", "surrogatepass")


_distinct_last: list[tuple[str, frozenset[str]]] = []


def _distinct(text: str) -> frozenset[str]:
    """The text's distinct non-ASCII characters (`set(_non_ascii(text))`: 10-20 ms per MiB of other
    scripts), made once for the readers of one text (the scanner's character checks, `view`), by identity."""
    global _distinct_last
    for t, found in _distinct_last:  # (the list is replaced whole, never changed in place: threads read it)
        if t is text:
            return found
    found = frozenset(_non_ascii(text)) if not text.isascii() else frozenset()
    _distinct_last = [(text, found), *_distinct_last[:1]]
    return found


def _runs_of(text: str, chars: set[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of `chars` in the text (found with str.find: few, in a long text)."""
    at: list[int] = []
    for c in chars:
        i = text.find(c)
        while i != -1:
            at.append(i)
            i = text.find(c, i + 1)
    at.sort()
    runs: list[tuple[int, int]] = []
    for i in at:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def _view(text: str, first: bool) -> View | None:
    # Edits that keep the length first: no offset moves.
    src = text
    if "\\" in src and first:  # (later passes: `C:\\new` is a path, no line break)
        keep = "\x00" if "\x00" not in src else None
        if keep is not None:  # an escaped backslash is not the start of an escape
            src = src.replace("\\\\", keep + keep)
        for a, b in _SHORT_ESCAPES:
            src = src.replace(a, b)
        if keep is not None:
            src = src.replace(keep + keep, " \\")
    pre = src  # (quoted-printable and base64 are read in this text: the same offsets, before the readings below)
    if first:
        for ch in _SPACES:  # (str.translate looks up every character: 60 ms per MiB of non-ASCII text)
            if ch in src:
                src = src.replace(ch, " ")
        pre = src
        if "_" in src:  # `_` between words
            src = src.replace("_", " ")
        if "+" in src:  # form encoding: `+` is a space
            src = _FORM.sub(lambda m: m.group().replace("+", " "), src)
        if "\n" in src:  # a line break between two words, as a wrapped line reads
            src = _unwrap(src)
        if _found(_LEET_CORE.pattern, src):  # (RE2: linear over a large text)
            src = _leet(src)
        if ("." in src or "|" in src or "/" in src) and _found(_JOINED_HINT, src):
            src = _JOINED.sub(_unjoin, src)
    wide = not src.isascii()
    look = False
    if wide:  # the few distinct characters a text holds are looked up once each
        chars = _distinct(src)
        look = not chars.isdisjoint(_lookalikes())
        changed = {c: r for c in chars if (r := _TABLE[ord(c)]) != c}
        # A character read as one other is replaced in place (one C pass each, no offset moves); one read
        # as none or several (a mark, a ligature) is an edit below, and so is one whose reading another
        # replacement would read again. Most non-ASCII text has none of those: one edit per character,
        # each with its mark back, cost a second per MiB.
        uneven = {c for c, r in changed.items() if len(r) != 1 or r in changed}
        for c, r in changed.items():
            if c not in uneven:
                src = src.replace(c, r)
        wide = bool(uneven)
    if look:
        src = _fold_lookalikes(src)
    # Then the edits that change it, with a map back.
    edits: list[tuple[int, int, str | None]] = []
    if "\\" in src:  # (one character: a memchr; then the two)
        if "\\u" in src:
            edits += [(m.start(), m.end(), _decode("json", m.group())) for m in _JSON_U.finditer(src)]
        edits += [(m.start(), m.end(), _decode("bs", m.group())) for m in _BACKSLASH.finditer(src)]
    if "&" in src:
        edits += [(m.start(), m.end(), html.unescape(m.group())) for m in _ENTITY.finditer(src)]
        edits += [(m.start(), m.end(), html.unescape(m.group() + ";")) for m in _NAMED_BARE.finditer(src)]
    if "%" in src:
        edits += [(m.start(), m.end(), unquote(m.group(), errors="replace")) for m in _PERCENT.finditer(src)]
    if "<" in src:
        edits += [(m.start(), m.end(), _decode("tag", m.group())) for m in _TAG.finditer(src)]
        edits += [(m.start(), m.end(), "") for m in _COMMENT.finditer(src) if _inside_word(src, m)]
    if "*" in src or "~" in src or "`" in src:
        edits += [(m.start(), m.end(), "") for m in _within(_EMPHASIS, "[*~`]", src, "*~`") if _touches_letter(src, m)]
    if "=" in src:
        qp = _QP_ANY if _found(_QP_SHAPE.pattern, pre) else _QP
        edits += [(m.start(), m.end(), _decode_qp(m.group(), strict=not m.group().isupper()))
                  for m in _at(qp, "=", pre)]
    if "+" in pre and _found(_UTF7_HINT, pre):
        edits += [(m.start(), m.end(), _decode_utf7(m.group())) for m in _UTF7.finditer(pre)]
    if " " in src and _found(_B64_HINT, pre):
        edits += [(m.start(), m.end(), _decode_spaced_b64(pre, m))
                  for m in _within(_B64_SPACED, _B64_HINT, pre, _B64_SPACED_CHARS)]
    # Letters spaced out, camelCase and capitals split by a mark: the hint (a superset of the three) spares
    # the Python patterns the text that holds none.
    # Each is then looked for on its own: one of them found says nothing about the other two, and a Python
    # pattern over 1 MiB costs 100-200 ms. camelCase and split capitals are short matches: they are
    # looked for only around where RE2 finds their hint (`_near`).
    spaced = _SPACED_HINT if src.isascii() else _SPACED_HINT_WIDE
    if _found(_SPACED_CAMEL_HINT if src.isascii() else _SPACED_CAMEL_HINT_WIDE, src):
        if _found(spaced, src):
            edits += [(m.start(), m.end(), _decode("spaced", m.group())) for m in _SPACED.finditer(src)]
        edits += [(i, i, " ") for i in _camel_ends(src)]
        edits += [(m.start(), m.end(), m.group()[::2]) for m in _near(_SPLIT_CAPS, _SPLIT_CAPS_HINT, src, 5)]
    if "  " in src:  # a run of spaces (tabs, CR, a wrapped line's break: spaces by now) reads as one
        edits += [(m.start(), m.end(), " ") for m in _GAP.finditer(src)]
    if wide:
        edits += [(s, e, None) for s, e in _runs_of(src, uneven)]  # None: each character by the table
    if not edits:
        return View(src, [0], [0], len(text)) if src is not text else None
    edits.sort(key=lambda x: x[0])
    parts: list[str] = []
    # From view offset outs[k] on, the text reads from origs[k]; a mark at the offset the last one has
    # replaces it. (Written out in the loop: a terminal log or a text of other scripts has tens of
    # thousands of edits, and a call per mark cost more than the rest of the loop.)
    outs: list[int] = [-1]  # (a sentinel no offset equals, dropped below)
    origs: list[int] = [-1]
    put = parts.append
    at = done = 0
    again = False
    for s, e, new in edits:
        if s < at:
            continue  # inside an edit already made
        old = src[s:e]
        if new is not None and not new.isascii():
            new = new.translate(_TABLE)
        if new == old:
            continue
        if s > at:
            if outs[-1] == done:
                origs[-1] = at
            else:
                outs.append(done)
                origs.append(at)
            put(src[at:s])
            done += s - at
        if new is None:  # a run of non-ASCII characters, one by one: a removed mark moves no neighbour
            for j, ch in enumerate(old):
                r = _TABLE[ord(ch)]
                if r:
                    if outs[-1] == done:
                        origs[-1] = s + j
                    else:
                        outs.append(done)
                        origs.append(s + j)
                    put(r)
                    done += len(r)
        else:
            if outs[-1] == done:
                origs[-1] = s
            else:
                outs.append(done)
                origs.append(s)
            put(new)
            done += len(new)
            again = again or bool(new.strip())  # (what it decoded may now read as spaced letters too)
        at = e
    if not parts:
        return View(src, [0], [0], len(text)) if src is not text else None
    if outs[-1] == done:
        origs[-1] = at
    else:
        outs.append(done)
        origs.append(at)
    del outs[0], origs[0]
    parts.append(src[at:])
    v = View("".join(parts), outs, origs, len(text))
    v.again = again
    return v


# -- what a result's content shows beside its strings ---------------------------------------------------
SEAM = 200  # characters each side of a border between two text blocks read together
MAX_BLOB = 2 * 1024 * 1024  # base64 characters of an embedded text resource decoded to be judged


def content_extras(content: object) -> list[tuple[str, str]]:
    """Texts a client shows from a result's content that no single string holds, as (field, text):
    - an embedded resource's `blob` whose bytes are text, whatever its mimeType says but a medium's
      (a mail `message/rfc822`, YAML, JavaScript, XML in UTF-16: a client shows it as text and a model
      reads it; an image/audio/video/font type is shown as such, never as text;
      up to MAX_BLOB, the rest left out; `blob_text`);
    - each border between two consecutive text blocks, read run together and on two lines (a client
      shows the blocks one after the other, so a sentence split across them is read whole)."""
    import base64
    import binascii

    if not isinstance(content, list):
        return []
    out: list[tuple[str, str]] = []
    texts: list[tuple[int, str]] = []
    for i, item in enumerate(content):
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("text"), str) and item["text"].strip():  # a blank block hides no border
            texts.append((i, item["text"]))
        res = item.get("resource")
        if isinstance(res, dict) and isinstance(res.get("blob"), str):
            try:
                data = base64.b64decode(res["blob"][:MAX_BLOB], validate=False)
            except (binascii.Error, ValueError):
                continue
            mime = res.get("mimeType")
            text = (data.decode("utf-8", "replace") if _is_text_type(mime) else
                    None if _is_media_type(mime) else blob_text(data))
            if text:
                out.append((f"content[{i}].resource.blob", text))
    for (i, a), (j, b) in zip(texts, texts[1:], strict=False):
        if a and b:
            tail, head = a[-SEAM:], b[:SEAM]
            out.append((f"content[{i}..{j}]", tail + head + "\n\n" + tail + "\n" + head))
    return out


def blob_text(data: bytes) -> str | None:
    """The text binary data holds, whatever type it was given: UTF-8 or (with a byte-order mark, or a NUL
    byte beside every ASCII letter) UTF-16, when nearly all of it is printable; None for an image, an
    archive, any other binary."""
    head = data[:4096]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        enc = "utf-16"
    elif len(head) >= 8 and head[1::2].count(0) > 0.9 * (len(head) // 2):
        enc = "utf-16-le"
    elif len(head) >= 8 and head[0::2].count(0) > 0.9 * (len(head) // 2):
        enc = "utf-16-be"
    else:
        enc = "utf-8"
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as err:  # (cut at MAX_BLOB: a character split at the end)
        if err.start < len(data) - 4:
            return None
        text = data[:err.start].decode(enc)
    sample = text[:4096]
    shown = sum(c.isprintable() or c in "\t\n\r" for c in sample)
    return text if sample and shown >= 0.97 * len(sample) else None


def _is_media_type(mime: object) -> bool:
    """An image, sound, video or font: a client shows it as what it is, never as text."""
    return isinstance(mime, str) and mime.split("/", 1)[0].strip().lower() in ("image", "audio", "video", "font")


def _is_text_type(mime: object) -> bool:
    if not isinstance(mime, str):
        return False
    m = mime.split(";", 1)[0].strip().lower()
    return m.startswith("text/") or m == "application/json" or m.endswith("+json")
