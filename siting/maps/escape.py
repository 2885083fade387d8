"""Make data strings safe in an HTML page: as HTML text, and as JSON inside a script block.

These two functions are the only way data reaches a page. The page's skeleton is rendered by
folium from constants alone; the data is joined to it afterwards as a string, so it never
becomes template source (Jinja, branca) or code.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Characters written as HTML character references, in one pass: ``html.escape``'s
#: ``& < > " '``, backticks and dollars (JavaScript template literals) and the delimiters of
#: common template languages (Jinja, branca, Mustache), so escaped text stays inert even if
#: it is ever pasted into a template.
_HTML = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'`${}%#"})

#: Characters written as ``\\uXXXX`` escapes in JSON inside a ``<script>`` element: no
#: string can close the element (``</script>``), open an HTML comment (``<!--``) or break
#: an older JavaScript parser (U+2028/9).
_SCRIPT_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


@dataclass(frozen=True)
class RawJSON:
    """A JSON value already written as text, joined to :func:`script_json`'s output as it is.

    For shapes: GEOS writes their GeoJSON (:func:`siting.maps.shapes.geojson`) with the
    numbers Python's ``json`` would write, and the page needs no second writing of them.

    Attributes
    ----------
    text
        The JSON text (no data strings in it: it is escaped with the rest, but not checked).
    """

    text: str


def missing(value: Any) -> bool:
    """Tell whether a value is absent: ``None`` or a float NaN."""
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def esc(value: object) -> str:
    """Escape a data string as HTML text or attribute value; ``""`` for a missing value.

    Parameters
    ----------
    value
        Any value; it is converted with ``str``.

    Returns
    -------
    str
        Text a browser shows literally, with no tag, entity, script or template syntax left.
    """
    if missing(value):
        return ""
    return str(value).translate(_HTML)


def script_json(value: Any) -> str:
    r"""Write a value as JSON that is safe as the content of a ``<script>`` element.

    Parameters
    ----------
    value
        A JSON value (dicts, lists, strings, finite numbers, booleans, ``None``), which may
        hold :class:`RawJSON` texts.

    Returns
    -------
    str
        JSON with ``<``, ``>``, ``&`` and U+2028/9 written as ``\uXXXX`` escapes.

    Raises
    ------
    ValueError
        For a NaN or infinite number.
    """
    raw: list[str] = []
    token = secrets.token_hex(16)  # marks each raw text's place; unguessable to any data

    def place(item: Any) -> str:
        if not isinstance(item, RawJSON):
            raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")
        raw.append(item.text)
        return f"{token}{len(raw) - 1}"

    text = json.dumps(
        value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=place
    )
    if raw:
        text = re.sub(f'"{token}(\\d+)"', lambda found: raw[int(found[1])], text)
    for char, escape in _SCRIPT_ESCAPES:  # str.replace: much faster than translate here
        text = text.replace(char, escape)
    return text
