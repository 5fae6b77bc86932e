"""The input path of ``EventStudy.fit`` (events, returns, benchmarks, scale): what it refuses and
with which message, and the cases its fast paths handle differently from the general ones (Arrow,
Python and object text columns; events already in canonical order or not; a wide frame whose
columns are all, or only some, event symbols)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rerating.errors import (
    DataFormatError,
    EventFormatError,
    MissingDataError,
    NonSessionDateError,
)
from rerating.study import EventStudy
from rerating.study.panel import check_return_scale, flatten_returns, read_events

SYMBOLS = ["AAA", "BBB", "CCC", "DDD"]
DATES = pd.bdate_range("2023-01-02", periods=320, name="date")
TEXT_DTYPES = ["str", "string[python]", "string[pyarrow]", object]


def _data(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0003, 0.01, DATES.size)
    r = np.outer(m, [0.8, 1.0, 1.2, 1.4]) + rng.normal(0, 0.015, (DATES.size, len(SYMBOLS)))
    return pd.DataFrame(r, index=DATES, columns=SYMBOLS), pd.DataFrame({"MKT": m}, index=DATES)


def _events(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(n)],
            "symbol": [SYMBOLS[i % len(SYMBOLS)] for i in range(n)],
            "date": DATES[[200 + 7 * i for i in range(n)]],
        }
    )


def _fit(events: pd.DataFrame, returns: pd.DataFrame | None = None, **kw: object):  # type: ignore[no-untyped-def]
    wide, mkt = _data()
    kw.setdefault("market_returns", mkt)
    kw.setdefault("benchmarks", "MKT")
    return EventStudy(
        wide if returns is None else returns,
        events,
        estimation_window=(-120, -11),
        event_windows=[(0, 0), (-1, 1)],
        tests="parametric",
        **kw,  # type: ignore[arg-type]
    ).fit()


# --- events: text columns ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
@pytest.mark.parametrize("column", ["event_id", "symbol"])
def test_a_missing_id_or_symbol_is_refused_whatever_the_text_dtype(dtype: object, column: str) -> None:
    ev = _events().astype({"event_id": dtype, "symbol": dtype})
    ev[column] = ev[column].where(np.arange(len(ev)) != 2)
    with pytest.raises(EventFormatError, match="events have rows with no event_id or symbol"):
        read_events(ev)


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_padded_symbols_are_stripped_whatever_the_text_dtype(dtype: object) -> None:
    ev = _events()
    ev["symbol"] = (" " + ev["symbol"] + "  ").astype(dtype)
    table = read_events(ev)
    assert table.symbol.tolist() == sorted(SYMBOLS)
    assert table.symbols.tolist() == sorted(SYMBOLS)
    assert table.symbols[table.symbol_code].tolist() == table.symbol.tolist()
    res = _fit(ev)
    assert len(res.dropped) == 0
    assert sorted(res.car["symbol"].unique()) == sorted(SYMBOLS)


@pytest.mark.parametrize(
    "symbols", [["AAA", "AAA", "BBB", "DDD"], ["DDD", "AAA", "BBB", "AAA"], ["BBB", "CCC", "DDD", "EEE"]]
)
def test_event_symbols_are_coded_in_their_sorted_order(symbols: list[str]) -> None:
    """Listed by symbol already (codes count the runs) or not (codes from hashing): the same."""
    table = read_events(_events().assign(symbol=symbols))
    codes, distinct = pd.factorize(pd.Series(symbols), sort=True)
    assert table.symbols.tolist() == list(distinct)
    assert table.symbols[table.symbol_code].tolist() == table.symbol.tolist() == sorted(symbols)


def test_ids_that_are_not_text_are_read_as_their_str() -> None:
    ev = _events().assign(event_id=[10, 2, 33, 4])
    table = read_events(ev)
    assert set(table.event_id.tolist()) == {"10", "2", "33", "4"}
    assert all(type(v) is str for v in table.event_id)


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_an_event_id_and_symbol_pair_given_twice_is_refused(dtype: object) -> None:
    ev = pd.concat([_events(), _events().iloc[[1]]], ignore_index=True)
    ev = ev.astype({"event_id": dtype, "symbol": dtype})
    with pytest.raises(
        EventFormatError,
        match=r"duplicate events: 2 rows share an \(event_id, symbol\) pair, e\.g\. "
        r"\(E1, BBB\), \(E1, BBB\); each event of a security must appear once",
    ):
        read_events(ev)


def test_one_id_on_two_symbols_is_two_events() -> None:
    ev = _events().assign(event_id=["SAME", "SAME", "E2", "E3"])
    res = _fit(ev)
    assert len(res.dropped) == 0
    assert (res.car["event_id"] == "SAME").sum() == 2 * 2  # two events, two windows


# --- events: canonical order -------------------------------------------------------------------


@pytest.mark.parametrize("groups", [False, True])
def test_events_tied_on_symbol_and_date_are_ordered_by_id(groups: bool) -> None:
    """Two events of one listing and day 0: the one first by id is kept, whatever the input order
    (the ids' order is only consulted for such ties)."""
    ev = _events()
    twin = ev.iloc[[1]].assign(event_id="A1")  # sorts before "E1"
    in_order_but_ids = pd.concat([ev.iloc[:2], twin, ev.iloc[2:]])  # E1 before A1: one tie
    for frame in (in_order_but_ids, pd.concat([ev, twin]), pd.concat([twin, ev])):
        if groups:
            frame = frame.assign(group="g")
        res = _fit(frame)
        assert res.dropped["event_id"].tolist() == ["E1"]
        assert "is already event A1" in res.dropped["reason"].iloc[0]
        table = read_events(frame)
        assert table.event_id.tolist() == ["E0", "A1", "E1", "E2", "E3"]


def test_input_order_does_not_change_the_results() -> None:
    ev = _events(12)
    ev["group"] = np.where(np.arange(12) % 3 == 0, "x", "y")
    base = _fit(ev)
    for seed in range(3):
        res = _fit(ev.sample(frac=1, random_state=seed))
        pd.testing.assert_frame_equal(res.car, base.car)
        pd.testing.assert_frame_equal(res.tests, base.tests)


# --- events: dates, timestamps, groups -----------------------------------------------------------


def test_a_missing_date_names_its_event() -> None:
    ev = _events()
    ev["date"] = ev["date"].where(np.arange(4) != 2)
    with pytest.raises(EventFormatError, match=r"event \(E2, CCC\) has neither a date nor a timestamp"):
        read_events(ev)


def test_the_ledger_shows_dates_and_timestamps_as_given() -> None:
    ev = _events()
    ev.loc[3, "date"] = pd.Timestamp("2030-01-02")  # after the data
    ts = ev.drop(columns="date").assign(timestamp=["2023-10-20T10:00:00-04:00"] * 3 + ["2031-01-02T10:00:00Z"])
    cal = {s: "XNYS" for s in SYMBOLS}
    dated = _fit(ev, calendars=cal)
    assert dated.dropped["date"].tolist() == ["2030-01-02"]
    timed = _fit(ts.assign(event_id=["T0", "T1", "T2", "T3"]), calendars=cal)
    assert timed.dropped["date"].tolist() == ["2031-01-02T10:00:00Z"]
    table = read_events(ev)
    assert table.requested.tolist() == np.datetime_as_string(table.date, unit="D").tolist()


def test_a_timestamp_event_needs_its_listings_calendar() -> None:
    ev = _events().drop(columns="date").assign(timestamp="2023-10-20T10:00:00-04:00")
    with pytest.raises(EventFormatError, match=r"event \(E0, AAA\) has a timestamp but the calendar of AAA"):
        _fit(ev, calendars={"BBB": "XNYS"})


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
@pytest.mark.parametrize("blank", [None, ""])
def test_an_empty_group_is_refused(dtype: object, blank: object) -> None:
    ev = _events().assign(group=["a", "b", "a", "b"]).astype({"group": dtype})
    ev.loc[1, "group"] = blank
    with pytest.raises(EventFormatError, match="events 'group' is empty on some rows"):
        read_events(ev)


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_the_group_name_all_is_refused_beside_others(dtype: object) -> None:
    ev = _events().assign(group=["all", "b", "all", "b"]).astype({"group": dtype})
    with pytest.raises(EventFormatError, match="events 'group' uses the name 'all'"):
        read_events(ev)
    assert read_events(ev.assign(group="all")).has_groups


# --- returns -----------------------------------------------------------------------------------


def test_wide_columns_in_any_order_give_the_same_results() -> None:
    wide, _ = _data()
    ev = _events()
    base = _fit(ev)
    shuffled = wide[SYMBOLS[::-1]].assign(other=0.001)
    res = _fit(ev, returns=shuffled)
    pd.testing.assert_frame_equal(res.car, base.car)
    # listings ascending whatever the column order (the flat panel's layout)
    assert flatten_returns(shuffled, set(SYMBOLS)).symbols.tolist() == SYMBOLS


def test_a_wide_frame_naming_an_event_symbol_twice_is_refused() -> None:
    wide, _ = _data()
    twice = pd.concat([wide, wide[["BBB"]]], axis=1)
    with pytest.raises(DataFormatError, match=r"returns has duplicate columns: \['AAA', 'BBB', 'BBB'"):
        _fit(_events(), returns=twice)
    # a column repeated that no event names is never read
    other = pd.concat([wide, pd.DataFrame({"ZZZ": 0.0, "ZZ": 0.0}, index=DATES).set_axis(["ZZ", "ZZ"], axis=1)], axis=1)
    assert len(_fit(_events(), returns=other).dropped) == 0


def test_a_wide_frame_with_holes_skips_them_as_non_sessions() -> None:
    wide, _ = _data()
    holed = wide.copy()
    holed.iloc[207, 1] = np.nan  # BBB's day 0 (event E1 on row 207)
    res = _fit(_events(), returns=holed, non_session="skip")
    assert res.dropped["event_id"].tolist() == ["E1"]
    assert res.dropped["reason"].iloc[0].startswith("not a session (non_session='skip')")


def test_symbols_without_returns_go_to_the_ledger_with_close_spellings() -> None:
    wide, _ = _data()
    ev = _events().assign(symbol=["AAA", "bbb", "CCC", "DDD"])
    res = _fit(ev, returns=wide)
    assert res.dropped["reason"].tolist() == ["symbol has no returns in the data: did you mean BBB?"]
    with pytest.raises(MissingDataError, match=r"returns have no data for any event symbol \(\['XXX'\]"):
        _fit(_events().assign(symbol="XXX"))


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([0.1, 0.3, 0.5], 0.3),  # odd count: the middle value
        ([0.9, 0.1, 0.5, 0.3], 0.4),  # even count: the mean of the middle two
        ([0.1, 0.19, 0.23, 0.9], 0.21),
        ([-0.5, np.inf, 0.3, np.nan, -0.3, 0.7], 0.4),  # sizes; non-finite values left out
    ],
)
def test_the_scale_check_reports_the_median_absolute_value(values: list[float], median: float) -> None:
    assert np.median(np.abs([v for v in values if np.isfinite(v)])) == pytest.approx(median)
    with pytest.raises(DataFormatError, match=rf"their median absolute value is {median:.3g}, above 0\.2"):
        check_return_scale(np.array(values), "returns")


