"""Brown–Warner simulation of the engine's tests: size in each scenario where a test is claimed
valid, over-rejection where it is not, and power with an injected abnormal return.

Design (issue 3): N = 50 events, L1 = 250 estimation sessions, event window (0, 0), a fixed seed
and 4,300 replications, so that three binomial standard errors of a 5% rate are within one point
(3 sqrt(0.05 * 0.95 / 4300) = 0.0100). A test passes the size check when its rejection rate at 5%
lies in 5% ± 3 SE. The assertions are never loosened to make a test pass: a failure is a finding
about the engine.

A discrete test (the generalized sign test, a count of positive CARs) cannot have a size of
exactly 5%: at N = 50 its attainable sizes near 5% are 3.28% and 6.49% (p̂ = 0.5). It is held
to its *exact* size under the DGP instead, which the harness computes per replication from the
replication's p̂ (``exact_size``): its rejection rate must lie within 3 binomial SE of that, and
the exact size itself within 1.5 points of 5% (the attainable sizes bracket 5% by that much).
``tests/test_simulate_findings.py`` pins the discreteness and the analytic skewness-adjusted t's
over-rejection (6.2% with this seed, now replaced by its bootstrapped version by default).
"""

from __future__ import annotations

import math

import pytest

from rerating.study.simulate import (
    DISCRETE_TESTS,
    VALID_UNDER_EVENT_VARIANCE,
    SimulationResult,
    simulate,
    size_band,
)

N, L1, REPS, SEED = 50, 250, 4300, 20250120
ALL_TESTS = (
    "cross_sectional_t", "brown_warner_cda", "patell", "adj_patell", "bmp", "adj_bmp",
    "skewness_adjusted_t", "corrado", "corrado_zivney", "generalized_sign", "wilcoxon", "grank",
)
LO, HI = size_band(REPS)

_CACHE: dict[str, SimulationResult] = {}


def _run(scenario: str, seed_offset: int, **kw: object) -> SimulationResult:
    """Simulate (once per module) a scenario seeded with ``SEED + seed_offset``.

    Each fixture names its own offset, so a subset of this file (``pytest -k ...``) draws the
    same samples as the whole file, whose pinned figures they are.
    """
    key = scenario + repr(sorted(kw.items()))
    if key not in _CACHE:
        _CACHE[key] = simulate(
            n_events=N,
            estimation_length=L1,
            event_window=kw.pop("event_window", (0, 0)),  # type: ignore[arg-type]
            scenario=scenario,  # type: ignore[arg-type]
            replications=kw.pop("replications", REPS),  # type: ignore[arg-type]
            seed=SEED + seed_offset,
            workers=None,  # every core: the rates do not depend on it
            **kw,  # type: ignore[arg-type]
        )
    return _CACHE[key]


@pytest.fixture(scope="module")
def independent() -> SimulationResult:
    return _run("independent", 0)


@pytest.fixture(scope="module")
def clustered() -> SimulationResult:
    return _run("clustered", 1, residual_correlation=0.05)


@pytest.fixture(scope="module")
def variance() -> SimulationResult:
    return _run("variance", 2, variance_multiplier=2.0)


@pytest.fixture(scope="module")
def power() -> SimulationResult:
    # Brown & Warner (1985) inject 1% on day 0; 600 replications are plenty for rates near 1
    return _run("independent", 3, abnormal_return=0.01, replications=600)


def _row(result: SimulationResult, test: str) -> dict:
    rows = result.rejection_rates[result.rejection_rates["test"] == test]
    assert len(rows) == 1, f"{test} missing from the engine's tests: {sorted(result.rejection_rates['test'])}"
    return rows.iloc[0].to_dict()


def _assert_size(row: dict, where: str) -> None:
    """5% ± 3 SE; a discrete test: its exact size ± 3 SE (module docstring)."""
    rate, exact = row["rate_5"], row["exact_size"]
    if math.isfinite(exact):
        half = 3 * math.sqrt(exact * (1 - exact) / row["n_valid"])
        assert abs(rate - exact) <= half, (
            f"{row['test']} ({where}): rejects {rate:.4f}, exact size of its decision rule "
            f"{exact:.4f} ± {half:.4f}"
        )
        assert abs(exact - 0.05) <= 0.015, f"{row['test']}: exact size {exact:.4f} far from 5%"
    else:
        assert LO <= rate <= HI, f"{row['test']} ({where}): size {rate:.4f} outside [{LO:.4f}, {HI:.4f}]"


