from __future__ import annotations

import pytest

from siting.costs import annuity_factor, energy_mwh_per_mw_year
from siting.geo import haversine_km
from siting.latency import great_circle_matrix, round_trip_ms


def test_annuity_factor_known_values() -> None:
    # 8% over 15 years: 0.08 / (1 - 1.08**-15) = 0.116830 (standard CRF tables)
    assert annuity_factor(0.08, 15) == pytest.approx(0.1168295, rel=1e-6)
    assert annuity_factor(0.0, 20) == pytest.approx(0.05)


def test_energy_per_mw_year() -> None:
    assert energy_mwh_per_mw_year(1.25, 0.8) == pytest.approx(1.25 * 0.8 * 8760)


def test_haversine_beijing_shanghai() -> None:
    # Tiananmen (116.3975, 39.9087) to the Bund (121.4903, 31.2400): about 1,067 km.
    assert haversine_km(116.3975, 39.9087, 121.4903, 31.2400) == pytest.approx(1067, abs=5)
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.195, rel=1e-4)


def test_round_trip_one_ms_per_100_km() -> None:
    assert round_trip_ms(100.0, fibre_km_per_ms=200.0, equipment_delay_ms=0.0) == pytest.approx(1.0)
    assert round_trip_ms(450.0, fibre_km_per_ms=200.0, equipment_delay_ms=1.0) == pytest.approx(5.5)


def test_matrix_shape_and_route_factor() -> None:
    km, rtt = great_circle_matrix(
        [116.0, 121.0],
        [40.0, 31.0],
        [116.0, 104.0, 114.0],
        [40.0, 30.0, 22.5],
        route_factor=1.5,
        fibre_km_per_ms=200.0,
        equipment_delay_ms=1.0,
    )
    assert km.shape == rtt.shape == (2, 3)
    assert km[0, 0] == pytest.approx(0.0)
    assert rtt[0, 0] == pytest.approx(1.0)
    gc = haversine_km(121.0, 31.0, 104.0, 30.0)
    assert km[1, 1] == pytest.approx(1.5 * gc)
    assert rtt[1, 1] == pytest.approx(2 * 1.5 * gc / 200 + 1)


def test_admissible_pairs_nearest_k() -> None:
    import numpy as np

    from siting.instance import admissible_pairs

    rtt = np.array([[1.0, 5.0, 3.0, 9.0], [8.0, 2.0, 2.5, 1.5]])
    sla = np.array([6.0, 10.0])
    hub, site = admissible_pairs(rtt, sla)
    assert list(zip(hub, site, strict=True)) == [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
    ]
    hub, site = admissible_pairs(rtt, sla, 2)
    assert list(zip(hub, site, strict=True)) == [(0, 0), (0, 2), (1, 1), (1, 3)]
    hub, site = admissible_pairs(rtt, np.array([0.5, 10.0]), 2)  # a hub with none within
    assert list(zip(hub, site, strict=True)) == [(1, 1), (1, 3)]
