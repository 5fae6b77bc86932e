"""The two array kernels under the every-event r̄ (``_calendar_sums`` and ``_pair_terms``),
each against a plain loop over events or pairs written here."""

from __future__ import annotations

import numpy as np
import pytest

from _study_oracles import lag_sums_pair_by_pair
from rerating.study import engine


@pytest.mark.parametrize("per_day", [1, 3, 8, 9, 40])
@pytest.mark.parametrize("fresh", [True, False])
def test_day_sums_add_every_event_into_its_day_zero_row(per_day: int, fresh: bool) -> None:
    rng = np.random.default_rng(per_day)
    n_pos, width, l1 = 30, 12, 8
    # sorted day-0 rows with up to per_day events each (some rows none)
    counts = rng.integers(0, per_day + 1, n_pos)
    counts[rng.integers(0, n_pos)] = per_day  # the longest run is there
    at = np.repeat(np.arange(n_pos), counts)
    starts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
    values = [rng.standard_normal((at.size, l1)) for _ in range(2)]
    cols = slice(3, 3 + l1)
    before = [rng.standard_normal((n_pos, width)) if not fresh else np.zeros((n_pos, width)) for _ in values]
    grids = [g.copy() for g in before]
    engine._scatter_day_sums(list(zip(grids, values, strict=True)), at, starts, cols, fresh)
    for grid, start, vals in zip(grids, before, values, strict=True):
        expected = start.copy()
        for i, p in enumerate(at):  # one event at a time
            expected[p, cols] += vals[i]
        np.testing.assert_allclose(grid, expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("same", [True, False])
@pytest.mark.parametrize("rows", [5, 70, 150])
def test_lag_sums_are_the_pairs_products_on_common_dates(same: bool, rows: int) -> None:
    rng = np.random.default_rng(rows)
    a = engine._DayGrid(p0=4, rel_lo=-9, dsum=rng.standard_normal((rows, 7)))
    b = a if same else engine._DayGrid(p0=10, rel_lo=-6, dsum=rng.standard_normal((rows - 3, 5)))
    for max_lag in (3, 66):  # fewer lags than a block's rows, and more
        got = engine._lag_sums(a, b, max_lag)
        np.testing.assert_allclose(got, lag_sums_pair_by_pair(a, b, max_lag), rtol=1e-12, atol=1e-12)
