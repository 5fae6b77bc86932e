"""Brown–Warner simulation harness: the size and power of every event-study test for a design.

The harness draws many replications of an event study from a known data-generating process
(DGP), runs the engine on them in large batches, and counts how often each test rejects. Under the
null (no abnormal return injected) a well-behaved test rejects at about its nominal level; with an
injected abnormal return the rejection rate is the test's power.

The DGP follows the design of Brown & Warner (1985), who measured size and power by sampling
securities and event dates at random and adding a known abnormal return on day 0, with the two
departures from their setting that matter most in practice:

* **event-date clustering** with cross-sectionally correlated residuals, as in Kolari & Pynnönen
  (2010): every security has its event on the same calendar date and the market-model
  residuals share a common shock, so the pairwise residual correlation is exactly ``r``;
* **event-induced variance**, as in Boehmer, Musumeci & Poulsen (1991): the residual
  variance on the event-window days is multiplied by a factor;
* **two groups on one date**, each with its own shock (the ``groups`` scenario): the first
  ``N // 2`` securities form group A and the rest group B, all on one date; each group's residuals
  share a group shock (within-group correlation ``r``, none across), as the stocks of two markets
  do on one news day. Besides the one-sample tests, the harness runs the tests of the difference
  ``CAAR_A - CAAR_B`` (:meth:`rerating.study.EventStudyResults.compare`); an injected abnormal
  return goes to group A only, so its rejection rate is the power to see A re-rate against B.
  ``groups_variance`` adds the event-induced variance of ``variance`` to it. In
  ``groups_market`` the two groups are stocks of *one* market: a single shock is common to all
  (correlation ``r`` within and across the groups), the case of a sector re-rating against its own
  market's megacaps, where the difference tests must allow for the correlation across groups;
* **two markets that trade at different hours** (the ``markets`` scenario): groups A and B on one
  date, as Hong Kong and New York listings of one theme. Each date has an early shock, seen by
  both markets that day, and a late one (New York's hours), seen by A the next session. So the
  correlation is ``r`` within each market, ``r/2`` across them on the same date and ``r/2``
  between A's day ``t`` and B's day ``t - 1``: multi-day CARs across the markets carry the
  lead-lag part, which a same-date r̄ misses (:class:`rerating.study.EventStudy`'s ``lead_lag``);
* **events spread in time in one market** (the ``spread`` scenario): distinct random dates, as
  ``independent``, but every residual carries a calendar-time shock (correlation ``r`` between
  any two residuals on the same date), as the stocks of one market do. Windows on different dates
  are uncorrelated, so a design effect charged for the residuals' correlation alone would make
  the adjusted tests needlessly conservative.

Brown & Warner resampled real CRSP returns; here returns are synthetic so that the truth is known
exactly: a market series ``m_t ~ N(mu_m, sigma_m^2)`` per replication and, for each security,
``R_it = alpha_i + beta_i m_t + e_it`` with ``alpha_i``, ``beta_i`` and the idiosyncratic volatility
``sigma_i`` drawn at random (:class:`MarketModelParameters`), of the magnitudes of daily US stock
returns (a daily idiosyncratic volatility of 1-3%, betas around one).

**Discrete tests.** The generalized sign test (Cowan 1992) counts positive abnormal returns, so it
can only reject on whole counts and its exact size under the null is not its nominal level: at
N = 50 and ``p̂ = 0.5`` the nominal 5% test has size 6.49%, and the next attainable rule 3.28%
(see :func:`rerating.study.statistics.generalized_sign_size`). Comparing such a test with 5% would
flag a property of the count, not a bug. The harness therefore computes, for each replication,
the exact probability that the test's decision rule rejects given that replication's ``p̂`` when
the number of positive abnormal returns is Binomial(N, 1/2) (under the market-model DGP with
normal residuals and no abnormal return, each event's abnormal return is symmetric about zero
and, given the market path, independent of the other events and of the estimation-window
residuals that make ``p̂``), and reports the mean over replications as ``exact_size``. ``p̂`` is
recomputed here by an OLS of each simulated security on its market, independently of the engine.
A discrete test is well behaved when its rejection rate is within sampling error of
``exact_size``; ``exact_size`` is NaN where it is not known exactly (clustered events, an injected
abnormal return, Student t residuals, a model other than the market model).

References
----------
Brown, S. J., and J. B. Warner (1985). "Using daily stock returns: The case of event studies."
    Journal of Financial Economics 14(1), 3-31.
Boehmer, E., J. Musumeci, and A. B. Poulsen (1991). "Event-study methodology under conditions of
    event-induced variance." Journal of Financial Economics 30(2), 253-272.
Kolari, J. W., and S. Pynnönen (2010). "Event study testing with cross-sectional correlation of
    abnormal returns." Review of Financial Studies 23(11), 3996-4025.
Kolari, J. W., and S. Pynnönen (2011). "Nonparametric rank tests for event studies." Journal of
    Empirical Finance 18(5), 953-971.
Cowan, A. R. (1992). "Nonparametric event study tests." Review of Quantitative Finance and
    Accounting 2(4), 343-358.
Corrado, C. J., and T. L. Zivney (1992). "The specification and power of the sign test in event
    study hypothesis tests using daily stock returns." Journal of Financial and Quantitative
    Analysis 27(3), 465-478.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from rerating.errors import SimulationDesignError

Scenario: TypeAlias = Literal[
    "independent", "clustered", "variance", "groups", "groups_variance", "groups_market", "spread",
    "markets",
]
Distribution: TypeAlias = Literal["normal", "student_t"]

SCENARIOS: tuple[str, ...] = (
    "independent", "clustered", "variance", "groups", "groups_variance", "groups_market", "spread",
    "markets",
)
GROUP_SCENARIOS: tuple[str, ...] = ("groups", "groups_variance", "groups_market", "markets")  # one date
VARIANCE_SCENARIOS: tuple[str, ...] = ("variance", "groups_variance")  # event-induced variance
# the two-group tests of the group scenarios: (valid under clustering, under event-induced variance)
GROUP_TESTS: dict[str, tuple[bool, bool]] = {
    "cda_difference": (True, False),
    "adj_bmp_difference": (True, True),
    "welch_t": (False, True),
}
DISTRIBUTIONS: tuple[str, ...] = ("normal", "student_t")

# Tests whose size the literature shows to survive an event-induced increase in variance: the
# cross-sectional family (the variance is estimated from the event-day cross-section itself) and
# tests on signs or re-standardised ranks. Patell, the Brown–Warner CDA t and the Corrado rank
# test use the estimation-window variance only and over-reject (Boehmer et al. 1991;
# Corrado & Zivney 1992; Kolari & Pynnönen 2011). This is the harness's claim, not the engine's.
VALID_UNDER_EVENT_VARIANCE: frozenset[str] = frozenset(
    {
        "cross_sectional_t",
        "bmp",
        "adj_bmp",
        "skewness_adjusted_t",
        "corrado_zivney",
        "generalized_sign",
        "wilcoxon",
        "grank",
    }
)

_CALENDAR_START = "2000-01-03"  # an arbitrary Monday; simulated sessions are business days
# sessions of data kept on each side of an event's estimation..event span, so that models with
# lagged or led market returns (Scholes-Williams, Dimson up to 5 lags) see every regressor
PAD = 5

# models the simulated data can feed (CAPM and factor models need a risk-free rate or factors)
SIMULATION_MODELS: tuple[str, ...] = (
    "market", "market_adjusted", "mean_adjusted", "scholes_williams", "dimson",
)
BACKENDS: tuple[str, ...] = ("kernel", "study")
# the engine's shortest estimation window per model: its parameters + 3 (EventStudy's
# min_estimation floor; Dimson's default one lag and one lead has four)
MIN_ESTIMATION: dict[str, int] = {
    "market_adjusted": 3, "mean_adjusted": 4, "market": 5, "scholes_williams": 5, "dimson": 7,
}

# Tests whose statistic is a count: the harness reports the exact size of their decision rule
# under the DGP's null (module docstring) and they are judged against it, not against 5%.
DISCRETE_TESTS: tuple[str, ...] = ("generalized_sign",)


@dataclass(frozen=True)
class MarketModelParameters:
    """Distribution of the market-model parameters the DGP draws for each security.

    Parameters
    ----------
    market_mean, market_sd : float
        Mean and standard deviation of the daily market return.
    alpha_sd : float
        Standard deviation of the (normal, mean-zero) intercepts ``alpha_i``.
    beta_low, beta_high : float
        ``beta_i`` is uniform on ``[beta_low, beta_high]``.
    sigma_low, sigma_high : float
        The idiosyncratic daily volatility ``sigma_i`` is uniform on ``[sigma_low, sigma_high]``.
    t_df : float
        Degrees of freedom of the Student t residuals when ``distribution="student_t"`` (scaled to
        unit variance; fat tails like daily returns, which Brown & Warner 1985 stress).
    """

    market_mean: float = 0.0004
    market_sd: float = 0.01
    alpha_sd: float = 0.0005
    beta_low: float = 0.5
    beta_high: float = 1.5
    sigma_low: float = 0.01
    sigma_high: float = 0.03
    t_df: float = 5.0

    def __post_init__(self) -> None:
        if not (self.market_sd > 0 and self.alpha_sd >= 0 and self.sigma_low > 0):
            raise SimulationDesignError(
                "MarketModelParameters: market_sd and sigma_low must be > 0 and alpha_sd >= 0 "
                f"(got market_sd={self.market_sd}, sigma_low={self.sigma_low}, "
                f"alpha_sd={self.alpha_sd})"
            )
        if self.beta_high < self.beta_low or self.sigma_high < self.sigma_low:
            raise SimulationDesignError(
                "MarketModelParameters: the upper bounds must be >= the lower bounds "
                f"(beta {self.beta_low}..{self.beta_high}, sigma {self.sigma_low}..{self.sigma_high})"
            )
        if not self.t_df > 2:
            raise SimulationDesignError(
                f"MarketModelParameters: t_df must be > 2 for a finite variance (got {self.t_df})"
            )


def _as_int_hint(name: str, value: object) -> str:
    """How to pass a count given as a non-integer: ``20.0`` -> ``"pass n_events=20"``."""
    if isinstance(value, float | np.floating) and math.isfinite(value) and float(value).is_integer():
        return f"pass {name}={int(value)}"
    return f"pass a whole number as {name}"


@dataclass(frozen=True)
class SimulationDesign:
    """A validated simulation design (what :func:`simulate` runs).

    The estimation window is the ``estimation_length`` sessions that end ``gap`` sessions before the
    event window starts: ``(w0 - gap - estimation_length, w0 - gap - 1)``.
    """

    n_events: int = 50
    estimation_length: int = 250
    event_window: tuple[int, int] = (0, 0)
    gap: int = 10
    scenario: str = "independent"
    residual_correlation: float = 0.05
    variance_multiplier: float = 2.0
    abnormal_return: float = 0.0
    replications: int = 4000
    tests: tuple[str, ...] | str = "all"
    model: str = "market"
    seed: int = 0
    date_spread: int = 250
    distribution: str = "normal"
    chunk_size: int = 250
    backend: str = "kernel"
    lead_lag: str = "markets"
    parameters: MarketModelParameters = field(default_factory=MarketModelParameters)

    def __post_init__(self) -> None:
        def bad(name: str, value: object, valid: str, fix: str) -> SimulationDesignError:
            return SimulationDesignError(f"{name}={value!r} is invalid: {valid}; {fix}")

        for name in ("n_events", "estimation_length", "gap", "date_spread", "replications", "chunk_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                # a count: 20.0 is refused as a float, not as "fewer than 2 events"
                raise bad(name, value, "a whole number (int)", _as_int_hint(name, value))
        if self.n_events < 2:
            raise bad("n_events", self.n_events, "need at least 2 events", "pass n_events >= 2")
        shortest = MIN_ESTIMATION.get(str(self.model), 3)  # an unknown model is refused below
        if (
            not isinstance(self.estimation_length, int | np.integer)
            or self.estimation_length < shortest
        ):
            raise bad(
                "estimation_length",
                self.estimation_length,
                f"model {self.model!r} needs at least {shortest} estimation sessions (its "
                "parameters + 3)",
                f"pass estimation_length >= {shortest}, e.g. 250",
            )
        w = self.event_window
        if (
            not isinstance(w, tuple)
            or len(w) != 2
            or not all(isinstance(x, int | np.integer) for x in w)
            or w[0] > w[1]
        ):
            raise bad(
                "event_window", w, "a pair of integers (start, end) with start <= end",
                "pass e.g. (0, 0) or (-1, 1)",
            )
        if not isinstance(self.gap, int | np.integer) or self.gap < 0:
            raise bad("gap", self.gap, "sessions between the windows, >= 0", "pass gap=10")
        if self.scenario not in SCENARIOS:
            raise bad("scenario", self.scenario, f"one of {', '.join(SCENARIOS)}", "pick one")
        if self.distribution not in DISTRIBUTIONS:
            raise bad(
                "distribution", self.distribution, f"one of {', '.join(DISTRIBUTIONS)}", "pick one"
            )
        r = self.residual_correlation
        if not (isinstance(r, int | float) and math.isfinite(r) and 0.0 <= r < 1.0):
            raise bad(
                "residual_correlation", r, "a number in [0, 1)",
                "pass e.g. 0.05 (Kolari & Pynnönen's typical value)",
            )
        v = self.variance_multiplier
        if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
            raise bad("variance_multiplier", v, "a positive number", "pass e.g. 2.0")
        a = self.abnormal_return
        if not (isinstance(a, int | float) and math.isfinite(a)):
            raise bad("abnormal_return", a, "a finite number (0.01 = 1%)", "pass e.g. 0.005")
        if not isinstance(self.replications, int | np.integer) or self.replications < 1:
            raise bad("replications", self.replications, "a positive integer", "pass e.g. 4000")
        if not isinstance(self.chunk_size, int | np.integer) or self.chunk_size < 1:
            raise bad("chunk_size", self.chunk_size, "a positive integer", "pass e.g. 500")
        if self.scenario in GROUP_SCENARIOS:
            if self.n_events < 4:
                raise bad(
                    "n_events", self.n_events, f"the {self.scenario} scenario needs two events per group",
                    "pass n_events >= 4",
                )
            if self.backend != "kernel":
                raise bad(
                    "backend", self.backend, f"the {self.scenario} scenario's two-group tests run on the kernel",
                    "pass backend='kernel'",
                )
        if self.scenario not in ("clustered", *GROUP_SCENARIOS):
            if not isinstance(self.date_spread, int | np.integer) or self.date_spread < self.n_events:
                raise bad(
                    "date_spread",
                    self.date_spread,
                    f"distinct event dates need at least n_events={self.n_events} candidate sessions",
                    f"pass date_spread >= {self.n_events}",
                )
        if self.model not in SIMULATION_MODELS:
            raise bad(
                "model", self.model, f"one of {', '.join(SIMULATION_MODELS)}",
                "simulated data has no risk-free rate or factors (capm, factor)",
            )
        if self.lead_lag not in ("markets", "all", "none"):
            raise bad("lead_lag", self.lead_lag, "one of markets, all, none", "pass 'markets'")
        if self.backend not in BACKENDS:
            raise bad("backend", self.backend, f"one of {', '.join(BACKENDS)}", "pass 'kernel'")
        if not isinstance(self.tests, str):
            object.__setattr__(self, "tests", tuple(self.tests))
            if not self.tests:
                raise bad("tests", self.tests, "'all' or a non-empty list of names", "pass 'all'")
        elif self.tests.strip() == "none" or not any(t.strip() for t in self.tests.split(",")):
            # the engine's "none" (or nothing) would run no test: an empty table, no rate
            raise bad(
                "tests", self.tests, "a simulation measures tests: 'all', 'parametric', "
                "'nonparametric' or names", "pass 'all'",
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise bad("seed", self.seed, "an integer >= 0 (numpy's seeds)", "pass e.g. seed=2026")

    @property
    def estimation_window(self) -> tuple[int, int]:
        """``(start, end)`` of the estimation window in sessions relative to day 0."""
        w0 = self.event_window[0]
        return (w0 - self.gap - self.estimation_length, w0 - self.gap - 1)

    @property
    def window_length(self) -> int:
        """Number of sessions in the event window."""
        return self.event_window[1] - self.event_window[0] + 1

    @property
    def span(self) -> int:
        """Sessions from the first estimation day to the last event-window day."""
        return self.event_window[1] - self.estimation_window[0] + 1

    @property
    def block(self) -> int:
        """Sessions of data each event needs: the span plus ``PAD`` on each side."""
        return self.span + 2 * PAD

    @property
    def sessions(self) -> int:
        """Length of the simulated calendar of one replication."""
        spread = 1 if self.scenario in ("clustered", *GROUP_SCENARIOS) else self.date_spread
        return self.block + spread - 1

    @property
    def group_a(self) -> int:
        """Events in group A of the ``groups`` scenario (the first ``n_events // 2``)."""
        return self.n_events // 2


_PANEL_ARRAYS = (
    "returns", "market", "residuals", "alpha", "beta", "sigma", "event_index", "replication",
)


@dataclass(frozen=True)
class SimulatedPanel:
    """One chunk of replications drawn from the DGP, as arrays.

    Every replication ``k`` has its own market series over a calendar of ``T`` sessions and its
    own ``n`` securities. Each security's data is its *block* of ``B = design.block`` sessions:
    ``PAD`` sessions, the estimation window, the gap, the event window, ``PAD`` sessions; the
    block of security ``i`` starts at calendar session ``event_index[k, i] + estimation_start -
    PAD`` (see :meth:`block_positions`).

    Attributes
    ----------
    returns : ndarray, shape (reps, n, B)
        Security returns over each block.
    market : ndarray, shape (reps, T)
        Market returns on the calendar.
    residuals : ndarray, shape (reps, n, B)
        The true market-model residuals ``e_it`` (abnormal return and variance shift included).
    alpha, beta, sigma : ndarray, shape (reps, n)
        The true market-model parameters and idiosyncratic volatility.
    event_index : ndarray of int, shape (reps, n)
        Calendar session of each security's day 0.
    replication : ndarray of int, shape (reps,)
        Global replication ids of this chunk.
    day0 : int
        Column of day 0 inside a block.

    The arrays are read-only views (of the arrays given, which keep their own flags): writing
    into one raises, rather than changing what :meth:`to_frames` and the harness read. Copy one
    (``panel.returns.copy()``) to edit it.
    """

    returns: np.ndarray
    market: np.ndarray
    residuals: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    sigma: np.ndarray
    event_index: np.ndarray
    replication: np.ndarray
    day0: int

    def __post_init__(self) -> None:
        # a view per array, O(1): no copy of the draws, and the caller's arrays untouched
        for name in _PANEL_ARRAYS:
            view = np.asarray(getattr(self, name)).view()
            view.flags.writeable = False
            object.__setattr__(self, name, view)

    def block_positions(self, design: SimulationDesign) -> np.ndarray:
        """Calendar positions of each event's data block, shape (reps, n, design.block).

        The block runs from ``PAD`` sessions before the first estimation day to ``PAD`` sessions
        after the last event-window day.
        """
        offsets = np.arange(design.estimation_window[0] - PAD, design.event_window[1] + PAD + 1)
        return self.event_index[:, :, None] + offsets[None, None, :]

    def to_frames(
        self, design: SimulationDesign
    ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], pd.DataFrame]:
        """The engine's public input format: ``(returns, market_returns, benchmarks, events)``.

        ``returns`` is long (``symbol, date, ret``) with each security's data block only
        (:meth:`block_positions`), symbols ``R<k>_<i>``; ``market_returns`` is wide (session x
        ``M<k>``, one market per replication); ``benchmarks`` maps each symbol to its
        replication's market; ``events`` has ``event_id, symbol, date, group`` with ``group`` the
        replication id.
        """
        reps, n, _ = self.returns.shape
        dates = pd.bdate_range(_CALENDAR_START, periods=self.market.shape[1], name="date")
        rep = np.repeat(self.replication, n)
        sec = np.tile(np.arange(n), reps)
        symbols = np.array([f"R{k}_{i}" for k, i in zip(rep, sec, strict=True)], dtype=object)
        pos = self.block_positions(design)
        returns = pd.DataFrame(
            {
                "symbol": np.repeat(symbols, design.block),
                "date": dates[pos.reshape(-1)],
                "ret": self.returns.reshape(-1),
            }
        )
        market = pd.DataFrame(
            self.market.T, index=dates, columns=[f"M{k}" for k in self.replication], copy=True
        )
        benchmarks = {s: f"M{k}" for s, k in zip(symbols, rep, strict=True)}
        events = pd.DataFrame(
            {
                "event_id": [f"E{k}_{i}" for k, i in zip(rep, sec, strict=True)],
                "symbol": symbols,
                "date": dates[self.event_index.reshape(-1)],
                "group": rep,
            }
        )
        return returns, market, benchmarks, events


