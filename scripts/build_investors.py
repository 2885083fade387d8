"""Build ``investors.csv``: who may build at each site, by the rules of SOURCES.md section I.

One row per investor and site: ``investor_id, owner_type, site_id, layer, share, source,
confidence, method``. Two layers:

* ``default``: the 30 sites of ``data/sites.csv`` and the rest-of-China pseudo-sites
  ``rest_<province>`` of ``data/rest_of_china.csv``. A site's investors are the anchors that
  ``data/site_owners.csv`` names for it of the site's owner type (**rule A**: one investor per
  company, on every site where it is named); a 东数西算 cluster without an anchor takes the three
  state operators (section O's **rule H**), a pseudo-site too (**rule X**); any other site one
  investor of its owner type named after the site (**rule G**).
* ``prefecture``: the 338 seats of ``data/prefecture/sites.csv``. Every seat has its local
  government (**rule L**) and a branch of each state operator (**rule B**); a seat that took a
  shipped site (its nearest seat in the same province, as ``build_prefecture_instance.py``
  assigns them) also takes that site's default investors that are neither operators nor local
  governments (**rule N**).

At every site the investors share its headroom equally (**rule E**), each share rounded down
to 6 decimals so a site's shares never add up to more than 1. Every row is ``estimate``.

Run: ``.venv/bin/python scripts/build_investors.py [OUTDIR]`` (default: the repo's ``data/``).
Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
from build_prefecture_instance import assign_shipped_sites, read_csv
from build_sites_hubs import write_csv

from siting.rest_of_china import pseudo_id

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DEFAULT_OUT = DATA
COLUMNS = [
    "investor_id",
    "owner_type",
    "site_id",
    "layer",
    "share",
    "source",
    "confidence",
    "method",
]
#: The three state operators, in the order their rows are written (rules H, X, B).
OPERATORS = ("china_mobile", "china_telecom", "china_unicom")
#: The anchor names of ``site_owners.csv``: the company (investor id) and its owner type.
#: An anchor matches the longest name it starts with; Huawei at Wuhu is Huawei Cloud's hall.
ANCHORS = {
    "Alibaba Cloud": ("alibaba_cloud", "cloud"),
    "Apple iCloud": ("apple_icloud", "cloud"),
    "AWS China": ("aws_china_nwcd", "cloud"),
    "China Mobile": ("china_mobile", "telecom"),
    "China Telecom": ("china_telecom", "telecom"),
    "China Unicom": ("china_unicom", "telecom"),
    "Huawei": ("huawei_cloud", "cloud"),
    "Huawei Cloud": ("huawei_cloud", "cloud"),
    "SenseTime": ("sensetime", "gpu_cloud"),
    "Tencent": ("tencent", "cloud"),
    "Wuhan Artificial Intelligence Computing Center": ("local_gov_wuhan", "local_gov"),
}
#: Owner types whose investors a seat has by rules L and B, not by rule N.
EVERY_SEAT = ("telecom", "local_gov")
#: How each rule picks a site's investors (the ``method`` column).
RULES = {
    "A": "rule A: the named anchors of the site's owner type (others left out)",
    "H": "rule H: a hub cluster without an anchor; the three state operators",
    "X": "rule X: a rest-of-China pseudo-site; the three state operators",
    "G": "rule G: no anchor; one investor of the site's owner type",
    "L": "rule L: the seat's local government",
    "B": "rule B: the seat's branch of a state operator",
    "N": "rule N: a default investor of the shipped site assigned to the seat",
}
EQUAL = "rule E: equal shares"


def anchor_names(text: str) -> list[str]:
    """Split an ``anchor`` cell at the commas outside parentheses."""
    names, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            names.append(current.strip())
            current = ""
        else:
            current += char
    return [n for n in [*names, current.strip()] if n]


def company(anchor: str) -> tuple[str, str]:
    """The investor id and owner type of one anchor name (the longest matching prefix)."""
    keys = [k for k in ANCHORS if anchor == k or anchor.startswith(k + " ")]
    if not keys:
        sys.exit(f"anchor {anchor!r} of site_owners.csv has no company in ANCHORS")
    return ANCHORS[max(keys, key=len)]


def share_rows(site: str, layer: str, investors: list[tuple[str, str, str, str]]) -> list[dict]:
    """One row per investor ``(id, owner type, source, rule)`` of a site, equal shares."""
    share = math.floor(1e6 / len(investors)) / 1e6
    return [
        {
            "investor_id": ident,
            "owner_type": owner,
            "site_id": site,
            "layer": layer,
            "share": f"{share:.6f}",
            "source": source,
            "confidence": "estimate",
            "method": f"{RULES[rule]}; {EQUAL}",
        }
        for ident, owner, source, rule in investors
    ]


def default_investors(owners: pd.DataFrame) -> dict[str, list[tuple[str, str, str, str]]]:
    """The investors of each site of ``sites.csv`` (rules A, H, G), in the file's order."""
    out = {}
    for row in owners.itertuples():
        named = [company(a) for a in anchor_names(row.anchor)]
        mine = list(dict.fromkeys(c for c in named if c[1] == row.owner_type))
        if mine:
            out[row.site_id] = [(i, o, f"{row.source}; rule A", "A") for i, o in mine]
        elif row.source == "rule H":
            out[row.site_id] = [(i, "telecom", "rule H", "H") for i in OPERATORS]
        else:
            ident = f"{row.owner_type}_{row.site_id}"
            out[row.site_id] = [(ident, row.owner_type, f"{row.source}; rule G", "G")]
    return out


def rows() -> list[dict]:
    """Every row of ``investors.csv``: the default layer, then the prefecture layer."""
    owners = read_csv(DATA / "site_owners.csv")
    rest = owners["site_id"] == "rest_of_china"
    default = default_investors(owners[~rest])
    out = [r for site, invs in default.items() for r in share_rows(site, "default", invs)]
    source = f"{owners.loc[rest, 'source'].item()}; rule X"
    for province in read_csv(DATA / "rest_of_china.csv")["province"]:
        investors = [(i, "telecom", source, "X") for i in OPERATORS]
        out += share_rows(pseudo_id(province), "default", investors)
    seats = read_csv(DATA / "prefecture" / "sites.csv")
    seats = seats.assign(lon_f=seats["lon"].astype(float), lat_f=seats["lat"].astype(float))
    assigned = assign_shipped_sites(seats, read_csv(DATA / "sites.csv"))
    shipped = assigned.groupby("seat")["site_id"].apply(list).to_dict()
    for i, seat in enumerate(seats["site_id"]):
        investors = [(f"local_gov_{seat}", "local_gov", "rule L; [I12]", "L")]
        investors += [(f"{o}_{seat}", "telecom", "rule B; [O14]", "B") for o in OPERATORS]
        near = [inv for s in shipped.get(i, []) for inv in default[s] if inv[1] not in EVERY_SEAT]
        investors += list(
            dict.fromkeys((ident, o, f"{src}; rule N", "N") for ident, o, src, _ in near)
        )
        out += share_rows(seat, "prefecture", investors)
    return out


def main(out: Path = DEFAULT_OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    table = rows()
    write_csv(out / "investors.csv", COLUMNS, table)
    frame = pd.DataFrame(table)
    for layer, part in frame.groupby("layer", sort=False):
        owners = part.drop_duplicates("investor_id")["owner_type"].value_counts()
        sites = part["site_id"].nunique()
        print(f"{layer}: {owners.sum()} investors on {sites} sites {owners.to_dict()}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
