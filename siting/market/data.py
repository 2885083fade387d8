"""The market's inputs: who owns each site, who uses compute, and who may use whose capacity.

Three tables of ``data/`` (``data/SOURCES.md`` section O documents every column):
``site_owners.csv`` (the owner type of every site), ``segments.csv`` (the customer segments,
their shares of use, SLA, unserved penalty and the owner type whose capacity is their own) and
``frictions.csv`` (for every segment and owner type: admissible or not, a rent premium or
migration cost, a software-ecosystem penalty on domestic accelerators, data residency). Each
reader checks its file column by column and row against row and raises one
:class:`~siting.errors.InputError` naming the file, the row, the field and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from siting import settings
from siting._validate import CONFIDENCE, CSV_ROWS, Column, check_unique, read_table
from siting.errors import InputError, Problem
from siting.layers import read_sites
from siting.rest_of_china import PREFIX
from siting.scenario import MAX_CNY
from siting.vintages import REST_OF_CHINA

#: The market's tables in ``data/``: owners, segments, frictions.
MARKET_FILES = ("site_owners.csv", "segments.csv", "frictions.csv")
#: Owner types, in the order the market reports them.
OWNER_TYPES = ("cloud", "telecom", "gpu_cloud", "local_gov")
#: Data-residency rules: ``province`` keeps a segment's inference in its hub's province.
RESIDENCY = ("none", "province")
#: The two roles of use; a stream's role indexes ``Horizon.factor`` (0 training, 1 inference).
ROLES = ("training", "inference")
#: Shares of one role add up to 1 within this tolerance.
SHARE_TOLERANCE = 1e-6
#: Largest round trip an SLA may name, ms (far above any route in China).
MAX_SLA_MS = 1000.0

SOURCE_COLUMNS = (
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
    Column("method"),
)
OWNER_COLUMNS = (
    Column("site_id"),
    Column("owner_type", choices=OWNER_TYPES),
    Column("anchor", blank_ok=True),
    *SOURCE_COLUMNS,
)
SEGMENT_COLUMNS = (
    Column("segment"),
    Column("name"),
    Column("inference_share", number=True, minimum=0, maximum=1),
    Column("training_share", number=True, minimum=0, maximum=1),
    Column("captive_owner", blank_ok=True, choices=OWNER_TYPES),
    Column("sla_ms", number=True, minimum=0, positive=True, maximum=MAX_SLA_MS),
    Column(
        "unserved_penalty_cny_per_mw_year", number=True, minimum=0, positive=True, maximum=MAX_CNY
    ),
    *SOURCE_COLUMNS,
)
FRICTION_COLUMNS = (
    Column("segment"),
    Column("owner_type", choices=OWNER_TYPES),
    Column("admissible", choices=("yes", "no")),
    Column("premium_cny_per_mw_year", number=True, minimum=0, maximum=MAX_CNY),
    Column("domestic_penalty_cny_per_mw_year", number=True, minimum=0, maximum=MAX_CNY),
    Column("residency", choices=RESIDENCY),
    *SOURCE_COLUMNS,
)


@dataclass(frozen=True)
class MarketData:
    """The three market tables, checked against each other and against the sites.

    Attributes
    ----------
    owners
        One row per site of ``sites.csv``, in its order, then the ``rest_of_china`` row (the
        owner type of every rest-of-China pseudo-site): ``site_id``, ``owner_type``, ...
    segments
        One row per segment.
    frictions
        One row per segment and owner type, segments in the order of ``segments`` and owner
        types in :data:`OWNER_TYPES` order; ``admissible`` as a bool.
    """

    owners: pd.DataFrame
    segments: pd.DataFrame
    frictions: pd.DataFrame

    def owner_type(self, site_ids: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """Look up the owner type of each site (of a pseudo-site ``rest_...``: ``rest_of_china``).

        Returns
        -------
        tuple
            The owner types (``""`` where there is none) and the ids of the sites without one.
        """
        owners = self.owners.set_index("site_id")["owner_type"].to_dict()
        keys = [REST_OF_CHINA if s.startswith(PREFIX) else s for s in site_ids]
        return (
            np.array([owners.get(k, "") for k in keys], dtype=object),
            [s for s, k in zip(site_ids, keys, strict=True) if k not in owners],
        )


def load_market_data(data_dir: Path | None = None) -> MarketData:
    """Read ``site_owners.csv``, ``segments.csv`` and ``frictions.csv`` of ``data_dir``.

    ``data_dir`` defaults to the shipped data (:data:`siting.settings.data_dir`); the owners
    are checked against its ``sites.csv``, and every segment must be admissible on the owner
    type of some site (:func:`check_segments_have_sites`).
    """
    data_dir = Path(settings.data_dir if data_dir is None else data_dir)
    sites = read_sites(data_dir / "sites.csv")
    owners, segments_file, frictions = (data_dir / name for name in MARKET_FILES)
    segments = read_segments(segments_file)
    data = MarketData(
        owners=read_site_owners(owners, site_ids=list(sites["site_id"])),
        segments=segments,
        frictions=read_frictions(frictions, segments=list(segments["segment"])),
    )
    check_segments_have_sites(data.frictions, data.owners["owner_type"], source=str(frictions))
    return data


def check_segments_have_sites(
    frictions: pd.DataFrame, owner_types: Iterable[str], *, source: str
) -> None:
    """Refuse a segment admissible only on owner types that own none of the sites.

    Parameters
    ----------
    frictions
        As :func:`read_frictions` returns them.
    owner_types
        The owner type of each site (of the data, or of a scenario).
    source
        The frictions file, for the message.

    Raises
    ------
    InputError
        One problem per such segment, naming the owner types it may use.
    """
    present = set(owner_types)
    problems = []
    for segment, rows in frictions.groupby("segment", sort=False):
        allowed = list(rows.loc[rows["admissible"], "owner_type"])
        if not present & set(allowed):
            expected = (
                f"a segment admissible on the owner type of some site; {segment!r} may use "
                f"{', '.join(allowed)}, which own no site of the scenario"
            )
            problems.append(Problem(source, f"segment {segment!r}", "admissible", expected))
    if problems:
        raise InputError(problems)


def read_site_owners(path: Path, *, site_ids: Sequence[str]) -> pd.DataFrame:
    """Read the owner type of every site: each site of ``site_ids`` exactly once, no other.

    Besides the sites, the file has one row ``rest_of_china``: the owner type of the
    rest-of-China pseudo-sites (``[demand] rest_of_china = "serve"``).

    Returns
    -------
    pandas.DataFrame
        In the order of ``site_ids``, then the ``rest_of_china`` row.
    """
    table, problems = read_table(path, OWNER_COLUMNS, what="site owner", key="site_id")
    problems += check_unique(table, "site_id", source=str(path))
    known = {*site_ids, REST_OF_CHINA}
    for i, site in enumerate(table["site_id"]):
        if site is not None and site not in known:
            expected = f"expected a site of sites.csv or {REST_OF_CHINA!r}, got {site!r}"
            problems.append(
                Problem(str(path), CSV_ROWS.label(i, "site_id", site), "site_id", expected)
            )
    missing = [s for s in [*site_ids, REST_OF_CHINA] if s not in set(table["site_id"])]
    if missing:
        problems.append(Problem(str(path), "", "site_id", f"no row for the sites {missing}"))
    if problems:
        raise InputError(problems)
    return (
        table.set_index("site_id")
        .loc[[*site_ids, REST_OF_CHINA]]
        .reset_index()[[c.name for c in OWNER_COLUMNS]]
    )


def read_segments(path: Path) -> pd.DataFrame:
    """Read the customer segments: unique ids, each role's shares adding up to 1."""
    table, problems = read_table(path, SEGMENT_COLUMNS, what="segment", key="segment")
    problems += check_unique(table, "segment", source=str(path))
    for role in ROLES:
        field = f"{role}_share"
        total = table[field].sum()
        if table[field].notna().all() and abs(total - 1.0) > SHARE_TOLERANCE:
            expected = f"shares adding up to 1 over the segments, got {total:g}"
            problems.append(Problem(str(path), "", field, expected))
    if problems:
        raise InputError(problems)
    return table[[c.name for c in SEGMENT_COLUMNS]].reset_index(drop=True)


