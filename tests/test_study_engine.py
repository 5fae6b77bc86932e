"""EventStudy end to end: alignment, ledger, bad input, order invariance, clustering, results object."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from rerating.errors import (
    DataFormatError,
    DuplicateDateError,
    EventFormatError,
    MissingDataError,
    NoEventsLeftError,
    NonSessionDateError,
    StatisticOptionError,
    UnknownModelError,
    WindowError,
)
from rerating.study import EventStudy, EventStudyResults

EST = (-100, -11)
WINS = ((0, 0), (-1, 1), (0, 5))


def make_panel(n_sym: int = 8, n_days: int = 400, seed: int = 0, rho: float = 0.0):
    """Wide returns (business days) from a market model; ``rho`` = residual correlation."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    m = rng.normal(0.0003, 0.01, n_days)
    common = rng.normal(0, 1, n_days)
    cols = {}
    for i in range(n_sym):
        e = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(0, 1, n_days)
        cols[f"S{i:02d}"] = 0.0002 + (0.7 + 0.1 * i) * m + 0.015 * e
    return pd.DataFrame(cols, index=dates), pd.Series(m, index=dates, name="MKT")


@pytest.fixture(scope="module")
def panel():
    return make_panel()


def spread_events(
    wide: pd.DataFrame, positions: list[int], groups: list[str] | None = None
) -> pd.DataFrame:
    syms = list(wide.columns)
    rows = [
        {"event_id": f"e{i}", "symbol": syms[i % len(syms)], "date": wide.index[p]}
        for i, p in enumerate(positions)
    ]
    ev = pd.DataFrame(rows)
    if groups is not None:
        ev["group"] = groups
    return ev


