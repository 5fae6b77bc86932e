"""`abnormal` with suspended listings, and a partial `groups` mapping.

A session of a listing's calendar without a bar (a suspension) is a missing return for
`abnormal_returns` and `rerating abnormal`, as for `rerating study`: far from the windows it changes
nothing, in an event window it drops the event (ledger), in an estimation window that window has
the observations it has. Oracles: the same study on the complete bundled sample, and a market model
fitted by hand (numpy) on the sessions left. A `groups` mapping that leaves listings out puts them
in group 'other' (the engine's 'all' is every event of the study).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import exchange_calendars as xc
import numpy as np
import pandas as pd
import pytest

from rerating.cli import main
from rerating.cli.rerate import abnormal_cmd
from rerating.data.market import Market
from rerating.errors import GapError
from rerating.events.alignment import build_events
from rerating.events.catalog import load_catalog
from rerating.rerate.abnormal import abnormal_returns

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
XHKG = xc.get_calendar("XHKG")
DECEMBER = [str(d.date()) for d in XHKG.sessions_in_range("2024-12-02", "2024-12-13")]
R1_0528 = dict(event_windows=((0, 4),), estimation_window=(-60, -11))  # day 0 2025-05-29 in HK


def gap_folder(tmp_path: Path, missing: dict[str, list[str]]) -> Path:
    """The sample's 1810.HK, 0700.HK and ^HSI, without the rows of ``missing`` (file -> dates)."""
    folder = tmp_path / "bars"
    folder.mkdir()
    for name in ("1810.HK", "0700.HK", "HSI"):
        lines = (SAMPLE / f"{name}.csv").read_text().splitlines(keepends=True)
        drop = tuple(missing.get(name, ()))
        (folder / f"{name}.csv").write_text("".join(ln for ln in lines if not drop or not ln.startswith(drop)))
    return folder


