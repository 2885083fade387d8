"""Snapshot every shipped scenario's outputs, and compare two snapshots.

Before and after a refactor that must change no result::

    python scripts/compare_outputs.py snapshot /tmp/before      # on the old code
    python scripts/compare_outputs.py snapshot /tmp/after       # on the new code
    python scripts/compare_outputs.py compare /tmp/before /tmp/after

`snapshot` runs each shipped scenario as its runner does (`siting plan` for a scenario with a
`[horizon]`, `siting optimize` otherwise, both with `--no-map` and the scenario's own defaults)
and the README's analysis examples, through `python -m siting` of the interpreter running this
script (set `PYTHONPATH` to pick the code). Each run gets a folder `DIR/<run>/` with the tables
the command wrote, its standard output (`--json`) and `run.json` (command, exit status).

`compare` prints one line per run, `same` or `differs: ...`, and exits 1 if any differs. It
compares exit status, every CSV and JSON output (GeoJSON and GeoParquet repeat the CSVs) and
standard output: columns, keys and values, numbers within tolerance, timings and paths left
out. Value differences pass, and are said, in two cases: the objectives tie and the decisions
differ (an alternative optimum), or the objectives differ but each lies in the other run's
certified interval between objective and bound (a gap-limited or gap-tolerant solve).
A run missing from B fails; a run only in B (a new scenario) is listed as new.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUN_FILE = "run.json"
STDOUT_FILE = "stdout.json"
STDERR_FILE = "stderr.txt"
#: Relative tolerance of an objective, and of any number that is not MW.
REL_TOL = 1e-6
#: Absolute tolerance of any number (MW, shares, ms).
ABS_TOL = 1e-6
#: Relative tolerance of a MW value on top of ABS_TOL (solver round-off on large MW).
MW_REL_TOL = 1e-9
#: Absolute tolerance of an amount of money, CNY: a difference of two costs near 1e10 CNY
#: (e.g. whynot's extra cost of a site already used) carries round-off of about 1e-5 CNY.
CNY_ABS_TOL = 1e-3
#: JSON keys that hold timings, dates or paths: never compared.
IGNORED_KEYS = frozenset(
    {"seconds", "solve_seconds", "timings_s", "created_utc", "elapsed_s", "tables", "map", "maps"}
)
#: Columns and keys that hold decisions (what is built and who serves whom).
DECISIONS = frozenset(
    {
        "open",
        "new_mw",
        "ordered_mw",
        "training_mw",
        "inference_mw",
        "mw",
        "open_sites",
        "sites_open",
    }
)
#: A duration in a message, e.g. "(0.9 s)" in a solve's termination: masked before comparing.
DURATION = re.compile(r"\b\d[\d.,]*\s?s\b")
#: Files compared: the tables (GeoJSON and GeoParquet repeat the CSVs) and JSON.
COMPARED = (".csv", ".json")


def shipped_scenarios() -> dict[str, Path]:
    """Return the shipped scenario files of the `siting` package this interpreter imports."""
    import siting

    folder = Path(siting.__file__).parent / "scenarios"
    return {path.stem: path for path in sorted(folder.glob("*.toml"))}


def has_horizon(name: str, files: dict[str, Path]) -> bool:
    """Return whether scenario `name` (or one it extends) has a ``[horizon]`` table."""
    while name in files:
        data = tomllib.loads(files[name].read_text(encoding="utf-8"))
        if "horizon" in data:
            return True
        name = data.get("extends", "")
    return False


def runs() -> dict[str, list[str]]:
    """Return every run of a snapshot: its name and the `siting` arguments before ``--out``."""
    files = shipped_scenarios()
    commands = {
        name: (["plan", name] if has_horizon(name, files) else ["optimize", name]) + ["--no-map"]
        for name in files
    }
    commands.update(
        {
            "classic-default": ["classic", "--no-map"],
            "audit-boom-under-shift": [
                "audit",
                "--built",
                "2023-training-boom",
                "--under",
                "2025-inference-shift",
                "--no-map",
            ],
            "audit-existing-under-shift": [
                "audit",
                "--built",
                "existing",
                "--under",
                "2025-inference-shift",
                "--no-map",
            ],
            "robust-regret": [
                "robust",
                "2023-training-boom",
                "2025-inference-shift",
                "--criterion",
                "regret",
            ],
            "whynot-default": ["whynot"],
            "tradeoff-sla": [
                "tradeoff",
                "--param",
                "demand.inference_sla_ms",
                "--values",
                "4,6,8,10,15,20",
            ],
            "tradeoff-classes-layer": [
                "tradeoff",
                "realtime-10ms",
                "--param",
                "latency.layer",
                "--values",
                "optical,ip,internet",
            ],
            "latency-beijing-guian": ["latency", "beijing", "贵安新区"],
        }
    )
    return commands


def snapshot(folder: Path, only: list[str] | None = None) -> None:
    """Run every shipped scenario and example into `folder`, one sub-folder per run."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, args in runs().items():
        if only and name not in only:
            continue
        out = folder / name
        out.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "siting", *args, "--json", "--out", str(out)]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        (out / STDOUT_FILE).write_text(done.stdout, encoding="utf-8")
        (out / STDERR_FILE).write_text(done.stderr, encoding="utf-8")
        record = {"args": args, "returncode": done.returncode, "seconds": seconds}
        (out / RUN_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
        print(f"{name}: exit {done.returncode} in {seconds:.1f} s", flush=True)


@dataclass
class Solve:
    """The headline solve of a run: objective, certified bound and status."""

    objective: float
    bound: float
    status: str

    @property
    def interval(self) -> tuple[float, float]:
        """Where the optimum lies: between the objective and the bound (either sense)."""
        return min(self.objective, self.bound), max(self.objective, self.bound)


@dataclass
class Verdict:
    """The comparison of one run in two snapshots.

    ``structure`` (exit status, files, columns, JSON keys) always fails; value
    ``differences`` fail unless the objectives tie or lie within the certified gap, and
    ``decisions`` are those of them that say what is built or who serves whom.
    """

    name: str
    structure: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    note: str = ""
    failed: bool = False

    def line(self) -> str:
        """One line: ``name: same``, ``name: same (...)`` or ``name: differs: ...``."""
        if not self.failed:
            return f"{self.name}: same" + (f" ({self.note})" if self.note else "")
        shown = self.structure + self.differences
        more = f" (and {len(shown) - 5} more)" if len(shown) > 5 else ""
        return f"{self.name}: differs: {'; '.join(shown[:5])}{more}"


def close(a: float, b: float, *, mw: bool = False, cny: bool = False) -> bool:
    """Tell whether two numbers agree: NaN equals NaN, infinities must match."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    scale = max(abs(a), abs(b))
    absolute = CNY_ABS_TOL if cny else ABS_TOL
    return abs(a - b) <= absolute + (MW_REL_TOL if mw else REL_TOL) * scale


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            return float(value)
        except ValueError:
            return None
    return None


def same_value(a: Any, b: Any, key: str) -> bool:
    """Compare two cells or JSON leaves: numbers with tolerance, the rest exactly."""
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return close(x, y, mw=key == "mw" or key.endswith("_mw"), cny=key.endswith("_cny"))
    if isinstance(a, str) and isinstance(b, str):
        if a.startswith("/") and b.startswith("/"):
            return True  # an output path
        return DURATION.sub("_ s", a) == DURATION.sub("_ s", b)
    return bool(a == b)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _leaves(value: Any, where: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in IGNORED_KEYS:
                yield from _leaves(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{where}[{i}]")
    else:
        yield where, value


def compare_json(
    a: Any, b: Any, name: str, verdict: Verdict, *, skip: frozenset[str] = frozenset()
) -> None:
    """Add where two JSON documents differ to `verdict` (timings and paths aside)."""
    left, right = dict(_leaves(a, "")), dict(_leaves(b, ""))
    for key in sorted(set(left) | set(right)):
        last = key.rsplit(".", 1)[-1].split("[")[0]
        if last in skip:
            continue
        if key not in left or key not in right:
            verdict.structure.append(f"{name}: {key} only in {'B' if key not in left else 'A'}")
        elif not same_value(left[key], right[key], last):
            message = f"{name}: {key} {_short(left[key])} vs {_short(right[key])}"
            verdict.differences.append(message)
            if last in DECISIONS:
                verdict.decisions.append(message)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Return a CSV's header and rows, as text."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return (rows[0], rows[1:]) if rows else ([], [])


def compare_csv(a: Path, b: Path, name: str, verdict: Verdict) -> None:
    """Add where two tables differ to `verdict`: columns, number of rows, values."""
    head_a, rows_a = read_csv(a)
    head_b, rows_b = read_csv(b)
    if head_a != head_b:
        gone, new = sorted(set(head_a) - set(head_b)), sorted(set(head_b) - set(head_a))
        verdict.structure.append(f"{name}: columns differ (only in A: {gone}, only in B: {new})")
        return
    if len(rows_a) != len(rows_b):  # e.g. flows over other pairs
        message = f"{name}: {len(rows_a)} vs {len(rows_b)} rows"
        verdict.differences.append(message)
        verdict.decisions.append(message)
        return
    for i, (row_a, row_b) in enumerate(zip(rows_a, rows_b, strict=True)):
        for column, x, y in zip(head_a, row_a, row_b, strict=True):
            if not same_value(x, y, column):
                message = f"{name} row {i + 1} {column} {_short(x)} vs {_short(y)}"
                verdict.differences.append(message)
                if column in DECISIONS or column.startswith("inference_"):
                    verdict.decisions.append(message)


def output_files(run: Path) -> dict[str, Path]:
    """Return a run's compared output files by path relative to its output folder.

    A run writes one folder; its name (which a refactor may change) is left out.
    """
    folders = [p for p in run.iterdir() if p.is_dir()]
    root = folders[0] if len(folders) == 1 else run
    return {
        str(p.relative_to(root)): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in COMPARED and p.parent != run
    }


def headline(summary: Any) -> Solve | None:
    """Return the run's one solve from its summary (optimize and plan), if it has one."""
    if not isinstance(summary, dict) or not isinstance(summary.get("solver"), dict):
        return None
    solver = summary["solver"]
    objective = _number(solver.get("objective_cny", summary.get("pv_cost_cny")))
    if objective is None:
        return None
    bound = _number(solver.get("bound_cny"))
    return Solve(objective, objective if bound is None else bound, str(solver.get("status")))


def _load_json(path: Path) -> Any:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return text  # a command that printed text: compared as it is


def compare_run(name: str, a: Path, b: Path) -> Verdict:
    """Compare one run of two snapshots: exit status, tables, JSON and standard output."""
    verdict = Verdict(name)
    code_a, code_b = (_load_json(p / RUN_FILE)["returncode"] for p in (a, b))
    if code_a != code_b:
        verdict.structure.append(f"exit {code_a} vs {code_b}")
    files_a, files_b = output_files(a), output_files(b)
    for missing in sorted(set(files_a) ^ set(files_b)):
        verdict.structure.append(f"{missing} only in {'A' if missing in files_a else 'B'}")
    solve_a, solve_b = (
        headline(_load_json(files.get("summary.json", Path()))) for files in (files_a, files_b)
    )
    limited = any(s is not None and s.status != "optimal" for s in (solve_a, solve_b))
    # a solve stopped by its time limit says how far it got, and when, in its termination
    skip = frozenset({"termination"}) if limited else frozenset()
    for key in sorted(set(files_a) & set(files_b)):
        if key.endswith(".csv"):
            compare_csv(files_a[key], files_b[key], key, verdict)
        else:
            doc_a, doc_b = _load_json(files_a[key]), _load_json(files_b[key])
            compare_json(doc_a, doc_b, key, verdict, skip=skip)
    out_a, out_b = _load_json(a / STDOUT_FILE), _load_json(b / STDOUT_FILE)
    compare_json(out_a, out_b, STDOUT_FILE, verdict, skip=skip)
    judge(verdict, solve_a, solve_b, costs_tie=costs_agree(out_a, out_b))
    return verdict


def costs_agree(a: Any, b: Any) -> bool:
    """Tell whether two runs' printed results give every cost (``*_cny``) alike (and have some).

    For runs of several solves (audit, robust, whynot, tradeoff), which have no one headline:
    equal costs with other decisions are an alternative optimum of each solve.
    """
    left, right = dict(_leaves(a, "")), dict(_leaves(b, ""))
    costs = [k for k in left if k.rsplit(".", 1)[-1].split("[")[0].endswith("_cny")]
    return bool(costs) and all(
        k in right and same_value(left[k], right[k], k.rsplit(".", 1)[-1]) for k in costs
    )


def judge(verdict: Verdict, a: Solve | None, b: Solve | None, *, costs_tie: bool = False) -> None:
    """Decide whether a run's differences fail, are a tie, or lie within the certified gap.

    ``costs_tie``: a run without one headline solve printed the same costs in both.
    """
    if verdict.structure:
        verdict.failed = True
        return
    if verdict.differences and (a is None or b is None):
        verdict.failed = not (costs_tie and verdict.decisions)
        if not verdict.failed:
            verdict.note = (
                f"every cost ties; decisions differ ({len(verdict.decisions)} values, e.g. "
                f"{verdict.decisions[0]}): an alternative optimum"
            )
        return
    if not verdict.differences or a is None or b is None:
        return
    if close(a.objective, b.objective):
        # an alternative optimum changes decisions; other outputs of the same ones must agree
        verdict.failed = not verdict.decisions
        verdict.note = (
            f"objectives tie at {a.objective:.10g}; decisions differ ({len(verdict.decisions)} "
            f"values, e.g. {verdict.decisions[0]}): an alternative optimum"
            if verdict.decisions
            else ""
        )
        return
    (low_a, high_a), (low_b, high_b) = a.interval, b.interval
    if max(low_a, low_b) <= min(high_a, high_b) + REL_TOL * max(abs(high_a), abs(high_b)):
        verdict.note = (  # each may be the optimum: the certified intervals overlap
            f"{a.status} {a.objective:.10g} vs {b.status} {b.objective:.10g} "
            f"({abs(a.objective - b.objective) / max(abs(a.objective), 1.0):.2e} apart), within "
            f"the certified intervals [{low_a:.10g}, {high_a:.10g}] and [{low_b:.10g}, "
            f"{high_b:.10g}]; {len(verdict.differences)} output values differ"
        )
        return
    verdict.differences.insert(0, f"objective {a.objective:.10g} vs {b.objective:.10g}")
    verdict.failed = True


def compare(a: Path, b: Path) -> list[Verdict]:
    """Compare every run of snapshot `a` with the same run of snapshot `b`."""
    names_a = {p.name for p in a.iterdir() if (p / RUN_FILE).is_file()}
    names_b = {p.name for p in b.iterdir() if (p / RUN_FILE).is_file()}
    verdicts = [compare_run(name, a / name, b / name) for name in sorted(names_a & names_b)]
    for name in sorted(names_a - names_b):
        verdicts.append(Verdict(name, ["run only in A"], failed=True))
    for name in sorted(names_b - names_a):  # e.g. a new shipped scenario: nothing to compare
        verdicts.append(Verdict(name, note="new: only in B, nothing to compare with"))
    return verdicts


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("snapshot", help="run every shipped scenario into DIR")
    take.add_argument("folder", type=Path, metavar="DIR")
    take.add_argument("--only", nargs="+", metavar="RUN", help="only these runs")
    check = commands.add_parser("compare", help="compare snapshot A with snapshot B")
    check.add_argument("a", type=Path, metavar="A")
    check.add_argument("b", type=Path, metavar="B")
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        snapshot(args.folder, args.only)
        return 0
    verdicts = compare(args.a, args.b)
    for verdict in verdicts:
        print(verdict.line())
    return 1 if any(v.failed for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
