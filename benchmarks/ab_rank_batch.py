"""The twelfth session's engine change, measured in one process: the final code against the rank
batch it replaced (commit 7b2f99d's kernels, which built the rank tests' three events x sessions
matrices and placed GRANK's SCAR* in a pass of its own; its sign-test shares; ``os.cpu_count`` on
each fit), swapped into the same process and alternated fit by fit, so that both see the same
state of a shared machine. The two tests frames must be equal (checked first).

Usage::

    .venv/bin/python benchmarks/ab_rank_batch.py [FITS]    # 250 fits of each by default

Prints the two medians and their ratio (benchmarks/README.md, the section of 2026-12-08 01:40).
Needs git (the old kernels come from ``git show 7b2f99d:...``) and numba (the ``[fast]`` extra).
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("RERATING_COMPILED", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_study  # noqa: E402

from rerating.study import EventStudy, _compiled, engine  # noqa: E402
from rerating.study import statistics as st  # noqa: E402

OLD = "7b2f99d"


def old_kernels(commit: str = OLD) -> ModuleType:
    """A commit's numba kernels (7b2f99d's by default), loaded under a name of their own from a
    copy outside the source tree (numba's cache is keyed by the file)."""
    text = subprocess.run(
        ["git", "show", f"{commit}:src/rerating/study/_numba_kernels.py"],
        cwd=HERE.parent, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    name = f"kernels_{commit}"
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def old_batch(kernels: ModuleType, samples: list, names: list, *parts: np.ndarray) -> tuple:
    """7b2f99d's ``batch_rank_tests`` and ``span_rank_sums``: the sums into the cache, and the
    three matrices it built on the way."""
    resid, ar, var_ar, sigma2 = parts
    extra = samples[0].extra
    n, l1 = resid.shape
    t = l1 + ar.shape[1]
    span = any(st._window_key(w) == "" for w in samples)
    corrado = span and "corrado" in names
    cz_div = None
    if span and "corrado_zivney" in names:
        with np.errstate(invalid="ignore", divide="ignore"):
            cz_div = st._span_sd((ar / np.sqrt(var_ar)).T.copy())
    starred = [w for w in samples if "grank" in names]
    stars = np.array([w.scar / w.scar.std(ddof=1) for w in starred]).reshape(len(starred), n)
    bits = max(1, (l1 - 1).bit_length())
    _, keys = _compiled._scratch(n * l1)
    k = keys[: n * l1].reshape(n, l1)
    arrays = (np.empty((n, l1)), np.empty((n, t)), np.empty((n, t)))
    assert kernels.pack_span_est(resid, ar, var_ar, sigma2, bits, k, *arrays)
    k.view(np.float64).sort(axis=1)
    div = np.ones(ar.shape[1]) if cz_div is None else cz_div
    sums = np.zeros((int(corrado) + int(cz_div is not None) + len(starred), t))
    assert kernels.merge_span_tests(
        resid, *arrays, div, stars, corrado, cz_div is not None, k, bits, sums
    )
    rows = iter(sums)
    if corrado:
        extra["means_ar"] = st._rank_means_of(next(rows) / (t + 1.0) - 0.5 * n, np.full(t, n), n)
    if cz_div is not None:
        extra["means_cz"] = st._rank_means_of(next(rows) / (t + 1.0) - 0.5 * n, np.full(t, n), n)
    for w, row in zip(starred, rows, strict=True):
        extra[st._grank_key(w)] = row[: l1 + 1].copy()
    return arrays


def small_fit() -> Callable[[], Any]:
    """The benchmark's 500-event study with every test, as a call that fits it."""
    sizes = bench_study.Sizes()
    data = bench_study.make_small(sizes)

    def fit() -> Any:
        return EventStudy(
            data.returns, data.events, market_returns=data.market, benchmarks="MKT",
            model="market", estimation_window=sizes.estimation_window,
            event_windows=(sizes.window,), tests="all",
        ).fit()  # fmt: skip

    return fit


def alternated_medians(
    fit: Callable[[], Any],
    use: Callable[[tuple], None],
    start: tuple,
    final: tuple,
    fits: int,
    swap_order: bool = False,
) -> dict[str, float]:
    """The median ms of ``fits`` fits of each version (``use`` swaps one in), one of each in turn
    after five of each as warm-up; ``swap_order``: the two go first by turns."""
    times: dict[str, list[float]] = {"start": [], "final": []}
    for i in range(fits + 5):
        pair = (("start", start), ("final", final))
        for name, version in pair[:: -1 if swap_order and i % 2 == 0 else 1]:
            use(version)
            t0 = time.perf_counter()
            fit()
            if i >= 5:  # the first five of each: warm-up
                times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def report(start_label: str, start: str, med: dict[str, float], fits: int) -> None:
    """Print the two medians and their ratio."""
    print(
        f"{start_label} {med['start']:.2f} ms, final {med['final']:.2f} ms, "
        f"final / {start} {med['final'] / med['start']:.3f} (medians of {fits} alternated fits)"
    )


def main(argv: list[str]) -> int:
    fits = int(argv[0]) if argv else 250
    kernels = old_kernels()
    final = (engine._run_batched_rank_tests, st.estimation_positive_share, engine._cpu_count)

    def old_batched(inputs: Any, samples: list, names: list) -> dict:
        arrays = old_batch(kernels, samples, names, *inputs.parts())
        with inputs._lock:
            inputs._arrays = inputs._arrays or arrays
        return engine._run_rank_tests(inputs, slice(None), samples, names)

    def old_share(resid: np.ndarray) -> np.ndarray:
        return np.count_nonzero(resid > 0, axis=1) / resid.shape[1]  # type: ignore[no-any-return]

    start = (old_batched, old_share, lambda: os.cpu_count() or 1)

    def use(version: tuple) -> None:
        engine._run_batched_rank_tests, st.estimation_positive_share, engine._cpu_count = version

    fit = small_fit()
    # the whole batch on the helper, as at 7b2f99d (since then the helper only sums it when it
    # answers every rank test: engine._SplitRankBatch)
    engine.plan_rank_batch = lambda *args: None

    use(start)
    before = fit()
    use(final)
    pd.testing.assert_frame_equal(before.tests, fit().tests, check_exact=True)
    report(f"{OLD} rank batch", OLD, alternated_medians(fit, use, start, final, fits), fits)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