def generate_panel(
    design: SimulationDesign, replications: int, rng: np.random.Generator, first: int = 0
) -> SimulatedPanel:
    """Draw ``replications`` replications of ``design`` from the DGP.

    Parameters
    ----------
    design : SimulationDesign
        What to simulate (scenario, ``n_events``, windows, correlation, variance, abnormal return).
    replications : int
        Number of replications in this chunk.
    rng : numpy.random.Generator
        Source of randomness (the caller owns the seed).
    first : int
        Global id of the first replication (ids are ``first .. first + replications - 1``).

    Returns
    -------
    SimulatedPanel
    """
    p = design.parameters
    n, t = design.n_events, design.sessions
    reps = int(replications)
    pre = PAD - design.estimation_window[0]  # sessions before the first possible day 0

    market = rng.normal(p.market_mean, p.market_sd, size=(reps, t))
    alpha = rng.normal(0.0, p.alpha_sd, size=(reps, n))
    beta = rng.uniform(p.beta_low, p.beta_high, size=(reps, n))
    sigma = rng.uniform(p.sigma_low, p.sigma_high, size=(reps, n))

    def shocks(shape: tuple[int, ...]) -> np.ndarray:
        if design.distribution == "normal":
            return rng.standard_normal(shape)
        # unit-variance Student t: var(t_nu) = nu / (nu - 2)
        return rng.standard_t(p.t_df, size=shape) / math.sqrt(p.t_df / (p.t_df - 2.0))

    b = design.block
    z = shocks((reps, n, b))
    if design.scenario == "clustered":
        # One date for all, so block time is calendar time: a common shock with variance share r
        # makes corr(z_i, z_j) = r exactly for every pair i != j.
        r = design.residual_correlation
        z = math.sqrt(r) * shocks((reps, 1, b)) + math.sqrt(1.0 - r) * z
        event_index = np.full((reps, n), pre, dtype=np.int64)
    elif design.scenario == "groups_market":
        # one date, one market: the clustered scenario's common shock, two groups
        r = design.residual_correlation
        z = math.sqrt(r) * shocks((reps, 1, b)) + math.sqrt(1.0 - r) * z
        event_index = np.full((reps, n), pre, dtype=np.int64)
    elif design.scenario == "markets":
        # one date; per session an early shock (both markets) and a late one (New York's hours,
        # which group A, the early market, sees the next session): corr r within each market,
        # r/2 across them on one date, r/2 between A's day t and B's day t - 1
        r = design.residual_correlation
        early, late = shocks((reps, 1, b + 1)), shocks((reps, 1, b + 1))
        common_a = early[:, :, 1:] + late[:, :, :-1]
        common_b = early[:, :, 1:] + late[:, :, 1:]
        in_a = (np.arange(n) < design.group_a)[None, :, None]
        z = math.sqrt(r / 2.0) * np.where(in_a, common_a, common_b) + math.sqrt(1.0 - r) * z
        event_index = np.full((reps, n), pre, dtype=np.int64)
    elif design.scenario in GROUP_SCENARIOS:
        # one date; a shock per group: corr r within a group, 0 across the two groups
        r = design.residual_correlation
        group = (np.arange(n) >= design.group_a).astype(np.intp)  # 0 = A, 1 = B
        z = math.sqrt(r) * shocks((reps, 2, b))[:, group, :] + math.sqrt(1.0 - r) * z
        event_index = np.full((reps, n), pre, dtype=np.int64)
    else:
        # distinct random dates per replication: the first n of a random permutation of the slots
        slots = np.argsort(rng.random((reps, design.date_spread)), axis=1)[:, :n]
        event_index = pre + slots.astype(np.int64)
        if design.scenario == "spread":
            # a shock per calendar session, shared by every residual on that date
            r = design.residual_correlation
            lead = PAD - design.estimation_window[0]  # block offset of day 0, as below
            at = event_index[:, :, None] + np.arange(-lead, b - lead)  # calendar positions
            common = shocks((reps, t))[np.arange(reps)[:, None, None], at]
            z = math.sqrt(r) * common + math.sqrt(1.0 - r) * z

    residuals = z * sigma[:, :, None]
    day0 = PAD - design.estimation_window[0]
    w0, w1 = design.event_window
    evt = slice(day0 + w0, day0 + w1 + 1)
    if design.scenario in VARIANCE_SCENARIOS:
        residuals[:, :, evt] *= math.sqrt(design.variance_multiplier)
    if design.abnormal_return != 0.0:
        # spread evenly so that the CAR over the event window equals abnormal_return
        hit = slice(0, design.group_a) if design.scenario in GROUP_SCENARIOS else slice(None)
        residuals[:, hit, evt] += design.abnormal_return / design.window_length

    offsets = np.arange(-day0, b - day0)
    pos = event_index[:, :, None] + offsets[None, None, :]
    market_block = market[np.arange(reps)[:, None, None], pos]
    returns = alpha[:, :, None] + beta[:, :, None] * market_block + residuals
    return SimulatedPanel(
        returns=returns,
        market=market,
        residuals=residuals,
        alpha=alpha,
        beta=beta,
        sigma=sigma,
        event_index=event_index,
        replication=np.arange(first, first + reps, dtype=np.int64),
        day0=day0,
    )


