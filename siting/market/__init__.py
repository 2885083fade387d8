"""A market for compute (issue 20): owners, customer segments and the allocation of use.

``data`` reads who owns each site, the customer segments and the frictions between them;
``allocate`` allocates one year's use to capacity, captive first, and reads the clearing rents
from the duals (docs/model.md "Market for compute"); ``inputs`` makes one year of a
multi-period horizon into a market; ``investors`` reads who may build where, and by which rule
each type of investor decides.
"""

from siting.market.allocate import (
    MarketInputs,
    MarketResult,
    Stage,
    allocate,
    idle_by,
    segment_use,
)
from siting.market.data import OWNER_TYPES, MarketData, load_market_data
from siting.market.inputs import year_market
from siting.market.investors import Investors, load_investors

__all__ = [
    "OWNER_TYPES",
    "Investors",
    "MarketData",
    "MarketInputs",
    "MarketResult",
    "Stage",
    "allocate",
    "idle_by",
    "load_investors",
    "load_market_data",
    "segment_use",
    "year_market",
]
