"""Reading and validating the fibre backbone layer (siting.backbone)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting.backbone import read_backbone
from siting.errors import InputError
from siting.geo import haversine_km

DATA = Path(__file__).resolve().parents[1] / "data"
NODES_CSV = DATA / "backbone_nodes.csv"
EDGES_CSV = DATA / "backbone_edges.csv"

NODES = """node_id,name,name_zh,province,lon,lat
a,Alpha,甲,Sichuan,104.0,30.0
b,Bravo,乙,Sichuan,105.0,30.0
c,Charlie,丙,Chongqing,106.0,30.0
"""
# a-b and b-c are about 96.3 km apart (great-circle)
EDGES = """u,v,route_km,route,length_basis,confidence
a,b,120,Test line,great-circle x 1.25,estimate
b,c,120,Test line,great-circle x 1.25,estimate
"""


def write(tmp_path: Path, nodes: str = NODES, edges: str = EDGES) -> tuple[Path, Path]:
    n, e = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    n.write_text(nodes, encoding="utf-8")
    e.write_text(edges, encoding="utf-8")
    return n, e


def test_shipped_backbone_reads_and_is_plausible() -> None:
    nodes, edges = read_backbone(NODES_CSV, EDGES_CSV)
    assert 80 <= len(nodes) <= 150
    assert nodes.crs == "EPSG:4326" and edges.crs == "EPSG:4326"
    assert set(nodes.geom_type) == {"Point"} and set(edges.geom_type) == {"LineString"}
    assert nodes["province"].nunique() == 31  # every mainland province
    assert (edges["route_km"] > 0).all()
    xy = nodes.set_index("node_id")
    gc = haversine_km(
        xy.loc[edges["u"], "lon"], xy.loc[edges["u"], "lat"],
        xy.loc[edges["v"], "lon"], xy.loc[edges["v"], "lat"],
    )  # fmt: skip
    assert np.all(edges["route_km"].to_numpy() >= gc - 0.01)
    assert set(edges["confidence"]) <= {"official", "secondary", "estimate"}
    assert edges.attrs["source"] == str(EDGES_CSV)


def test_small_backbone_reads(tmp_path: Path) -> None:
    nodes, edges = read_backbone(*write(tmp_path))
    assert list(nodes["node_id"]) == ["a", "b", "c"]
    assert list(edges.columns) == [
        "u", "v", "route_km", "route", "length_basis", "confidence", "geometry",
    ]  # fmt: skip
    assert edges.geometry.iloc[0].coords[:] == [(104.0, 30.0), (105.0, 30.0)]


def test_edge_to_unknown_node(tmp_path: Path) -> None:
    edges = EDGES + "c,zz,300,Test line,,estimate\n"
    with pytest.raises(
        InputError, match=r"edges\.csv: line 4 \(edge 'c–zz'\): field 'v': unknown node 'zz'"
    ):
        read_backbone(*write(tmp_path, edges=edges))


@pytest.mark.parametrize(
    ("value", "found"), [("-5", "got -5"), ("0", "got 0"), ("nan", "got 'nan'"), ("", "empty")]
)
def test_length_must_be_a_positive_number(tmp_path: Path, value: str, found: str) -> None:
    edges = EDGES.replace("a,b,120", f"a,b,{value}")
    pattern = rf"edges\.csv: line 2 \(edge 'a–b'\): field 'route_km': .*{found}"
    with pytest.raises(InputError, match=pattern):
        read_backbone(*write(tmp_path, edges=edges))


def test_self_loop(tmp_path: Path) -> None:
    edges = EDGES + "b,b,10,Test line,,estimate\n"
    with pytest.raises(InputError, match=r"line 4 \(edge 'b–b'\): field 'v': self-loop"):
        read_backbone(*write(tmp_path, edges=edges))


def test_duplicate_node_id(tmp_path: Path) -> None:
    nodes = NODES + "b,Bravo again,,Sichuan,105.5,30.5\n"
    with pytest.raises(
        InputError, match=r"nodes\.csv: lines 3, 5: field 'node_id': duplicate id 'b'"
    ):
        read_backbone(*write(tmp_path, nodes=nodes))


def test_route_shorter_than_great_circle_is_impossible(tmp_path: Path) -> None:
    edges = EDGES.replace("b,c,120", "b,c,90")
    pattern = (
        r"line 3 \(edge 'b–c'\): field 'route_km': 90 km is shorter than the great-circle "
        r"distance \(96\.\d km\) .*physically impossible"
    )
    with pytest.raises(InputError, match=pattern):
        read_backbone(*write(tmp_path, edges=edges))


@pytest.mark.parametrize(
    ("which", "column", "file"), [("nodes", "lat", "nodes"), ("edges", "route_km", "edges")]
)
def test_missing_column(tmp_path: Path, which: str, column: str, file: str) -> None:
    text = {"nodes": NODES, "edges": EDGES}[which]
    header, *rows = text.splitlines()
    keep = [i for i, c in enumerate(header.split(",")) if c != column]
    lines = [",".join(line.split(",")[i] for i in keep) for line in [header, *rows]]
    files = write(tmp_path, **{which: "\n".join(lines) + "\n"})
    pattern = rf"{file}\.csv: header: field '{column}': missing column"
    with pytest.raises(InputError, match=pattern):
        read_backbone(*files)


def test_duplicate_edge_either_direction(tmp_path: Path) -> None:
    edges = EDGES + "b,a,130,Other line,,estimate\n"
    with pytest.raises(InputError, match=r"line 4 \(edge 'b–a'\): field 'u/v': duplicate edge"):
        read_backbone(*write(tmp_path, edges=edges))


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    edges = EDGES.replace("b,c,120", "b,c,90") + "c,zz,300,Test line,,estimate\n"
    with pytest.raises(InputError) as caught:
        read_backbone(*write(tmp_path, edges=edges))
    assert [p.field for p in caught.value.problems] == ["route_km", "v"]
    assert str(caught.value).startswith("2 problems in the input")


def test_node_outside_china(tmp_path: Path) -> None:
    nodes = NODES.replace("106.0,30.0", "30.0,106.0")
    with pytest.raises(InputError, match=r"line 4 \(node_id 'c'\): field 'lon/lat': .*outside"):
        read_backbone(*write(tmp_path, nodes=nodes))