def test_every_test_ran_on_every_replication(independent: SimulationResult) -> None:
    table = independent.rejection_rates
    assert sorted(table["test"]) == sorted(ALL_TESTS)
    assert (table["replications"] == REPS).all()
    # a NaN p-value in a clean simulated sample is a bug, not a non-rejection
    assert (table["n_valid"] == REPS).all(), table[["test", "n_valid"]]


@pytest.mark.parametrize("test", ALL_TESTS)
def test_size_independent_events(independent: SimulationResult, test: str) -> None:
    _assert_size(_row(independent, test), "independent events")



def test_adjusted_tests_are_marked_valid_under_clustering(clustered: SimulationResult) -> None:
    marked = set(clustered.rejection_rates.loc[clustered.rejection_rates["valid_under_clustering"], "test"])
    assert {"adj_patell", "adj_bmp", "grank"} <= marked
    assert not {"patell", "bmp", "cross_sectional_t"} & marked


@pytest.mark.parametrize("test", ALL_TESTS)
def test_size_clustered_where_claimed_valid(clustered: SimulationResult, test: str) -> None:
    row = _row(clustered, test)
    if not row["valid_under_clustering"]:
        pytest.skip(f"{test} is not claimed valid under clustering (over-rejection checked below)")
    assert LO <= row["rate_5"] <= HI, (
        f"{test} is marked valid_under_clustering but rejects {row['rate_5']:.4f} "
        f"(band [{LO:.4f}, {HI:.4f}]) with r = 0.05, N = {N}"
    )


@pytest.mark.parametrize("test", ["patell", "bmp", "cross_sectional_t"])
def test_unadjusted_tests_over_reject_when_clustered(clustered: SimulationResult, test: str) -> None:
    # design effect 1 + (N-1) r = 3.45: a nominal 5% test rejects about 29% of the time
    row = _row(clustered, test)
    assert row["rate_5"] > 0.15, f"{test}: {row['rate_5']:.4f}; the harness cannot see clustering"


@pytest.mark.parametrize("test", sorted(VALID_UNDER_EVENT_VARIANCE))
def test_size_with_doubled_event_variance(variance: SimulationResult, test: str) -> None:
    row = _row(variance, test)
    assert row["claimed_valid"]
    _assert_size(row, "doubled event-day variance")


def test_patell_over_rejects_with_doubled_event_variance(variance: SimulationResult) -> None:
    # Patell's variance ignores the event-day doubling: |Z| > 1.96 / sqrt(2) about 17% of the time
    assert _row(variance, "patell")["rate_5"] > 0.12


@pytest.mark.parametrize("test", ALL_TESTS)
def test_power_exceeds_size(power: SimulationResult, independent: SimulationResult, test: str) -> None:
    p = _row(power, test)["rate_5"]
    s = _row(independent, test)["rate_5"]
    assert p > 0.5 and p > s + 10 * _row(power, test)["se_5"] + 0.01, (test, p, s)


def test_summary_and_frame(clustered: SimulationResult) -> None:
    text = clustered.summary().as_text()
    assert "clustered" in text and "adj_bmp" in text and f"{REPS} replications" in text
    frame = clustered.to_frame()
    assert {"rate_5", "se_5", "rate_1", "se_1", "n_valid", "claimed_valid", "exact_size"} <= set(
        frame.columns
    )
    frame.loc[0, "rate_5"] = -1.0  # a copy: the result stays read-only
    assert clustered.rejection_rates["rate_5"].min() >= 0.0
    assert clustered.rate("adj_bmp") == pytest.approx(_row(clustered, "adj_bmp")["rate_5"])


def test_exact_size_only_for_discrete_tests(
    independent: SimulationResult, clustered: SimulationResult, power: SimulationResult
) -> None:
    table = independent.rejection_rates.set_index("test")
    assert table["exact_size"].notna().to_dict() == {t: t in DISCRETE_TESTS for t in table.index}
    # the count's null distribution is unknown with clustering and irrelevant with an effect
    assert clustered.rejection_rates["exact_size"].isna().all()
    assert power.rejection_rates["exact_size"].isna().all()


# --- two groups on one date -------------------------------------------------------------------


@pytest.fixture(scope="module")
def groups() -> SimulationResult:
    return _run("groups", 4, residual_correlation=0.1)


@pytest.fixture(scope="module")
def groups_power() -> SimulationResult:
    return _run("groups", 5, residual_correlation=0.1, abnormal_return=0.02, replications=600)


