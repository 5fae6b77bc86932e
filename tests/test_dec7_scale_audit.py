"""A whole-market study on the command line (Dec 7 scale audit), on tiny synthetic folders.

Each test stands for a problem found with 2,000 listings x 10 years and 30,000 events:

- an events file (or a ``load`` command) with many unknown symbols stopped at the first one, so
  300 typos took 300 runs: every unknown symbol is now counted and the first few named;
- the note on listings without bars named every one of them (14,700 characters on one line
  after a load killed at 385 of 2,001 listings): it names ten and counts the rest;
- the drop note told a command-line user to "see results.dropped" (the Python name): it names
  ``--what dropped``;
- ``--what car`` searched the catalog row by row for other news of every listing (1.9 s of a
  15 s study of listings the catalog never names): only rows of companies it names are searched;
- staging a listing's bars for ``rerating load`` went through ``pyarrow.Table.from_pandas`` of a
  frame with the symbol and source repeated on every row (~7 ms of the ~23 ms a listing took):
  the Arrow table is built from the column arrays, with the same rows stored;
- ``rerating study`` held the whole market's bars and long returns frame through the fit (peak
  1.84 GB, 1.39 GB once they are let go).
"""

from __future__ import annotations

from pathlib import Path

import exchange_calendars as xc
import numpy as np
import pandas as pd
import pytest

from rerating.cli import main

