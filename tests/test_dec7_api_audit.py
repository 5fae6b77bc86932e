"""Audit of the public study API (Dec 7): results read-only through ``rbar_between``, the
``simulate`` docstring example, and clear errors for bad simulation options (library and CLI).

Oracles: the read-only contract of :class:`EventStudyResults` (its docstring), the numbers the
``simulate`` docstring prints (run here as a doctest), and the documented error contract (the
argument's name, the value received and the way out; STYLE.md habit 4, CLI habit 15).
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from rerating import EventStudy, simulate
from rerating.cli import main
from rerating.errors import SimulationDesignError
from rerating.study import simulate as simulate_module


def _two_group_study() -> EventStudy:
    """Twelve listings on one date, groups A and B, a market model on synthetic returns."""
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2023-01-02", periods=200)
    market = rng.normal(0.0004, 0.01, dates.size)
    symbols = [f"S{i:02d}" for i in range(12)]
    returns = pd.DataFrame(
        {s: rng.uniform(0.5, 1.5) * market + rng.normal(0, 0.02, dates.size) for s in symbols},
        index=dates,
    )
    events = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(12)],
            "symbol": symbols,
            "date": dates[150],
            "group": ["A"] * 6 + ["B"] * 6,
        }
    )
    return EventStudy(
        returns,
        events,
        market_returns=pd.DataFrame({"MKT": market}, index=dates),
        estimation_window=(-120, -11),
        event_windows=[(0, 0), (0, 4)],
    )


def test_rbar_between_cannot_be_edited_to_change_compare() -> None:
    res = _two_group_study().fit()
    before = res.compare("A", "B")
    between = res.rbar_between["A", "B"]
    with pytest.raises(TypeError):
        between["effective"][0] = 0.99  # was a list: the edit reached later compare() calls
    with pytest.raises(TypeError):
        between["rbar"] = 0.99
    pd.testing.assert_frame_equal(res.compare("A", "B"), before)
    assert res.rbar_between["A", "B"]["effective"][1] == before["rbar_between"].iloc[3]


def test_simulate_docstring_example_prints_what_it_computes() -> None:
    finder = doctest.DocTestFinder()
    (test,) = [t for t in finder.find(simulate_module.simulate) if t.examples]
    assert all(doctest.SKIP not in ex.options for ex in test.examples)  # it runs, not skipped
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test, out=lambda _: None)
    assert result.attempted >= 2 and result.failed == 0


@pytest.mark.parametrize("seed", [-1, 1.7, "1", True])
def test_simulate_refuses_a_seed_that_is_not_a_whole_number(seed: object) -> None:
    with pytest.raises(SimulationDesignError, match=r"seed=.* is invalid: an integer >= 0"):
        simulate(n_events=5, replications=2, seed=seed)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [("n_events", 20.0, "pass n_events=20"), ("estimation_length", 250.0, "estimation_length=250"),
     ("gap", 10.0, "pass gap=10"), ("date_spread", 99.5, "a whole number as date_spread")],
)
def test_simulate_counts_given_as_floats_are_named_as_such(
    name: str, value: float, hint: str
) -> None:
    # before: "n_events=20.0 is invalid: need at least 2 events", "gap=10.0 ... >= 0"
    with pytest.raises(SimulationDesignError, match="a whole number") as info:
        simulate(**{"replications": 2, "seed": 1, name: value})  # type: ignore[arg-type]
    assert hint in str(info.value)


@pytest.mark.parametrize("tests", ["none", "", " , "])
def test_simulate_refuses_a_run_without_tests(tests: str) -> None:
    # before: an empty rate table and no error
    with pytest.raises(SimulationDesignError, match="tests="):
        simulate(n_events=5, replications=2, seed=1, tests=tests)


def test_simulate_window_given_as_text_is_named_as_given() -> None:
    with pytest.raises(SimulationDesignError, match=r"event_window='0:0' is invalid"):
        simulate(event_window="0:0", replications=2, seed=1)  # type: ignore[arg-type]


def test_rate_of_an_unknown_window_names_the_windows() -> None:
    res = simulate(n_events=5, replications=3, seed=1, event_window=(-1, 1), tests="bmp")
    assert res.rate("bmp", window="[-1:1]") == res.rate("bmp")
    with pytest.raises(SimulationDesignError, match=r"windows: \[-1:1\]"):
        res.rate("bmp", window="[0:0]")


def test_cli_bad_seed_is_one_line_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", "--n", "5", "--reps", "2", "--seed", "-1"])  # was a traceback
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: seed=-1") and "--seed" in err


@pytest.mark.parametrize(
    ("argv", "option"),
    [(["--reps", "0"], "--reps"), (["--n", "1"], "--n"), (["--window", "1:0"], "--window"),
     (["--tests", "none"], "--tests"), (["--rho", "1.5"], "--rho")],
)
def test_cli_design_errors_name_the_option_typed(
    capsys: pytest.CaptureFixture[str], argv: list[str], option: str
) -> None:
    code = main(["simulate", "--n", "5", "--reps", "2", "--seed", "1", *argv])
    _, err = capsys.readouterr()
    assert code == 2 and f"(on the command line: {option})" in err


def test_cli_notes_a_variance_multiplier_the_scenario_ignores(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["simulate", "--n", "5", "--reps", "2", "--seed", "1", "--variance", "3"])
    _, err = capsys.readouterr()
    assert code == 0 and "--variance has no effect in the independent scenario" in err
    main(["simulate", "--n", "5", "--reps", "2", "--seed", "1", "--scenario", "variance", "--variance", "3"])
    assert "--variance has no effect" not in capsys.readouterr().err
