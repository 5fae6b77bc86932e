"""Loads that overlap what the store holds (rows replaced in the new range, a re-based adj_close
history matched or refused, all in one transaction), and readers getting in during a long load."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rerating.cli import main
from rerating.data import load as load_mod
from rerating.data.load import load
from rerating.data.market import Market
from rerating.data.securities import load_securities
from rerating.data.sources.files import FilesSource
from rerating.data.store import MIN_REBASE_DATES, Store, StoreWriter, _replace_bars
from rerating.errors import GapError, StoreError

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "data" / "securities_fixture.csv"
SAMPLE = HERE.parent / "src" / "rerating" / "data" / "sample"


@pytest.fixture(scope="module")
def master():
    return load_securities(base=FIXTURE)


def folder_with(tmp_path: Path, name: str, files: dict[str, pd.DataFrame]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for sym, frame in files.items():
        frame.to_csv(folder / f"{sym}.csv", index=False)
    return folder


def sample_csv(sym: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / f"{sym}.csv", dtype={"date": str})


def test_overlapping_load_rebases_the_stored_history(tmp_path, master):
    """A second download after a dividend re-bases all history (adj_close x 0.97): the rows kept
    from the first load are put on the new base, so every return equals the one-file truth."""
    a = sample_csv("BABA")
    b = a.assign(adj_close=a["adj_close"] * 0.97)
    fa, fb = folder_with(tmp_path, "a", {"BABA": a}), folder_with(tmp_path, "b", {"BABA": b})
    store = Store(tmp_path / "home")
    load(["BABA"], FilesSource(fa, master), store, master, end="2024-12-31")
    result = load(["BABA"], FilesSource(fb, master), store, master, start="2024-10-01")
    assert result.failed == [] and result.frame.loc[0, "deleted"] == 0
    (note,) = result.notes["note"]
    assert "re-based by 0.97" in note and "2024-06-03..2024-09-30" in note and "2024-10-01..2024-12-31" in note
    got = Market.open(tmp_path / "home", securities=master).returns(["BABA"]).frame.set_index("date")["ret"]
    # the truth: returns of the first file's own adj_close, computed here with pandas
    truth = a.set_index(pd.to_datetime(a["date"]))["adj_close"].pct_change().dropna()
    assert got.loc["2024-10-01"] == pytest.approx(0.0624, abs=5e-5)  # the seam; spliced bases gave 0.0305
    np.testing.assert_allclose(got.to_numpy(), truth.reindex(got.index).to_numpy(), rtol=1e-9)
    stored = store.read_bars("BABA")
    np.testing.assert_allclose(stored["adj_close"].to_numpy(), b["adj_close"].to_numpy(), rtol=1e-12)


def test_a_varying_ratio_is_refused_and_nothing_changes(tmp_path, master):
    a = sample_csv("BABA")
    b = a.assign(adj_close=a["adj_close"].where(a["date"] < "2024-11-15", a["adj_close"] * 0.97))
    fa, fb = folder_with(tmp_path, "a", {"BABA": a}), folder_with(tmp_path, "b", {"BABA": b})
    store = Store(tmp_path / "home")
    load(["BABA"], FilesSource(fa, master), store, master, end="2024-12-31")
    before = store.read_bars("BABA")
    result = load(["BABA"], FilesSource(fb, master), store, master, start="2024-10-01")
    assert result.failed == ["BABA"]
    error = result.frame.loc[0, "error"]
    assert "cannot store BABA" in error and "2024-10-01..2024-12-31" in error and "2024-06-03..2024-09-30" in error
    assert "load the whole history again (bars covering 2024-06-03..2025-06-30" in error
    assert "or run `rerating cache drop BABA` and load it again" in error
    pd.testing.assert_frame_equal(store.read_bars("BABA"), before)
    # either remedy works: dropping the symbol, then loading only the new range ...
    store.drop_symbols(["BABA"])
    assert load(["BABA"], FilesSource(fb, master), store, master, start="2024-10-01").failed == []
    assert store.read_bars("BABA").index[0] == pd.Timestamp("2024-10-01")
    # ... or the whole history, which replaces every stored row
    assert load(["BABA"], FilesSource(fb, master), store, master).failed == []
    np.testing.assert_allclose(store.read_bars("BABA")["adj_close"].to_numpy(), b["adj_close"].to_numpy())


def test_adj_close_on_one_side_only_is_refused(tmp_path, master):
    a = sample_csv("BABA")
    fa = folder_with(tmp_path, "a", {"BABA": a})
    fb = folder_with(tmp_path, "b", {"BABA": a.drop(columns=["adj_close"])})
    store = Store(tmp_path / "home")
    load(["BABA"], FilesSource(fa, master), store, master, end="2024-12-31")
    result = load(["BABA"], FilesSource(fb, master), store, master, start="2024-10-01")
    assert result.failed == ["BABA"] and "half-adjusted" in result.frame.loc[0, "error"]


def test_a_reload_deletes_rows_the_new_data_no_longer_has(tmp_path, master, capsys):
    """9988.HK reloaded from a file without 2025-02-05..07: the suspension shows, it is not hidden."""
    full = sample_csv("9988.HK")
    cut = full[~full["date"].isin(["2025-02-05", "2025-02-06", "2025-02-07"])]
    home = str(tmp_path / "home")
    fa, fb = folder_with(tmp_path, "a", {"9988.HK": full}), folder_with(tmp_path, "b", {"9988.HK": cut})
    assert main(["--home", home, "--securities", str(FIXTURE), "load", "9988.HK", "--dir", str(fa)]) == 0
    capsys.readouterr()
    code = main(["--home", home, "--securities", str(FIXTURE), "load", "9988.HK", "--dir", str(fb), "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0
    row = pd.read_csv(io.StringIO(out)).iloc[0]
    assert (row["rows"], row["deleted"]) == (len(full) - 3, 3)
    assert "note: 9988.HK: 3 stored row(s) in 2024-06-03..2025-06-30 are not in the new data and were deleted" in err
    assert "2025-02-05, 2025-02-06, 2025-02-07" in err and "3 stored rows no longer in the data deleted" in err
    store = Store(home)
    assert len(store.read_bars("9988.HK")) == len(full) - 3
    with pytest.raises(GapError, match="2025-02-05, 2025-02-06, 2025-02-07"):
        Market.open(home, securities=master).returns(["9988.HK"], "2025-02-03", "2025-02-10")


def test_adjacent_ranges_cannot_be_checked_and_say_so(tmp_path, master):
    a = sample_csv("BABA")
    fa = folder_with(tmp_path, "a", {"BABA": a})
    fb = folder_with(tmp_path, "b", {"BABA": a.assign(adj_close=a["adj_close"] * 0.97)})
    store = Store(tmp_path / "home")
    load(["BABA"], FilesSource(fa, master), store, master, end="2024-12-31")
    result = load(["BABA"], FilesSource(fb, master), store, master, start="2025-01-01")
    assert result.failed == [] and "base not checked" in result.notes["note"].iloc[0]
    assert len(store.read_bars("BABA")) == len(a)


class _FailingInsert:
    """A connection that fails on the insert of new rows: after the delete and the re-basing."""

    def __init__(self, con):  # type: ignore[no-untyped-def]
        self._con = con

    def execute(self, sql, *args):  # type: ignore[no-untyped-def]
        if sql.startswith("INSERT INTO bars"):
            raise RuntimeError("interrupted")
        return self._con.execute(sql, *args)

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self._con, name)


def test_an_interrupted_replace_leaves_the_store_as_it_was(tmp_path, master):
    src = FilesSource(SAMPLE, master)
    store = Store(tmp_path)
    store.replace_bars(src.bars("BABA", end="2024-12-31"), "BABA", source="files")
    before, cov = store.read_bars("BABA"), store.coverage()
    new = src.bars("BABA", start="2024-10-01")
    rebased = new.drop(new.index[5:8])  # deletes 3 stored rows and re-bases those before 2024-10-01
    rebased = rebased.assign(adj_close=rebased["adj_close"] * 0.97)
    with store._connect() as con, pytest.raises(RuntimeError, match="interrupted"):
        _replace_bars(_FailingInsert(con), rebased, "BABA", "files")  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(store.read_bars("BABA"), before)
    pd.testing.assert_frame_equal(store.coverage(), cov)
    done = store.replace_bars(rebased, "BABA", source="files")  # and the same replace, uninterrupted
    assert (done.deleted, done.kept, done.rebase) == (3, 83, pytest.approx(0.97))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(5, 40),
    overlap=st.integers(1, 20),
    factor=st.floats(0.5, 2.0).filter(lambda f: f == 1 or abs(f - 1) > 1e-5),
)
def test_two_overlapping_loads_give_the_returns_of_one(tmp_path, cut, overlap, factor):
    """Property: load rows [0, cut + overlap) then the re-based rows [cut, n): same returns as one load."""
    n = 60
    rng = np.random.default_rng(cut * 100 + overlap)
    dates = pd.bdate_range("2021-01-04", periods=n, name="date").as_unit("ns")
    adj = np.round(50 * np.exp(np.cumsum(rng.normal(0, 0.02, n))), 6)
    bars = pd.DataFrame({"open": np.nan, "high": np.nan, "low": np.nan, "close": adj, "adj_close": adj, "volume": np.nan}, index=dates)
    store = Store(tmp_path / f"h{cut}-{overlap}-{factor}")
    store.replace_bars(bars.iloc[: cut + overlap], "Z")
    second = bars.iloc[cut:].assign(adj_close=bars["adj_close"].iloc[cut:] * factor)
    if factor != 1 and overlap < MIN_REBASE_DATES:  # one or two dates could be a bad print
        with pytest.raises(StoreError, match="too few to tell a re-based history"):
            store.replace_bars(second, "Z")
        assert len(store.read_bars("Z")) == cut + overlap  # nothing written
        return
    done = store.replace_bars(second, "Z")
    if factor != 1:
        assert done.rebase == pytest.approx(factor, rel=1e-9)
    got = store.read_bars("Z")["adj_close"]
    np.testing.assert_allclose(got.pct_change().to_numpy()[1:], bars["adj_close"].pct_change().to_numpy()[1:], rtol=1e-9, atol=1e-12)


def test_a_reader_gets_in_during_a_long_load(tmp_path, master, monkeypatch):
    """The loader lets the lock go between symbols; a waiting reader must get it then, not only
    after the whole load (filelock alone has no fairness: the loader took it back at once)."""
    monkeypatch.setattr(load_mod, "WRITER_HOLD_S", 0.05)
    home = tmp_path / "home"
    bars = FilesSource(SAMPLE, master).bars("NVDA").iloc[:20]
    Store(home).upsert_bars(bars, "SEED")
    names = [f"S{i}" for i in range(20)]

    class SlowSource:  # ~50 ms a symbol, with the store's lock held: a load of 3 s or so
        name = "slow"

        def bars(self, symbol, start=None, end=None):  # type: ignore[no-untyped-def]
            time.sleep(0.05)
            return bars

        def shares(self, symbol):  # type: ignore[no-untyped-def]
            raise AssertionError

    done: list[str] = []
    started = threading.Event()

    def progress(sym: str, rows: int) -> None:
        done.append(sym)
        started.set()

    securities = _synthetic_master(tmp_path, names)
    loader = threading.Thread(
        target=load, args=(names, SlowSource(), Store(home), securities),
        kwargs={"progress": progress, "with_fundamentals": False},
    )
    loader.start()
    try:
        assert started.wait(10)
        waits = []
        for _ in range(3):
            t0 = time.monotonic()
            Store(home, lock_timeout=1.5).symbols()  # StoreError here: the reader never got in
            waits.append(time.monotonic() - t0)
        assert len(done) < len(names), "the load ended before the reads; make it longer"
        assert max(waits) < 1.0
    finally:
        loader.join(60)
    assert len(Store(home).symbols()) == len(names) + 1


def _synthetic_master(tmp_path: Path, names: list[str]):  # type: ignore[no-untyped-def]
    path = tmp_path / "secs.csv"
    path.write_text(
        "symbol,name,kind,exchange,calendar,currency\n" + "".join(f"{n},{n} Corp,stock,XNYS,XNYS,USD\n" for n in names)
    )
    return load_securities(path)


def test_busy_store_error_does_not_blame_one_long_hold(tmp_path):
    from filelock import FileLock

    store = Store(tmp_path, lock_timeout=0.2)
    store.upsert_bars(pd.DataFrame({"close": [1.0]}, index=pd.DatetimeIndex(["2024-01-02"], name="date")), "A")
    held = FileLock(str(store.lock_path))
    errors: list[StoreError] = []

    def use() -> None:  # another thread: a FileLock object of its own, so a second holder
        try:
            store.symbols()
        except StoreError as exc:
            errors.append(exc)

    with held:
        t = threading.Thread(target=use)
        t.start()
        t.join()
    (error,) = errors
    assert "busy" in str(error) and "no turn came within 0.2s" in str(error) and "held it for" not in str(error)


def test_writer_replace_goes_through_one_connection(tmp_path, master):
    src = FilesSource(SAMPLE, master)
    store = Store(tmp_path)
    with store.writer() as writer:
        assert isinstance(writer, StoreWriter)
        assert writer.replace_bars(src.bars("BABA"), "BABA", "files").rows == len(src.bars("BABA"))
        assert writer.replace_bars(src.bars("BABA", start="2025-01-02"), "BABA", "files").deleted == 0
    pd.testing.assert_frame_equal(store.read_bars("BABA"), src.bars("BABA"))


def _two_loads(tmp_path, first: pd.DataFrame, second: pd.DataFrame):  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "h")
    store.replace_bars(first, "Z")
    return store, store.replace_bars(second, "Z")


def test_a_close_only_series_is_checked_and_re_based_on_close(tmp_path):
    # no adj_close on either side: returns come from close, so a split in the new download (all
    # closes halved) re-bases the kept prices instead of leaving a -50% return at the seam
    dates = pd.bdate_range("2021-01-04", periods=40, name="date").as_unit("ns")
    close = np.round(20 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.02, 40))), 2)
    bars = pd.DataFrame({"open": close, "high": close, "low": close, "close": close, "adj_close": np.nan,
                         "volume": np.nan}, index=dates)  # fmt: skip
    store, done = _two_loads(tmp_path, bars.iloc[:30], bars.iloc[20:].assign(close=close[20:] / 2))
    assert done.rebase == pytest.approx(0.5, rel=1e-3) and "close of the 20 stored row(s)" in done.notes[0]
    got = store.read_bars("Z")["close"]
    np.testing.assert_allclose(got.pct_change().to_numpy()[1:], bars["close"].pct_change().to_numpy()[1:],
                               rtol=1e-6, atol=1e-9)  # fmt: skip


def test_a_low_price_re_based_by_one_and_a_half_percent_is_seen(tmp_path):
    # $1.45 written to two decimals: one row's rounding is 0.7%, but the median of 20 ratios is
    # not fooled (the check once took the coarsest row's rounding, 2%, and kept both bases)
    dates = pd.bdate_range("2021-01-04", periods=40, name="date").as_unit("ns")
    adj = np.round(1.45 + 0.02 * np.sin(np.arange(40)), 2)
    bars = pd.DataFrame({"open": np.nan, "high": np.nan, "low": np.nan, "close": adj, "adj_close": adj,
                         "volume": np.nan}, index=dates)  # fmt: skip
    second = bars.iloc[20:].assign(adj_close=np.round(adj[20:] * 0.985, 2))
    _, done = _two_loads(tmp_path, bars.iloc[:40], second)
    assert done.rebase == pytest.approx(0.985, abs=0.004)


def test_a_store_call_inside_its_own_writer_fails_at_once(tmp_path):
    # it waited out the whole lock timeout, then blamed "other rerating processes"
    store = Store(tmp_path / "h", lock_timeout=30)
    t0 = time.perf_counter()
    with store.writer(), pytest.raises(StoreError, match="already open in this thread"):
        store.symbols()
    assert time.perf_counter() - t0 < 5
    assert isinstance(store.symbols(), list | pd.DataFrame)  # and the store works after the block


def test_a_lock_file_without_permission_is_a_store_error(tmp_path, monkeypatch):
    import filelock

    def denied(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", self.lock_file)

    store = Store(tmp_path / "h")
    store.upsert_bars(FilesSource(SAMPLE).bars("NVDA").iloc[:5], "NVDA")
    monkeypatch.setattr(filelock.FileLock, "acquire", denied)
    with pytest.raises(StoreError, match="cannot lock the store .*permission denied on .*rerating.duckdb.wait"):
        store.read_bars("NVDA")


def test_a_zoned_date_fails_its_symbol_only_and_the_load_goes_on(tmp_path, capsys) -> None:
    """A CSV dated "2024-06-03T00:00:00-05:00" used to end the whole load in a traceback after the
    first symbol; now that symbol fails with its line and the others are stored."""
    sample = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "NVDA.csv").write_text((sample / "NVDA.csv").read_text())
    lines = (sample / "MSFT.csv").read_text().splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[0], lines[1].split(",")[0] + "T00:00:00-05:00", 1)
    (folder / "MSFT.csv").write_text("\n".join(lines) + "\n")
    (folder / "AAPL.csv").write_text((sample / "AAPL.csv").read_text())
    code = main(["--home", str(tmp_path / "home"), "load", "NVDA", "MSFT", "AAPL", "--dir", str(folder)])
    out, err = capsys.readouterr()
    assert code != 0 and "Traceback" not in err
    assert "MSFT.csv: line 2: date" in err and "carries a time zone" in err
    assert "loaded 2 of 3 symbols" in out + err
