"""Co-movement of two baskets: rolling beta and correlation, before/after an event, and a Chow test.

Conventions (docs/MEASURES.md):

- A basket's return is the equal-weight mean of its members' daily returns. A date on which any
  member has no return is left out of the basket series and listed in ``dropped`` (never filled).
- Two baskets on different calendars (Hong Kong vs New York) are paired on the dates both traded
  (inner join); the pairs lost are counted in ``dropped``. Hong Kong closes before New York opens,
  so a US move reaches Hong Kong the next session: ``lag_b=1`` regresses A on the previous paired
  return of B.
- ``beta`` is the OLS slope of A on B (``cov(a, b) / var(b)``, sample moments), ``corr`` Pearson's r.
- The break test is Chow (1960): the regression ``a = alpha + beta * b + e`` is fitted on the whole
  sample and separately before and from the break date; ``F = ((S_p - S_1 - S_2) / k) /
  ((S_1 + S_2) / (n - 2k))`` with ``k = 2``, compared with F(k, n - 2k). Chow, G. C. (1960), "Tests
  of Equality Between Sets of Coefficients in Two Linear Regressions", Econometrica 28(3), 591-605.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from rerating._typing import DateLike
from rerating.errors import DateRangeError, WindowError

if TYPE_CHECKING:
    from rerating.data.market import Market

_LEDGER = ["symbol", "date", "reason"]
# residual sum of squares of both regimes at or below this share of the total sum of squares of A
# (residuals under 1e-10 of A's spread; rounding leaves ~1e-30): a perfect fit, F undefined
_PERFECT_FIT = 1e-20


def equal_weight(returns: pd.DataFrame, name: str = "basket") -> tuple[pd.Series, pd.DataFrame]:
    """Equal-weight basket return of a wide (date x symbol) returns frame.

    Returns
    -------
    series : pd.Series
        Mean return on dates where every member has one.
    dropped : pd.DataFrame
        Ledger (``symbol, date, reason``) of the dates left out and which member lacked a return.
    """
    if returns.shape[1] == 0:
        raise WindowError(f"basket {name} has no members; give at least one symbol")
    complete = returns.notna().all(axis=1)
    rows = []
    for date, row in returns[~complete].iterrows():
        for sym in row.index[row.isna()]:
            rows.append({"symbol": sym, "date": date, "reason": f"no return: {name} date left out"})
    series = returns[complete].mean(axis=1).rename(name)
    return series, pd.DataFrame(rows, columns=_LEDGER)


def _pair(a: pd.Series, b: pd.Series, lag_b: int) -> tuple[pd.DataFrame, int]:
    a, b = a.dropna(), b.dropna()
    both = pd.concat({"a": a, "b": b}, axis=1, join="inner").sort_index()
    lost = len(a) + len(b) - 2 * len(both)
    if lag_b:
        both = both.assign(b=both["b"].shift(lag_b)).dropna()
    return both, lost


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[float, float, float]:
    """Intercept, slope and residual sum of squares of y on [1, x]."""
    X = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    return float(coef[0]), float(coef[1]), float(resid @ resid)


def rolling_beta(a: pd.Series, b: pd.Series, window: int, *, lag_b: int = 0) -> pd.DataFrame:
    """Rolling OLS beta of ``a`` on ``b`` and their rolling correlation.

    Parameters
    ----------
    a, b : pd.Series
        Daily returns indexed by date; paired on common dates.
    window : int
        Number of paired observations per estimate (>= 3).

    Returns
    -------
    pd.DataFrame
        Indexed by date (the window's last date): ``beta``, ``corr``, ``n``; the first
        ``window - 1`` rows are NaN (not enough observations yet).
    """
    if int(window) < 3:
        raise WindowError(f"window = {window} is too short for a beta; use at least 3 (e.g. 20)")
    both, _ = _pair(a, b, lag_b)
    roll = both.rolling(int(window), min_periods=int(window))
    cov = roll.cov().xs("a", level=1)["b"] if len(both) else pd.Series(dtype=float)
    var_b = both["b"].rolling(int(window), min_periods=int(window)).var()
    corr = both["a"].rolling(int(window), min_periods=int(window)).corr(both["b"])
    out = pd.DataFrame({"beta": cov / var_b, "corr": corr})
    out["n"] = int(window)
    out.index.name = "date"
    return out


@dataclass(frozen=True)
class ChowTest:
    """Chow (1960) test of a structural break in ``a = alpha + beta b + e`` at ``break_date``."""

    break_date: pd.Timestamp
    f_stat: float
    pvalue: float
    df_num: int
    df_den: int
    ssr_pooled: float
    ssr_before: float
    ssr_after: float
    n_before: int
    n_after: int
    note: str = ""  # why ``f_stat`` is NaN (a perfect fit leaves no residual variance)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.as_dict()])

    def summary(self) -> str:
        text = (
            f"Chow test at {self.break_date.date()}: F({self.df_num}, {self.df_den}) = "
            f"{self.f_stat:.3f}, p = {self.pvalue:.4f} (n = {self.n_before} + {self.n_after})"
        )
        return f"{text}; {self.note}" if self.note else text


def break_test(a: pd.Series, b: pd.Series, break_date: DateLike, *, lag_b: int = 0) -> ChowTest:
    """Chow test for a change of intercept and slope of ``a`` on ``b`` from ``break_date`` on.

    Observations dated before ``break_date`` form the first regime, the rest the second.

    When the two regimes' regressions fit perfectly (residual sum of squares zero up to rounding,
    as when a basket is regressed on itself) the statistic is undefined: ``f_stat`` and ``pvalue``
    are NaN and ``note`` says why. A pooled residual sum of squares below the regimes' by rounding
    counts as no change (F = 0), never as a negative F.
    """
    both, _ = _pair(a, b, lag_b)
    d = pd.Timestamp(break_date)
    pre, post = both[both.index < d], both[both.index >= d]
    k = 2
    if len(pre) <= k or len(post) <= k:
        raise DateRangeError(
            f"a break test at {d.date()} needs more than {k} paired returns on each side "
            f"(have {len(pre)} before, {len(post)} after); widen the sample"
        )
    _, _, s_p = _ols(both["a"].to_numpy(), both["b"].to_numpy())
    _, _, s_1 = _ols(pre["a"].to_numpy(), pre["b"].to_numpy())
    _, _, s_2 = _ols(post["a"].to_numpy(), post["b"].to_numpy())
    n = len(both)
    df_den = n - 2 * k
    y = both["a"].to_numpy()
    tss = float(((y - y.mean()) ** 2).sum())
    note = ""
    if s_1 + s_2 <= _PERFECT_FIT * tss or tss == 0.0:
        f_stat = pvalue = float("nan")
        note = (
            "F undefined: A is fitted exactly by B on both sides of the break (no residual "
            "variance; are the baskets the same?)"
        )
    else:
        # S_p >= S_1 + S_2 in exact arithmetic; a shortfall is rounding, i.e. no change at all
        f_stat = max(s_p - s_1 - s_2, 0.0) / k / ((s_1 + s_2) / df_den)
        pvalue = float(stats.f.sf(f_stat, k, df_den))
    return ChowTest(
        break_date=d,
        f_stat=float(f_stat),
        pvalue=pvalue,
        df_num=k,
        df_den=int(df_den),
        ssr_pooled=s_p,
        ssr_before=s_1,
        ssr_after=s_2,
        n_before=len(pre),
        n_after=len(post),
        note=note,
    )


@dataclass(frozen=True)
class Comovement:
    """Beta and correlation of basket A on basket B before and after an event, with a Chow test.

    ``rolling`` holds the rolling beta/corr (date-indexed); ``dropped`` the ledger of dates left out
    (member without a return, dates not shared by both markets).
    """

    a_name: str
    b_name: str
    event_date: pd.Timestamp
    beta_before: float
    beta_after: float
    corr_before: float
    corr_after: float
    n_before: int
    n_after: int
    lag_b: int
    chow: ChowTest
    rolling: pd.DataFrame = field(repr=False)
    dropped: pd.DataFrame = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in {"rolling", "dropped", "chow"}}
        out["chow"] = self.chow.as_dict()
        return out

    def to_frame(self) -> pd.DataFrame:
        """Two rows (before, after) with beta, corr and n, plus the Chow statistic."""
        return pd.DataFrame(
            {
                "period": ["before", "after"],
                "beta": [self.beta_before, self.beta_after],
                "corr": [self.corr_before, self.corr_after],
                "n": [self.n_before, self.n_after],
                "chow_f": [self.chow.f_stat] * 2,
                "chow_pvalue": [self.chow.pvalue] * 2,
            }
        )

    def summary(self) -> str:
        return (
            f"{self.a_name} on {self.b_name} around {self.event_date.date()}: beta "
            f"{self.beta_before:+.3f} -> {self.beta_after:+.3f}, corr {self.corr_before:+.3f} -> "
            f"{self.corr_after:+.3f} (n {self.n_before}/{self.n_after}); {self.chow.summary()}"
        )


def _beta_corr(frame: pd.DataFrame) -> tuple[float, float]:
    _, slope, _ = _ols(frame["a"].to_numpy(), frame["b"].to_numpy())
    return slope, float(np.corrcoef(frame["a"], frame["b"])[0, 1])


def comovement(
    a: pd.Series | pd.DataFrame,
    b: pd.Series | pd.DataFrame,
    event_date: DateLike,
    *,
    window: int = 20,
    before: int | None = None,
    after: int | None = None,
    lag_b: int = 0,
    a_name: str = "A",
    b_name: str = "B",
) -> Comovement:
    """Beta/correlation of A on B before and after ``event_date``, rolling path and Chow test.

    Parameters
    ----------
    a, b : Series of returns, or wide DataFrame of member returns (equal-weighted)
    event_date : date-like
        First date of the "after" regime (day 0 of the event on A's market).
    window : int
        Rolling window in paired observations.
    before, after : int, optional
        Keep only this many paired returns before / from the event (default: all).
    """
    ledger = []
    if isinstance(a, pd.DataFrame):
        a, la = equal_weight(a, a_name)
        ledger.append(la)
    if isinstance(b, pd.DataFrame):
        b, lb = equal_weight(b, b_name)
        ledger.append(lb)
    d = pd.Timestamp(event_date)
    both, lost = _pair(a, b, lag_b)
    pre, post = both[both.index < d], both[both.index >= d]
    if before is not None:
        pre = pre.tail(int(before))
    if after is not None:
        post = post.head(int(after))
    if len(pre) < 3 or len(post) < 3:
        raise DateRangeError(
            f"co-movement around {d.date()} needs at least 3 paired returns each side (have "
            f"{len(pre)} before, {len(post)} after); widen the date range"
        )
    sample = pd.concat([pre, post])
    if lost:
        ledger.append(
            pd.DataFrame(
                [
                    {
                        "symbol": f"{a_name}|{b_name}",
                        "date": pd.NaT,
                        "reason": f"{lost} returns on dates only one market traded",
                    }
                ],
                columns=_LEDGER,
            )
        )
    beta0, corr0 = _beta_corr(pre)
    beta1, corr1 = _beta_corr(post)
    chow = break_test(sample["a"], sample["b"], d)
    return Comovement(
        a_name=a_name,
        b_name=b_name,
        event_date=d,
        beta_before=beta0,
        beta_after=beta1,
        corr_before=corr0,
        corr_after=corr1,
        n_before=len(pre),
        n_after=len(post),
        lag_b=int(lag_b),
        chow=chow,
        rolling=rolling_beta(sample["a"], sample["b"], window),
        dropped=pd.concat([x for x in ledger if not x.empty], ignore_index=True)
        if any(not x.empty for x in ledger)
        else pd.DataFrame(columns=_LEDGER),
    )


# --- Market wrapper -------------------------------------------------------------------------------


def basket_comovement(
    market: Market,
    basket_a: Sequence[str],
    basket_b: Sequence[str],
    event: Any,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    window: int = 20,
    before: int | None = 60,
    after: int | None = 60,
    lag_b: int = 0,
    adjusted: bool = True,
) -> Comovement:
    """:func:`comovement` of two baskets of listings from the market's daily returns.

    Parameters
    ----------
    event : Event, tz-aware timestamp or date
        The break date is day 0 on the calendar of basket A's first member (an Event or timestamp),
        or the date itself when a tz-naive date is given.
    start, end : date-like, optional
        Range of returns to read (default: 200 days before to 200 days after the event).
    """
    from rerating.events.alignment import day_zero
    from rerating.events.catalog import Event

    sec_a = market.securities.get(basket_a[0])
    if isinstance(event, Event) or pd.Timestamp(event).tzinfo is not None:
        d0 = day_zero(event, sec_a.calendar)
    else:
        d0 = pd.Timestamp(event)
    lo = pd.Timestamp(start) if start is not None else d0 - pd.Timedelta(days=200)
    hi = pd.Timestamp(end) if end is not None else d0 + pd.Timedelta(days=200)
    ret_a = market.returns(list(basket_a), lo, hi, gap_policy="drop", adjusted=adjusted)
    ret_b = market.returns(list(basket_b), lo, hi, gap_policy="drop", adjusted=adjusted)
    # rows of another listing's calendar are NaN here: keep each basket on its own sessions
    wide_a = ret_a.wide().dropna(how="all")
    wide_b = ret_b.wide().dropna(how="all")
    res = comovement(
        wide_a,
        wide_b,
        d0,
        window=window,
        before=before,
        after=after,
        lag_b=lag_b,
        a_name="+".join(basket_a),
        b_name="+".join(basket_b),
    )
    # the data layer's own ledger (sessions without a bar) comes first
    ledgers = [
        x.reindex(columns=_LEDGER) for x in (ret_a.dropped, ret_b.dropped, res.dropped) if len(x)
    ]
    dropped = pd.concat(ledgers, ignore_index=True) if ledgers else res.dropped
    return replace(res, dropped=dropped)