def test_long_and_wide_inputs_agree(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [150, 200, 250, 300, 320, 340])
    long = (
        wide.rename_axis("date")
        .reset_index()
        .melt(id_vars="date", var_name="symbol", value_name="ret")
    )
    a = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    b = EventStudy(long, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    pd.testing.assert_frame_equal(a.car, b.car)
    pd.testing.assert_frame_equal(a.tests, b.tests)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(perm=hs.permutations(list(range(10))))
def test_results_do_not_depend_on_event_order(panel, perm) -> None:
    wide, m = panel
    ev = spread_events(wide, [120 + 25 * i for i in range(10)], groups=["a", "b"] * 5)
    base = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    shuffled = ev.iloc[list(perm)].reset_index(drop=True)
    got = EventStudy(
        wide, shuffled, market_returns=m, estimation_window=EST, event_windows=WINS
    ).fit()
    pd.testing.assert_frame_equal(base.car, got.car)
    pd.testing.assert_frame_equal(base.caar, got.caar)
    pd.testing.assert_frame_equal(base.tests, got.tests)


def test_another_event_of_the_same_firm_does_not_multiply_its_weight(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [150, 170, 190, 210, 230, 250, 270, 290], groups=["g"] * 8)
    base = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    extra = pd.DataFrame(
        {"event_id": ["late"], "symbol": ["S00"], "date": [wide.index[380]], "group": ["other"]}
    )
    more = EventStudy(
        wide,
        pd.concat([ev, extra], ignore_index=True),
        market_returns=m,
        estimation_window=EST,
        event_windows=WINS,
    ).fit()
    # group g is untouched: same N, same CAAR, same statistics
    pd.testing.assert_frame_equal(
        base.tests[base.tests["group"] == "g"].reset_index(drop=True),
        more.tests[more.tests["group"] == "g"].reset_index(drop=True),
    )
    # every original event's own CAR t is unchanged, and "all" counts exactly one more event
    # (its q-value moves: one more listing in the family of each window)
    car_more = more.car[more.car["event_id"] != "late"].reset_index(drop=True)
    pd.testing.assert_frame_equal(base.car.drop(columns="qvalue"), car_more.drop(columns="qvalue"))
    n_all = more.caar.set_index(["group", "window"])["n"]
    assert n_all[("all", "[0:0]")] == 9 and n_all[("g", "[0:0]")] == 8
    assert (more.tests.loc[more.tests["group"] == "all", "n"] <= 9).all()


def test_a_listing_on_one_day_zero_counts_once(panel) -> None:
    # two events (two news items, two catalog events) of one listing on one date: the same ARs,
    # counted twice they doubled its weight and made r̄ = 1 (a ZeroDivisionError before)
    wide, m = panel
    ev = spread_events(wide, [150, 170, 190, 210, 230, 250], groups=["a", "a", "a", "b", "b", "b"])
    repeats = pd.DataFrame(
        {
            "event_id": ["r1", "r2"],
            "symbol": ["S00", "S01"],
            "date": [wide.index[150], wide.index[170]],
            "group": ["b", "a"],  # one in another group, one in the same
        }
    )
    kw = dict(market_returns=m, estimation_window=EST, event_windows=WINS)
    base = EventStudy(wide, ev, **kw).fit()
    for order in (slice(None), slice(None, None, -1)):  # input order never decides which is kept
        both = pd.concat([ev, repeats], ignore_index=True).iloc[order]
        res = EventStudy(wide, both, **kw).fit()
        pd.testing.assert_frame_equal(res.caar, base.caar)
        pd.testing.assert_frame_equal(res.tests, base.tests)
        dropped = res.dropped.set_index("event_id")["reason"]
        assert sorted(dropped.index) == ["r1", "r2"]
        assert dropped["r1"].startswith("repeated listing and day 0: S00 on")
        assert "already event e0, in group 'a'" in dropped["r1"]
        assert "already event e1;" in dropped["r2"]
        assert any("2 x repeated listing and day 0" in w for w in res.warnings)
    # alone, the two events of one listing and date are one event
    one = EventStudy(wide, both[both["symbol"] == "S00"], **kw).fit()
    assert one.caar["n"].eq(1).all() and len(one.dropped) == 1


def test_two_symbols_with_the_same_returns_give_nan_with_a_warning_not_a_crash(panel) -> None:
    wide, m = panel
    twin = wide.assign(TWIN=wide["S00"])
    ev = pd.DataFrame(
        {"event_id": ["a", "b"], "symbol": ["S00", "TWIN"], "date": [wide.index[200]] * 2}
    )
    res = EventStudy(twin, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    assert res.clustering["rbar"].to_numpy() == pytest.approx(1.0)
    assert res.caar[["std_error", "tstat", "pvalue"]].isna().all().all()
    assert res.caar["caar"].notna().all()
    assert any("residuals move as one (r̄ = 1" in w for w in res.warnings)
    tests = res.tests.set_index(["window", "test"])
    for name in ("cross_sectional_t", "bmp", "adj_bmp"):  # no sd: NaN, never inf with p = 0
        assert tests.loc[("[0:0]", name), ["statistic", "pvalue"]].isna().all()
        assert any(w.startswith(f"{name} is undefined for group 'all'") for w in res.warnings)
    assert np.isfinite(tests.loc[("[0:0]", "adj_patell"), "statistic"])


def test_a_group_named_all_is_refused(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [150, 170, 190, 210], groups=["all", "x", "all", "x"])
    with pytest.raises(EventFormatError, match="name 'all', which stands for every event"):
        EventStudy(wide, ev, market_returns=m, estimation_window=EST).fit()
    ev["group"] = "all"  # every event in "all": the same as no groups
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST).fit()
    assert set(res.caar["group"]) == {"all"} and res.caar["n"].eq(4).all()


@pytest.mark.parametrize("gaps", [False, True])
def test_a_windows_tests_do_not_depend_on_the_other_windows(gaps: bool) -> None:
    # the rank tests once ranked over the union of the windows asked for: [0:5]'s Corrado moved
    # (and with gaps flipped sign) when [-5:20] was asked too; each now ranks its own window
    wide, m = make_panel(n_sym=30, n_days=420, seed=4, rho=0.05)
    if gaps:
        wide = wide.mask(np.random.default_rng(4).random(wide.shape) < 0.01)
    ev = spread_events(wide, list(range(300, 360, 2)), groups=["A", "B", "C"] * 10)
    wins = ((0, 0), (-1, 1), (0, 5), (-5, 20))
    kw = dict(market_returns=m, estimation_window=EST, min_window_share=0.8 if gaps else 1.0)
    joint = EventStudy(wide, ev, event_windows=wins, **kw).fit().tests
    for w in wins:
        label = f"[{w[0]}:{w[1]}]"
        alone = EventStudy(wide, ev, event_windows=(w,), **kw).fit().tests
        pd.testing.assert_frame_equal(
            joint[joint["window"] == label].reset_index(drop=True), alone, check_exact=False,
            rtol=1e-12,
        )
    if gaps:
        return
    # Corrado (1989) for [0:5] by hand: statsmodels OLS per event, ranks (scipy) of the estimation
    # residuals and the window's ARs only
    import statsmodels.api as sm
    from scipy import stats

    u = []
    for _, e in ev.iterrows():
        t0 = wide.index.get_loc(e["date"])
        y, x = wide[e["symbol"]].to_numpy(), sm.add_constant(m.to_numpy())
        est = slice(t0 + EST[0], t0 + EST[1] + 1)
        fit = sm.OLS(y[est], x[est]).fit()
        window = slice(t0, t0 + 6)
        series = np.concatenate([fit.resid, y[window] - x[window] @ fit.params])
        u.append(stats.rankdata(series) / (series.size + 1) - 0.5)
    ubar = np.mean(u, axis=0)
    z = ubar[-6:].sum() / (np.sqrt(6) * np.sqrt(np.mean(ubar**2)))
    got = joint.set_index(["group", "window", "test"]).loc[("all", "[0:5]", "corrado"), "statistic"]
    assert got == pytest.approx(z, rel=1e-10)


def test_ledger_records_each_kind_of_bad_event(panel) -> None:
    wide, m = panel
    wide = wide.copy()
    wide.loc[wide.index[200], "S01"] = np.inf  # inf on S01's day 0
    wide.loc[wide.index[250], "S07"] = -np.inf  # inf inside S07's estimation window
    wide.loc[wide.index[151], "S02"] = (
        np.nan
    )  # wide NaN = not a session: day 0 of S02 moves to next
    wide["S03"] = np.where(np.arange(len(wide)) < 250, 0.001, wide["S03"])  # constant returns
    m = m.copy()
    m.iloc[301] = np.nan  # benchmark missing on S04's day +1
    ev = pd.DataFrame(
        {
            "event_id": [
                "ok",
                "inf",
                "ns",
                "const",
                "nobench",
                "early",
                "late",
                "nosym",
                "inf_est",
            ],
            "symbol": ["S00", "S01", "S02", "S03", "S04", "S05", "S06", "ZZZ", "S07"],
            "date": [wide.index[i] for i in (150, 200, 151, 240, 300, 40, 397, 150, 300)],
        }
    )
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    led = res.dropped.set_index("event_id")["reason"]
    assert "inf" in led["inf"] and "inf" in led["inf_est"]
    assert "zero variance" in led["const"]
    assert "missing benchmark" in led["nobench"] and "benchmark" in led["nobench"]
    assert "not enough estimation data" in led["early"]
    assert "outside the data" in led["late"]
    assert "no returns" in led["nosym"]
    assert set(res.car["event_id"]) == {"ok", "ns"}
    assert not res.car[["car", "std_error", "tstat"]].isna().any().any()
    assert any("7 of 9 events dropped" in w for w in res.warnings)


def test_nan_return_in_event_window_and_missing_day_zero_go_to_the_ledger(panel) -> None:
    wide, m = panel
    long = (
        wide.rename_axis("date")
        .reset_index()
        .melt(id_vars="date", var_name="symbol", value_name="ret")
    )
    long.loc[(long["symbol"] == "S00") & (long["date"] == wide.index[150]), "ret"] = np.nan
    long.loc[(long["symbol"] == "S01") & (long["date"] == wide.index[203]), "ret"] = np.nan
    ev = spread_events(wide, [150, 200, 250])
    res = EventStudy(long, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    led = res.dropped.set_index("event_id")["reason"]
    assert led["e0"].startswith("missing day 0")
    assert led["e1"].startswith("missing return in the event window")
    assert wide.index[203].strftime("%Y-%m-%d") in led["e1"]


def test_non_session_policies(panel) -> None:
    wide, m = panel
    saturday = pd.Timestamp("2020-08-01")
    assert saturday.day_of_week == 5
    ev = pd.DataFrame({"event_id": ["x"], "symbol": ["S00"], "date": [saturday]})

    def fit(policy: str) -> EventStudyResults:
        kw = dict(market_returns=m, estimation_window=EST, event_windows=WINS)
        return EventStudy(wide, ev, non_session=policy, **kw).fit()  # type: ignore[arg-type]

    nxt = fit("next")
    prev = fit("previous")
    assert nxt.ar.loc[nxt.ar["event_time"] == 0, "date"].iloc[0] == pd.Timestamp("2020-08-03")
    assert prev.ar.loc[prev.ar["event_time"] == 0, "date"].iloc[0] == pd.Timestamp("2020-07-31")
    assert set(nxt.car["day0"]) == {pd.Timestamp("2020-08-03")}
    assert set(prev.car["day0"]) == {pd.Timestamp("2020-07-31")}
    with pytest.raises(NoEventsLeftError, match="non_session='skip'"):
        fit("skip")
    with pytest.raises(NonSessionDateError, match="2020-08-01"):
        fit("raise")


def test_timestamp_maps_to_first_session_closing_after_it() -> None:
    import exchange_calendars as xc

    sess = xc.get_calendar("XNYS").sessions_in_range("2024-01-02", "2025-03-31")
    rng = np.random.default_rng(5)
    wide = pd.DataFrame({"NVDA": rng.normal(0, 0.02, sess.size)}, index=sess)
    m = pd.Series(rng.normal(0, 0.01, sess.size), index=sess, name="^GSPC")
    ev = pd.DataFrame(
        {
            "event_id": ["before_close", "after_close", "holiday"],
            "symbol": ["NVDA"] * 3,
            "timestamp": [
                "2025-01-27T15:00:00-05:00",
                "2025-01-27T16:30:00-05:00",
                "2025-01-20T09:00:00+08:00",
            ],
        }
    )
    res = EventStudy(
        wide,
        ev,
        market_returns=m,
        calendars={"NVDA": "XNYS"},
        estimation_window=EST,
        event_windows=((0, 0),),
    ).fit()
    day0 = res.ar[res.ar["event_time"] == 0].set_index("event_id")["date"]
    assert day0["before_close"] == pd.Timestamp("2025-01-27")
    assert day0["after_close"] == pd.Timestamp("2025-01-28")
    assert day0["holiday"] == pd.Timestamp("2025-01-21")  # 2025-01-20 is Martin Luther King Jr. Day
    # the CAR table names each event's day-0 session too (what the timestamp became)
    car_day0 = res.car.set_index("event_id")["day0"]
    assert car_day0.to_dict() == day0.to_dict()
    assert res.bhar.set_index("event_id")["day0"].to_dict() == day0.to_dict()


def test_messages_name_the_cause_and_the_fix(panel) -> None:
    import exchange_calendars as xc

    wide, m = panel
    kw = dict(estimation_window=EST, event_windows=((0, 0),))
    # an inf benchmark return on day 0 is not "missing", and the advice says what to fix
    bad_m = m.copy()
    bad_m.iloc[200] = np.inf
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["S00"], "date": [wide.index[200]]})
    with pytest.raises(
        NoEventsLeftError,
        match=r"non-finite \(inf\) benchmark or factor return: "
        r"benchmark on .*Fix or remove the infinite benchmark",
    ):
        EventStudy(wide, ev, market_returns=bad_m, **kw).fit()
    # every event on a weekend with non_session="skip": the advice is about the dates
    weekend = pd.DataFrame(
        {"event_id": ["a", "b"], "symbol": ["S00", "S01"], "date": ["2020-06-06", "2020-06-07"]}
    )
    with pytest.raises(NoEventsLeftError, match="map non-session dates with non_session='next'"):
        EventStudy(wide, weekend, market_returns=m, non_session="skip", **kw).fit()
    # a timestamp after the calendar's last session: dropped as such, not mapped to that session
    sess = xc.get_calendar("XNYS").sessions_in_range("2024-01-02", "2025-03-31")
    us = pd.DataFrame({"NVDA": np.random.default_rng(1).normal(0, 0.02, sess.size)}, index=sess)
    ev = pd.DataFrame(
        {
            "event_id": ["ok", "far"],
            "symbol": ["NVDA", "NVDA"],
            "timestamp": ["2025-01-27T15:00:00-05:00", "2099-03-01T10:00:00Z"],
        }
    )
    res = EventStudy(
        us,
        ev,
        market_returns=us["NVDA"].sample(frac=1.0, random_state=2).set_axis(sess),
        calendars={"NVDA": "XNYS"},
        **kw,
    ).fit()
    reason = res.dropped.set_index("event_id").loc["far", "reason"]
    assert reason.startswith("event outside the calendar: timestamp 2099-03-01T10:00:00Z is after")
    # headers in another case or with spaces are the same columns
    ev = pd.DataFrame({"Event_ID": ["e"], " Symbol ": ["S00"], "DATE": [wide.index[200]]})
    res = EventStudy(wide, ev, market_returns=m, **kw).fit()
    assert res.car["event_id"].tolist() == ["e"]