def test_the_scale_check_passes_a_median_at_or_below_the_limit() -> None:
    check_return_scale(np.array([0.1, 0.15, 0.23, 0.9]), "returns")  # median 0.19
    check_return_scale(np.array([0.1, 0.2, 0.3]), "returns")  # median 0.2: not above
    with pytest.raises(DataFormatError, match="returns look like percentages"):
        _fit(_events(), returns=_data()[0] * 100)


# --- benchmarks --------------------------------------------------------------------------------


def test_a_benchmark_that_is_not_a_column_names_the_first_symbol() -> None:
    with pytest.raises(
        MissingDataError,
        match=r"benchmark 'MKX' of AAA is not a column of market_returns \(columns: \['MKT'\]\) "
        r"\(did you mean MKT\?\)",
    ):
        _fit(_events(), benchmarks="MKX")


def test_a_benchmark_named_by_two_columns_is_refused() -> None:
    _, mkt = _data()
    two = pd.concat([mkt, mkt], axis=1)
    with pytest.raises(DataFormatError, match="benchmark 'MKT' of AAA names 2 columns of market_returns"):
        _fit(_events(), market_returns=two)
    with pytest.raises(DataFormatError, match="benchmark 'MKT' of AAA names 2 columns of market_returns"):
        _fit(_events(), market_returns=two, benchmarks={s: "MKT" for s in SYMBOLS})


