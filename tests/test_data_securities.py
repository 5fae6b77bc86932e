"""Security master: loading, validation, symbol normalisation, lookups in any script."""

from __future__ import annotations

from pathlib import Path

import pytest

from rerating.data.securities import COLUMNS, load_securities, normalize_symbol
from rerating.errors import DataFormatError, MissingDataError, UnknownSymbolError

FIXTURE = Path(__file__).parent / "fixtures" / "data" / "securities_fixture.csv"


@pytest.fixture(scope="module")
def master():
    return load_securities(base=FIXTURE)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("9988.hk", "9988.HK"), ("09988.HK", "9988.HK"), ("700.HK", "0700.HK"), (" baba ", "BABA"),
     ("HSI", "^HSI"), ("^hsi", "^HSI"), ("gspc", "^GSPC"), ("000300.SH", "000300.SS"), ("CNY=X", "USDCNY")],
)
def test_resolve_spellings(master, raw, canonical):
    assert master.resolve(raw) == canonical
    assert master.get(raw).symbol == canonical
    assert master.lookup(raw).symbol == canonical and raw in master


def test_lookup_of_an_unknown_symbol_is_none_without_searching(master, monkeypatch):
    import rerating.data.securities as securities

    def no_search(*args, **kwargs):
        raise AssertionError("lookup searched for close matches")

    monkeypatch.setattr(securities, "close_matches", no_search)
    assert master.lookup("BABBA") is None and "BABBA" not in master
    with pytest.raises(AssertionError, match="searched"):  # get still suggests spellings
        master.get("BABBA")


def test_normalize_symbol_is_idempotent():
    for s in ("9988.HK", "00700.hk", "BABA", "^GSPC", "688256.sh"):
        once = normalize_symbol(s)
        assert normalize_symbol(once) == once


def test_unknown_symbol_suggests_close_matches(master):
    with pytest.raises(UnknownSymbolError) as info:
        master.get("BABBA")
    msg = str(info.value)
    assert "BABBA" in msg and "did you mean" in msg and "BABA" in msg and "--securities" in msg


def test_a_name_is_not_a_symbol_but_names_a_company():
    bundled = load_securities()
    with pytest.raises(UnknownSymbolError, match=r"'阿里巴巴' is a name, not a symbol: its listings are .*9988\.HK"):
        bundled.get("阿里巴巴")
    assert {s.symbol for s in bundled.listings("阿里巴巴")} == {"BABA", "9988.HK"}
    assert {s.symbol for s in bundled.listings("騰訊")} == {s.symbol for s in bundled.listings("tencent")}
    assert bundled.lookup("阿里巴巴") is None  # lookup takes symbols only
    with pytest.raises(UnknownSymbolError, match="unknown company 'nocompany'"):
        bundled.listings("nocompany")


def test_unknown_symbol_without_matches(master):
    with pytest.raises(UnknownSymbolError, match="unknown symbol 'QWZXJK'"):
        master.get("QWZXJK")


def test_dual_listing_fields(master):
    baba, hk = master.get("BABA"), master.get("9988.HK")
    assert (baba.shares_per_unit, hk.shares_per_unit) == (8.0, 1.0)
    assert baba.company == hk.company == "alibaba"
    assert {s.symbol for s in master.listings("Alibaba")} == {"BABA", "9988.HK"}
    assert (hk.calendar, hk.currency, baba.calendar, baba.currency) == ("XHKG", "HKD", "XNYS", "USD")
    assert master.get("^HSI").file_stem == "HSI"


def test_find_in_any_script(master):
    assert {s.symbol for s in master.find("阿里")} == {"BABA", "9988.HK"}
    assert [s.symbol for s in master.find("輝達")] == ["NVDA"]
    assert [s.symbol for s in master.find("辉达")] == ["NVDA"]  # simplified form of the same name
    assert [s.symbol for s in master.find("nvidia")] == ["NVDA"]
    assert [s.symbol for s in master.find("騰訊")] == ["0700.HK"]  # traditional spelling of an alias
    assert master.find("no such company at all") == []


def test_alias_table(master):
    table = master.alias_table()
    assert list(table.columns) == ["alias", "symbol"]
    assert not table.duplicated().any()
    assert set(table.loc[table["alias"] == "阿里", "symbol"]) == {"BABA", "9988.HK"}