def test_a_lost_group_a_missing_risk_free_rate_and_a_one_event_group_are_explained(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [150, 170, 190, 210, 230, 397], groups=["a", "a", "a", "b", "b", "dead"])
    ev.loc[ev["group"] == "b", "event_id"] = ["b1", "b2"]
    ev = pd.concat([ev, ev.iloc[[3]].assign(event_id="solo", group="solo", date=wide.index[250])])
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    # every event of "dead" was dropped (window past the data): said, and compare() says why
    assert any(w.startswith("group 'dead' has no events left: all 1 were dropped") for w in res.warnings)
    assert res.dropped.set_index("event_id").loc["e5", "group"] == "dead"
    with pytest.raises(StatisticOptionError, match="every one of its events was dropped"):
        res.compare("a", "dead")
    # a group of one event: the difference tests that need two say so instead of a bare NaN
    cmp = res.compare("a", "solo").set_index(["window", "test"])
    assert cmp.loc[("[0:0]", "welch_t"), "note"] == "needs 2 events in each group; 'solo' has 1"
    assert np.isnan(cmp.loc[("[0:0]", "adj_bmp_difference"), "statistic"])
    assert np.isfinite(cmp.loc[("[0:0]", "cda_difference"), "statistic"])
    assert cmp.loc[("[0:0]", "cda_difference"), "note"] == ""
    assert any("welch_t of a - solo, [0:0]: needs 2 events" in w for w in res.summary().warnings)
    # a risk-free rate missing on a session of the window is named, not blamed on the benchmark
    rf = pd.Series(0.0001, index=wide.index).drop(wide.index[151])
    led = (
        EventStudy(wide, ev.iloc[:1], market_returns=m, risk_free=rf, model="capm", estimation_window=EST,
                   event_windows=WINS).fit  # fmt: skip
    )
    with pytest.raises(NoEventsLeftError, match="missing risk-free data in the event window: risk-free"):
        led()


