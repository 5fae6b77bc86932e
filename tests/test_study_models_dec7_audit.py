"""Audit of the non-market normal-return models (7 December): bad input and oracles.

Oracles are computed here, never with the package's code: statsmodels OLS per event for the
coefficients and Campbell, Lo & MacKinlay's (1997, sec. 4.4) CAR variance from ``cov_params``;
Hall's (1992) skewness-adjusted t worked from the BHARs as Lyon, Barber & Tsai (1999, p. 174)
write it; the New York session before each Hong Kong open from exchange_calendars' schedules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from rerating.errors import DataFormatError, NoEventsLeftError
from rerating.study import CAPM, Dimson, EventStudy

EST = (-120, -11)
WINS = ((0, 0), (-1, 1), (0, 4))


def _panel(seed: int = 0, n_days: int = 400, n_sym: int = 2):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-06", periods=n_days)
    m = rng.normal(0.0004, 0.01, n_days)
    fac = pd.DataFrame(
        {"MKT": m, "SMB": rng.normal(0, 0.005, n_days), "HML": rng.normal(0, 0.005, n_days)},
        index=dates,
    )
    syms = [f"S{k}" for k in range(n_sym)]
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "symbol": s,
                    "date": dates,
                    "ret": 0.9 * m + 0.3 * fac["SMB"].to_numpy() + rng.normal(0, 0.02, n_days),
                }
            )
            for s in syms
        ],
        ignore_index=True,
    )
    return long, fac, dates, syms


def _events(dates: pd.DatetimeIndex, syms: list[str], first: int = 300, step: int = 15) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": [f"e{k}" for k in range(len(syms))],
            "symbol": syms,
            "date": [dates[first + step * k] for k in range(len(syms))],
        }
    )


# --- bad input: a clear error or a ledger entry that says what is wrong ---------------------


def test_a_factor_column_name_given_twice_is_a_clear_error() -> None:
    long, fac, dates, syms = _panel()
    twice = fac.copy()
    twice.columns = ["MKT", "MKT", "HML"]
    with pytest.raises(DataFormatError, match=r"factors has the column name\(s\) \['MKT'\] more than once"):
        EventStudy(long, _events(dates, syms), factors=twice, model="factor", estimation_window=EST,
                   event_windows=WINS, tests="none").fit()


def test_a_benchmark_column_name_given_twice_is_a_clear_error() -> None:
    long, fac, dates, syms = _panel()
    market = pd.concat([fac["MKT"], fac["MKT"] * 0.5], axis=1)
    market.columns = ["M", "M"]
    with pytest.raises(DataFormatError, match=r"benchmark 'M' of S0 names 2 columns"):
        EventStudy(long, _events(dates, syms), market_returns=market, benchmarks="M",
                   model="dimson", estimation_window=EST, event_windows=WINS, tests="none").fit()


def test_a_foreign_market_column_name_given_twice_is_a_clear_error() -> None:
    long, fac, dates, syms = _panel()
    market = pd.concat([fac["MKT"], fac["SMB"], fac["HML"]], axis=1)
    market.columns = ["M", "^GSPC", "^GSPC"]
    with pytest.raises(DataFormatError, match=r"foreign_lag column '\^GSPC' names 2 columns"):
        EventStudy(long, _events(dates, syms), market_returns=market, benchmarks="M",
                   model=Dimson(foreign_lag=("^GSPC", 1)), calendars={s: "XNYS" for s in syms},
                   estimation_window=EST, event_windows=WINS, tests="none").fit()


def test_a_factor_column_of_text_names_the_column() -> None:
    long, fac, dates, syms = _panel()
    with pytest.raises(DataFormatError, match=r"factors\['TXT'\] has 400 non-numeric value\(s\) \(first: 'n/a'"):
        EventStudy(long, _events(dates, syms), factors=fac.assign(TXT="n/a"), model="factor",
                   estimation_window=EST, event_windows=WINS, tests="none").fit()


def test_a_constant_factor_is_named_in_the_ledger() -> None:
    long, fac, dates, syms = _panel()
    with pytest.raises(NoEventsLeftError) as info:
        EventStudy(long, _events(dates, syms), factors=fac.assign(RF=0.00017), model="factor",
                   estimation_window=EST, event_windows=WINS, tests="none").fit()
    reasons = info.value.dropped["reason"].tolist()  # type: ignore[attr-defined]
    assert reasons == [
        "singular design: factor RF is constant (0.00017) in the estimation window, which the "
        "intercept already fits; leave it out"
    ] * 2


def test_a_risk_free_rate_missing_over_the_estimation_window_is_named() -> None:
    # the returns are there: "use data that start earlier" would not help
    long, fac, dates, syms = _panel()
    ev = _events(dates, syms)
    rf = pd.Series(0.0001, index=dates)
    p0 = 300  # day 0 of e0; its estimation window is sessions p0-120 .. p0-11
    rf.iloc[p0 - 120 : p0 - 60] = np.nan  # 60 of its 110 estimation sessions
    res = EventStudy(long, ev, market_returns=fac["MKT"], risk_free=rf, model="capm",
                     estimation_window=EST, event_windows=WINS, tests="none").fit()
    gone = res.dropped.set_index("event_id").loc["e0", "reason"]
    assert gone == (
        "not enough estimation data: 50 usable sessions in [-120, -11], need 55; 60 of the 110 "
        "sessions with a return have no risk-free value"
    )
    with pytest.raises(NoEventsLeftError, match=r"have no factor MKT / factor SMB / factor HML value\)\. Use "
                       r"benchmark, factor and risk-free series dated on the listings' sessions"):
        # no factor values on sessions 150..289: e0 keeps none of its estimation sessions, e1 15
        holes = pd.Series((dates < dates[150]) | (dates >= dates[290]), index=dates)
        EventStudy(long, ev, factors=fac.where(holes, axis=0),
                   model="factor", estimation_window=EST, event_windows=((0, 0),), tests="none").fit()


@pytest.mark.parametrize("model", ["market", "mean_adjusted", "market_adjusted", "scholes_williams", "dimson"])
def test_a_risk_free_rate_a_model_does_not_use_is_said(model: str) -> None:
    long, fac, dates, syms = _panel()
    kw = {} if model == "mean_adjusted" else {"market_returns": fac["MKT"]}
    rf = pd.Series(0.0001, index=dates)
    res = EventStudy(long, _events(dates, syms), risk_free=rf, model=model, estimation_window=EST,
                     event_windows=WINS, tests="none", **kw).fit()
    assert any(w.startswith(f"risk_free is not used by model={model!r}") for w in res.warnings)
    used = EventStudy(long, _events(dates, syms), risk_free=rf, model="capm", estimation_window=EST,
                      event_windows=WINS, tests="none", market_returns=fac["MKT"]).fit()
    assert not any("risk_free is not used" in w for w in used.warnings)


# --- oracles --------------------------------------------------------------------------------


def _lag(x: np.ndarray, k: int) -> np.ndarray:
    """x shifted k sessions later (k > 0: the previous sessions' values), NaN off the edge."""
    if k == 0:
        return x
    if k > 0:
        return np.concatenate([np.full(k, np.nan), x[:-k]])
    return np.concatenate([x[-k:], np.full(-k, np.nan)])


@pytest.mark.parametrize("model", ["mean_adjusted", "capm", "dimson"])
def test_car_variance_bhar_and_skewness_adjusted_t_against_statsmodels(model: str) -> None:
    long, fac, dates, syms = _panel(seed=3, n_sym=12)
    ev = _events(dates, syms, first=160, step=18)  # windows far apart: cross-sectional CAAR
    m = fac["MKT"].to_numpy()
    rf = pd.Series(0.0001 + 0.00002 * np.sin(np.arange(dates.size) / 20.0), index=dates)
    kw: dict = {"market_returns": fac["MKT"]}
    off = np.zeros(dates.size)
    if model == "mean_adjusted":
        X = np.ones((dates.size, 1))
        the_model: object = "mean_adjusted"
        kw = {}
    elif model == "capm":
        off = rf.to_numpy()
        X = np.column_stack([np.ones(dates.size), m - off])
        the_model = CAPM()
        kw["risk_free"] = rf
    else:
        X = np.column_stack([np.ones(dates.size), _lag(m, 2), _lag(m, 1), m, _lag(m, -1)])
        the_model = Dimson(lags=2, leads=1)
    res = EventStudy(long, ev, model=the_model, estimation_window=EST, event_windows=WINS,
                     tests=("cross_sectional_t", "skewness_adjusted_t"), **kw).fit()
    assert res.dropped.empty
    car = res.car.set_index(["symbol", "window"])
    bhars: dict[str, list[float]] = {f"[{a}:{b}]": [] for a, b in WINS}
    for k, s in enumerate(syms):
        y = long.loc[long["symbol"] == s, "ret"].to_numpy()
        p = 160 + 18 * k
        est = np.arange(p + EST[0], p + EST[1] + 1)
        fit = sm.OLS(y[est] - off[est], X[est]).fit()
        for a, b in WINS:
            sel = np.arange(p + a, p + b + 1)
            normal = off[sel] + X[sel] @ fit.params
            s_ = X[sel].sum(axis=0)
            var = sel.size * fit.scale + s_ @ fit.cov_params() @ s_  # CLM (1997) eq. 4.4.x
            got = car.loc[(s, f"[{a}:{b}]")]
            t = (y[sel] - normal).sum() / np.sqrt(var)
            assert got["car"] == pytest.approx((y[sel] - normal).sum(), abs=1e-12)
            assert got["std_error"] ** 2 == pytest.approx(var, rel=1e-10)
            assert got["pvalue"] == pytest.approx(2 * stats.t.sf(abs(t), fit.df_resid), abs=1e-10)
            bhar = np.prod(1 + y[sel]) - np.prod(1 + normal)
            assert got["bhar"] == pytest.approx(bhar, abs=1e-12)
            bhars[f"[{a}:{b}]"].append(bhar)
    tests = res.tests.set_index(["window", "test"])
    for label, values in bhars.items():
        x = np.array(values)
        n, sd = x.size, x.std(ddof=1)
        s_ = x.mean() / sd
        gamma = ((x - x.mean()) ** 3).sum() / (n * sd**3)
        t_sa = np.sqrt(n) * (s_ + gamma * s_**2 / 3 + gamma / (6 * n))
        row = tests.loc[(label, "skewness_adjusted_t")]
        assert row["statistic"] == pytest.approx(t_sa, abs=1e-10)
        assert row["pvalue"] == pytest.approx(2 * stats.t.sf(abs(t_sa), n - 1), abs=1e-10)  # N < 30


def test_capm_and_dimson_with_last_nights_new_york_session_against_statsmodels() -> None:
    import exchange_calendars as xc

    hkc, nyc = xc.get_calendar("XHKG"), xc.get_calendar("XNYS")
    hk = hkc.sessions_in_range("2023-01-03", "2023-12-29")
    ny = nyc.sessions_in_range("2022-12-01", "2023-12-29")
    rng = np.random.default_rng(17)
    hsi = pd.Series(rng.normal(0, 0.012, hk.size), index=hk)
    spx = pd.Series(rng.normal(0, 0.011, ny.size), index=ny)
    # the last New York session whose close (UTC) is before each Hong Kong session's open
    before = np.searchsorted(nyc.schedule.loc[ny, "close"].to_numpy(),
                             hkc.schedule.loc[hk, "open"].to_numpy(), side="left") - 1
    prev = spx.to_numpy()[before]
    h = hsi.to_numpy()
    ret = 0.9 * h + 0.35 * prev + rng.normal(0, 0.015, hk.size)
    long = pd.DataFrame({"symbol": "9988.HK", "date": hk, "ret": ret})
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["9988.HK"], "date": [hk[200]]})
    market = pd.concat({"^HSI": hsi, "^GSPC": spx}, axis=1, sort=True)
    rf = pd.Series(0.00008, index=market.index)
    one = np.ones(hk.size)
    cases = (
        (CAPM(foreign_lag=("^GSPC", 1)), np.column_stack([one, h - 0.00008, prev]), 0.00008),
        (Dimson(lags=1, leads=1, foreign_lag=("^GSPC", 1)),
         np.column_stack([one, _lag(h, 1), h, _lag(h, -1), prev]), 0.0),
    )
    for model, X, off in cases:
        res = EventStudy(long, ev, market_returns=market, benchmarks="^HSI", model=model,
                         risk_free=rf if off else None, calendars={"9988.HK": "XHKG", "^GSPC": "XNYS"},
                         estimation_window=(-150, -11), event_windows=WINS, tests="none").fit()
        est = np.arange(200 - 150, 200 - 11 + 1)
        fit = sm.OLS(ret[est] - off, X[est]).fit()
        car = res.car.set_index("window")
        for a, b in WINS:
            sel = np.arange(200 + a, 200 + b + 1)
            s_ = X[sel].sum(axis=0)
            var = sel.size * fit.scale + s_ @ fit.cov_params() @ s_
            assert car.loc[f"[{a}:{b}]", "car"] == pytest.approx(
                (ret[sel] - off - X[sel] @ fit.params).sum(), abs=1e-12
            )
            assert car.loc[f"[{a}:{b}]", "std_error"] ** 2 == pytest.approx(var, rel=1e-10)
        assert res.params.filter(like="foreign").iloc[0, 0] == pytest.approx(fit.params[-1], rel=1e-9)


