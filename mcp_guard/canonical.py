"""One canonical JSON and one clock for everything mcp-guard hashes or stores.

Canonical JSON is RFC 8785 (JCS): fingerprints of tools (manifest), the audit chain's data digests
and held calls' argument digests all go through `canonical`, so one value always has one digest.

JCS holds only I-JSON. What it cannot hold is made JSON-safe by ONE rule: a value JCS cannot write
exactly (an integer beyond ±(2^53 - 1), NaN or an infinity, any non-JSON object) becomes the string
of its Python text ("18446744073709551616", "nan", "inf"); keys become strings, tuples lists, and a
lone surrogate '?'. So does a whole float beyond ±(2^53 - 1) and under 1e21 ("1e+16"): JCS writes it
as an integer literal, which reads back as such an integer, so its canonical text would not be its
own canonical form (an honest audit export would fail verification). Why strings: they are
lossless. The alternative, reading big integers as doubles (what a JavaScript client does), makes
distinct values collide (2^53 and 2^53 + 1 give one digest), so an approval given for one call's
arguments would match another's, and the audit log would keep a value that was never sent. The one
cost, that such a number and the string of its digits canonicalise alike, changes no decision
mcp-guard makes.

Times written to the database are RFC 3339 in UTC with a 'Z' and microseconds (`now()`), which
sort as text in time order; `parse_time` also reads the formats older versions wrote.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
import rfc8785

SAFE_INT = 2**53 - 1
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


# --- canonical JSON ---------------------------------------------------------------------------

# Fast path: for plain data (strings, integers within 2**53, booleans, null, arrays, and objects whose
# keys sort the same by code point as by UTF-16 code unit, i.e. hold nothing from U+E000 up), orjson
# with sorted keys writes exactly the RFC 8785 bytes: the same escapes (\" \\ \b \f \n \r \t, other
# controls as lowercase \u00xx, everything else raw UTF-8). Anything else (floats: ECMAScript number
# format) goes to the reference serialiser. Checked against it in tests/test_manifest.py.


def is_plain(value: Any) -> bool:
    """Whether `value` is plain JSON that `jsonable` leaves as it is and orjson writes as RFC 8785 does."""
    t = type(value)
    if t is dict:
        for k, v in value.items():
            if type(k) is not str or (k and max(k) >= "\ue000"):
                return False
            tv = type(v)
            if tv is str or tv is bool or v is None:
                continue
            if tv is int:
                if -SAFE_INT <= v <= SAFE_INT:
                    continue
                return False
            if (tv is dict or tv is list) and is_plain(v):
                continue
            return False
        return True
    if t is list:
        return all(is_plain(v) for v in value)
    if t is str or t is bool or value is None:
        return True
    if t is int:
        return -SAFE_INT <= value <= SAFE_INT
    return False


def jsonable(value: Any) -> Any:
    """`value` as plain JSON that RFC 8785 accepts, by the module's one rule (see above)."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        return value if type(value) is str else str(value)
    if isinstance(value, int):
        return int(value) if -SAFE_INT <= value <= SAFE_INT else str(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) and not _reads_as_big_int(value) else str(value)
    if isinstance(value, Mapping):
        return {k if type(k) is str else str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def _reads_as_big_int(value: float) -> bool:
    """Whether JCS writes `value` as an integer literal beyond ±(2^53 - 1) (it uses an exponent from 1e21)."""
    return value.is_integer() and SAFE_INT < abs(value) < 1e21


def _unsurrogate(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    if isinstance(value, dict):
        return {_unsurrogate(k): _unsurrogate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsurrogate(v) for v in value]
    return value


def canonical(value: Any, *, plain: bool = False) -> bytes:
    """RFC 8785 bytes of `value`, made JSON-safe first where it must be. `plain`: the caller has just
    found `is_plain(value)` true (it is not found again)."""
    if plain or is_plain(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # lone surrogates: the reference path decides
    plain = jsonable(value)
    try:
        return rfc8785.dumps(plain)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        return rfc8785.dumps(_unsurrogate(plain))


def sha256_hex(value: Any) -> str:
    """Hex SHA-256 of the canonical JSON of `value`."""
    return hashlib.sha256(canonical(value)).hexdigest()


def digest(value: Any) -> str:
    """`sha256:<hex>` of the canonical JSON of `value`."""
    return "sha256:" + sha256_hex(value)


# --- time -------------------------------------------------------------------------------------


def timestamp(when: datetime) -> str:
    """RFC 3339, UTC, 'Z', microseconds: the one format written to the database."""
    if when.tzinfo is None:
        raise ValueError("a timestamp needs a time zone")
    return when.astimezone(UTC).strftime(_TIME_FORMAT)


def now() -> str:
    # (`timestamp`'s format: isoformat writes it faster than strftime, and this runs for every record)
    return datetime.now(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_time(text: str) -> datetime:
    """A stored time, in this format or an older one ('+00:00', milliseconds, whole seconds)."""
    when = datetime.fromisoformat(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
