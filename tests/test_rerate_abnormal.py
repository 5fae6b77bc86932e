"""Abnormal returns through the engine, checked against a market model fitted by hand."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from rerating.errors import UnknownEventError, WindowError

SAMPLE = resources.files("rerating.data").joinpath("sample")


def adj_returns(name: str) -> pd.Series:
    with SAMPLE.joinpath(f"{name}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    s = pd.Series([float(r["adj_close"]) for r in rows], index=pd.to_datetime([r["date"] for r in rows]))
    return s / s.shift(1) - 1


@pytest.fixture(scope="module")
def market():
    from rerating.data.market import Market

    return Market.from_sample()


def test_car_matches_a_hand_fitted_market_model(market):
    from rerating.rerate.abnormal import abnormal_returns

    res = abnormal_returns(market, ["9988.HK"], "deepseek-r1", event_windows=((0, 0), (0, 4)))
    car = res.car.set_index("window")["car"]
    # oracle: OLS of 9988.HK on ^HSI over sessions [-250, -11] around day 0 = 2025-01-21 (the data
    # start cuts it short), then AR = r - (alpha + beta * r_HSI) on days 0..4
    r, m = adj_returns("9988.HK"), adj_returns("HSI")
    d0 = r.index.get_loc(pd.Timestamp("2025-01-21"))
    est = r.iloc[max(d0 - 250, 1): d0 - 10]
    beta, alpha = np.polyfit(m.reindex(est.index).to_numpy(), est.to_numpy(), 1)
    ar = [r.iloc[d0 + k] - (alpha + beta * m.loc[r.index[d0 + k]]) for k in range(5)]
    from rerating.study import window_label  # the engine's own label format

    assert car[window_label((0, 0))] == pytest.approx(ar[0], rel=1e-8)
    assert car[window_label((0, 4))] == pytest.approx(sum(ar), rel=1e-8)


def test_event_return_window_and_groups(market):
    from rerating.rerate.abnormal import abnormal_event_return, abnormal_returns

    five = abnormal_event_return(market, ["9988.HK", "0700.HK"], "deepseek-r1", 5)
    full = abnormal_returns(market, ["9988.HK", "0700.HK"], "deepseek-r1", event_windows=((0, 4),))
    pd.testing.assert_frame_equal(five.car, full.car)
    g = abnormal_returns(market, ["9988.HK", "0700.HK"], "deepseek-r1", groups="China tech HK")
    assert set(g.caar["group"]) == {"all", "China tech HK"}


def test_short_benchmark_history_is_in_the_ledger(market):
    from rerating.rerate.abnormal import abnormal_returns

    # ^GSPC starts 2024-08-19 in the sample: too little estimation data for R1 by default
    res = abnormal_returns(market, ["NVDA", "9988.HK"], "deepseek-r1")
    assert list(res.dropped["symbol"]) == ["NVDA"]
    assert "estimation" in res.dropped["reason"].iloc[0]
    ok = abnormal_returns(market, ["NVDA"], "deepseek-r1", min_estimation=60)
    assert len(ok.car) == 3  # three default windows


def test_bad_input(market):
    from rerating.rerate.abnormal import abnormal_event_return, abnormal_returns

    with pytest.raises(UnknownEventError, match="did you mean deepseek-r1"):
        abnormal_returns(market, ["NVDA"], "deepseek-r2")
    with pytest.raises(WindowError):
        abnormal_event_return(market, ["NVDA"], "deepseek-r1", 0)
