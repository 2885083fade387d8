"""Outputs never cost a user a file, and data never turns into code where outputs are read.

Three guarantees (docs/security.md): every writer publishes into a folder only if the folder
is new, empty or an earlier siting output holding nothing else, and refuses anything else
untouched; every CSV cell that a spreadsheet would run as a formula is written as text; no
control character from a data file reaches the terminal.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import siting
from siting.cli import main
from siting.errors import InputError
from siting.io import FORMULA_STARTS, MARKER, clean_abandoned, publish, temporary_name, write_csv
from siting.terminal import printable, printable_output

from .test_batch import _two_point_sweep
from .test_layers import set_cell

PACKAGE = Path(siting.__file__).parent


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under a folder: a file's SHA-256, a folder's mark."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            found[os.path.relpath(os.path.join(root, name), folder)] = "dir"
        for name in files:
            path = os.path.join(root, name)
            found[os.path.relpath(path, folder)] = hashlib.sha256(
                Path(path).read_bytes()
            ).hexdigest()
    return found


def users_folder(folder: Path) -> dict[str, str]:
    """Make ``folder`` a user's: a ``.git`` and a file of their own; return its snapshot."""
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "notes.txt").write_text("mine\n")
    return snapshot(folder)


# --- no silent loss -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan() -> siting.Plan:
    return siting.optimize()


def test_to_file_refuses_a_users_folder_untouched(plan, tmp_path, monkeypatch) -> None:
    """The issue's reproducer: to_file on the working folder holding .git and a user file."""
    before = users_folder(tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    for folder in (Path.cwd(), Path("."), tmp_path / "p"):
        with pytest.raises(InputError, match="is not empty and is not a siting output folder"):
            plan.to_file(folder)
    assert snapshot(tmp_path / "p") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]  # no staging left beside it


def test_to_file_replaces_its_own_output_and_keeps_a_folder_in_place(
    plan, tmp_path, monkeypatch
) -> None:
    out = tmp_path / "out"
    assert plan.to_file(out) == out
    assert "map.html" in os.listdir(out) and MARKER in os.listdir(out)
    plan.to_file(out, with_map=False)  # an earlier output is replaced: its map is gone
    assert "map.html" not in os.listdir(out)
    (out / "notes.txt").write_text("mine")  # ... unless a user added to it
    with pytest.raises(InputError, match=r"holds files siting did not write \(notes.txt\)"):
        plan.to_file(out)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    plan.to_file(".")  # an empty working folder is filled, not replaced ...
    plan.to_file(".", with_map=False)  # ... again
    assert Path.cwd() == empty and os.stat(".").st_ino == os.stat(empty).st_ino
    assert "sites.csv" in os.listdir(empty) and "map.html" not in os.listdir(empty)


def test_an_output_reached_through_a_link_is_filled_and_the_link_kept(tmp_path) -> None:
    real = tmp_path / "real"
    publish("real", tmp_path, lambda f: (f / "a.txt").write_text("1"))
    (tmp_path / "link").symlink_to(real)
    publish("link", tmp_path, lambda f: (f / "b.txt").write_text("2"))
    assert (tmp_path / "link").is_symlink()
    assert sorted(os.listdir(real)) == sorted([MARKER, "b.txt"])


def test_a_killed_publishers_leftovers_are_removed_and_live_ones_kept(tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = temporary_name("same", "staging")
    host = mine.split("-")[1:-2]
    stale = [
        f".same.staging-{'-'.join(host)}-{dead.pid}-{'a' * 32}",
        f".same.old-{'-'.join(host)}-{dead.pid}-{'b' * 32}",
        f".other.tmp-{'-'.join(host)}-{dead.pid}-{'c' * 32}.html",
        f".same.staging-{'d' * 32}",  # named before names carried a process id, and old
    ]
    kept = [
        mine,  # this process is alive
        f".same.staging-{'e' * 32}",  # an old-style name, but recent
        ".notes",  # not siting's
    ]
    for name in stale + kept:
        (out / name).mkdir() if "html" not in name else (out / name).write_text("x")
    day_ago = time.time() - 2 * 86400
    os.utime(out / stale[3], (day_ago, day_ago))
    publish("same", out, lambda folder: (folder / "a.txt").write_text("a"))
    assert sorted(os.listdir(out)) == sorted([*kept, "same"])
    assert clean_abandoned(out) == []


_KILLED_PUBLISHER = """
import sys, time
from pathlib import Path
from siting.io import publish

def write(folder):
    (folder / "a.txt").write_text("half")
    print("writing", flush=True)
    time.sleep(300)

publish("same", Path(sys.argv[1]), write)
"""


def test_a_sigkilled_publish_is_cleaned_up_by_the_next(tmp_path) -> None:
    out = tmp_path / "out"
    script = tmp_path / "publisher.py"
    script.write_text(_KILLED_PUBLISHER)
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    with subprocess.Popen(
        [sys.executable, str(script), str(out)], stdout=subprocess.PIPE, text=True, env=env
    ) as child:
        assert child.stdout.readline() == "writing\n"
        child.kill()  # SIGKILL: no finally block runs
        child.wait()
    assert [p.name for p in out.iterdir() if ".staging-" in p.name]  # left behind
    publish("same", out, lambda folder: (folder / "a.txt").write_text("whole"))
    assert sorted(os.listdir(out)) == ["same"]
    assert (out / "same" / "a.txt").read_text() == "whole"


def test_a_map_path_held_by_a_users_file_is_refused(tmp_path) -> None:
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "same.html").write_text("<html>my page</html>")
    with pytest.raises(InputError, match="is not a map siting wrote"):
        publish("same", tmp_path / "out", lambda f: None, fmap=object(), maps_dir=maps)
    assert (maps / "same.html").read_text() == "<html>my page</html>"
    assert not (tmp_path / "out" / "same").exists()