@pytest.mark.parametrize("test", [*ALL_TESTS, "cda_difference", "adj_bmp_difference", "welch_t"])
def test_size_two_groups_each_with_its_own_shock(groups: SimulationResult, test: str) -> None:
    row = _row(groups, test)
    assert row["claimed_valid"] == row["valid_under_clustering"]
    if not row["claimed_valid"]:
        # r = 0.1 within each group of 25: a test that ignores it rejects far above 5%
        assert row["rate_5"] > 0.15, f"{test}: {row['rate_5']:.4f}; the harness cannot see the shocks"
        return
    assert LO <= row["rate_5"] <= HI, f"{test}: size {row['rate_5']:.4f} outside [{LO:.4f}, {HI:.4f}]"


def test_the_difference_test_sees_group_a_re_rate(groups_power: SimulationResult, groups: SimulationResult) -> None:
    for test in ("cda_difference", "adj_bmp_difference"):
        row = _row(groups_power, test)
        assert row["rate_5"] > 0.3 and row["rate_5"] > _row(groups, test)["rate_5"] + 10 * row["se_5"]


@pytest.fixture(scope="module")
def groups_variance() -> SimulationResult:
    return _run("groups_variance", 6, residual_correlation=0.1, variance_multiplier=2.0)


@pytest.mark.parametrize("test", ["adj_bmp", "adj_bmp_difference"])
def test_size_two_groups_with_event_induced_variance(groups_variance: SimulationResult, test: str) -> None:
    row = _row(groups_variance, test)
    assert row["claimed_valid"]
    assert LO <= row["rate_5"] <= HI, f"{test}: size {row['rate_5']:.4f} outside [{LO:.4f}, {HI:.4f}]"


@pytest.mark.parametrize("test", ["corrado_zivney", "grank"])
def test_finding_rank_tests_run_high_with_group_shocks_and_event_variance(
    groups_variance: SimulationResult, test: str
) -> None:
    """A finding, pinned: claimed valid under both (Kolari & Pynnönen 2011), they reject 6.3% here.

    Both re-standardise the event day by the cross-sectional sd of the SARs, estimated from the
    same correlated cross-section (as under clustering, where they run about half a point high);
    the excess is about one point (3.4 SE at this seed) and documented in docs/STUDY.md. If it
    disappears, update the docs.
    """
    row = _row(groups_variance, test)
    assert row["claimed_valid"] and HI < row["rate_5"] < 0.08, row["rate_5"]


def test_the_cda_difference_over_rejects_with_event_induced_variance(groups_variance: SimulationResult) -> None:
    # the portfolio's estimation-window variance misses the event day's doubling, as the CDA does
    row = _row(groups_variance, "cda_difference")
    assert not row["claimed_valid"] and row["rate_5"] > 0.1
    assert set(groups_variance.rejection_rates.loc[groups_variance.rejection_rates["claimed_valid"], "test"]) == {
        "adj_bmp", "corrado_zivney", "grank", "adj_bmp_difference"
    }



# --- two groups of one market: one shock common to both -----------------------------------------


@pytest.fixture(scope="module")
def groups_market() -> SimulationResult:
    return _run("groups_market", 7, residual_correlation=0.1, tests="adj_bmp")


@pytest.fixture(scope="module")
def groups_market_power() -> SimulationResult:
    return _run(
        "groups_market", 8, residual_correlation=0.1, tests="adj_bmp", abnormal_return=0.02,
        replications=600,
    )


@pytest.mark.parametrize("test", ["adj_bmp", "cda_difference", "adj_bmp_difference"])
def test_size_two_groups_of_one_market(groups_market: SimulationResult, test: str) -> None:
    row = _row(groups_market, test)
    assert row["claimed_valid"]
    assert LO <= row["rate_5"] <= HI, f"{test}: size {row['rate_5']:.4f} outside [{LO:.4f}, {HI:.4f}]"


def test_the_correlation_across_groups_gives_the_difference_test_its_power(
    groups_market_power: SimulationResult,
) -> None:
    # Without r̄ across the groups, the common shock counted as noise in both groups' variances:
    # adj_bmp_difference rejected 0.05% under the null and 51% here (seed 2026, docs/STUDY.md).
    row = _row(groups_market_power, "adj_bmp_difference")
    assert row["rate_5"] > 0.85, row["rate_5"]
    assert row["rate_5"] > _row(groups_market_power, "cda_difference")["rate_5"] - 5 * row["se_5"]


# --- events spread in time, residuals sharing a calendar-time shock --------------------------------


@pytest.fixture(scope="module")
def spread() -> SimulationResult:
    return _run("spread", 9, residual_correlation=0.1, tests="parametric")


