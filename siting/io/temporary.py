"""Hidden temporary entries beside outputs, named by host and process, and their clean-up."""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
import uuid
from pathlib import Path

#: A staging folder, retired folder or temporary file left this many seconds ago is abandoned
#: even when the process that made it cannot be checked (another host, an older name).
ABANDONED_AFTER_S = 24 * 3600

_HOST = "".join(c if c.isalnum() else "_" for c in socket.gethostname()) or "host"
_TEMPORARY = re.compile(
    r"^\.(?P<stem>.+)\.(?:staging|old|tmp)-(?P<host>\w+)-(?P<pid>\d+)-[0-9a-f]{32}(?:\.html)?$"
)
#: A temporary entry of the older naming (no host or process id).
LEGACY_TEMPORARY = re.compile(r"^\..+\.(?:staging-|old-)?[0-9a-f]{32}(?:\.html)?$")


def temporary_name(stem: str, kind: str) -> str:
    """Name a hidden temporary entry beside its final one by this host and process.

    Parameters
    ----------
    stem
        The final entry's name.
    kind
        ``"staging"`` (a folder being written), ``"old"`` (a folder being deleted) or
        ``"tmp"`` (a file being written).

    Returns
    -------
    str
        ``.STEM.KIND-HOST-PID-RANDOM``: :func:`clean_abandoned` removes it once that process
        has gone.
    """
    return f".{stem}.{kind}-{_HOST}-{os.getpid()}-{uuid.uuid4().hex}"


def clean_abandoned(folder: Path) -> list[Path]:
    """Remove the temporary entries that killed runs left in a folder.

    An entry named by :func:`temporary_name` is abandoned when its process (on this host) is
    no longer alive, or when it is older than :data:`ABANDONED_AFTER_S`; an entry of the
    older naming (no process id) only when it is that old. Live runs' entries, and anything
    else, are left alone.

    Parameters
    ----------
    folder
        The folder to tidy (it need not exist).

    Returns
    -------
    list of Path
        The entries removed.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None and not LEGACY_TEMPORARY.match(entry.name):
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > ABANDONED_AFTER_S
        except OSError:
            continue
        gone = match is not None and match["host"] == _HOST and not _alive(int(match["pid"]))
        if not (gone or old):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process of this host is running (or exists under another user)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # none, or no such process id at all
        return False
    except PermissionError:  # another user's
        return True
    return True
