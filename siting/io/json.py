"""JSON files: written atomically, NaN and infinities as ``null``."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from siting.io.temporary import temporary_name


def write_json(path: Path, data: Any) -> None:
    """Write data as indented UTF-8 JSON, NaN and infinities as ``null``, atomically."""
    text = json.dumps(json_safe(data), indent=2, ensure_ascii=False) + "\n"
    tmp = path.with_name(temporary_name(path.name, "tmp"))
    try:
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def json_safe(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) with ``None``, recursively."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return json_safe(value.item())
    return value
