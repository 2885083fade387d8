"""Column-by-column checks of tabular inputs that collect every problem before raising."""

from __future__ import annotations

import difflib
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from siting.errors import InputError, Problem

CONFIDENCE = ("official", "secondary", "estimate")


@dataclass(frozen=True)
class Column:
    """What one column of an input table must hold.

    Parameters
    ----------
    name
        Column name.
    number
        Values are numbers (else text).
    required
        The column must be present.
    blank_ok
        A row may leave the value empty.
    minimum
        Smallest allowed number.
    positive
        Numbers must be strictly above ``minimum``.
    maximum
        Largest allowed number: a bound far above any real value, so absurd numbers (1e300)
        are rejected here rather than surfacing as solver trouble.
    choices
        Allowed text values.
    """

    name: str
    number: bool = False
    required: bool = True
    blank_ok: bool = False
    minimum: float | None = None
    positive: bool = False
    maximum: float | None = None
    choices: Sequence[str] | None = None

    def describe(self) -> str:
        """Say in words what a value must be."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if not self.number:
            return "a non-empty text"
        if self.minimum is None:
            return "a number"
        low = f"a number {'>' if self.positive else '≥'} {self.minimum:g}"
        return low if self.maximum is None else f"{low} and ≤ {self.maximum:g}"


@dataclass(frozen=True)
class Rows:
    """How rows are named in messages: ``line N`` of a CSV file, ``feature N`` of a layer.

    Parameters
    ----------
    unit
        ``"line"`` or ``"feature"``.
    first
        Number of the first data row (2 for a CSV file with one header line).
    """

    unit: str = "line"
    first: int = 2

    def label(self, i: int | np.integer, key: str = "", value: object = None) -> str:
        """Name row ``i`` (0-based) and, when known, its id."""
        name = f"{self.unit} {i + self.first}"
        return f"{name} ({key} {value!r})" if isinstance(value, str) and value else name


CSV_ROWS = Rows("line", 2)
FEATURE_ROWS = Rows("feature", 1)


def check_columns(
    frame: pd.DataFrame,
    columns: Iterable[Column],
    *,
    source: str,
    key: str,
    rows: Rows = CSV_ROWS,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check and convert the columns of a table read as text.

    Parameters
    ----------
    frame
        The table as read, cells as text, numbers or missing.
    columns
        The schema.
    source
        File name for messages.
    key
        The id column used to name rows in messages.
    rows
        How rows are named in messages.

    Returns
    -------
    tuple of pandas.DataFrame and list of Problem
        The table with numeric columns converted (absent optional columns added as missing),
        and every problem found.
    """
    columns = list(columns)
    problems: list[Problem] = []
    out = frame.copy()
    present = list(frame.columns)
    known = {c.name for c in columns}
    for col in columns:
        if col.name in present:
            continue
        if col.required:
            guess = difflib.get_close_matches(col.name, [p for p in present if p not in known], 1)
            hint = f" (found {guess[0]!r}: misspelled?)" if guess else ""
            problems.append(Problem(source, "header", col.name, f"missing column{hint}"))
        out[col.name] = pd.Series(
            np.nan if col.number else None, index=out.index, dtype=float if col.number else object
        )
    ids = out[key].tolist() if key in out else [""] * len(out)
    for col in columns:
        if col.name not in present:
            continue
        values = []
        for i, raw in enumerate(out[col.name].tolist()):
            value, problem = _convert(raw, col)
            if problem:
                problems.append(Problem(source, rows.label(i, key, ids[i]), col.name, problem))
            values.append(value)
        out[col.name] = pd.Series(values, index=out.index, dtype=float if col.number else object)
    return out, problems


