"""Time tables: they rebuild, reconcile with the national series, and reject bad input."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from siting.errors import InputError
from siting.vintages import (
    RECONCILE_TOLERANCE_PF,
    REST_OF_CHINA,
    SITE_KW_PER_PF,
    TIME_FILES,
    YEAR_BANDS,
    in_service_mw,
    installed_mw,
    load_time_tables,
    read_capacity_vintages,
    reconcile_capacity,
)

from .conftest import DATA, REPO

TABLES = (
    "national_compute.csv",
    "demand_forecasts.csv",
    "accelerators.csv",
    "capacity_vintages.csv",
    "use_years.csv",
    "rents.csv",
)
#: The published series (EFLOPS FP16, year-end), typed here from the sources so that a change
#: of the data file cannot move the target it is reconciled with.
PUBLISHED = {2022: 259.9, 2023: 414.0, 2024: 725.3, 2025: 1037.3, 2026: 1460.3, 2028: 2781.9}


@pytest.fixture(scope="module")
def shipped():
    return load_time_tables(DATA)


@pytest.fixture
def copy(tmp_path):
    """Copy the time tables to a folder; ``edit(name, fn)`` rewrites one's rows."""
    for name in TIME_FILES:
        shutil.copy(DATA / name, tmp_path / name)

    def edit(name: str, transform) -> None:
        path = tmp_path / name
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        header, body = rows[0], rows[1:]
        body = transform(header, body)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *body])
        path.write_text(out.getvalue(), encoding="utf-8")

    edit.dir = tmp_path
    return edit


def set_cell(line: int, column: str, value: str):
    """A transform that sets ``column`` on file line ``line`` (line 2 = first data row)."""

    def transform(header, body):
        body[line - 2][header.index(column)] = value
        return body

    return transform


def _load(copy):
    return load_time_tables(copy.dir)


# ---------------------------------------------------------------- the shipped tables


def test_build_script_reproduces_the_committed_files(tmp_path) -> None:
    script = REPO / "scripts" / "build_vintages.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(set(TABLES) - {"use_years.csv"})  # scripts/build_use_series.py
    for name in written:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_sources_document_every_column() -> None:
    sources = (DATA / "SOURCES.md").read_text()
    for name in TABLES:
        assert f"`{name}`" in sources, name
        header = (DATA / name).read_text().splitlines()[0].split(",")
        missing = [c for c in header if f"`{c}`" not in sources]
        assert not missing, f"{name}: columns not in SOURCES.md: {missing}"


def test_every_row_has_a_source_and_a_flag(shipped) -> None:
    flags = {"official", "secondary", "estimate"}
    for table in (shipped.national, shipped.accelerators, shipped.vintages, shipped.rents):
        assert table["source"].str.len().gt(0).all()
        assert set(table["confidence"]) <= flags
    assert set(shipped.demand["confidence"]) <= flags


def test_national_file_holds_the_published_series(shipped) -> None:
    series = shipped.national.set_index("year")["eflops_fp16"]
    for year, value in PUBLISHED.items():
        assert series[year] == pytest.approx(value, abs=0.05), year
    assert list(series.index) == list(range(2022, 2031))


def test_forecast_vintages(shipped) -> None:
    f = shipped.forecasts.set_index(["published", "year"])["eflops_fp16"]
    assert f[2023, 2026] == 1271.4  # IDC/Inspur 2022-2023 report
    assert f[2024, 2027] == 1117.4  # IDC/Inspur 2023-2024 report
    assert f[2025, 2028] == 2781.9  # IDC/Inspur 2025 report
    # Geometric between published points: 268.0 (2022) to 1,271.4 (2026), two years in.
    assert f[2023, 2024] == pytest.approx(268.0 * (1271.4 / 268.0) ** 0.5, abs=0.05)
    latest = shipped.national.set_index("year")["eflops_fp16"]
    for year in (2025, 2026, 2027, 2028):
        assert f[2025, year] == latest[year]
    # What each planner expected of 2025: the 2024 report was the most pessimistic.
    assert f[2024, 2025] < f[2023, 2025] < f[2025, 2025]


