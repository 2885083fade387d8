"""Publishing a run's outputs: all at once or not at all, never over a user's files.

A folder siting wrote carries :data:`MARKER`; a later run replaces only such a folder (or an
empty one), and a map only a page siting wrote. Everything is checked before any work
(:func:`check_output_folder`) and again when the outputs move into place (:func:`publish`).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from siting import __version__, settings
from siting.errors import InputError, Problem
from siting.io.json import write_json
from siting.io.temporary import LEGACY_TEMPORARY, clean_abandoned, temporary_name
from siting.maps import save_map

#: The file that marks a folder as siting's output. It names the tool and version and lists
#: every entry written, so that a later run replaces the folder only if it holds nothing else.
MARKER = ".siting-output.json"

#: Entries of a batch folder written before batch folders carried :data:`MARKER`.
BATCH_ENTRIES = frozenset(
    {"scenarios", "results.parquet", "results.csv", "sites.parquet", "summary.json"}
)


def mark_output(folder: Path, *, kind: str, entries: bool = True) -> None:
    """Mark a folder as siting's output (:data:`MARKER`), listing what it holds.

    Parameters
    ----------
    folder
        The finished folder.
    kind
        What wrote it (``"output"``, ``"batch"``).
    entries
        List every entry in it (a folder written at once); ``False`` for a folder filled
        over time (a batch), which is then replaced by nothing.
    """
    listed = sorted(_entries(folder) - {MARKER}) if entries else None
    body = {"tool": "siting", "version": __version__, "kind": kind, "entries": listed}
    write_json(folder / MARKER, body)


def _entries(folder: Path | str, dir_fd: int | None = None) -> set[str]:
    """Every file and folder under a folder, as paths relative to it (``/``-separated)."""
    found = set()
    for root, dirs, files, _ in os.fwalk(folder, dir_fd=dir_fd):
        base = PurePosixPath(root).relative_to(PurePosixPath(folder))
        found |= {(base / n).as_posix() for n in (*dirs, *files)}
    return found


def _contents(folder: Path) -> tuple[set[str], dict[str, Any] | None] | None:
    """Return what a folder holds and its valid :data:`MARKER` (else ``None``).

    Both are read through one handle, and only count if the folder is still in its place
    afterwards: a folder that another run moves aside and deletes meanwhile is read again
    where it was. ``None`` if there is no folder there.
    """
    while True:
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, NotADirectoryError):
            return None
        try:
            try:
                marker_fd = os.open(MARKER, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
                with os.fdopen(marker_fd, encoding="utf-8") as f:
                    marker = json.load(f)
            except (OSError, ValueError):
                marker = None
            found = _entries(".", dir_fd=fd)
            read = os.fstat(fd)
        finally:
            os.close(fd)
        try:
            now = os.stat(folder)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if (now.st_dev, now.st_ino) == (read.st_dev, read.st_ino):
            valid = isinstance(marker, dict) and marker.get("tool") == "siting"
            return found, marker if valid else None


def check_replaceable(folder: Path, *, option: str, batch: bool = False) -> None:
    """Refuse a folder siting may not write over: neither empty nor siting's own output.

    A folder that does not exist, is empty, or carries :data:`MARKER` and holds only the
    entries listed in it, may be replaced. A batch folder (``batch``) may also be one
    written by a batch before folders were marked; its records are kept and added to.

    Parameters
    ----------
    folder
        The output folder.
    option
        The argument or setting that named it, for messages (``"--out"``).
    batch
        The folder is a batch's, filled over time.

    Raises
    ------
    InputError
        If the folder holds anything siting did not write.
    """
    contents = _contents(folder)
    if contents is None or not contents[0]:
        return
    found, marker = contents
    present = found - {MARKER}
    if marker is None:
        top = {p for p in present if "/" not in p}
        legacy = {p for p in top if p in BATCH_ENTRIES or LEGACY_TEMPORARY.match(p)}
        if batch and "scenarios" in top and legacy == top:
            return
        expected = (
            f"is not empty and is not a siting output folder; choose another {option} or remove it"
        )
        raise InputError([Problem(str(folder), "", option, expected)])
    listed = marker.get("entries")
    if listed is None:  # filled over time: nothing in it is replaced
        if batch:
            return
        listed = []
    extra = sorted(present - set(listed))
    if extra:
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        expected = (
            f"holds files siting did not write ({shown}); move them, or choose another {option}"
        )
        raise InputError([Problem(str(folder), "", option, expected)])


def check_output_folder(
    folder: Path | str, *, option: str, name: str | None = None, batch: bool = False
) -> None:
    """Check, before any work, that outputs can be published under a folder.

    Nothing is created: the nearest existing folder on the way is probed with a temporary
    file that is removed at once.

    Parameters
    ----------
    folder
        The output folder (it need not exist yet).
    option
        The argument or setting that named it, for messages (``"--out"``).
    name
        If given, the entry that will be published in it (``"default"`` or
        ``"default.html"``), which must not be in the way: a folder must be one siting may
        replace (:func:`check_replaceable`), a map a map siting wrote.
    batch
        ``folder`` itself is a batch's output folder (:func:`check_replaceable`).

    Raises
    ------
    InputError
        If the folder is a file, lies under a file, or cannot be written; or if ``name`` is
        in the way.
    """
    folder = Path(folder)
    source = str(folder)
    if "\x00" in source:
        raise InputError([Problem(repr(source), "", option, "a NUL byte; expected a folder")])
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        where = "a file" if probe == folder else f"under a file ({probe})"
        raise InputError([Problem(source, "", option, f"is {where}; expected a folder")])
    try:
        fd, tmp = tempfile.mkstemp(prefix=".siting-probe-", dir=probe)
    except OSError as exc:
        expected = f"cannot be written ({probe}: {exc.strerror}); expected a writable folder"
        raise InputError([Problem(source, "", option, expected)]) from None
    os.close(fd)
    os.unlink(tmp)
    if batch:
        check_replaceable(folder, option=option, batch=True)
    if name is not None:
        target = folder / name
        if target.suffix == ".html":
            check_map_path(target, option)
        elif _kind(target) == "file":
            expected = f"{target} is a file in the way of the output; move or remove it"
            raise InputError([Problem(source, "", option, expected)])
        else:
            check_replaceable(target, option=option)


def _kind(path: Path) -> str | None:
    """``"folder"``, ``"file"`` or ``None`` (nothing there), from one look (no race)."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    return "folder" if stat.S_ISDIR(mode) else "file"


