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


def joins_named_file(intent: DeclaredIntent, path: str, record: SessionRecord, folders: tuple[str, ...] = ()) -> bool:
    """Is `path` a place a clean result shows as data (a folder, or the file itself) joined with a file (or
    relative path) the request names? Where that result lists several paths, the named path must reach
    into the folder it picks ("docs/notes.txt" under the listed `…/docs`), or which one is meant is not told.
    `folders`: the folders the deployer's configuration hands the server (`Upstream.folders`): the named
    path right under one of them is the named file, as if the server had listed the folder."""
    if not path.startswith("/") or ".." in path.split("/"):
        return False  # judged where it lands, by `covers_path`
    parts = posixpath.normpath(path).split("/")
    for k in range(1, min(_MAX_TAIL, len(parts) - 2) + 1):
        if not intent.names_whole("/".join(parts[-k:])):
            continue
        if "/".join(parts[:-k]) in folders:
            return True
        # The shown place may end anywhere from before the named part to the whole path (a search's hit).
        for cut in range(len(parts), len(parts) - k - 1, -1):
            shown = "/".join(parts[:cut]).lower()
            lines = _shown(record, shown)
            if lines is None:
                continue
            # The named part reaches into a shown folder ("docs/notes.txt", `…/docs` listed), or the result
            # shows this one path alone; anything else is one of several the result offers.
            return len(parts) - k < cut < len(parts) or lines == 1
    return False


def inside_folder(path: str, folders: tuple[str, ...]) -> str | None:
    """`path` relative to the configured folder it lies in (`Upstream.folders`), or None: a server rooted
    there reads `/srv/p3/archive` as it reads `archive`, so the two spellings are judged alike."""
    if not path.startswith("/") or ".." in path.split("/"):
        return None
    path = posixpath.normpath(path)
    for folder in folders:
        if path.startswith(folder.rstrip("/") + "/"):
            return path[len(folder.rstrip("/")) + 1:]
    return None


def _shown(record: SessionRecord, place: str) -> int | None:
    """How many absolute paths stand as data in a clean result that shows `place` as data (a field, or a
    line of its own); None when none does, or when a result that carries it carries instructions."""
    prov = record.provenance(place, (place + "/",))
    if prov.injected or prov.tainted or prov.forgotten:
        return None
    for e in (*prov.fields, *(e for e in prov.text if _own_line(e, place))):
        if e.json:
            return max(1, len(set(_QUOTED_PATH.findall(e.low))))
        return max(1, sum(1 for line in e.low.splitlines() if _path_line(line)))
    return None


_QUOTED_PATH = re.compile(r'"(/[^"\s]*)"')  # a JSON string that is an absolute path
_MARKER = re.compile(r"^(?:[-*•]|\[dir\]|dir:?|\d+[.)])?\s*")  # a list's bullet, number or [DIR] tag


def _path_line(line: str) -> bool:
    """A line that is one absolute path alone (a bullet or a [DIR] tag aside)."""
    rest = _MARKER.sub("", line.strip(), count=1)
    return rest.startswith("/") and " " not in rest


def _own_line(e: ResultEntry, folder: str) -> bool:
    """Does the folder stand on a line of its own (a bullet or a [DIR] tag aside)?"""
    low = e.low
    for o in occurrences(e, folder) + occurrences(e, folder + "/"):
        start, end = low.rfind("\n", 0, o.start) + 1, low.find("\n", o.end)
        line = low[start : end if end != -1 else len(low)].strip()
        if _MARKER.sub("", line, count=1).rstrip("/") == folder:
            return True
    return False