def test_vintages_add_up_to_each_sites_existing_mw(shipped) -> None:
    sites = pd.read_csv(DATA / "sites.csv").set_index("site_id")["existing_mw"]
    pf = shipped.vintages.groupby("site_id")["pf"].sum()
    for site, mw in sites.items():
        assert pf[site] * SITE_KW_PER_PF / 1000 == pytest.approx(mw, abs=0.05), site


def test_row_mw_is_pf_times_the_class_factor(shipped) -> None:
    kw = shipped.accelerators.set_index("accelerator_class")["kw_per_pf"]
    v = shipped.vintages
    want = v["pf"] * v["accelerator_class"].map(kw) / 1000
    assert (v["mw"] - want).abs().max() <= 0.001


def test_hand_computed_class_factors(shipped) -> None:
    kw = shipped.accelerators.set_index("accelerator_class")["kw_per_pf"]
    # DGX H100 10.2 kW / (8 x 0.989 PF) and DGX A100 6.5 kW / (8 x 0.312 PF), equal PF weight.
    assert kw["imported_high_end"] == pytest.approx((10.2 / 7.912 + 6.5 / 2.496) / 2, abs=5e-4)
    gpu_share = 5.6 / 10.2
    assert kw["export_compliant"] == pytest.approx(3.2 / gpu_share / 1.184, abs=5e-4)
    assert kw["domestic"] == pytest.approx(2.8 / gpu_share / 2.56, abs=5e-4)


# ---------------------------------------------------------------- reconciliation


def test_capacity_in_service_reconciles_with_the_national_series(shipped) -> None:
    table = reconcile_capacity(shipped.vintages, shipped.national)
    assert list(table["year"]) == [2022, 2023, 2024, 2025]
    for row in table.itertuples():
        assert abs(row.vintaged_pf - PUBLISHED[row.year] * 1000) <= RECONCILE_TOLERANCE_PF
    assert table["ok"].all()


def test_sites_never_hold_more_than_the_nation(shipped) -> None:
    table = reconcile_capacity(shipped.vintages, shipped.national)
    assert (table["sites_pf"] <= table["published_pf"]).all()
    # Coverage stays within the documented band: at least the 60 % hub target, at most 90 %.
    assert table["coverage"].between(0.6, 0.9).all()
    assert table.loc[table["year"] == 2025, "coverage"].item() == pytest.approx(0.74, abs=1e-3)


def test_announced_capacity_fits_in_the_next_years_forecast(shipped) -> None:
    announced = shipped.vintages.loc[shipped.vintages["year_band"] == "2026+", "pf"].sum()
    assert announced <= (PUBLISHED[2026] - PUBLISHED[2025]) * 1000
    rest = shipped.vintages[shipped.vintages["site_id"] == REST_OF_CHINA]
    assert "2026+" not in set(rest["year_band"])


def test_split_passes_through_dated_figures(shipped) -> None:
    pf = shipped.vintages.pivot_table(
        index="site_id", columns="year_band", values="pf", aggfunc="sum", fill_value=0
    )
    upto = pf[list(YEAR_BANDS[:-1])].cumsum(axis=1)
    assert upto.loc["shaoguan", "2024"] == pytest.approx(10_000, abs=3)  # end-2024 [12]
    assert upto.loc["yrd_eco_green", "2024"] == pytest.approx(40_000, abs=3)  # end-2024 [14]
    assert upto.loc["guian", "2023"] < 28_830 < upto.loc["guian", "2024"]  # May 2024 [11]
    assert upto.loc["hami", "2023"] < 128 < upto.loc["hami", "2024"]  # Apr 2024 [20]


def _moved(vintages: pd.DataFrame, index: int) -> pd.DataFrame:
    out = vintages.copy()
    band = out.loc[index, "year_band"]
    out.loc[index, "year_band"] = YEAR_BANDS[YEAR_BANDS.index(band) + 1]
    return out


