"""Dropping listings from the store (`Store.drop_symbols`, `rerating cache drop`): every table in one
transaction, all or nothing, the other listings' rows untouched. Offline: synthetic bars in tmp_path."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from rerating.cli import cli, main
from rerating.data.market import Market
from rerating.data.securities import load_securities
from rerating.data.store import Store
from rerating.errors import MissingDataError, UnknownSymbolError

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "data" / "securities_fixture.csv"
sys.path.insert(0, str(HERE / "fixtures" / "data"))
from store_worker import synthetic  # noqa: E402

TABLES = ("meta", "symbols", "bars", "shares", "eps", "securities")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, as stored (sids, loaded_at and all)."""
    with duckdb.connect(str(store.path), read_only=True) as con:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


@pytest.fixture
def store(tmp_path) -> Store:
    """NVDA (30 bars, 2 shares, 3 EPS rows) and 9988.HK (20 bars, 1 shares, 1 EPS row), each with
    a saved user listing."""
    store = Store(tmp_path / "home")
    store.upsert_bars({"NVDA": synthetic("NVDA", 30), "9988.HK": synthetic("9988.HK", 20)}, source="test")
    store.upsert_shares(pd.DataFrame({
        "symbol": ["NVDA", "NVDA", "9988.HK"],
        "as_of": pd.to_datetime(["2000-01-03", "2000-02-01", "2000-01-03"]),
        "shares": [2.4e10, 2.5e10, 1.9e10], "unit_note": "", "source": "test",
    }))
    store.upsert_eps(pd.DataFrame({
        "symbol": ["NVDA", "NVDA", "NVDA", "9988.HK"],
        "period_end": pd.to_datetime(["1999-09-30", "1999-12-31", "2000-03-31", "1999-12-31"]),
        "report_date": pd.to_datetime(["1999-11-15", "2000-02-20", "2000-05-20", "2000-02-20"]),
        "eps_diluted": [0.1, 0.2, 0.3, 1.5], "currency": ["USD", "USD", "USD", "CNY"], "source": "test",
    }))
    listings = load_securities(FIXTURE, base=False).frame
    store.upsert_securities(listings[listings["symbol"].isin(["NVDA", "9988.HK"])])
    return store


def test_drop_one_of_two_keeps_the_other_byte_identical(store):
    before = snapshot(store)
    kept = store.read_bars("9988.HK")
    dropped = store.drop_symbols(["NVDA"])
    assert dropped.path == store.path
    assert dropped.to_frame().to_dict("records") == [
        {"symbol": "NVDA", "bars": 30, "shares": 2, "eps": 3, "securities": 1}]
    assert "dropped 1 symbol(s)" in dropped.summary() and "30 bars" in dropped.summary()
    after = snapshot(store)
    sid = next(r[0] for r in before["symbols"] if r[1] == "9988.HK")
    assert [r for r in after["bars"] if r[0] == sid] == [r for r in before["bars"] if r[0] == sid]
    assert after["symbols"] == [r for r in before["symbols"] if r[1] == "9988.HK"]
    again = store.read_bars("9988.HK")
    pd.testing.assert_frame_equal(again, kept, check_exact=True)
    assert again.to_numpy().tobytes() == kept.to_numpy().tobytes()
    assert store.symbols() == ["9988.HK"] and list(store.coverage()["symbol"]) == ["9988.HK"]
    info = store.info()
    assert (info.symbols, info.rows) == (1, 20)


def test_shares_eps_and_listings_go_too(store):
    store.drop_symbols(["NVDA"])
    assert list(store.read_shares()["symbol"]) == ["9988.HK"]
    assert list(store.read_eps()["symbol"]) == ["9988.HK"]
    assert list(store.read_securities()["symbol"]) == ["9988.HK"]


def test_unknown_symbol_is_named_and_nothing_is_deleted(store):
    before = snapshot(store)
    with pytest.raises(MissingDataError, match=r"cannot drop NVDQ \(did you mean NVDA\?\): not in the store .*"
                       r"nothing was deleted; it holds 2 symbol\(s\): 9988.HK, NVDA"):
        store.drop_symbols(["NVDQ"])
    assert snapshot(store) == before


def test_known_and_unknown_together_delete_nothing(store):
    before = snapshot(store)
    with pytest.raises(MissingDataError, match=r"cannot drop FOO: not in the store") as caught:
        store.drop_symbols(["NVDA", "FOO"])
    assert "NVDA:" not in str(caught.value)
    assert snapshot(store) == before


def test_symbols_are_canonicalised(store):
    dropped = store.drop_symbols(["nvda", " NVDA ", "09988.hk"])
    assert [d.symbol for d in dropped.symbols] == ["NVDA", "9988.HK"]
    assert store.symbols() == [] and store.read_securities().empty


def test_one_symbol_as_a_string_and_no_symbols(store):
    assert [d.symbol for d in store.drop_symbols("NVDA").symbols] == ["NVDA"]  # not N, V, D, A
    with pytest.raises(UnknownSymbolError, match="no symbols given"):
        store.drop_symbols([])


def test_no_store_is_an_error_and_creates_nothing(tmp_path):
    home = tmp_path / "none"
    with pytest.raises(MissingDataError, match=r"no store at .*none.rerating\.duckdb, so nothing to drop"):
        Store(home).drop_symbols(["NVDA"])
    assert not home.exists()


