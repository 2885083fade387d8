"""Build ``use_years.csv``: AI compute in use, 2022-2030, from the sourced ``use_inputs.csv``.

Demand is what was *used*, not what was installed (issue #19): IDC's installed series stays
in ``national_compute.csv`` as supply. Three components, each documented row by row in
``data/use_inputs.csv`` and ``data/SOURCES.md`` section T9:

* **LLM inference**: tokens a day (National Data Administration) over a serving throughput,
  tokens/s per MW of the reference serving server (8×H800, 10.2 kW: DeepSeek's February 2025
  disclosure, per peak node) times the fleet's efficiency relative to DeepSeek;
* **LLM training**: the final-run compute of known Chinese models of the year (H800
  GPU-hours) times the R&D multiplier (Epoch AI), at 2.0 kW per PF (the training demand unit);
* **non-LLM AI**: the end-2022 stock (all pre-LLM) times its utilisation, grown each year,
  split into inference and training.

Each in three variants (``low``, ``central``, ``high``); 2022-2025 are ``measured`` (from the
published figures), 2026-2030 ``scenario``. National inference is split over the hubs by the
hub weight ``w_h = inference_mw / 2,821.8`` (SOURCES.md B step 4); ``rest_of_china`` takes the
remainder; training is one ``national`` row per component.

Run: ``.venv/bin/python scripts/build_use_series.py [OUTDIR]`` (default: the repo's ``data/``).
Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

from build_sites_hubs import write_csv

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data"
VARIANTS = ("low", "central", "high")
YEARS = range(2022, 2031)
#: Last year of published figures; later years are scenarios.
MEASURED_LAST = 2025
#: National inference of the planning year that ``hubs.csv`` apportions, MW (SOURCES.md B
#: step 3): ``w_h = inference_mw / HUB_BASE_MW``.
HUB_BASE_MW = 2821.8
REST = "rest_of_china"
NATIONAL = "national"
SECONDS_PER_DAY = 86_400
HOURS_PER_YEAR = 8_760
COLUMNS = [
    "year", "variant", "area_id", "role", "component", "mw", "kind", "basis", "confidence",
]  # fmt: skip


class Inputs:
    """The rows of ``use_inputs.csv``: a value per name (and date) and variant."""

    def __init__(self, path: Path) -> None:
        with open(path, encoding="utf-8") as f:
            self.rows = list(csv.DictReader(f))

    def get(self, name: str, variant: str = "central") -> float:
        """The single row ``name``'s value for ``variant``."""
        (row,) = (r for r in self.rows if r["name"] == name)
        return float(row[variant] or row["value"])

    def dated(self, name: str, variant: str) -> list[tuple[float, float]]:
        """(date, value) of every row ``name`` with a value for ``variant``, by date."""
        return sorted(
            (float(r["year"]), float(r[variant]))
            for r in self.rows
            if r["name"] == name and r[variant]
        )

    def models(self) -> list[dict[str, str]]:
        """The ``model_compute:`` rows (final training runs of known models)."""
        return [r for r in self.rows if r["name"].startswith("model_compute:")]


def tokens_per_day(inputs: Inputs, variant: str, year: int) -> float:
    """Tokens a day at the end of ``year`` (date ``year + 1``).

    A published year-end value is used as it is; otherwise log-linear interpolation between
    the nearest dated values of the variant; scenario years grow from the last measured one.
    """
    if year > MEASURED_LAST:
        return tokens_per_day(inputs, variant, MEASURED_LAST) * math.exp(
            sum(_log_token_growth(inputs, variant, y) for y in range(MEASURED_LAST + 1, year + 1))
        )
    points = inputs.dated("tokens_per_day", variant)
    date = year + 1.0
    for when, value in points:
        if when == date:
            return value
    before = max((p for p in points if p[0] < date), key=lambda p: p[0])
    after = min((p for p in points if p[0] > date), key=lambda p: p[0])
    share = (date - before[0]) / (after[0] - before[0])
    return math.exp(math.log(before[1]) + share * (math.log(after[1]) - math.log(before[1])))


def _log_token_growth(inputs: Inputs, variant: str, year: int) -> float:
    """ln of the tokens' growth in scenario ``year``: a share of the Q1 2026 pace, then halving."""
    (d0, v0), (d1, v1) = inputs.dated("tokens_per_day", "central")[-2:]
    pace = math.log(v1 / v0) / (d1 - d0)  # per year
    first = pace * inputs.get("token_growth_share", variant)
    return first * inputs.get("growth_halving", variant) ** (year - (MEASURED_LAST + 1))


def reference_throughput(inputs: Inputs) -> float:
    """Tokens/s per MW of the reference server at DeepSeek's throughput, per peak node."""
    per_second = inputs.get("deepseek_tokens_per_day") / SECONDS_PER_DAY
    mw = inputs.get("deepseek_nodes_peak") * inputs.get("reference_node_kw") / 1000
    return per_second / mw


def fleet_throughput(inputs: Inputs, variant: str, year: int) -> float:
    """Tokens/s per reference MW of the national fleet in ``year``."""
    gains = inputs.get("serving_gain_per_year", variant) ** max(0, year - MEASURED_LAST)
    return reference_throughput(inputs) * inputs.get("fleet_efficiency", variant) * gains


def llm_inference_mw(inputs: Inputs, variant: str, year: int) -> float:
    """LLM inference in use at the end of ``year``, MW of the reference serving server."""
    return (
        tokens_per_day(inputs, variant, year)
        / SECONDS_PER_DAY
        / fleet_throughput(inputs, variant, year)
    )


