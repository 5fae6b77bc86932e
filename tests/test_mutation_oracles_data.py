"""Oracles for today's data/study/rerate/cli changes, written against mutants that the suite let through.

Each test states a hand-computed expectation (dates, spacings, line numbers, messages) from the
documented behaviour; none re-runs the code under test to find its expected value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.data.factors import read_factors, require_daily
from rerating.data.market import MarketCap, SharesFigure
from rerating.data.sources.files import read_csv_table, read_eps_file, read_shares_file
from rerating.errors import (
    BadPriceError,
    DataFormatError,
    DateRangeError,
    DuplicateDateError,
    EventFormatError,
)
from rerating.study import EventStudy
from rerating.study.panel import read_events


def _factor_file(
    tmp_path: Path, dates: list[str], name: str = "f.csv", column: str = "MKT"
) -> Path:
    """A plain decimal factor file, one small made-up value per date."""
    rows = "\n".join(f"{d},{0.001 * (i % 3 - 1) + 0.002:.4f}" for i, d in enumerate(dates))
    path = tmp_path / name
    path.write_text(f"date,{column}\n" + rows + "\n", encoding="utf-8")
    return path


# --- factors: frequency from the median spacing (documented: up to 5 days daily, 6-8 weekly,
# 25-35 monthly, 360-370 annual; fewer than two dates: unknown) ---------------------------------


def test_dates_five_days_apart_are_daily(tmp_path: Path) -> None:
    # 2025-01-02, -07, -12, -17: spacing 5, 5, 5 -> median 5 -> the top of "daily"
    data = read_factors(
        _factor_file(tmp_path, ["2025-01-02", "2025-01-07", "2025-01-12", "2025-01-17"])
    )
    assert data.frequency == "daily"
    assert data.factors.attrs["frequency"] == "daily"


def test_dates_six_days_apart_are_weekly_and_refused_for_a_daily_study(tmp_path: Path) -> None:
    # spacing 6, 6, 6 -> median 6 -> the bottom of "weekly"
    data = read_factors(
        _factor_file(tmp_path, ["2025-01-02", "2025-01-08", "2025-01-14", "2025-01-20"])
    )
    assert data.frequency == "weekly"
    assert [s.frequency for s in data.sources] == ["weekly"]
    with pytest.raises(
        DataFormatError, match=r"f\.csv holds weekly factors \(dates like 2025-01-02\)"
    ):
        require_daily(data, "--factors")


def test_two_dates_a_month_apart_are_monthly(tmp_path: Path) -> None:
    # two ISO dates 31 days apart: one spacing, 31 -> monthly (two dates are enough)
    data = read_factors(_factor_file(tmp_path, ["2024-01-31", "2024-03-02"]))
    assert data.frequency == "monthly"
    with pytest.raises(DataFormatError, match="monthly"):
        require_daily(data)


def test_one_date_is_unknown_and_passes(tmp_path: Path) -> None:
    data = read_factors(_factor_file(tmp_path, ["2024-01-31"]))
    assert data.frequency == "unknown"
    require_daily(data)  # cannot be told: not refused


DAILY = ["2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"]  # spacing 1, 3, 1 -> median 1
MONTHLY = ["2024-10-31", "2024-11-30", "2024-12-31"]  # spacing 30, 31 -> median 30.5


def test_a_monthly_third_file_is_refused_beside_two_daily_ones(tmp_path: Path) -> None:
    paths = [
        _factor_file(tmp_path, DAILY, "a.csv", "MKT"),
        _factor_file(tmp_path, DAILY, "b.csv", "SMB"),
        _factor_file(tmp_path, MONTHLY, "c.csv", "HML"),
    ]
    with pytest.raises(DataFormatError, match=r"a\.csv holds daily factors.*c\.csv holds monthly"):
        read_factors(paths)


def test_a_one_date_file_joins_a_daily_one(tmp_path: Path) -> None:
    # a file of one date has no spacing ("unknown"): it does not clash with the daily file
    paths = [
        _factor_file(tmp_path, DAILY, "a.csv", "MKT"),
        _factor_file(tmp_path, ["2025-01-03"], "b.csv", "SMB"),
    ]
    data = read_factors(paths)
    assert data.frequency == "daily"
    assert [s.frequency for s in data.sources] == ["daily", "unknown"]
    assert data.factors.loc["2025-01-03", "SMB"] == pytest.approx(
        0.001
    )  # first row: 0.001 * -1 + 0.002


def test_a_monthly_risk_free_is_refused_by_the_engine(tmp_path: Path) -> None:
    # French's monthly RF in percent (0.40 a month), dated YYYYMM: read as monthly, refused by a daily study
    path = tmp_path / "rf.csv"
    path.write_text(
        "date,RF\n" + "".join(f"2023{m:02d},0.40\n" for m in range(1, 13)), encoding="utf-8"
    )
    data = read_factors(path, units="percent", columns=[], risk_free="RF")
    assert data.risk_free is not None and data.risk_free.attrs["frequency"] == "monthly"
    wide, m = _panel()
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["AAA"], "date": [wide.index[130]]})
    with pytest.raises(
        DataFormatError,
        match=r"risk_free hold monthly values \(dates like 2023-01-31, 2023-02-28\)",
    ):
        EventStudy(
            wide,
            ev,
            market_returns=m,
            risk_free=data.risk_free,
            model="capm",
            estimation_window=(-100, -11),
            event_windows=((0, 1),),
        ).fit()


def test_weekly_factors_are_refused_by_the_engine(tmp_path: Path) -> None:
    weeks = [str(d.date()) for d in pd.date_range("2024-01-05", periods=30, freq="7D")]  # spacing 7
    data = read_factors(_factor_file(tmp_path, weeks))
    assert data.frequency == "weekly"
    wide, m = _panel()
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["AAA"], "date": [wide.index[130]]})
    with pytest.raises(DataFormatError, match="factors hold weekly values"):
        EventStudy(
            wide,
            ev,
            factors=data.factors,
            model="factor",
            estimation_window=(-100, -11),
            event_windows=((0, 1),),
        ).fit()


# --- factors: units judged on the factor columns of each file, not on the risk-free column -----


def test_a_percent_risk_free_only_file_is_not_judged_as_decimals(tmp_path: Path) -> None:
    # French's daily RF in percent is about 0.017 (looks like a decimal); a file holding only RF
    # beside a percent factor file is read with units="percent" and divided by 100
    fac = tmp_path / "fac.csv"
    fac.write_text(
        "date,MKT\n2025-01-02,0.50\n2025-01-03,-0.80\n2025-01-06,1.10\n", encoding="utf-8"
    )
    rf = tmp_path / "rf.csv"
    rf.write_text(
        "date,RF\n2025-01-02,0.017\n2025-01-03,0.017\n2025-01-06,0.017\n", encoding="utf-8"
    )
    data = read_factors([fac, rf], units="percent", risk_free="RF")
    assert data.factors["MKT"].tolist() == pytest.approx([0.005, -0.008, 0.011])
    assert data.risk_free is not None
    assert data.risk_free.tolist() == pytest.approx([0.00017] * 3)


def test_percent_factors_are_refused_even_when_the_risk_free_column_pulls_the_median_down(
    tmp_path: Path,
) -> None:
    # MKT median |value| 0.15 (> 0.1: percent-looking); with RF's 0.01s the six values' median
    # would be (0.01 + 0.15) / 2 = 0.08 and pass: the factor columns alone are judged
    path = tmp_path / "f.csv"
    path.write_text(
        "date,MKT,RF\n2025-01-02,0.15,0.01\n2025-01-03,-0.15,0.01\n2025-01-06,0.15,0.01\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFormatError, match=r"look like percent \(median \|value\| 0\.15\)"):
        read_factors(path, units="decimal", risk_free="RF")


# --- factors: table reading ---------------------------------------------------------------------


def test_a_bad_date_on_the_second_last_line_of_a_french_table_is_refused(tmp_path: Path) -> None:
    # line 5 holds a 7-digit date and line 6 (the last line, no copyright after it) a good one: the
    # table does not end at line 5 (that would drop 20250106 silently)
    path = tmp_path / "f.csv"
    path.write_text(
        "Made-up daily factors\n\n,Mkt-RF,RF\n20250102,0.50,0.017\n2025013,0.60,0.017\n20250106,0.70,0.017\n",
        encoding="utf-8",
    )
    with pytest.raises(
        DataFormatError, match=r"line 5 of f\.csv has '2025013' where a date is expected"
    ):
        read_factors(path, units="percent", risk_free="RF")


def test_an_unnamed_last_column_with_values_is_refused_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("date,MKT,\n2025-01-02,0.01,0.5\n2025-01-03,0.02,0.6\n", encoding="utf-8")
    with pytest.raises(
        DataFormatError, match=r"column 3 of f\.csv has no name in its header \(line 1\)"
    ):
        read_factors(path)


# --- study.panel: a benchmark date given twice is refused even when the index is sorted --------


def _panel(n_days: int = 160, seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2024-01-01", periods=n_days)
    m = pd.Series(rng.normal(0, 0.01, n_days), index=idx, name="MKT")
    wide = pd.DataFrame({"AAA": 0.5 * m.to_numpy() + rng.normal(0, 0.01, n_days)}, index=idx)
    return wide, m


def test_a_repeated_benchmark_date_in_a_sorted_index_is_refused() -> None:
    wide, m = _panel()
    day = m.index[60]  # an estimation date of the event below
    dup = pd.concat([m, pd.Series([0.05], index=[day], name="MKT")]).sort_index()
    assert dup.index.is_monotonic_increasing  # sorted: the check must not rely on a re-sort
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["AAA"], "date": [wide.index[130]]})
    with pytest.raises(DuplicateDateError, match=rf"1 repeated date.*{day.date()}"):
        EventStudy(
            wide, ev, market_returns=dup, estimation_window=(-100, -11), event_windows=((0, 1),)
        ).fit()


# --- study.results: the tables handed out are copies ------------------------------------------


def test_editing_the_handed_out_clustering_table_leaves_the_results_as_they_are() -> None:
    wide, m = _panel()
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["AAA"], "date": [wide.index[130]]})
    res = EventStudy(
        wide, ev, market_returns=m, estimation_window=(-100, -11), event_windows=((0, 1),)
    ).fit()
    before = res.clustering
    mine = res.clustering
    mine["scribble"] = 1
    assert "scribble" not in res.clustering.columns
    assert list(res.clustering.columns) == list(before.columns)


# --- study.panel.read_events: a row's date against its timestamp's own wall-clock date ----------


@pytest.mark.parametrize("as_dtype", [False, True])
def test_date_agrees_with_the_timestamps_local_day_not_its_utc_day(as_dtype: bool) -> None:
    # 07:00 in Beijing on 20 January is 23:00 UTC on 19 January: the written (local) day is the 20th
    ts: object = ["2025-01-20T07:00+08:00"]
    if as_dtype:
        ts = pd.Series(pd.to_datetime(["2025-01-20 07:00"]).tz_localize("Asia/Shanghai"))
    ok = pd.DataFrame({"event_id": ["b"], "symbol": ["Y"], "date": ["2025-01-20"], "timestamp": ts})
    read_events(ok)  # agrees: no error
    bad = ok.assign(date=["2025-01-19"])  # the UTC day is not the written one
    with pytest.raises(EventFormatError, match=r"\(b, Y\): date 2025-01-19 disagrees"):
        read_events(bad)


def test_date_disagreement_names_the_row_after_date_only_rows() -> None:
    # row 0 has no timestamp; the offending row is row 1 (event b, symbol Y), not row 0
    events = pd.DataFrame(
        {
            "event_id": ["a", "b"],
            "symbol": ["X", "Y"],
            "date": ["2025-01-21", "2025-01-19"],
            "timestamp": [None, "2025-01-20T10:00+08:00"],
        }
    )
    with pytest.raises(EventFormatError, match=r"event \(b, Y\): date 2025-01-19 disagrees"):
        read_events(events)


# --- study.panel.suggest_symbols: no "did you mean" pointing at the symbol itself ---------------


def test_a_symbol_whose_column_is_empty_is_not_told_it_meant_itself() -> None:
    wide, _ = _panel()
    wide = wide.assign(BBB=wide["AAA"] * 0.9 + 0.001, AAA=np.nan)
    ev = pd.DataFrame(
        {"event_id": ["e1", "e2"], "symbol": ["AAA", "BBB"], "date": [wide.index[130]] * 2}
    )
    res = EventStudy(
        wide, ev, model="mean_adjusted", estimation_window=(-100, -11), event_windows=((0, 1),)
    ).fit()
    reason = res.dropped.set_index("event_id").loc["e1", "reason"]
    assert reason == "symbol has no returns in the data"


# --- data.sources.files: shares.csv / eps.csv / a bars file's first line ----------------------

SHARES_HEADER = "symbol,as_of,shares,unit_note,source\n"
EPS_HEADER = "symbol,period_end,report_date,eps_diluted,currency,source\n"


def test_zero_shares_are_refused_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "shares.csv"
    path.write_text(
        SHARES_HEADER + "AAPL,2025-01-02,100,units,10-K\nMSFT,2025-01-02,0,units,10-K\n",
        encoding="utf-8",
    )
    with pytest.raises(BadPriceError, match=r"line 3: shares 0\.0 must be positive"):
        read_shares_file(path)


def test_a_whitespace_only_line_is_blank_and_later_lines_keep_their_numbers(tmp_path: Path) -> None:
    # line 3 holds three spaces (a blank line); the bad value sits on line 4
    path = tmp_path / "shares.csv"
    path.write_text(
        SHARES_HEADER + "AAPL,2025-01-02,100,units,10-K\n   \nMSFT,2025-01-02,abc,units,10-K\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFormatError, match=r"line 4: shares 'abc' is not a number"):
        read_shares_file(path)


def test_eps_reported_on_the_period_end_itself_is_accepted(tmp_path: Path) -> None:
    # report_date == period_end is not "before" it
    path = tmp_path / "eps.csv"
    path.write_text(EPS_HEADER + "AAPL,2024-12-31,2024-12-31,1.5,USD,10-K\n", encoding="utf-8")
    frame = read_eps_file(path)
    assert len(frame) == 1
    assert frame["eps_diluted"].iloc[0] == 1.5
    assert frame["report_date"].iloc[0] == pd.Timestamp("2024-12-31")


def test_blank_lines_above_the_shares_header_are_skipped_and_lines_still_counted(
    tmp_path: Path,
) -> None:
    # lines 1-2 blank, header on line 3, the bad value on line 5
    path = tmp_path / "shares.csv"
    path.write_text(
        "\n\n" + SHARES_HEADER + "AAPL,2025-01-02,100,units,10-K\nMSFT,2025-01-02,abc,units,10-K\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFormatError, match=r"line 5: shares 'abc' is not a number"):
        read_shares_file(path)
    path.write_text("\n" + SHARES_HEADER + "AAPL,2025-01-02,100,units,10-K\n", encoding="utf-8")
    assert read_shares_file(path)["shares"].tolist() == [100.0]


def test_eps_currency_is_upper_cased_before_rmb_becomes_cny(tmp_path: Path) -> None:
    path = tmp_path / "eps.csv"
    path.write_text(
        EPS_HEADER
        + "AAPL,2024-12-31,2025-01-30,2.40,usd,10-Q\n9988.HK,2024-12-31,2025-02-20,2.1, rmb ,HKEX\n",
        encoding="utf-8",
    )
    assert read_eps_file(path)["currency"].tolist() == ["USD", "CNY"]


def test_a_repeated_eps_key_names_only_its_own_lines(tmp_path: Path) -> None:
    # AAPL's report repeats on lines 2 and 3, MSFT's on lines 4 and 5: the message is about AAPL's
    path = tmp_path / "eps.csv"
    path.write_text(
        EPS_HEADER
        + "AAPL,2024-12-31,2025-01-30,2.40,USD,10-Q\nAAPL,2024-12-31,2025-01-30,2.41,USD,10-Q\n"
        + "MSFT,2024-12-31,2025-01-29,3.23,USD,10-Q\nMSFT,2024-12-31,2025-01-29,3.24,USD,10-Q\n",
        encoding="utf-8",
    )
    with pytest.raises(
        DuplicateDateError, match=r"AAPL period_end 2024-12-31 report_date 2025-01-30"
    ) as info:
        read_eps_file(path)
    assert "(line 2: 2.4, line 3: 2.41)" in str(info.value)
    assert "line 4" not in str(info.value)


def test_extra_fields_holding_text_are_not_called_a_trailing_comma(tmp_path: Path) -> None:
    # 7 fields under a 5-field header, the 7th holding 'x': a comma inside a cell, not a trailing comma
    path = tmp_path / "shares.csv"
    path.write_text(SHARES_HEADER + "AAPL,2025-01-02,100,units,10-K,,x\n", encoding="utf-8")
    with pytest.raises(
        DataFormatError,
        match=r"line 2 has 7 fields, the header has 5; quote cells that contain a comma",
    ):
        read_shares_file(path)
    path.write_text(SHARES_HEADER + "AAPL,2025-01-02,100,units,10-K,\n", encoding="utf-8")
    with pytest.raises(
        DataFormatError,
        match=r"line 2 has 6 fields, the header has 5 \(a trailing comma\?\); remove the extra field$",
    ):
        read_shares_file(path)


def test_one_blank_line_above_a_bars_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "AAPL.csv"
    path.write_text("\ndate,close\n2025-01-02,100\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="line 1 is blank"):
        read_csv_table(path, "date,close,...", skip_blank_lines=False)


# --- data.market: one-line summaries -------------------------------------------------------------


def _shares(per_unit: float) -> SharesFigure:
    return SharesFigure(
        symbol="BABA",
        as_of=pd.Timestamp("2025-03-31"),
        shares=2_000.0,
        ordinary_shares=2_000.0 * per_unit,
        shares_per_unit=per_unit,
        unit_note="",
        source="test",
    )


def test_shares_summary_names_ads_and_the_ordinary_shares() -> None:
    assert (
        _shares(8.0).summary()
        == "BABA: 2,000 ADS as of 2025-03-31 (16,000 ordinary shares, 8 per unit)"
    )
    assert _shares(1.0).summary() == "BABA: 2,000 shares as of 2025-03-31"


def test_market_cap_summary_names_the_fx_rate_only_when_converted() -> None:
    # the value is printed as given, in billions at one decimal (2.5e9 -> 2.5bn)
    cap = MarketCap(
        symbol="BABA",
        date=pd.Timestamp("2025-04-01"),
        value=2.5e9,
        currency="CNY",
        close=100.0,
        close_currency="USD",
        shares=_shares(1.0),
        fx_rate=7.25,
        fx_pair="USDCNY",
    )
    assert cap.summary() == (
        "BABA: market cap 2.5bn CNY on 2025-04-01 (close 100 USD x 2,000 shares as of 2025-03-31 x USDCNY 7.25)"
    )
    same = MarketCap(
        symbol="BABA",
        date=pd.Timestamp("2025-04-01"),
        value=2.5e9,
        currency="USD",
        close=100.0,
        close_currency="USD",
        shares=_shares(1.0),
        fx_rate=1.0,
        fx_pair="USDUSD",
        notes=("flagged",),
    )
    assert same.summary() == (
        "BABA: market cap 2.5bn USD on 2025-04-01 (close 100 USD x 2,000 shares as of 2025-03-31); flagged"
    )


# --- rerate.windows.event_return: text led by a digit is a time, not an event id -----------------


def test_text_led_by_one_digit_is_read_as_a_time_and_refused_as_one() -> None:
    from rerating.events.catalog import EventCatalog
    from rerating.rerate.windows import event_return

    # the text is judged before any data is read: no market is needed to refuse it (an id would be
    # looked up in the empty catalog and fail as an unknown event instead)
    with pytest.raises(DateRangeError, match=r"event '9abc' is not a time"):
        event_return(None, "AAPL", "9abc", sessions=1, catalog=EventCatalog([]))  # type: ignore[arg-type]


# --- cli comove: the result's own note is printed, not only the Chow test's ----------------------


def test_comove_prints_the_results_note(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses
    import importlib

    from rerating.cli import main

    comovement = importlib.import_module(
        "rerating.rerate.comovement"
    )  # the module, not the function
    real = comovement.basket_comovement
    monkeypatch.setattr(
        comovement,
        "basket_comovement",
        lambda *a, **k: dataclasses.replace(real(*a, **k), note="NOTE-FROM-RESULT"),
    )
    code = main(["--sample", "comove", "--a", "9988.HK", "--b", "NVDA", "--event", "deepseek-r1"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "note: NOTE-FROM-RESULT" in err


# --- rerate.comovement: both sides flat before the event --------------------------------------


def test_both_sides_flat_before_the_event_are_named_together() -> None:
    from rerating.rerate.comovement import comovement

    d = pd.bdate_range("2025-01-01", periods=12)  # d[6] = Thursday 2025-01-09
    rng = np.random.default_rng(1)
    a = pd.Series(np.r_[np.zeros(6), rng.normal(0, 0.01, 6)], index=d)
    b = pd.Series(np.r_[np.zeros(6), rng.normal(0, 0.01, 6)], index=d)
    res = comovement(a, b, d[6], window=3, a_name="AA", b_name="BB")
    assert np.isnan(res.beta_before) and np.isnan(res.corr_before)
    assert res.note.startswith(
        "beta and corr undefined before 2025-01-09: AA and BB do not move in the 6 paired returns"
    )


# --- data.store: one upsert holding a key twice keeps its last row ------------------------------


def test_an_eps_key_twice_in_one_upsert_keeps_the_last_row(tmp_path: Path) -> None:
    from rerating.data.store import Store

    store = Store(tmp_path)
    table = pd.DataFrame(
        {
            "symbol": ["AAPL", "AAPL"],
            "period_end": pd.to_datetime(["2024-12-31"] * 2),
            "report_date": pd.to_datetime(["2025-01-30"] * 2),
            "eps_diluted": [2.40, 2.41],
            "currency": ["USD", "USD"],
            "source": ["first", "second"],
        }
    )
    assert store.upsert_eps(table) == 1
    kept = store.read_eps()
    assert kept["eps_diluted"].tolist() == [2.41]
    assert kept["source"].tolist() == ["second"]


# --- cli study: the note on event dates that were not sessions ---------------------------------


def test_moved_dates_note_shows_three_counts_the_rest_and_leaves_out_timestamp_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rerating.cli import main

    # Hong Kong was closed 2025-01-29..31 (Lunar New Year): day 0 is Monday 2025-02-03 for all five;
    # t1's timestamp (not its date) sets its day 0, so it is not a moved date
    path = tmp_path / "ev.csv"
    path.write_text(
        "event_id,symbol,date,timestamp\n"
        "h1,9988.HK,2025-01-29,\nh2,0700.HK,2025-01-30,\nh3,3690.HK,2025-01-31,\nh4,1810.HK,2025-01-29,\n"
        "t1,9618.HK,2025-01-29,2025-01-29T10:00+08:00\n",
        encoding="utf-8",
    )
    code = main(
        [
            "--sample",
            "study",
            "--events",
            str(path),
            "--estimation",
            "-100:-11",
            "--what",
            "car",
            "--format",
            "csv",
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert (
        "note: 4 event date(s) are not sessions of the listing's exchange; day 0 is the next session "
        "(--non-session next): (h1, 9988.HK) 2025-01-29 -> 2025-02-03; (h2, 0700.HK) 2025-01-30 -> 2025-02-03; "
        "(h3, 3690.HK) 2025-01-31 -> 2025-02-03 and 1 more\n"
    ) in err


# --- data.load: fundamentals of the loaded company only ---------------------------------------


def test_load_stores_shares_of_the_companys_listings_and_eps_of_the_loaded_symbols(
    tmp_path: Path,
) -> None:
    from rerating.data.load import load
    from rerating.data.securities import load_securities
    from rerating.data.sources.files import FilesSource
    from rerating.data.store import Store

    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "BABA.csv").write_text(
        "date,close\n2025-01-02,85.0\n2025-01-03,86.0\n2025-01-06,87.5\n", encoding="utf-8"
    )
    (folder / "shares.csv").write_text(
        SHARES_HEADER
        + "BABA,2024-12-31,2381816536,ADS,x\n9988.HK,2024-12-31,19054532284,ordinary,x\n"
        "AAPL,2024-12-28,15000000000,shares,x\n",
        encoding="utf-8",
    )
    (folder / "eps.csv").write_text(
        EPS_HEADER
        + "BABA,2024-12-31,2025-02-20,2.93,CNY,x\nAAPL,2024-12-28,2025-01-30,2.40,USD,x\n",
        encoding="utf-8",
    )
    master = load_securities()
    store = Store(tmp_path / "home")
    # a one-day range (start == end) is a range, not "end before start"
    one = load(
        ["BABA"], FilesSource(folder, master), store, master, start="2025-01-03", end="2025-01-03"
    )
    assert one.frame["rows"].tolist() == [1]
    assert load(["BABA"], FilesSource(folder, master), store, master).failed == []
    # BABA and 9988.HK are one company (Alibaba): both shares rows serve it; AAPL was not loaded
    assert sorted(store.read_shares()["symbol"]) == ["9988.HK", "BABA"]
    assert store.read_eps()["symbol"].tolist() == ["BABA"]


# --- data.securities: line numbers count blank lines ---------------------------------------------


def test_a_securities_error_names_the_line_in_the_file_after_a_blank_line(tmp_path: Path) -> None:
    from rerating.data.securities import load_securities

    path = tmp_path / "sec.csv"
    # header line 1, AAA1 line 2, blank line 3, the bad currency on line 4
    path.write_text(
        "symbol,name,kind,exchange,calendar,currency,company\nAAA1,Alpha,stock,XNAS,XNYS,USD,alpha\n\n"
        "BBB1,Beta,stock,XNAS,XNYS,US,beta\n",
        encoding="utf-8",
    )
    with pytest.raises(
        DataFormatError, match=r"sec\.csv:4: currency 'US' is not a 3-letter ISO code"
    ):
        load_securities(path)


# --- events.catalog / cli events: kinds are compared in lower case; dates must be unambiguous ----


def test_catalog_kinds_are_lower_case_and_the_cli_takes_any_case(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import dataclasses

    from rerating.cli import main
    from rerating.events.catalog import EventCatalog, load_catalog

    r1 = load_catalog().get("deepseek-r1")
    mixed = EventCatalog([dataclasses.replace(r1, kind="Model_Release")])
    assert mixed.kinds == ["model_release"]
    # the bundled kind is model_release; the option's case does not matter
    code = main(
        [
            "events",
            "list",
            "--kind",
            "Model_Release",
            "--from",
            "2025-01-20",
            "--to",
            "2025-01-20",
            "--format",
            "csv",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "deepseek-r1,2025-01-20," in out


def test_catalog_filter_refuses_a_day_month_first_date() -> None:
    from rerating.events.catalog import load_catalog

    with pytest.raises(DateRangeError, match=r"start '03/02/2025' is ambiguous"):
        load_catalog().filter(start="03/02/2025")


def test_to_day_of_a_zoned_time_is_its_own_wall_clock_day() -> None:
    from rerating.data.calendars import to_day

    # 07:00 in Beijing on the 20th is 23:00 UTC on the 19th: the day is the one written
    assert to_day("2025-01-20T07:00+08:00") == pd.Timestamp("2025-01-20")


# --- data.sources.files: UTF-16 without a byte-order mark --------------------------------------


def test_utf16_without_a_bom_is_named(tmp_path: Path) -> None:
    path = tmp_path / "AAPL.csv"
    path.write_bytes(
        "date,close\n2025-01-02,100\n".encode("utf-16-le")
    )  # no BOM: decodes as UTF-8 with NULs
    with pytest.raises(DataFormatError, match=r"AAPL\.csv: line 1: NUL bytes \(UTF-16 text\?\)"):
        read_csv_table(path, "date,close,...")


# --- study.panel: text in a returns column is counted without the missing cells -----------------


def test_text_returns_count_only_the_text_cells() -> None:
    idx = pd.bdate_range("2024-01-01", periods=160)  # idx[5] = 2024-01-08, idx[7] = 2024-01-10
    col = pd.Series([0.01] * 160, index=idx, dtype=object)
    col.iloc[5] = None  # missing, not text
    col.iloc[7] = "abc"
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["AAA"], "date": [idx[130]]})
    with pytest.raises(
        DataFormatError,
        match=r"returns\['AAA'\] has 1 non-numeric values \(first: 'abc' on 2024-01-10",
    ):
        EventStudy(
            pd.DataFrame({"AAA": col}),
            ev,
            model="mean_adjusted",
            estimation_window=(-100, -11),
            event_windows=((0, 1),),
        ).fit()


# --- rerate.windows: a timed index is named by its first timed date ------------------------------


def test_a_timed_close_is_named_by_the_first_timed_date_not_the_first_date() -> None:
    from rerating.rerate.windows import window_return_from_closes

    idx = pd.DatetimeIndex(
        ["2025-01-02", "2025-01-03 10:00", "2025-01-06"]
    )  # only the 2nd has a time
    closes = pd.Series([100.0, 101.0, 102.0], index=idx)
    with pytest.raises(DataFormatError, match=r"time of day \(e\.g\. 2025-01-03 10:00:00\)"):
        window_return_from_closes(closes, "2025-01-06", sessions=1)


def test_a_missing_date_in_closes_is_named_as_missing_not_as_a_time_of_day() -> None:
    from rerating.errors import DataFormatError
    from rerating.rerate.windows import window_return_from_closes

    closes = pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2025-01-02", None, "2025-01-06"]))
    with pytest.raises(DataFormatError, match=r"closes of X have 1 missing dates \(NaT\); drop them"):
        window_return_from_closes(closes, "2025-01-06", 1, symbol="X")  # was "time of day (e.g. NaT)"
