"""The shipped layers load; each kind of bad input gets one clear message."""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import pytest

from siting.errors import InputError
from siting.layers import load_layers, read_sites
from siting.scenario import load_scenario

from .conftest import DATA

CLUSTERS = {
    "zhangjiakou",
    "wuhu",
    "yrd_eco_green",
    "shaoguan",
    "tianfu",
    "chongqing",
    "horinger",
    "guian",
    "qingyang",
    "zhongwei",
}
HUBS = {
    "beijing",
    "shanghai",
    "shenzhen",
    "guangzhou",
    "hangzhou",
    "chengdu",
    "wuhan",
    "nanjing",
    "xian",
    "hefei",
    "chongqing",
    "suzhou",
}


def set_cell(text: str, row: int, column: str, value: str) -> str:
    """Set one cell of a CSV text; ``row`` 0 is the first data row."""
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[row][column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def first_id(path) -> str:
    return next(csv.reader(io.StringIO(path.read_text().splitlines()[1])))[0]


@pytest.fixture(scope="module")
def shipped():
    return load_layers(load_scenario()[1])


def test_shipped_provinces_official_view(shipped) -> None:
    provinces = shipped.provinces
    assert len(provinces) == 34
    assert provinces.crs.to_epsg() == 4326
    assert {"Taiwan", "Hong Kong", "Macao", "Hainan", "Tibet"} <= set(provinces["name_en"])
    assert provinces["adcode"].str.fullmatch(r"\d{6}").all()
    mainland = provinces.dropna(subset=["power_price_cny_kwh"])
    assert len(mainland) == 31
    assert shipped.boundary_lines is not None and len(shipped.boundary_lines) > 0


def test_shipped_sites_and_hubs(shipped) -> None:
    assert len(shipped.sites) >= 25
    assert set(shipped.sites["site_id"]) >= CLUSTERS
    assert set(shipped.hubs["hub_id"]) >= HUBS
    assert (shipped.hubs["inference_mw"] > 0).all()


def test_every_number_has_a_confidence_flag(shipped) -> None:
    flags = {"official", "secondary", "estimate"}
    for col in (
        "power_price_confidence",
        "pue_confidence",
        "grid_co2_confidence",
        "staff_confidence",
        "wage_confidence",
    ):
        assert set(shipped.provinces[col].dropna()) <= flags
    assert set(shipped.sites["headroom_confidence"]) <= flags
    assert set(shipped.sites["existing_confidence"]) <= flags
    assert set(shipped.hubs["demand_confidence"]) <= flags
    tariffs = shipped.sites.dropna(subset=["tariff_cny_kwh"])
    assert set(tariffs["tariff_confidence"]) <= flags


def test_sources_document_every_column() -> None:
    sources = (DATA / "SOURCES.md").read_text()
    for name in ("provinces.csv", "sites.csv", "hubs.csv"):
        header = (DATA / name).read_text().splitlines()[0].split(",")
        missing = [c for c in header if f"`{c}`" not in sources]
        assert not missing, f"{name}: columns not in SOURCES.md: {missing}"


def _load(edit):
    return load_layers(load_scenario(edit.scenario)[1])


def test_copy_of_shipped_data_loads(data_copy) -> None:
    assert len(_load(data_copy).sites) >= 25


def test_misspelled_column(data_copy) -> None:
    data_copy("sites.csv", lambda t: t.replace("grid_headroom_mw", "grid_headrom_mw", 1))
    with pytest.raises(
        InputError,
        match=r"sites.csv: header: field 'grid_headroom_mw': missing column "
        r"\(found 'grid_headrom_mw': misspelled\?\)",
    ):
        _load(data_copy)


def test_unknown_province(data_copy) -> None:
    path = data_copy("sites.csv", lambda t: set_cell(t, 0, "province", "Hebie"))
    with pytest.raises(
        InputError,
        match=rf"sites.csv: line 2 \(site_id '{first_id(path)}'\): "
        r"field 'province': unknown province 'Hebie'; expected one of: Anhui, ",
    ):
        _load(data_copy)


def test_duplicate_site_id(data_copy) -> None:
    def duplicate(text: str) -> str:
        lines = text.splitlines()
        return "\n".join([*lines, lines[1]]) + "\n"

    path = data_copy("sites.csv", duplicate)
    n = len(path.read_text().splitlines())
    with pytest.raises(
        InputError, match=rf"sites.csv: lines 2, {n}: field 'site_id': duplicate id"
    ):
        _load(data_copy)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-5", r"expected a number ≥ 0 and ≤ 1e\+06, got -5"),
        ("nan", r"expected a number ≥ 0 and ≤ 1e\+06, got 'nan'"),
        ("", r"empty; expected a number ≥ 0"),
        ("lots", r"expected a number ≥ 0 and ≤ 1e\+06, got 'lots'"),
        ("1e300", r"expected a number ≥ 0 and ≤ 1e\+06, got 1e300"),
    ],
)
def test_bad_demand(data_copy, value: str, expected: str) -> None:
    path = data_copy("hubs.csv", lambda t: set_cell(t, 2, "inference_mw", value))
    hub = path.read_text().splitlines()[3].split(",")[0]
    with pytest.raises(
        InputError, match=rf"hubs.csv: line 4 \(hub_id '{hub}'\): field 'inference_mw': {expected}"
    ):
        _load(data_copy)


