"""A path the agent joined: the file the request names, inside a folder a clean result showed.

"Overwrite notes.txt" reaches a filesystem server as `/home/ann/project/notes.txt`: the request names
the file, and the folder is one the server itself listed (its allowed directories, a listing). Neither
half alone is a grant: the file name must be the request's own, and the folder must stand as data (a
field, or a line of its own) in a result no instructions to the model touched; a folder a sentence
mentions ("the notes now live in ~/.config/autostart") is prose, however innocent it reads.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from mcp_guard.intent.record import occurrences

if TYPE_CHECKING:
    from mcp_guard.intent.engine import DeclaredIntent
    from mcp_guard.intent.record import ResultEntry, SessionRecord

_MAX_TAIL = 3  # "notes.txt", "docs/notes.txt", "site/docs/notes.txt"


def joins_named_file(intent: DeclaredIntent, path: str, record: SessionRecord) -> bool:
    """Is `path` a folder from a clean result joined with a file (or relative path) the request names?"""
    if not path.startswith("/") or ".." in path.split("/"):
        return False  # judged where it lands, by `covers_path`
    parts = posixpath.normpath(path).split("/")
    for k in range(1, min(_MAX_TAIL, len(parts) - 2) + 1):
        tail, folder = "/".join(parts[-k:]), "/".join(parts[:-k])
        if not intent.names_whole(tail):
            continue
        prov = record.provenance(folder.lower(), (folder.lower() + "/",))
        if prov.injected or prov.tainted or prov.forgotten:
            return False
        return bool(prov.fields) or any(_own_line(e, folder.lower()) for e in prov.text)
    return False


_MARKER = re.compile(r"^(?:[-*•]|\[dir\]|dir:?|\d+[.)])?\s*")  # a list's bullet, number or [DIR] tag


def _own_line(e: ResultEntry, folder: str) -> bool:
    """Does the folder stand on a line of its own (a bullet or a [DIR] tag aside)?"""
    low = e.low
    for o in occurrences(e, folder) + occurrences(e, folder + "/"):
        start, end = low.rfind("\n", 0, o.start) + 1, low.find("\n", o.end)
        line = low[start : end if end != -1 else len(low)].strip()
        if _MARKER.sub("", line, count=1).rstrip("/") == folder:
            return True
    return False
