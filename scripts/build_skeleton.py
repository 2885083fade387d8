"""Render the map pages shipped in ``siting/maps/static/skeleton.json`` with folium.

A map page's skeleton depends only on constants and on the versions of folium, branca and
Jinja (see :mod:`siting.maps.skeleton`); runs use the shipped one under the same versions, so
a map needs no folium import. Rerun this after upgrading any of them;
``tests/test_maps.py`` fails until then.

Run: ``.venv/bin/python scripts/build_skeleton.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from siting.maps.skeleton import SHIPPED_FILE, shipped_pages

TARGET = Path(__file__).resolve().parents[1] / "siting" / "maps" / "static" / SHIPPED_FILE


def main() -> None:
    text = json.dumps(shipped_pages(), indent=1, ensure_ascii=False, sort_keys=True)
    TARGET.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
