"""Oracles for mutants of the evening audit (dc4977e..HEAD) that the suite let survive.

Every expected value here is worked by hand or by a plain loop / least squares written here,
not by the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rerating.claims import Extractor, windows
from rerating.cli import main
from rerating.cli._output import output_format
from rerating.events.catalog import EventFormatError, parse_event
from rerating.study import EventStudy
from rerating.study.engine import RBAR_MAX_EVENTS, RBAR_MIN_OVERLAP

# ---- study engine: the every-event r̄ (calendar sums, max_lag boundary) -----------------------


def _one_factor_market(seed: int, n_sym: int, n_days: int, shock: float):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    m, common = rng.normal(0, 0.01, n_days), rng.normal(0, 0.01, n_days)
    r = np.outer(m, rng.uniform(0.5, 1.5, n_sym)) + shock * common[:, None]
    r += rng.normal(0, 0.02, (n_days, n_sym))
    wide = pd.DataFrame(r, index=dates, columns=[f"S{i:04d}" for i in range(n_sym)])
    return wide, pd.DataFrame({"M": m}, index=dates)


def test_more_events_on_one_date_than_a_chunk_holds_all_count() -> None:
    """2,100 listings with one event each on one date: the engine sums the events 2,048 at a
    time, and the second batch's share of that day 0 is added to the first's, not written over
    it. Oracle: each listing's market-model residuals by least squares here, and the mean of
    every pair's correlation (one common date: r̄ of [0:0] is that mean too)."""
    n_sym, day0, est = 2100, 300, (-60, -11)
    wide, mkt = _one_factor_market(seed=11, n_sym=n_sym, n_days=320, shock=0.5)
    events = pd.DataFrame(
        {"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[day0]}
    )
    res = EventStudy(
        wide,
        events,
        market_returns=mkt,
        benchmarks="M",
        estimation_window=est,
        event_windows=((0, 0),),
        tests=("adj_bmp",),
    ).fit()
    rows = slice(day0 + est[0], day0 + est[1] + 1)
    y = wide.iloc[rows].to_numpy()
    x = np.column_stack([np.ones(y.shape[0]), mkt["M"].iloc[rows].to_numpy()])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    corr = np.corrcoef((y - x @ beta).T)
    want = corr[np.triu_indices(n_sym, 1)].mean()
    clus = res.clustering.set_index("window")
    assert clus.loc["[0:0]", "n"] == n_sym
    assert clus.loc["[0:0]", "n_pairs"] == n_sym * (n_sym - 1) // 2
    assert clus.loc["[0:0]", "rbar_residual"] == pytest.approx(want, rel=1e-8)
    assert clus.loc["[0:0]", "rbar"] == pytest.approx(want, rel=1e-8)


def test_estimation_window_one_session_short_of_the_overlap_gives_rbar_zero() -> None:
    """An estimation window of RBAR_MIN_OVERLAP - 1 = 29 sessions: no pair has the 30 common
    dates a correlation needs, so r̄ is 0 from no pair on the every-event path too (the boundary
    max_lag = 0, where a lag table of 2 * 0 - 1 cells cannot be made)."""
    assert RBAR_MIN_OVERLAP == 30
    n_sym = RBAR_MAX_EVENTS + 21
    wide, mkt = _one_factor_market(seed=5, n_sym=n_sym, n_days=200, shock=0.5)
    events = pd.DataFrame(
        {"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[150]}
    )
    res = EventStudy(
        wide,
        events,
        market_returns=mkt,
        benchmarks="M",
        estimation_window=(-39, -11),
        event_windows=((0, 0), (-2, 3)),
        tests=("adj_bmp",),
    ).fit()
    clus = res.clustering
    assert (clus["n"] == n_sym).all()
    assert (clus["rbar"] == 0.0).all() and (clus["rbar_caar"] == 0.0).all()
    assert (clus["n_pairs"] == 0).all()


# ---- claims/windows.py: day ranges and month spans at their boundaries ---------------------------
# Article date 2025-02-14 (a Friday) unless said otherwise; every window below worked by hand.

DATE = "2025-02-14"
REF = pd.Timestamp(DATE)


def _win(result):  # type: ignore[no-untyped-def]
    """The window dict a rule's result describes (``None``: no window)."""
    return None if result is None else result[0](None)


@pytest.mark.parametrize(
    ("args", "want"),
    [
        # one day written as a range: start and end the same day, not the next year's end
        ((1, 20, 1, 20, 2025), ("2025-01-20", "2025-01-20")),
        ((2, 3, 2, 3, None), ("2025-02-03", "2025-02-03")),
        # across the turn of the year, with and without the year
        ((12, 20, 1, 14, 2024), ("2024-12-20", "2025-01-14")),
        ((12, 20, 1, 14, None), ("2024-12-20", "2025-01-14")),
    ],
)
def test_day_range_of_one_day_and_across_new_year(args, want) -> None:  # type: ignore[no-untyped-def]
    assert windows._day_range(*args, REF) == want


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("英伟达股价2025年1月20日至1月20日上涨5%。", "2025-01-20", "2025-01-20"),
        ("Nvidia shares rose 5% from Feb. 3 to Feb. 3.", "2025-02-03", "2025-02-03"),
    ],
)
def test_a_one_day_range_phrase_is_that_day(text: str, start: str, end: str) -> None:
    (claim,) = Extractor().extract(text, "2025-02-14")
    assert claim.window == {"type": "range", "start": start, "end": end}