def exact_sizes_known(design: SimulationDesign) -> bool:
    """Whether the design's null fixes the distribution of the sign count (module docstring)."""
    return (
        design.model == "market"
        and design.abnormal_return == 0.0
        and design.scenario in ("independent", "variance")
        and design.distribution == "normal"
    )


def sign_p_hat(panel: SimulatedPanel, design: SimulationDesign) -> np.ndarray:
    """``p̂`` of the generalized sign test for each replication, shape (reps,), engine-free.

    Each security's market model is fitted by OLS on its estimation window (closed form: slope
    ``cov(m, R) / var(m)``, intercept through the means); ``p̂`` is the mean over the securities of
    the share of positive residuals (Cowan 1992).
    """
    reps, n, _ = panel.returns.shape
    est = slice(PAD, PAD + design.estimation_length)
    pos = panel.block_positions(design)[:, :, est]
    m = panel.market[np.arange(reps)[:, None, None], pos]
    y = panel.returns[:, :, est]
    mc = m - m.mean(axis=2, keepdims=True)
    yc = y - y.mean(axis=2, keepdims=True)
    slope = (mc * yc).sum(axis=2) / (mc * mc).sum(axis=2)
    resid = yc - slope[:, :, None] * mc
    return (resid > 0).mean(axis=2).mean(axis=1)


