"""``rerating study`` on the bundled sample: exit codes, output formats, a bad-input case."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.cli import main

EVENTS = """event_id,symbol,timestamp,group
deepseek-r1,9988.HK,2025-01-20T08:00:00+08:00,china
deepseek-r1,0700.hk,2025-01-20T08:00:00+08:00,china
deepseek-r1,NVDA,2025-01-20T08:00:00+08:00,us
deepseek-r1,MSFT,2025-01-20T08:00:00+08:00,us
"""


@pytest.fixture()
def events_csv(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(EVENTS, encoding="utf-8")
    return path


def _study(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, pytest.CaptureResult[str]]:
    """Run ``rerating --sample study ARGV``; return the exit code and what it printed."""
    code = main(["--sample", "study", *argv])
    return code, capsys.readouterr()


def test_study_caar_json_on_the_sample(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _study(
        capsys, "--events", str(events_csv), *"--estimation -120:-11 --window 0:0 --window 5:20 --format json".split()
    )
    assert code == 0, out.err
    rows = json.loads(out.out)
    keys = {(r["group"], r["window"]) for r in rows}
    assert keys == {(g, w) for g in ("all", "china", "us") for w in ("[0:0]", "[5:20]")}
    china = next(r for r in rows if r["group"] == "china" and r["window"] == "[5:20]")
    assert china["n"] == 2 and china["caar"] > 0.1
    assert "overlap in calendar time" in out.err  # one event date for every listing


def test_study_tests_csv_with_one_benchmark(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = "--estimation -120:-11 --benchmark ^GSPC --tests bmp,adj_bmp,grank --what tests --format csv"
    code, out = _study(capsys, "--events", str(events_csv), *options.split())
    assert code == 0, out.err
    lines = out.out.strip().splitlines()
    assert lines[0] == "group,window,test,statistic,pvalue,n,valid_under_clustering"
    assert {ln.split(",")[2] for ln in lines[1:]} == {"bmp", "adj_bmp"}
    # 2 events left: grank over-rejects with so few (26% at a nominal 5% with 2), so it is not run
    assert "grank needs at least 10 events; group 'all' has 2: skipped" in out.err


def test_study_dropped_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ev.csv"
    path.write_text(
        "event_id,symbol,date\nearly,NVDA,2024-07-01\nok,NVDA,2025-01-27\n", encoding="utf-8"
    )
    code, out = _study(capsys, "--events", str(path), *"--estimation -120:-11 --what dropped --format csv".split())
    assert code == 0, out.err
    # the sample's ^GSPC starts 2024-08-19: NVDA's default benchmark is missing around the early event
    assert "early,NVDA,2024-07-01,missing benchmark data in the event window" in out.out
    assert "1 of 2 events dropped" in out.err


def test_study_listing_without_bars_loses_its_events_not_the_study(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 688256.SS (Cambricon) is in the security master but not in the sample's bars
    path = tmp_path / "ev.csv"
    path.write_text(
        "event_id,symbol,date\nr1,9988.HK,2025-01-20\nr1,0700.HK,2025-01-20\nr1,688256.SS,2025-01-20\n",
        encoding="utf-8",
    )
    code, out = _study(capsys, "--events", str(path), *"--estimation -100:-11 --what car --format csv".split())
    assert code == 0, out.err
    car = pd.read_csv(io.StringIO(out.out))
    assert set(car["symbol"]) == {"9988.HK", "0700.HK"}
    assert set(car["day0"]) == {"2025-01-20"}
    assert "no bars for 688256.SS" in out.err and "rerating load" in out.err
    code, out = _study(capsys, "--events", str(path), *"--estimation -100:-11 --what dropped --format csv".split())
    assert "r1,688256.SS,2025-01-20,symbol has no returns in the data" in out.out
    # with no listing left the error names what the sample holds
    path.write_text("event_id,symbol,date\nr1,688256.SS,2025-01-20\n", encoding="utf-8")
    code, out = _study(capsys, "--events", str(path), "--estimation", "-100:-11")
    assert code != 0
    assert "no bars for 688256.SS" in out.err and "the sample holds" in out.err
    assert "use --sample" not in out.err


def test_study_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "--help"]) == 0
    assert "rerating --sample study --events" in capsys.readouterr().out


def test_study_bad_window_is_a_one_line_error(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _study(capsys, "--events", str(events_csv), "--window", "0-5")
    assert code != 0
    assert "START:END" in out.err and "Traceback" not in out.err


def test_study_overlapping_windows_error(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _study(capsys, "--events", str(events_csv), "--estimation", "-120:0")
    assert code == 2
    assert (
        out.err.startswith("error: estimation_window (-120, 0) overlaps")
        and len(out.err.strip().splitlines()) == 1
    )


def test_study_events_file_without_symbol_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,ticker,date\n1,NVDA,2025-01-27\n", encoding="utf-8")
    code, out = _study(capsys, "--events", str(path))
    assert code == 2 and "no 'symbol' column" in out.err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("event_id,symbol,date\n", "has a header but no events"),
        ("event_id;symbol;date\ne1;NVDA;2025-01-27\n", "needs comma-separated columns"),
        ("", "the file is empty; expected a header row event_id,symbol,date"),
    ],
)
def test_study_events_file_errors_name_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "ev.csv"
    path.write_text(text, encoding="utf-8")
    code, out = _study(capsys, "--events", str(path))
    assert code == 2 and message in out.err and out.err.count("\n") == 1


def test_study_summary_text(events_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    options = "--estimation -120:-11 --model market_adjusted --what summary"
    code, out = _study(capsys, "--events", str(events_csv), *options.split())
    assert code == 0
    assert out.out.startswith("Event study") and "market_adjusted" in out.out and "grank" in out.out


def test_study_summary_as_json_and_not_as_parquet(
    events_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = "--estimation -120:-11 --what summary --format json"
    code, out = _study(capsys, "--events", str(events_csv), *options.split())
    assert code == 0, out.err
    doc = json.loads(out.out)
    assert doc["header"]["Events used"] == "4 of 4"
    assert {(r["group"], r["window"]) for r in doc["caar"]} >= {("china", "[0:0]"), ("us", "[0:0]")}
    assert {r["test"] for r in doc["tests"]} >= {"adj_bmp", "corrado"}
    assert "grank" not in {r["test"] for r in doc["tests"]}  # 4 events: fewer than it needs
    assert doc["differences"][0]["group_a"] == "china"
    assert any("overlap in calendar time" in w for w in doc["warnings"])
    # one Parquet file holds one table: refused, not written as text under a .parquet name
    target = tmp_path / "s.parquet"
    code, out = _study(
        capsys, "--events", str(events_csv), *"--what summary --format parquet -o".split(), str(target)
    )
    assert code == 2 and "several tables" in out.err and not target.exists()


def test_two_catalog_events_on_one_day_count_each_listing_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # DeepSeek-R1 and Kimi k1.5 came out on the same day: the same listings' ARs, counted once
    base = "--symbols 9988.HK,0700.HK,BABA --estimation -100:-11 --window 0:0 --what tests --format csv"
    code, one = _study(capsys, "--event", "deepseek-r1", *base.split())
    assert code == 0, one.err
    code, both = _study(capsys, "--event", "deepseek-r1", "--event", "kimi-k1-5", *base.split())
    assert code == 0, both.err
    assert both.out == one.out  # n = 3, not 6, and the same p-values
    assert "3 x repeated listing and day 0" in both.err


# --- models that need more than the store: factors, risk-free, a lagged foreign market ----------


def _sample_returns(symbols: list[str]) -> pd.DataFrame:
    """date x symbol returns of the bundled sample, each on its own sessions (the CLI's input)."""
    from rerating.data.market import Market

    frame = Market.open(sample=True).returns(symbols, gap_policy="drop").frame
    return frame.pivot(index="date", columns="symbol", values="ret")


def _french_file(path: Path, dates: pd.DatetimeIndex, values: dict[str, np.ndarray]) -> Path:
    """A factor file in the layout of Kenneth French's library: preamble, YYYYMMDD, percent."""
    lines = ["Factors made up for a test", "", "," + ",".join(values)]
    for i, d in enumerate(dates):
        lines.append(d.strftime("%Y%m%d") + "," + ",".join(f"{v[i] * 100:.6f}" for v in values.values()))
    lines += ["", "Copyright nobody"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _frame(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str) -> pd.DataFrame:
    """``--what WHAT`` of ``rerating --sample study``, through Parquet so numbers keep full precision."""
    out_file = tmp_path / f"{what}.parquet"
    code = main(["--sample", "study", *argv, "--what", what, "--format", "parquet", "-o", str(out_file)])
    assert code == 0, capsys.readouterr().err
    return pd.read_parquet(out_file)


def _params(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return _frame(argv, tmp_path, capsys, "params").to_dict("records")


def _nvda_estimation_returns() -> pd.Series:
    """NVDA's returns over sessions -100..-11 of its 2025-01-27 event (the oracle's sample)."""
    sessions = _sample_returns(["NVDA"])["NVDA"].dropna()
    day0 = sessions.index.get_loc(pd.Timestamp("2025-01-27"))
    return sessions.iloc[day0 - 100 : day0 - 10]


def test_study_factor_model_from_a_french_file_matches_statsmodels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import statsmodels.api as sm

    nvda = _sample_returns(["NVDA", "^GSPC"]).dropna()
    rng = np.random.default_rng(7)
    n = len(nvda)
    factors = {
        "Mkt-RF": nvda["^GSPC"].to_numpy() - 0.0002,
        "SMB": rng.normal(0.0, 0.005, n),
        "HML": rng.normal(0.0, 0.004, n),
        "RF": np.full(n, 0.0002),
    }
    path = _french_file(tmp_path / "ff.csv", pd.DatetimeIndex(nvda.index), factors)
    events = tmp_path / "ev.csv"
    events.write_text("event_id,symbol,date\ne1,NVDA,2025-01-27\n", encoding="utf-8")
    rows = _params(
        ["--events", str(events), "--estimation", "-100:-11", "--model", "factor",
         "--factors", str(path), "--factor-units", "percent", "--risk-free", "RF"],
        tmp_path,
        capsys,
    )
    # oracle: statsmodels OLS of the excess return on the three factors over sessions -100..-11,
    # the factor values rounded as the file holds them
    est = _nvda_estimation_returns()
    f = pd.DataFrame({k: np.round(v * 100, 6) / 100 for k, v in factors.items()}, index=nvda.index)
    f = f.reindex(est.index)
    ok = f.notna().all(axis=1)
    fit = sm.OLS((est - f["RF"])[ok], sm.add_constant(f.loc[ok, ["Mkt-RF", "SMB", "HML"]])).fit()
    (row,) = rows
    assert row["n_obs"] == int(ok.sum()) == 90
    assert row["alpha"] == pytest.approx(fit.params["const"], abs=1e-12)
    for name in ("Mkt-RF", "SMB", "HML"):
        assert row[f"beta_{name}"] == pytest.approx(fit.params[name], abs=1e-10)
    assert row["sigma"] == pytest.approx(np.sqrt(fit.scale), rel=1e-10)


def test_study_carhart_from_two_files_equals_one_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nvda = _sample_returns(["NVDA", "^GSPC"]).dropna()
    rng = np.random.default_rng(11)
    n = len(nvda)
    three = {"Mkt-RF": nvda["^GSPC"].to_numpy(), "SMB": rng.normal(0, 0.005, n), "HML": rng.normal(0, 0.004, n)}
    mom = {"Mom": rng.normal(0, 0.006, n)}
    dates = pd.DatetimeIndex(nvda.index)
    events = tmp_path / "ev.csv"
    events.write_text("event_id,symbol,date\ne1,NVDA,2025-01-27\n", encoding="utf-8")
    base = ["--events", str(events), "--estimation", "-100:-11", "--model", "factor", "--factor-units", "percent"]
    (two,) = _params(
        [*base, "--factors", str(_french_file(tmp_path / "ff3.csv", dates, three)),
         "--factors", str(_french_file(tmp_path / "mom.csv", dates, mom))],
        tmp_path,
        capsys,
    )
    (one,) = _params(
        [*base, "--factors", str(_french_file(tmp_path / "ff4.csv", dates, {**three, **mom}))],
        tmp_path,
        capsys,
    )
    assert two == one
    assert {"beta_Mkt-RF", "beta_SMB", "beta_HML", "beta_Mom"} <= set(two)


def test_study_capm_needs_the_risk_free_column_and_matches_statsmodels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import statsmodels.api as sm

    both = _sample_returns(["NVDA", "^GSPC"]).dropna()
    rf = 0.00015
    path = tmp_path / "rf.csv"
    pd.DataFrame({"date": both.index.strftime("%Y-%m-%d"), "RF": rf}).to_csv(path, index=False)
    events = tmp_path / "ev.csv"
    events.write_text("event_id,symbol,date\ne1,NVDA,2025-01-27\n", encoding="utf-8")
    base = ["--events", str(events), "--estimation", "-100:-11", "--model", "capm", "--factors", str(path)]
    code, out = _study(capsys, *base)
    assert code == 2 and "--risk-free" in out.err
    (row,) = _params([*base, "--risk-free", "RF", "--benchmark", "^GSPC"], tmp_path, capsys)
    est = _nvda_estimation_returns()
    m = both["^GSPC"].reindex(est.index)
    ok = m.notna()
    fit = sm.OLS((est - rf)[ok], sm.add_constant(m[ok] - rf)).fit()
    assert row["alpha"] == pytest.approx(fit.params["const"], abs=1e-12)
    assert row["beta"] == pytest.approx(fit.params["^GSPC"], abs=1e-10)


def test_study_foreign_lag_and_dimson_options_reach_the_model(
    tmp_path: Path, events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rerating.study import EventStudy
    from rerating.study.models import MarketModel

    rows = _params(
        ["--events", str(events_csv), "--estimation", "-120:-11", "--foreign", "^gspc:1"],
        tmp_path,
        capsys,
    )
    by_symbol = {r["symbol"]: r for r in rows}
    assert set(by_symbol) == {"9988.HK", "0700.HK", "NVDA", "MSFT"}
    # the same study through the library API
    syms = ["9988.HK", "0700.HK", "^HSI", "^GSPC"]
    wide = _sample_returns(syms)
    long = wide[["9988.HK", "0700.HK"]].stack().rename("ret").reset_index()
    res = EventStudy(
        long,
        pd.read_csv(events_csv).query("group == 'china'").assign(symbol=lambda d: d["symbol"].str.upper()),
        market_returns=wide[["^HSI", "^GSPC"]],
        benchmarks="^HSI",
        model=MarketModel(foreign_lag=("^GSPC", 1)),
        estimation_window=(-120, -11),
        calendars={"9988.HK": "XHKG", "0700.HK": "XHKG", "^HSI": "XHKG", "^GSPC": "XNYS"},
    ).fit()
    for _, p in res.params.iterrows():
        got = by_symbol[p["symbol"]]
        assert got["beta_foreign_^GSPC_lag1"] == pytest.approx(p["beta_foreign_^GSPC_lag1"], abs=1e-12)
        assert got["beta"] == pytest.approx(p["beta"], abs=1e-12)
    rows = _params(
        ["--events", str(events_csv), "--estimation", "-120:-11", "--model", "dimson",
         "--lags", "2", "--leads", "0"],
        tmp_path,
        capsys,
    )
    assert {"beta_lag2", "beta_lag1", "beta_0"} <= set(rows[0]) and "beta_lead1" not in rows[0]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "factor"], "--model factor needs --factors FILE"),
        (["--model", "capm"], "--model capm needs --factors FILE --risk-free COLUMN"),
        (["--risk-free", "RF"], "read columns of --factors FILE"),
        (["--lags", "2"], "--lags/--leads apply to --model dimson only"),
        (["--model", "mean_adjusted", "--foreign", "^GSPC:1"], "takes no foreign regressor"),
        (["--foreign", "^GSPC"], "is not SYMBOL:LAG"),
        (["--foreign", "^GSPC:0"], "is not SYMBOL:LAG"),
        (["--model", "dimson", "--lags", "11"], "Dimson lags must be an integer 0..10"),
    ],
)
def test_study_model_option_errors_are_one_line(
    events_csv: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out = _study(capsys, "--events", str(events_csv), *extra)
    assert code == 2, out.err
    assert message in out.err and "Traceback" not in out.err


def test_study_factors_with_a_model_that_ignores_them_is_refused(
    tmp_path: Path, events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "f.csv"
    path.write_text("date,A\n2025-01-02,0.001\n", encoding="utf-8")
    code, out = _study(capsys, "--events", str(events_csv), "--factors", str(path))
    assert code == 2
    assert "--factors is used by --model capm or factor, not market" in out.err


# --- events from the catalog -------------------------------------------------------------------


def test_study_catalog_event_with_groups_equals_the_same_events_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--estimation", "-120:-11", "--window", "0:4"]
    by_catalog = _frame(
        ["--event", "deepseek-r1", "--group", "china=9988.hk,0700.HK", "--group", "us=NVDA,msft", *common],
        tmp_path,
        capsys,
        "car",
    )
    # the same study written out by hand: the catalog's date (Beijing, hour unknown) is 2025-01-20,
    # a Hong Kong session; New York was shut (MLK day), so its day 0 is 2025-01-21
    events = tmp_path / "ev.csv"
    events.write_text(
        "event_id,symbol,date,group\n"
        "deepseek-r1,9988.HK,2025-01-21,china\ndeepseek-r1,0700.HK,2025-01-21,china\n"
        "deepseek-r1,NVDA,2025-01-21,us\ndeepseek-r1,MSFT,2025-01-21,us\n",
        encoding="utf-8",
    )
    by_file = _frame(["--events", str(events), *common], tmp_path, capsys, "car")
    key = ["symbol", "window"]
    pd.testing.assert_frame_equal(
        by_catalog.sort_values(key).reset_index(drop=True), by_file.sort_values(key).reset_index(drop=True)
    )
    assert dict(zip(by_catalog["symbol"], by_catalog["group"], strict=True)) == {
        "9988.HK": "china", "0700.HK": "china", "NVDA": "us", "MSFT": "us"
    }


def test_study_catalog_event_takes_its_stock_listings_and_a_user_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    car = _frame(["--event", "deepseek-r1", "--estimation", "-120:-11"], tmp_path, capsys, "car")
    assert "^SOX" not in set(car["symbol"]) and "HSTECH" not in set(car["symbol"])  # context indices
    assert {"NVDA", "9988.HK", "0700.HK"} <= set(car["symbol"])
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "id,title_en,date,tz,kind,sources,symbols\n"
        "my-event,Mine,2025-01-28,Asia/Shanghai,product,https://example.org,9988.HK\n",
        encoding="utf-8",
    )
    car = _frame(
        ["--event", "my-event", "--catalog", str(mine), "--estimation", "-120:-11", "--tests", "none"],
        tmp_path,
        capsys,
        "car",
    )
    assert list(car["symbol"].unique()) == ["9988.HK"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--event", "deepseek-r1", "--events", "EVENTS"], "either --events FILE or catalog events"),
        (["--kind", "model_release", "--events", "EVENTS"], "either --events FILE or catalog events"),
        ([], "give the events: --events FILE, --event ID"),
        (["--kind", "model-release"], "no catalog event has kind model-release; kinds: earnings"),
        (["--from", "2025-02-30"], "'2025-02-30' is not a date"),
        (["--kind", "earnings", "--from", "2030-01-01"], "no catalog event matches --kind earnings"),
        (["--kind", "market", "--to", "2024-12-31"], "no catalog event matches"),
        (["--events", "EVENTS", "--symbols", "NVDA"], "go with --event, not --events"),
        (["--event", "deepseek-r1", "--group", "china"], "is not NAME=SYM,SYM"),
        (["--event", "deepseek-r1", "--group", "a=NVDA", "--group", "b=NVDA"], "NVDA is in two groups"),
        (["--event", "deepseek-r1", "--symbols", "^SOX,NVDA"], "^SOX has no default benchmark"),
        (["--event", "deepseek-r3"], "did you mean"),
    ],
)
def test_study_event_option_errors_are_one_line(
    events_csv: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    argv = [str(events_csv) if a == "EVENTS" else a for a in argv]
    code, out = _study(capsys, *argv)
    assert code == 2, out.err
    assert message in out.err and "Traceback" not in out.err and out.err.count("\n") == 1


def test_study_catalog_events_by_kind_and_date_equal_the_same_events_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the model releases of 2025-01-26..2025-01-29 in the bundled catalog, in date order
    named = ["qwen2-5-1m", "qwen2-5-vl", "janus-pro", "qwen2-5-max"]
    common = ["--symbols", "9988.HK,NVDA", "--estimation", "-100:-11", "--window", "0:1"]
    by_kind = _frame(
        ["--kind", "model_release", "--from", "2025-01-26", "--to", "2025-01-29", *common],
        tmp_path,
        capsys,
        "car",
    )
    by_ids = _frame([a for e in named for a in ("--event", e)] + common, tmp_path, capsys, "car")
    pd.testing.assert_frame_equal(by_kind, by_ids)
    # both Qwen releases of 2025-01-26 share each listing's day 0: the listing counts once there
    assert sorted(set(by_kind["event_id"])) == ["janus-pro", "qwen2-5-1m", "qwen2-5-max"]
    # --event adds to the selection; an event named and selected counts once
    both = _frame(
        ["--event", "deepseek-r1", "--kind", "model_release", "--from", "2025-01-26", "--to",
         "2025-01-29", *common],
        tmp_path,
        capsys,
        "car",
    )
    assert sorted(set(both["event_id"])) == ["deepseek-r1", "janus-pro", "qwen2-5-1m", "qwen2-5-max"]


def test_study_selected_catalog_events_naming_only_indices_are_left_out_with_a_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # doubao-1-5-pro (2025-01-22) names only HSTECH; deepseek-r1 and kimi-k1-5 name stocks
    code, out = _study(
        capsys, *"--kind model_release --from 2025-01-20 --to 2025-01-22 --estimation -100:-11 "
        "--what car --format csv".split()
    )
    assert code == 0, out.err
    assert "left out (doubao-1-5-pro)" in out.err
    car = pd.read_csv(io.StringIO(out.out))
    assert set(car["event_id"]) <= {"deepseek-r1", "kimi-k1-5"} and "HSTECH" not in set(car["symbol"])
    # named explicitly, the same event is an error: the user asked for it
    code, out = _study(capsys, "--event", "doubao-1-5-pro")
    assert code == 2 and "names no stock listing; pass --symbols" in out.err


def test_study_summary_as_an_html_page(
    events_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "study.html"
    code, printed = _study(
        capsys, "--events", str(events_csv), *"--estimation -120:-11 --what summary -o".split(), str(out)
    )
    assert code == 0, printed.err
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<h5>CAAR</h5>" in page and "adj_bmp" in page and "overlap in calendar time" in page


def test_study_factor_gap_on_a_us_holiday_is_a_ledger_entry(
    events_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # US-dated factors have no 2025-01-20 (Martin Luther King Jr. Day), which is day 0 in Hong Kong
    us = _sample_returns(["^GSPC"])["^GSPC"].dropna()
    path = _french_file(tmp_path / "ff.csv", pd.DatetimeIndex(us.index), {"Mkt-RF": us.to_numpy()})
    dropped = _frame(
        ["--events", str(events_csv), "--estimation", "-100:-11", "--window", "0:0", "--model", "factor",
         "--factors", str(path), "--factor-units", "percent"],
        tmp_path,
        capsys,
        "dropped",
    )
    hk = dropped[dropped["symbol"].isin(["9988.HK", "0700.HK"])]
    assert len(hk) == 2
    assert set(hk["reason"]) == {
        "missing factor data in the event window: factor Mkt-RF return on 2025-01-20"
    }


def test_study_aar_path_agrees_with_the_ar_and_caar_tables(
    events_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--events", str(events_csv), "--estimation", "-100:-11", "--window", "-2:4"]
    path = _frame(argv, tmp_path, capsys, "aar")
    ar = _frame(argv, tmp_path, capsys, "ar")
    caar = _frame(argv, tmp_path, capsys, "caar")
    assert list(path["group"].unique()) == ["all", "china", "us"]
    for group, rows in path.groupby("group"):
        members = ar if group == "all" else ar[ar["group"] == group]
        by_day = members.groupby("event_time")["ar"].mean()
        assert list(rows["event_time"]) == list(range(-2, 5))
        assert rows["aar"].to_numpy() == pytest.approx(by_day.to_numpy(), abs=1e-15)
        assert rows["caar"].to_numpy() == pytest.approx(np.cumsum(by_day.to_numpy()), abs=1e-15)
        headline = caar[(caar["group"] == group) & (caar["window"] == "[-2:4]")]
        # the path's last day is the window's CAAR, and its band uses the same standard error
        assert rows["caar"].iloc[-1] == pytest.approx(headline["caar"].iloc[0], abs=1e-15)
        assert rows["std_error"].iloc[-1] == pytest.approx(headline["std_error"].iloc[0], rel=1e-12)


# --- two groups compared ----------------------------------------------------------------------


def test_cli_compare_json_agrees_with_the_caar_table(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--events", str(events_csv), *"--estimation -120:-11 --window 0:0 --window 0:4".split()]
    code, out = _study(capsys, *base, "--compare", "us,china", "--format", "json")
    assert code == 0, out.err
    rows = json.loads(out.out)
    assert [(r["window"], r["test"]) for r in rows] == [
        (w, t) for w in ("[0:0]", "[0:4]") for t in ("cda_difference", "adj_bmp_difference", "welch_t")
    ]
    code, out = _study(capsys, *base, "--format", "json")
    caar = {(r["group"], r["window"]): r["caar"] for r in json.loads(out.out)}
    for r in rows:
        assert (r["group_a"], r["group_b"], r["n_a"], r["n_b"]) == ("us", "china", 2, 2)
        # 08:00 in Hong Kong on Monday 20 January: Hong Kong reacts that day, New York (shut for
        # Martin Luther King Day) on Tuesday; the CDA lines the groups up in event time
        assert (r["day0_a"], r["day0_b"]) == ("2025-01-21", "2025-01-20")
        assert r["difference"] == pytest.approx(caar[("us", r["window"])] - caar[("china", r["window"])])
        if r["test"] == "adj_bmp_difference":  # a test on standardised CARs: no CAAR interval
            assert r["std_error"] is None and r["conf_low"] is None and 0 < r["pvalue"] < 1
        else:
            assert r["conf_low"] < r["difference"] < r["conf_high"]
    # --what compare alone compares the two groups (alphabetical order: china - us)
    code, out = _study(capsys, *base, "--what", "compare", "--format", "json")
    assert code == 0, out.err
    alone = json.loads(out.out)
    assert alone[0]["group_a"] == "china" and alone[0]["difference"] == pytest.approx(-rows[0]["difference"])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--compare", "china"], "is not two group names A,B"),
        (["--compare", "china,eu"], "cannot compare group 'eu'; groups: ['china', 'us']"),
        (["--compare", "china,us", "--what", "tests"], "leave out --what tests"),
    ],
)
def test_cli_compare_errors_are_one_line(
    events_csv: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out = _study(capsys, "--events", str(events_csv), "--estimation", "-120:-11", *extra)
    assert code == 2, out.err
    errors = [ln for ln in out.err.splitlines() if not ln.startswith("note:")]
    assert len(errors) == 1 and message in errors[0]


def test_cli_what_compare_needs_a_pair_with_three_groups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ev.csv"
    path.write_text(EVENTS + "r1,1810.HK,2025-01-20T08:00:00+08:00,xiaomi\n", encoding="utf-8")
    code, out = _study(capsys, "--events", str(path), "--estimation", "-120:-11", "--what", "compare")
    assert code == 2
    assert "--what compare needs --compare A,B when the study has 3 groups (china, us, xiaomi)" in out.err


def test_study_lead_lag_option_reaches_the_engine(capsys: pytest.CaptureFixture[str]) -> None:
    """Hong Kong and New York listings in one group: r̄ over [0:4] counts their correlation one
    session apart, unless --lead-lag none; the one-market group is the same either way."""
    base = (
        "--event deepseek-r1 --group china=9988.HK,0700.HK,9888.HK,BABA,BIDU --group us=NVDA,MSFT "
        "--estimation -100:-11 --window 0:0 --window 0:4 --format csv"
    ).split()
    frames = {}
    for policy in ("markets", "none"):
        for what in ("clustering", "tests"):
            code, out = _study(capsys, *base, "--what", what, "--lead-lag", policy)
            assert code == 0, out.err
            frames[policy, what] = pd.read_csv(io.StringIO(out.out)).set_index(["group", "window"])
    on, off = frames["markets", "clustering"], frames["none", "clustering"]
    assert on.loc[("china", "[0:4]"), "rbar"] > on.loc[("china", "[0:4]"), "rbar_same_date"] + 0.02
    assert off.loc[("china", "[0:4]"), "rbar"] == pytest.approx(on.loc[("china", "[0:4]"), "rbar_same_date"])
    assert on.loc[("us", "[0:4]"), "rbar"] == off.loc[("us", "[0:4]"), "rbar"]
    assert (off["rbar"] == off["rbar_same_date"]).all()
    cda = {p: frames[p, "tests"].query("test == 'brown_warner_cda'")["statistic"] for p in ("markets", "none")}
    assert cda["markets"].loc[("china", "[0:4]")] != pytest.approx(cda["none"].loc[("china", "[0:4]")])
    assert cda["markets"].loc[("us", "[0:4]")] == cda["none"].loc[("us", "[0:4]")]
    assert cda["markets"].loc[("china", "[0:0]")] == cda["none"].loc[("china", "[0:0]")]  # one day
    code, out = _study(capsys, *base, "--lead-lag", "both")
    assert code == 2 and "'both' is not one of 'markets', 'all', 'none'" in out.err


STUDY_3 = ["--sample", "study", "--event", "deepseek-r1", "--symbols", "9988.HK,0700.HK,BABA",
           "--estimation", "-100:-11", "--window", "0:0"]  # fmt: skip


def test_summary_to_a_json_file_is_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.json"
    assert main([*STUDY_3, "--what", "summary", "-o", str(path)]) == 0
    got = json.loads(path.read_text(encoding="utf-8"))
    assert got["header"]["Events used"] == "3 of 3" and got["caar"][0]["group"] == "all"
    code = main([*STUDY_3, "--what", "summary", "-o", str(tmp_path / "s.parquet")])
    assert code != 0 and "for a Parquet table use --what caar" in capsys.readouterr().err


def test_no_movers_still_has_the_documented_columns(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--sample", "study", "--event", "deepseek-r1", "--symbols", "9988.HK,0700.HK",
            "--estimation", "-100:-11", "--window", "0:0", "--what", "movers", "--format", "csv"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["event_id,symbol,group,day0,window,car,std_error,tstat,pvalue,qvalue,other_events"]


def test_study_factor_model_refuses_a_french_rf_column_left_as_a_factor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nvda = _sample_returns(["NVDA", "^GSPC"]).dropna()
    rng = np.random.default_rng(5)
    n = len(nvda)
    factors = {
        "Mkt-RF": nvda["^GSPC"].to_numpy(),
        "SMB": rng.normal(0.0, 0.005, n),
        "RF": rng.uniform(0.0001, 0.0003, n),  # varies: the design would not even be singular
    }
    path = _french_file(tmp_path / "ff.csv", pd.DatetimeIndex(nvda.index), factors)
    events = tmp_path / "ev.csv"
    events.write_text("event_id,symbol,date\ne1,NVDA,2025-01-27\n", encoding="utf-8")
    base = ["--events", str(events), "--estimation", "-100:-11", "--model", "factor",
            "--factors", str(path), "--factor-units", "percent"]
    code, out = _study(capsys, *base)
    assert code == 2
    assert "--risk-free RF" in out.err and "--factor-columns Mkt-RF,SMB" in out.err
    # either way out is taken: RF as the risk-free rate, or the factors named by hand
    (rf,) = _params([*base, "--risk-free", "RF"], tmp_path, capsys)
    (named,) = _params([*base, "--factor-columns", "Mkt-RF,SMB"], tmp_path, capsys)
    assert "beta_RF" not in rf and "beta_RF" not in named
    assert rf["alpha"] != named["alpha"]  # excess returns, against raw ones


def test_study_refuses_duplicate_events_before_reading_the_returns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rerating.data.market import Market

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("the returns were read before the events were checked")

    monkeypatch.setattr(Market, "returns", unread)
    events = tmp_path / "ev.csv"
    events.write_text("event_id,symbol,date\ne1,NVDA,2025-01-27\ne1,nvda,2025-01-27\n")
    code, out = _study(capsys, "--events", str(events), "--estimation", "-100:-11")
    assert code == 2 and "Traceback" not in out.err
    assert "duplicate" in out.err.lower() and "(e1, NVDA)" in out.err