def test_bad_input_raises_clear_errors(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [150, 200])
    with pytest.raises(WindowError, match="overlaps"):
        EventStudy(wide, ev, market_returns=m, estimation_window=(-100, 0))
    with pytest.raises(WindowError, match="start <= end"):
        EventStudy(wide, ev, market_returns=m, event_windows=((2, 1),))
    with pytest.raises(WindowError, match="too small"):
        EventStudy(wide, ev, market_returns=m, min_estimation=3).fit()
    with pytest.raises(WindowError, match="too short"):
        EventStudy(wide, ev, market_returns=m, estimation_window=(-6, -3)).fit()
    dup = pd.concat([ev, ev.iloc[[0]]], ignore_index=True)
    with pytest.raises(EventFormatError, match=r"duplicate events.*\(e0, S00\)"):
        EventStudy(wide, dup, market_returns=m).fit()
    with pytest.raises(MissingDataError, match=r"'\^HSI' of S00 is not a column"):
        EventStudy(wide, ev, market_returns=m.to_frame(), benchmarks="^HSI").fit()
    with pytest.raises(MissingDataError, match="benchmarks has no entry for S01"):
        EventStudy(wide, ev, market_returns=m.to_frame(), benchmarks={"S00": "MKT"}).fit()
    with pytest.raises(MissingDataError, match="needs benchmark returns"):
        EventStudy(wide, ev, model="market").fit()
    with pytest.raises(UnknownModelError, match="did you mean market"):
        EventStudy(wide, ev, market_returns=m, model="markt")
    with pytest.raises(UnknownModelError, match="unknown test 'patel'"):
        EventStudy(wide, ev, market_returns=m, tests=["patel"])
    long = (
        wide.rename_axis("date")
        .reset_index()
        .melt(id_vars="date", var_name="symbol", value_name="ret")
    )
    with pytest.raises(DuplicateDateError):
        EventStudy(pd.concat([long, long.iloc[[5]]]), ev, market_returns=m).fit()
    with pytest.raises(EventFormatError, match="no time zone"):
        EventStudy(
            wide,
            pd.DataFrame({"event_id": ["a"], "symbol": ["S00"], "timestamp": ["2020-06-01T10:00"]}),
            market_returns=m,
        ).fit()


def test_percentages_and_prices_are_refused_not_studied(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [150, 200])
    with pytest.raises(DataFormatError, match=r"returns look like percentages or prices.*median"):
        EventStudy(wide * 100, ev, market_returns=m).fit()
    with pytest.raises(DataFormatError, match="returns look like percentages or prices"):
        EventStudy(100 * (1 + wide).cumprod(), ev, market_returns=m).fit()
    with pytest.raises(DataFormatError, match=r"market_returns\['MKT'\] look like percentages"):
        EventStudy(wide, ev, market_returns=m.to_frame("MKT") * 100, benchmarks="MKT").fit()
    factors = pd.DataFrame({"MKT_RF": m, "SMB": m.shift(1).fillna(0.0) / 2}, index=m.index)
    with pytest.raises(DataFormatError, match=r"factors\['SMB'\] look like percentages"):
        EventStudy(wide, ev, model="factor", factors=factors.assign(SMB=factors["SMB"] * 100)).fit()
    rf = pd.Series(0.0002, index=m.index)  # about 5% a year, in decimal
    with pytest.raises(DataFormatError, match="risk_free returns look like percentages"):
        EventStudy(wide, ev, model="capm", market_returns=m, risk_free=rf * 100).fit()
    with pytest.raises(DataFormatError, match="per session .* not annual"):  # an annual rate
        EventStudy(wide, ev, model="capm", market_returns=m, risk_free=rf * 0 + 0.05).fit()
    # the same data in decimal units are studied, and a few huge days do not trip the check
    spiky = wide.copy()
    spiky.iloc[::50, 0] = 5.0
    EventStudy(spiky, ev, market_returns=m).fit()
    EventStudy(wide, ev, model="capm", market_returns=m, risk_free=rf).fit()


