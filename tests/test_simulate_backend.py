"""The harness's fast ``kernel`` backend gives the same statistics as the public ``EventStudy``.

The size/power tests run on the kernel backend for speed; this file is what entitles them to speak
for ``EventStudy``: on the same simulated data, every replication's statistic and p-value agree to
rounding, for several scenarios, windows and normal-return models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rerating.errors import SimulationDesignError, UnknownModelError
from rerating.study.simulate import simulate


@pytest.mark.parametrize(
    ("scenario", "model", "window"),
    [
        ("independent", "market", (0, 0)),
        ("clustered", "market", (-1, 1)),
        ("variance", "market_adjusted", (0, 2)),
        ("independent", "scholes_williams", (0, 0)),
        ("clustered", "dimson", (0, 0)),
        ("variance", "mean_adjusted", (-2, 2)),
    ],
)
def test_kernel_backend_equals_the_public_engine(scenario: str, model: str, window: tuple) -> None:
    kw = dict(
        n_events=25, estimation_length=80, event_window=window, scenario=scenario, model=model,
        replications=12, seed=5, chunk_size=6, abnormal_return=0.002,
    )
    fast = simulate(backend="kernel", **kw).tests  # type: ignore[arg-type]
    slow = simulate(backend="study", **kw).tests  # type: ignore[arg-type]
    assert len(fast) == len(slow) == 12 * 12
    m = fast.merge(slow, on=["group", "window", "test"], suffixes=("_k", "_s"), validate="1:1")
    assert len(m) == len(fast)
    np.testing.assert_allclose(m["statistic_k"], m["statistic_s"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(m["pvalue_k"], m["pvalue_s"], rtol=1e-9, atol=1e-12)
    assert (m["n_k"] == m["n_s"]).all()
    assert (m["valid_under_clustering_k"] == m["valid_under_clustering_s"]).all()


@pytest.mark.parametrize("scenario", ["clustered", "spread"])
def test_kernel_backend_equals_the_public_engine_with_every_pair_lead_lag(scenario: str) -> None:
    # lead_lag="all": r̄ counts every pair one session apart and the CDA and rank tests add the
    # lag-1 term; the engine's joint calendar (business days) against the kernel's positions
    kw = dict(
        n_events=20, estimation_length=80, event_window=(0, 2), scenario=scenario, model="market",
        replications=8, seed=6, chunk_size=4, residual_correlation=0.2, lead_lag="all",
        date_spread=30,
    )
    fast = simulate(backend="kernel", **kw).tests  # type: ignore[arg-type]
    slow = simulate(backend="study", **kw).tests  # type: ignore[arg-type]
    m = fast.merge(slow, on=["group", "window", "test"], suffixes=("_k", "_s"), validate="1:1")
    assert len(m) == len(fast) == len(slow) == 8 * 12
    np.testing.assert_allclose(m["statistic_k"], m["statistic_s"], rtol=1e-9, atol=1e-12)
    plain = simulate(backend="kernel", **{**kw, "lead_lag": "none"}).tests  # type: ignore[arg-type]
    moved = fast.set_index(["group", "test"])["statistic"] != plain.set_index(["group", "test"])["statistic"]
    changed = set(moved[moved].index.get_level_values("test"))
    assert {"adj_patell", "brown_warner_cda", "corrado", "grank"} <= changed
    assert not changed & {"patell", "bmp", "cross_sectional_t", "wilcoxon"}


def test_same_seed_same_result_and_seed_is_recorded() -> None:
    a = simulate(n_events=10, estimation_length=40, replications=6, seed=9, tests=("bmp", "grank"))
    b = simulate(n_events=10, estimation_length=40, replications=6, seed=9, tests=("bmp", "grank"))
    np.testing.assert_array_equal(a.tests["statistic"], b.tests["statistic"])
    c = simulate(n_events=10, estimation_length=40, replications=6, tests="bmp")
    assert isinstance(c.design.seed, int) and c.design.replications == 6
    # another chunk size draws differently, but every replication is still there once
    d = simulate(n_events=10, estimation_length=40, replications=6, seed=9, tests=("bmp", "grank"),
                 chunk_size=2)
    assert len(d.tests) == len(a.tests)
    assert sorted(d.tests["group"].unique()) == list(range(6))


def test_unknown_test_and_model_are_clear_errors() -> None:
    with pytest.raises(UnknownModelError, match="unknown test 'bmpp'"):
        simulate(n_events=10, estimation_length=40, replications=2, seed=1, tests=("bmpp",))
    with pytest.raises(SimulationDesignError, match="model='capm'"):
        simulate(n_events=10, estimation_length=40, replications=2, seed=1, model="capm")
    with pytest.raises(SimulationDesignError, match="backend='fast'"):
        simulate(n_events=10, replications=2, seed=1, backend="fast")  # type: ignore[arg-type]


@pytest.mark.parametrize("scenario", ["independent", "markets"])
def test_worker_processes_give_the_same_result(scenario: str) -> None:
    # every chunk is drawn in the calling process, so the processes only change who computes it
    kw = dict(
        n_events=12, estimation_length=40, event_window=(0, 2), scenario=scenario,
        replications=20, seed=4, chunk_size=3, residual_correlation=0.1,
    )
    one = simulate(workers=1, **kw)  # type: ignore[arg-type]
    two = simulate(workers=2, **kw)  # type: ignore[arg-type]
    assert (one.workers, two.workers) == (1, 2)
    assert sorted(two.tests["group"].unique()) == list(range(20))
    pd.testing.assert_frame_equal(one.tests, two.tests)
    pd.testing.assert_frame_equal(one.rejection_rates, two.rejection_rates)
    assert "over 2 processes" in two.summary().notes[1]
    # one chunk: no worker is started for it
    assert simulate(workers=2, **{**kw, "replications": 3}).workers == 1  # type: ignore[arg-type]


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_invalid_worker_counts_are_clear_errors(workers: object) -> None:
    with pytest.raises(SimulationDesignError, match="workers=.* is invalid"):
        simulate(n_events=10, estimation_length=40, replications=2, seed=1, workers=workers)  # type: ignore[arg-type]


def test_every_core_by_default_on_request() -> None:
    from rerating.study.simulate import resolve_workers

    assert resolve_workers(None) >= 1
    assert resolve_workers(3) == 3