def _exact_sizes(panel: SimulatedPanel, design: SimulationDesign, level: float) -> np.ndarray:
    """Exact size of the generalized sign test in each replication of the chunk (NaN if unknown)."""
    from rerating.study.statistics import generalized_sign_size

    reps = panel.returns.shape[0]
    if not exact_sizes_known(design):
        return np.full(reps, np.nan)
    # the DGP's abnormal returns are symmetric about zero: P(AR > 0) = 1/2
    return generalized_sign_size(design.n_events, sign_p_hat(panel, design), level, p_true=0.5)


def _binomial_se(rate: np.ndarray | float, n: np.ndarray | int) -> np.ndarray:
    rate = np.asarray(rate, dtype=float)
    n = np.asarray(n, dtype=float)
    return np.sqrt(rate * (1.0 - rate) / n)


@dataclass(frozen=True)
class SimulationSummary:
    """Printable summary of a simulation: text, HTML or CSV."""

    title: str
    notes: tuple[str, ...]
    table: pd.DataFrame

    def as_text(self) -> str:
        """Plain-text rendering."""
        body = self.table.to_string(index=False, float_format=lambda x: f"{x:.4f}")
        return "\n".join([self.title, "=" * len(self.title), *self.notes, "", body])

    def as_html(self) -> str:
        """HTML rendering (a notebook shows this)."""
        notes = "".join(f"<p>{n}</p>" for n in self.notes)
        return f"<h4>{self.title}</h4>{notes}" + self.table.to_html(index=False, float_format="%.4f")

    def as_csv(self) -> str:
        """CSV of the table only."""
        return self.table.to_csv(index=False)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