@pytest.mark.parametrize(
    ("m1", "m2", "y1", "y2", "start", "end"),
    [
        # the last month is the article's own month: this year's, to the article date
        (1, 2, None, None, "2025-01-01", "2025-02-14"),
        # one month from and to itself: that month only (this year's, to the article date)
        (2, 2, None, None, "2025-02-01", "2025-02-14"),
        # a month after the article's month: last year's (March 2024, whole)
        (3, 3, None, None, "2024-03-01", "2024-03-31"),
        # a first month after the last: the year before the last month's
        (3, 2, None, None, "2024-03-01", "2025-02-14"),
        # the first month's year given, the last the same month: the same year, not the next
        (1, 1, "2024", None, "2024-01-01", "2024-01-31"),
        (11, 2, "2024", None, "2024-11-01", "2025-02-14"),
    ],
)
def test_months_span_by_hand(m1, m2, y1, y2, start, end) -> None:  # type: ignore[no-untyped-def]
    assert _win(windows._months_span(REF, m1, m2, y1, y2)) == {
        "type": "range",
        "start": start,
        "end": end,
    }


def test_months_span_starting_on_the_article_date_is_one_day() -> None:
    """An article of 2025-03-01 on "March 2025 to April 2025": the period has begun that very
    day, so the window is 2025-03-01 alone; one starting the next day is no window."""
    day = pd.Timestamp("2025-03-01")
    assert _win(windows._months_span(day, 3, 4, "2025", "2025")) == {
        "type": "range",
        "start": "2025-03-01",
        "end": "2025-03-01",
    }
    assert windows._months_span(pd.Timestamp("2025-02-28"), 3, 4, "2025", "2025") is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Nvidia shares rose 5% from January to February.", "2025-01-01", "2025-02-14"),
        ("英伟达股价从1月到2月上涨5%。", "2025-01-01", "2025-02-14"),
        ("Nvidia shares rose 5% from February to February.", "2025-02-01", "2025-02-14"),
        ("英伟达股价2024年1月至1月上涨5%。", "2024-01-01", "2024-01-31"),
    ],
)
def test_month_span_phrases_by_hand(text: str, start: str, end: str) -> None:
    (claim,) = Extractor().extract(text, "2025-02-14")
    assert claim.window == {"type": "range", "start": start, "end": end}


# ---- events/catalog.py: a timestamp's own offset, and an explicit tz --------------------------


def _event(**extra: str):  # type: ignore[no-untyped-def]
    return parse_event({"id": "e", "title_en": "x", "kind": "k", "sources": "s", **extra})


def test_an_explicit_tz_wins_over_the_timestamps_offset() -> None:
    """23:00 UTC on Monday 2025-01-20 is 07:00 on Tuesday in Beijing: with tz = Asia/Shanghai the
    local date is 2025-01-21 (the offset the timestamp was written in only stands in for a
    missing tz)."""
    ev = _event(timestamp="2025-01-20T23:00:00Z", tz="Asia/Shanghai")
    assert ev.tz == "Asia/Shanghai" and ev.local_date.isoformat() == "2025-01-21"
    ev = _event(timestamp="2025-01-21T07:00+08:00", tz="America/New_York")
    assert ev.tz == "America/New_York" and ev.local_date.isoformat() == "2025-01-20"  # 18:00 EST