def adj_returns(name: str) -> pd.Series:
    with (SAMPLE / f"{name}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    s = pd.Series([float(r["adj_close"]) for r in rows], index=pd.to_datetime([r["date"] for r in rows]))
    return s / s.shift(1) - 1


@pytest.fixture(scope="module")
def sample():
    return Market.from_sample()


# --- Bug 1: a gap anywhere in the stored history -------------------------------------------------


def test_a_suspension_far_from_the_windows_changes_nothing(tmp_path, sample):
    assert len(DECEMBER) == 10
    gapped = Market.from_files(gap_folder(tmp_path, {"1810.HK": DECEMBER}))
    res = abnormal_returns(gapped, ["1810.HK", "0700.HK"], "deepseek-r1-0528", **R1_0528)
    ref = abnormal_returns(sample, ["1810.HK", "0700.HK"], "deepseek-r1-0528", **R1_0528)
    pd.testing.assert_frame_equal(res.car, ref.car)
    pd.testing.assert_frame_equal(res.params, ref.params)
    assert res.dropped.empty


def test_a_suspension_in_the_event_window_drops_that_event_with_its_reason(tmp_path, sample):
    gapped = Market.from_files(gap_folder(tmp_path, {"1810.HK": ["2025-05-30"]}))
    res = abnormal_returns(gapped, ["1810.HK", "0700.HK"], "deepseek-r1-0528", **R1_0528)
    reasons = res.dropped.set_index("symbol")["reason"]
    assert reasons.to_dict() == {"1810.HK": "missing return in the event window: 2025-05-30 has none"}
    ref = abnormal_returns(sample, ["0700.HK"], "deepseek-r1-0528", **R1_0528)
    pd.testing.assert_series_equal(
        res.car.set_index("symbol").loc["0700.HK", ["car", "std_error", "bhar"]],
        ref.car.set_index("symbol").loc["0700.HK", ["car", "std_error", "bhar"]],
    )


@pytest.mark.parametrize("policy", [None, "multi_day"])  # None: the default, "drop"
def test_a_suspension_in_the_estimation_window_leaves_those_sessions_out_of_the_fit(tmp_path, policy):
    gapped = Market.from_files(gap_folder(tmp_path, {"1810.HK": ["2025-04-15"]}))
    given = {} if policy is None else {"gap_policy": policy}
    res = abnormal_returns(gapped, ["1810.HK"], "deepseek-r1-0528", **given, **R1_0528)
    # oracle: OLS of 1810.HK on ^HSI over sessions [-60, -11] of XHKG around day 0 = 2025-05-29,
    # without 2025-04-15 (no bar) and 2025-04-16 (its return would span two sessions)
    sess = XHKG.sessions_in_range("2024-06-01", "2025-06-30").tz_localize(None)
    d0 = sess.get_loc(pd.Timestamp("2025-05-29"))
    est = sess[d0 - 60 : d0 - 10].difference(pd.DatetimeIndex(["2025-04-15", "2025-04-16"]))
    r, m = adj_returns("1810.HK"), adj_returns("HSI")
    beta, alpha = np.polyfit(m[est].to_numpy(), r[est].to_numpy(), 1)
    params = res.params.iloc[0]
    assert params["n_obs"] == 48
    assert params["beta"] == pytest.approx(beta, rel=1e-9)
    assert params["alpha"] == pytest.approx(alpha, rel=1e-7, abs=1e-12)
    window = sess[d0 : d0 + 5]
    car = float((r[window] - (alpha + beta * m[window])).sum())
    assert res.car["car"].iloc[0] == pytest.approx(car, rel=1e-8)


@pytest.mark.parametrize("name", ["1810.HK", "HSI"])
def test_multi_day_returns_are_missing_returns_as_drop_reads_them(tmp_path, name):
    # a multi-session return of the listing or of its benchmark is not one session's return
    gapped = Market.from_files(gap_folder(tmp_path, {name: ["2025-04-15", "2025-04-16"]}))
    drop = abnormal_returns(gapped, ["1810.HK"], "deepseek-r1-0528", gap_policy="drop", **R1_0528)
    multi = abnormal_returns(gapped, ["1810.HK"], "deepseek-r1-0528", gap_policy="multi_day", **R1_0528)
    pd.testing.assert_frame_equal(multi.params, drop.params)
    pd.testing.assert_frame_equal(multi.car, drop.car)
    assert drop.params["n_obs"].iloc[0] == 47  # two sessions without a bar and the one after


def test_raise_names_the_gap_and_only_options_abnormal_returns_has(tmp_path):
    gapped = Market.from_files(gap_folder(tmp_path, {"1810.HK": DECEMBER}))
    with pytest.raises(GapError) as info:
        abnormal_returns(gapped, ["1810.HK", "0700.HK"], "deepseek-r1-0528", gap_policy="raise", **R1_0528)
    text = str(info.value)
    assert "1810.HK on 11 session(s) from 2024-12-02" in text  # ten without a bar, and the next
    assert "0700.HK" not in text and "gap_policy='drop'" in text
    assert "--" not in text  # no command-line option: this is the Python function


def _abnormal_options() -> set[str]:
    return {opt for p in abnormal_cmd.params for opt in p.opts if opt.startswith("--")}


def _load(capsys, home: Path, folder: Path) -> None:
    code = main(["--home", str(home), "load", "1810.HK", "0700.HK", "^HSI", "--from", "2024-06-01",
                 "--to", "2025-06-30", "--dir", str(folder)])
    err = capsys.readouterr().err
    assert code == 0, err


def _csv(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


ARGS = ["--event", "deepseek-r1-0528", "--sessions", "5", "--estimation", "-60:-11", "--format", "csv"]


def test_cli_abnormal_reads_a_store_with_a_suspension_as_study_does(tmp_path, capsys):
    home = tmp_path / "home"
    _load(capsys, home, gap_folder(tmp_path, {"1810.HK": DECEMBER}))
    code = main(["--home", str(home), "abnormal", "1810.HK", "0700.HK", *ARGS])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "--gap-policy" not in err
    assert main(["--sample", "abnormal", "1810.HK", "0700.HK", *ARGS]) == 0
    ref = capsys.readouterr().out
    assert _csv(out) == _csv(ref) and len(_csv(out)) == 2


def test_cli_abnormal_drops_a_listing_suspended_in_its_window_and_min_window_share_keeps_it(
    tmp_path, capsys
):
    home = tmp_path / "home"
    _load(capsys, home, gap_folder(tmp_path, {"1810.HK": ["2025-05-30"]}))
    code = main(["--home", str(home), "abnormal", "1810.HK", "0700.HK", *ARGS])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [r["symbol"] for r in _csv(out)] == ["0700.HK"]
    assert "dropped 1810.HK: missing return in the event window: 2025-05-30 has none" in err
    # 2025-05-30 and 2025-06-02 (its return would span two sessions) missing: 3 of 5 sessions
    code = main(["--home", str(home), "abnormal", "1810.HK", "0700.HK", *ARGS, "--min-window-share", "0.6"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert sorted(r["symbol"] for r in _csv(out)) == ["0700.HK", "1810.HK"]


def test_cli_abnormal_errors_name_only_options_the_command_has(tmp_path, capsys):
    home = tmp_path / "home"
    _load(capsys, home, gap_folder(tmp_path, {"1810.HK": ["2025-05-30"]}))
    code = main(["--home", str(home), "abnormal", "1810.HK", *ARGS])  # its only event dropped
    out, err = capsys.readouterr()
    assert code != 0 and out == ""
    named = set(re.findall(r"--[a-z][a-z-]*", err))
    assert named and named <= _abnormal_options(), named - _abnormal_options()


# --- Bug 2: a groups mapping that leaves listings out --------------------------------------------


def test_a_partial_groups_mapping_puts_the_rest_in_other(sample):
    kw = dict(estimation_window=(-100, -11), event_windows=((0, 0), (0, 4)))
    syms = ["NVDA", "MSFT", "9988.HK"]
    res = abnormal_returns(sample, syms, "deepseek-r1", groups={"NVDA": "us", "MSFT": "us"}, **kw)
    assert res.car.set_index("symbol")["group"].to_dict() == {"9988.HK": "other", "MSFT": "us", "NVDA": "us"}
    caar = res.caar.set_index(["group", "window"])["caar"]
    assert set(caar.index.get_level_values("group")) == {"all", "us", "other"}
    car = res.car.set_index(["symbol", "window"])["car"]
    for w in ("[0:0]", "[0:4]"):
        assert caar["us", w] == pytest.approx((car["NVDA", w] + car["MSFT", w]) / 2, rel=1e-12)
        assert caar["other", w] == pytest.approx(car["9988.HK", w], rel=1e-12)
        assert caar["all", w] == pytest.approx(sum(car[s, w] for s in syms) / 3, rel=1e-12)
    ungrouped = abnormal_returns(sample, syms, "deepseek-r1", **kw)
    pd.testing.assert_frame_equal(ungrouped.car.drop(columns="group"), res.car.drop(columns="group"))


def test_build_events_other_group_joins_a_group_named_other_and_an_empty_mapping_is_all(sample):
    cat = load_catalog(securities=sample.securities)
    frame = build_events("deepseek-r1", ["nvda", "9988.HK", "0700.HK"], cat, sample.securities,
                         groups={"NVDA": "us", "0700.hk": "other"})
    assert frame.set_index("symbol")["group"].to_dict() == {"NVDA": "us", "9988.HK": "other", "0700.HK": "other"}
    empty = build_events("deepseek-r1", ["NVDA", "9988.HK"], cat, sample.securities, groups={})
    assert set(empty["group"]) == {"all"}


STUDY = ["--sample", "study", "--event", "deepseek-r1", "--symbols", "9988.HK,0700.HK,NVDA,MSFT",
         "--group", "us=NVDA,MSFT", "--estimation", "-100:-11", "--window", "0:4", "--format", "csv"]


def test_cli_study_with_listings_in_no_group_puts_them_in_other_and_says_so(capsys):
    code = main(STUDY)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert {r["group"]: int(r["n"]) for r in _csv(out)} == {"all": 4, "other": 2, "us": 2}
    assert "note: 9988.HK, 0700.HK are in no --group: in group 'other'" in err
    assert main([*STUDY, "--compare", "other,us"]) == 0
    rows = _csv(capsys.readouterr().out)
    assert {(r["group_a"], r["group_b"], r["n_a"], r["n_b"]) for r in rows} == {("other", "us", "2", "2")}
