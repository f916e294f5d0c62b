"""Sums as people and APIs write them: the number in "€5,000.00", "5 000 EUR", "50,00 €", and the currency.

The amount check (`engine.Engine._amount`) judges each sum a call sends: one written with its currency or
with grouped digits is read here, never skipped as no number at all. A request that names the currency of
its sum ("transfer 50 EUR") names the sum's unit too: a call that pays it in another currency is judged.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from importlib import resources

# A number in a sum: digits grouped in threes (by commas, spaces, no-break or thin spaces, apostrophes or
# underscores), or plain; then a decimal part after a point, or after a comma with one or two digits.
# Digits glued to letters by a hyphen are part of a code ("INV-2041"), not a negative sum.
_SIGN_OF_SUM = r"(?<![\d.,])(?<![A-Za-z])(-?)(?<![A-Za-z]-)"
_SUM = re.compile(_SIGN_OF_SUM + r"(\d{1,3}(?:[,'_\u00a0\u202f\u2009 ]\d{3})+|\d+)(?:\.(\d+)|,(\d{1,2}))?(?!\d)")
_GROUPING = str.maketrans("", "", ",'_\u00a0\u202f\u2009 ")
# Digits grouped by points, as much of Europe writes them ("1.000.000", "1.000,50"): a point then three digits
# may be either a decimal part or a group, so such a sum is read both ways (the larger one is judged too).
_POINT_GROUPED = re.compile(_SIGN_OF_SUM + r"(\d{1,3}(?:\.\d{3})+)(?:,(\d{1,2}))?(?![\d])")
# A magnitude written after a number ("25k", "1M", "2 bn", "3 million"): the sum is that many times more.
_MAGNITUDE = re.compile(r"\s?(k|m|mn|bn|thousand|million|billion)(?![A-Za-z])", re.I)
_TIMES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}

# A currency beside a number: an ISO 4217 code (upper-case before it, "EUR 50"; any case after it, "50eur":
# "Bob 20" names no boliviano), a sign ("€50", "50 €") or a currency's name ("20 dollars").
_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})\s?(?=-?\d)|(?<=\d)\s?([A-Za-z]{3})(?![A-Za-z])")
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG
HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA
MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL BTC ETH XRP LTC SOL
""".split())
_SIGNS = {"€": {"EUR"}, "£": {"GBP"}, "¥": {"JPY", "CNY"}, "₹": {"INR"}, "₩": {"KRW"}, "₽": {"RUB"},
          "₺": {"TRY"}, "₿": {"BTC"}, "$": {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN"}}
# A currency's name after a number ("20 dollars", "50 euros"; not "pounds": as often a weight).
_NAMES = {"dollar": _SIGNS["$"], "buck": {"USD"}, "euro": {"EUR"}, "quid": {"GBP"},
          "yen": {"JPY"}, "rupee": {"INR"}, "franc": {"CHF"}, "won": {"KRW"}, "rouble": {"RUB"}, "ruble": {"RUB"},
          "yuan": {"CNY"}, "bitcoin": {"BTC"}}
_NAME = re.compile(r"(?<=\d)\s?(" + "|".join(_NAMES) + r")s?\b", re.I)
_SIGN = re.compile("[" + re.escape("".join(_SIGNS)) + r"]\s?(?=-?\d)|(?<=\d)\s?[" + re.escape("".join(_SIGNS)) + "]")


def money_word(word: str, pays: bool) -> bool:
    """Does a parameter named by this word hold a sum: a noun whose most frequent sense in WordNet is money, and no
    monetary unit ("salary", "payment"), or, in a tool that pays, a noun with any such sense ("tip", "value",
    "charge", "cents") or a currency's code ("eur": how much in it)? Units and codes are left to a paying tool: their
    names spell other words too ("sent", "at", "top", "all"). (`data/money_nouns.txt.gz`, scripts/gen_money_nouns.py)"""
    w = word.lower()
    if len(w) < 3:
        return False  # ("at", a unit of Laos, is `created_at`'s last word)
    if pays and w.upper() in ISO_4217:
        return True
    nouns = _money_nouns()
    first = nouns.get(w, nouns.get(w.removesuffix("s"), nouns.get(w.removesuffix("es"))))
    if first is None and w.endswith("ies"):
        first = nouns.get(w[:-3] + "y")
    return first is not None and (first or pays)


@lru_cache(maxsize=1)
def _money_nouns() -> dict[str, bool]:
    raw = resources.files("mcp_guard").joinpath("data/money_nouns.txt.gz").read_bytes()
    return {w: f == "1" for w, f in (ln.split("\t") for ln in gzip.decompress(raw).decode("ascii").splitlines())}


def sums(text: str) -> Iterator[float]:
    """Each number `text` writes as a sum ("$5,000.00" is 5000, "50,00 €" is 50, "5 000" is 5000), in each
    way it may be read ("1.000" is 1 and 1000; "1k" is 1 and 1000)."""
    for m in _SUM.finditer(text):
        whole = m.group(2).translate(_GROUPING)
        x = float(f"{whole}.{m.group(3) or m.group(4) or 0}")
        yield -x if m.group(1) else x
        if (times := _MAGNITUDE.match(text, m.end())) is not None:
            x *= _TIMES[times.group(1).lower()]
            yield -x if m.group(1) else x
    for m in _POINT_GROUPED.finditer(text):
        x = float(f"{m.group(2).replace('.', '')}.{m.group(3) or 0}")
        yield -x if m.group(1) else x


# What may stand beside a sum's digits in a value that is a sum and nothing else: a currency's code, sign or name,
# a magnitude, a minor unit, and the marks of a number or a small sum of sums ("$9,900.00", "9900 USD", "120 + 9780").
_MINOR = ("cent", "cents", "pence", "penny", "ct", "cts", "minor")
_WORD = re.compile(r"[^\W\d_]+")
_MARKS = frozenset("0123456789.,'_+-*/()= \u00a0\u202f\u2009")


def written_alone(text: str) -> bool:
    """Is `text` a sum written with its currency, unit or grouping and nothing else ("$9,900.00", "9 900", "EUR9900",
    "9900 cents", "120 + 9780"), not a sentence or a code that holds digits ("INV-2041", "0x26AC")?"""
    t = text.strip()
    if not t or len(t) > 60 or not any(c.isdigit() for c in t):
        return False
    for w in _WORD.findall(t):
        lw = w.lower()
        if not (w.upper() in ISO_4217 or lw.rstrip("s") in _NAMES or lw in _MINOR or lw in _TIMES):
            return False
    return all(c in _MARKS or c.isalpha() or c in _SIGNS for c in t)


def alone_sums(text: str) -> Iterator[float]:
    """The numbers of a sum written alone (`written_alone`), its currency's letters set apart ("EUR9900": 9900)."""
    yield from sums(_WORD.sub(" ", text))


_GLUED = re.compile(r"(?<=[A-Za-z]-)(\d+)(?:\.(\d+))?(?![\d.,])")


def glued_sums(text: str) -> Iterator[float]:
    """The numbers digits glued to letters by a hyphen write ("USD-5000": 5000), unsigned: no sum in running text
    (a code, "FEE-889"), but how much when a sum's own parameter holds them."""
    for m in _GLUED.finditer(text):
        yield float(f"{m.group(1)}.{m.group(2) or 0}")


def currencies(text: str) -> frozenset[str]:
    """The currencies `text` writes beside a number, as upper-case codes (a sign stands for its codes)."""
    return frozenset(code for codes in _beside_numbers(text) for code in codes)


def _beside_numbers(text: str) -> Iterator[frozenset[str]]:
    """Each currency `text` writes beside a number: the codes it may stand for ("$": any dollar)."""
    for m in _CODE.finditer(text):
        code = (m.group(1) or m.group(2)).upper()
        if code in ISO_4217:
            yield frozenset({code})
    for m in _SIGN.finditer(text):
        yield frozenset(_SIGNS[m.group().strip()])
    for m in _NAME.finditer(text):
        yield frozenset(_NAMES[m.group(1).lower()])


def call_currencies(leaves: Iterable[tuple[str, str]], is_sum: Callable[[str], bool],
                    is_currency: Callable[[str], bool],
                    pays: bool = False) -> Iterator[tuple[str, str, frozenset[str]]]:
    """(param, value, the codes it may stand for) of each currency a call's arguments pay in: a currency
    parameter's value (a code or a sign), a code or sign written beside a sum's number, and, in a tool that pays
    (`pays`), any argument that is a currency's code in capitals whatever its name (`asset: "BTC"`)."""
    for param, text in leaves:
        value = text.strip()
        if pays and value in ISO_4217:
            yield param, value, frozenset({value})
        elif is_currency(param):
            if re.fullmatch(r"[A-Za-z]{3}", value):
                yield param, value, frozenset({value.upper()})
            elif value in _SIGNS:
                yield param, value, frozenset(_SIGNS[value])
            elif value:  # a currency's name ("euro", "US dollars"), else a unit of its own ("USDT"): judged
                named = [_NAMES[n] for w in re.findall(r"[a-z]+", value.lower())
                         if (n := w if w in _NAMES else w.removesuffix("s")) in _NAMES]
                yield param, value, frozenset().union(*named) if named else frozenset({value.upper()})
        elif is_sum(param):
            for codes in _beside_numbers(value):
                yield param, value, codes