@pytest.mark.parametrize("text", ["01/06/2020", "06-01-2020", "June 1, 2020"])
def test_event_dates_must_be_iso_not_guessed(panel, text: str) -> None:
    # 01/06/2020 is 6 January in New York and 1 June in London: refuse instead of guessing
    wide, m = panel
    ev = pd.DataFrame({"event_id": ["a"], "symbol": ["S00"], "date": [text]})
    with pytest.raises(
        DataFormatError,
        match=r"events\['date'\]: cannot parse dates .*use ISO dates like 2025-01-27",
    ):
        EventStudy(wide, ev, market_returns=m).fit()
    iso = EventStudy(
        wide, ev.assign(date=["2020-06-01"]), market_returns=m, estimation_window=EST
    ).fit()
    assert iso.car["event_id"].tolist() == ["a", "a"]


def test_all_events_dropped_raises_with_the_reasons(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [20, 30])
    with pytest.raises(NoEventsLeftError, match="2 x not enough estimation data") as err:
        EventStudy(wide, ev, market_returns=m, estimation_window=EST).fit()
    # one event's full reason, and advice for that reason
    assert "usable sessions in" in str(err.value) and "start earlier" in str(err.value)
    last = wide.index[-3]
    ev = pd.DataFrame({"event_id": ["late"], "symbol": ["S00"], "date": [last]})
    with pytest.raises(NoEventsLeftError, match="event window outside the data") as err:
        EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 5),)).fit()
    assert "(e.g. late, S00: event window outside the data: sessions [0, 5]" in str(err.value)
    assert "Shorten the event windows" in str(err.value)


def test_clustered_events_report_rbar_design_effect_and_valid_tests() -> None:
    wide, m = make_panel(n_sym=30, n_days=300, seed=11, rho=0.3)
    ev = pd.DataFrame({"event_id": "one_date", "symbol": wide.columns, "date": wide.index[250]})
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    clus = res.clustering.set_index("window").loc["[0:0]"]
    assert bool(clus["overlapping"]) and clus["n"] == 30
    assert clus["rbar"] == pytest.approx(0.3, abs=0.06)
    assert clus["design_effect"] == pytest.approx(1 + 29 * clus["rbar"])
    text = " ".join(res.warnings)
    assert "overlap in calendar time" in text and "adj_bmp" in text and "grank" in text
    # with groups: one note per group (its r̄ and design effect), what they mean said once
    grouped = EventStudy(
        wide,
        ev.assign(group=np.where(np.arange(30) % 3, "a", "b")),
        market_returns=m,
        estimation_window=EST,
        event_windows=WINS,
    ).fit()
    overlap = [w for w in grouped.warnings if "overlap in calendar time in group" in w]
    assert [w.split("'")[1] for w in overlap] == ["all", "a", "b"]
    assert all("design effect" in w for w in overlap)
    assert sum("Valid under clustering" in w for w in grouped.warnings) == 1
    assert not any("a few sessions apart" in w for w in grouped.warnings)  # one date for all
    # events on consecutive dates with overlapping windows: the portfolio tests are named
    spread = ev.assign(date=wide.index[240 + np.arange(30) % 10])
    fit = EventStudy(
        wide, spread, market_returns=m, estimation_window=EST, event_windows=WINS
    ).fit()
    apart = [w for w in fit.warnings if "a few sessions apart" in w]
    assert len(apart) == 1 and "brown_warner_cda, corrado, corrado_zivney and grank" in apart[0]
    assert "([-1:1], [0:5])" in apart[0]  # [0:0] windows meet only on one date
    valid = fit.tests.set_index(["window", "test"])["valid_under_clustering"]
    for test in ("brown_warner_cda", "corrado", "corrado_zivney", "grank"):
        assert valid["[0:0]", test] and not valid["[-1:1]", test] and not valid["[0:5]", test]
    assert valid["[0:5]", "adj_bmp"] and valid["[0:5]", "adj_patell"]
    valid = set(res.tests.loc[res.tests["valid_under_clustering"], "test"])
    assert {"adj_patell", "adj_bmp", "grank"} <= valid and "bmp" not in valid
    # the adjusted BMP is the BMP shrunk by sqrt((1 - r̄) / (1 + (N-1) r̄))
    t = res.tests[(res.tests["group"] == "all") & (res.tests["window"] == "[0:0]")].set_index(
        "test"
    )["statistic"]
    r = clus["rbar"]
    assert t["adj_bmp"] == pytest.approx(t["bmp"] * np.sqrt((1 - r) / (1 + 29 * r)))


