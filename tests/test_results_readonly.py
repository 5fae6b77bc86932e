"""Results are read-only in practice: editing a frame a result hands out leaves the result as it was.

Each case builds a real result through the public API (the bundled sample, or inputs worked here),
edits in place every frame its public accessors return, then reads the result again: the summary
text, ``to_frame()`` and the accessors themselves must give what they gave before the edits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rerating.data.factors import read_factors, require_daily
from rerating.data.market import Market
from rerating.report import build_report
from rerating.rerate.comovement import basket_comovement, comovement
from rerating.rerate.valuation import multiple_gap, pe_history, trailing_pe
from rerating.study.simulate import SimulationDesign, generate_panel, sign_p_hat, simulate


@pytest.fixture(scope="module")
def market() -> Market:
    return Market.from_sample()


def _snapshot(value: Any) -> Any:
    """A deep copy of what a reader returned, to compare with a later read."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=True)
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return value


def _assert_same(before: Any, after: Any, what: str) -> None:
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(after, before, obj=what)
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(after, before, obj=what)
    elif isinstance(before, dict):
        assert before.keys() == after.keys(), what
        for k in before:
            _assert_same(before[k], after[k], f"{what}[{k!r}]")
    elif isinstance(before, float) and np.isnan(before):
        assert isinstance(after, float) and np.isnan(after), what
    else:
        assert after == before, what


def _check_unchanged(
    result: Any, readers: dict[str, Callable[[Any], Any]], edit: Callable[[Any], None]
) -> None:
    """Read everything, edit what the accessors hand out, read again: the same answers."""
    before = {name: _snapshot(read(result)) for name, read in readers.items()}
    edit(result)
    for name, read in readers.items():
        _assert_same(before[name], read(result), name)


def _scribble(frame: pd.DataFrame) -> None:
    """Overwrite every cell of ``frame`` in place (values of its own kind, so pandas takes them)
    and add a column to it."""
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            frame.loc[:, col] = ~s
        elif pd.api.types.is_numeric_dtype(s):
            frame.loc[:, col] = 99
        elif pd.api.types.is_datetime64_any_dtype(s):
            frame.loc[:, col] = pd.Timestamp("1999-01-01")
        else:
            frame.loc[:, col] = "edited"
    frame["edited"] = 1.0


# --- valuation ------------------------------------------------------------------------------------

FIX_EPS = pd.DataFrame(
    {
        "period_end": ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"],
        "report_date": ["2024-05-10", "2024-08-10", "2024-11-10", "2025-02-10"],
        "eps_diluted": [1.0, 2.0, 3.0, 4.0],
        "currency": ["CNY"] * 4,
    }
)
FIX_CLOSE = pd.Series(
    [12.0, 13.0, 14.0, 15.0],
    index=pd.DatetimeIndex(["2024-11-11", "2025-02-10", "2025-02-11", "2025-02-12"]),
    name="FIX",
)


def _pe_readers() -> dict[str, Callable[[Any], Any]]:
    return {
        "summary": lambda r: r.summary(),
        "to_frame": lambda r: r.to_frame(),
        "frame": lambda r: r.frame,
        "pe": lambda r: r.pe,
        "on": lambda r: r.on("2025-02-12"),
        "as_dict": lambda r: r.as_dict(),
    }


def _edit_pe(res: Any) -> None:
    _scribble(res.frame)
    pe = res.pe
    pe.iloc[:] = -1.0
    _scribble(res.to_frame())


def test_trailing_pe_frame_edits_do_not_reach_the_result() -> None:
    res = trailing_pe(FIX_CLOSE, FIX_EPS, fx=0.5, price_currency="USD")
    assert "2.8 on 2025-02-11" in res.summary()  # 14 / (10 CNY x 0.5)
    _check_unchanged(res, _pe_readers(), _edit_pe)


def test_pe_history_frame_edits_do_not_reach_the_result(market: Market) -> None:
    res = pe_history(market, "BABA", "2025-01-02", "2025-02-28")
    _check_unchanged(res, _pe_readers(), _edit_pe)