def _convert(raw: object, col: Column) -> tuple[object, str]:
    text = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
    if raw is pd.NA:
        text = ""
    if not text:
        if col.blank_ok:
            return (math.nan if col.number else None), ""
        return None, f"empty; expected {col.describe()}"
    if not col.number:
        if col.choices is not None and text not in col.choices:
            return text, f"expected {col.describe()}, got {text!r}"
        return text, ""
    try:
        number = float(text)
    except ValueError:
        return None, f"expected {col.describe()}, got {text!r}"
    if not math.isfinite(number):
        return None, f"expected {col.describe()}, got {text!r}"
    if col.minimum is not None and (
        number < col.minimum or (col.positive and number == col.minimum)
    ):
        return number, f"expected {col.describe()}, got {text}"
    if col.maximum is not None and number > col.maximum:
        return number, f"expected {col.describe()}, got {text}"
    return number, ""


def check_unique(
    frame: pd.DataFrame, key: str, *, source: str, rows: Rows = CSV_ROWS
) -> list[Problem]:
    """Report every repeated value of an id column, naming the rows it repeats on."""
    problems = []
    values = frame[key]
    for value in values[values.duplicated(keep=False)].dropna().unique():
        where = ", ".join(
            str(i + rows.first) for i in range(len(values)) if values.iloc[i] == value
        )
        expected = f"duplicate id {value!r}; ids must be unique"
        problems.append(Problem(source, f"{rows.unit}s {where}", key, expected))
    return problems


def read_text(path: Path | str, *, what: str) -> str:
    """Read a UTF-8 text file (with or without a byte-order mark).

    Parameters
    ----------
    path
        The file.
    what
        What the file should be, for messages (``"a CSV file of sites"``).

    Returns
    -------
    str

    Raises
    ------
    InputError
        If the file is missing, a folder, UTF-16, binary (NUL bytes) or not UTF-8.
    """
    source, path = str(path), Path(path)
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "no such file"
        raise InputError([Problem(source, "", "", f"{kind}; expected {what}")])
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        expected = f"UTF-16 text; expected {what} in UTF-8 (save it as UTF-8)"
        raise InputError([Problem(source, "", "", expected)])
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        expected = f"a NUL byte (binary data); expected {what} in UTF-8 text"
        raise InputError([Problem(source, f"line {line}", "", expected)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        expected = (
            f"byte {data[exc.start]:#04x} is not UTF-8; expected {what} in UTF-8 "
            "(re-save it as UTF-8: Latin-1 and GBK are not read)"
        )
        raise InputError([Problem(source, f"line {line}", "", expected)]) from None


def read_csv(path: Path | str, *, what: str) -> pd.DataFrame:
    """Read a UTF-8 CSV file as text cells, column names stripped; reject an empty table.

    Parameters
    ----------
    path
        The file.
    what
        What one row is, for messages (``"site"``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputError
        If the file cannot be read as UTF-8 CSV, or has no header or no rows.
    """
    source = str(path)
    text = read_text(path, what=f"a CSV file of {what}s")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        expected = f"empty; expected a header line and one row per {what}"
        raise InputError([Problem(source, "", "", expected)]) from None
    except pd.errors.ParserError as exc:
        raise InputError([Problem(source, "", "", f"not a readable CSV file: {exc}")]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        expected = f"a header and no rows; expected at least one {what}"
        raise InputError([Problem(source, "", "", expected)])
    return frame


def read_table(
    path: Path | str, columns: Iterable[Column], *, what: str, key: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV file and check its columns; a missing column stops here.

    Parameters
    ----------
    path
        The file.
    columns
        The schema (:func:`check_columns`).
    what
        What one row is, for messages (``"site"``).
    key
        The id column used to name rows in messages.

    Returns
    -------
    tuple of pandas.DataFrame and list of Problem
        As :func:`check_columns`: the rows cannot be checked without every column, so header
        problems are raised rather than returned.

    Raises
    ------
    InputError
        If the file cannot be read, or a column is missing.
    """
    table, problems = check_columns(read_csv(path, what=what), columns, source=str(path), key=key)
    header = [p for p in problems if p.where == "header"]
    if header:
        raise InputError(header)
    return table, problems
