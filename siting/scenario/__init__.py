"""The scenario: every assumption that changes the optimum, validated and serialisable.

A scenario is read from a TOML file (see ``siting/scenarios/default.toml`` for every key with
its unit and basis). Unknown keys, wrong types and out-of-range values are rejected with the
file, the table, the key and what was expected.

Modules, bottom first (each imports only those before it): :mod:`~siting.scenario.sections`
(the core sections and bounds), :mod:`~siting.scenario.families` (service classes,
redundancy, policy, the horizon), :mod:`~siting.scenario.schema` (the whole scenario and its
error messages), :mod:`~siting.scenario.runners` (which runner models which scenario),
:mod:`~siting.scenario.paths` (shipped scenarios and input files) and
:mod:`~siting.scenario.loader` (TOML files and their ``extends`` chain).
"""

from siting.scenario.families import (
    ACCELERATOR_CLASSES,
    CLASS_NAME,
    DEMAND_YEARS,
    EXISTING_YEARS,
    SHARE_TOLERANCE,
    USE_VARIANTS,
    Classes,
    Horizon,
    Levers,
    Policy,
    Redundancy,
    ServiceClass,
)
from siting.scenario.loader import (
    load_scenario,
    merge_tables,
    read_scenario_table,
    read_toml,
    shipped_scenarios,
)
from siting.scenario.paths import (
    DataPaths,
    check_data_files,
    data_paths,
    default_scenario_path,
    resolve_scenario_path,
    shipped_descriptions,
)
from siting.scenario.runners import (
    COST_RUNNERS,
    HORIZON_RUNNERS,
    SINGLE_PERIOD_RUNNERS,
    check_runner,
    horizon_gaps,
)
from siting.scenario.schema import OPTIONAL_SECTIONS, Scenario, parse_scenario
from siting.scenario.sections import (
    CLASSIC_KINDS,
    MAX_CNY,
    MAX_FACTOR,
    MAX_MS,
    MAX_MW,
    MAX_YEARS,
    NEEDS_SITES,
    OBJECTIVE_KINDS,
    SPEED_OF_LIGHT_KM_PER_MS,
    Costs,
    DataFiles,
    Demand,
    Inference,
    Latency,
    Objective,
    ObjectiveKind,
    Solve,
    Training,
)

__all__ = [
    "ACCELERATOR_CLASSES",
    "CLASSIC_KINDS",
    "CLASS_NAME",
    "COST_RUNNERS",
    "DEMAND_YEARS",
    "EXISTING_YEARS",
    "HORIZON_RUNNERS",
    "MAX_CNY",
    "MAX_FACTOR",
    "MAX_MS",
    "MAX_MW",
    "MAX_YEARS",
    "NEEDS_SITES",
    "OBJECTIVE_KINDS",
    "OPTIONAL_SECTIONS",
    "SHARE_TOLERANCE",
    "SINGLE_PERIOD_RUNNERS",
    "SPEED_OF_LIGHT_KM_PER_MS",
    "USE_VARIANTS",
    "Classes",
    "Costs",
    "DataFiles",
    "DataPaths",
    "Demand",
    "Horizon",
    "Inference",
    "Latency",
    "Levers",
    "Objective",
    "ObjectiveKind",
    "Policy",
    "Redundancy",
    "Scenario",
    "ServiceClass",
    "Solve",
    "Training",
    "check_data_files",
    "check_runner",
    "data_paths",
    "default_scenario_path",
    "horizon_gaps",
    "load_scenario",
    "merge_tables",
    "parse_scenario",
    "read_scenario_table",
    "read_toml",
    "resolve_scenario_path",
    "shipped_descriptions",
    "shipped_scenarios",
]
