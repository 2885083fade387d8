"""Units and bounds the time tables share.

The rest-of-China pseudo-area, the years of the series, the kW per PF of the sites' MW, the
reference serving server and the bounds on absurd numbers.
"""

from __future__ import annotations

#: The pseudo-site of the vintages and the pseudo-hub of the use series that hold what the
#: sites and hubs leave of the national totals.
REST_OF_CHINA = "rest_of_china"
#: Years the national series and the use series cover.
SERIES_YEARS = (2022, 2030)
#: kW of IT load per PF with which ``data/sites.csv`` turned reported PF into ``existing_mw``.
SITE_KW_PER_PF = 2.0
#: The reference serving server: an inference demand MW is one MW of its IT load
#: (``docs/model.md``, "Capability per workload"; SOURCES.md T2). 8×H800 (DGX-H100 class):
#: server kW, accelerators, dense FP16 TFLOPS and HBM TB/s per accelerator.
REFERENCE_SERVER = (10.2, 8, 989.0, 3.35)
#: Bounds far above any real value, so absurd numbers (1e300) stop at the reader: PF of one
#: row (a million EFLOPS), MW of one row, kW per PF.
MAX_PF = 1e9
MAX_MW = 1e6
MAX_KW_PER_PF = 1e3