def read_frictions(path: Path, *, segments: Sequence[str]) -> pd.DataFrame:
    """Read the frictions: one row per segment of ``segments`` and owner type, no other.

    Every segment must be admissible on at least one owner type.

    Returns
    -------
    pandas.DataFrame
        Sorted by segment (in the order of ``segments``) and owner type (:data:`OWNER_TYPES`);
        ``admissible`` as a bool.
    """
    source = str(path)
    table, problems = read_table(path, FRICTION_COLUMNS, what="friction", key="segment")
    known = set(segments)
    for i, segment in enumerate(table["segment"]):
        if segment is not None and segment not in known:
            expected = (
                f"expected a segment of segments.csv ({', '.join(segments)}), got {segment!r}"
            )
            problems.append(
                Problem(source, CSV_ROWS.label(i, "segment", segment), "segment", expected)
            )
    pairs = table["segment"].astype(str) + "/" + table["owner_type"].astype(str)
    for pair in pairs[pairs.duplicated()].unique():
        lines = ", ".join(str(CSV_ROWS.first + i) for i in range(len(pairs)) if pairs[i] == pair)
        expected = f"one row per segment and owner type; {pair} is repeated"
        problems.append(Problem(source, f"lines {lines}", "owner_type", expected))
    present = set(pairs)
    missing = [f"{g}/{o}" for g in segments for o in OWNER_TYPES if f"{g}/{o}" not in present]
    if missing:
        expected = f"one row per segment and owner type; no row for {missing}"
        problems.append(Problem(source, "", "owner_type", expected))
    for segment in segments:
        rows = [i for i, g in enumerate(table["segment"]) if g == segment]
        if rows and not (table["admissible"].iloc[rows] == "yes").any():
            where = (
                f"lines {', '.join(str(CSV_ROWS.first + i) for i in rows)} (segment {segment!r})"
            )
            expected = "'yes' on at least one row: the segment has no admissible owner type"
            problems.append(Problem(source, where, "admissible", expected))
    if problems:
        raise InputError(problems)
    order = {g: i for i, g in enumerate(segments)}
    table = table.assign(
        admissible=table["admissible"] == "yes",
        _g=table["segment"].map(order),
        _o=table["owner_type"].map({o: i for i, o in enumerate(OWNER_TYPES)}),
    )
    table = table.sort_values(["_g", "_o"])
    return table[[c.name for c in FRICTION_COLUMNS]].reset_index(drop=True)