def test_a_saved_map_replaces_only_a_siting_page(plan, tmp_path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html>mine</html>")
    view = plan.explore()
    with pytest.raises(InputError, match="is not a map siting wrote"):
        view.save(page)
    assert page.read_text() == "<html>mine</html>"
    view.save(tmp_path / "new.html")
    view.save(tmp_path / "new.html")  # its own page is replaced


#: Every command that writes, its arguments on the ``tiny`` scenarios, and the folder it
#: writes (under ``--out``; ``None``: ``--out`` itself).
WRITERS = {
    "optimize": (["optimize", "boom.toml"], "boom"),
    "compare": (["compare", "boom.toml", "shift.toml"], "compare-boom-shift"),
    "classic": (
        ["classic", "shift.toml", "--sites", "1", "--kinds", "p-median"],
        "classic-shift-p1-p-median",
    ),
    "plan": (["plan", "hz.toml"], "hz-plan"),
    "audit": (["audit", "--built", "boom.toml", "--under", "shift.toml"], "audit-boom-under-shift"),
    "robust": (["robust", "boom.toml", "shift.toml"], "robust-expected-boom-shift"),
    "whynot": (["whynot", "shift.toml"], "whynot-shift"),
    "tradeoff": (
        ["tradeoff", "shift.toml", "--param", "demand.inference_sla_ms", "--values", "5,10"],
        "tradeoff-shift-demand-inference_sla_ms-5_10",
    ),
    "latency": (["latency", "--matrix", "--scenario", "shift.toml"], "latency-shift"),
    "batch": (["batch", "SWEEP"], None),
}


#: Commands that know their output folder's name before any data loads.
BEFORE_ANY_WORK = ("optimize", "compare", "classic", "plan", "batch")


def horizon_scenario(tiny: Path) -> Path:
    """``hz.toml``: the tiny inference scenario planned over 2024-2025."""
    path = tiny / "hz.toml"
    path.write_text(
        'extends = "shift.toml"\nname = "hz"\n[horizon]\nyears = [2024, 2025]\n'
        'lead_time_years = 1\nexisting = "flat"\n'
    )
    return path


@pytest.mark.parametrize("command", list(WRITERS))
def test_every_writer_leaves_a_users_folder_untouched(
    command, tiny, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tiny)
    horizon_scenario(tiny)
    argv, name = WRITERS[command]
    argv = [str(_two_point_sweep(tiny, "sweep")) if a == "SWEEP" else a for a in argv]
    out = tmp_path / "out"
    target = out if name is None else out / name
    before = users_folder(target)
    options = ["--out", str(out), "--quiet"]
    if command in ("optimize", "compare", "classic", "plan", "audit"):
        options += ["--maps", str(tmp_path / "maps")]
    if command in BEFORE_ANY_WORK:

        def no_data(*args, **kwargs):
            raise AssertionError("data loaded before the output folder was checked")

        monkeypatch.setattr("siting.pipeline.load_layers", no_data)
    assert main([*argv, *options]) == 2
    err = capsys.readouterr().err
    assert "is not empty and is not a siting output folder" in err, err
    assert "Traceback" not in err
    assert snapshot(target) == before
    if name is not None:
        assert os.listdir(out) == [name]  # no staging folder left beside it
    assert not (tmp_path / "maps").exists() or os.listdir(tmp_path / "maps") == []


# --- data that turns into code elsewhere ----------------------------------------------------

#: Spreadsheet formulas planted in names and ids (OWASP, "CSV Injection").
FORMULAS = ['=HYPERLINK("x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTAB", "=1+1"]


def hostile_tiny(tiny: Path) -> None:
    """Plant a formula in every name and id of the tiny layers."""

    def edit(name: str, cells: dict[tuple[int, str], str]) -> None:
        text = (tiny / name).read_text(encoding="utf-8")
        for (row, column), value in cells.items():
            text = set_cell(text, row, column, value)
        (tiny / name).write_text(text, encoding="utf-8")

    edit(
        "sites.csv",
        {(0, "name"): FORMULAS[0], (1, "name"): FORMULAS[1], (1, "site_id"): FORMULAS[2]},
    )
    edit("hubs.csv", {(0, "name"): FORMULAS[3], (0, "hub_id"): FORMULAS[5]})


def live_cells(folder: Path) -> list[tuple[str, str]]:
    """Cells of every CSV under a folder that a spreadsheet would run: (file, cell)."""
    live = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                for cell in row:
                    if cell.startswith(FORMULA_STARTS) and not _number(cell):
                        live.append((path.name, cell))
    return live


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    "command", ["optimize", "classic", "plan", "audit", "robust", "whynot", "latency"]
)
def test_formulas_in_names_reach_no_csv_live(command, tiny, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tiny)
    horizon_scenario(tiny)
    hostile_tiny(tiny)
    argv, _ = WRITERS[command]
    out = tmp_path / "out"
    options = ["--out", str(out), "--quiet"]
    if command in ("optimize", "classic", "plan", "audit"):
        options += ["--no-map"]
    assert main([*argv, *options]) == 0, capsys.readouterr().err
    written = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.csv"))
    assert re.search("'(=HYPERLINK|@SUM|-2\\+3|\\+cmd|=1\\+1)", written)  # the names got there
    assert live_cells(out) == []


def test_every_csv_is_written_by_write_csv() -> None:
    """One writer neutralises formulas: no module writes a CSV another way."""
    calls = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in PACKAGE.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".to_csv(" in line or "csv.writer(" in line
    ]
    tables = PACKAGE / "io" / "tables.py"
    assert calls == [f"io/tables.py:{_line_of('safe.to_csv(', tables)}"]


