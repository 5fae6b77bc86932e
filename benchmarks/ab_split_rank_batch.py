"""The thirteenth session's engine changes, measured in one process: the final code against the
session's start (11dee5d) emulated in the same process, fits alternated, so that both see the same
state of a shared machine. The two tests and clustering frames must agree (checked first).

What is swapped back for the start: the rank batch run whole on the helper thread (its sums and
the three rank tests' Python; now the helper only sums and the study's thread runs the tests),
``overlap_apart`` by ``np.unique`` and ``np.maximum.at``, 11dee5d's numba kernels (r̄'s
calendar kernel allocated a stack for each row's pairwise sum), and the residual r̄ computed in
the fit (now when first read: no room to keep the sums, ``_SUMS_KEPT_BYTES = 0``, is the start's
path). The windows' r̄ then come from the sums at fewer lags: equal to rounding (``rtol=1e-12``).

Usage::

    .venv/bin/python benchmarks/ab_split_rank_batch.py [FITS]    # 250 fits of each by default

Prints the two medians and their ratio (benchmarks/README.md, the section of 2026-12-08 03:40).
Needs git and numba (the ``[fast]`` extra).
"""

from __future__ import annotations

import sys

import ab_rank_batch  # noqa: E402  (sets RERATING_COMPILED=1 and the path to bench_study)
import numpy as np
import pandas as pd

from rerating.study import _compiled, engine  # noqa: E402

START = "11dee5d"


def start_overlap_apart(days: np.ndarray) -> bool:
    """11dee5d's ``overlap_apart``."""
    if days.shape[0] < 2:
        return False
    starts, first = np.unique(days[:, 0], return_inverse=True)
    if starts.size < 2:
        return False
    ends = np.full(starts.size, np.iinfo(np.int64).min)
    np.maximum.at(ends, first, days[:, 1].astype(np.int64))
    return bool((starts[1:] <= np.maximum.accumulate(ends)[:-1]).any())


def main(argv: list[str]) -> int:
    fits = int(argv[0]) if argv else 250
    fit = ab_rank_batch.small_fit()
    fit()  # loads the final kernels
    final = (engine.plan_rank_batch, engine.overlap_apart, _compiled._kernels, engine._SUMS_KEPT_BYTES)
    start = (lambda *args: None, start_overlap_apart, ab_rank_batch.old_kernels(START), 0)

    def use(version: tuple) -> None:
        (
            engine.plan_rank_batch,
            engine.overlap_apart,
            _compiled._kernels,
            engine._SUMS_KEPT_BYTES,
        ) = version

    use(start)
    before = fit()
    use(final)
    after = fit()
    pd.testing.assert_frame_equal(before.tests, after.tests, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(before.clustering, after.clustering, check_exact=False, rtol=1e-12)
    assert before.clustering["rbar_residual"].equals(after.clustering["rbar_residual"])
    med = ab_rank_batch.alternated_medians(fit, use, start, final, fits, swap_order=True)
    ab_rank_batch.report(START, START, med, fits)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
