"""The DuckDB store: round trips, upserts, schema version, info/clear, and, for real, two processes at
once and a writer killed with SIGKILL mid-load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rerating.data.load import load
from rerating.data.market import Market
from rerating.data.securities import load_securities
from rerating.data.sources.files import FilesSource
from rerating.data.store import SCHEMA_VERSION, Store
from rerating.errors import DuplicateDateError, MissingDataError, StoreError, UnknownSymbolError

HERE = Path(__file__).parent
WORKER = HERE / "fixtures" / "data" / "store_worker.py"
FIXTURE = HERE / "fixtures" / "data" / "securities_fixture.csv"
SAMPLE = HERE.parent / "src" / "rerating" / "data" / "sample"
sys.path.insert(0, str(WORKER.parent))
from store_worker import synthetic  # noqa: E402


@pytest.fixture(scope="module")
def master():
    return load_securities(base=FIXTURE)


def test_round_trip_and_upsert(tmp_path, master):
    store = Store(tmp_path)
    assert not store.exists and store.symbols() == [] and store.read_bars("BABA").empty
    bars = FilesSource(SAMPLE, master).bars("BABA")
    assert store.upsert_bars(bars, "BABA", source="files") == len(bars)
    pd.testing.assert_frame_equal(store.read_bars("BABA"), bars)
    # upsert: replace 3 existing dates, add 1 new one; every other row untouched
    patch = bars.iloc[-3:].assign(close=1.0)
    extra = bars.iloc[-1:].assign(close=2.0)
    extra.index = pd.DatetimeIndex([pd.Timestamp("2025-07-01")], name="date")
    store.upsert_bars(pd.concat([patch, extra]), "BABA", source="patch")
    back = store.read_bars("BABA")
    assert len(back) == len(bars) + 1
    assert (back["close"].iloc[-4:-1] == 1.0).all() and back["close"].iloc[-1] == 2.0
    pd.testing.assert_frame_equal(back.iloc[:-4], bars.iloc[:-3])
    cov = store.coverage().set_index("symbol")
    assert cov.loc["BABA", "rows"] == len(bars) + 1 and cov.loc["BABA", "last"] == pd.Timestamp("2025-07-01")
    assert cov.loc["BABA", "source"] == "patch"


def test_duplicate_input_rejected(tmp_path):
    frame = synthetic("X", 5)
    twice = pd.concat([frame, frame.iloc[:1]])
    with pytest.raises(DuplicateDateError, match=r"repeat \(X, 2000-01-03\)"):
        Store(tmp_path).upsert_bars(twice, "X")


def test_info_and_clear(tmp_path):
    store = Store(tmp_path)
    assert store.info().exists is False
    store.upsert_bars({"A": synthetic("A", 10), "B": synthetic("B", 20)})
    info = store.info()
    assert (info.schema_version, info.symbols, info.rows) == (SCHEMA_VERSION, 2, 30)
    assert info.first == pd.Timestamp("2000-01-03") and set(info.to_frame()["field"]) >= {"path", "rows"}
    store.clear()
    assert not store.exists and store.info().rows == 0
    store.upsert_bars(synthetic("A", 3), "A")  # usable again after clear
    assert store.symbols() == ["A"]


def test_schema_version_mismatch(tmp_path):
    import duckdb

    store = Store(tmp_path)
    store.upsert_bars(synthetic("A", 3), "A")
    con = duckdb.connect(str(store.path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="schema version 99.*rerating cache clear"):
        store.symbols()


def test_not_a_database(tmp_path):
    (tmp_path / "rerating.duckdb").write_text("this is not duckdb")
    with pytest.raises(StoreError, match="rerating cache clear"):
        Store(tmp_path).symbols()


def test_lock_timeout(tmp_path):
    from filelock import FileLock

    store = Store(tmp_path, lock_timeout=0.2)
    held = FileLock(str(store.lock_path))
    held.acquire()
    try:
        # another holder (a thread-local lock object counts as another here) blocks us
        import threading

        errors: list[Exception] = []

        def use() -> None:
            try:
                store.symbols() if store.exists else store.upsert_bars(synthetic("A", 3), "A")
            except StoreError as exc:
                errors.append(exc)

        t = threading.Thread(target=use)
        t.start()
        t.join()
        assert errors and "busy" in str(errors[0])
    finally:
        held.release()


def test_panel_matches_pandas_pivot(tmp_path):
    """read_panel against an independent pandas pivot of the same rows."""
    store = Store(tmp_path)
    frames = {f"S{i}": synthetic(f"S{i}", 50 + 7 * i).iloc[i:] for i in range(6)}
    store.upsert_bars(frames)
    panel = store.read_panel()
    long = pd.concat({k: v["close"] for k, v in frames.items()}, names=["symbol", "date"]).reset_index()
    expected = long.pivot(index="date", columns="symbol", values="close").rename_axis(columns=None)
    pd.testing.assert_frame_equal(panel, expected, check_freq=False)
    sub = store.read_panel(["S3", "S1"], "2000-01-10", "2000-02-01")
    assert list(sub.columns) == ["S3", "S1"] and sub.index[0] >= pd.Timestamp("2000-01-10")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(closes=st.lists(st.floats(0.01, 1e6, allow_nan=False), min_size=1, max_size=30))
def test_write_then_read_round_trips(tmp_path, closes):
    store = Store(tmp_path / f"h{abs(hash(tuple(closes))) % 10**9}")
    frame = pd.DataFrame(
        {c: np.nan for c in ("open", "high", "low", "adj_close", "volume")} | {"close": closes},
        index=pd.DatetimeIndex(pd.bdate_range("2020-01-01", periods=len(closes)), name="date").as_unit("ns"),
    )[["open", "high", "low", "close", "adj_close", "volume"]]
    store.upsert_bars(frame, "Z")
    pd.testing.assert_frame_equal(store.read_bars("Z"), frame, check_freq=False)


def test_load_from_files_and_market_reads_the_store(tmp_path, master):
    store = Store(tmp_path)
    seen: list[str] = []
    result = load(["baba", "09988.HK", "USDHKD"], FilesSource(SAMPLE, master), store, master, "2025-01-01", "2025-03-31",
                  progress=lambda s, n: seen.append(s))
    assert seen == ["BABA", "9988.HK", "USDHKD"] and result.failed == []
    assert "loaded 3 of 3" in result.summary()
    m = Market.open(tmp_path, securities=master)
    assert m.bars("BABA").index[0] == pd.Timestamp("2025-01-02")
    sample = Market.from_sample(master)
    assert m.market_cap("BABA", "2025-01-27", "USD").value == pytest.approx(sample.market_cap("BABA", "2025-01-27", "USD").value)
    assert m.eps("BABA")["eps_diluted"].notna().any()
    with pytest.raises(MissingDataError, match="no bars for NVDA in the store"):
        m.bars("NVDA")
    with pytest.raises(UnknownSymbolError):
        load(["NOPE1"], FilesSource(SAMPLE, master), store, master)


def test_many_symbols_read_in_one_query_equal_one_by_one(tmp_path, master):
    store = Store(tmp_path)
    src = FilesSource(SAMPLE, master)
    store.upsert_bars({s: src.bars(s) for s in ("BABA", "9988.HK", "NVDA", "KWEB")}, source="files")
    many = store.read_bars_many(["NVDA", "BABA", "MSFT", "9988.HK", "KWEB"])
    assert sorted(many) == ["9988.HK", "BABA", "KWEB", "NVDA"]  # MSFT has no rows: left out
    assert many["KWEB"]["adj_close"].isna().all()  # NULLs in the store come back as NaN
    for sym, bars in many.items():
        pd.testing.assert_frame_equal(bars, store.read_bars(sym))
    assert store.read_bars_many([]) == {} and Store(tmp_path / "none").read_bars_many(["BABA"]) == {}
    # the Market reads them in one go, and says which listings have no bars at all
    m = Market.open(tmp_path, securities=master)
    assert m.missing_bars(["baba", "MSFT", "NVDA", "AAPL"]) == ["MSFT", "AAPL"]
    assert Market.from_sample(master).missing_bars(["BABA", "NVDA"]) == []
    pd.testing.assert_frame_equal(
        m.returns(["NVDA", "BABA"]).frame,
        Market.from_sample(master).returns(["NVDA", "BABA"]).frame,
    )


def test_load_writes_through_one_connection_while_it_is_short(tmp_path, master, monkeypatch):
    from rerating.data import load as load_mod

    opened: list[int] = []
    real = Store.writer

    def counting(self):  # type: ignore[no-untyped-def]
        opened.append(1)
        return real(self)

    monkeypatch.setattr(Store, "writer", counting)
    folder = tmp_path / "d"
    folder.mkdir()
    for sym in ("NVDA", "MSFT", "AAPL"):
        (folder / f"{sym}.csv").write_text((SAMPLE / f"{sym}.csv").read_text())
    (folder / "BABA.csv").write_text("date,close\n2025-01-02,-1\n")  # fails validation, in between
    source = FilesSource(folder, master)
    result = load(["NVDA", "BABA", "MSFT", "AAPL"], source, Store(tmp_path / "a"), master, with_fundamentals=False)
    assert result.failed == ["BABA"] and len(opened) == 1
    assert Store(tmp_path / "a").symbols() == ["AAPL", "MSFT", "NVDA"]
    # past the hold time the lock is let go and taken again: one connection per symbol here
    monkeypatch.setattr(load_mod, "WRITER_HOLD_S", -1.0)
    opened.clear()
    load(["NVDA", "MSFT", "AAPL"], source, Store(tmp_path / "b"), master, with_fundamentals=False)
    assert len(opened) == 3
    for sym in ("NVDA", "MSFT", "AAPL"):
        pd.testing.assert_frame_equal(Store(tmp_path / "a").read_bars(sym), Store(tmp_path / "b").read_bars(sym))


def test_load_records_a_bad_symbol_and_keeps_the_rest(tmp_path, master):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "NVDA.csv").write_text((SAMPLE / "NVDA.csv").read_text())
    (folder / "BABA.csv").write_text("date,close\n2025-01-02,-1\n")
    store = Store(tmp_path / "home")
    result = load(["NVDA", "BABA"], FilesSource(folder, master), store, master)
    assert result.failed == ["BABA"] and "close = -1.0" in result.frame.set_index("symbol").loc["BABA", "error"]
    assert store.symbols() == ["NVDA"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent / "src"), env.get("PYTHONPATH", "")])
    return env


def test_two_processes_at_once(tmp_path):
    """Two writers and a reader in separate processes on one store: none crashes, nothing is lost."""
    home = str(tmp_path)
    Store(home).upsert_bars(synthetic("SEED", 300), "SEED")
    cmd = [sys.executable, str(WORKER), home]
    procs = [
        subprocess.Popen([*cmd, "write", "A", "8", "300"], stdout=subprocess.PIPE, text=True, env=_env()),
        subprocess.Popen([*cmd, "write", "B", "8", "300"], stdout=subprocess.PIPE, text=True, env=_env()),
        subprocess.Popen([*cmd, "read", "X", "5", "300"], stdout=subprocess.PIPE, text=True, env=_env()),
    ]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert "read ok" in outs[2]
    store = Store(home)
    assert len(store.symbols()) == 17
    for sym in store.symbols():
        np.testing.assert_array_equal(store.read_bars(sym)["close"].to_numpy(), synthetic(sym, 300)["close"].to_numpy())


def test_kill_9_mid_load_keeps_committed_symbols(tmp_path):
    """SIGKILL a writer after it reported some commits: the store opens and every committed symbol is whole."""
    home = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), home, "write", "K", "400", "3000"], stdout=subprocess.PIPE, text=True, env=_env()
    )
    committed: list[str] = []
    deadline = time.monotonic() + 90
    assert proc.stdout is not None
    while len(committed) < 4 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("committed "):
            committed.append(line.split()[1])
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert len(committed) >= 4, "the writer did not commit in time"
    store = Store(home)
    present = set(store.symbols())
    assert set(committed) <= present
    assert len(present) < 400  # it really was interrupted
    for sym in present:  # committed ones, and any committed after our last read: all complete
        got = store.read_bars(sym)
        np.testing.assert_array_equal(got["close"].to_numpy(), synthetic(sym, 3000)["close"].to_numpy())
    store.upsert_bars(synthetic("AFTER", 10), "AFTER")  # and it is writable again
    assert "AFTER" in store.symbols()


def test_upsert_on_another_adj_close_base_is_refused_and_nothing_is_written(tmp_path, master):
    store = Store(tmp_path)
    bars = FilesSource(SAMPLE, master).bars("BABA")
    store.upsert_bars(bars, "BABA")
    before = store.read_bars("BABA")
    # the last 10 sessions again, downloaded after a dividend: every adj_close 3% lower
    rebased = bars.iloc[-10:].assign(adj_close=bars["adj_close"].iloc[-10:] * 0.97)
    with pytest.raises(StoreError, match=r"cannot upsert BABA: on the 10 date\(s\) .* 0\.97\.\.0\.97 x"):
        store.upsert_bars(rebased, "BABA")
    with pytest.raises(StoreError, match="Store.replace_bars"), store.writer() as writer:
        writer.upsert_bars({"BABA": rebased, "NVDA": FilesSource(SAMPLE, master).bars("NVDA")})
    pd.testing.assert_frame_equal(store.read_bars("BABA"), before)
    assert store.symbols() == ["BABA"]  # the refused batch's other symbol was not written either
    # the same base (a corrected volume) is an upsert as before
    store.upsert_bars(bars.iloc[-10:].assign(volume=1.0), "BABA")
    assert (store.read_bars("BABA")["volume"].iloc[-10:] == 1.0).all()
    # every stored date brought again: no stored row is left on the old base
    store.upsert_bars(bars.assign(adj_close=bars["adj_close"] * 0.97), "BABA")
    np.testing.assert_allclose(store.read_bars("BABA")["adj_close"], bars["adj_close"] * 0.97)
    # replace_bars re-bases the kept rows instead (what `rerating load` does)
    done = store.replace_bars(bars.iloc[-10:], "BABA")
    assert done.rebase == pytest.approx(1 / 0.97)
    np.testing.assert_allclose(store.read_bars("BABA")["adj_close"], bars["adj_close"], rtol=1e-12)


def test_a_store_whose_directory_cannot_be_written_is_a_clear_error(tmp_path, master, monkeypatch):
    """A read-only file system (EROFS) where the lock files go ended every command, even reads, in
    a traceback; only PermissionError was turned into a message."""
    import errno

    import filelock

    store = Store(tmp_path)
    store.upsert_bars(FilesSource(SAMPLE, master).bars("BABA"), "BABA", source="files")

    def read_only(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "rerating.duckdb.wait"))

    monkeypatch.setattr(filelock.FileLock, "acquire", read_only)
    with pytest.raises(StoreError, match=r"Read-only file system .*directory must be writable: pass --home"):
        Store(tmp_path).read_bars("BABA")