def test_factors_a_model_does_not_use_are_said_and_a_benchmarks_gaps_are_not_the_factors() -> None:
    # model='market' with factors= (ignored): the benchmark's gaps were reported as "the factors
    # have no value on 25% of the estimation sessions"
    long, fac, dates, syms = _panel()
    ev = _events(dates, syms)
    gone = range(150, 290, 4)  # every 4th session of the estimation windows, none of the events'
    gappy = fac["MKT"].drop(dates[list(gone)])
    res = EventStudy(long, ev, market_returns=gappy, factors=fac, model="market",
                     estimation_window=EST, event_windows=WINS, tests="none").fit()
    assert not any("the factors have no value" in w for w in res.warnings)
    assert any(w.startswith("factors is not used by model='market'") for w in res.warnings)
    # by hand: e0's estimation sessions are 180..289 (day 0 is session 300)
    assert int(res.params["n_obs"].iloc[0]) == 110 - sum(1 for t in range(180, 290) if t in gone)


def test_a_foreign_markets_gaps_are_not_counted_as_the_factors() -> None:
    long, fac, dates, syms = _panel()
    ev = _events(dates, syms)
    market = pd.DataFrame({"^GSPC": fac["MKT"].drop(dates[150:290:4])})  # 25% of the sessions gone
    res = EventStudy(long, ev, market_returns=market, factors=fac,
                     model="factor", estimation_window=EST, event_windows=((0, 0),),
                     tests="none").fit()
    assert not any("the factors have no value" in w for w in res.warnings)
    from rerating.study import FactorModel

    lagged = EventStudy(long, ev, market_returns=market, factors=fac,
                        model=FactorModel(foreign_lag=("^GSPC", 1)),
                        calendars={s: "XNYS" for s in syms} | {"^GSPC": "XNYS"},
                        estimation_window=EST, event_windows=((0, 0),), tests="none").fit()
    assert not any("the factors have no value" in w for w in lagged.warnings)


def test_a_regressor_that_repeats_another_is_named_in_the_ledger() -> None:
    # a New York listing's own index as its foreign market one night back is its benchmark's lag
    import exchange_calendars as xc

    ny = xc.get_calendar("XNYS").sessions_in_range("2022-01-03", "2023-06-30")
    rng = np.random.default_rng(5)
    spx = pd.Series(rng.normal(0, 0.01, ny.size), index=ny)
    long = pd.DataFrame({"symbol": "NVDA", "date": ny, "ret": 1.2 * spx.to_numpy() + rng.normal(0, 0.02, ny.size)})
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["NVDA"], "date": [ny[250]]})
    with pytest.raises(NoEventsLeftError) as info:
        EventStudy(long, ev, market_returns=spx.to_frame("^GSPC"), model=Dimson(foreign_lag=("^GSPC", 1)),
                   calendars={"NVDA": "XNYS", "^GSPC": "XNYS"}, estimation_window=EST,
                   event_windows=WINS, tests="none").fit()
    assert info.value.dropped["reason"].tolist() == [  # type: ignore[attr-defined]
        "singular design: benchmark (1 sessions earlier) and foreign market ^GSPC are the same "
        "series in the estimation window; leave one out"
    ]
