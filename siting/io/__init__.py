"""Every writer of siting's outputs: tables, JSON, and the atomic publishing of a run's folder.

Modules, bottom first (each imports only those before it): :mod:`~siting.io.temporary`
(hidden temporary entries and their clean-up), :mod:`~siting.io.json` (JSON files),
:mod:`~siting.io.tables` (CSV, GeoJSON and GeoParquet; :func:`write_csv` writes every CSV)
and :mod:`~siting.io.folders` (output folders: checked before any work, published at once).
"""

from siting.io.folders import (
    BATCH_ENTRIES,
    MARKER,
    check_map_path,
    check_output_folder,
    check_replaceable,
    mark_output,
    publish,
)
from siting.io.json import json_safe, write_json
from siting.io.tables import (
    FORMULA_STARTS,
    spreadsheet_text,
    write_csv,
    write_geojson,
    write_geoparquet,
    write_schedule,
    write_tables,
)
from siting.io.temporary import ABANDONED_AFTER_S, LEGACY_TEMPORARY, clean_abandoned, temporary_name

__all__ = [
    "ABANDONED_AFTER_S",
    "BATCH_ENTRIES",
    "FORMULA_STARTS",
    "LEGACY_TEMPORARY",
    "MARKER",
    "check_map_path",
    "check_output_folder",
    "check_replaceable",
    "clean_abandoned",
    "json_safe",
    "mark_output",
    "publish",
    "spreadsheet_text",
    "temporary_name",
    "write_csv",
    "write_geojson",
    "write_geoparquet",
    "write_json",
    "write_schedule",
    "write_tables",
]