def test_extra_file_extends_and_overrides(tmp_path, master):
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "symbol,name,kind,exchange,calendar,currency,shares_per_unit,aliases\n"
        "688256.SS,Cambricon Technologies,stock,XSHG,XSHG,CNY,1,寒武纪|Cambricon\n"
        "BABA,Alibaba ADR (mine),adr,XNYS,XNYS,USD,8,\n",
        encoding="utf-8",
    )
    m = load_securities(extra, base=FIXTURE)
    assert len(m) == len(master) + 1
    assert m.get("688256.sh").name == "Cambricon Technologies"
    assert m.get("BABA").name == "Alibaba ADR (mine)"
    assert m.find("寒武纪")[0].symbol == "688256.SS"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("symbol,name,kind,exchange,calendar,currency\nX,X Corp,bond,XNYS,XNYS,USD\n", r"mine.csv:2: kind 'bond'"),
        ("symbol,name,kind,exchange,calendar,currency\nX,X Corp,stock,XNYS,XLON,USD\n", r":2: calendar 'XLON'"),
        ("symbol,name,kind,exchange,calendar,currency,shares_per_unit\nX,X,stock,XNYS,XNYS,USD,-8\n", r":2: shares_per_unit '-8'"),
        ("symbol,name,kind,exchange,calendar,currency\nX,X,stock,XNYS,XNYS,USD\nx,Y,stock,XNYS,XNYS,USD\n", r":3: symbol 'X' repeats line 2"),
        ("symbol,name,kind\nX,X,stock\n", r"lacks column"),
        ("symbol,name,kind,exchange,calendar,currency,colour\nX,X,stock,XNYS,XNYS,USD,red\n", r"unknown column"),
        ("symbol,name,kind,exchange,calendar,currency\nX,,stock,XNYS,XNYS,USD\n", r":2: column 'name' is empty"),
    ],
)
def test_bad_extra_file_names_file_and_line(tmp_path, body, match):
    extra = tmp_path / "mine.csv"
    extra.write_text(body, encoding="utf-8")
    with pytest.raises(DataFormatError, match=match):
        load_securities(extra, base=False)


def test_missing_files(tmp_path):
    with pytest.raises(MissingDataError, match="does not exist"):
        load_securities(tmp_path / "nope.csv", base=FIXTURE)
    with pytest.raises(MissingDataError):
        load_securities(None, base=False)


def test_bundled_table_when_present():
    """The real bundled table (written by another engineer) loads and covers the sample universe."""
    from rerating.data.securities import bundled_path

    if not bundled_path().is_file():
        pytest.skip("src/rerating/data/securities.csv is not there yet")
    m = load_securities()
    assert list(m.frame.columns) == list(COLUMNS)
    for sym in ("BABA", "9988.HK", "NVDA", "^GSPC", "^HSI", "HSTECH", "USDHKD", "USDCNY", "000300.SS"):
        assert sym in m, sym
    assert m.get("BABA").shares_per_unit == 8 * m.get("9988.HK").shares_per_unit


SEC_HEADER = "symbol,name,kind,exchange,calendar,currency"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        # a trailing comma on the data rows made pandas shift every column: "column 'currency' is empty"
        (SEC_HEADER + "\nX,X Corp,stock,XNYS,XNYS,USD,\n",
         r"mine\.csv: malformed CSV: line 2 has 7 fields, the header has 6 \(a trailing comma\?\); remove the extra field"),
        (SEC_HEADER + "\nX,X Corp,stock,XNYS,XNYS,USD\n\nY,Y Corp,stock,XNYS,XNYS,USD,\n", r"mine\.csv: malformed CSV: line 4 has 7 fields"),
        (SEC_HEADER + "\nX,X Corp,stock,XNYS,XNYS\n", r"line 2 has 5 fields, the header has 6"),
        (SEC_HEADER + '\nX,"X Corp,stock,XNYS,XNYS,USD\n', r"line 2: a quoted cell .* is never closed"),
    ],
    ids=["trailing-comma", "trailing-comma-after-blank-line", "short-row", "open-quote"],
)
def test_rows_that_do_not_fit_the_header_name_the_line(tmp_path, body, match):
    extra = tmp_path / "mine.csv"
    extra.write_text(body, encoding="utf-8")
    with pytest.raises(DataFormatError, match=match):
        load_securities(extra, base=False)


def test_securities_file_lines_count_blank_lines_and_a_trailing_comma_everywhere_is_dropped(tmp_path):
    extra = tmp_path / "mine.csv"
    extra.write_text(SEC_HEADER + ",\nX,X Corp,stock,XNYS,XNYS,USD,\n\nY,Y Corp,bond,XNYS,XNYS,USD,\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"mine\.csv:4: kind 'bond'"):
        load_securities(extra, base=False)
    extra.write_text(SEC_HEADER + ",\nX,X Corp,stock,XNYS,XNYS,USD,\n", encoding="utf-8-sig")  # Excel: BOM too
    assert load_securities(extra, base=False).get("X").currency == "USD"