def test_benchmarks_by_symbol_are_read_per_symbol() -> None:
    _, mkt = _data()
    two = mkt.assign(ALT=np.random.default_rng(9).normal(0.0, 0.01, DATES.size))
    bench = {"AAA": "MKT", "BBB": "ALT", "CCC": "MKT", "DDD": "ALT"}
    res = _fit(_events(), market_returns=two, benchmarks=bench)
    one = _fit(_events(), market_returns=two, benchmarks="MKT")
    assert not np.allclose(res.car["car"], one.car["car"])
    same = res.car["symbol"].isin(["AAA", "CCC"])
    np.testing.assert_allclose(res.car.loc[same, "car"], one.car.loc[same, "car"])
    with pytest.raises(MissingDataError, match="benchmarks has no entry for DDD"):
        _fit(_events(), market_returns=two, benchmarks={k: v for k, v in bench.items() if k != "DDD"})


@pytest.mark.parametrize("policy", ["next", "previous", "skip", "raise"])
def test_a_date_that_is_no_session_follows_the_policy(policy: str) -> None:
    monday = next(i for i in range(214, 221) if DATES[i].day_of_week == 0)
    sunday = DATES[monday] - pd.Timedelta(days=1)  # no row of the complete grid
    ev = _events()
    ev.loc[2, "date"] = sunday
    if policy == "raise":
        with pytest.raises(
            NonSessionDateError, match=rf"event \(E2, CCC\) date {sunday.date()} is not a session"
        ):
            _fit(ev, non_session=policy)
        return
    res = _fit(ev, non_session=policy)
    if policy == "skip":
        assert res.dropped["reason"].tolist() == [f"not a session (non_session='skip'): {sunday.date()}"]
        return
    assert len(res.dropped) == 0
    day0 = res.car.loc[res.car["event_id"] == "E2", "day0"].iloc[0]
    assert pd.Timestamp(day0) == DATES[monday if policy == "next" else monday - 1]


