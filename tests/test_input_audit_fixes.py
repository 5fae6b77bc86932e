"""Bad input found by an audit of the command line and the Python API (2026-12-07), each refused
with a message that says what was wrong, or now accepted as the user meant it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.cli import main
from rerating.errors import (
    ArticleDateError,
    DataFormatError,
    DateRangeError,
    EventFormatError,
    StatisticOptionError,
)
from rerating.study import EventStudy
from rerating.study.panel import read_events

# --- dates such as 03/02/2025 are 3 February or 2 March: refused, never guessed -------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["change", "NVDA", "--from", "01/02/2025", "--to", "2025-02-28"],
        ["window", "9988.HK", "--end", "03/02/2025", "--sessions", "5"],
        ["events", "list", "--from", "1/2/2025"],
        ["study", "--kind", "model_release", "--from", "01/02/2025"],
    ],
)
def test_a_day_first_or_month_first_date_option_is_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--sample", *argv]) == 2
    err = capsys.readouterr().err
    assert "is not a date YYYY-MM-DD" in err and "day-first and month-first" in err


def test_iso_date_options_still_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sample", "change", "NVDA", "--from", "2025-01-24", "--to", "20250127"]) == 0
    assert "-16.9682" in capsys.readouterr().out  # 142.62 -> 118.42


def test_to_day_and_article_dates_refuse_ambiguous_text() -> None:
    from rerating.claims.article import parse_date
    from rerating.data.calendars import to_day

    for text in ("03/02/2025", "3.2.25", "03-02-2025"):
        with pytest.raises(DateRangeError, match="ambiguous"):
            to_day(text)
        with pytest.raises(ArticleDateError, match="ambiguous"):
            parse_date(text)
    assert to_day("2025/02/03") == pd.Timestamp("2025-02-03")  # year first: one reading
    assert parse_date("2025年2月3日") == pd.Timestamp("2025-02-03")


def test_a_reversed_load_range_says_swap_them(tmp_path: Path) -> None:
    from rerating.data.load import load
    from rerating.data.securities import load_securities
    from rerating.data.sources.files import FilesSource
    from rerating.data.store import Store

    with pytest.raises(DateRangeError, match="end 2025-01-01 is before start 2025-02-01; swap them"):
        load(["NVDA"], FilesSource(tmp_path), Store(tmp_path / "s.duckdb"), load_securities(),
             start="2025-02-01", end="2025-01-01")


# --- events files ------------------------------------------------------------------------------


def test_the_cli_reads_an_events_file_whose_headers_are_capitalised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ev.csv"
    path.write_text("Event_ID, Symbol ,Date\n001,9988.HK,2025-01-27\n002,NVDA,2025-01-27\n")
    code = main(["--sample", "study", "--events", str(path), "--estimation", "-100:-11",
                 "--window", "0:0", "--what", "car", "--format", "csv"])
    out = capsys.readouterr()
    assert code == 0, out.err
    car = pd.read_csv(__import__("io").StringIO(out.out), dtype={"event_id": str})
    assert sorted(car["event_id"]) == ["001", "002"]  # ids stay text, leading zeros kept


def _events(**cols: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"event_id": ["r1", "r2"], "symbol": ["NVDA", "MSFT"], **cols})


def test_a_date_that_disagrees_with_its_timestamp_is_refused() -> None:
    bad = _events(date=["2025-01-27", "2025-01-27"], timestamp=["2025-02-10T15:00Z", "2025-01-27T23:00+08:00"])
    with pytest.raises(EventFormatError, match=r"\(r1, NVDA\): date 2025-01-27 disagrees with timestamp 2025-02-10T15:00Z"):
        read_events(bad)
    # the timestamp's own date is its wall-clock date where it is written: 23:00 in Beijing on the
    # 27th is the 27th, though it is the 27th 15:00 in UTC; an empty date defers to the timestamp
    ok = _events(date=["2025-01-27", None], timestamp=["2025-01-27T15:00Z", "2025-01-27T23:00+08:00"])
    assert sorted(read_events(ok).event_id) == ["r1", "r2"]
    zoned = _events(
        date=["2025-01-27", "2025-01-28"],
        timestamp=pd.to_datetime(["2025-01-27T15:00Z", "2025-01-27T10:00Z"]).tz_convert("Asia/Shanghai"),
    )
    with pytest.raises(EventFormatError, match=r"\(r2, MSFT\): date 2025-01-28 disagrees"):
        read_events(zoned)  # MSFT's 10:00Z is 18:00 on the 27th in Shanghai; NVDA's 23:00 is the 27th


def test_a_utc_suffix_is_a_zone_and_an_unreadable_timestamp_is_named() -> None:
    a = read_events(_events(timestamp=["2025-01-27 14:30 UTC", "2025-01-27T14:30Z"]))
    assert a.timestamp_ns[0] == a.timestamp_ns[1]
    with pytest.raises(EventFormatError, match=r"timestamp '2025-13-45T10:00Z' cannot be read; use ISO 8601") as e:
        read_events(_events(timestamp=["2025-01-27T14:30Z", "2025-13-45T10:00Z"]))
    assert "You might" not in str(e.value) and "format=" not in str(e.value)


def test_a_text_return_in_a_wide_frame_is_named() -> None:
    days = pd.bdate_range("2024-01-01", periods=300)
    wide = pd.DataFrame({"A": np.random.default_rng(0).normal(0, 0.01, 300)}, index=days).astype(object)
    wide.iloc[5, 0] = "1.2%"
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["A"], "date": [days[280]]})
    with pytest.raises(DataFormatError, match=r"returns\['A'\] has 1 non-numeric values \(first: '1.2%'"):
        EventStudy(wide, ev, model="mean_adjusted", estimation_window=(-200, -11)).fit()


def test_a_catalog_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    from rerating.events.catalog import read_events as read_catalog

    path = tmp_path / "cat.csv"
    path.write_bytes(
        b"id,date,kind,title,title_zh,symbols\n"
        + "my-ev,2025-01-27,model_release,Test,测试,NVDA\n".encode("gb18030")
    )
    with pytest.raises(EventFormatError, match=r"line 2: not UTF-8 .*save it as UTF-8"):
        read_catalog(path)


def test_events_list_refuses_a_kind_no_event_has(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "list", "--kind", "modle_release"]) == 2
    err = capsys.readouterr().err
    assert "no catalog event has kind 'modle_release' (did you mean model_release?)" in err


# --- results stay as computed ----------------------------------------------------------------


@pytest.fixture(scope="module")
def small_fit():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2024-01-01", periods=200)
    m = pd.Series(rng.normal(0, 0.01, 200), index=days, name="MKT")
    wide = pd.DataFrame({s: 0.9 * m + rng.normal(0, 0.01, 200) for s in ("A", "B", "C")})
    ev = pd.DataFrame({"event_id": ["e"] * 4, "symbol": ["A", "B", "C", "A"][:3] + ["D"],
                       "date": [days[150]] * 4})
    wide["D"] = np.nan  # no data: one ledger entry
    return EventStudy(wide, ev, market_returns=m, estimation_window=(-100, -11),
                      event_windows=((0, 0), (0, 2))).fit()


def test_editing_the_frames_a_result_hands_out_leaves_it_as_computed(small_fit) -> None:  # type: ignore[no-untyped-def]
    res = small_fit
    caar, tests, dropped = res.caar, res.tests, res.dropped
    before = (res.to_frame().copy(), res.summary().as_csv())
    caar["caar"] = 0.0
    tests["pvalue"] = 0.0
    dropped.loc[0, "reason"] = "edited"
    assert res.dropped.loc[0, "reason"] != "edited"
    pd.testing.assert_frame_equal(res.to_frame(), before[0])
    assert res.summary().as_csv() == before[1]
    assert not hasattr(res, "caar_frame") and not hasattr(res, "dropped_frame")


@pytest.mark.parametrize("level", [95, 0, 1.0])
def test_a_level_outside_0_1_is_refused_by_every_interval(small_fit, level: float) -> None:  # type: ignore[no-untyped-def]
    for call in (lambda: small_fit.aar_path(level=level), lambda: small_fit.conf_int(level)):
        with pytest.raises(StatisticOptionError, match=r"level must be in \(0, 1\)"):
            call()


def test_a_report_result_hands_out_a_copy_of_its_table(tmp_path: Path) -> None:
    from rerating.report.build import ReportResult

    table = pd.DataFrame({"symbol": ["NVDA"], "ret": [-0.17]})
    r = ReportResult(tmp_path / "r.html", (), table, ())
    handed = r.to_frame()
    handed.loc[0, "ret"] = 9.0
    assert r.summary_frame.loc[0, "ret"] == -0.17


# --- one symbol as a string, and the packages' exports --------------------------------------------


def test_one_symbol_given_as_a_string_is_one_listing_not_its_letters() -> None:
    from rerating.data.market import Market
    from rerating.data.securities import load_securities
    from rerating.events.alignment import build_events
    from rerating.events.catalog import load_catalog
    from rerating.rerate.abnormal import abnormal_returns

    frame = build_events("deepseek-r1", "NVDA", load_catalog(), load_securities())
    assert frame["symbol"].tolist() == ["NVDA"]
    res = abnormal_returns(Market.from_sample(), "NVDA", "deepseek-r1", estimation_window=(-100, -11))
    assert res.car["symbol"].unique().tolist() == ["NVDA"]


def test_the_data_and_claims_packages_export_their_main_names() -> None:
    import rerating.claims as claims
    import rerating.data as data
    from rerating.claims.verify import verify_claims
    from rerating.data.market import Market

    assert data.Market is Market and set(data.__all__) <= set(dir(data))
    assert claims.verify_claims is verify_claims and "verify_claims" in claims.__all__
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        data.Nope  # noqa: B018


# --- a monthly factor file in a daily study --------------------------------------------------------

MONTHLY = "date,Mkt-RF,SMB,HML,RF\n" + "".join(
    f"2024{m:02d},{0.5 + m / 10:.2f},{-0.2 + m / 50:.2f},{0.1 * (m % 3):.2f},0.4{m % 10}\n" for m in range(1, 13)
)


def test_a_monthly_factor_file_is_refused_by_the_cli_and_the_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rerating.data.factors import read_factors

    path = tmp_path / "ff_monthly.csv"
    path.write_text(MONTHLY)
    ev = tmp_path / "ev.csv"
    ev.write_text("event_id,symbol,date\ne,NVDA,2025-01-27\n")
    code = main(["--sample", "study", "--events", str(ev), "--model", "factor", "--factors", str(path),
                 "--factor-units", "percent", "--risk-free", "RF", "--estimation", "-100:-11"])
    err = capsys.readouterr().err
    assert code != 0 and "ff_monthly.csv holds monthly factors (dates like 202401)" in err
    data = read_factors([path], units="percent", risk_free="RF")
    days = pd.bdate_range("2024-01-01", periods=260)
    wide = pd.DataFrame({"A": np.random.default_rng(1).normal(0, 0.01, 260)}, index=days)
    events = pd.DataFrame({"event_id": ["e"], "symbol": ["A"], "date": [days[250]]})
    with pytest.raises(DataFormatError, match="factors hold monthly values"):
        EventStudy(wide, events, model="factor", factors=data.factors, estimation_window=(-200, -11)).fit()


# --- a load stores nothing when a side file is malformed; a restated EPS is kept beside the first --


def test_a_malformed_eps_file_stops_the_load_before_any_bar_is_stored(tmp_path: Path) -> None:
    from rerating.data.load import load
    from rerating.data.securities import load_securities
    from rerating.data.sources.files import FilesSource
    from rerating.data.store import Store

    sample = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "NVDA.csv").write_text((sample / "NVDA.csv").read_text())
    (folder / "eps.csv").write_bytes(
        b"symbol,period_end,report_date,eps_diluted,currency,source\n"
        + "NVDA,2024-10-27,2024-11-20,0.78,USD,季报\n".encode("gb18030")
    )
    store = Store(tmp_path / "home")
    with pytest.raises(DataFormatError, match=r"eps\.csv: line 2: .*not UTF-8"):
        load(["NVDA"], FilesSource(folder), store, load_securities())
    assert not store.path.exists() or store.read_bars("NVDA").empty


def test_the_store_keeps_a_restated_eps_beside_the_first_figure(tmp_path: Path) -> None:
    from rerating.data.store import Store

    store = Store(tmp_path)
    first = pd.DataFrame({
        "symbol": ["NVDA", "NVDA"], "period_end": pd.to_datetime(["2024-10-27", "2024-10-27"]),
        "report_date": pd.to_datetime(["2024-11-20", "2025-02-26"]), "eps_diluted": [0.78, 0.79],
        "currency": ["USD", "USD"], "source": ["10-Q", "10-K restated"],
    })
    store.upsert_eps(first)
    store.upsert_eps(first.iloc[[1]].assign(eps_diluted=0.80))  # a corrected restatement replaces it
    undated = first.iloc[[0]].assign(report_date=pd.NaT, eps_diluted=0.70)
    store.upsert_eps(undated)
    store.upsert_eps(undated.assign(eps_diluted=0.71))  # no report_date: replaced by the same key
    got = store.read_eps().sort_values(["report_date"], na_position="first")
    assert got["eps_diluted"].tolist() == [0.71, 0.78, 0.80]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("event_id,symbol,date\nr1,9988.HK,2025-01-27,\n", "line 2 has 4 fields, the header has 3 (a trailing comma?)"),
        ("event_id,symbol,date\nr1,9988.HK,2025-01-27,tech\n", "line 2 has 4 fields, the header has 3; quote cells"),
    ],
)
def test_an_events_row_wider_than_its_header_is_refused_not_shifted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "ev.csv"
    path.write_text(text)
    assert main(["--sample", "study", "--events", str(path)]) == 2
    assert message in capsys.readouterr().err  # before: "unknown symbol '2025-01-27'"


def test_a_trailing_comma_on_every_events_line_is_an_empty_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ev.csv"
    path.write_text("event_id,symbol,date,\nr1,9988.HK,2025-01-27,\n")
    assert main(["--sample", "study", "--events", str(path), "--estimation", "-100:-11",
                 "--what", "car", "--format", "csv"]) == 0
    assert "r1,9988.HK,all,2025-01-27" in capsys.readouterr().out


def test_event_return_takes_a_catalog_event_id_and_names_a_bad_time() -> None:
    from rerating.data.market import Market
    from rerating.errors import UnknownEventError
    from rerating.events.catalog import load_catalog
    from rerating.rerate.windows import event_return

    m = Market.from_sample()
    by_id = event_return(m, "NVDA", "deepseek-r1", sessions=1)
    by_event = event_return(m, "NVDA", load_catalog().get("deepseek-r1"), sessions=1)
    assert by_id == by_event and by_id.end_date == pd.Timestamp("2025-01-21")
    with pytest.raises(UnknownEventError, match="did you mean deepseek-r1"):
        event_return(m, "NVDA", "deepseek-r2", sessions=1)
    with pytest.raises(DateRangeError, match="'2025-13-45T00:00Z' is not a time"):
        event_return(m, "NVDA", "2025-13-45T00:00Z", sessions=1)


def test_event_dates_on_holidays_are_named_with_the_session_they_became(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ev.csv"
    path.write_text("event_id,symbol,date\nh1,9988.HK,2025-01-29\nw1,NVDA,2025-01-25\nok,MSFT,2025-01-27\n")
    assert main(["--sample", "study", "--events", str(path), "--estimation", "-100:-11",
                 "--what", "car", "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert ("note: 2 event date(s) are not sessions of the listing's exchange; day 0 is the next "
            "session (--non-session next): (h1, 9988.HK) 2025-01-29 -> 2025-02-03; "
            "(w1, NVDA) 2025-01-25 -> 2025-01-27") in err


def test_a_symbol_without_returns_gets_the_datas_close_spelling_in_the_ledger() -> None:
    days = pd.bdate_range("2024-01-01", periods=300)
    rng = np.random.default_rng(0)
    wide = pd.DataFrame({"AAA": rng.normal(0, 0.01, 300), "BBB": rng.normal(0, 0.01, 300)}, index=days)
    ev = pd.DataFrame({"event_id": ["e", "f", "g"], "symbol": ["aaa", "BBB", "ZZZZ"], "date": [days[280]] * 3})
    res = EventStudy(wide, ev, model="mean_adjusted", estimation_window=(-200, -11)).fit()
    reasons = res.dropped.set_index("symbol")["reason"]
    assert reasons["aaa"] == "symbol has no returns in the data: did you mean AAA?"
    assert reasons["ZZZZ"] == "symbol has no returns in the data"
    long = wide.stack().rename("ret").rename_axis(["date", "symbol"]).reset_index()
    res = EventStudy(long, ev, model="mean_adjusted", estimation_window=(-200, -11)).fit()
    assert "did you mean AAA?" in res.dropped.set_index("symbol").loc["aaa", "reason"]


def test_a_factor_file_with_a_header_only_is_refused(tmp_path: Path) -> None:
    from rerating.data.factors import read_factors

    path = tmp_path / "ff.csv"
    path.write_text("date,Mkt-RF,SMB\n")
    with pytest.raises(DataFormatError, match="has a header but no rows"):
        read_factors([path])  # before: an empty table, then every event dropped for missing factors


def test_no_events_left_carries_the_engines_ledger() -> None:
    from rerating.errors import NoEventsLeftError

    days = pd.bdate_range("2024-01-01", periods=100)
    wide = pd.DataFrame({"A": np.random.default_rng(0).normal(0, 0.01, 100)}, index=days)
    ev = pd.DataFrame({"event_id": ["e", "f"], "symbol": ["A", "B"], "date": [days[20], days[50]]})
    with pytest.raises(NoEventsLeftError) as caught:
        EventStudy(wide, ev, model="mean_adjusted", estimation_window=(-60, -11)).fit()
    ledger = caught.value.dropped.set_index("symbol")["reason"]
    assert ledger["A"].startswith("not enough estimation data") and ledger["B"].startswith("symbol has no returns")


def test_an_event_date_with_a_time_of_day_says_to_use_a_timestamp(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(DataFormatError, match=r"put the time with its zone in a 'timestamp' column"):
        read_events(_events(date=["2025-02-03T10:00", "2025-02-03"]))
    path = tmp_path / "ev.csv"
    path.write_text("event_id,symbol,date\nr1,9988.HK,2025-02-03T10:00\n")
    code = main(["--sample", "study", "--events", str(path), "--estimation", "-100:-11"])
    err = capsys.readouterr().err
    assert code != 0 and "'timestamp' column" in err and "Traceback" not in err


def test_a_non_session_event_under_raise_names_the_cli_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ev.csv"
    path.write_text("event_id,symbol,date\nr1,NVDA,2025-01-20\n")  # Martin Luther King Jr. Day
    code = main(["--sample", "study", "--events", str(path), "--estimation", "-100:-11",
                 "--non-session", "raise"])
    err = capsys.readouterr().err
    assert code != 0 and "2025-01-20 is not a session" in err
    assert "--non-session next, previous or skip" in err


def test_a_drop_for_too_little_estimation_data_names_the_cli_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the sample's S&P 500 starts in August 2024: [-250, -11] before 2025-01-27 has too few sessions
    code = main(["--sample", "abnormal", "NVDA", "--event", "deepseek-r1"])
    err = capsys.readouterr().err
    assert code != 0 and "not enough estimation data" in err
    assert "--min-estimation" in err and "Traceback" not in err
