"""Reading factor files: French's library layout, plain tables, units, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.data.factors import read_factors
from rerating.errors import DataFormatError, DuplicateDateError

# the layout of a daily file from Kenneth French's data library (numbers made up for the test)
FRENCH_DAILY = """This file was created by a test using made-up numbers.
The 1-month TBill return is from a made-up source.

,Mkt-RF,SMB,HML,RF
20250102,   -0.25,    0.40,   -0.10,    0.017
20250103,    1.20,   -0.30,    0.05,    0.017
20250106,    0.50,  -99.99,    0.20,    0.017

Copyright 2025 Nobody
"""

# a monthly file: the monthly table, then an annual table that must not be read
FRENCH_MONTHLY = """Made-up monthly factors

,Mkt-RF,SMB,HML,RF
202411,    6.51,    4.63,   -0.05,    0.40
202412,   -3.17,   -2.73,   -2.95,    0.37

 Annual Factors: January-December
,Mkt-RF,SMB,HML,RF
  2024,   20.00,   -8.00,   -9.00,    5.00
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_french_daily_layout_in_percent(tmp_path: Path) -> None:
    data = read_factors(_write(tmp_path, "ff.csv", FRENCH_DAILY), units="percent", risk_free="RF")
    f = data.factors
    assert list(f.columns) == ["Mkt-RF", "SMB", "HML"]
    assert list(f.index) == list(pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-06"]))
    assert f.index.name == "date"
    assert f.loc["2025-01-03", "Mkt-RF"] == pytest.approx(0.012)
    assert f.loc["2025-01-02", "HML"] == pytest.approx(-0.001)
    assert np.isnan(f.loc["2025-01-06", "SMB"])  # -99.99 is the library's missing-value code
    assert data.risk_free is not None and data.risk_free.name == "RF"
    assert data.risk_free.to_numpy() == pytest.approx([0.00017] * 3)
    assert "3 factors (Mkt-RF, SMB, HML), risk-free RF; 3 dates" in data.summary()
    assert list(data.to_frame().columns) == ["Mkt-RF", "SMB", "HML", "RF"]


def test_french_monthly_reads_only_the_first_table(tmp_path: Path) -> None:
    data = read_factors(_write(tmp_path, "m.csv", FRENCH_MONTHLY), units="percent", columns=["SMB"])
    assert list(data.factors.columns) == ["SMB"]
    assert list(data.factors.index) == list(pd.to_datetime(["2024-11-30", "2024-12-31"]))
    assert data.factors["SMB"].to_numpy() == pytest.approx([0.0463, -0.0273])
    assert data.risk_free is None


def test_plain_csv_and_parquet_agree(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "date": ["2025-01-03", "2025-01-02"],  # unsorted on purpose
            "MKT": [0.01, -0.002],
            "UMD": [0.003, 0.001],
        }
    )
    csv = tmp_path / "f.csv"
    frame.to_csv(csv, index=False)
    pq = tmp_path / "f.parquet"
    frame.to_parquet(pq)
    indexed = tmp_path / "indexed.parquet"
    frame.assign(date=pd.to_datetime(frame["date"])).set_index("date").to_parquet(indexed)
    a, b, c = read_factors(csv), read_factors(pq), read_factors(indexed)
    pd.testing.assert_frame_equal(a.factors, b.factors)
    pd.testing.assert_frame_equal(a.factors, c.factors)
    assert a.factors.index.is_monotonic_increasing
    assert a.factors.loc["2025-01-02", "MKT"] == -0.002


def test_percent_values_read_as_decimal_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "ff.csv", FRENCH_DAILY.replace("0.017", "0.8"))
    with pytest.raises(DataFormatError, match="look like percent"):
        read_factors(path, risk_free="RF")


def test_decimal_values_read_as_percent_are_refused(tmp_path: Path) -> None:
    # French's numbers divided by 100 (decimals) and read as percent: betas 100 times too large
    decimal = FRENCH_DAILY
    for value in ("-0.25", "0.40", "-0.10", "1.20", "-0.30", "0.05", "0.50", "0.20"):
        decimal = decimal.replace(f" {value},", f" {float(value) / 100:.4f},")
    path = _write(tmp_path, "ff.csv", decimal)
    with pytest.raises(DataFormatError, match="look like decimals already"):
        read_factors(path, units="percent", risk_free="RF")
    assert read_factors(path, units="decimal", risk_free="RF").factors.notna().any().all()


@pytest.mark.parametrize(
    ("text", "kwargs", "error", "match"),
    [
        ("date,A\n2025-01-02,0.1\n2025-01-02,0.2\n", {}, DuplicateDateError, "duplicate dates"),
        ("date,A\n2025-01-02,0.1\n2025-01-03,abc\n", {}, DataFormatError, "non-numeric value 'abc'"),
        ("date,A\nyesterday,0.1\n", {}, DataFormatError, "not dates"),
        ("date,A\n2025-01-02,0.1\n", {"columns": ["B"]}, DataFormatError, r"\['B'\] are not in"),
        ("date,A\n2025-01-02,0.1\n", {"risk_free": "RF"}, DataFormatError, "risk-free column 'RF'"),
        ("date\n2025-01-02\n", {}, DataFormatError, "at least one factor column"),
    ],
)
def test_bad_files_say_what_is_wrong(
    tmp_path: Path, text: str, kwargs: dict, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        read_factors(_write(tmp_path, "bad.csv", text), **kwargs)


def test_missing_file_and_bad_units(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="does not exist"):
        read_factors(tmp_path / "nope.csv")
    with pytest.raises(DataFormatError, match="units="):
        read_factors(_write(tmp_path, "f.csv", "date,A\n2025-01-02,0.1\n"), units="bp")  # type: ignore[arg-type]


# French's momentum factor comes in a file of its own (numbers made up for the test)
FRENCH_MOMENTUM = """Made-up momentum factor

,Mom
20250102,    0.30
20250106,   -0.70
20250107,    0.10

Copyright 2025 Nobody
"""


def test_several_files_join_on_dates_without_filling(tmp_path: Path) -> None:
    data = read_factors(
        [_write(tmp_path, "ff.csv", FRENCH_DAILY), _write(tmp_path, "mom.csv", FRENCH_MOMENTUM)],
        units="percent",
        risk_free="RF",
    )
    f = data.factors
    assert list(f.columns) == ["Mkt-RF", "SMB", "HML", "Mom"]
    assert list(f.index.strftime("%Y-%m-%d")) == ["2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"]
    assert f.loc["2025-01-06", "Mom"] == pytest.approx(-0.007)
    assert np.isnan(f.loc["2025-01-03", "Mom"])  # not in the momentum file: left missing
    assert np.isnan(f.loc["2025-01-07", "Mkt-RF"])
    assert data.risk_free is not None and np.isnan(data.risk_free.loc["2025-01-07"])


def test_a_column_in_two_files_is_refused(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.csv", FRENCH_DAILY)
    b = _write(tmp_path, "b.csv", FRENCH_DAILY.replace(",Mkt-RF,SMB,HML,RF", ",Mkt-RF,X,Y,Z"))
    with pytest.raises(DataFormatError, match=r"columns \['Mkt-RF'\] of b.csv are also in"):
        read_factors([a, b], units="percent")
