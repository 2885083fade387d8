"""Reading scenario files: TOML, the ``extends`` chain, and the file that set each key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from siting import settings
from siting._validate import read_text
from siting.errors import InputError, Problem, did_you_mean
from siting.scenario.paths import (
    DataPaths,
    check_data_files,
    data_paths,
    resolve_scenario_path,
    shipped_descriptions,
)
from siting.scenario.schema import Scenario, parse_scenario
from siting.scenario.sections import DataFiles


def shipped_scenarios() -> dict[str, str]:
    """Return the shipped scenarios' names and descriptions, in name order.

    Returns
    -------
    dict
        Description by name (empty if a scenario has none).
    """
    return shipped_descriptions(Path(settings.scenario_dir), read_scenario_table)


def load_scenario(name_or_path: str | Path | None = None) -> tuple[Scenario, DataPaths]:
    """Read and validate a scenario file and resolve its data files.

    Parameters
    ----------
    name_or_path
        See :func:`resolve_scenario_path`.

    Returns
    -------
    tuple of Scenario and DataPaths

    Raises
    ------
    InputError
        If the file is missing, is not valid TOML, has an unknown key or a bad value, or names
        a data file that does not exist. Each problem names the file of the ``extends`` chain
        that set the key.
    """
    path = resolve_scenario_path(name_or_path)
    origins: dict[tuple[str, ...], str] = {}
    scenario = parse_scenario(
        read_scenario_table(path, origins=origins), source=str(path), origins=origins
    )
    paths = data_paths(scenario, path.parent)
    check_data_files(paths, source=str(path), origins=origins)
    # Store the resolved files, so the scenario stands on its own (e.g. when a variant of it
    # is built in memory); the content hash leaves [data] out.
    files = {k: str(v) for k, v in vars(paths).items() if v is not None}
    return scenario.model_copy(update={"data": DataFiles(**files)}), paths


def read_toml(path: Path, *, what: str = "TOML file") -> dict[str, Any]:
    """Read a TOML file (UTF-8, with or without a byte-order mark).

    Parameters
    ----------
    path
        The file.
    what
        What the file should be, for messages.

    Returns
    -------
    dict

    Raises
    ------
    InputError
        If the file is missing, not UTF-8 text or not valid TOML.
    """
    text = read_text(path, what=f"a {what}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(str(path), "", "", f"not valid TOML: {exc}")]) from None


def read_scenario_table(
    path: Path,
    *,
    origins: dict[tuple[str, ...], str] | None = None,
    _seen: tuple[Path, ...] = (),
) -> dict[str, Any]:
    """Read a scenario file as a table, with the scenario it ``extends`` merged underneath.

    A file may say ``extends = "default"`` (a shipped scenario) or ``extends = "base.toml"``
    (a path relative to it) and then override any key; tables merge key by key, and an empty
    table clears the parent's (``classes = {}``: one inference class). The relative
    ``[data]`` paths of a parent are made absolute against the parent's folder.

    Parameters
    ----------
    path
        The scenario file.
    origins
        If given, filled with the file that set each key, by key path (``("demand",
        "training_mw")``), so a bad value is reported on the file it is in.

    Returns
    -------
    dict
        Tables and keys, not yet validated.

    Raises
    ------
    InputError
        If a file is missing or not valid TOML, the chain of ``extends`` loops, or a file that
        extends another has no ``name`` of its own.
    """
    if not path.is_file() and not path.is_dir():
        shipped = sorted(p.stem for p in Path(settings.scenario_dir).glob("*.toml"))
        expected = (
            f"no such file{did_you_mean(path.stem, shipped)}; expected a scenario TOML file or "
            f"a shipped scenario ({', '.join(shipped)})"
        )
        raise InputError([Problem(str(path), "", "", expected)])
    raw = read_toml(path, what="scenario TOML file")
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        _record_origins(raw, str(path), origins)
        return raw
    if not isinstance(parent_name, str) or not parent_name.strip() or "\x00" in parent_name:
        expected = f"expected a scenario name or file, got {parent_name!r}"
        raise InputError([Problem(str(path), "top level", "extends", expected)])
    if "name" not in raw:
        expected = "missing; a scenario that extends another needs a name of its own"
        raise InputError([Problem(str(path), "top level", "name", expected)])
    relative = path.parent / parent_name
    parent = relative if relative.suffix == ".toml" else resolve_scenario_path(parent_name)
    if parent.resolve() in _seen or parent.resolve() == path.resolve():
        chain = " -> ".join(p.name for p in (*_seen, path.resolve(), parent.resolve()))
        raise InputError([Problem(str(path), "top level", "extends", f"a loop: {chain}")])
    if not parent.is_file():
        shipped = sorted(p.stem for p in Path(settings.scenario_dir).glob("*.toml"))
        expected = (
            f"no scenario {parent_name!r}{did_you_mean(Path(parent_name).stem, shipped)}: "
            f"neither a file beside this one nor a shipped scenario ({', '.join(shipped)})"
        )
        raise InputError([Problem(str(path), "top level", "extends", expected)])
    base = read_scenario_table(parent, origins=origins, _seen=(*_seen, path.resolve()))
    data = base.get("data", {})
    for key, value in data.items() if isinstance(data, dict) else ():
        if isinstance(value, str) and value and not Path(value).is_absolute():
            data[key] = str((parent.parent / value).resolve())
    _record_origins(raw, str(path), origins)
    return merge_tables(base, raw)


def _record_origins(
    table: dict[str, Any],
    source: str,
    origins: dict[tuple[str, ...], str] | None,
    prefix: tuple[str, ...] = (),
) -> None:
    if origins is None:
        return
    for key, value in table.items():
        origins[(*prefix, key)] = source
        if isinstance(value, dict):
            _record_origins(value, source, origins, (*prefix, key))


def merge_tables(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge two scenario tables: keys of ``override`` win, sub-tables merge recursively.

    An empty table in ``override`` clears the one underneath: ``classes = {}`` in a scenario
    that extends ``default`` leaves one inference class (docs/model.md, "Service classes").

    Parameters
    ----------
    base
        The table underneath.
    override
        The table on top.

    Returns
    -------
    dict
        A new table; neither input is changed.
    """
    merged = dict(base)
    for key, value in override.items():
        if value and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_tables(merged[key], value)
        else:
            merged[key] = value
    return merged