@dataclass(frozen=True)
class SimulationResult:
    """Rejection rates of every test over the replications of one design (read-only).

    Attributes
    ----------
    design : SimulationDesign
        The design that was run (with the seed actually used).
    rejection_rates : pandas.DataFrame
        One row per (window, test): ``window, test, valid_under_clustering,
        valid_under_event_variance, claimed_valid, replications, n_valid, rejections_5, rate_5,
        se_5, rejections_1, rate_1, se_1, exact_size, exact_size_1``. ``rate_5`` is the share of
        replications whose p-value is below 5% (the size under the null, the power with an
        abnormal return); ``se_5`` is its binomial standard error ``sqrt(rate (1 - rate) /
        n_valid)``. ``claimed_valid`` says whether the test's size is claimed to be nominal in
        this scenario. ``exact_size`` (``exact_size_1``): for a discrete test
        (:data:`DISCRETE_TESTS`), the mean over the replications of the exact probability that
        its 5% (1%) decision rejects under the null (module docstring), the rate to compare it
        with; NaN for continuous tests and where the null distribution of the count is not
        known exactly.
    tests : pandas.DataFrame
        The engine's test rows of every replication (``group`` = replication id).
    elapsed : float
        Wall-clock seconds (generation plus engine).
    engine_seconds : float
        Seconds spent inside the engine, summed over the worker processes.
    workers : int
        Processes that ran the chunks of replications.

    ``rejection_rates`` and ``tests`` are copies: editing them leaves the result as it was.
    """

    design: SimulationDesign
    _rejection_rates: pd.DataFrame
    _tests: pd.DataFrame = field(repr=False)
    elapsed: float = 0.0
    engine_seconds: float = 0.0
    workers: int = 1

    @property
    def rejection_rates(self) -> pd.DataFrame:
        """One row per (window, test): the rejection rates and their standard errors (a copy)."""
        return self._rejection_rates.copy()

    @property
    def tests(self) -> pd.DataFrame:
        """The engine's test rows of every replication, ``group`` = replication id (a copy)."""
        # shallow: under copy-on-write an edit to it never reaches ours, and it can be large
        return self._tests.copy(deep=False)

    def rate(self, test: str, level: float = 0.05, window: str | None = None) -> float:
        """Rejection rate of ``test`` at ``level`` (0.05 or 0.01) in ``window`` (default: the only one)."""
        col = {0.05: "rate_5", 0.01: "rate_1"}.get(level)
        if col is None:
            raise SimulationDesignError(f"level={level!r} is invalid: 0.05 or 0.01; pass one")
        rows = self._rejection_rates
        if window is not None:
            rows = rows[rows["window"] == window]
        rows = rows[rows["test"] == test]
        if len(rows) != 1:
            windows = list(dict.fromkeys(self._rejection_rates["window"]))
            raise SimulationDesignError(
                f"test={test!r}, window={window!r} matches {len(rows)} rows; valid tests: "
                f"{', '.join(sorted(self._rejection_rates['test'].unique()))}; windows: "
                f"{', '.join(windows) or 'none'}"
            )
        return float(rows[col].iloc[0])

    def summary(self) -> SimulationSummary:
        """Design and rejection rates, renderable as text, HTML or CSV."""
        d = self.design
        kind = "power" if d.abnormal_return != 0.0 else "size"
        scenarios = {
            "independent": "independent events on distinct random dates",
            "clustered": f"all events on one date, residual correlation r={d.residual_correlation}",
            "variance": f"event-window residual variance x{d.variance_multiplier}",
            "groups": f"one date, groups A ({d.group_a} events) and B ({d.n_events - d.group_a}) "
            f"each with its own shock, within-group correlation r={d.residual_correlation}"
            + (", abnormal return in group A only" if d.abnormal_return else ""),
        }
        scenarios["groups_variance"] = (
            f"{scenarios['groups']}; event-window residual variance x{d.variance_multiplier}"
        )
        scenarios["spread"] = (
            f"events on distinct random dates among {d.date_spread} sessions, residuals sharing "
            f"a calendar-time shock (correlation r={d.residual_correlation} on the same date)"
        )
        scenarios["groups_market"] = scenarios["groups"].replace(
            "each with its own shock, within-group correlation",
            "of one market, one shock for all, correlation within and across the groups",
        )
        scenarios["markets"] = (
            f"one date, markets A ({d.group_a} events) and B ({d.n_events - d.group_a}) trading at "
            f"different hours: correlation r={d.residual_correlation} within each, r/2 across on "
            f"the same date and r/2 between A's day t and B's day t-1; lead_lag={d.lead_lag}"
            + (", abnormal return in group A only" if d.abnormal_return else "")
        )
        scen = scenarios[d.scenario]
        notes = (
            f"{scen}; N={d.n_events}, estimation {d.estimation_window} "
            f"({d.estimation_length} sessions), window {d.event_window}, model {d.model}",
            f"{d.replications} replications, seed {d.seed}, abnormal return {d.abnormal_return:g} "
            f"({kind}); {self.elapsed:.1f} s ({self.engine_seconds:.1f} s in the engine"
            + (f" over {self.workers} processes)" if self.workers > 1 else ")"),
            f"one binomial SE of a 5% rate: {math.sqrt(0.05 * 0.95 / d.replications):.4f}",
        )
        cols = [
            "window", "test", "claimed_valid", "n_valid", "rate_5", "se_5", "exact_size", "rate_1",
            "se_1",
        ]
        return SimulationSummary(
            title=f"Brown-Warner simulation: {d.scenario} ({kind})",
            notes=notes,
            table=self._rejection_rates[cols].copy(),
        )

    def to_frame(self) -> pd.DataFrame:
        """The rejection-rate table (a copy)."""
        return self._rejection_rates.copy()

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


_TEST_COLUMNS = ["group", "window", "test", "statistic", "pvalue", "n", "valid_under_clustering"]


def _run_study(panel: SimulatedPanel, design: SimulationDesign) -> pd.DataFrame:
    """Backend ``"study"``: one public :class:`~rerating.study.EventStudy` call per chunk.

    Each replication is a ``group``; the engine's pooled ``"all"`` group is left out. Returns the
    engine's ``tests`` frame with ``group`` as the integer replication id.
    """
    from rerating.study import EventStudy  # the engine; imported late to keep this module light

    returns, market, benchmarks, events = panel.to_frames(design)
    results = EventStudy(
        returns,
        events,
        market_returns=market,
        benchmarks=benchmarks,
        model=design.model,
        estimation_window=design.estimation_window,
        event_windows=(design.event_window,),
        tests=design.tests,
        chunk_size=max(len(events), 1),
        lead_lag=design.lead_lag,  # type: ignore[arg-type]
    ).fit()
    tests = results.tests
    tests = tests[tests["group"].astype(str) != "all"].copy()
    tests["group"] = tests["group"].astype(str).astype(np.int64)
    return tests.reset_index(drop=True)[_TEST_COLUMNS]


class _BlockColumns:
    """The engine's ``PanelColumns`` protocol over ``E`` event blocks of ``B`` sessions each.

    Rows are the events' data blocks laid end to end, as the engine's flat panel lays out a
    listing's sessions; shifts stay inside a block (NaN off its edge), as the engine's do.
    """

    def __init__(self, market: np.ndarray) -> None:
        self._m = market  # (E, B)
        self.n_rows = int(market.size)

    def market(self) -> np.ndarray:
        return self._m.reshape(-1)

    def market_shift(self, k: int) -> np.ndarray:
        out = np.full_like(self._m, np.nan)
        if k > 0:
            out[:, :-k] = self._m[:, k:]
        elif k < 0:
            out[:, -k:] = self._m[:, :k]
        else:
            out[:] = self._m
        return out.reshape(-1)

    def risk_free(self) -> np.ndarray | None:
        return None

    def factors(self) -> tuple[np.ndarray, tuple[str, ...]] | None:
        return None

    def foreign(self, column: str, lag: int) -> np.ndarray:
        raise SimulationDesignError(
            f"foreign_lag=({column!r}, {lag}) is invalid in a simulation: the DGP has one market; "
            "use a model without a foreign regressor"
        )