def test_design_effect_counts_only_the_window_dates_events_share() -> None:
    """Residuals correlate on the same date only: two events' CARs correlate r_ij k_ij / L.

    Oracle: statsmodels residuals per event on calendar dates, pandas' correlation over each
    pair's overlap, window dates as Python sets."""
    import statsmodels.api as sm

    wide, m = make_panel(n_sym=8, n_days=420, seed=21, rho=0.3)
    positions = [200, 200, 201, 203, 260, 262, 330, 400]  # one date, neighbours, far apart
    ev = spread_events(wide, positions)
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    resid, window_dates = {}, {}
    for eid, sym, p0 in zip(ev["event_id"], ev["symbol"], positions, strict=True):
        est = slice(p0 + EST[0], p0 + EST[1] + 1)
        fit = sm.OLS(wide[sym].to_numpy()[est], sm.add_constant(m.to_numpy()[est])).fit()
        resid[eid] = pd.Series(fit.resid, index=wide.index[est])
        window_dates[eid] = [set(wide.index[p0 + a : p0 + b + 1]) for a, b in WINS]
    corr = pd.DataFrame(resid).corr(min_periods=30)
    ids = list(ev["event_id"])
    pairs = [(x, y) for i, x in enumerate(ids) for y in ids[i + 1 :]]
    r = {p: (0.0 if np.isnan(corr.loc[p]) else corr.loc[p]) for p in pairs}
    clus = res.clustering.set_index("window")
    tests = res.tests[res.tests["group"] == "all"].set_index(["window", "test"])["statistic"]
    for w, (a, b) in enumerate(WINS):
        label = f"[{a}:{b}]"
        want = np.mean(
            [r[x, y] * len(window_dates[x][w] & window_dates[y][w]) / (b - a + 1) for x, y in pairs]
        )
        assert clus.loc[label, "rbar"] == pytest.approx(want, rel=1e-9)
        assert clus.loc[label, "design_effect"] == pytest.approx(1 + 7 * want)
        assert tests[(label, "adj_bmp")] == pytest.approx(
            tests[(label, "bmp")] * np.sqrt((1 - want) / (1 + 7 * want)), rel=1e-9
        )
    # the residuals' own r̄ (every pair with 30 common estimation dates) is far larger: the
    # windows of most pairs are apart, so their CARs do not share the correlation
    assert clus["rbar_residual"].iloc[0] == pytest.approx(np.mean(list(r.values())), rel=1e-9)
    assert clus["rbar_residual"].iloc[0] > 1.5 * clus["rbar"].max() > 0