def h800_gpu_hours(inputs: Inputs, row: dict[str, str]) -> float:
    """A model row's final-run compute in H800 GPU-hours (dense FP16 equivalents)."""
    value, unit = float(row["value"]), row["unit"]
    h800 = inputs.get("gpu_dense_pflops:H800")
    if unit == "H800 GPU-hours":
        return value
    if unit == "A100 GPU-hours":
        return value * inputs.get("gpu_dense_pflops:A100") / h800
    if unit == "FLOP":
        return value / (inputs.get("h800_realised_tflops") * 1e12 * 3600)
    raise ValueError(f"{row['name']}: unknown unit {unit!r}")


def final_run_gpu_hours(inputs: Inputs, year: int) -> float:
    """H800 GPU-hours of the known models' final runs released in ``year``."""
    return sum(h800_gpu_hours(inputs, r) for r in inputs.models() if int(r["year"]) == year)


def llm_training_mw(inputs: Inputs, variant: str, year: int) -> float:
    """LLM training in use in ``year``, MW at the 2.0 kW/PF training unit (year-round)."""
    if year > MEASURED_LAST:
        growth = inputs.get("llm_training_growth", variant) ** (year - MEASURED_LAST)
        return llm_training_mw(inputs, variant, MEASURED_LAST) * growth
    gpu_hours = final_run_gpu_hours(inputs, year) * inputs.get("rd_multiplier", variant)
    pf_hours = gpu_hours * inputs.get("gpu_dense_pflops:H800")
    return pf_hours * inputs.get("training_kw_per_pf") / HOURS_PER_YEAR / 1000


def non_llm_mw(inputs: Inputs, variant: str, year: int) -> float:
    """Non-LLM AI in use at the end of ``year``, MW (inference and training together)."""
    base = inputs.get("nonllm_base_pf") * inputs.get("training_kw_per_pf") / 1000
    growth = inputs.get("nonllm_growth", variant) ** (year - YEARS[0])
    return base * inputs.get("nonllm_utilisation", variant) * growth


def national(inputs: Inputs, variant: str, year: int) -> dict[tuple[str, str], float]:
    """National MW per (role, component) in ``year``."""
    other = non_llm_mw(inputs, variant, year)
    share = inputs.get("nonllm_inference_share", variant)
    return {
        ("inference", "llm"): llm_inference_mw(inputs, variant, year),
        ("inference", "non_llm"): other * share,
        ("training", "llm"): llm_training_mw(inputs, variant, year),
        ("training", "non_llm"): other * (1 - share),
    }


def basis(inputs: Inputs, variant: str, year: int, role: str, component: str) -> str:
    """How a row was made, in words (with the section's reference)."""
    if component == "non_llm":
        share = inputs.get("nonllm_inference_share", variant)
        part = share if role == "inference" else 1 - share
        return (
            f"end-2022 stock x utilisation {inputs.get('nonllm_utilisation', variant):g} x "
            f"{inputs.get('nonllm_growth', variant):g}^{year - YEARS[0]} x {role} share "
            f"{part:.3f} [T9]"
        )
    if role == "training":
        if year > MEASURED_LAST:
            return f"2025 x growth {inputs.get('llm_training_growth', variant):g}/yr [T9]"
        return (
            f"known final runs {final_run_gpu_hours(inputs, year) / 1e6:.3f} M H800 GPU-h x "
            f"R&D multiplier {inputs.get('rd_multiplier', variant):g} at 2.0 kW/PF [T9]"
        )
    return (
        f"{tokens_per_day(inputs, variant, year):.3g} tokens/day / "
        f"{fleet_throughput(inputs, variant, year):.4g} tokens/s per MW [T9]"
    )


def row(
    inputs: Inputs, variant: str, year: int, key: tuple[str, str, str], mw: float
) -> dict[str, str]:
    """One row of ``use_years.csv``: ``key`` is (area, role, component)."""
    area, role, component = key
    return {
        "year": str(year),
        "variant": variant,
        "area_id": area,
        "role": role,
        "component": component,
        "mw": f"{mw:.3f}",
        "kind": "measured" if year <= MEASURED_LAST else "scenario",
        "basis": basis(inputs, variant, year, role, component),
        "confidence": "estimate",
    }


def rows(inputs: Inputs, hubs: dict[str, float]) -> list[dict[str, str]]:
    """Every row of ``use_years.csv``: per year and variant, inference by area, then training."""
    weights = {h: mw / HUB_BASE_MW for h, mw in hubs.items()}
    out = []
    for year in YEARS:
        for variant in VARIANTS:
            totals = national(inputs, variant, year)
            for component in ("llm", "non_llm"):
                total = round(totals["inference", component], 3)
                parts = {h: round(total * w, 3) for h, w in weights.items()}
                parts[REST] = total - sum(parts.values())
                out += [
                    row(inputs, variant, year, (a, "inference", component), mw)
                    for a, mw in parts.items()
                ]
            for component in ("llm", "non_llm"):
                key = (NATIONAL, "training", component)
                out.append(row(inputs, variant, year, key, totals["training", component]))
    return out


def main(out: Path = DEFAULT_OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    inputs = Inputs(ROOT / "data" / "use_inputs.csv")
    with open(ROOT / "data" / "hubs.csv", encoding="utf-8") as f:
        hubs = {r["hub_id"]: float(r["inference_mw"]) for r in csv.DictReader(f)}
    write_csv(out / "use_years.csv", COLUMNS, rows(inputs, hubs))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