@pytest.mark.parametrize("tz", ["UTC+08:00x", "UTC+08:00:00", "xUTC+08:00", "UTC+8:00"])
def test_a_fixed_offset_tz_must_be_exactly_utc_sign_hh_mm(tz: str) -> None:
    with pytest.raises(EventFormatError):
        _event(timestamp="2025-01-21T07:00+08:00", tz=tz)


# ---- cli/_output.py: the format a file's extension names ---------------------------------------

_CHANGE = ["--sample", "change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27"]


@pytest.mark.parametrize(("name", "read"), [("X.CSV", pd.read_csv), ("x.Json", pd.read_json),
                                            ("x.pq", pd.read_parquet)])  # fmt: skip
def test_an_upper_case_or_short_extension_names_its_format(tmp_path, capsys, name, read) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    assert main([*_CHANGE, "-o", str(path)]) == 0
    got = read(path)
    assert list(got["symbol"]) == ["NVDA"] and float(got["end_close"].iloc[0]) == pytest.approx(
        118.42
    )


@pytest.mark.parametrize(
    ("name", "fmt"), [("x.txt", "csv"), ("x.json", "csv"), ("x.csv", "parquet")]
)
def test_an_explicit_format_against_any_named_extension_is_refused(
    tmp_path, capsys, name, fmt
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    code = main([*_CHANGE, "-o", str(path), "--format", fmt])
    err = capsys.readouterr().err
    assert code != 0 and f"--format {fmt} does not match the file name" in err and not path.exists()


def test_output_format_table_by_hand() -> None:
    assert output_format("table", "a/b.csv") == "csv"
    assert output_format("table", "b.PARQUET") == "parquet"
    assert output_format("table", "b.txt") == "table"
    assert output_format("table", "b.dat") == "table"  # no format named: the one asked
    assert output_format("json", "b.dat") == "json"
    assert output_format("csv", "b.CSV") == "csv"


def _rule(fn):  # type: ignore[no-untyped-def]
    (pattern,) = [p for p, f in windows.WINDOW_RULES if f is fn]
    return pattern


@pytest.mark.parametrize(
    "text", ["from January to may", "from june to March", "between March and may"]
)
def test_month_names_in_lower_case_make_no_month_span(text: str) -> None:
    m = _rule(windows._w_en_months).search(text)
    assert m is not None and windows._w_en_months(m, REF, None) is None


@pytest.mark.parametrize(
    ("day", "to_day", "want"),
    [
        # a Monday: its week so far is that one day
        ("2025-02-03", True, ("2025-02-03", "2025-02-03")),
        # Friday 2025-02-07: Monday 02-03 to the day; to its Sunday 02-09 without 截至
        ("2025-02-07", True, ("2025-02-03", "2025-02-07")),
        ("2025-02-07", False, ("2025-02-03", "2025-02-09")),
        # the article's own week (Friday 02-14): to the article date, not past it
        ("2025-02-12", False, ("2025-02-10", "2025-02-14")),
        # a week that starts after the article date: no window
        ("2025-02-17", True, None),
    ],
)
def test_week_ended_by_hand(day: str, to_day: bool, want) -> None:  # type: ignore[no-untyped-def]
    got = _win(windows._week_ended(pd.Timestamp(day), REF, to_day))
    assert got == (None if want is None else {"type": "week", "start": want[0], "end": want[1]})


# ---- cli: pe-gap and mcap-change notes ----------------------------------------------------------


def test_pe_gap_of_a_basket_with_no_symbol_says_it_is_empty(capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["--sample", "pe-gap", "--a", ",", "--b", "NVDA", "--on", "2025-02-14"])
    err = capsys.readouterr().err
    assert code != 0 and "basket A is empty" in err and "no member of basket A" not in err


def test_pe_gap_table_written_to_a_file_still_says_the_gap_on_stderr(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "pe.txt"
    code = main(
        ["--sample", "pe-gap", "--a", "NVDA", "--b", "MSFT", "--on", "2025-02-14", "-o", str(path)]
    )
    out, err = capsys.readouterr()
    assert code == 0 and "median trailing P/E on 2025-02-14" in err and "NVDA" in path.read_text()


def test_local_currency_note_only_for_a_company_listed_in_several(capsys) -> None:  # type: ignore[no-untyped-def]
    # one currency (NVDA only): nothing to choose, no note
    code = main(["--sample", "mcap-change", "nvidia", "--from", "2025-01-17", "--to", "2025-02-14",
                 "--currency", "local", "--format", "csv"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0 and "local currency" not in err
    # a currency asked for: the values are in it, no note about the local one
    code = main(["--sample", "mcap-change", "alibaba", "--from", "2025-01-17", "--to", "2025-02-14",
                 "--currency", "USD", "--format", "csv"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0 and "local currency" not in err


@pytest.mark.parametrize(
    ("text", "date", "window"),
    [
        # on Friday 2025-02-14 "the week ending Friday" is the article's own week, not the last one
        (
            "Nvidia shares rose 5% in the week ending Friday.",
            DATE,
            {"type": "week", "start": "2025-02-10", "end": "2025-02-14"},
        ),
        (
            "Nvidia shares rose 5% in the week ended Thursday.",
            DATE,
            {"type": "week", "start": "2025-02-10", "end": "2025-02-13"},
        ),
        (
            "Nvidia shares rose 5% in the week ended Monday, Feb. 3.",
            DATE,
            {"type": "week", "start": "2025-02-03", "end": "2025-02-03"},
        ),
        # 止 alone (no 截至) ends the week on the day, as 截至 does
        (
            "英伟达股价2月7日止一周上涨5%。",
            DATE,
            {"type": "week", "start": "2025-02-03", "end": "2025-02-07"},
        ),
        # "一周后" is a week after that day, not the week of it
        ("英伟达股价2月7日一周后上涨5%。", DATE, {"type": "day", "date": "2025-02-07"}),
        # the year written after the day is the count's end year
        (
            "Nvidia shares rose 5% in the 20 sessions to Feb. 13, 2024.",
            DATE,
            {"type": "sessions", "n": 20, "end": "2024-02-13"},
        ),
        (
            "Nvidia shares rose 5% in the 20 days ended Feb. 13.",
            DATE,
            {"type": "days", "n": 20, "end": "2025-02-13"},
        ),
    ],
)
def test_week_and_count_phrasings_by_hand(text: str, date: str, window: dict) -> None:
    (claim,) = Extractor().extract(text, date)
    assert dict(claim.window) == window


@pytest.mark.parametrize(
    ("text", "span"),
    [
        (
            "Nvidia shares rose 5% in the first five trading days after the DeepSeek-R1 release.",
            "5s",
        ),
        ("Nvidia shares rose 5% during the week since the DeepSeek-R1 release.", "1w"),
        ("Nvidia shares rose 5% in the one day after the DeepSeek-R1 release.", "1d"),
        ("Nvidia shares rose 5% in the three days after the DeepSeek-R1 release.", "3d"),
        (
            "Nvidia shares rose 5% in the 0 sessions after the DeepSeek-R1 release.",
            None,
        ),  # no span of 0
    ],
)
def test_event_spans_written_before_the_event(text: str, span) -> None:  # type: ignore[no-untyped-def]
    (claim,) = Extractor().extract(text, DATE)
    assert claim.window["type"] == "since_event" and claim.window["event"] == "deepseek-r1"
    assert claim.window.get("span") == span


def test_local_currency_note_suggests_the_other_currency(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Alibaba with its Hong Kong listing first: values in HKD, and the currency to pass for
    the other listing's is USD (not HKD again)."""
    from rerating.data.market import Market
    from rerating.rerate.marketcap import market_cap_change

    market = Market.from_sample()
    listings = market.securities.listings
    monkeypatch.setattr(market.securities, "listings", lambda t: list(reversed(listings(t))))
    res = market_cap_change(market, "alibaba", "2025-01-17", "2025-02-14", currency="local")
    (note,) = [n for n in res.notes if n.startswith("local currency")]
    assert "listed in HKD (9988.HK), USD (BABA); values are in HKD" in note
    assert note.endswith("(e.g. --currency USD)")


def test_a_bare_one_week_after_a_day_is_not_that_days_week() -> None:
    """A bare "2月7日一周" (no 截至 or 止) does not name the week ended 2月7日 (the rule's own
    guard: only 截至…一周 / …止一周 end a week on the day, and 当周 is the week of the day)."""
    (claim,) = Extractor().extract("英伟达股价2月7日一周上涨5%。", DATE)
    assert claim.window["type"] != "week"
