"""The generator's people: resident ID sequence codes are redrawn for duplicates exactly as a
full re-check each round would, and each vehicle's engine comes from its own model."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from carecircle.datagen.customers import _redraw_duplicates, engines
from carecircle.datagen.reference import BEV, DIESEL, ENERGIES, MAKES, PETROL, PHEV


def _full_recheck(rng: np.random.Generator, k: np.ndarray, key0: np.ndarray) -> None:
    """The plain rule: each round, every row whose key an earlier row has is redrawn."""
    for _ in range(50):
        _, first = np.unique(key0 + k * 2, return_index=True)
        dup = np.ones(len(k), dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        k[dup] = rng.integers(0, 25, int(dup.sum()))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 2_000),
    cells=st.integers(1, 300),  # few cells: some hold more than 25 people and never clear
    seed=st.integers(0, 2**32 - 1),
)
def test_duplicate_id_sequences_are_redrawn_as_a_full_recheck_would(n, cells, seed):
    data = np.random.default_rng(seed)
    key0 = data.integers(0, cells, n) * 1_000 + (data.random(n) < 0.6)
    expected_rng, rng = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    expected = expected_rng.integers(0, 25, n)
    k = rng.integers(0, 25, n)
    _full_recheck(expected_rng, expected, key0)
    _redraw_duplicates(rng, k, key0)
    assert np.array_equal(k, expected)
    assert rng.random() == expected_rng.random()  # the same draws were made


def test_each_vehicle_gets_an_engine_and_power_source_of_its_own_model():
    make = np.random.default_rng(3).integers(0, len(MAKES), 20_000)
    displacement, energy = engines(np.random.default_rng(4), make)
    for index, m in enumerate(MAKES):
        mine = make == index
        sizes, power = displacement[mine], energy[mine]
        if m.new_energy:
            assert set(power) <= {PHEV, BEV}
            assert np.isnan(sizes[power == BEV]).all()
            assert set(sizes[power == PHEV]) <= set(m.engines)
        else:
            assert set(power) <= ({PETROL, DIESEL} if m.seats >= 9 else {PETROL})
            assert set(sizes) <= set(m.engines) or (not m.engines and np.isnan(sizes).all())
    assert {ENERGIES[e] for e in np.unique(energy)} <= set(ENERGIES)
