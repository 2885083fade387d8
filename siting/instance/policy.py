"""Policy rows: compute vouchers and green-power limits, and what the policy families did."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from siting.instance.sites import site_attributes
from siting.layers import Layers
from siting.policy import Green, Vouchers, green_rows, site_status, vouchers
from siting.scenario import Policy


def _no_vouchers() -> Vouchers:
    return Vouchers(np.zeros(0, str), np.zeros((0, 0), bool), np.zeros(0), np.zeros(0))


def _no_green() -> Green:
    return Green(np.zeros(0, str), np.zeros((0, 0)), np.zeros(0))


@dataclass(frozen=True)
class PolicyRows:
    """The rows the policy families add to the model (docs/model.md, "Policy").

    Attributes
    ----------
    vouchers
        Active compute-voucher issuers.
    green
        Green-power rows.
    notes
        What the policy families did or could not do (for the run summary).
    """

    vouchers: Vouchers = field(default_factory=_no_vouchers)
    green: Green = field(default_factory=_no_green)
    notes: tuple[str, ...] = ()

    def with_new_in_service(self, new_mw: np.ndarray) -> PolicyRows:
        """Return the rows with the green supply that new MW already in service draw taken off.

        For a myopic planner (docs/model.md, "Foresight"): earlier orders in service are sunk
        capacity to it, but they still draw on the province's green supply.

        Parameters
        ----------
        new_mw
            New MW in service per site, shape (S,).
        """
        green = self.green
        if not len(green.names):
            return self
        left = np.clip(green.supply_gwh - green.coef @ np.asarray(new_mw, float), 0.0, None)
        return replace(self, green=replace(green, supply_gwh=left))


def build_policy(policy: Policy, layers: Layers, notes: list[str]) -> PolicyRows:
    """Make the voucher and green-power rows of the scenario's ``[policy]``.

    Parameters
    ----------
    policy
        The scenario's ``[policy]``.
    layers
        The input layers.
    notes
        Notes of the families applied earlier (power subsidy, size limit), kept first.

    Returns
    -------
    PolicyRows
    """
    notes = list(notes)
    site_ids = layers.sites["site_id"].to_numpy(str)
    provinces = layers.sites["province"].to_numpy(str)
    pue = site_attributes(layers)["pue"].to_numpy(float)
    if policy.green_share > 0:
        green, more = green_rows(policy, site_status(site_ids), provinces, pue)
        notes.extend(more)
    else:
        green = Green(np.zeros(0, str), np.zeros((0, len(site_ids))), np.zeros(0))
    if policy.compute_vouchers:
        voucher, more = vouchers(policy, site_ids)
        notes.extend(more)
    else:
        voucher = Vouchers(
            np.zeros(0, str), np.zeros((0, len(site_ids)), bool), np.zeros(0), np.zeros(0)
        )
    return PolicyRows(vouchers=voucher, green=green, notes=tuple(notes))