def test_a_dropped_symbol_reads_as_never_loaded(store):
    store.drop_symbols(["NVDA"])
    assert store.read_bars("NVDA").empty and store.read_bars_many(["NVDA"]) == {}
    with pytest.raises(MissingDataError, match="no bars for NVDA in the store"):
        Market.open(store.home).bars("NVDA")
    with pytest.raises(MissingDataError, match="cannot drop NVDA: not in the store"):
        store.drop_symbols(["NVDA"])


# the command


def test_cli_prints_what_was_deleted(store, capsys):
    home = str(store.home)
    code, out, err = run(capsys, "--home", home, "cache", "drop", "nvda", "--yes", "--format", "csv")
    assert code == 0, err
    assert pd.read_csv(io.StringIO(out)).to_dict("records") == [
        {"symbol": "NVDA", "bars": 30, "shares": 2, "eps": 3, "securities": 1}]
    assert err.startswith("dropped 1 symbol(s) from ") and "30 bars" in err
    code, out, _ = run(capsys, "--home", home, "cache", "info", "--format", "json")
    info = {r["field"]: r["value"] for r in pd.read_json(io.StringIO(out)).to_dict("records")}
    assert (info["symbols"], info["rows"]) == ("1", "20")
    code, _, err = run(capsys, "--home", home, "prices", "NVDA")
    assert code == 2 and "no bars for NVDA in the store" in err


def test_cli_takes_comma_lists_and_the_master_spelling(tmp_path, capsys):
    store = Store(tmp_path)
    store.upsert_bars({s: synthetic(s, 5) for s in ("NVDA", "9988.HK", "^HSI", "BABA")})
    code, out, err = run(capsys, "--home", str(tmp_path), "cache", "drop", "nvda,09988.hk", "HSI", "--yes",
                         "--format", "json")
    assert code == 0, err
    assert list(pd.read_json(io.StringIO(out))["symbol"]) == ["NVDA", "9988.HK", "^HSI"]
    assert store.symbols() == ["BABA"]


def test_cli_declined_deletes_nothing(store):
    before = snapshot(store)
    result = CliRunner().invoke(cli, ["--home", str(store.home), "cache", "drop", "NVDA"], input="n\n")
    assert result.exit_code == 0 and "nothing deleted" in result.output
    assert snapshot(store) == before
    result = CliRunner().invoke(cli, ["--home", str(store.home), "cache", "drop", "NVDA"], input="y\n")
    assert result.exit_code == 0 and "dropped 1 symbol(s)" in result.output
    assert store.symbols() == ["9988.HK"]


def test_cli_unknown_symbol_is_one_line_and_deletes_nothing(store, capsys):
    before = snapshot(store)
    code, out, err = run(capsys, "--home", str(store.home), "cache", "drop", "NVDA", "NVDQ", "--yes")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: cannot drop NVDQ (did you mean NVDA?)")
    assert snapshot(store) == before


def test_cli_no_store_is_an_error_and_creates_nothing(tmp_path, capsys):
    home = tmp_path / "none"
    code, _, err = run(capsys, "--home", str(home), "cache", "drop", "NVDA", "--yes")
    assert code == 2 and err.startswith("error: no store at ") and not home.exists()


@pytest.fixture
def alibaba(tmp_path) -> Store:
    """BABA and 9988.HK, one company: only BABA has shares rows, which 9988.HK's market cap reads."""
    store = Store(tmp_path / "ali")
    store.upsert_bars({"BABA": synthetic("BABA", 20), "9988.HK": synthetic("9988.HK", 20)}, source="test")
    store.upsert_shares(pd.DataFrame({
        "symbol": ["BABA", "BABA"], "as_of": pd.to_datetime(["2000-01-03", "2000-02-01"]),
        "shares": [2.3e10, 2.2e10], "unit_note": "ordinary", "source": "test",
    }))
    return store


def test_cli_names_the_sibling_that_reads_the_dropped_shares(alibaba, capsys):
    code, _, err = run(capsys, "--home", str(alibaba.home), "cache", "drop", "BABA", "--yes")
    assert code == 0
    assert "BABA's 2 shares-outstanding row(s) are also what 9988.HK (company 'alibaba') reads" in err
    assert alibaba.read_shares().empty and alibaba.symbols() == ["9988.HK"]


def test_cli_confirmation_says_so_before_anything_is_deleted(alibaba):
    result = CliRunner().invoke(cli, ["--home", str(alibaba.home), "cache", "drop", "BABA"], input="n\n")
    assert "are also what 9988.HK" in result.output and "nothing deleted" in result.output
    assert len(alibaba.read_shares()) == 2


def test_cli_no_sibling_note_when_both_listings_go_or_none_has_shares(alibaba, capsys):
    code, _, err = run(capsys, "--home", str(alibaba.home), "cache", "drop", "9988.HK", "--yes")
    assert code == 0 and "also what" not in err  # 9988.HK had no shares rows of its own
    code, _, err = run(capsys, "--home", str(alibaba.home), "cache", "drop", "BABA", "--yes")
    assert code == 0 and "also what" not in err  # no sibling stays