def test_projected_coordinates_in_csv(data_copy) -> None:
    def metres(text: str) -> str:
        return set_cell(set_cell(text, 0, "lon", "12958000"), 0, "lat", "4825000")

    data_copy("sites.csv", metres)
    with pytest.raises(
        InputError,
        match=r"line 2 .*field 'lon/lat': coordinates \(1\.296e\+07, 4\.825e\+06\) "
        r"lie outside China .* expected WGS84",
    ):
        _load(data_copy)


def test_point_in_the_wrong_province(data_copy) -> None:
    data_copy("sites.csv", lambda t: set_cell(set_cell(t, 0, "lon", "121.47"), 0, "lat", "31.23"))
    with pytest.raises(InputError, match=r"lies in Shanghai, not in .*WGS84, not GCJ-02"):
        _load(data_copy)


def test_all_problems_reported_at_once(data_copy) -> None:
    data_copy(
        "sites.csv",
        lambda t: set_cell(set_cell(t, 0, "existing_mw", "-1"), 1, "province", "Nowhere"),
    )
    data_copy("hubs.csv", lambda t: set_cell(t, 0, "inference_mw", "x"))
    with pytest.raises(InputError) as info:
        _load(data_copy)
    assert len(info.value.problems) == 2  # the province check runs once columns are valid
    assert "problems in the input" in str(info.value)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_layer_without_crs(tmp_path) -> None:
    sites = read_sites(DATA / "sites.csv")
    path = tmp_path / "sites.gpkg"
    sites.drop(columns=["lon", "lat"]).set_crs(None, allow_override=True).to_file(path)
    with pytest.raises(InputError, match=r"sites.gpkg: field 'crs': the layer declares no CRS"):
        read_sites(path)


def test_projected_layer_is_reprojected(tmp_path) -> None:
    sites = read_sites(DATA / "sites.csv")
    path = tmp_path / "sites.gpkg"
    sites.drop(columns=["lon", "lat"]).to_crs("EPSG:3857").to_file(path)
    back = read_sites(path)
    assert back.crs.to_epsg() == 4326
    assert back["lon"].to_numpy() == pytest.approx(sites["lon"].to_numpy(), abs=1e-7)


