"""Strip outputs, execution counts and editor metadata from the notebooks, in place.

Run it before committing a notebook:

    .venv/bin/python scripts/strip_notebooks.py            # notebooks/*.ipynb
    .venv/bin/python scripts/strip_notebooks.py a.ipynb    # given files
    .venv/bin/python scripts/strip_notebooks.py --check    # change nothing; exit 1 if not stripped

What is kept: every cell's source, type, id and ``tags``; markdown attachments; the notebook's
kernel (normalised to the standard ``python3`` kernelspec) and language. What goes: outputs,
execution counts, all other cell metadata (timings, collapsed/scrolled state, ...) and all other
notebook metadata (widget state, editor settings, the Python version of the last run). The
result depends only on the content, so stripping twice changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
#: Cell metadata worth keeping (nbclient reads tags such as ``raises-exception``).
CELL_METADATA_KEPT = ("tags",)


def strip(notebook: dict[str, Any]) -> dict[str, Any]:
    """Return a stripped copy of a notebook given as its JSON dictionary."""
    nb = json.loads(json.dumps(notebook))
    nb["metadata"] = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    nb["nbformat"] = 4
    nb["nbformat_minor"] = max(int(nb.get("nbformat_minor", 0)), 5)
    taken = {cell["id"] for cell in nb["cells"] if cell.get("id")}
    for index, cell in enumerate(nb["cells"]):
        if not cell.get("id"):  # ids are required from nbformat 4.5; make them deterministic
            new_id = f"cell-{index}"
            while new_id in taken:
                new_id += "-x"
            cell["id"] = new_id
            taken.add(new_id)
        meta = cell.get("metadata", {})
        cell["metadata"] = {k: meta[k] for k in CELL_METADATA_KEPT if meta.get(k)}
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


def render(notebook: dict[str, Any]) -> str:
    """Serialise a notebook as Jupyter does (sorted keys, indent 1), ending with a newline."""
    node = nbformat.from_dict(notebook)
    nbformat.validate(node)
    text = nbformat.writes(node, version=nbformat.NO_CONVERT)
    return text if text.endswith("\n") else text + "\n"


def strip_file(path: Path, *, check: bool = False) -> bool:
    """Strip one notebook file in place (unless ``check``); return whether it changed."""
    old = path.read_text(encoding="utf-8")
    new = render(strip(json.loads(old)))
    if new == old:
        return False
    if not check:
        path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook is not stripped"
    )
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    changed = [path for path in paths if strip_file(path, check=args.check)]
    for path in changed:
        verb = "not stripped" if args.check else "stripped"
        print(f"{path}: {verb}")
    if args.check and changed:
        print("run: .venv/bin/python scripts/strip_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
