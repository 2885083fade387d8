"""The optimisation instance: records of costs, capacities and admissible pairs.

:func:`build_instance` turns layers and a scenario into an :class:`Instance` of records
(:class:`Sites`, :class:`Hubs`, :class:`Pairs`, :class:`ServiceClasses`, :class:`PolicyRows`),
each with its own builder in its own module; tests and notebooks may build one straight from
arrays, with :meth:`Instance.one_class` for one service class. No geometry lives here.

Units: MW are MW of IT load; costs are CNY per year (annualised); latency is round-trip ms.
"""

from siting.instance.build import build_instance, training_demand_mw
from siting.instance.classes import ClassTerms, ServiceClasses, service_classes
from siting.instance.core import Instance
from siting.instance.hubs import Hubs
from siting.instance.pairs import Pairs, admissible_pairs
from siting.instance.policy import PolicyRows
from siting.instance.sites import Sites
from siting.instance.types import OPEX_COMPONENTS, WORKLOADS, FloatArray, IntArray

__all__ = [
    "OPEX_COMPONENTS",
    "WORKLOADS",
    "ClassTerms",
    "FloatArray",
    "Hubs",
    "Instance",
    "IntArray",
    "Pairs",
    "PolicyRows",
    "ServiceClasses",
    "Sites",
    "admissible_pairs",
    "build_instance",
    "service_classes",
    "training_demand_mw",
]
