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
        # a zone on a session date (it used to end in a traceback from the calendar, or "Mixed
        # timezones" when the offset changed from row to row)
        (HEADER + "2025-01-02T00:00:00-05:00,1,1,1,10,10,5\n", DataFormatError,
         r"line 2: date '2025-01-02T00:00:00-05:00' carries a time zone"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-03T00:00:00Z,1,1,1,10,10,5\n", DataFormatError,
         r"line 3: date '2025-01-03T00:00:00Z' carries a time zone"),
        (HEADER + "2025-01-02T00:00-05:00,1,1,1,10,10,5\n2025-01-03T00:00+08:00,1,1,1,10,10,5\n",
         DataFormatError, r"line 2: .* carries a time zone"),
        # a column named twice (pandas reads the second as "close.1")
        ("date,close,close\n2025-01-02,10,11\n", DataFormatError,
         r"the header names column 'close' more than once"),
        ("date,Close,close\n2025-01-02,10,11\n", DataFormatError, r"more than once"),
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


def _no_date(bars: pd.DataFrame) -> None:
    bars.loc[3, "date"] = pd.NaT


def _true_false_volume(bars: pd.DataFrame) -> None:
    # pandas counts booleans as numbers: a volume of True / False was stored as 1.0 / 0.0
    bars["volume"] = bars["close"] > bars["close"].median()


@pytest.mark.parametrize(
    ("spoil", "match"),
    [
        (_no_date, r"BABA\.parquet: row 4: no date; every bar needs one"),
        (_true_false_volume, r"BABA\.parquet: column volume holds true/false values"),
    ],
)
def test_a_parquet_file_with_a_bad_column_says_what(tmp_path, sample, spoil, match):
    folder = tmp_path / "pq"
    folder.mkdir()
    bars = sample.bars("BABA").reset_index()
    spoil(bars)
    bars.to_parquet(folder / "BABA.parquet")
    with pytest.raises(DataFormatError, match=match):
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


# --- audit: malformed side files, duplicate EPS reports, trailing commas ----------------------

SHARES_HEADER = "symbol,as_of,shares,unit_note,source\n"
EPS_HEADER = "symbol,period_end,report_date,eps_diluted,currency,source\n"


@pytest.mark.parametrize(
    ("name", "body", "match"),
    [
        ("shares.csv", (SHARES_HEADER + 'NVDA,2024-11-15,24490000000,x,y\nNVDA,2024-12-15,"2449,x,y\n').encode(),
         r"shares\.csv: malformed CSV: line 3: a quoted cell .* is never closed"),
        ("eps.csv", (EPS_HEADER + 'NVDA,2023-10-29,2023-11-21,0.37,USD,"Q3\n').encode(),
         r"eps\.csv: malformed CSV: line 2: a quoted cell .* is never closed"),
        ("shares.csv", (SHARES_HEADER + "NVDA,2024-11-15,24490000000,股本,年报\n").encode("utf-16"),
         r"shares\.csv: the file is UTF-16 text .*save the file as UTF-8 CSV"),
        ("eps.csv", (EPS_HEADER + "NVDA,2023-10-29,2023-11-21,0.37,RMB,季报\n").encode("gb18030"),
         r"eps\.csv: line 2: byte 0x.. is not UTF-8 .*save the file as UTF-8 CSV"),
    ],
    ids=["shares-open-quote", "eps-open-quote", "shares-utf16", "eps-gb18030"],
)
def test_malformed_shares_or_eps_file_names_file_and_line(tmp_path, name, body, match):
    """These gave pandas' ParserError or a UnicodeDecodeError traceback."""
    (tmp_path / name).write_bytes(body)
    src = FilesSource(tmp_path)
    with pytest.raises(DataFormatError, match=match):
        src.all_shares() if name == "shares.csv" else src.all_eps()


