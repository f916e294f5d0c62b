"""What the system provides, whatever environment mcp-guard was started with.

Whoever starts mcp-guard sets its environment (a project's client entry can): PATH may lead to a
program of the project's choosing, HOME to its settings. Where that matters (the `unshare` that
isolates servers, the registry clients provenance runs, the PATH and HOME of a server that gets
secrets), mcp-guard asks the system instead: its default search path and its user database.
"""

from __future__ import annotations

import os
import stat

try:  # the system's own search path, which no environment sets (glibc: /bin:/usr/bin)
    SYSTEM_PATH = os.confstr("CS_PATH") or os.defpath
except (AttributeError, ValueError, OSError):  # no confstr (Windows)
    SYSTEM_PATH = os.defpath


def system_locations(command: str | None) -> dict[str, str]:
    """PATH and HOME as the system has them: the default search path, after the folder of a command
    given by its full path (npx finds its node there) and the administrator's /usr/local/bin (root's
    to write, like /usr/bin: where Node and npx usually are), and the user's home folder from the user
    database (POSIX)."""
    folder = os.path.dirname(command) if command and os.path.isabs(command) else ""
    search = [folder, "/usr/local/bin", *SYSTEM_PATH.split(os.pathsep)]
    found = {"PATH": os.pathsep.join(dict.fromkeys(p for p in search if p))}
    try:
        import pwd

        found["HOME"] = pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError, AttributeError):
        pass
    return found


def system_program(name: str, path: str | None = None) -> str | None:
    """The program `name` in the folders of `path` (default: SYSTEM_PATH) that only its owner can
    change (not group- or world-writable); None when there is none."""
    for folder in (path or SYSTEM_PATH).split(os.pathsep):
        candidate = os.path.join(folder, name)
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if os.path.isabs(folder) and stat.S_ISREG(st.st_mode) and not st.st_mode & 0o022 \
                and os.access(candidate, os.X_OK):
            return candidate
    return None