def test_multiple_gap_members_edits_do_not_reach_the_result() -> None:
    dates = pd.DatetimeIndex(["2025-01-24", "2025-01-27"])
    a = pd.DataFrame({"X": [10.0, 12.0], "Y": [20.0, 14.0], "Z": [30.0, np.nan]}, index=dates)
    b = pd.DataFrame({"P": [40.0, 30.0], "Q": [50.0, 50.0]}, index=dates)
    res = multiple_gap(a, b, "2025-01-28")
    readers = {
        "summary": lambda r: r.summary(),
        "to_frame": lambda r: r.to_frame(),
        "members": lambda r: r.members,
        "left_out": lambda r: r.left_out,
        "as_dict": lambda r: r.as_dict(),
    }

    def edit(r: Any) -> None:
        _scribble(r.members)
        _scribble(r.left_out)
        _scribble(r.to_frame())

    _check_unchanged(res, readers, edit)
    assert list(res.left_out["symbol"]) == ["Z"]


# --- co-movement ----------------------------------------------------------------------------------

_COMOVEMENT_READERS: dict[str, Callable[[Any], Any]] = {
    "summary": lambda r: r.summary(),
    "to_frame": lambda r: r.to_frame(),
    "rolling": lambda r: r.rolling,
    "dropped": lambda r: r.dropped,
    "as_dict": lambda r: r.as_dict(),
}


def _edit_comovement(res: Any) -> None:
    _scribble(res.rolling)
    _scribble(res.dropped)
    _scribble(res.to_frame())


def test_comovement_rolling_and_dropped_edits_do_not_reach_the_result() -> None:
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2024-09-02", periods=120)
    b = pd.DataFrame({"P": rng.normal(0, 0.01, 120), "Q": rng.normal(0, 0.01, 120)}, index=idx)
    b.iloc[10, 0] = np.nan  # a member without a return that day: a ledger row
    a = pd.Series(0.8 * b.mean(axis=1).to_numpy() + rng.normal(0, 0.004, 120), index=idx)
    res = comovement(a, b, idx[60], window=20)
    assert len(res.dropped) and res.rolling["beta"].notna().any()
    _check_unchanged(res, _COMOVEMENT_READERS, _edit_comovement)


def test_basket_comovement_edits_do_not_reach_the_result(market: Market) -> None:
    res = basket_comovement(market, ["9988.HK"], ["NVDA"], "2025-01-27", window=10)
    assert len(res.dropped)  # dates only one market traded (Lunar New Year, US holidays)
    _check_unchanged(res, _COMOVEMENT_READERS, _edit_comovement)


# --- market returns -------------------------------------------------------------------------------


def test_returns_frame_and_ledger_edits_do_not_reach_the_result(market: Market) -> None:
    # KWEB has no adj_close: a ledger row, so the summary counts one dropped
    res = market.returns(["NVDA", "KWEB"], "2025-01-02", "2025-01-31")
    assert len(res.dropped) == 1
    readers = {
        "summary": lambda r: r.summary(),
        "repr": repr,
        "to_frame": lambda r: r.to_frame(),
        "wide": lambda r: r.wide(),
        "frame": lambda r: r.frame,
        "dropped": lambda r: r.dropped,
    }

    def edit(r: Any) -> None:
        _scribble(r.frame)
        _scribble(r.dropped)
        _scribble(r.to_frame())

    _check_unchanged(res, readers, edit)
    for name in ("frame", "dropped"):  # still frozen: a frame cannot be swapped either
        with pytest.raises((FrozenInstanceError, AttributeError)):
            setattr(res, name, pd.DataFrame())


def test_returns_summary_is_text_and_its_table_a_frame(market: Market) -> None:
    res = market.returns(["NVDA", "9988.HK"], "2025-01-20", "2025-02-04")
    text = res.summary()
    assert isinstance(text, str) and "NVDA" in text and "9988.HK" in text
    assert repr(res) == text
    table = res.summary_frame()
    assert list(table.columns) == ["symbol", "sessions", "first", "last", "mean", "std", "dropped"]
    assert table.set_index("symbol").loc["NVDA", "sessions"] == len(
        res.frame[res.frame["symbol"] == "NVDA"]
    )


# --- simulation -----------------------------------------------------------------------------------


def test_simulation_frames_edits_do_not_reach_the_result() -> None:
    res = simulate(n_events=10, estimation_length=40, replications=6, seed=9, tests=("bmp", "grank"))
    readers = {
        "summary": lambda r: r.summary().as_text(),
        "summary_csv": lambda r: r.summary().as_csv(),
        "to_frame": lambda r: r.to_frame(),
        "rejection_rates": lambda r: r.rejection_rates,
        "tests": lambda r: r.tests,
        "rate": lambda r: r.rate("bmp"),
    }

    def edit(r: Any) -> None:
        _scribble(r.rejection_rates)
        _scribble(r.tests)
        _scribble(r.to_frame())
        _scribble(r.summary().table)

    _check_unchanged(res, readers, edit)