def _run_kernel(panel: SimulatedPanel, design: SimulationDesign) -> pd.DataFrame:
    """Backend ``"kernel"``: the engine's batched kernel and test registry, without pandas.

    The whole chunk (``reps x n`` events) is fitted by one call of
    :func:`rerating.study.kernel.fit_chunk` on arrays cut straight from the DGP; each replication's
    tests then run through the engine's :data:`~rerating.study.statistics.TESTS` registry on a
    :class:`~rerating.study.statistics.WindowSample` built exactly as :class:`EventStudy` builds
    it (r̄ by the engine's own calendar-time estimator). ``tests/test_simulate.py`` checks that
    this gives the same statistics as the ``"study"`` backend, to rounding.
    """
    import types

    from rerating.study import engine as _engine
    from rerating.study import kernel as _kernel
    from rerating.study.models import get_model
    from rerating.study.results import window_label
    from rerating.study.statistics import EVENT_TIME_TESTS, TESTS, WindowSample, overlap_apart

    names = _engine.resolve_tests(design.tests)
    model = get_model(design.model)
    reps, n, _ = panel.returns.shape
    e = reps * n
    e1, e2 = design.estimation_window
    w0, w1 = design.event_window
    l1, l2 = e2 - e1 + 1, w1 - w0 + 1
    pos = panel.block_positions(design)  # (reps, n, B)
    raw = panel.returns.reshape(e, design.block)
    mkt = panel.market[np.arange(reps)[:, None, None], pos].reshape(e, design.block)
    spec_design = model.design(_BlockColumns(mkt))
    y = raw - spec_design.offset.reshape(e, design.block)
    x = spec_design.X.reshape(e, design.block, -1)
    est = slice(PAD, PAD + l1)
    evt = slice(PAD + (w0 - e1), PAD + (w0 - e1) + l2)
    if x.shape[2] and not np.isfinite(x[:, evt]).all():
        raise SimulationDesignError(
            f"model={design.model!r} needs market returns beyond the {PAD}-session margin of the "
            "simulated data; use fewer lags/leads or backend='study'"
        )
    k_params = len(spec_design.param_names)
    min_est = max(math.ceil(l1 / 2), k_params + 3)  # EventStudy's default min_estimation
    fit = _kernel.fit_chunk(
        y[:, est], x[:, est], y[:, evt], x[:, evt], np.array([[0, l2 - 1]]),
        method=model.fit_method, min_obs=min_est,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        scar = fit.car[:, 0] / np.sqrt(fit.var_car[:, 0])
        sigma = np.sqrt(fit.sigma2)
        sar_est = fit.resid_est / sigma[:, None]
        sar_evt = fit.ar / np.sqrt(fit.var_ar)
    ar_all = np.concatenate([fit.resid_est, fit.ar], axis=1)
    sar_all = np.concatenate([sar_est, sar_evt], axis=1)
    # buy-and-hold: compounded raw return minus compounded normal return (R - AR), as the engine
    r_evt = raw[:, evt]
    bhar = np.prod(1.0 + r_evt, axis=1) - np.prod(1.0 + (r_evt - fit.ar), axis=1)
    est_days = pos.reshape(e, design.block)[:, est]  # calendar positions (>= 0) of each row
    window_days = pos.reshape(e, design.block)[:, evt]  # and of its event window
    ok_event = fit.status == _kernel.OK
    ids = types.SimpleNamespace(
        event_id=np.array(
            [f"E{k}_{i}" for k in panel.replication for i in range(n)], dtype=object
        ),
        symbol=np.array([f"R{k}_{i}" for k in panel.replication for i in range(n)], dtype=object),
    )
    keep = np.arange(e)
    event_cols = np.arange(l1, l1 + l2)
    window_cols = l1 + np.arange(l2)
    label = window_label(design.event_window)
    dof = fit.dof.astype(float)
    lag = _lead_lag(design, e)
    rows: list[tuple] = []
    for r in range(reps):
        members = np.arange(r * n, (r + 1) * n)
        members = members[ok_event[members]]
        rbar = _engine._rbar(
            _engine._rbar_sample_of(ids, keep, members, fit.resid_est, est_days, [window_days], lag=lag)
        ).effective[0]
        if members.size == n:  # the usual case: a view, not a copy, of the replication's rows
            members = slice(r * n, (r + 1) * n)  # type: ignore[assignment]
        ws = WindowSample(
            car=fit.car[members, 0],
            scar=scar[members],
            bhar=bhar[members],
            dof=dof[members],
            resid_est=fit.resid_est[members],
            sar_est=sar_est[members],
            ar_all=ar_all[members],
            sar_all=sar_all[members],
            event_cols=event_cols,
            window_cols=window_cols,
            length=l2,
            rbar=rbar,
            lead_lag=lag is not None and np.unique(lag.market[members]).size > 1,
        )
        n_ok = n if isinstance(members, slice) else members.size
        # windows overlapping across different day-0 dates: the event-time tests are not valid
        # there, as EventStudy marks them
        apart = overlap_apart(window_days[members][:, [0, -1]])
        for name in names:
            spec = TESTS[name]
            if n_ok < spec.min_n:
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                res = spec.run(ws)
            rows.append(
                (int(panel.replication[r]), label, name, res.statistic, res.pvalue, res.n,
                 spec.valid_under_clustering and not (apart and name in EVENT_TIME_TESTS))
            )
        if design.scenario in GROUP_SCENARIOS:
            rows += _group_rows(
                r, panel, design, fit, scar, ok_event, label,
                (ids, keep, est_days, window_days, lag),
            )
    return pd.DataFrame(rows, columns=_TEST_COLUMNS)


def _group_rows(r, panel, design, fit, scar, ok_event, label, rbar_args) -> list[tuple]:  # type: ignore[no-untyped-def]
    """The two-group tests of replication ``r`` (rows of the tests frame).

    ``rbar_args``: ``(ids, keep, est_days, window_days, lag)`` for the engine's r̄ of each group and
    across the two (:meth:`rerating.study.EventStudyResults.compare` uses the same functions).
    """
    from rerating.study import engine as _engine
    from rerating.study.statistics import (
        adj_bmp_difference,
        cda_difference,
        estimation_aar,
        welch_difference,
    )

    ids, keep, est_days, window_days, lag = rbar_args

    def sample(members: np.ndarray):  # type: ignore[no-untyped-def]
        return _engine._rbar_sample_of(
            ids, keep, members, fit.resid_est, est_days, [window_days], lag=lag
        )

    n = design.n_events
    first = r * n
    a = np.arange(first, first + design.group_a)
    b = np.arange(first + design.group_a, first + n)
    a, b = a[ok_event[a]], b[ok_event[b]]
    car_a, car_b = fit.car[a, 0], fit.car[b, 0]
    sample_a, sample_b = sample(a), sample(b)
    results = {
        "cda_difference": cda_difference(
            car_a, car_b, estimation_aar(fit.resid_est[a]), estimation_aar(fit.resid_est[b]),
            design.window_length, lags=int(lag is not None),
        ),
        "adj_bmp_difference": adj_bmp_difference(
            scar[a],
            scar[b],
            _engine._rbar(sample_a).effective[0],
            _engine._rbar(sample_b).effective[0],
            _engine._rbar_between(sample_a, sample_b)["effective"][0],
        ),
        "welch_t": welch_difference(car_a, car_b),
    }
    return [
        (int(panel.replication[r]), label, name, res.statistic, res.pvalue, a.size + b.size,
         GROUP_TESTS[name][0])
        for name, res in results.items()
    ]


def _lead_lag(design: SimulationDesign, n_rows: int):  # type: ignore[no-untyped-def]
    """The engine's lead-lag pairs for the kernel backend's ``n_rows`` events (``None``: off).

    Markets as :class:`~rerating.study.EventStudy` sees them: in ``markets`` group A and group B
    are two (their benchmarks differ); in the other scenarios every listing is in one market. The
    calendar is one business-day calendar, on which positions are the sessions.
    """
    from rerating.study import engine as _engine

    if design.lead_lag == "none":
        return None
    if design.lead_lag == "all":
        market = np.arange(n_rows)
    elif design.scenario == "markets":
        market = (np.arange(n_rows) % design.n_events >= design.group_a).astype(np.int64)
    else:
        return None
    sessions = np.arange(design.sessions)
    return _engine._LeadLag(market=market, calendar=lambda sel: sessions)


def _run_engine(panel: SimulatedPanel, design: SimulationDesign) -> pd.DataFrame:
    """Run the engine on one chunk with the design's backend; return the tests frame."""
    if design.backend == "study":
        return _run_study(panel, design)
    return _run_kernel(panel, design)


def _rejection_table(tests: pd.DataFrame, design: SimulationDesign) -> pd.DataFrame:
    frame = tests.copy()
    p = frame["pvalue"].to_numpy(dtype=float)
    frame["_valid"] = np.isfinite(p)
    frame["_r5"] = np.isfinite(p) & (p < 0.05)
    frame["_r1"] = np.isfinite(p) & (p < 0.01)
    # exact sizes count over the replications whose p-value counts (none known: NaN)
    for col, src in (("_e5", "exact_size_5"), ("_e1", "exact_size_1")):
        known = frame[src] if src in frame else pd.Series(np.nan, index=frame.index)
        frame[col] = known.astype(float).where(frame["_valid"])
    keys = ["window", "test"]
    agg = (
        frame.groupby(keys, sort=False)
        .agg(
            valid_under_clustering=("valid_under_clustering", "all"),
            replications=("group", "nunique"),
            n_valid=("_valid", "sum"),
            rejections_5=("_r5", "sum"),
            rejections_1=("_r1", "sum"),
            exact_size=("_e5", "mean"),
            exact_size_1=("_e1", "mean"),
        )
        .reset_index()
    )
    n_valid = agg["n_valid"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate5 = np.where(n_valid > 0, agg["rejections_5"] / np.maximum(n_valid, 1), np.nan)
        rate1 = np.where(n_valid > 0, agg["rejections_1"] / np.maximum(n_valid, 1), np.nan)
    agg["rate_5"] = rate5
    agg["se_5"] = _binomial_se(np.nan_to_num(rate5), np.maximum(n_valid, 1))
    agg["rate_1"] = rate1
    agg["se_1"] = _binomial_se(np.nan_to_num(rate1), np.maximum(n_valid, 1))
    agg["valid_under_event_variance"] = agg["test"].isin(VALID_UNDER_EVENT_VARIANCE) | agg[
        "test"
    ].isin([name for name, (_, var) in GROUP_TESTS.items() if var])
    if design.scenario == "independent":
        claimed = np.ones(len(agg), dtype=bool)
    elif design.scenario == "markets" and design.lead_lag == "none":
        # the published tests count the same-date correlation only: in this scenario the
        # lead-lag part they miss makes every one of them over-reject (docs/STUDY.md)
        claimed = np.zeros(len(agg), dtype=bool)
    elif design.scenario in ("clustered", "groups", "groups_market", "spread", "markets"):
        claimed = agg["valid_under_clustering"].to_numpy(dtype=bool)
    elif design.scenario == "groups_variance":
        claimed = (agg["valid_under_clustering"] & agg["valid_under_event_variance"]).to_numpy(
            dtype=bool
        )
    else:
        claimed = agg["valid_under_event_variance"].to_numpy(dtype=bool)
    agg["claimed_valid"] = claimed
    order = [
        "window", "test", "valid_under_clustering", "valid_under_event_variance", "claimed_valid",
        "replications", "n_valid", "rejections_5", "rate_5", "se_5", "rejections_1", "rate_1",
        "se_1", "exact_size", "exact_size_1",
    ]
    return agg[order]


def simulate(
    n_events: int = 50,
    estimation_length: int = 250,
    event_window: tuple[int, int] = (0, 0),
    scenario: Scenario = "independent",
    residual_correlation: float = 0.05,
    variance_multiplier: float = 2.0,
    abnormal_return: float = 0.0,
    replications: int = 4000,
    tests: str | Sequence[str] = "all",
    model: str = "market",
    seed: int | None = None,
    *,
    gap: int = 10,
    date_spread: int = 250,
    distribution: Distribution = "normal",
    chunk_size: int = 250,
    backend: Literal["kernel", "study"] = "kernel",
    lead_lag: Literal["markets", "all", "none"] = "markets",
    parameters: MarketModelParameters | None = None,
    workers: int | None = 1,
) -> SimulationResult:
    """Size and power of every event-study test by Brown–Warner simulation.

    Draws ``replications`` independent event studies of ``n_events`` securities from a market-model
    DGP (see the module docstring), runs the engine on all of them in chunks of ``chunk_size``
    replications (one batched kernel call per chunk; see ``backend``) and reports how often each
    test rejects at 5% and 1%.

    Parameters
    ----------
    n_events : int
        Securities (events) per replication, N.
    estimation_length : int
        Estimation-window sessions L1; the window ends ``gap`` sessions before the event window.
    event_window : tuple of int
        ``(start, end)`` in sessions relative to day 0, e.g. ``(0, 0)`` or ``(-1, 1)``.
    scenario : {"independent", "clustered", "variance", "groups", "groups_variance", \
            "groups_market", "spread", "markets"}
        ``independent``: events on distinct random dates among ``date_spread`` sessions,
        independent residuals. ``clustered``: all events on one date and equicorrelated residuals
        (a common shock with variance share ``residual_correlation``, so every pairwise residual
        correlation is exactly r). ``variance``: distinct dates, and the residual variance on the
        event-window days multiplied by ``variance_multiplier`` (event-induced variance).
        ``groups``: one date, two groups (the first ``n_events // 2`` events and the rest) each
        sharing its own shock (within-group correlation ``residual_correlation``); adds the
        two-group tests ``cda_difference``, ``adj_bmp_difference`` and ``welch_t``, and ``abnormal_return``
        goes to group A. ``groups_variance``: ``groups`` with the event-window variance of
        ``variance``. ``groups_market``: ``groups`` with one shock common to both groups
        (correlation ``residual_correlation`` within and across them: one market). ``spread``:
        distinct random dates as ``independent``, every residual sharing a calendar-time shock
        (correlation ``residual_correlation`` between residuals on the same date). ``markets``:
        ``groups`` for two markets that trade at different hours (correlation r within each,
        r/2 across on one date and r/2 one session apart; the module docstring).
    residual_correlation : float
        r in ``clustered``, ``spread`` and the group scenarios; ignored otherwise.
    variance_multiplier : float
        Event-window variance factor in ``variance``; ignored otherwise.
    abnormal_return : float
        Abnormal return injected per event (0.01 = 1%), spread evenly over the event window so
        that each CAR is shifted by exactly this much; 0 measures size, non-zero power.
    replications : int
        Number of simulated event studies. Three binomial standard errors of a 5% rate are at
        most one point from about 4,300 replications.
    tests : str or sequence of str
        Engine test names to run: ``"all"``, ``"parametric"``, ``"nonparametric"``, one name, a
        comma-separated string or a list of names.
    model : str
        Normal-return model of the engine (``"market"``, ``"market_adjusted"``, ...).
    seed : int, optional
        Seed of the random generator, a whole number >= 0; ``None`` draws one (recorded in
        ``result.design.seed``).
    gap : int
        Sessions between the estimation window and the event window.
    date_spread : int
        Candidate sessions for the distinct event dates (``independent`` and ``variance``).
    distribution : {"normal", "student_t"}
        Distribution of the residual shocks (Student t has unit variance, ``t_df`` dof).
    chunk_size : int
        Replications per engine call (bounds memory). The replications are drawn chunk by
        chunk, so at one seed the rates depend on it (unlike ``workers``).
    backend : {"kernel", "study"}
        ``"kernel"`` (fast): the engine's batched kernel over the whole chunk and its test
        registry per replication, on arrays. ``"study"``: the public ``EventStudy`` path on
        DataFrames, one ``group`` per replication (slower; the same statistics, which the test
        suite checks).
    lead_lag : {"markets", "all", "none"}
        The engine's ``lead_lag`` (:class:`~rerating.study.EventStudy`): which pairs add their
        residuals' correlation one session apart to r̄. ``"none"`` shows what a same-date r̄
        does in the ``markets`` scenario.
    parameters : MarketModelParameters, optional
        Distribution of alpha, beta and sigma and of the market return.
    workers : int or None
        Processes that run the chunks (``None``: one per available core; the CLI's default).
        The results do not depend on it: every chunk is drawn in this process from the one
        random stream of ``seed``. With ``workers > 1`` a script needs the usual ``if __name__
        == "__main__":`` guard (workers import the main script, as ``multiprocessing`` does).

    Returns
    -------
    SimulationResult

    Raises
    ------
    SimulationDesignError
        A design argument is out of range or of the wrong type (a count or ``seed`` that is not
        a whole number, ``tests="none"``).
    UnknownModelError
        An unknown test name in ``tests``.

    Examples
    --------
    Fifty events on one date whose residuals correlate 0.05: the adjusted BMP test keeps its
    size, the unadjusted one rejects a true null several times too often (250 replications, so
    one binomial standard error of a 5% rate is 1.4 points):

    >>> res = simulate(n_events=50, scenario="clustered", residual_correlation=0.05,
    ...                replications=250, seed=1)
    >>> res.rate("adj_bmp"), res.rate("bmp")
    (0.044, 0.288)
    """
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 2**63 - 1))  # fresh OS entropy
    design = SimulationDesign(
        n_events=n_events,
        estimation_length=estimation_length,
        # a string ("0:0") is refused as it was given, not as its characters
        event_window=event_window if isinstance(event_window, str) else tuple(event_window),  # type: ignore[arg-type]
        gap=gap,
        scenario=scenario,
        residual_correlation=float(residual_correlation),
        variance_multiplier=float(variance_multiplier),
        abnormal_return=float(abnormal_return),
        replications=replications,
        tests=tests if isinstance(tests, str) else tuple(tests),
        model=model,
        seed=seed,  # validated by the design: a float or a negative seed is refused
        date_spread=date_spread,
        distribution=distribution,
        chunk_size=chunk_size,
        backend=backend,
        lead_lag=lead_lag,
        parameters=parameters or MarketModelParameters(),
    )
    return run_design(design, workers)