@pytest.mark.parametrize("test", ["brown_warner_cda", "adj_patell", "adj_bmp", "patell", "bmp"])
def test_size_events_spread_in_one_market(spread: SimulationResult, test: str) -> None:
    # distinct dates and one-day windows: no two CARs share a date, so every test holds, and the
    # adjusted ones must not charge a design effect for the residuals' correlation (r = 0.1):
    # with the residual r̄ instead of the window-weighted one they rejected 0.0% (docs/STUDY.md)
    row = _row(spread, test)
    assert row["claimed_valid"] == row["valid_under_clustering"]
    assert LO <= row["rate_5"] <= HI, f"{test}: size {row['rate_5']:.4f} outside [{LO:.4f}, {HI:.4f}]"
    assert _row(spread, "adj_bmp")["rate_5"] == pytest.approx(_row(spread, "bmp")["rate_5"])


@pytest.fixture(scope="module")
def spread_dense() -> SimulationResult:
    """100 events on 100 consecutive sessions, a six-session window: windows overlap across
    day-0 dates a few sessions apart."""
    return simulate(
        n_events=100, estimation_length=L1, event_window=(0, 5), scenario="spread",
        residual_correlation=0.1, date_spread=100, replications=1500, seed=SEED,
        tests="brown_warner_cda,corrado,corrado_zivney,grank,adj_bmp,adj_patell", workers=None,
    )


@pytest.mark.parametrize("test", ["adj_bmp", "adj_patell"])
def test_size_events_a_few_sessions_apart_with_overlapping_windows(
    spread_dense: SimulationResult, test: str
) -> None:
    # r̄ weighs each pair's correlation by the window dates it shares (docs/STUDY.md)
    lo, hi = size_band(1500)
    row = _row(spread_dense, test)
    assert lo <= row["rate_5"] <= hi, f"{test}: size {row['rate_5']:.4f} outside [{lo:.4f}, {hi:.4f}]"


@pytest.mark.parametrize("test", ["brown_warner_cda", "corrado", "corrado_zivney", "grank"])
def test_finding_portfolio_tests_over_reject_when_overlapping_events_are_sessions_apart(
    spread_dense: SimulationResult, test: str
) -> None:
    """A finding, pinned: valid under one-date clustering, they reject about 11% here.

    Their variance comes from the portfolio of estimation-window residuals in event time. Events
    on one date line up there in calendar time; events a few sessions apart do not, so the
    covariance of residuals on the dates their windows share is missed. Adding the portfolio's
    autocovariances up to lag L - 1 only halves the excess (the events' own means absorb much of
    it), so the engine marks them not valid in such windows and says why (docs/STUDY.md), and
    the harness does not claim them here. If it disappears, update the docs.
    """
    row = _row(spread_dense, test)
    assert not row["valid_under_clustering"] and not row["claimed_valid"]
    assert row["rate_5"] > 0.08, row["rate_5"]


# --- two markets that trade at different hours: correlated one session apart ---------------------


@pytest.fixture(scope="module")
def markets() -> SimulationResult:
    return _run("markets", 10, residual_correlation=0.05, event_window=(0, 4))


@pytest.fixture(scope="module")
def markets_same_date() -> SimulationResult:
    return _run(
        "markets", 11, residual_correlation=0.1, event_window=(0, 4), lead_lag="none",
        tests="parametric", replications=2000,
    )


@pytest.mark.parametrize("test", [*ALL_TESTS, "cda_difference", "adj_bmp_difference", "welch_t"])
def test_size_two_markets_a_session_apart(markets: SimulationResult, test: str) -> None:
    # half the CARs' correlation across the markets is one session apart: r̄, the CDA and the
    # rank tests count it (lead_lag="markets", the default), so the claimed tests hold over 5 days
    row = _row(markets, test)
    if not row["claimed_valid"]:
        pytest.skip(f"{test} is not claimed valid under clustering")
    _assert_size(row, "two markets, [0:4]")


@pytest.mark.parametrize(
    ("test", "direction"),
    [("brown_warner_cda", 1), ("adj_patell", 1), ("adj_bmp", 1), ("cda_difference", -1), ("adj_bmp_difference", -1)],
)
def test_same_date_correlation_misses_the_lead_lag(
    markets_same_date: SimulationResult, test: str, direction: int
) -> None:
    # lead_lag="none" (Kolari & Pynnönen's same-date r̄, Brown & Warner's i.i.d. portfolio): the
    # one-sample tests over-reject (8.3% at r = 0.1, seed 2026) and the difference tests, whose
    # cross-market covariance is understated, reject far too rarely (0.8%); docs/STUDY.md
    row = _row(markets_same_date, test)
    assert direction * (row["rate_5"] - 0.05) > 3 * row["se_5"], (test, row["rate_5"])
