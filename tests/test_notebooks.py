"""The notebooks run top to bottom offline, and are committed without outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {
    "01-quickstart.ipynb",
    "02-the-inference-shift.ipynb",
    "03-trade-offs.ipynb",
    "05-idle-halls.ipynb",
}
#: A placeholder left in computed text, e.g. "{kpis['new_mw']}" from a missing f prefix.
PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w\[\]'\".:,]*\}")
#: Hosts a notebook output must not load from: it would be blank offline.
CDN = re.compile(
    r"cdn\.jsdelivr|unpkg\.com|cdnjs\.cloudflare|code\.jquery\.com|netdna\.bootstrapcdn"
    r"|maxcdn\.bootstrapcdn|stackpath\.bootstrapcdn|googleapis\.com|rawcdn\.githack"
    r"|rawgit|tile\.openstreetmap|tiles\.stadiamaps|basemaps\.cartocdn|arcgisonline",
    re.IGNORECASE,
)


def test_the_notebooks_are_there() -> None:
    assert {path.name for path in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_stripped(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name} cell {index} has outputs"
            assert cell["execution_count"] is None, f"{path.name} cell {index} has a count"


def test_strip_script_leaves_the_notebooks_unchanged() -> None:
    script = ROOT / "scripts" / "strip_notebooks.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check", *map(str, NOTEBOOKS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the ``python3`` kernel this interpreter (the venv's), whatever else is installed.

    A kernelspec in a private ``JUPYTER_PATH`` entry takes precedence over the user's and the
    system's; ``IPYTHONDIR`` keeps the user's IPython profile and startup files out of the kernel.
    """
    spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (siting tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
    return "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, kernel_name: str, tmp_path: Path) -> None:
    workdir = tmp_path / "work"  # the kernel's working folder: nothing lands in the repo
    workdir.mkdir()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,  # per cell: a loaded 2-core machine, not a speed test
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()  # raises CellExecutionError if a cell fails
    outputs = [
        (index, output)
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for output in cell.outputs
    ]
    stderr = [(i, out["text"]) for i, out in outputs if out.get("name") == "stderr"]
    assert stderr == [], f"{path.name} wrote to stderr (warnings?): {stderr}"
    texts = [
        (i, out["data"]["text/markdown"])
        for i, out in outputs
        if "text/markdown" in out.get("data", {})
    ]
    unfilled = [(i, PLACEHOLDER.findall(text)) for i, text in texts if PLACEHOLDER.search(text)]
    assert unfilled == [], f"{path.name}: placeholders left in computed text: {unfilled}"
    assert list(workdir.iterdir()) == [], f"{path.name} wrote files"
    cdn = [(i, CDN.findall(json.dumps(out))) for i, out in outputs if CDN.search(json.dumps(out))]
    assert cdn == [], f"{path.name}: outputs load from the network: {cdn}"
    if path.name == "01-quickstart.ipynb":  # its map is drawn in a self-contained frame
        html = [
            out["data"]["text/html"] for _, out in outputs if "text/html" in out.get("data", {})
        ]
        assert any(h.startswith("<iframe srcdoc=") and "L.map(" in h for h in html)


def test_cdn_check_can_fail() -> None:
    import folium

    page = folium.Map()._repr_html_()  # folium's own notebook display
    assert CDN.search(page)
