"""Where a scenario and its input files are: shipped names, ``[data]`` paths, file checks."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siting import settings
from siting.errors import InputError, Problem
from siting.scenario.schema import Scenario


@dataclass(frozen=True)
class DataPaths:
    """Resolved paths of the input layers."""

    provinces: Path
    province_attributes: Path
    sites: Path
    hubs: Path
    boundary_lines: Path | None = None
    backbone_nodes: Path | None = None
    backbone_edges: Path | None = None

    def content_hash(self) -> str:
        """Return a SHA-256 over the bytes of every input file, in a fixed order."""
        digest = hashlib.sha256()
        for path in vars(self).values():
            if path is not None and Path(path).is_file():
                digest.update(Path(path).read_bytes())
        return digest.hexdigest()


_DEFAULT_FILES = {
    "provinces": "provinces.geojson",
    "province_attributes": "provinces.csv",
    "sites": "sites.csv",
    "hubs": "hubs.csv",
    "boundary_lines": "boundary_lines.geojson",
    "backbone_nodes": "backbone_nodes.csv",
    "backbone_edges": "backbone_edges.csv",
}

#: Input files a scenario may go without (they are skipped when missing).
_OPTIONAL_FILES = ("boundary_lines", "backbone_nodes", "backbone_edges")


def data_paths(scenario: Scenario, base_dir: Path | None = None) -> DataPaths:
    """Resolve a scenario's input files.

    Parameters
    ----------
    scenario
        The scenario whose ``[data]`` table names the files.
    base_dir
        Folder that relative paths are taken from (the scenario file's folder).

    Returns
    -------
    DataPaths
        Files named in the scenario, else the shipped layers in ``settings.data_dir``.

    Raises
    ------
    InputError
        If a shipped layer is needed and ``settings.data_dir`` is missing.
    """
    resolved: dict[str, Path | None] = {}
    shipped = Path(settings.data_dir)
    required = [k for k in _DEFAULT_FILES if k not in _OPTIONAL_FILES]
    if not shipped.is_dir() and None in {getattr(scenario.data, k) for k in required}:
        expected = (
            "the shipped input layers are missing (they install as package data in "
            "siting/data/); reinstall siting, or name every file in the scenario's [data]"
        )
        raise InputError([Problem(str(shipped), "", "data_dir", expected)])
    for key, default in _DEFAULT_FILES.items():
        given = getattr(scenario.data, key)
        if given is None:
            path = Path(settings.data_dir) / default
            resolved[key] = path if key not in _OPTIONAL_FILES or path.exists() else None
        else:
            path = Path(given)
            resolved[key] = path if path.is_absolute() else (base_dir or Path.cwd()) / path
    return DataPaths(**resolved)  # type: ignore[arg-type]


def default_scenario_path() -> Path:
    """Return the path of the shipped default scenario."""
    return Path(settings.scenario_dir) / "default.toml"


def shipped_descriptions(folder: Path, read: Callable[[Path], dict[str, Any]]) -> dict[str, str]:
    """Return the names and descriptions of the TOML files in a folder, in name order.

    Parameters
    ----------
    folder
        The folder of shipped files (scenarios or sweeps).
    read
        Reads one file into its table.

    Returns
    -------
    dict
        Description by name (empty if a file has none).
    """
    rows = {}
    for path in sorted(folder.glob("*.toml")):
        description = read(path).get("description", "")
        rows[path.stem] = description if isinstance(description, str) else ""
    return rows


def resolve_scenario_path(name_or_path: str | Path | None) -> Path:
    """Turn a scenario file path, a shipped scenario name or ``None`` into a file path.

    Parameters
    ----------
    name_or_path
        A path to a TOML file, the name of a shipped scenario (``"default"``), or ``None``
        for the default scenario.

    Returns
    -------
    Path
        The scenario file.
    """
    if name_or_path is None:
        return default_scenario_path()
    path = Path(name_or_path)
    if path.suffix != ".toml" and not path.exists():
        shipped = Path(settings.scenario_dir) / f"{name_or_path}.toml"
        if shipped.exists():
            return shipped
    return path


def check_data_files(
    paths: DataPaths, *, source: str, origins: dict[tuple[str, ...], str] | None = None
) -> None:
    """Check that every input file a scenario names exists and is a file.

    Parameters
    ----------
    paths
        The resolved files.
    source
        The scenario file, for messages.
    origins
        Which file of an ``extends`` chain set each key (see :func:`read_scenario_table`).

    Raises
    ------
    InputError
        Naming the scenario file, ``[data]``, the key and the path of every missing file.
    """
    problems = []
    for key, value in vars(paths).items():
        if value is None or Path(value).is_file():
            continue
        what = "is a folder" if Path(value).is_dir() else "no such file"
        where = (origins or {}).get(("data", key), source)
        problems.append(Problem(where, "[data]", key, f"{what}: {value}; expected a data file"))
    if problems:
        raise InputError(problems)