def test_calendars_of_many_symbols_are_each_symbols_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """``_CalendarLookup.get_many`` (one lookup for a whole market's listings) gives what ``get``
    gives symbol by symbol: from the process's table once every symbol has been seen, from the
    security master for a symbol not seen yet, and the user's calendars before either."""
    from rerating.study import engine

    monkeypatch.setattr(engine, "_MASTER_CALENDARS", {"NVDA": "XNYS", "9988.HK": "XHKG", "ZZZZ": None})
    symbols = ["NVDA", "ZZZZ", "9988.HK", "NVDA"]
    lookup = engine._CalendarLookup(None)
    assert lookup.get_many(symbols) == ["XNYS", None, "XHKG", "XNYS"]
    seen: list[str] = []
    monkeypatch.setattr(lookup, "security", lambda s: seen.append(s) or None)  # unknown to the master
    assert lookup.get_many([*symbols, "NEW1"]) == ["XNYS", None, "XHKG", "XNYS", None]
    assert seen == ["NEW1"] and engine._MASTER_CALENDARS["NEW1"] is None  # looked up, then kept
    given = engine._CalendarLookup({"NVDA": "XNAS"})
    assert given.get_many(symbols) == ["XNAS", None, "XHKG", "XNAS"]
    assert given.get_many(symbols) == [given.get(s) for s in symbols]
