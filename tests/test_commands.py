"""The analysis commands of the CLI end to end on the tiny two-site world."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from siting.cli import main


def _run(args: list[str], capsys) -> str:
    assert main(args) == 0
    return capsys.readouterr().out


def test_audit_command(tiny, tmp_path, capsys) -> None:
    out = _run(
        [
            "audit",
            "--built",
            str(tiny / "boom.toml"),
            "--under",
            str(tiny / "shift.toml"),
            "--out",
            str(tmp_path / "o"),
            "--maps",
            str(tmp_path / "m"),
        ],
        capsys,
    )
    folder = tmp_path / "o" / "audit-boom-under-shift"
    provinces = pd.read_csv(folder / "audit_provinces.csv").set_index("province")
    assert provinces.loc["Ningxia", "idle_mw"] == pytest.approx(100.0)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["idle_mw"] == pytest.approx(100.0)
    assert (tmp_path / "m" / "audit-boom-under-shift.html").exists()
    assert "Idle 100 MW of 100 MW sunk" in out


def test_robust_command(tiny, tmp_path, capsys) -> None:
    out = _run(
        [
            "robust",
            str(tiny / "boom.toml"),
            str(tiny / "shift.toml"),
            "--criterion",
            "regret",
            "--weights",
            "0.3,0.7",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    plans = pd.read_csv(tmp_path / "robust-regret-boom-shift" / "plans.csv")
    assert list(plans["plan"]) == ["plan of boom", "plan of shift", "robust"]
    assert (tmp_path / "robust-regret-boom-shift" / "shift" / "sites.csv").exists()
    assert "cannot serve" in out  # the boom's plan cannot serve the shift


def test_robust_needs_matching_weights(tiny, capsys) -> None:
    assert (
        main(["robust", str(tiny / "boom.toml"), str(tiny / "shift.toml"), "--weights", "1"]) == 2
    )
    assert "field '--weights': expected 2 weights, got 1" in capsys.readouterr().err


def test_whynot_command(tiny, tmp_path, capsys) -> None:
    out = _run(["whynot", str(tiny / "shift.toml"), "--out", str(tmp_path)], capsys)
    sites = pd.read_csv(tmp_path / "whynot-shift" / "sites.csv")
    assert set(sites["site_id"]) == {"west"}
    assert "no hub within its SLA" in out


def test_tradeoff_command(tiny, tmp_path, capsys) -> None:
    out = _run(
        [
            "tradeoff",
            str(tiny / "shift.toml"),
            "--param",
            "costs.carbon_cny_per_t",
            "--values",
            "0,100,200",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    folder = tmp_path / "tradeoff-shift-costs-carbon_cny_per_t-0_100_200"
    table = pd.read_csv(folder / "tradeoff.csv")
    assert table["total_cost_cny"].is_monotonic_increasing
    assert (folder / "tradeoff.png").stat().st_size > 1000
    page = (folder / "tradeoff.html").read_text()
    assert (
        page.count('class="point"') == 3
        and "<title>" in page
        and "http" not in page.split("<svg")[0]
    )
    assert "Cost against costs.carbon_cny_per_t" in out


def test_tradeoff_marks_infeasible_points(tiny, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    _run(
        [
            "tradeoff",
            str(tiny / "shift.toml"),
            "--param",
            "demand.inference_sla_ms",
            "--values",
            "0.5,5",
            "--out",
            str(out),
        ],
        capsys,
    )
    table = pd.read_csv(out / "tradeoff-shift-demand-inference_sla_ms-0.5_5" / "tradeoff.csv")
    assert table["status"].tolist() == ["infeasible", "optimal"]
    assert "no site within 0.5 ms" in table["reason"].iloc[0]


def test_tradeoff_unknown_parameter(tiny, capsys) -> None:
    assert (
        main(["tradeoff", str(tiny / "shift.toml"), "--param", "costs.bogus", "--values", "1"]) == 2
    )
    assert "field 'costs.bogus': unknown parameter" in capsys.readouterr().err


def test_batch_command(tiny, tmp_path, capsys) -> None:
    sweep = tiny / "sweep.toml"
    sweep.write_text(
        'name = "c"\nbase = "shift.toml"\n[grid]\n"costs.carbon_cny_per_t" = [0.0, 50.0]\n'
    )
    out = _run(["batch", str(sweep), "--out", str(tmp_path / "b"), "--workers", "1"], capsys)
    assert "2 scenarios (ok 2); ran 2, skipped 0" in out
    assert len(pd.read_parquet(tmp_path / "b" / "results.parquet")) == 2


def test_compare_command(tiny, tmp_path, capsys) -> None:
    out = _run(
        [
            "compare",
            str(tiny / "boom.toml"),
            str(tiny / "shift.toml"),
            "--out",
            str(tmp_path / "o"),
            "--maps",
            str(tmp_path / "m"),
        ],
        capsys,
    )
    page = (tmp_path / "m" / "compare-boom-shift.html").read_text()
    assert page.count('class="folium-map siting-map"') == 2  # two maps side by side
    assert "<script src=" not in page  # offline: everything inlined
    assert (tmp_path / "o" / "compare-boom-shift" / "summary-shift.json").exists()
    assert "stranded" in out


def test_optimize_cdn_flag_keeps_cdn_links(tiny, tmp_path, capsys) -> None:
    _run(
        [
            "optimize",
            str(tiny / "shift.toml"),
            "--cdn",
            "--quiet",
            "--out",
            str(tmp_path / "o"),
            "--maps",
            str(tmp_path / "m"),
        ],
        capsys,
    )
    page = (tmp_path / "m" / "shift.html").read_text()
    assert '<script src="https://' in page


def test_latency_between_two_places(capsys) -> None:
    out = _run(["latency", "BEIJING", "贵安新区"], capsys)  # any case, Chinese names
    assert "backbone path:" in out and "Beijing - " in out and "Gui'an New Area" in out
    km = float(out.split("modelled route: ")[1].split(" km")[0].replace(",", ""))
    hops = float(out.split(" km, ")[1].split(" hops")[0])
    ip = out.split("\n  ip")[1].split()
    one_way, rtt = float(ip[0]), float(ip[1])
    # docs/latency.md: stretch 1.15, 0.05 ms optical + 0.69 ms IP per hop, one way
    assert one_way == pytest.approx(1.15 * km / 200.0 + (0.05 + 0.69) * hops, abs=0.01)
    assert rtt == pytest.approx(2 * one_way, abs=0.011)
    assert "one-way" in out and "round trip" in out and "internet" in out


def test_latency_matrix(tmp_path, capsys) -> None:
    out = _run(["latency", "--matrix", "--out", str(tmp_path)], capsys)
    table = pd.read_csv(tmp_path / "latency-default" / "matrix.csv")
    assert len(table) == 15 * 30
    for layer in ("optical", "ip", "internet"):
        assert (table[f"{layer}_rtt_ms"] - 2 * table[f"{layer}_one_way_ms"]).abs().max() < 1e-3
    assert (table["floor_one_way_ms"] <= table["optical_one_way_ms"] + 1e-9).all()
    assert (table["optical_one_way_ms"] <= table["ip_one_way_ms"]).all()
    assert (table["ip_one_way_ms"] < table["internet_one_way_ms"]).all()
    assert "hub-site pairs" in out and "round-trip SLA" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["latency", "beijing"], "either two places"),
        (["latency", "atlantis", "guian"], "field 'atlantis': unknown place"),
        (["latency", "bejing", "guian"], "did you mean 'beijing'"),
    ],
)
def test_latency_bad_arguments(args, message, capsys) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_tradeoff_over_named_values(tiny, tmp_path, capsys) -> None:
    """Swept names (not numbers) are shown as text: the README's layer sweep ran into `:g`."""
    args = ["tradeoff", str(tiny / "shift.toml"), "--param", "latency.layer"]
    out = _run([*args, "--values", "optical,ip", "--out", str(tmp_path)], capsys)
    table = pd.read_csv(tmp_path / "tradeoff-shift-latency-layer-optical_ip" / "tradeoff.csv")
    assert table["latency.layer"].tolist() == ["optical", "ip"]
    assert "Cost against latency.layer" in out