def _line_of(text: str, path: Path) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_write_csv_neutralises_text_and_keeps_numbers(tmp_path) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "name": [*FORMULAS, "ok", None],
            "value": [-1.5, -0.0, 0.0, 2.0, math.nan, 1e-300, -7.0, 3.0],
            "count": [-1, 2, 3, 4, 5, 6, 7, 8],
            "=header": ["\rCR", "a", "-", "b", "c", "d", "e", "f"],
        }
    )
    write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", keep_default_na=False)
    assert back["name"].tolist()[:6] == [f"'{f}" for f in FORMULAS]
    assert back["name"].tolist()[6:] == ["ok", ""]
    assert list(back.columns) == ["name", "value", "count", "'=header"]
    text = (tmp_path / "t.csv").read_text()
    assert "-0.0" not in text and ",-1.5," in text and ",-1," in text and "1e-300" in text
    assert back["count"].tolist() == frame["count"].tolist()
    assert math.copysign(1.0, frame["value"][1]) == -1.0  # the input is unchanged


# --- control characters never reach the terminal --------------------------------------------

ESC = "\x1b[31mRED\x1b[0m\x1b]8;;http://x\x07link\x1b]8;;\x07\x9b2J\u202eevil\x07\x08"


def test_printable_removes_every_control_character_but_newline() -> None:
    assert printable(f"a{ESC}\nb\tc\x7f\x85") == "a[31mRED[0m]8;;http://xlink]8;;2Jevil\nbc"
    assert printable("北京 (Beijing) – ok") == "北京 (Beijing) – ok"


def test_escape_codes_in_a_site_name_do_not_reach_the_terminal(tiny, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tiny)
    text = (tiny / "sites.csv").read_text()
    text = set_cell(set_cell(text, 0, "name", f"Zhong{ESC}wei"), 1, "name", f"Shang{ESC}hai")
    (tiny / "sites.csv").write_text(text)
    horizon_scenario(tiny)
    runs = [
        ["optimize", "shift.toml", "--no-map"],
        ["classic", "shift.toml", "--sites", "1", "--kinds", "p-median", "--no-map"],
        ["latency", "east", "shanghai", "--scenario", "shift.toml"],
        ["whynot", "shift.toml", "--json"],
    ]
    for argv in runs:
        assert main([*argv, "--out", "out"] if argv[0] != "latency" else argv) == 0
        out, err = capsys.readouterr()
        assert "Shang" in out or "Zhong" in out, argv
        found = re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out + err)
        assert found == [], (argv, found)
    assert "\\u001b[31mRED" in out and "\\u009b2J" in out  # JSON keeps the name, escaped
    assert any("\x1b" in site["name"] for site in json.loads(out)["sites"])