def test_shared_window_dates_across_calendars_and_years() -> None:
    from rerating.study.engine import _shared_dates

    rng = np.random.default_rng(5)
    ny = pd.bdate_range("2015-01-01", "2024-12-31")
    hk = ny[rng.random(ny.size) > 0.03]  # another calendar: some New York sessions are holidays

    def windows(cal: pd.DatetimeIndex, n: int) -> np.ndarray:
        day = cal.values.astype("datetime64[D]").astype(np.int64)
        start = rng.integers(0, cal.size - 30, n)
        start[: n // 2] = start[0] + rng.integers(0, 10, n // 2)  # a cluster in time
        return day[start[:, None] + np.arange(7)]

    x, y = windows(ny, 40), windows(hk, 30)
    want = np.array([[len(set(a) & set(b)) for b in y] for a in x])
    np.testing.assert_array_equal(_shared_dates(x, y), want)
    np.testing.assert_array_equal(
        _shared_dates(x, x), [[len(set(a) & set(b)) for b in x] for a in x]
    )
    assert want.sum() > 0 and (want == 0).mean() > 0.5


def test_independent_dates_are_not_flagged_as_clustered(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [120, 160, 200, 240, 280, 320, 360, 390])
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    assert not res.clustering["overlapping"].any()
    assert not any("overlap" in w for w in res.warnings)


def test_injected_abnormal_return_is_recovered_and_detected() -> None:
    wide, m = make_panel(n_sym=40, n_days=300, seed=2)
    wide = wide.copy()
    pos = [150 + 3 * i for i in range(40)]
    for i, p in enumerate(pos):
        wide.iloc[p, i] += 0.03  # +3% on day 0
    ev = spread_events(wide, pos)
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    caar = res.caar.set_index("window")
    assert caar.loc["[0:0]", "caar"] == pytest.approx(0.03, abs=0.006)
    assert (res.tests.loc[res.tests["window"] == "[0:0]", "pvalue"] < 0.01).all()


def test_caar_rows_carry_the_groups_mean_bhar(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [150, 200, 250, 300], groups=["x", "x", "y", "y"])
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    # the BHAR of each event by hand: compounded return minus compounded normal return
    params = res.params.set_index("event_id")
    bhar = {}
    for e in ev.itertuples():
        pos = wide.index.get_loc(e.date)
        a, b = params.loc[e.event_id, "alpha"], params.loc[e.event_id, "beta"]
        for lo, hi in WINS:
            r = wide[e.symbol].iloc[pos + lo : pos + hi + 1].to_numpy()
            normal = a + b * m.iloc[pos + lo : pos + hi + 1].to_numpy()
            bhar[(e.group, f"[{lo}:{hi}]", e.event_id)] = np.prod(1 + r) - np.prod(1 + normal)
    caar = res.caar.set_index(["group", "window"])["abhar"]
    for (group, window), value in caar.items():
        want = [v for (g, w, _), v in bhar.items() if w == window and group in (g, "all")]
        assert value == pytest.approx(np.mean(want), abs=1e-12), (group, window)


def test_results_are_read_only_and_render(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [150, 200, 250, 300], groups=["x", "x", "y", "y"])
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    assert isinstance(res, EventStudyResults)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.model = "other"  # type: ignore[misc]
    car = res.car
    car.loc[0, "car"] = 99.0
    assert res.car.loc[0, "car"] != 99.0
    # the fields compare() and aar_path() read cannot be edited either (they once could)
    with pytest.raises(ValueError, match="read-only"):
        res.car_arr[0, 0] = 9.0
    with pytest.raises(TypeError, match="read-only"):
        res.rbar["x"] = (0.99, 1)  # type: ignore[index]
    with pytest.raises(TypeError, match="read-only"):
        res.caar_rows[0]["caar"] = 1.0  # type: ignore[index]
    import pickle

    again = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(again.compare("x", "y"), res.compare("x", "y"))
    assert list(res.caar.columns[:9]) == [
        "group",
        "window",
        "n",
        "caar",
        "std_error",
        "tstat",
        "pvalue",
        "conf_low",
        "conf_high",
    ]
    assert list(res.ar.columns[:6]) == ["event_id", "symbol", "group", "event_time", "date", "ar"]
    assert list(res.car.columns) == [
        "event_id",
        "symbol",
        "group",
        "day0",
        "window",
        "car",
        "std_error",
        "tstat",
        "pvalue",
        "qvalue",
        "bhar",
    ]
    assert list(res.tests.columns) == [
        "group",
        "window",
        "test",
        "statistic",
        "pvalue",
        "n",
        "valid_under_clustering",
    ]
    assert set(res.caar["group"]) == {"all", "x", "y"}
    s = res.summary()
    assert (
        "CAAR" in s.as_text() and "<table" in s.as_html() and s.as_csv().startswith("group,window")
    )
    assert repr(res) == s.as_text() and res._repr_html_() == s.as_html()
    frame = res.to_frame()
    assert {"caar", "bmp", "bmp_pvalue", "corrado_pvalue"} <= set(frame.columns)
    path = res.aar_path("x")
    assert list(path["event_time"]) == list(range(-1, 6))
    # the path's last CAAR is the mean over group x of each event's AR summed over the span -1..5
    ar_x = res.ar[res.ar["group"] == "x"]
    assert path["caar"].iloc[-1] == pytest.approx(ar_x.groupby("event_id")["ar"].sum().mean())
    assert path["aar"].iloc[1] == pytest.approx(ar_x.loc[ar_x["event_time"] == 0, "ar"].mean())
    ci = res.conf_int(0.9)
    assert (ci["lower"] < ci["upper"]).all()
    assert res.pvalues.index.names == ["group", "window"]
    with pytest.raises(StatisticOptionError, match="unknown group 'z'"):
        res.aar_path("z")


def test_chunking_does_not_change_results(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [120 + 20 * i for i in range(12)])
    a = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    b = EventStudy(
        wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS, chunk_size=5
    ).fit()
    pd.testing.assert_frame_equal(a.car, b.car)
    pd.testing.assert_frame_equal(a.tests, b.tests)


def test_deepseek_on_the_bundled_sample() -> None:
    from rerating.data.market import Market

    market = Market.from_sample()
    syms = ["9988.HK", "0700.HK", "NVDA", "MSFT"]
    rets = market.returns(syms + ["^HSI", "^IXIC"]).frame
    bench = rets[rets["symbol"].isin(["^HSI", "^IXIC"])].pivot(
        index="date", columns="symbol", values="ret"
    )
    ev = pd.DataFrame(
        {
            "event_id": "deepseek-r1",
            "symbol": syms,
            "timestamp": "2025-01-20T08:00:00+08:00",
            "group": ["china", "china", "us", "us"],
        }
    )
    res = EventStudy(
        rets[rets["symbol"].isin(syms)],
        ev,
        market_returns=bench,
        benchmarks={"9988.HK": "^HSI", "0700.HK": "^HSI", "NVDA": "^IXIC", "MSFT": "^IXIC"},
        estimation_window=(-120, -11),
        event_windows=((0, 0), (0, 5), (5, 20)),
    ).fit()
    assert res.ar.set_index(["symbol", "event_time"]).loc[("9988.HK", 0), "date"] == pd.Timestamp(
        "2025-01-20"
    )
    car = res.car.set_index(["symbol", "window"])
    # the timestamp is 2025-01-20 00:00 UTC: NVDA's day 0 is Tuesday 21st (Monday was a holiday),
    # so Monday 2025-01-27 is its day +4: an abnormal return below -10% against the Nasdaq
    ar = res.ar.set_index(["symbol", "event_time"])
    assert ar.loc[("NVDA", 4), "date"] == pd.Timestamp("2025-01-27")
    assert ar.loc[("NVDA", 4), "ar"] < -0.10
    # Alibaba's re-rating came later: positive abnormal return over [5,20]
    assert car.loc[("9988.HK", "[5:20]"), "car"] > 0.10
    assert res.dropped.empty


def test_caar_standard_errors(panel) -> None:
    wide, m = panel
    ev = spread_events(wide, [120, 160, 200, 240, 280, 320], groups=["a"] * 5 + ["solo"])
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=WINS).fit()
    caar = res.caar.set_index(["group", "window"])
    car = res.car.set_index(["group", "window"])
    x = car.loc[("a", "[0:5]"), "car"].to_numpy()
    # spread dates: no clustering, the plain cross-sectional standard error and t(N-1)
    se = np.sqrt(((x - x.mean()) ** 2).sum() / 4) / np.sqrt(5)
    assert caar.loc[("a", "[0:5]"), "std_error"] == pytest.approx(se)
    assert caar.loc[("a", "[0:5]"), "se_method"] == "cross_sectional"
    # one event: its own Campbell-Lo-MacKinlay standard error
    solo = car.loc[("solo", "[0:5]")]
    assert caar.loc[("solo", "[0:5]"), "std_error"] == pytest.approx(solo["std_error"])
    assert caar.loc[("solo", "[0:5]"), "tstat"] == pytest.approx(solo["tstat"])


