"""What the plugin's files share, whatever they hold: names cut to what file
systems take, whether a path is an empty file, and why one behind a folder
this user may not enter cannot be examined.

Apart from ``store.py``, which holds the operator's SQLite store, so that a
build, which writes the manifest and the URL baseline but opens no store
unless ``FLATTR_STORE`` is set, does not load SQLite (~0.9 MB of its peak
memory).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# The longest file name, in bytes, of the usual file systems (ext4, XFS,
# btrfs, APFS, NTFS in characters).
NAME_MAX = 255


def name_length(name: str) -> int:
    """The length of the file name ``name`` as file systems count it: in
    bytes (of UTF-8: ext4, XFS, btrfs, APFS), on Windows in characters."""
    return len(name) if os.name == "nt" else len(os.fsencode(name))


def cut_name(name: str, room: int) -> str:
    """``name`` cut to ``room`` (as ``name_length`` counts), never within a
    character (a byte of a name that is no UTF-8 may go)."""
    if name_length(name) <= room:
        return name
    if os.name == "nt":
        return name[:room]
    return os.fsencode(name)[:room].decode("utf-8", "ignore")


def is_empty_file(path: str | Path) -> bool:
    """Whether ``path`` names a file of 0 bytes (``store.EMPTY_FILE`` says
    what one is as a store); a device such as /dev/null is none."""
    try:
        found = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(found.st_mode) and found.st_size == 0


def why_unreachable(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be examined, where a folder on its way is one
    this user may not enter ("cannot be examined (Permission denied)"), or
    None: ``os.path.exists`` says False then, and a message said "no such
    file", with advice for a file that is not there."""
    try:
        os.stat(path)
    except PermissionError as error:
        return f"cannot be examined ({error.strerror or error})"
    except OSError:
        pass  # not there, or a link to nothing: said as such
    return None
