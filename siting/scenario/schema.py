"""The whole scenario, its content hash, and its validation into one clear message per key."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationError, model_validator

from siting.errors import InputError, Problem, did_you_mean
from siting.scenario.families import (
    Classes,
    Horizon,
    Levers,
    Policy,
    Redundancy,
    ServiceClass,
)
from siting.scenario.sections import (
    Costs,
    DataFiles,
    Demand,
    Inference,
    Latency,
    Objective,
    Solve,
    Training,
    _Section,
)


class Simulate(_Section):
    """``[simulate]``: many investors build year by year (docs/model.md, "Many investors")."""

    investors: Literal["default", "prefecture"] = Field(
        "default", description="Layer of data/investors.csv: the investors and their sites."
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seeds the investors' order each year.")
    foresight: Literal["myopic", "perfect"] = Field(
        "myopic", description="Investors order with each year's forecast, or plan the horizon."
    )
    compare: bool = Field(
        False, description="Also plan and cost the planner's and the as-built build-outs."
    )


#: Sections added with service classes, redundancy, policy and levers (docs/model.md).
OPTIONAL_SECTIONS = ("classes", "redundancy", "policy", "levers")


class Scenario(_Section):
    """All assumptions of one optimisation run."""

    # names an output folder: letters, digits, '_', '.', '-', starting with a letter or digit
    # (never '.', '..' or a hidden folder)
    name: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    demand: Demand
    training: Training
    inference: Inference
    costs: Costs
    latency: Latency
    objective: Objective = Objective()
    classes: Classes = Classes()
    redundancy: Redundancy = Redundancy()
    policy: Policy = Policy()
    data: DataFiles = DataFiles()
    solve: Solve = Solve()
    horizon: Horizon | None = None
    levers: Levers = Levers()
    simulate: Simulate | None = None

    @model_validator(mode="after")
    def _single_period_objective(self) -> Scenario:
        obj = self.objective
        if self.horizon is not None and (obj.classic or obj.sites is not None):
            msg = (
                "[objective] kind 'p-median', 'p-center', 'mclp', 'lscp' and sites apply to "
                "single-period runs; expected no [horizon] table with them"
            )
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _simulate_needs_horizon(self) -> Scenario:
        if self.simulate is not None and self.horizon is None:
            msg = (
                "[simulate] simulates the build-out of a [horizon]; expected a [horizon] table "
                'with it (e.g. extends = "2023-planner")'
            )
            raise ValueError(msg)
        return self

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as plain JSON-compatible data."""
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """Return a SHA-256 of the scenario's content, stable across runs and machines.

        The ``[data]`` paths are left out (they differ between machines); the content of the
        data files is hashed by :meth:`DataPaths.content_hash`. ``[solve]`` is left out too.
        """
        content = self.to_dict()
        content.pop("data")
        content["objective"] = self.objective.hashed()
        for key in OPTIONAL_SECTIONS:  # at their defaults they leave the hash as it was
            if content[key] == type(getattr(self, key))().model_dump(mode="json"):
                content.pop(key)
        content.pop("solve")  # how it is solved, not what is solved
        for key in ("horizon", "simulate"):  # scenarios without them keep the hash they had
            if content[key] is None:
                content.pop(key)
        if content["demand"]["rest_of_china"] == "omit":  # as before the switch existed
            content["demand"].pop("rest_of_china")
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """Return a new validated scenario with some keys changed.

        Parameters
        ----------
        overrides
            Dotted keys and their new values, e.g. ``{"demand.inference_sla_ms": 6}`` or
            ``{"demand.hub_sla_ms.shanghai": 8.0, "name": "tight"}``.

        Returns
        -------
        Scenario

        Raises
        ------
        InputError
            Naming each unknown key or bad value; this scenario is unchanged.
        """
        raw = self.to_dict()
        for dotted, value in overrides.items():
            *tables, key = dotted.split(".")
            table = raw
            for part in tables:
                table = table.setdefault(part, {})
                if not isinstance(table, dict):
                    expected = f"{part!r} is a value, not a table; got key {dotted!r}"
                    raise InputError([Problem("overrides", dotted, key, expected)])
            table[key] = value
        return parse_scenario(raw, source="overrides")


def parse_scenario(
    raw: dict[str, Any],
    *,
    source: str = "<scenario>",
    origins: dict[tuple[str, ...], str] | None = None,
) -> Scenario:
    """Validate a scenario given as a mapping (as read from TOML).

    Parameters
    ----------
    raw
        Tables and keys as in a scenario file.
    source
        Name used in error messages.
    origins
        The file that set each key (see :func:`read_scenario_table`); a problem is reported
        on that file, else on ``source``.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        Listing every unknown key, missing key and bad value.
    """
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_problems(exc, source, origins or {})) from None


def _problems(
    exc: ValidationError, source: str, origins: dict[tuple[str, ...], str]
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(str(part) for part in err["loc"])
        key = loc[-1] if loc else ""
        table = f"[{'.'.join(loc[:-1])}]" if len(loc) > 1 else "top level"
        # the file that set the key (a missing key is the top file's to add)
        found = () if err["type"] == "missing" else range(len(loc), 0, -1)
        where = next((origins[loc[:n]] for n in found if loc[:n] in origins), "")
        expected = _expected(err)
        if err["type"] == "extra_forbidden":
            expected = expected.replace(";", did_you_mean(key, _keys_at(loc[:-1])) + ";", 1)
        problems.append(Problem(where or source, table, key, expected))
    return problems


def _keys_at(loc: tuple[str, ...]) -> list[str]:
    """Return the keys a scenario table takes, by its path (``("demand",)``); none if unknown."""
    model: Any = Scenario
    for part in loc:
        if model is Classes:
            model = ServiceClass
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = next(
            (
                t
                for t in (field.annotation, *get_args(field.annotation))
                if isinstance(t, type) and issubclass(t, BaseModel)
            ),
            None,
        )
        if model is None:
            return []
    return [] if model is Classes else list(model.model_fields)


def _expected(err: Any) -> str:
    """Say in words what a pydantic error means for a scenario key."""
    kind, given = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return "unknown key; see siting/scenarios/default.toml for the keys"
    if kind == "missing":
        return "missing; this key is required"
    if kind == "value_error":  # a rule across keys: its message says it all
        return err["msg"].removeprefix("Value error, ")
    if kind == "string_too_short":
        return "empty; expected a non-empty text (a file path for [data])"
    if kind == "finite_number":
        return f"expected a finite number, got {given!r}"
    if kind in ("float_type", "int_type", "int_from_float"):
        number = "an integer" if kind != "float_type" else "a number"
        return f"expected {number}, got {type(given).__name__} {given!r}"
    if kind in ("dict_type", "model_type"):
        return f"expected a table, got {type(given).__name__} {given!r}"
    bound = " (a bound that no real input comes near)" if kind == "less_than_equal" else ""
    msg = err["msg"]  # "String should match pattern '^[A-Z]...'": lower the first letter only
    return f"{msg[:1].lower()}{msg[1:]}{bound}; got {given!r}"