def check_map_path(target: Path, option: str) -> None:
    """Refuse a map's path held by a folder, or by a file that is not a page siting wrote.

    Parameters
    ----------
    target
        The HTML file to write.
    option
        The argument or setting that named it, for messages (``"--maps"``).

    Raises
    ------
    InputError
        If a folder, or a file siting did not write, is in the way.
    """
    kind = _kind(target)
    if kind == "folder":
        expected = f"{target} is a folder in the way of the output; move or remove it"
        raise InputError([Problem(str(target.parent), "", option, expected)])
    if kind == "file" and not _is_siting_map(target):
        expected = f"is not a map siting wrote; choose another {option} or remove it"
        raise InputError([Problem(str(target), "", option, expected)])


def _is_siting_map(path: Path) -> bool:
    """Whether an HTML file is a page siting wrote (its map element's ``siting-map`` class)."""
    try:
        return b"siting-map" in path.read_bytes()
    except FileNotFoundError:  # gone meanwhile: nothing left to keep
        return True
    except OSError:
        return False


def publish(
    name: str,
    out_dir: Path,
    write: Callable[[Path], None],
    *,
    fmap: Any = None,
    maps_dir: Path | None = None,
    offline: bool = True,
    map_name: str | None = None,
    option: str = "output folder",
) -> tuple[Path, Path | None]:
    """Write a run's files to ``out_dir/name/`` (and a map) all at once, or not at all.

    ``write`` fills a hidden staging folder beside the output; only when it and the map are
    complete is the folder marked as siting's (:data:`MARKER`) and renamed into place, and
    the map renamed to ``maps_dir/name.html``. An earlier folder is replaced only if it is
    empty or siting's own output holding nothing else (:func:`check_replaceable`), and a
    map only if siting wrote it; anything else is refused before a file is written. Runs
    publishing the same name at once never fail for it and leave no staging folder: the
    last to finish wins, and each output is whole. On any error (or an interrupt) the
    staging files are removed and earlier outputs stay as they were; those a killed run left
    are removed by later runs (:func:`clean_abandoned`).

    Parameters
    ----------
    name
        Folder and map name.
    out_dir
        Parent folder of the output folder.
    write
        Writes the output files into the folder it is given.
    fmap
        A map to save, or ``None``.
    maps_dir
        Folder of the map (default ``settings.maps_dir``).
    offline
        Inline every script and stylesheet into the map (else load them from CDNs).
    map_name
        The map's file name without ``.html`` (default ``name``).
    option
        What named the folder, for messages (``"--out"``).

    Returns
    -------
    tuple of Path and Path or None
        The output folder and the map.

    Raises
    ------
    InputError
        If the output folder or the map is in the way (see above).
    """
    out_dir = Path(out_dir)
    maps_dir = Path(maps_dir or settings.maps_dir)
    map_path = maps_dir / f"{map_name or name}.html"
    check_output_folder(out_dir, option=option, name=name)
    if fmap is not None:
        check_output_folder(maps_dir, option=option, name=map_path.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_abandoned(out_dir)
    staging = out_dir / temporary_name(name, "staging")
    staging.mkdir()  # mode from the umask, as any published folder
    map_tmp = None
    try:
        write(staging)
        mark_output(staging, kind="output")
        if fmap is not None:
            maps_dir.mkdir(parents=True, exist_ok=True)
            clean_abandoned(maps_dir)
            map_tmp = maps_dir / f"{temporary_name(map_path.stem, 'tmp')}.html"
            save_map(fmap, map_tmp, offline=offline)
        final = _swap_into_place(staging, out_dir / name, option)
        if map_tmp is not None:
            check_map_path(map_path, option)
            os.replace(map_tmp, map_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already unless something failed
        if map_tmp is not None:
            map_tmp.unlink(missing_ok=True)
    return final, map_path if fmap is not None else None


def _swap_into_place(staging: Path, final: Path, option: str) -> Path:
    """Rename a finished folder to ``final``, moving an earlier output aside and deleting it.

    Other processes may publish ``final`` at the same time: a rename that finds the name
    taken moves the current holder aside (if siting may replace it) and tries again, and one
    whose holder was moved away meanwhile just tries again, so no publisher fails. A folder
    that must stay where it is (an empty one siting did not make, one reached through a
    symbolic link, or one holding the working folder) is filled instead (:func:`_fill`).
    """
    contents = _contents(final)
    stays = contents is not None and (contents[1] is None or final.is_symlink())
    if stays or (contents is not None and _holds_working_folder(final)):
        check_replaceable(final, option=option)
        return _fill(staging, final)
    retired = []
    try:
        while True:
            try:
                staging.rename(final)
                return final
            except OSError as exc:
                if exc.errno == errno.ENOTDIR:
                    expected = "a file is in the way of the output folder; move or remove it"
                    raise InputError([Problem(str(final), "", option, expected)]) from None
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR):
                    raise
            check_replaceable(final, option=option)
            old = final.parent / temporary_name(final.name, "old")
            try:
                final.rename(old)
            except FileNotFoundError:
                continue  # another publisher moved it first
            retired.append(old)
    finally:
        for old in retired:
            shutil.rmtree(old, ignore_errors=True)


def _holds_working_folder(folder: Path) -> bool:
    """Whether a folder is the working folder or holds it (renaming it would strand it)."""
    try:
        cwd, folder = Path.cwd().resolve(), folder.resolve()
    except OSError:
        return False
    return cwd == folder or folder in cwd.parents


def _fill(staging: Path, final: Path) -> Path:
    """Move a finished folder's entries into an existing folder that stays in place.

    ``final`` is empty, or siting's output (:func:`check_replaceable`): its entries that the
    new output also has are replaced, and those it no longer has are removed. Its marker
    lists both until the end, so a run stopped halfway leaves a folder a later run may
    replace.
    """
    contents = _contents(final)
    marker = contents[1] if contents is not None else None
    before = {e for e in (marker or {}).get("entries") or [] if "/" not in e}
    written = json.loads((staging / MARKER).read_text("utf-8"))
    after = {e for e in written["entries"] if "/" not in e}
    everything = sorted(set(written["entries"]) | set((marker or {}).get("entries") or []))
    write_json(final / MARKER, {**written, "entries": everything})
    for name in sorted(after):
        target = final / name
        if target.is_dir() and not target.is_symlink():  # an earlier output's folder
            aside = final / temporary_name(name, "old")
            target.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)
        elif (staging / name).is_dir() and target.exists():
            target.unlink()
        os.replace(staging / name, target)
    for name in sorted(before - after):
        gone = final / name
        if gone.is_dir() and not gone.is_symlink():
            shutil.rmtree(gone, ignore_errors=True)
        else:
            gone.unlink(missing_ok=True)
    os.replace(staging / MARKER, final / MARKER)
    return final
