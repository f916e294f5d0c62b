"""What the scripts/gen_*.py that read WordNet 3.0 share: where its dictionary folder is (the first argument, else
Debian/Ubuntu's package wordnet-base, /usr/share/wordnet), and how a generated table is written into mcp_guard/data:
the same input makes the same bytes (gzip without a time stamp), so re-running a script changes no committed file
unless its rule changed."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "mcp_guard" / "data"


def wordnet_folder(script: str, needs: str) -> Path | None:
    """The dictionary folder the command line names, or None (after saying why) when it lacks the file `needs`."""
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet")
    if not (folder / needs).exists():
        print(f"{script}: no WordNet {needs} in {folder}", file=sys.stderr)
        return None
    return folder


def write_gz(name: str, text: str) -> Path:
    out = DATA / name
    out.write_bytes(gzip.compress(text.encode("ascii"), 9, mtime=0))
    return out


def write_json(name: str, doc: Any, *, sort_keys: bool = False) -> Path:
    out = DATA / name
    out.write_text(json.dumps(doc, indent=0, sort_keys=sort_keys) + "\n")
    return out
