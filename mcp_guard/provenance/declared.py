"""Which package an artifact says it is: the name and version its own metadata declares.

A signature says who built the bytes, not which of their packages or releases they are: a repository
whose one workflow publishes several packages, or every release of one, signs them all alike. So the
package a policy names (`package`, `server_json`) is compared with what the verified bytes declare (npm:
`package/package.json`; a wheel: `*.dist-info/METADATA`; an sdist: `*/PKG-INFO`), and another package
or another version is refused, as an older release with a known hole would otherwise pass.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from email.parser import HeaderParser

_MAX_METADATA = 4 * 2**20  # a manifest larger than this is not read (and so not told)


def declared(data: bytes, filename: str, ecosystem: str) -> tuple[str, str | None] | None:
    """(name, version) as the artifact's own metadata for `ecosystem` gives them; None when it declares
    none readable (or several)."""
    try:
        if filename.endswith((".whl", ".zip")):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                files = {i.filename: i.file_size for i in zf.infolist() if not i.is_dir()}
                found = _manifest(files, ecosystem)
                return _parse(zf.read(found), ecosystem) if found else None
        if filename.endswith((".tgz", ".tar.gz", ".tar")):
            with tarfile.open(fileobj=io.BytesIO(data)) as tf:
                members = {m.name: m for m in tf.getmembers() if m.isfile()}
                found = _manifest({n: m.size for n, m in members.items()}, ecosystem)
                f = tf.extractfile(members[found]) if found else None
                return _parse(f.read(), ecosystem) if f else None
    except (tarfile.TarError, zipfile.BadZipFile, OSError, ValueError, KeyError, UnicodeDecodeError):
        return None
    return None


def _manifest(files: dict[str, int], ecosystem: str) -> str | None:
    """The one file of an archive that declares its package: npm's `package.json` in the top folder
    (`package/` as npm packs it), a wheel's `*.dist-info/METADATA`, else an sdist's `*/PKG-INFO`."""
    patterns = ([r"package/package\.json", r"[^/]+/package\.json"] if ecosystem == "npm" else
                [r"[^/]+\.dist-info/METADATA", r"[^/]+/PKG-INFO"])
    for pattern in patterns:
        found = [n for n in files if re.fullmatch(pattern, n)]
        if found:
            return found[0] if len(found) == 1 and files[found[0]] <= _MAX_METADATA else None
    return None


def _parse(raw: bytes, ecosystem: str) -> tuple[str, str | None] | None:
    text = raw.decode("utf-8")
    if ecosystem == "npm":
        doc = json.loads(text)
        name, version = (doc.get("name"), doc.get("version")) if isinstance(doc, dict) else (None, None)
        return (name, version if isinstance(version, str) else None) if isinstance(name, str) and name else None
    headers = HeaderParser().parsestr(text, headersonly=True)  # Python core metadata
    name, version = headers.get("Name"), headers.get("Version")
    return (name.strip(), version.strip() if version else None) if name and name.strip() else None


def mismatch(ecosystem: str, name: str, version: str | None, data: bytes, filename: str) -> str | None:
    """Why the artifact is not `name`@`version` of `ecosystem` (npm, pypi), or None when it is. An npm or
    PyPI artifact that declares no name is refused too: which package it is cannot be told."""
    if ecosystem not in ("npm", "pypi"):
        return None
    found = declared(data, filename, ecosystem)
    if found is None:
        return f"the artifact declares no {ecosystem} package name and version, so it cannot be told to be {name}"
    got_name, got_version = found
    same = _same_pypi if ecosystem == "pypi" else _same_npm
    if not same(got_name, name):
        return f"the artifact is the package {got_name!r}, not {name!r}"
    if version is not None and (got_version is None or not same(got_version, version, version=True)):
        return f"the artifact is {got_name} version {got_version or '(none declared)'}, not {version}"
    return None


def _same_npm(a: str, b: str, *, version: bool = False) -> bool:
    return a.strip().removeprefix("v") == b.strip().removeprefix("v") if version else a == b


def _same_pypi(a: str, b: str, *, version: bool = False) -> bool:
    if not version:  # PEP 503: runs of -, _ and . are one, letter case aside
        return re.sub(r"[-_.]+", "-", a).lower() == re.sub(r"[-_.]+", "-", b).lower()
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a.strip() == b.strip()