N_LISTINGS = 4


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of four listings and a benchmark on XNYS (400 sessions), their securities file,
    and a store at ``home`` holding them."""
    root = tmp_path_factory.mktemp("scale")
    files = root / "files"
    files.mkdir()
    sess = xc.get_calendar("XNYS").sessions_in_range("2023-01-03", "2024-08-30")[:400]
    rng = np.random.default_rng(0)
    m = rng.normal(0.0, 0.01, sess.size)

    def write(name: str, ret: np.ndarray) -> None:
        close = 50 * np.exp(np.cumsum(ret))
        pd.DataFrame(
            {"date": sess.strftime("%Y-%m-%d"), "close": close, "adj_close": close}
        ).to_csv(files / f"{name}.csv", index=False)

    write("GSPC", m)
    names = [f"ZZ{i}" for i in range(N_LISTINGS)]
    for name in names:
        write(name, m + rng.normal(0, 0.02, sess.size))
    (root / "securities.csv").write_text(
        "symbol,name,kind,exchange,calendar,currency,benchmark\n"
        + "".join(f"{n},Synthetic {n},stock,XNYS,XNYS,USD,^GSPC\n" for n in names),
        encoding="utf-8",
    )
    home = root / "home"
    code = main(
        ["--home", str(home), "--securities", str(root / "securities.csv"), "load", "^GSPC",
         *names, "--dir", str(files), "--format", "csv", "-o", str(root / "loaded.csv")]
    )
    assert code == 0
    return root


def _events(root: Path, symbols: list[str], name: str = "events.csv") -> Path:
    path = root / name
    path.write_text(
        "event_id,symbol,date\n"
        + "".join(f"e{i},{s},2024-06-03\n" for i, s in enumerate(symbols)),
        encoding="utf-8",
    )
    return path


def _study(root: Path, *argv: str) -> list[str]:
    return ["--home", str(root / "home"), "study", "--estimation", "-120:-11", *argv]


def test_study_names_every_unknown_symbol_at_once(
    market: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _events(market, ["ZZ0", "QQ1", "ZZ1", "QQ2", "QQ3"], "unknown.csv")
    code = main(_study(market, "--events", str(events)))
    err = capsys.readouterr().err
    assert code != 0
    assert "3 of 5 symbols in events file" in err, err
    assert all(f"'QQ{i}'" in err for i in (1, 2, 3)), err
    assert "--securities FILE" in err and "Traceback" not in err


def test_many_unknown_symbols_are_counted_past_the_first_few(
    market: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _events(market, [f"QQ{i}" for i in range(12)], "many.csv")
    code = main(_study(market, "--events", str(events)))
    err = capsys.readouterr().err
    assert code != 0
    assert "12 of 12 symbols" in err and "and 7 more" in err, err
    assert "'QQ4'" in err and "'QQ5'" not in err, err


def test_one_unknown_symbol_keeps_its_close_matches(
    market: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _events(market, ["ZZ0", "ZZ9"], "one.csv")
    code = main(_study(market, "--events", str(events)))
    err = capsys.readouterr().err
    assert code != 0
    assert "unknown symbol 'ZZ9'" in err and "did you mean" in err, err


def test_load_names_every_unknown_symbol_before_loading(
    market: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    code = main(
        ["--home", str(home), "--securities", str(market / "securities.csv"), "load", "ZZ0",
         "QQ1", "ZZ1", "QQ2", "--dir", str(market / "files")]
    )
    err = capsys.readouterr().err
    assert code != 0
    assert "2 of 4 symbols" in err and "'QQ1'" in err and "'QQ2'" in err, err
    assert not (home / "rerating.duckdb").exists() or "loaded" not in err


def test_note_on_listings_without_bars_stays_one_short_line(
    market: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 30 listings known to the master, one with bars: the other 29 lose their events
    extra = [f"NB{i:02d}" for i in range(30)]
    sec = tmp_path / "more.csv"
    sec.write_text(
        (market / "securities.csv").read_text(encoding="utf-8")
        + "".join(f"{n},No bars {n},stock,XNYS,XNYS,USD,^GSPC\n" for n in extra),
        encoding="utf-8",
    )
    events = _events(tmp_path, ["ZZ0", *extra])
    code = main(
        ["--home", str(market / "home"), "--securities", str(sec), "study", "--estimation",
         "-120:-11", "--events", str(events), "--what", "dropped", "--format", "csv"]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    note = next(line for line in out.err.splitlines() if line.startswith("note: no bars for"))
    assert "NB09" in note and "NB10" not in note and "and 20 more" in note, note
    assert len(note) < 400, note
    assert out.out.count("symbol has no returns in the data") == 30  # the ledger still has all


def test_drop_note_names_the_command_line_option(
    market: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _events(market, ["ZZ0", "ZZ1"], "early.csv")
    early = events.read_text(encoding="utf-8").replace("2024-06-03", "2023-01-10", 1)
    events.write_text(early, encoding="utf-8")
    code = main(_study(market, "--events", str(events)))
    err = capsys.readouterr().err
    assert code == 0, err
    assert "1 of 2 events dropped (see --what dropped)" in err, err
    assert "results.dropped" not in err


def test_other_events_searches_only_rows_of_companies_the_catalog_names() -> None:
    """A whole market's CARs are mostly of listings the catalog never names: they are left out
    before the row-by-row search (one lookup per listing, not per row), and the rows of a company
    it names get what they get alone."""
    from rerating.data.securities import load_securities
    from rerating.events.catalog import load_catalog
    from rerating.events.confounding import other_events

    master = load_securities()
    catalog = load_catalog(securities=master)
    calls: list[str] = []

    class Counting:
        def lookup(self, symbol: str) -> object:
            calls.append(symbol)
            return master.lookup(symbol)

    named = pd.DataFrame(
        {"event_id": "deepseek-v3", "symbol": ["NVDA", "9988.HK"],
         "day0": pd.Timestamp("2024-12-26"), "window": "[-5:20]"}
    )
    others = pd.DataFrame(
        {"event_id": "e", "symbol": [f"ZZ{i % 50}" for i in range(2_000)],
         "day0": pd.Timestamp("2024-12-26"), "window": "[-5:20]"}
    )
    frame = pd.concat([others, named], ignore_index=True)
    found = other_events(frame, catalog, Counting())
    catalog_symbols = sum(len(e.symbols) for e in catalog.events)
    assert len(calls) <= catalog_symbols + 52 + 2 * len(named)  # not one per row
    assert (found.iloc[: len(others)] == "").all()
    alone = other_events(named, catalog, master)
    assert list(found.iloc[len(others) :]) == list(alone)
    assert (alone != "").any()  # R1 (2025-01-20) lies in V3's [-5:20] windows


def test_car_other_events_unchanged_on_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    """The filter keeps what the row-by-row search finds (DeepSeek's R1 inside V3's windows)."""
    from rerating.data.securities import load_securities
    from rerating.events.catalog import load_catalog
    from rerating.events.confounding import other_events

    code = main(
        ["--sample", "study", "--event", "deepseek-r1", "--symbols", "9988.HK,NVDA,BABA",
         "--estimation", "-100:-11", "--window", "-5:20", "--what", "car", "--format", "csv"]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    got = pd.read_csv(pd.io.common.StringIO(out.out), keep_default_na=False)
    master = load_securities()
    want = other_events(got.drop(columns="other_events"), load_catalog(securities=master), master)
    assert list(got["other_events"]) == list(want)
    assert (got["other_events"] != "").any()


def test_replace_bars_stages_without_a_pandas_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.pandas_compat

    from rerating.data.store import Store

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pyarrow.Table.from_pandas (a pandas round trip) on a listing's bars")

    bars = pd.DataFrame(
        {"open": [1.0, np.nan, 1.2], "high": [1.1, 1.2, 1.3], "low": [0.9, 1.0, 1.1],
         "close": [1.0, 1.1, 1.2], "adj_close": [0.5, 0.55, 0.6], "volume": [10.0, np.nan, 30.0]},
        index=pd.DatetimeIndex(["2024-06-03", "2024-06-04", "2024-06-05"], name="date"),
    )
    store = Store(tmp_path / "home")
    monkeypatch.setattr(pyarrow.pandas_compat, "dataframe_to_arrays", refuse)
    done = store.replace_bars(bars, "NVDA", source="files")
    monkeypatch.undo()
    assert done.rows == 3
    got = store.read_bars("NVDA")
    assert got.index.equals(bars.index)
    for col in bars.columns:  # empty values stay empty (nulls), the others as given
        np.testing.assert_array_equal(got[col].to_numpy(dtype="float64"), bars[col].to_numpy())
    cov = store.coverage().set_index("symbol").loc["NVDA"]  # the summary row, same transaction
    assert (cov["rows"], cov["source"]) == (3, "files")
    assert (cov["first"], cov["last"]) == (bars.index[0], bars.index[-1])


def test_study_lets_the_markets_bars_go_before_the_fit(
    market: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bars read for the returns are not held through the fit (0.3 GB for a whole market)."""
    from rerating.data.market import Market
    from rerating.study import engine

    held: list[int] = []
    opened: list[Market] = []
    real_open, real_fit = Market.open, engine.EventStudy.fit

    def open_(*args: object, **kwargs: object) -> Market:
        m = real_open(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(m)
        return m

    def fit(self: engine.EventStudy) -> object:
        held.append(sum(len(b) for b in opened[0]._backend._bars.values() if b is not None))  # type: ignore[attr-defined]
        return real_fit(self)

    monkeypatch.setattr(Market, "open", staticmethod(open_))
    monkeypatch.setattr(engine.EventStudy, "fit", fit)
    events = _events(market, [f"ZZ{i}" for i in range(N_LISTINGS)], "mem.csv")
    code = main(_study(market, "--events", str(events), "--format", "csv"))
    out = capsys.readouterr()
    assert code == 0, out.err
    assert held == [0]
    assert opened[0].returns(["ZZ0"]).frame["ret"].notna().sum() > 300  # read again on demand
