"""Normal-return models: a registry of small classes selected by name.

A model turns the aligned panel (one row per session of each listing) into

* an ``offset`` subtracted from the security's return before fitting (the market return for the
  market-adjusted model, the risk-free rate for CAPM and excess-return factor models), and
* a regressor matrix ``X`` whose columns are the model's parameters,

plus the name of the kernel fit method (``"ols"``, ``"none"`` or ``"scholes_williams"``). The batched
kernel (:mod:`rerating.study.kernel`) does the arithmetic; models only say *what* to regress.

Models (``model=`` key):

``mean_adjusted``
    ``AR = R - mean(R_est)``; Brown & Warner (1980).
``market_adjusted``
    ``AR = R - R_m``; no parameters. Variance from the estimation-window ARs (Brown & Warner 1985).
``market``
    OLS market model ``R = a + b R_m + e``; Campbell, Lo & MacKinlay (1997, ch. 4).
``capm``
    ``R - R_f = a + b (R_m - R_f) + e`` (needs ``risk_free``).
``factor``
    ``R [- R_f] = a + sum_k b_k F_k + e`` for any user factors (Fama-French 3/5, Carhart, custom).
``scholes_williams``
    Scholes & Williams (1977) beta ``(b_- + b_0 + b_+) / (1 + 2 rho_m)`` for non-synchronous trading.
``dimson``
    Dimson (1979): OLS on lags and leads of the market; the beta is the sum of the slopes.

Every model except ``mean_adjusted``, ``market_adjusted`` and ``scholes_williams`` also accepts a
*lagged foreign market* regressor, ``foreign_lag=("^GSPC", 1)``: the return of the foreign market's
session that closed before the local session opened (lag 1 = last night's New York session for a
Hong Kong stock), aligned in calendar time by the panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol, TypeAlias

import numpy as np

from rerating.errors import EstimationError, UnknownModelError, did_you_mean

if TYPE_CHECKING:
    from collections.abc import Sequence

ModelName: TypeAlias = Literal[
    "mean_adjusted", "market_adjusted", "market", "capm", "factor", "scholes_williams", "dimson"
]
FitMethod: TypeAlias = Literal["ols", "none", "scholes_williams"]


class PanelColumns(Protocol):
    """What a model may read from the aligned panel (flat arrays, one entry per panel row)."""

    n_rows: int

    def market(self) -> np.ndarray: ...

    def market_shift(self, k: int) -> np.ndarray: ...

    def risk_free(self) -> np.ndarray | None: ...

    def factors(self) -> tuple[np.ndarray, tuple[str, ...]] | None: ...

    def foreign(self, column: str, lag: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Design:
    """Regression design of a model over the flat panel.

    Attributes
    ----------
    offset : ndarray, shape (n_rows,)
        Subtracted from the return before fitting (zeros when none).
    X : ndarray, shape (n_rows, K)
        Regressors; ``K`` may be 0 (market-adjusted).
    param_names : tuple of str
        One name per column of ``X``.
    regressor_labels : tuple of str
        What each column is made of (for ledger messages: "benchmark", "factor", ...).
    """

    offset: np.ndarray
    X: np.ndarray
    param_names: tuple[str, ...]
    regressor_labels: tuple[str, ...]


@dataclass(frozen=True)
class NormalReturnModel:
    """Base class: subclasses set ``name``, ``fit_method`` and implement :meth:`design`."""

    name: ClassVar[str] = ""
    fit_method: ClassVar[FitMethod] = "ols"
    needs_market: ClassVar[bool] = True
    # whether the design reads ``risk_free``; a model that does not is told so when one is given
    # (a custom model may read it: True unless a subclass says otherwise)
    uses_risk_free: ClassVar[bool] = True
    uses_factors: ClassVar[bool] = True  # likewise for ``factors``

    def design(self, panel: PanelColumns) -> Design:
        raise NotImplementedError

    def _with_foreign(
        self, panel: PanelColumns, cols: list[np.ndarray], names: list[str], labels: list[str]
    ) -> None:
        lag = getattr(self, "foreign_lag", None)
        if lag is None:
            return
        column, k = lag
        cols.append(panel.foreign(column, int(k)))
        names.append(f"beta_foreign_{column}_lag{int(k)}")
        labels.append(f"foreign market {column}")


def _stack(cols: list[np.ndarray]) -> np.ndarray:
    """``np.column_stack`` of 1-D columns of one length, filled into one (n, K) array.

    Same values and dtype; one pass per column instead of a reshape and concatenate.
    """
    if not all(np.ndim(c) == 1 for c in cols):
        return np.column_stack(cols)
    out = np.empty((len(cols[0]), len(cols)), dtype=np.result_type(*cols))
    for j, c in enumerate(cols):
        out[:, j] = c
    return out


def _check_foreign(lag: tuple[str, int] | None) -> None:
    if lag is None:
        return
    if (
        not isinstance(lag, tuple)
        or len(lag) != 2
        or not isinstance(lag[0], str)
        or not isinstance(lag[1], (int, np.integer))
        or lag[1] < 1
    ):
        raise EstimationError(
            f"foreign_lag must be a (column, lag) pair with lag >= 1, got {lag!r}; "
            "for example foreign_lag=('^GSPC', 1) for last night's New York session"
        )


@dataclass(frozen=True)
class MeanAdjusted(NormalReturnModel):
    """Constant-mean-return model: ``AR = R - mean(R)`` over the estimation window.

    Brown, S. J. & Warner, J. B. (1980), "Measuring security price performance", Journal of
    Financial Economics 8, 205-258 (the "mean adjusted returns" model); Campbell, Lo & MacKinlay
    (1997), The Econometrics of Financial Markets, section 4.3.1.
    """

    name: ClassVar[str] = "mean_adjusted"
    uses_factors: ClassVar[bool] = False
    uses_risk_free: ClassVar[bool] = False
    needs_market: ClassVar[bool] = False

    def design(self, panel: PanelColumns) -> Design:
        n = panel.n_rows
        return Design(np.zeros(n), np.ones((n, 1)), ("alpha",), ("constant",))


@dataclass(frozen=True)
class MarketAdjusted(NormalReturnModel):
    """Market-adjusted returns ``AR = R - R_m`` (no parameters estimated).

    Brown & Warner (1980), "Measuring security price performance", Journal of Financial Economics
    8, 205-258 ("market adjusted returns"); the variance of ``AR`` is the sample variance of
    ``R - R_m`` over the estimation window.
    """

    name: ClassVar[str] = "market_adjusted"
    uses_factors: ClassVar[bool] = False
    uses_risk_free: ClassVar[bool] = False
    fit_method: ClassVar[FitMethod] = "none"

    def design(self, panel: PanelColumns) -> Design:
        return Design(panel.market(), np.empty((panel.n_rows, 0)), (), ())


@dataclass(frozen=True)
class MarketModel(NormalReturnModel):
    """OLS market model ``R = alpha + beta R_m + e`` (optionally + a lagged foreign market).

    Sharpe, W. F. (1963), "A simplified model for portfolio analysis", Management Science 9(2),
    277-293; as the normal-return model of event studies, Fama, Fisher, Jensen & Roll (1969), "The
    adjustment of stock prices to new information", International Economic Review 10(1), 1-21,
    and Campbell, Lo & MacKinlay (1997), section 4.3.2.
    """

    name: ClassVar[str] = "market"
    uses_factors: ClassVar[bool] = False
    uses_risk_free: ClassVar[bool] = False
    foreign_lag: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        _check_foreign(self.foreign_lag)

    def design(self, panel: PanelColumns) -> Design:
        cols = [np.ones(panel.n_rows), panel.market()]
        names, labels = ["alpha", "beta"], ["constant", "benchmark"]
        self._with_foreign(panel, cols, names, labels)
        return Design(np.zeros(panel.n_rows), _stack(cols), tuple(names), tuple(labels))


@dataclass(frozen=True)
class CAPM(NormalReturnModel):
    """CAPM in excess returns: ``R - R_f = alpha + beta (R_m - R_f) + e`` (needs ``risk_free``).

    Sharpe, W. F. (1964), "Capital asset prices", Journal of Finance 19(3), 425-442; Lintner, J.
    (1965), Review of Economics and Statistics 47(1), 13-37; in event studies, Campbell, Lo &
    MacKinlay (1997), section 4.4. ``alpha`` is estimated (not restricted to 0), as there.
    """

    name: ClassVar[str] = "capm"
    uses_factors: ClassVar[bool] = False
    foreign_lag: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        _check_foreign(self.foreign_lag)

    def design(self, panel: PanelColumns) -> Design:
        rf = panel.risk_free()
        if rf is None:
            raise EstimationError(
                "model='capm' needs a risk-free rate: pass risk_free= (a Series of per-session "
                "returns indexed by date), or use model='market'"
            )
        cols = [np.ones(panel.n_rows), panel.market() - rf]
        names, labels = ["alpha", "beta"], ["constant", "benchmark or risk-free"]
        self._with_foreign(panel, cols, names, labels)
        return Design(rf, _stack(cols), tuple(names), tuple(labels))


@dataclass(frozen=True)
class FactorModel(NormalReturnModel):
    """Multi-factor model on user factors (FF3, FF5, Carhart or custom); excess returns if ``risk_free``.

    Fama, E. F. & French, K. R. (1993), "Common risk factors in the returns on stocks and bonds",
    Journal of Financial Economics 33, 3-56 (three factors); Fama & French (2015), "A five-factor
    asset pricing model", JFE 116, 1-22; Carhart, M. M. (1997), "On persistence in mutual fund
    performance", Journal of Finance 52(1), 57-82 (momentum).
    """

    name: ClassVar[str] = "factor"
    needs_market: ClassVar[bool] = False
    foreign_lag: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        _check_foreign(self.foreign_lag)

    def design(self, panel: PanelColumns) -> Design:
        got = panel.factors()
        if got is None:
            raise EstimationError(
                "model='factor' needs factors=: a DataFrame of factor returns indexed by date "
                "(e.g. columns Mkt-RF, SMB, HML), aligned to each security's own sessions"
            )
        values, fnames = got
        rf = panel.risk_free()
        cols = [np.ones(panel.n_rows), *[values[:, j] for j in range(values.shape[1])]]
        names = ["alpha", *[f"beta_{f}" for f in fnames]]
        labels = ["constant", *[f"factor {f}" for f in fnames]]
        self._with_foreign(panel, cols, names, labels)
        offset = rf if rf is not None else np.zeros(panel.n_rows)
        return Design(offset, _stack(cols), tuple(names), tuple(labels))


@dataclass(frozen=True)
class ScholesWilliams(NormalReturnModel):
    """Scholes & Williams (1977) betas for non-synchronous trading.

    ``beta = (b_- + b_0 + b_+) / (1 + 2 rho_m)`` with ``b_j`` the slope of ``R_t`` on ``R_m,t+j`` and
    ``rho_m`` the first-order autocorrelation of the market; ``alpha = mean(R) - beta mean(R_m)``.
    Lags and leads are taken along the security's own sessions.
    """

    name: ClassVar[str] = "scholes_williams"
    uses_factors: ClassVar[bool] = False
    uses_risk_free: ClassVar[bool] = False
    fit_method: ClassVar[FitMethod] = "scholes_williams"

    def design(self, panel: PanelColumns) -> Design:
        cols = [
            np.ones(panel.n_rows),
            panel.market(),
            panel.market_shift(-1),
            panel.market_shift(1),
        ]
        # columns 2 and 3 (lagged and led market) are used by the fit only, never in the AR
        return Design(
            np.zeros(panel.n_rows),
            _stack(cols),
            ("alpha", "beta"),
            ("constant", "benchmark", "benchmark (previous session)", "benchmark (next session)"),
        )


@dataclass(frozen=True)
class Dimson(NormalReturnModel):
    """Dimson (1979) aggregated-coefficients beta: OLS on ``lags`` lags and ``leads`` leads of R_m.

    The reported ``beta`` is the sum of the slopes; abnormal returns use every slope.
    """

    name: ClassVar[str] = "dimson"
    uses_factors: ClassVar[bool] = False
    uses_risk_free: ClassVar[bool] = False
    lags: int = 1
    leads: int = 1
    foreign_lag: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        for arg in ("lags", "leads"):
            v = getattr(self, arg)
            if not isinstance(v, (int, np.integer)) or v < 0 or v > 10:
                raise EstimationError(f"Dimson {arg} must be an integer 0..10, got {v!r}")
        _check_foreign(self.foreign_lag)

    def design(self, panel: PanelColumns) -> Design:
        cols = [np.ones(panel.n_rows)]
        names, labels = ["alpha"], ["constant"]
        for k in range(self.lags, 0, -1):
            cols.append(panel.market_shift(-k))
            names.append(f"beta_lag{k}")
            labels.append(f"benchmark ({k} sessions earlier)")
        cols.append(panel.market())
        names.append("beta_0")
        labels.append("benchmark")
        for k in range(1, self.leads + 1):
            cols.append(panel.market_shift(k))
            names.append(f"beta_lead{k}")
            labels.append(f"benchmark ({k} sessions later)")
        self._with_foreign(panel, cols, names, labels)
        return Design(np.zeros(panel.n_rows), _stack(cols), tuple(names), tuple(labels))


MODELS: dict[str, type[NormalReturnModel]] = {
    cls.name: cls
    for cls in (
        MeanAdjusted,
        MarketAdjusted,
        MarketModel,
        CAPM,
        FactorModel,
        ScholesWilliams,
        Dimson,
    )
}


def get_model(model: ModelName | str | NormalReturnModel) -> NormalReturnModel:
    """Return a model instance from a registry name or pass an instance through.

    Raises
    ------
    UnknownModelError
        ``model`` is not a registered name.
    """
    if isinstance(model, NormalReturnModel):
        return model
    if not isinstance(model, str) or model not in MODELS:
        raise UnknownModelError(
            f"unknown model {model!r}{did_you_mean(str(model), MODELS)}; valid models: "
            f"{', '.join(MODELS)} (or an instance such as Dimson(lags=2, leads=1))"
        )
    return MODELS[model]()


def model_names() -> Sequence[str]:
    """The registered model names."""
    return tuple(MODELS)