# --- factor files ---------------------------------------------------------------------------------

FACTORS_CSV = """date,MKT,SMB,RF
2025-01-02,-0.0025,0.0040,0.00017
2025-01-03,0.0120,-0.0030,0.00017
2025-01-06,0.0050,0.0010,0.00017
"""


def test_factor_data_edits_do_not_reach_the_result(tmp_path: Path) -> None:
    path = tmp_path / "factors.csv"
    path.write_text(FACTORS_CSV, encoding="utf-8")
    res = read_factors(path, risk_free="RF")
    assert res.summary() == "2 factors (MKT, SMB), risk-free RF; 3 dates, 2025-01-02 .. 2025-01-06"
    readers = {
        "summary": lambda r: r.summary(),
        "to_frame": lambda r: r.to_frame(),
        "factors": lambda r: r.factors,
        "risk_free": lambda r: r.risk_free,
        "factors.attrs": lambda r: dict(r.factors.attrs),
        "risk_free.attrs": lambda r: dict(r.risk_free.attrs),
    }

    def edit(r: Any) -> None:
        factors = r.factors
        _scribble(factors)
        factors.attrs["frequency"] = "monthly"
        rf = r.risk_free
        rf.iloc[:] = -1.0
        rf.name = "edited"
        rf.attrs["frequency"] = "monthly"
        _scribble(r.to_frame())

    _check_unchanged(res, readers, edit)
    require_daily(res)  # the stored frames still carry their daily frequency
    for name in ("factors", "risk_free"):
        with pytest.raises((FrozenInstanceError, AttributeError)):
            setattr(res, name, pd.DataFrame())


# --- report ---------------------------------------------------------------------------------------

_REPORT_FRAMES = (
    "summary_frame",
    "group_frame",
    "caar_frame",
    "tests_frame",
    "dropped",
    "differences_frame",
    "movers_frame",
)


def test_report_frames_edits_do_not_reach_the_result(market: Market, tmp_path: Path) -> None:
    res = build_report(
        market, events=["deepseek-r1"], symbols=["NVDA", "MSFT", "AVGO"], out_dir=tmp_path
    )
    assert not res.group_frame.empty and not res.summary_frame.empty
    readers: dict[str, Callable[[Any], Any]] = {
        "summary": lambda r: r.summary(),
        "repr": repr,
        "to_frame": lambda r: r.to_frame(),
    }
    readers.update({name: (lambda r, n=name: getattr(r, n)) for name in _REPORT_FRAMES})

    def edit(r: Any) -> None:
        for name in _REPORT_FRAMES:
            _scribble(getattr(r, name))
        _scribble(r.to_frame())

    _check_unchanged(res, readers, edit)
    for name in _REPORT_FRAMES:  # still frozen: a frame cannot be swapped either
        with pytest.raises((FrozenInstanceError, AttributeError)):
            setattr(res, name, pd.DataFrame())


# --- simulated panels -----------------------------------------------------------------------------

_PANEL_ARRAYS = (
    "returns", "market", "residuals", "alpha", "beta", "sigma", "event_index", "replication",
)


def test_simulated_panel_arrays_cannot_be_edited_in_place() -> None:
    design = SimulationDesign(n_events=6, estimation_length=30, replications=3)
    panel = generate_panel(design, 3, np.random.default_rng(5))
    readers = {
        "to_frames": lambda p: dict(enumerate(p.to_frames(design))),
        "sign_p_hat": lambda p: pd.Series(sign_p_hat(p, design)),
        **{name: (lambda p, n=name: pd.Series(getattr(p, n).ravel())) for name in _PANEL_ARRAYS},
    }

    def edit(p: Any) -> None:
        for name in _PANEL_ARRAYS:
            arr = getattr(p, name)
            with pytest.raises(ValueError, match="read-only"):
                arr[...] = 0
            with pytest.raises(ValueError, match="read-only"):
                arr.reshape(-1)[0] = 0  # a view of it is read-only too

    _check_unchanged(panel, readers, edit)


def test_simulated_panel_leaves_the_callers_arrays_writable() -> None:
    design = SimulationDesign(n_events=4, estimation_length=30, replications=2)
    panel = generate_panel(design, 2, np.random.default_rng(6))
    mine = panel.returns.copy()
    other = replace(panel, returns=mine)
    assert mine.flags.writeable  # the caller's array keeps its flag
    assert not other.returns.flags.writeable
    np.testing.assert_array_equal(other.returns, panel.returns)