def test_moving_a_vintage_row_a_year_fails_the_reconciliation(shipped) -> None:
    v = shipped.vintages
    in_service = v[v["year_band"] != "2026+"]
    # Every in-service row above the tolerance is caught when moved one band later.
    movable = in_service.index[in_service["pf"] > RECONCILE_TOLERANCE_PF]
    assert len(movable) >= 0.95 * len(in_service)
    for i in movable:
        assert not reconcile_capacity(_moved(v, i), shipped.national)["ok"].all(), i
    assert reconcile_capacity(v, shipped.national)["ok"].all()


def test_installed_mw_accumulates_bands(shipped) -> None:
    table = installed_mw(shipped.vintages).groupby("year")["mw"].sum()
    v = shipped.vintages
    assert table[2022] == pytest.approx(v.loc[v["year_band"] == "<=2022", "mw"].sum())
    assert table[2025] == pytest.approx(v.loc[v["year_band"] != "2026+", "mw"].sum())


def test_in_service_mw_by_hand() -> None:
    v = pd.DataFrame(
        {
            "site_id": ["a", "a", "a", "b"],
            "year_band": ["<=2022", "2024", "2026+", "2023"],
            "accelerator_class": ["domestic"] * 4,
            "mw": [6.0, 2.0, 5.0, 1.0],
        }
    )
    got = in_service_mw(v, range(2022, 2029), life_years=3, first_band_cohorts=3)
    mw = got.set_index(["year", "site_id"])["mw"]
    # a: <=2022 cohorts of 2 MW enter 2020, 2021, 2022 and leave after 3 years; 2 MW from 2024.
    assert mw[2022, "a"] == 6.0
    assert mw[2023, "a"] == 4.0
    assert mw[2024, "a"] == 2.0 + 2.0
    assert mw[2025, "a"] == 2.0
    assert mw[2026, "a"] == 2.0  # 2026+ left out unless announced
    assert (2027, "a") not in mw.index
    assert [mw.get((y, "b"), 0.0) for y in range(2022, 2027)] == [0.0, 1.0, 1.0, 1.0, 0.0]
    with_announced = in_service_mw(v, [2026], life_years=3, announced=True)
    assert with_announced.set_index("site_id")["mw"]["a"] == 2.0 + 5.0


def test_in_service_mw_never_exceeds_installed(shipped) -> None:
    years = range(2022, 2031)
    alive = in_service_mw(shipped.vintages, years, life_years=5).groupby("year")["mw"].sum()
    built = installed_mw(shipped.vintages).groupby("year")["mw"].sum()
    for year in years:
        assert alive.get(year, 0.0) <= built[min(year, 2025)] + 1e-9
    assert alive[2022] == pytest.approx(built[2022] * 5 / 6)


def test_rents_fall(shipped) -> None:
    rents = shipped.rents
    assert rents["period"].is_monotonic_increasing
    h100 = rents[rents["server"] == "8xH100"]
    mid = (h100["rent_low_cny_month"] + h100["rent_high_cny_month"]) / 2
    assert list(mid) == [150_000, 70_000, 75_000]
    # 8 x H100 server of 10.2 kW: 98.04 servers per MW, 12 months.
    per_mw = h100["rent_mid_cny_per_mw_year"].iloc[0]
    assert per_mw == pytest.approx(150_000 * 12 * 1000 / 10.2, abs=1)
    a100 = rents[rents["server"] == "8xA100"].iloc[0]
    assert a100["rent_low_cny_month"] == pytest.approx(15.1 * 8 * 730, abs=50)


def test_classes_without_a_published_rent_rent_like_the_imported_per_pf(shipped) -> None:
    rents = shipped.rents
    assert set(rents["accelerator_class"]) == set(shipped.accelerators["accelerator_class"])
    kw_per_pf = shipped.accelerators.set_index("accelerator_class")["kw_per_pf"]
    per_pf = rents["rent_mid_cny_per_mw_year"] * rents["accelerator_class"].map(kw_per_pf)
    imported = rents["accelerator_class"] == "imported_high_end"
    assert (rents.loc[~imported, "confidence"] == "estimate").all()
    reference = rents.loc[~imported, "period"].map(per_pf[imported].groupby(rents["period"]).max())
    # Rounded down: no derived row raises the highest rent per demand MW (the unmet penalty).
    assert (per_pf[~imported] <= reference).all()
    assert per_pf[~imported].to_numpy() == pytest.approx(reference.to_numpy(), rel=1e-4)


