"""``siting latency``: latency between two places, or the hub x site matrix."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from siting import settings
from siting.cli.checks import check_outputs, load_scenarios
from siting.cli.options import output_arguments, print_arguments
from siting.cli.output import emit, stages
from siting.errors import InputError, Problem

if TYPE_CHECKING:
    import pandas as pd

    from siting.routes import PointRoute
    from siting.scenario import Latency

HELP = "one-way and round-trip latency between two places, or the hub x site matrix"
DESCRIPTION = (
    "With FROM and TO (hubs, sites, backbone nodes or prefecture seats by id, English "
    "or Chinese name, any case; or 'lon,lat'): print the route and the one-way and "
    "round-trip latency at the optical, IP and internet layers (docs/latency.md). "
    "With --matrix: write "
    "every hub x site pair at every layer to OUT/latency-<scenario>/matrix.csv."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    parser.add_argument("places", nargs="*", metavar="FROM TO", help="two places")
    parser.add_argument("--matrix", action="store_true", help="write the hub x site matrix")
    parser.add_argument(
        "--scenario",
        default=None,
        metavar="SCENARIO",
        help="scenario whose latency parameters and layers apply (default: 'default')",
    )
    output_arguments(parser)
    print_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check the places or ``--matrix``, the scenario and, for the matrix, ``--out``."""
    if args.matrix == bool(args.places) or len(args.places) not in (0, 2):
        expected = f"expected either two places (FROM TO) or --matrix, got {args.places!r}"
        raise InputError([Problem("latency", "", "FROM TO", expected)])
    load_scenarios([args.scenario])
    if args.matrix:
        check_outputs(args)


def run(args: argparse.Namespace) -> int:
    """Look up the route between two places, or write the matrix; return the exit status."""
    from siting.io import publish, write_csv
    from siting.pipeline import prepare
    from siting.routes import latency_between, latency_table

    with stages(args, "latency") as stage:
        stage("load")
        prepared = prepare(args.scenario)
        lat = prepared.scenario.latency
        if not args.matrix:
            result = latency_between(prepared, *args.places)
        else:
            table = latency_table(prepared)

            def write(folder: Path) -> None:
                write_csv(table, folder / "matrix.csv")
                column = f"{lat.layer}_rtt_ms"
                wide = table.pivot(index="hub_id", columns="site_id", values=column)
                write_csv(wide.reset_index(), folder / f"{column}.csv")

            name = f"latency-{prepared.scenario.name}"
            folder, _ = publish(name, Path(args.out or settings.out_dir), write)
    if not args.matrix:
        return show_route(args, result, lat)
    return show_matrix(args, table, lat, folder)


def show_route(args: argparse.Namespace, result: PointRoute, lat: Latency) -> int:
    """Print the route and its latency at every layer (or JSON, or one line); return 0."""
    from siting.report import print_latency

    data = {
        "from": result.names[0],
        "to": result.names[1],
        "model": lat.model,
        "scenario_layer": lat.layer,
        "route_km": result.route_km,
        "hops": result.hops,
        "one_way_ms": result.one_way_ms,
        "round_trip_ms": {k: 2 * v for k, v in result.one_way_ms.items()},
        "fibre_floor_one_way_ms": result.floor_one_way_ms,
    }
    rtt = 2 * result.one_way_ms[lat.layer]
    line = f"{result.names[0]} -> {result.names[1]}: {rtt:.2f} ms round trip ({lat.layer})"
    emit(args, lambda: print_latency(result, lat), data, [], quiet_line=line)
    return 0


def show_matrix(args: argparse.Namespace, table: pd.DataFrame, lat: Latency, folder: Path) -> int:
    """Print where the matrix went and its size (or JSON, or the folder); return 0."""
    from siting.report import print_latency_matrix

    data = {"pairs": len(table), "tables": folder}
    emit(args, lambda: print_latency_matrix(table, lat, folder), data, [folder])
    return 0
