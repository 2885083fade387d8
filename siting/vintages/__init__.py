"""Time tables: national compute and its forecasts, accelerator classes, vintages, use, rents, runs.

Every reader checks its file column by column (:mod:`siting._validate`), then row against row
(years in range and in order, vintages that add up to the site's total, known classes and
areas) and raises one :class:`~siting.errors.InputError` naming the file, the row, the field
and what was expected. ``data/SOURCES.md`` section T documents every column;
``docs/model.md`` ("Multi-period model") says how the tables enter the model.

Modules, bottom first: :mod:`~siting.vintages.constants` (units and bounds),
:mod:`~siting.vintages.checks` (the row checks every reader shares), one reader module per table
or group (:mod:`~siting.vintages.series`, :mod:`~siting.vintages.accelerators`,
:mod:`~siting.vintages.capacity` with the MW installed, in service and by cohort,
:mod:`~siting.vintages.use`, :mod:`~siting.vintages.rents`, :mod:`~siting.vintages.clusters`)
and :mod:`~siting.vintages.tables` (:class:`TimeTables`, :func:`load_time_tables`). This module
states the public API.
"""

from __future__ import annotations

from siting.vintages.accelerators import ACCELERATOR_COLUMNS, capability, read_accelerators
from siting.vintages.capacity import (
    BAND_YEAR,
    RECONCILE_TOLERANCE_PF,
    YEAR_BANDS,
    cohorts,
    in_service_mw,
    installed_mw,
    read_capacity_vintages,
    reconcile_capacity,
)
from siting.vintages.clusters import (
    CLUSTERS_FILE,
    PRETRAINING,
    min_cluster_by_year,
    read_training_clusters,
)
from siting.vintages.constants import REFERENCE_SERVER, REST_OF_CHINA, SITE_KW_PER_PF
from siting.vintages.tables import TIME_FILES, TimeTables, load_time_tables
from siting.vintages.use import (
    HUBS_YEAR,
    MEASURED_LAST,
    NATIONAL,
    PLANNING_INFERENCE_MW,
    use_by_year,
)

__all__ = [
    "ACCELERATOR_COLUMNS",
    "BAND_YEAR",
    "CLUSTERS_FILE",
    "HUBS_YEAR",
    "MEASURED_LAST",
    "NATIONAL",
    "PLANNING_INFERENCE_MW",
    "PRETRAINING",
    "RECONCILE_TOLERANCE_PF",
    "REFERENCE_SERVER",
    "REST_OF_CHINA",
    "SITE_KW_PER_PF",
    "TIME_FILES",
    "YEAR_BANDS",
    "TimeTables",
    "capability",
    "cohorts",
    "in_service_mw",
    "installed_mw",
    "load_time_tables",
    "min_cluster_by_year",
    "read_accelerators",
    "read_capacity_vintages",
    "read_training_clusters",
    "reconcile_capacity",
    "use_by_year",
]