def test_clustered_caar_standard_error_carries_the_design_effect() -> None:
    import statsmodels.api as sm

    wide, m = make_panel(n_sym=20, n_days=300, seed=4, rho=0.2)
    wide = wide * np.linspace(0.5, 2.5, 20)  # unequal volatilities: r̄* differs from r̄
    ev = pd.DataFrame({"event_id": "d", "symbol": wide.columns, "date": wide.index[250]})
    res = EventStudy(
        wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 0),)
    ).fit()
    # the oracle: statsmodels residuals over the estimation window, their correlations and sds
    est = slice(250 + EST[0], 250 + EST[1] + 1)
    x = sm.add_constant(m.to_numpy()[est])
    resid = np.array([sm.OLS(wide[c].to_numpy()[est], x).fit().resid for c in wide.columns])
    corr = np.corrcoef(resid)
    sd = resid.std(axis=1)
    off = ~np.eye(20, dtype=bool)
    rbar = corr[off].mean()
    rstar = (np.outer(sd, sd) * corr)[off].sum() / (19 * (sd**2).sum())
    clus = res.clustering.iloc[0]
    assert clus["rbar"] == pytest.approx(rbar, abs=1e-12)
    assert clus["rbar_caar"] == pytest.approx(rstar, abs=1e-12) and abs(rstar - rbar) > 0.005
    row = res.caar.iloc[0]
    plain = res.car["car"].to_numpy().std(ddof=1) / np.sqrt(20)
    assert row["se_method"] == "cross_sectional_kp_adjusted"
    assert row["std_error"] == pytest.approx(plain * np.sqrt((1 + 19 * rstar) / (1 - rstar)))


def test_holiday_dates_follow_the_listing_calendar_and_missing_sessions_are_ledgered() -> None:
    import exchange_calendars as xc

    sess = xc.get_calendar("XNYS").sessions_in_range("2024-01-02", "2025-03-31")
    rng = np.random.default_rng(9)
    wide = pd.DataFrame({"NVDA": rng.normal(0, 0.02, sess.size)}, index=sess)
    m = pd.Series(rng.normal(0, 0.01, sess.size), index=sess, name="^GSPC")
    wide = wide.drop(pd.Timestamp("2025-02-03"))  # a real session with no return row
    ev = pd.DataFrame(
        {
            "event_id": ["mlk", "gap"],
            "symbol": ["NVDA", "NVDA"],
            "date": ["2025-01-20", "2025-02-03"],  # Martin Luther King Jr. Day; a session
        }
    )
    kw = dict(
        market_returns=m, calendars={"NVDA": "XNYS"}, estimation_window=EST, event_windows=((0, 0),)
    )
    nxt = EventStudy(wide, ev, non_session="next", **kw).fit()  # type: ignore[arg-type]
    prev = EventStudy(wide, ev, non_session="previous", **kw).fit()  # type: ignore[arg-type]
    day0 = lambda r: r.ar.set_index("event_id")["date"]["mlk"]  # noqa: E731
    assert day0(nxt) == pd.Timestamp("2025-01-21")
    assert day0(prev) == pd.Timestamp("2025-01-17")
    led = nxt.dropped.set_index("event_id")["reason"]
    assert led["gap"] == "missing day 0: no return on 2025-02-03"  # a gap of its calendar: NaN


def test_a_group_tests_as_its_events_studied_alone() -> None:
    """A named group reuses the event-by-event ranks of "all" (a subset of its rows): its tests
    must equal those of a study of its events alone, gaps and several windows included."""
    wide, m = make_panel(n_sym=12, n_days=420, seed=4, rho=0.1)
    wide = wide.mask(np.random.default_rng(1).random(wide.shape) < 0.02)  # estimation gaps
    positions = list(range(150, 390, 9))
    groups = ["a" if i % 3 else "b" for i in range(len(positions))]
    ev = spread_events(wide, positions, groups)
    kw = dict(market_returns=m, estimation_window=EST, event_windows=WINS, min_estimation=60)
    both = EventStudy(wide, ev, **kw).fit()
    for name in ("a", "b"):
        alone = EventStudy(wide, ev[ev["group"] == name].drop(columns="group"), **kw).fit()
        mine = both.tests[both.tests["group"] == name].drop(columns="group").reset_index(drop=True)
        ref = alone.tests.drop(columns="group").reset_index(drop=True)
        # corrado_zivney and grank need 10 events (group b has 9)
        n_tests = 12 if int((ev["group"] == name).sum()) >= 10 else 10
        assert len(mine) == len(WINS) * n_tests
        pd.testing.assert_frame_equal(mine, ref, check_exact=False, rtol=1e-12, atol=1e-14)


def test_an_estimation_window_after_day_0_is_told_to_use_later_data() -> None:
    wide, m = make_panel(n_sym=3, n_days=300, seed=5)
    ev = spread_events(wide, [200, 210, 220])
    with pytest.raises(NoEventsLeftError) as err:
        EventStudy(wide, ev, market_returns=m, estimation_window=(11, 250), event_windows=[(0, 5)]).fit()
    assert "Use data that run further past the events" in str(err.value)
    assert "start earlier" not in str(err.value)


def test_an_estimation_window_from_day_0_on_is_told_to_use_later_data_too() -> None:
    wide, m = make_panel(n_sym=3, n_days=300, seed=5)
    ev = spread_events(wide, [200, 210, 220])
    with pytest.raises(NoEventsLeftError) as err:
        EventStudy(wide, ev, market_returns=m, estimation_window=(0, 250), event_windows=[(-5, -1)]).fit()
    assert "Use data that run further past the events" in str(err.value)