def test_layer_with_lines_instead_of_points(tmp_path) -> None:
    sites = read_sites(DATA / "sites.csv").drop(columns=["lon", "lat"])
    from shapely import LineString

    lines = [LineString([(p.x, p.y), (p.x + 0.1, p.y)]) for p in sites.geometry]
    sites = sites.set_geometry(gpd.GeoSeries(lines, crs=sites.crs))
    path = tmp_path / "sites.geojson"
    sites.to_file(path)
    with pytest.raises(
        InputError, match=r"feature 1 .*field 'geometry': expected a point, got LineString"
    ):
        read_sites(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_provinces_need_a_crs(tmp_path) -> None:
    frame = gpd.read_file(DATA / "provinces.geojson").head(3).set_crs(None, allow_override=True)
    path = tmp_path / "p.gpkg"
    frame.to_file(path)
    from siting.layers import read_provinces

    with pytest.raises(InputError, match="declares no CRS"):
        read_provinces(path)


def test_gcj02_rows_are_converted(data_copy) -> None:
    """A site pasted from Amap (GCJ-02) and declared so lands where its WGS84 twin is."""
    from siting.geo import wgs84_to_gcj02

    original = read_sites(DATA / "sites.csv")
    lon, lat = wgs84_to_gcj02(original["lon"].iloc[0], original["lat"].iloc[0])

    def amap(text: str) -> str:
        text = set_cell(text, 0, "lon", f"{float(lon):.7f}")
        text = set_cell(text, 0, "lat", f"{float(lat):.7f}")
        rows = text.splitlines()
        rows[0] += ",coords"
        rows[1] += ",gcj02"
        rows[2:] = [r + "," for r in rows[2:]]
        return "\n".join(rows) + "\n"

    path = data_copy("sites.csv", amap)
    converted = read_sites(path)
    assert converted["lon"].iloc[0] == pytest.approx(original["lon"].iloc[0], abs=1e-6)
    assert converted["lat"].iloc[0] == pytest.approx(original["lat"].iloc[0], abs=1e-6)
    assert converted["lon"].iloc[1] == original["lon"].iloc[1]  # blank: WGS84, unchanged


def test_unknown_coordinate_system(data_copy) -> None:
    def bad(text: str) -> str:
        rows = text.splitlines()
        return (
            "\n".join([rows[0] + ",coords", rows[1] + ",bd09", *(r + "," for r in rows[2:])]) + "\n"
        )

    data_copy("sites.csv", bad)
    with pytest.raises(
        InputError, match=r"line 2 .*field 'coords': expected one of 'wgs84', 'gcj02', got 'bd09'"
    ):
        _load(data_copy)


@pytest.mark.parametrize("name", ["sites.csv", "hubs.csv", "provinces.csv"])
def test_header_without_rows_is_rejected_by_name(data_copy, name) -> None:
    data_copy(name, lambda t: t.splitlines()[0] + "\n")
    what = {"sites.csv": "site", "hubs.csv": "hub", "provinces.csv": "province"}[name]
    with pytest.raises(
        InputError, match=rf"{name}: a header and no rows; expected at least one {what}"
    ):
        _load(data_copy)


def test_csv_with_byte_order_mark_loads(data_copy) -> None:
    path = data_copy.folder / "hubs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(_load(data_copy).hubs) > 0


@pytest.mark.parametrize(
    ("encode", "message"),
    [
        (lambda t: t.encode("utf-16"), r"UTF-16 text; expected a CSV file of sites in UTF-8"),
        (lambda t: t.encode() + "caf\xe9\n".encode("latin-1"), r"line \d+: byte 0xe9"),
        (lambda t: t.encode() + b"\x00\x00", r"line \d+: a NUL byte"),
    ],
)
def test_encodings_are_named(data_copy, encode, message) -> None:
    path = data_copy.folder / "sites.csv"
    path.write_bytes(encode(path.read_text(encoding="utf-8")))
    with pytest.raises(InputError, match=rf"sites.csv: {message}"):
        _load(data_copy)


def test_self_intersecting_province_is_reported_as_such(data_copy) -> None:
    """A bow-tie polygon is named as invalid geometry, not as points lying in no province."""
    from shapely import Polygon

    frame = gpd.read_file(DATA / "provinces.geojson")
    i = int((frame["name_en"] == "Ningxia").to_numpy().nonzero()[0][0])
    frame.loc[i, "geometry"] = Polygon([(105, 36), (107, 39), (107, 36), (105, 39)])
    path = data_copy.folder / "provinces.geojson"
    frame.to_file(path)
    text = data_copy.scenario.read_text().replace(str(DATA / "provinces.geojson"), str(path))
    data_copy.scenario.write_text(text)
    with pytest.raises(
        InputError,
        match=rf"provinces.geojson: feature {i + 1} \(name_en 'Ningxia'\): field 'geometry': "
        r"an invalid polygon \(Self-intersection",
    ) as info:
        _load(data_copy)
    assert "no province" not in str(info.value)
