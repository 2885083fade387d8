"""Best responses on the forecast market, warm: one HiGHS model per year and view.

docs/model.md, "Many investors", step 2. The forecast market's LP (the market stage of
:func:`siting.market.allocate.stage_lp`) gets one build column per site and class some
investor of the view may order; an investor's turn changes only the bounds of its build
columns and of the headroom rows of its sites (one per site, shared by the site's halls: the
market's rows are halls, :class:`~siting.simulate.halls.Halls`), and is skipped when none of
its build columns has a negative reduced cost at the current duals (then it orders nothing,
exactly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.errors import SolverError
from siting.market.allocate import SCALE, MarketInputs, Streams, admissible, stage_lp
from siting.solve.highs import new_highs, pass_model, rerun_rows

#: What a built MW costs in the LP, CNY/(MW·yr): a token, so that the LP builds no MW that
#: buyers would not use (buyers pay for built MW through the use columns, as for any MW).
BUILD_COST = 1.0
#: Reduced cost (M CNY) above which a build column is taken as non-negative.
REDUCED_COST_TOLERANCE = 1e-9
#: MW below which an order is none.
NEGLIGIBLE_MW = 1e-6


@dataclass
class ForecastLP:
    """The forecast market of one year and view, held in HiGHS between investors.

    Attributes
    ----------
    index
        ``(N, K)``: build column of each hall and class (position among the build columns),
        ``-1`` where none.
    site
        ``(N,)``: the site of each hall (the market's rows).
    build, capacity_rows, headroom_rows, value_rows
        Column indices of the build columns; row indices of the capacity rows (``n·K + k``),
        of each site's headroom row (``-1`` where the site has no build column) and of each
        build column's free row (its value, read without reading every column).
    lower, upper
        Bounds of the build columns: MW already ordered this year (sunk), and what the
        investor whose turn it is may add.
    solves, skips
        Re-solves done and turns skipped by the reduced-cost test.
    """

    market: MarketInputs
    index: np.ndarray
    site: np.ndarray
    build: np.ndarray
    capacity_rows: np.ndarray
    headroom_rows: np.ndarray
    value_rows: np.ndarray
    highs: object
    lower: np.ndarray
    upper: np.ndarray
    row_dual: np.ndarray
    row_value: np.ndarray
    stale: bool = False
    solves: int = 0
    skips: int = 0

    @classmethod
    def of(
        cls,
        m: MarketInputs,
        segments: np.ndarray,
        orderable: np.ndarray,
        site: np.ndarray | None = None,
        *,
        threads: int | None = None,
    ) -> ForecastLP:
        """Write and solve the forecast LP with every build column at 0.

        Parameters
        ----------
        m
            The forecast market: capacity ``C^f`` and the believed use.
        segments
            ``(G,)`` bool: the segments whose streams the view sees.
        orderable
            ``(N, K)`` bool: where some investor of the view may order this year.
        site
            ``(N,)``: the site of each of the market's halls, whose headroom row they share
            (default: each hall a site of its own).
        threads
            HiGHS threads; ``None`` (HiGHS's default) for the re-solves in the caller's thread
            (:func:`~siting.solve.highs.rerun_rows`): HiGHS refuses to run with another thread
            count than the one its scheduler in that thread was started with.
        """
        every = Streams.of(m)
        keep = segments[every.segment]
        st = Streams(every.segment[keep], every.hub[keep], every.role[keep], every.demand[keep])
        n_n, n_k = m.capacity.shape
        site_of = np.arange(n_n) if site is None else np.asarray(site, np.int64)
        n_s = int(site_of.max(initial=-1)) + 1
        reach = admissible(m, st)
        triples = np.nonzero(reach[:, :, None] & ((m.capacity > 0) | orderable)[None, :, :])
        lp = stage_lp(m, st, triples, m.capacity, st.demand)
        hall, klass = np.nonzero(orderable)
        build = lp.builder.add_cols(("build_", np.arange(len(hall))), BUILD_COST / SCALE, 0.0)
        lp.builder.add_entries(lp.capacity_rows[hall * n_k + klass], build, -1.0)
        sites = np.unique(site_of[hall])
        headroom_rows = np.full(n_s, -1, np.int64)
        headroom_rows[sites] = lp.builder.add_rows(("headroom_", sites), -np.inf, 0.0)
        lp.builder.add_entries(headroom_rows[site_of[hall]], build, 1.0)
        value_rows = lp.builder.add_rows(("value_", np.arange(len(hall))), -np.inf, np.inf)
        lp.builder.add_entries(value_rows, build, 1.0)
        model = lp.builder.finish([])
        highs = new_highs(0.0, threads)
        pass_model(highs, model)
        index = np.full((n_n, n_k), -1, np.int64)
        index[hall, klass] = np.arange(len(hall))
        n_b = len(hall)
        out = cls(
            m, index, site_of, build, lp.capacity_rows, headroom_rows, value_rows, highs,
            np.zeros(n_b), np.zeros(n_b), np.zeros(0), np.zeros(0),
        )  # fmt: skip
        out._solve()
        return out

    def _solve(self) -> None:
        out = rerun_rows(self.highs)  # type: ignore[arg-type]
        if out.row_value is None or out.row_dual is None:
            raise SolverError(f"the forecast market: {out.words}")
        self.row_value, self.row_dual, self.stale = out.row_value, out.row_dual, False
        self.solves += 1

    def _bounds(self, cols: np.ndarray, room: np.ndarray | None = None) -> None:
        """Pass the bounds of ``cols``, and the sites' headroom rows (sunk MW + ``room``).

        ``room``: ``(N,)`` MW per hall, summed to its site.
        """
        self.highs.changeColsBounds(  # type: ignore[attr-defined]
            len(cols), self.build[cols].astype(np.int32), self.lower[cols], self.upper[cols]
        )
        site = np.flatnonzero(self.headroom_rows >= 0)
        n_s = len(self.headroom_rows)
        sunk = np.zeros(n_s)
        n, _ = np.nonzero(self.index >= 0)
        np.add.at(sunk, self.site[n], self.lower[self.index[self.index >= 0]])
        if room is not None:
            sunk += np.bincount(self.site, room, n_s)
        upper = sunk[site]
        rows = self.headroom_rows[site].astype(np.int32)
        self.highs.changeRowsBounds(  # type: ignore[attr-defined]
            len(rows), rows, np.full(len(rows), -np.inf), upper
        )

    def respond(self, room: np.ndarray, allowed: np.ndarray, *, skip: bool = True) -> np.ndarray:
        """Let an investor add up to ``room`` MW per hall, in the allowed classes.

        Parameters
        ----------
        room
            ``(N,)``: MW the investor may add in each hall, over all classes (its share of
            the headroom left at the hall's site; it has one hall per site, its type's).
        allowed
            ``(N, K)``: where it may build (its halls, orderable classes, margin ≥ 0).
        skip
            Use the reduced-cost test (off: always re-solve, for checks).

        Returns
        -------
        numpy.ndarray
            ``(N, K)``: the MW ordered, ``b* − β⁰``; they are sunk in this LP on return.
        """
        orders = np.zeros(allowed.shape)
        s, k = np.nonzero(allowed & (room[:, None] > NEGLIGIBLE_MW) & (self.index >= 0))
        if not len(s):
            return orders
        cols = self.index[s, k]
        if self.stale:
            self._solve()
        # reduced cost of b_sk with its site's headroom row free: token + the capacity dual
        n_k = self.index.shape[1]
        reduced = BUILD_COST / SCALE + self.row_dual[self.capacity_rows[s * n_k + k]]
        if skip and (reduced >= -REDUCED_COST_TOLERANCE).all():
            self.skips += 1
            return orders
        self.upper[cols] = self.lower[cols] + room[s]
        self._bounds(cols, np.where(np.isin(np.arange(len(room)), s), room, 0.0))
        self._solve()
        added = np.clip(self.row_value[self.value_rows[cols]] - self.lower[cols], 0.0, None)
        added[added < NEGLIGIBLE_MW] = 0.0
        orders[s, k] = added
        self.upper[cols] = self.lower[cols] = self.lower[cols] + added
        self._bounds(cols)  # the solution stays optimal: each column fixed at its value
        return orders

    def sink(self, orders: np.ndarray) -> None:
        """Fix another view's orders here too (the duals go stale until the next solve)."""
        s, k = np.nonzero((orders > 0) & (self.index >= 0))
        if not len(s):
            return
        cols = self.index[s, k]
        self.lower[cols] += orders[s, k]
        self.upper[cols] = self.lower[cols]
        self._bounds(cols)
        self.stale = True