def run_design(design: SimulationDesign, workers: int | None = 1) -> SimulationResult:
    """Run a validated :class:`SimulationDesign` (see :func:`simulate`).

    ``workers``: processes that run the chunks of replications (``None``: one per available
    core). Every chunk is drawn here, in order, from the design's one random stream, so the
    results do not depend on ``workers``.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(design.seed)
    n_chunks = -(-design.replications // design.chunk_size)
    n_workers = min(resolve_workers(workers), n_chunks)
    outputs = _chunk_outputs(design, rng, n_workers)
    tests = pd.concat([out.tests for out in outputs], ignore_index=True)
    exact5 = np.concatenate([out.exact_size_5 for out in outputs])
    exact1 = np.concatenate([out.exact_size_1 for out in outputs])
    discrete = tests["test"].isin(DISCRETE_TESTS).to_numpy()
    group = tests["group"].to_numpy(dtype=np.int64)
    tests["exact_size_5"] = np.where(discrete, exact5[group], np.nan)
    tests["exact_size_1"] = np.where(discrete, exact1[group], np.nan)
    table = _rejection_table(tests, design)
    return SimulationResult(
        design=design,
        _rejection_rates=table,
        _tests=tests,
        elapsed=time.perf_counter() - started,
        engine_seconds=sum(out.engine_seconds for out in outputs),
        workers=n_workers,
    )


@dataclass(frozen=True)
class _ChunkOutput:
    """What one chunk of replications gives: the engine's test rows, the sign test's exact sizes
    per replication (NaN where unknown) and the seconds spent in the engine."""

    tests: pd.DataFrame
    exact_size_5: np.ndarray
    exact_size_1: np.ndarray
    engine_seconds: float


def _run_chunk(panel: SimulatedPanel, design: SimulationDesign) -> _ChunkOutput:
    """The engine and the exact sizes on one chunk (in this process or in a worker)."""
    from threadpoolctl import threadpool_limits

    # Each replication's matrices are tiny (N x L1): a multi-threaded BLAS only adds
    # synchronisation, 20x slower on a busy 2-core machine (measured), so use one thread.
    with threadpool_limits(limits=1, user_api="blas"):
        t0 = time.perf_counter()
        tests = _run_engine(panel, design)
        seconds = time.perf_counter() - t0
        exact5, exact1 = (_exact_sizes(panel, design, level) for level in (0.05, 0.01))
    return _ChunkOutput(tests, exact5, exact1, seconds)


def _chunk_outputs(
    design: SimulationDesign, rng: np.random.Generator, workers: int
) -> list[_ChunkOutput]:
    """Draw the design's chunks in order and run them: here, and on ``workers - 1`` worker
    processes when ``workers > 1`` (this process takes a chunk whenever the workers have one
    each, so the workers' start-up overlaps its work)."""
    sizes = [
        min(design.chunk_size, design.replications - first)
        for first in range(0, design.replications, design.chunk_size)
    ]
    firsts = np.cumsum([0, *sizes[:-1]])
    panels = (
        generate_panel(design, k, rng, first=int(first))
        for first, k in zip(firsts, sizes, strict=True)
    )
    if workers <= 1:
        return [_run_chunk(panel, design) for panel in panels]
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    pool = _worker_pool(workers - 1)
    slots: list[Future | _ChunkOutput] = []  # in chunk order: a worker's future, or an output
    try:
        for panel in panels:
            queued = sum(isinstance(x, Future) and not x.done() for x in slots)
            if queued < workers - 1:
                slots.append(pool.submit(_run_chunk, panel, design))
            else:
                slots.append(_run_chunk(panel, design))
        return [x.result() if isinstance(x, Future) else x for x in slots]
    except BrokenProcessPool as exc:
        _POOLS.pop(workers - 1, None)
        raise SimulationDesignError(
            f"a simulation worker process stopped before finishing its chunk ({exc}); its own "
            "error, if it had one, is printed above. It may have run out of memory: run with "
            "workers=1 (CLI --workers 1) or a smaller chunk_size"
        ) from exc
    finally:
        for x in slots:
            if isinstance(x, Future):
                x.cancel()


def resolve_workers(workers: int | None) -> int:
    """``workers`` as a count of processes: ``None`` is every core this process may use."""
    if workers is None:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # no affinity on macOS and Windows
            return max(1, os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise SimulationDesignError(
            f"workers={workers!r} is invalid: pass a number of processes >= 1, or None for one "
            "per core"
        )
    return int(workers)


_WORKER_IMPORTS = ("rerating.study.engine", "rerating.study.statistics")
_POOLS: dict[int, object] = {}  # worker processes kept for the next simulation of this process


def _worker_pool(workers: int):  # type: ignore[no-untyped-def]
    """A pool of ``workers`` processes, made on first use and kept for the next simulation.

    Workers start from a fork server that has imported this module (``spawn`` where there is no
    fork server), not by forking this process, whose threads (BLAS, the engine's helper) may hold
    locks. Like any ``spawn`` start, a worker imports the caller's main script: a script that
    calls :func:`simulate` with ``workers > 1`` needs the usual ``if __name__ == "__main__":``.
    """
    if workers not in _POOLS:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            # what every worker imports anyway, imported once by the server and inherited
            ctx.set_forkserver_preload([__name__, *_WORKER_IMPORTS])
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    return _POOLS[workers]


if hasattr(os, "register_at_fork"):  # a forked child has the pool objects but not their processes
    os.register_at_fork(after_in_child=_POOLS.clear)


def size_band(replications: int, level: float = 0.05, k: float = 3.0) -> tuple[float, float]:
    """``level ± k`` binomial standard errors of a rejection rate over ``replications`` draws."""
    se = math.sqrt(level * (1.0 - level) / replications)
    return (level - k * se, level + k * se)
