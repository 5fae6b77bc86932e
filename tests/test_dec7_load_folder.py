"""`rerating load --all --dir FOLDER` (every bars file of a folder, unknown symbols in one error,
tables left out) and the re-load of an unchanged listing, which writes nothing (docs/DATA.md,
"Store")."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rerating.cli import main
from rerating.data.load import load
from rerating.data.securities import load_securities
from rerating.data.sources import BAR_COLUMNS
from rerating.data.sources.files import FilesSource
from rerating.data.store import Store

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
MINE = (
    "symbol,name,kind,exchange,calendar,currency\n"
    "ZZNEW,Synthetic New,stock,XNYS,XNYS,USD\n"
)


@pytest.fixture(scope="module")
def master():
    return load_securities()


def market_folder(tmp_path: Path) -> Path:
    """NVDA.csv, GSPC.csv (^GSPC), BABA.parquet, ZZNEW.csv (a user's listing) beside what is not a
    listing: shares.csv, eps.csv, PROVENANCE.md and mine.csv (a security master extension)."""
    folder = tmp_path / "market"
    folder.mkdir()
    for name in ("NVDA.csv", "GSPC.csv", "shares.csv", "eps.csv", "PROVENANCE.md"):
        shutil.copy(SAMPLE / name, folder / name)
    pd.read_csv(SAMPLE / "BABA.csv", parse_dates=["date"]).to_parquet(folder / "BABA.parquet", index=False)
    (folder / "ZZNEW.csv").write_text((SAMPLE / "NVDA.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "mine.csv").write_text(MINE, encoding="utf-8")
    return folder


def test_load_all_loads_every_bars_file_and_no_other(tmp_path, capsys):
    folder = market_folder(tmp_path)
    home = tmp_path / "home"
    code = main(["--home", str(home), "--securities", str(folder / "mine.csv"), "load", "--all",
                 "--dir", str(folder), "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0, err
    store = Store(home)
    # the caret-dropped stem GSPC is ^GSPC; shares.csv, eps.csv, PROVENANCE.md and mine.csv are no listings
    assert store.symbols() == ["BABA", "NVDA", "ZZNEW", "^GSPC"]
    assert "note: left out mine.csv: a table of many symbols" in err
    assert "loaded 4 of 4 symbols" in err
    frame = pd.read_csv(pd.io.common.StringIO(out))
    assert sorted(frame["symbol"]) == ["BABA", "NVDA", "ZZNEW", "^GSPC"]
    assert set(store.read_shares()["symbol"]) >= {"NVDA", "BABA"}  # the side tables came along


def test_load_all_names_every_unknown_file_in_one_error(tmp_path, capsys):
    folder = market_folder(tmp_path)
    (folder / "ZZOTHER.csv").write_text((SAMPLE / "NVDA.csv").read_text(encoding="utf-8"), encoding="utf-8")
    home = tmp_path / "home"
    code = main(["--home", str(home), "load", "--all", "--dir", str(folder)])
    err = capsys.readouterr().err
    assert code != 0
    assert f"2 of 5 symbols with a file in {folder} are not in the security master" in err
    assert "'ZZNEW'" in err and "'ZZOTHER'" in err and "--securities FILE" in err
    assert not Store(home).symbols()  # nothing loaded
    # one unknown file: its name is in the error
    (folder / "ZZOTHER.csv").unlink()
    assert main(["--home", str(home), "load", "--all", "--dir", str(folder)]) != 0
    err = capsys.readouterr().err
    assert f"ZZNEW.csv in {folder}: unknown symbol 'ZZNEW'" in err and "--securities FILE" in err


def test_load_without_symbols_points_to_all_and_all_refuses_symbols(tmp_path, capsys):
    folder = market_folder(tmp_path)
    assert main(["load", "--dir", str(folder)]) != 0
    assert "or --all for every file in" in capsys.readouterr().err
    assert main(["load", "NVDA", "--all", "--dir", str(folder)]) != 0
    assert "--all loads every file of --dir" in capsys.readouterr().err
    assert main(["load", "--all", "--source", "yahoo"]) != 0
    assert "--all needs --source files and --dir FOLDER" in capsys.readouterr().err


def test_listings_leave_out_tables_of_many_symbols(tmp_path, master):
    folder = market_folder(tmp_path)
    pd.DataFrame({"symbol": ["A"], "as_of": ["2025-01-02"], "shares": [1.0]}).to_parquet(folder / "held.parquet")
    src = FilesSource(folder, master)
    assert "MINE" in src.symbols()  # symbols() lists every file, as before
    files = src.listings()
    assert list(files) == ["BABA", "NVDA", "ZZNEW", "^GSPC"]
    assert files["^GSPC"].name == "GSPC.csv"
    assert [p.name for p in src.tables] == ["held.parquet", "mine.csv"]


def two_listings(tmp_path: Path) -> Path:
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("NVDA.csv", "BABA.csv"):
        shutil.copy(SAMPLE / name, folder / name)
    return folder


def store_bytes(home: Path) -> int:
    return sum(p.stat().st_size for p in home.glob("rerating.duckdb*"))


def test_an_unchanged_reload_writes_nothing(tmp_path, master):
    folder, home = two_listings(tmp_path), tmp_path / "home"
    store = Store(home)
    first = load(["NVDA", "BABA"], FilesSource(folder, master), store, master, with_fundamentals=False)
    assert not first.frame["unchanged"].any()
    coverage, bars, size = store.coverage(), store.read_bars("NVDA"), store_bytes(home)
    again = load(["NVDA", "BABA"], FilesSource(folder, master), store, master, with_fundamentals=False)
    assert again.failed == [] and again.frame["unchanged"].all()
    assert list(again.frame["rows"]) == list(first.frame["rows"])
    assert "(2 unchanged: stored as they are, nothing written)" in again.summary()
    pd.testing.assert_frame_equal(store.coverage(), coverage)  # loaded_at too: no row was rewritten
    pd.testing.assert_frame_equal(store.read_bars("NVDA"), bars)
    assert store_bytes(home) == size


def test_a_changed_file_still_replaces_its_rows(tmp_path, master):
    folder, home = two_listings(tmp_path), tmp_path / "home"
    store = Store(home)
    load(["NVDA", "BABA"], FilesSource(folder, master), store, master, with_fundamentals=False)
    nvda = pd.read_csv(folder / "NVDA.csv", dtype={"date": str})
    changed = nvda.drop(index=10).reset_index(drop=True)
    changed.loc[20, "close"] = changed.loc[20, "close"] + 0.01
    changed.to_csv(folder / "NVDA.csv", index=False)
    result = load(["NVDA", "BABA"], FilesSource(folder, master), store, master, with_fundamentals=False)
    frame = result.frame.set_index("symbol")
    assert not frame.loc["NVDA", "unchanged"] and frame.loc["BABA", "unchanged"]
    assert frame.loc["NVDA", "deleted"] == 1
    stored = store.read_bars("NVDA")
    assert pd.Timestamp(nvda.loc[10, "date"]) not in stored.index
    assert stored.loc[pd.Timestamp(changed.loc[20, "date"]), "close"] == changed.loc[20, "close"]
    assert len(stored) == len(changed)


def test_an_unchanged_range_inside_the_stored_rows_keeps_the_others(tmp_path, master):
    folder, home = two_listings(tmp_path), tmp_path / "home"
    store = Store(home)
    load(["BABA"], FilesSource(folder, master), store, master, with_fundamentals=False)
    before = store.read_bars("BABA")
    result = load(["BABA"], FilesSource(folder, master), store, master, start="2024-10-01", end="2024-12-31",
                  with_fundamentals=False)
    assert result.frame.loc[0, "unchanged"] and result.notes.empty
    pd.testing.assert_frame_equal(store.read_bars("BABA"), before)


def test_another_source_is_a_change(tmp_path, master):
    folder, home = two_listings(tmp_path), tmp_path / "home"
    store = Store(home)
    bars = FilesSource(folder, master).bars("NVDA")
    store.upsert_bars(bars, "NVDA", source="yahoo")
    assert not store.replace_bars(bars, "NVDA", source="files").unchanged
    assert store.coverage().loc[0, "source"] == "files"
    assert store.replace_bars(bars, "NVDA", source="files").unchanged


BASE = FilesSource(SAMPLE).bars("NVDA").iloc[:40]


@given(
    row=st.integers(0, len(BASE) - 1),
    column=st.sampled_from(BAR_COLUMNS),
    change=st.sampled_from(["none", "nudge", "empty", "drop"]),
)
def test_replace_reports_unchanged_only_for_the_same_rows(tmp_path_factory, row, column, change):
    """Whatever one cell or row becomes, the store ends holding the new rows, and says it wrote
    nothing exactly when they were the stored ones."""
    store = Store(tmp_path_factory.mktemp("home"))
    store.replace_bars(BASE, "NVDA", source="files")
    new = BASE.copy()
    if change == "nudge":
        new.iloc[row, new.columns.get_loc(column)] = new.iloc[row][column] * (1 + 1e-12)
    elif change == "empty" and column not in ("close", "adj_close"):
        new.iloc[row, new.columns.get_loc(column)] = np.nan
    elif change == "drop" and 0 < row < len(new) - 1:
        new = new.drop(index=new.index[row])
    same = new.equals(BASE)
    done = store.replace_bars(new, "NVDA", source="files")
    assert done.unchanged == same
    pd.testing.assert_frame_equal(store.read_bars("NVDA"), new, check_freq=False)