def test_load_with_a_malformed_shares_file_is_a_one_line_error(tmp_path, capsys):
    from rerating.cli import main

    folder = tmp_path / "d"
    folder.mkdir()
    write(folder, "NVDA.csv", (SAMPLE / "NVDA.csv").read_text())
    write(folder, "shares.csv", SHARES_HEADER + 'NVDA,2024-12-15,"2449,x,y\n')
    code = main(["--home", str(tmp_path / "home"), "load", "NVDA", "--dir", str(folder)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: ") and "shares.csv: malformed CSV: line 2" in err


def test_a_repeated_eps_report_is_refused(tmp_path):
    """Two figures for one (symbol, period_end, report_date) loaded and the store kept one."""
    write(tmp_path, "eps.csv", EPS_HEADER + "NVDA,2023-10-29,2023-11-21,0.37,USD,a\nnvda,2023-10-29,2023-11-21,0.38,USD,b\n")
    with pytest.raises(DuplicateDateError, match=r"eps\.csv: NVDA period_end 2023-10-29 report_date 2023-11-21 "
                       r"appears more than once \(line 2: 0\.37, line 3: 0\.38\); keep one row"):
        FilesSource(tmp_path).all_eps()
    # a restatement (a later report_date) is data, not a duplicate
    write(tmp_path, "eps.csv", EPS_HEADER + "NVDA,2023-10-29,2023-11-21,0.37,USD,a\nNVDA,2023-10-29,2024-02-21,0.38,USD,b\n")
    assert len(FilesSource(tmp_path).all_eps()) == 2
    # one date, several figures: share classes (META total and class A), kept as they are
    write(tmp_path, "shares.csv", SHARES_HEADER + "META,2025-04-25,2514327249,total,x\nMETA,2025-04-25,2171148098,A,x\n")
    assert len(FilesSource(tmp_path).shares("META")) == 2


def test_side_file_lines_count_blank_and_multi_line_rows(tmp_path):
    write(tmp_path, "shares.csv", SHARES_HEADER + 'A,2024-01-01,5,"two\nlines",y\n\nA,2024-02-01,-5,x,y\n')
    with pytest.raises(BadPriceError, match=r"shares\.csv: line 5: shares -5\.0 must be positive"):
        FilesSource(tmp_path).all_shares()


@pytest.mark.parametrize(
    ("body", "match"),
    [
        # Excel's trailing comma on the data rows: pandas moved the dates into the index and
        # reported "line 2: date '1' is not an ISO date"
        (HEADER + "2025-01-02,1,1,1,10,10,5,\n2025-01-03,1,1,1,11,11,5,\n",
         r"X\.csv: malformed CSV: line 2 has 8 fields, the header has 7 \(a trailing comma\?\); remove the extra field$"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-03,1,1,1,11,11,5,\n", r"line 3 has 8 fields, the header has 7 \(a trailing comma"),
        (HEADER + "2025-01-02,1,1,1,10,10,5,99\n", r"line 2 has 8 fields, the header has 7; quote cells that contain a comma"),
        (HEADER + "2025-01-02,1,1,1,10,10,5\n2025-01-03,1,1,10,10,5\n", r"line 3 has 6 fields, the header has 7; give every row"),
        (HEADER.replace("\n", ",\n") + "2025-01-02,1,1,1,10,10,5,\n2025-01-03,1,1,1,11,11,5,x\n",
         r"line 3: column 8 holds 'x' but has no name in the header"),
    ],
    ids=["trailing-comma", "trailing-comma-one-row", "extra-value", "short-row", "value-in-unnamed-column"],
)
def test_rows_wider_or_narrower_than_the_header_are_refused(tmp_path, body, match):
    write(tmp_path, "X.csv", body)
    with pytest.raises(DataFormatError, match=match):
        FilesSource(tmp_path).bars("X")


def test_a_trailing_comma_on_every_line_is_an_empty_column(tmp_path):
    """The header ends with a comma too: an unnamed column empty everywhere is dropped."""
    write(tmp_path, "X.csv", (HEADER.replace("\n", ",\n") + "2025-01-02,1,1,1,10,10,5,\n2025-01-03,1,1,1,11,11,5,\n").replace("\n", "\r\n"))
    bars = FilesSource(tmp_path).bars("X")
    assert list(bars.columns) == list(BAR_COLUMNS) and list(bars["close"]) == [10.0, 11.0]
