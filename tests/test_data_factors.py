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


# --- audit fixes: units judged per file, frequency, trailing commas, pandas' advice in messages ---

# MOM as decimals (French's momentum in percent divided by 100)
MOM_DECIMAL = "date,MOM\n2025-01-02,0.003\n2025-01-03,-0.007\n2025-01-06,0.001\n"


@pytest.mark.parametrize(
    ("units", "match"),
    [
        ("percent", r"mom\.csv look like decimals already .*ff\.csv look like percent"),
        ("decimal", r"ff\.csv look like percent .*mom\.csv look like decimals"),
    ],
)
def test_files_in_different_units_are_refused_by_name(
    tmp_path: Path, units: str, match: str
) -> None:
    # joined, the median of all columns passed: MOM was divided by 100 once too often
    ff = _write(tmp_path, "ff.csv", FRENCH_DAILY)
    mom = _write(tmp_path, "mom.csv", MOM_DECIMAL)
    with pytest.raises(DataFormatError, match=match) as info:
        read_factors([ff, mom], units=units, risk_free="RF")  # type: ignore[arg-type]
    assert "convert" in str(info.value)
    # each file in the unit it is in reads as before
    assert read_factors(mom).factors["MOM"].tolist() == pytest.approx([0.003, -0.007, 0.001])


def test_a_monthly_file_says_so_and_require_daily_refuses_it(tmp_path: Path) -> None:
    from rerating.data.factors import require_daily

    monthly = read_factors(
        _write(tmp_path, "m.csv", FRENCH_MONTHLY), units="percent", risk_free="RF"
    )
    assert monthly.frequency == "monthly"
    assert monthly.factors.attrs["frequency"] == "monthly"
    assert monthly.risk_free is not None and monthly.risk_free.attrs["frequency"] == "monthly"
    assert [(s.name, s.frequency, s.first_date) for s in monthly.sources] == [
        ("m.csv", "monthly", "202411")
    ]
    with pytest.raises(
        DataFormatError, match=r"m\.csv holds monthly factors \(dates like 202411\).*daily file"
    ):
        require_daily(monthly, "--factors")
    with pytest.raises(
        DataFormatError, match=r"factors hold monthly values \(dates like 2024-11-30"
    ):
        require_daily(monthly.factors, "factors")
    # a frame built by hand, without attrs: judged by the spacing of its dates
    by_hand = pd.DataFrame(
        {"A": [0.01, 0.02, 0.01]}, index=pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31"])
    )
    with pytest.raises(DataFormatError, match="monthly"):
        require_daily(by_hand)
    daily = read_factors(_write(tmp_path, "ff.csv", FRENCH_DAILY), units="percent", risk_free="RF")
    assert daily.frequency == "daily"
    require_daily(daily)
    require_daily(daily.factors)
    assert daily.risk_free is not None
    require_daily(daily.risk_free, "risk_free")


def test_weekly_spacing_and_files_of_two_frequencies(tmp_path: Path) -> None:
    weekly = _write(
        tmp_path, "w.csv", "date,A\n2025-01-03,0.01\n2025-01-10,0.02\n2025-01-17,0.01\n"
    )
    assert read_factors(weekly).frequency == "weekly"
    one_row = _write(tmp_path, "one.csv", "date,B\n2025-01-03,0.01\n")
    assert read_factors(one_row).frequency == "unknown"
    daily = _write(tmp_path, "ff.csv", FRENCH_DAILY)
    with pytest.raises(
        DataFormatError, match=r"ff\.csv holds daily factors .* m\.csv holds monthly ones"
    ):
        read_factors(
            [
                daily,
                _write(tmp_path, "m.csv", FRENCH_MONTHLY.replace(",Mkt-RF,SMB,HML,RF", ",A,B,C,D")),
            ],
            units="percent",
        )


@pytest.mark.parametrize("french", [False, True])
def test_a_trailing_comma_on_every_line_adds_no_column(tmp_path: Path, french: bool) -> None:
    if french:
        text = "\n".join(
            line + "," if line[:1].isdigit() or line.startswith(",") else line
            for line in FRENCH_DAILY.splitlines()
        )
        kwargs: dict = {"units": "percent", "risk_free": "RF"}
    else:
        text = (
            "date,Mkt-RF,SMB,HML,RF,\n"
            "20250102,0.001,0.002,0.003,0.0001,\n"
            "20250103,0.002,0.001,0.004,0.0001,\n"
        )
        kwargs = {"risk_free": "RF"}
    data = read_factors(_write(tmp_path, "f.csv", text), **kwargs)
    assert list(data.factors.columns) == ["Mkt-RF", "SMB", "HML"]
    assert data.factors.notna().any().all()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        # header without the trailing comma: pandas moved the dates into the index
        (
            "date,Mkt-RF,SMB\n20250102,0.001,0.002,\n",
            r"line 2 of f\.csv has 4 fields but its header \(line 1\) has 3: a trailing comma\?",
        ),
        (
            FRENCH_DAILY.replace(
                "20250103,    1.20,   -0.30,    0.05,    0.017", "20250103,1.20,-0.30,0.05,0.017,"
            ),
            r"line 6 of f\.csv has 6 fields but its header \(line 4\) has 5: a trailing comma\?",
        ),
        ("date,A,,B\n2025-01-02,0.001,,0.002\n", r"column 3 of f\.csv has no name"),
    ],
)
def test_more_fields_than_the_header_name_the_line(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(DataFormatError, match=match):
        read_factors(
            _write(tmp_path, "f.csv", text),
            units="percent" if text.startswith("This") else "decimal",
        )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("date,A\n2025-01-02,0.1\n02/01/2025,0.2\n", "line 3 has '02/01/2025'"),
        ("date,A\n\n2025-01-02,0.1\n2025-01-3x,0.1\n", "line 4 has '2025-01-3x'"),
        ("date,A\n20250102,0.1\n20251341,0.1\n", "line 3 has '20251341'"),
        ("date,A\n2025-01-02,0.1\n,0.2\n", "line 3 has no date"),
        ("date,A\n2025-01-02T10:00+01:00,0.1\n2025-01-03T10:00+02:00,0.2\n", "mix time zones"),
    ],
)
def test_bad_dates_are_named_in_our_words(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(DataFormatError, match=match) as info:
        read_factors(_write(tmp_path, "bad.csv", text))
    message = str(info.value)
    assert "not dates" in message and ("YYYYMMDD" in message)
    assert "format=" not in message and "You might want" not in message


def test_a_bad_date_inside_a_french_table_is_not_its_end(tmp_path: Path) -> None:
    # read as the end of the table, the bad line dropped every date after it, silently
    text = FRENCH_DAILY.replace("20250103,", "2025013,")
    with pytest.raises(
        DataFormatError, match=r"line 6 of ff\.csv has '2025013' where a date is expected"
    ):
        read_factors(_write(tmp_path, "ff.csv", text), units="percent")
    # a header with a blank line under it is still found
    blank = FRENCH_DAILY.replace(",Mkt-RF,SMB,HML,RF\n", ",Mkt-RF,SMB,HML,RF\n\n")
    assert len(read_factors(_write(tmp_path, "b.csv", blank), units="percent").factors) == 3