# ---------------------------------------------------------------- bad input


def test_default_is_the_shipped_data(shipped) -> None:
    assert load_time_tables().vintages.equals(shipped.vintages)


def test_copy_of_shipped_tables_loads(copy) -> None:
    assert len(_load(copy).vintages) > 100


#: One-cell edits: (file, line, column, value, the message expected).
ONE_CELL = [
    (
        "capacity_vintages.csv", 2, "accelerator_class", "tpu",
        r"capacity_vintages.csv: line 2 \(site_id 'zhangjiakou'\): field 'accelerator_class': "
        r"expected one of 'imported_high_end', 'export_compliant', 'domestic', got 'tpu'",
    ),
    (
        "capacity_vintages.csv", 3, "mw", "-1.5",
        r"line 3 .*field 'mw': expected a number ≥ 0 and ≤ 1e\+06, got -1.5",
    ),
    (
        "capacity_vintages.csv", 4, "source", "",
        r"line 4 .*field 'source': empty; expected a non-empty text",
    ),
    (
        "capacity_vintages.csv", 2, "mw", "1.0",
        r"line 2 .*field 'mw': pf × kW/PF of the class = 52.4\d\d MW, got 1",
    ),
    (
        "capacity_vintages.csv", 2, "site_id", "atlantis",
        r"line 2 .*field 'site_id': unknown site 'atlantis'",
    ),
    (
        "capacity_vintages.csv", 2, "year_band", "2021",
        r"field 'year_band': expected one of '<=2022'",
    ),
    (
        "use_years.csv", 2, "year", "2019",
        r"use_years.csv: line 2: field 'year': a whole year from 2022 to 2030, got 2019",
    ),
    (
        "use_years.csv", 2, "role", "training",
        r"field 'area_id': training belongs to area 'national'",
    ),
    (
        "use_years.csv", 2, "variant", "median",
        r"use_years.csv: line 2 .*field 'variant': expected one of 'low', 'central', 'high'",
    ),
    (
        "use_years.csv", 2, "kind", "scenario",
        r"use_years.csv: line 2 .*field 'kind': 'measured' for year 2022 \(measured up to 2025\)",
    ),
    (
        "use_years.csv", 2, "mw", "-1",
        r"use_years.csv: line 2 .*field 'mw': expected a number ≥ 0",
    ),
    (
        "use_years.csv", 2, "component", "gpt",
        r"use_years.csv: line 2 .*field 'component': expected one of 'llm', 'non_llm'",
    ),
    (
        "national_compute.csv", 3, "year", "2022",
        r"national_compute.csv: line 3: field 'year': years increasing; 2022 comes after 2022",
    ),
    (
        "accelerators.csv", 2, "kw_per_pf", "0",
        r"field 'kw_per_pf': expected a number > 0 and ≤ 1000, got 0",
    ),
    (
        "demand_forecasts.csv", 3, "year", "2023",
        r"demand_forecasts.csv: line 3: field 'year': years increasing; 2023 comes after 2023",
    ),
    (
        "demand_forecasts.csv", 7, "published", "2022",
        r"demand_forecasts.csv: line 7: field 'published': years in order; 2022 comes after 2024",
    ),
    (
        "demand_forecasts.csv", 6, "published", "2023",
        r"demand_forecasts.csv: line 6: field 'year': years increasing; 2024 comes after 2026",
    ),
    ("rents.csv", 2, "period", "2024-13", r"field 'period': expected YYYY-MM, got '2024-13'"),
    (
        "rents.csv", 3, "period", "2023-06",
        r"line 3 .*field 'period': periods in order; 2023-06 comes after 2023-08",
    ),
    (
        "rents.csv", 2, "rent_high_cny_month", "1000",
        r"field 'rent_high_cny_month': at least rent_low_cny_month \(88200\)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "line", "column", "value", "message"), ONE_CELL)
def test_one_bad_cell_gets_one_clear_message(copy, name, line, column, value, message) -> None:
    copy(name, set_cell(line, column, value))
    with pytest.raises(InputError, match=message) as err:
        _load(copy)
    assert "problems in the input" not in str(err.value)


def _drop(predicate):
    return lambda header, body: [r for r in body if not predicate(r)]


def _swap_first_with(last_of):
    def transform(header, body):
        last = max(i for i, r in enumerate(body) if last_of(r))
        body[0], body[last] = body[last], body[0]
        return body

    return transform


def _rename(old: str, new: str):
    def transform(header, body):
        header[header.index(old)] = new
        return body

    return transform


#: Edits of whole rows: (file, transform, the message expected).
ROWS = [
    (
        "capacity_vintages.csv",
        _rename("pf", "pff"),
        r"^\S*capacity_vintages.csv: header: field 'pf': missing column \(found 'pff'",
    ),
    (
        "use_years.csv",
        lambda header, body: [body[0], *body],
        r"line 3 \(area_id 'beijing'\): field 'area_id': one row per variant, year, area, role",
    ),
    (
        "capacity_vintages.csv",
        _drop(lambda r: r[:3] == ["zhangjiakou", "<=2022", "imported_high_end"]),
        r"capacity_vintages.csv: site_id 'zhangjiakou': field 'pf': vintages of site "
        r"'zhangjiakou' add up to \d+\.\d\d MW .*expected its existing_mw 189.1 ± 0.05",
    ),
    (
        "capacity_vintages.csv",
        _swap_first_with(lambda r: r[0] == "zhangjiakou"),
        r"field 'year_band': a site's rows together, bands in order",
    ),
    (
        "use_years.csv",
        _swap_first_with(lambda r: True),
        r"field 'year': years in order; 2022 comes after 2030",
    ),
    (
        "use_years.csv",
        _drop(lambda r: r[0] == "2024" and r[2] == "wuhan"),
        r"use_years.csv: variant central, year 2024: field 'area_id': no row for "
        r"wuhan inference llm, wuhan inference non_llm",
    ),
    (
        "use_years.csv",
        _drop(lambda r: r[:2] == ["2030", "high"]),
        r"use_years.csv: variant high: field 'year': no rows for 2030",
    ),
    (
        "accelerators.csv",
        _drop(lambda r: r[0] == "domestic"),
        r"accelerators.csv: field 'accelerator_class': no row for \['domestic'\]",
    ),
]


@pytest.mark.parametrize(("name", "transform", "message"), ROWS)
def test_bad_rows_get_one_clear_message(copy, name, transform, message) -> None:
    copy(name, transform)
    with pytest.raises(InputError, match=message):
        _load(copy)


def test_every_problem_is_listed_at_once(copy) -> None:
    copy("capacity_vintages.csv", set_cell(2, "mw", "-1"))
    copy("capacity_vintages.csv", set_cell(3, "source", ""))
    with pytest.raises(InputError, match=r"^2 problems in the input:"):
        _load(copy)


def test_reader_takes_totals_from_the_caller(copy) -> None:
    kw = {"imported_high_end": 1.947, "export_compliant": 4.923, "domestic": 1.992}
    path = copy.dir / "capacity_vintages.csv"
    totals = pd.read_csv(DATA / "sites.csv").set_index("site_id")["existing_mw"].to_dict()
    assert len(read_capacity_vintages(path, site_totals_mw=totals, kw_per_pf=kw)) > 100
    with pytest.raises(InputError, match=r"site_id 'nowhere': field 'pf': vintages of site"):
        read_capacity_vintages(path, site_totals_mw=totals | {"nowhere": 10.0}, kw_per_pf=kw)
