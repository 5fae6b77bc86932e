"""Event windows with missing returns: ``min_window_share`` (minimum observations per window).

A listing suspended for a session inside an event window has a NaN return there (a long frame,
or ``rerating study`` over the store, whose returns use ``gap_policy="drop"``). By default such
an event is dropped; with ``min_window_share < 1`` it is kept when each window has enough
sessions with a return, and its CAR, variance and BHAR are over those sessions. The oracle is
statsmodels OLS and the Campbell-Lo-MacKinlay variance worked out here from its covariance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from click.testing import CliRunner

from rerating.cli import cli
from rerating.errors import NoEventsLeftError, WindowError
from rerating.study import EventStudy
from rerating.study.statistics import TESTS

D0 = 300
EST = (-120, -11)


@pytest.fixture(scope="module")
def panel() -> tuple[pd.DataFrame, pd.Series, pd.DatetimeIndex]:
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2020-01-01", periods=400)
    m = rng.normal(0, 0.01, 400)
    frames = [
        pd.DataFrame({"symbol": s, "date": dates, "ret": 0.001 + 1.2 * m + rng.normal(0, 0.02, 400)})
        for s in "ABCD"
    ]
    long = pd.concat(frames, ignore_index=True)
    # A has no return on day 3, B none on days 2 and 5
    gaps = [("A", 3), ("B", 2), ("B", 5)]
    for sym, day in gaps:
        long.loc[(long["symbol"] == sym) & (long["date"] == dates[D0 + day]), "ret"] = np.nan
    return long, pd.Series(m, index=dates, name="MKT"), dates


def _study(panel, **kw) -> EventStudy:  # type: ignore[no-untyped-def]
    long, market, dates = panel
    events = pd.DataFrame({"event_id": "e", "symbol": list("ABCD"), "date": dates[D0]})
    return EventStudy(
        long, events, market_returns=market, estimation_window=EST,
        event_windows=kw.pop("event_windows", [(0, 0), (0, 9)]), **kw,
    )


def test_by_default_an_event_with_a_missing_return_is_dropped(panel) -> None:
    res = _study(panel).fit()
    reasons = res.dropped.set_index("symbol")["reason"]
    assert sorted(reasons.index) == ["A", "B"]
    assert reasons["A"] == "missing return in the event window: 2021-03-01 has none"
    assert sorted(res.car["symbol"].unique()) == ["C", "D"]


def test_kept_event_has_the_car_and_variance_of_the_sessions_it_has(panel) -> None:
    long, market, _ = panel
    res = _study(panel, min_window_share=0.8).fit()
    assert res.dropped.empty
    m = market.to_numpy()
    for sym, missing in (("A", [3]), ("B", [2, 5])):
        y = long.loc[long["symbol"] == sym, "ret"].to_numpy()
        est = slice(D0 + EST[0], D0 + EST[1] + 1)
        ols = sm.OLS(y[est], sm.add_constant(m[est])).fit()
        days = np.array([D0 + t for t in range(10) if t not in missing])
        x = sm.add_constant(m[days], has_constant="add")
        ar = y[days] - x @ ols.params
        s = x.sum(axis=0)
        var = ols.scale * days.size + s @ ols.cov_params() @ s  # CLM (1997), eq. 4.4.13 on rows
        row = res.car[(res.car["symbol"] == sym) & (res.car["window"] == "[0:9]")].iloc[0]
        assert row["car"] == pytest.approx(ar.sum(), rel=1e-10, abs=1e-14)
        assert row["std_error"] == pytest.approx(np.sqrt(var), rel=1e-10)
        # buy-and-hold over the same sessions: compounded raw minus compounded normal returns
        bhar = np.prod(1 + y[days]) - np.prod(1 + (y[days] - ar))
        assert row["bhar"] == pytest.approx(bhar, rel=1e-10, abs=1e-14)
        # the per-day table says which sessions had no return
        ars = res.ar[res.ar["symbol"] == sym].set_index("event_time")
        assert ars.loc[missing, "ar"].isna().all() and ars.loc[missing, "std_error"].isna().all()
        assert ars.drop(index=missing)["ar"].notna().all()


def test_each_window_needs_its_share_of_sessions(panel) -> None:
    # B misses 2 of [0:9]'s 10 sessions: 0.9 needs 9; A (9 of 10) is kept
    res = _study(panel, min_window_share=0.9).fit()
    reason = res.dropped.set_index("symbol")["reason"]["B"]
    assert reason == (
        "missing returns in the event window: 8 of 10 sessions of [0:9] have one (first missing "
        "2021-02-26), min_window_share=0.9 needs 9"
    )
    assert "A" in set(res.car["symbol"])
    # 0.8 of a one-session window is that session: [0:0] needs day 0 whatever the share
    assert _study(panel, min_window_share=0.8, event_windows=[(0, 0)]).fit().dropped.empty


def test_day_zero_needs_its_return_whatever_the_share(panel) -> None:
    long, market, dates = panel
    long = long.copy()
    long.loc[(long["symbol"] == "C") & (long["date"] == dates[D0]), "ret"] = np.nan
    events = pd.DataFrame({"event_id": "e", "symbol": ["C"], "date": dates[D0]})
    with pytest.raises(NoEventsLeftError, match="missing day 0: no return on"):
        EventStudy(
            long, events, market_returns=market, estimation_window=EST, event_windows=[(0, 9)],
            min_window_share=0.5,
        ).fit()


def test_tests_and_the_aar_path_run_on_partial_windows(panel) -> None:
    res = _study(panel, min_window_share=0.8).fit()
    tests = res.tests[res.tests["window"] == "[0:9]"]
    # every test but corrado_zivney and grank, which need 10 events
    assert set(tests["test"]) == set(TESTS) - {"corrado_zivney", "grank"} and tests["n"].max() < 10
    assert np.isfinite(tests[["statistic", "pvalue"]].to_numpy()).all()
    path = res.aar_path().set_index("event_time")
    assert np.isfinite(path[["aar", "caar", "std_error"]].to_numpy()).all()
    # day 3's AAR is the mean over the three events that have a return that day
    ar3 = res.ar[res.ar["event_time"] == 3]["ar"]
    assert path.loc[3, "aar"] == pytest.approx(ar3.dropna().mean(), rel=1e-12)
    assert ar3.isna().sum() == 1
    # the CAAR path ends at the CAAR of [0:9]
    caar = res.caar.set_index(["group", "window"]).loc[("all", "[0:9]"), "caar"]
    assert path.loc[9, "caar"] == pytest.approx(caar, rel=1e-12)


@pytest.mark.parametrize("share", [0, 0.0, -0.5, 1.5, True, "0.8"])
def test_invalid_shares_are_clear_errors(panel, share) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WindowError, match="min_window_share=.* must be a share in"):
        _study(panel, min_window_share=share)


def test_cli_option() -> None:
    runner = CliRunner()
    args = ["--sample", "study", "--event", "deepseek-r1", "--estimation", "-100:-11", "--window",
            "0:4", "--format", "csv"]
    full = runner.invoke(cli, args)
    partial = runner.invoke(cli, [*args, "--min-window-share", "0.8"])
    assert full.exit_code == 0 and partial.exit_code == 0, partial.output
    # the sample has no gap inside these windows: the same CAARs
    assert partial.stdout == full.stdout
    bad = runner.invoke(cli, [*args, "--min-window-share", "0"])
    assert bad.exit_code == 2 and "--min-window-share" in bad.output
