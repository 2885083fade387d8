"""The columns of one scenario: the first stage (open, build) and its use of them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siting.instance import Instance
from siting.model.arrays import Builder, IndexArray, Layout


def _none() -> IndexArray:
    return np.zeros(0, np.int64)


@dataclass
class Columns:
    """Where one scenario's variables are among the columns (``-1`` where a variable is absent).

    Attributes
    ----------
    open, build
        ``y_s`` (binary) and ``x_s``, per site: the first stage, shared by a robust model's
        scenarios; ``build`` is ``-1`` in a classic model (``x_s = 0``).
    train, hosts
        ``t_s`` and ``z_s`` (binary; ``-1`` where a site is too small for a minimum cluster or
        no binary is needed), per site.
    serve
        ``f_k`` per pair (a classic model's assignment shares ``a_k``).
    shortfall
        The elastic model's unmet MW per stream, then training; empty otherwise.
    reserve, peak
        Failover reserve ``r_k`` per pair and peak ``m_g`` per stream (``-1`` without failover).
    voucher
        ``w_v`` per voucher issuer.
    tag
        Prefix of the scenario's column and row names (``"w0_"``... in a robust model).
    pair_row
        Row of each pair's ``pair_open`` link (``-1`` where none), set by the family that
        writes it.
    """

    open: IndexArray
    build: IndexArray
    train: IndexArray
    serve: IndexArray
    hosts: IndexArray = field(default_factory=_none)
    shortfall: IndexArray = field(default_factory=_none)
    reserve: IndexArray = field(default_factory=_none)
    peak: IndexArray = field(default_factory=_none)
    voucher: IndexArray = field(default_factory=_none)
    tag: str = ""
    pair_row: IndexArray = field(default_factory=_none)

    @property
    def elastic(self) -> bool:
        """Whether unmet demand has columns (at a penalty)."""
        return len(self.shortfall) > 0

    def layout(self, inst: Instance, cost: tuple[IndexArray, np.ndarray] | None = None) -> Layout:
        """Return the :class:`~siting.model.arrays.Layout` the solvers read (with a cost)."""
        v = self
        return Layout(inst, v.open, v.build, v.train, v.serve, v.pair_row, v.shortfall, cost)


def define_first_stage(b: Builder, inst: Instance) -> tuple[IndexArray, IndexArray]:
    """Add ``y_s`` (open, binary) and ``x_s`` (new MW, at most the headroom ``G_s``)."""
    sites = np.arange(inst.n_sites, dtype=np.int64)
    y = b.add_cols(("open_", sites), 0.0, 1.0, integer=True)
    x = b.add_cols(("build_", sites), 0.0, inst.sites.headroom_mw)
    return y, x


def define_columns(
    b: Builder,
    inst: Instance,
    first: tuple[IndexArray, IndexArray],
    *,
    elastic: bool = False,
    tag: str = "",
    may_train: np.ndarray | None = None,
) -> Columns:
    """Add one scenario's second-stage columns over a first stage ``(y, x)``.

    ``t_s ≤ C_s`` where the site can train, ``z_s`` where a minimum cluster needs it,
    ``f_k ≤ ū_k``, the shortfall if elastic, ``r_k ≤ min(D_g, C_s)`` and ``m_g ≤ D_g`` for
    streams with a failover share, ``w_v`` up to the issuer's MW.

    Parameters
    ----------
    b
        The builder the columns go into.
    inst
        The scenario's instance.
    first
        The first stage's ``y_s`` and ``x_s`` columns (``x_s`` may be ``-1``: no column).
    elastic
        Add the unmet demand columns.
    tag
        Prefix of the column names (``"w0_"``, a robust model's scenario; ``"y0_"``, a year).
    may_train
        Sites that may host training (default: every site); the others get ``t_s ≤ 0`` and
        ``z_s ≤ 0`` (a horizon's inference-only sites).
    """
    S, K, G = inst.n_sites, inst.n_pairs, inst.n_streams  # noqa: N806 - the maths' names
    sites, pairs, streams = (np.arange(n, dtype=np.int64) for n in (S, K, G))
    cap = inst.sites.capacity_mw
    needs_cluster = inst.training_mw > 0 and inst.min_cluster_mw > 0
    can_train = cap >= inst.min_cluster_mw - 1e-9 if needs_cluster else cap > 0
    allowed = np.ones(S, bool) if may_train is None else np.asarray(may_train, bool)
    t = b.add_cols((f"{tag}train_", sites), 0.0, np.where(can_train & allowed, cap, 0.0))
    z_sites = sites[can_train] if needs_cluster else sites[:0]
    hosts = np.full(S, -1, dtype=np.int64)
    hosts[z_sites] = b.add_cols(
        (f"{tag}hosts_training_", z_sites), 0.0, allowed[z_sites].astype(float), integer=True
    )
    f = b.add_cols((f"{tag}serve_", pairs), 0.0, inst.pair_upper_mw)
    short = _none()
    if elastic:
        short = np.concatenate(
            [
                b.add_cols((f"{tag}unmet_hub_", streams), 0.0, np.inf),
                b.add_cols((f"{tag}unmet_training", np.array([""])), 0.0, np.inf),
            ]
        )
    demand, stream = inst.stream_demand_mw, inst.pair_stream
    guarded = streams[inst.stream_failover > 0]
    reserved = pairs[inst.stream_failover[stream] > 0]
    room = np.minimum(demand[stream], cap[inst.pairs.site])
    reserve = np.full(K, -1, dtype=np.int64)
    reserve[reserved] = b.add_cols((f"{tag}reserve_", reserved), 0.0, room[reserved])
    peak = np.full(G, -1, dtype=np.int64)
    peak[guarded] = b.add_cols((f"{tag}failover_peak_", guarded), 0.0, demand[guarded])
    n_v = len(inst.policy.vouchers.names)
    w = b.add_cols(
        (f"{tag}voucher_", np.arange(n_v, dtype=np.int64)), 0.0, inst.policy.vouchers.max_mw
    )
    y, x = first
    return Columns(y, x, t, f, hosts, short, reserve, peak, w, tag)