def test_rich_styles_still_reach_a_terminal(monkeypatch) -> None:
    """Only data is cleaned: a console's own styles pass beneath the printable streams."""
    import io

    from siting.report import TerminalConsole

    raw = io.StringIO()
    monkeypatch.setattr(sys, "stdout", raw)
    with printable_output():
        console = TerminalConsole(force_terminal=True, color_system="standard")
        console.print(f"[bold]x[/bold] {ESC}")
        print(f"plain {ESC}")
    text = raw.getvalue()
    assert "\x1b[1m" in text  # rich's bold
    assert "\x1b[31m" not in text and "\x9b" not in text and "\u202e" not in text


# --- smaller ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "name", "tables"),
    [
        ("classic", "classic-shift-p1-p-median", ("plans.csv", "sites.csv", "hubs.csv")),
        ("tradeoff", "tradeoff-shift-demand-inference_sla_ms-5_10", ("tradeoff.csv",)),
    ],
)
def test_tables_hold_no_timing(command, name, tables, tiny, monkeypatch, tmp_path) -> None:
    """Two identical runs write identical tables; the seconds are in summary.json."""
    monkeypatch.chdir(tiny)
    argv = [*WRITERS[command][0], "--quiet"] + (["--no-map"] if command == "classic" else [])
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    for table in tables:
        a, b = ((tmp_path / x / name / table).read_text() for x in "ab")
        assert a == b, table
        assert "seconds" not in a
    summary = json.loads((tmp_path / "a" / name / "summary.json").read_text())
    seconds = (
        summary["plans"][0]["solver"]["seconds"]
        if command == "classic"
        else summary["solve_seconds"][0]
    )
    assert seconds >= 0


def test_batch_tables_hold_no_timing(tiny) -> None:
    from siting.batch import _write_record, combine
    from siting.sweep import load_sweep

    sweep = load_sweep(_two_point_sweep(tiny, "t"))
    records = tiny / "records"
    records.mkdir()
    for i, point in enumerate(sweep.points):
        record = {
            "status": "ok",
            "kpis": {"status": "optimal", "solve_seconds": 1.5 + i, "total_cost_cny": 1e9},
            "sites": [{"site_id": "west", "hosted_mw": 1.0}],
            "timings_s": {"prepare": 0.25, "solve": 1.5 + i},
        }
        _write_record(records / f"{point.key}.json", point, record)
    table, _, summary = combine(sweep, records)
    assert not [c for c in table.columns if "seconds" in c]
    assert summary["seconds"]["solve"]["max"] == 2.5
    assert summary["seconds"]["prepare"]["mean"] == 0.25


def test_a_missing_vintage_names_the_site_as_text(tmp_path, capsys) -> None:
    scenario = tmp_path / "pz.toml"
    scenario.write_text('extends = "prefecture"\nname = "pz"\n[horizon]\nyears = [2024, 2025]\n')
    assert main(["plan", str(scenario), "--out", str(tmp_path / "out"), "--no-map"]) == 2
    err = capsys.readouterr().err
    assert re.search(r"have no rows \(e.g. 'c\d+'\)", err), err
    assert "np.str_" not in err


def test_no_negative_zero_in_vouchers(plan, tmp_path, capsys) -> None:
    """No voucher is paid in the default scenario: its column is 0, never -0."""
    plan.to_file(tmp_path / "o", with_map=False)
    with (tmp_path / "o" / "sites.csv").open() as f:
        column = [row["cost_voucher_cny"] for row in csv.DictReader(f)]
    assert column and set(column) == {"0.0"}
    zeros = plan.results.sites["cost_voucher_cny"]
    assert all(math.copysign(1.0, v) > 0 for v in zeros)
    assert main(["optimize", "--out", str(tmp_path / "out"), "--no-map"]) == 0
    printed = capsys.readouterr().out
    assert not re.search(r"(?<![\d,.])-0(?![\d,.])", printed)


def test_a_margin_plan_prints_its_margin(tmp_path) -> None:
    from siting.horizon_run import horizon_report, run_horizon

    run = run_horizon("2023-2025-margin", write=False)
    first = horizon_report(run).splitlines()[1]
    assert first.startswith("PV margin ") and "PV cost" not in first
    margin = float(first.split()[2].replace(",", ""))
    assert margin == pytest.approx(-run.solution.objective / 1e9, abs=0.06)
