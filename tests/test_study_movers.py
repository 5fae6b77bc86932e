"""Which listings moved: per-event CAR p-values screened with a false discovery rate.

Oracles: statsmodels' ``multipletests`` (fdr_bh, fdr_by), a step-up worked by hand, and a
simulation in which the true movers are known.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy import stats
from statsmodels.stats.multitest import multipletests

from rerating.cli import main
from rerating.errors import StatisticOptionError
from rerating.study import EventStudy
from rerating.study.statistics import fdr_qvalues


def test_benjamini_hochberg_worked_by_hand() -> None:
    # sorted: 0.01, 0.03, 0.04, 0.2; times m/k = 4, 2, 4/3, 1: 0.04, 0.06, 0.0533, 0.2; the step-up
    # takes the running minimum from the top, so 0.06 becomes 0.0533
    q = fdr_qvalues(np.array([0.01, 0.04, 0.03, 0.2]))
    np.testing.assert_allclose(q, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2], rtol=1e-12)
    # Benjamini-Yekutieli multiplies by 1 + 1/2 + 1/3 + 1/4 (capped at 1)
    by = fdr_qvalues(np.array([0.01, 0.04, 0.03, 0.2]), "by")
    np.testing.assert_allclose(by, np.minimum(q * (25 / 12), 1.0), rtol=1e-12)
    with pytest.raises(ValueError, match="'bh' or 'by'"):
        fdr_qvalues(np.array([0.5]), "holm")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(seed=hs.integers(0, 10_000), m=hs.integers(1, 60), method=hs.sampled_from(["bh", "by"]))
def test_fdr_qvalues_match_statsmodels(seed: int, m: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=m) ** rng.uniform(0.5, 4)  # some small p-values
    p[rng.random(m) < 0.1] = np.nan  # NaN p-values are left out of the family
    p[rng.random(m) < 0.1] = 0.25  # and ties
    ok = np.isfinite(p)
    got = fdr_qvalues(p, method)  # type: ignore[arg-type]
    assert np.isnan(got[~ok]).all()
    if ok.any():
        ref = multipletests(p[ok], method=f"fdr_{method}")[1]
        np.testing.assert_allclose(got[ok], ref, rtol=1e-12)


def test_benjamini_hochberg_holds_the_false_discovery_rate_with_a_common_shock() -> None:
    """200 listings, 20 true movers, one shared shock (correlation 0.3): mean FDP <= 10%."""
    rng = np.random.default_rng(2026)
    reps, m, movers, rho, alpha = 2000, 200, 20, 0.3, 0.10
    z = np.sqrt(rho) * rng.standard_normal((reps, 1)) + np.sqrt(1 - rho) * rng.standard_normal((reps, m))
    z[:, :movers] += 3.5
    p = 2 * stats.norm.sf(np.abs(z))
    fdp = []
    found = []
    for row in p:
        hit = fdr_qvalues(row) <= alpha
        fdp.append(hit[movers:].sum() / max(hit.sum(), 1))
        found.append(hit[:movers].mean())
    se = np.std(fdp) / np.sqrt(reps)
    # BH controls the FDR at alpha * (null share) = 9% under positive dependence
    assert np.mean(fdp) <= alpha * (m - movers) / m + 3 * se, np.mean(fdp)
    # testing each listing at p < 0.10 would have listed about 18 quiet ones as movers
    assert np.mean(found) > 0.7
    naive = (p[:, movers:] < alpha).sum(axis=1) / np.maximum((p < alpha).sum(axis=1), 1)
    assert naive.mean() > 2 * np.mean(fdp)


def _market_with_movers(seed: int = 1, n: int = 40, movers: int = 5):
    """One event date; the first ``movers`` listings get a 12% abnormal return over [0:2]."""
    rng = np.random.default_rng(seed)
    days = 200
    dates = pd.bdate_range("2023-01-02", periods=days)
    mkt = rng.normal(0.0003, 0.01, days)
    ret = {}
    for i in range(n):
        r = 0.9 * mkt + rng.normal(0, 0.015, days)
        if i < movers:
            r[180:183] += 0.04
        ret[f"S{i:02d}"] = r
    events = pd.DataFrame(
        {
            "event_id": "ev",
            "symbol": list(ret),
            "date": dates[180],
            "group": ["a" if i % 2 == 0 else "b" for i in range(n)],
        }
    )
    return pd.DataFrame(ret, index=dates), pd.DataFrame({"M": mkt}, index=dates), events


def test_car_qvalues_and_movers_on_a_study() -> None:
    wide, mkt, events = _market_with_movers()
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks="M", estimation_window=(-150, -11),
        event_windows=((0, 2), (-5, -3)),
    ).fit()
    car = res.car
    for label, part in car.groupby("window"):
        ref = multipletests(part["pvalue"], method="fdr_bh")[1]
        np.testing.assert_allclose(part["qvalue"], ref, rtol=1e-12, err_msg=label)
    moved = res.movers("[0:2]", fdr=0.05)
    assert set(moved["symbol"]) >= {f"S{i:02d}" for i in range(5)}
    assert (moved["qvalue"] <= 0.05).all() and moved["qvalue"].is_monotonic_increasing
    assert list(moved.columns) == [
        "event_id", "symbol", "group", "day0", "window", "car", "std_error", "tstat", "pvalue", "qvalue"
    ]
    # before the event nothing moved: no discovery in the pre-event window
    assert res.movers((-5, -3)).empty
    # every window is its own family; BY is stricter than BH
    both = res.movers()
    assert set(both["window"]) == {"[0:2]"}
    assert set(res.movers("[0:2]", method="by")["symbol"]) <= set(moved["symbol"])
    # a group is its own family: its q-values come from its own p-values
    ga = res.movers("[0:2]", group="a", fdr=0.5)
    part = car[(car["window"] == "[0:2]") & (car["group"] == "a")]
    q = pd.Series(multipletests(part["pvalue"], method="fdr_bh")[1], index=part["symbol"].to_numpy())
    np.testing.assert_allclose(ga["qvalue"], q[ga["symbol"]].to_numpy(), rtol=1e-12)
    assert set(ga["group"]) == {"a"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fdr": 5}, "fdr must be in"),
        ({"method": "holm"}, "unknown FDR method"),
        ({"window": "[0:3]"}, r"no event window \[0:3\].*windows: \[0:2\]"),
        ({"group": "c"}, "no group 'c'"),
    ],
)
def test_movers_refuses_bad_options(kwargs: dict, message: str) -> None:
    wide, mkt, events = _market_with_movers()
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks="M", estimation_window=(-150, -11),
        event_windows=((0, 2),), tests="none",
    ).fit()
    with pytest.raises(StatisticOptionError, match=message):
        res.movers(**kwargs)


def test_cli_movers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--sample", "study", "--event", "deepseek-r1", "--estimation", "-100:-11",
            "--window", "0:0", "--window", "0:4", "--what", "movers", "--format", "json"]
    assert main([*argv, "--fdr", "0.1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    # in the sample, only Nvidia's CAR over the first five sessions survives a 10% FDR
    assert [(r["symbol"], r["window"]) for r in rows] == [("NVDA", "[0:4]")]
    assert rows[0]["car"] < -0.1 and rows[0]["pvalue"] < rows[0]["qvalue"] <= 0.1
    # the same q-value as --what car's column
    assert main([*argv[:-4], "--what", "car", "--format", "json"]) == 0
    car = json.loads(capsys.readouterr().out)
    nvda = next(r for r in car if r["symbol"] == "NVDA" and r["window"] == "[0:4]")
    assert nvda["qvalue"] == pytest.approx(rows[0]["qvalue"])
    assert main([*argv, "--fdr", "0.01"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == [] and "no listing's CAR is significant" in out.err
    assert main([*argv, "--fdr", "2"]) == 2
    assert "fdr must be in (0, 1)" in capsys.readouterr().err
