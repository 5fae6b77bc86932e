"""The files source on the bundled sample (for real) and on small broken files (each bad input)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.data.securities import load_securities
from rerating.data.sources import BAR_COLUMNS, MarketDataSource, get_source
from rerating.data.sources.files import FilesSource
from rerating.errors import (
    BadPriceError,
    DataFormatError,
    DuplicateDateError,
    MissingDataError,
    MissingSharesError,
    NonSessionDateError,
    UnknownSourceError,
    UnknownSymbolError,
    UnsortedDataError,
)

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
FIXTURE = Path(__file__).parent / "fixtures" / "data" / "securities_fixture.csv"
HEADER = "date,open,high,low,close,adj_close,volume\n"


@pytest.fixture(scope="module")
def master():
    return load_securities(base=FIXTURE)


@pytest.fixture(scope="module")
def sample(master):
    return FilesSource(SAMPLE, master)


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def test_sample_symbols_and_caret_mapping(sample):
    assert isinstance(sample, MarketDataSource)
    syms = sample.symbols()
    assert {"^GSPC", "^HSI", "^NDX", "HSTECH", "9988.HK", "BABA", "USDHKD"} <= set(syms)
    assert "GSPC" not in syms and "shares" not in syms
    assert sample.path("^GSPC").name == "GSPC.csv"
    assert sample.path("hsi").name == "HSI.csv"


def test_sample_bars_match_the_csv_text(sample):
    """NVDA 2025-01-27: close 118.42 and volume 818,830,900 (published figures, per the sample README)."""
    bars = sample.bars("NVDA")
    assert list(bars.columns) == list(BAR_COLUMNS)
    assert bars.index.name == "date" and bars.index.is_monotonic_increasing and bars.index.is_unique
    row = bars.loc["2025-01-27"]
    assert row["close"] == 118.42 and row["volume"] == 818_830_900
    # independent read of the raw text
    line = next(ln for ln in (SAMPLE / "NVDA.csv").read_text().splitlines() if ln.startswith("2025-01-27"))
    assert float(line.split(",")[4]) == 118.42


def test_every_sample_file_validates(sample):
    for sym in sample.symbols():
        bars = sample.bars(sym)
        assert len(bars) > 50, sym
        assert (bars["close"] > 0).all()


def test_close_only_files_and_missing_cells(sample):
    hstech = sample.bars("HSTECH")
    assert hstech[["open", "high", "low", "volume"]].isna().all().all()
    fx = sample.bars("USDHKD")  # only date,close in the file
    assert fx["adj_close"].isna().all() and fx["close"].between(7.7, 7.9).all()


def test_slice_and_empty_slice(sample):
    cut = sample.bars("9988.HK", "2025-01-27", "2025-02-04")
    assert list(cut.index.strftime("%m-%d")) == ["01-27", "01-28", "02-03", "02-04"]
    with pytest.raises(MissingDataError, match="no bars in 2030-01-01"):
        sample.bars("9988.HK", "2030-01-01", "2030-02-01")


def test_shares_and_eps(sample):
    baba = sample.shares("BABA")
    assert set(baba["shares"]) >= {19_054_532_284.0, 2_381_816_536.0}
    with pytest.raises(MissingSharesError):
        sample.shares("TSLA")
    eps = sample.all_eps()
    assert set(eps["currency"]) == {"USD", "CNY"}  # RMB normalised to CNY
    assert eps["eps_diluted"].isna().sum() == 1  # the one NOT FOUND row stays unknown, not zero


def test_unknown_symbol_in_folder(sample):
    with pytest.raises(UnknownSymbolError, match="no file for 'NVDAA'.*did you mean NVDA"):
        sample.path("NVDAA")


def test_registry():
    src = get_source("files", directory=SAMPLE)
    assert src.name == "files"
    with pytest.raises(UnknownSourceError, match="did you mean yahoo"):
        get_source("yahooo")


@pytest.mark.parametrize(
    ("body", "error", "match"),
    [
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-03,1,1,1,abc,10,5\n", DataFormatError, r"X\.csv: line 3: close 'abc' is not a number"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025/13/45,1,1,1,10,10,5\n", DataFormatError, r"line 3: date '2025/13/45'"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-03,1,1,1,10,10,5,99\n", DataFormatError, r"X\.csv: malformed CSV.*line 3"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-03,1,1,1,,10,5\n", DataFormatError, r"line 3: close is empty"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n\n2025-01-03,1,1,1,10,10,5\n", DataFormatError, r"line 3: a blank line"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-03,1,1,1,10,10,5\n2025-01-03,1,1,1,11,11,5\n", DuplicateDateError, r"2025-01-03 appears more than once \(line 3, line 4\)"),
        (HEADER + "2025-01-03,1,1,1,10,10,5\n2025-01-02,1,1,1,10,10,5\n", UnsortedDataError, r"line 3: date 2025-01-02 comes after 2025-01-03"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-03,1,1,1,0,10,5\n", BadPriceError, r"line 3: close = 0\.0"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-03,1,1,1,-2.5,10,5\n", BadPriceError, r"line 3: close = -2\.5"),
        (HEADER + "2025-01-02,1,1,1,10,10,-5\n", BadPriceError, r"line 2: volume = -5\.0"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-20,1,1,1,10,10,5\n", NonSessionDateError, r"line 3: 2025-01-20 is not a XNYS session"),
        (HEADER, DataFormatError, r"header but no rows"),
        ("", DataFormatError, r"the file is empty"),
        ("date,price\n2025-01-02,10\n", DataFormatError, r"unknown column\(s\) \['price'\]"),
        ("date,open\n2025-01-02,10\n", DataFormatError, r"no 'close' column"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, master, body, error, match):
    folder = tmp_path / "d"
    folder.mkdir()
    write(folder, "X.csv", body)
    extra = write(tmp_path, "x.csv", "symbol,name,kind,exchange,calendar,currency\nX,X Corp,stock,XNYS,XNYS,USD\n")
    src = FilesSource(folder, load_securities(extra, base=False))
    with pytest.raises(error, match=match):
        src.bars("X")


def test_non_session_drop_policy_keeps_a_ledger(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    write(folder, "X.csv", HEADER + "2025-01-17,1,1,1,10,10,5\n2025-01-20,1,1,1,11,11,5\n2025-01-21,1,1,1,12,12,5\n")
    extra = write(tmp_path, "x.csv", "symbol,name,kind,exchange,calendar,currency\nX,X Corp,stock,XNYS,XNYS,USD\n")
    src = FilesSource(folder, load_securities(extra, base=False), non_session="drop")
    bars = src.bars("X")
    assert list(bars.index.strftime("%m-%d")) == ["01-17", "01-21"]
    ledger = src.dropped
    assert list(ledger.columns) == ["symbol", "date", "reason"]
    assert ledger.iloc[0]["date"] == pd.Timestamp("2025-01-20") and "not a XNYS session" in ledger.iloc[0]["reason"]


def test_parquet_round_trip_and_row_numbers(tmp_path, sample):
    folder = tmp_path / "pq"
    folder.mkdir()
    bars = sample.bars("BABA")
    bars.reset_index().to_parquet(folder / "BABA.parquet")
    src = FilesSource(folder)
    back = src.bars("BABA")
    pd.testing.assert_frame_equal(back, bars)
    broken = bars.reset_index()
    broken.loc[5, "close"] = -1.0
    broken.to_parquet(folder / "BABA.parquet")
    with pytest.raises(BadPriceError, match=r"BABA\.parquet: row 6: close = -1\.0"):
        FilesSource(folder).bars("BABA")


def test_yahoo_style_headers_accepted(tmp_path):
    folder = tmp_path / "y"
    folder.mkdir()
    write(folder, "AAA.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n2025-01-02,1,2,0.5,1.5,1.4,100\n")
    bars = FilesSource(folder).bars("AAA")
    assert bars.loc["2025-01-02", "adj_close"] == 1.4
    assert np.isclose(bars["high"].iloc[0], 2.0)


def test_missing_folder(tmp_path):
    with pytest.raises(MissingDataError, match="does not exist"):
        FilesSource(tmp_path / "nope")


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        # a trailing run of empty adj_close cut returns off silently; one in the middle was
        # reported as a missing bar
        (["2025-01-02,1,1,1,10,10,5", "2025-01-03,1,1,1,11,,5", "2025-01-06,1,1,1,12,,5"],
         r"X\.csv: adj_close is empty on 2 row\(s\), first 2025-01-03 \(line 3\): fill it, or drop the adj_close column"),
        (["2025-01-02,1,1,1,10,10,5", "2025-01-03,1,1,1,11,,5", "2025-01-06,1,1,1,12,12,5"],
         r"adj_close is empty on 1 row\(s\), first 2025-01-03 \(line 3\)"),
    ],
)
def test_a_half_empty_adj_close_is_refused(tmp_path, rows, match):
    folder = tmp_path / "d"
    folder.mkdir()
    write(folder, "X.csv", HEADER + "\n".join(rows) + "\n")
    with pytest.raises(DataFormatError, match=match):
        FilesSource(folder).bars("X")
    # an adj_close column empty on every row means "no adj_close": returns use close
    write(folder, "X.csv", HEADER + "2025-01-02,1,1,1,10,,5\n2025-01-03,1,1,1,11,,5\n")
    assert FilesSource(folder).bars("X")["adj_close"].isna().all()


@pytest.mark.parametrize("index_name", ["date", None, "Date"])
def test_parquet_with_the_dates_in_the_index(tmp_path, sample, index_name):
    """``df.to_parquet()`` of a frame indexed by date keeps the dates in the index."""
    folder = tmp_path / "pq"
    folder.mkdir()
    bars = sample.bars("BABA")
    bars.rename_axis(index_name).to_parquet(folder / "BABA.parquet")
    pd.testing.assert_frame_equal(FilesSource(folder).bars("BABA"), bars)
    bars.reset_index(drop=True).to_parquet(folder / "BABA.parquet")  # no dates anywhere
    with pytest.raises(DataFormatError, match="no 'date' column"):
        FilesSource(folder).bars("BABA")


def test_two_files_for_one_symbol_fail_that_symbol_only(tmp_path, sample):
    folder = tmp_path / "d"
    folder.mkdir()
    write(folder, "NVDA.csv", (SAMPLE / "NVDA.csv").read_text())
    write(folder, "MSFT.csv", (SAMPLE / "MSFT.csv").read_text())
    sample.bars("MSFT").reset_index().to_parquet(folder / "MSFT.parquet")
    src = FilesSource(folder, sample.securities)
    pd.testing.assert_frame_equal(src.bars("NVDA"), sample.bars("NVDA"))
    assert src.symbols() == ["MSFT", "NVDA"]
    with pytest.raises(DataFormatError, match=r"symbol MSFT has several files \(MSFT\.csv, MSFT\.parquet\); keep one"):
        src.bars("msft")
