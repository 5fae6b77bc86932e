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
from rerating.data.calendars import to_day
from rerating.errors import DataFormatError, DateRangeError, DuplicateDateError, WindowError
from rerating.rerate.windows import check_session_dates

if TYPE_CHECKING:
    from rerating.data.market import Market

_LEDGER = ["symbol", "date", "reason"]
# residual sum of squares of both regimes at or below this share of the total sum of squares of A
# (residuals under 1e-10 of A's spread; rounding leaves ~1e-30): a perfect fit, F undefined
_PERFECT_FIT = 1e-20


def equal_weight(returns: pd.DataFrame, name: str = "basket") -> tuple[pd.Series, pd.DataFrame]:
    """Equal-weight basket return of a wide (date x symbol) returns frame.

    Parameters
    ----------
    returns : pd.DataFrame
        Daily returns, date x member; NaN = no return that date.
    name : str
        Name of the basket series and of the basket in the ledger and messages.

    Returns
    -------
    series : pd.Series
        Mean return on dates where every member has one.
    dropped : pd.DataFrame
        Ledger (``symbol, date, reason``) of the dates left out and which member lacked a return.

    Raises
    ------
    WindowError
        ``returns`` has no columns.
    DataFormatError
        A return is infinite.
    """
    if returns.shape[1] == 0:
        raise WindowError(f"basket {name} has no members; give at least one symbol")
    for sym in returns.columns:
        _finite(returns[sym], f"{sym} (basket {name})")
    complete = returns.notna().all(axis=1)
    rows = []
    for date, row in returns[~complete].iterrows():
        for sym in row.index[row.isna()]:
            rows.append({"symbol": sym, "date": date, "reason": f"no return: {name} date left out"})
    series = returns[complete].mean(axis=1).rename(name)
    return series, pd.DataFrame(rows, columns=_LEDGER)


def _finite(returns: pd.Series, name: str) -> None:
    """Refuse an infinite return: it makes every moment NaN or infinite (a close of 0 upstream)."""
    values = returns.to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero(np.isinf(values))
    if len(bad):
        i = bad[0]
        raise DataFormatError(
            f"returns of {name} are infinite on {pd.Timestamp(returns.index[i]).date()} "
            f"({values[i]}), as from a close of 0: fix that close, or set the return to NaN to "
            "leave the date out"
        )


def _unique_dates(returns: pd.Series, name: str) -> None:
    idx = returns.index
    if isinstance(idx, pd.DatetimeIndex):  # zoned dates never meet naive ones: no date would pair
        check_session_dates(idx, f"returns of {name}", "returns")
    dup = idx.duplicated(keep=False)
    if dup.any():
        day = returns.index[dup][0]
        seen = ", ".join(f"{v:.6g}" for v in returns[returns.index == day].to_numpy(dtype=float))
        raise DuplicateDateError(
            f"returns of {name} have {pd.Timestamp(day).date()} more than once (values {seen}); "
            "keep one return per date"
        )


def _label(series: pd.Series, default: str) -> str:
    return default if series.name is None else str(series.name)


def _flat(values: np.ndarray) -> bool:
    """No variance at all: every value equal (e.g. placeholder bars while suspended)."""
    # equality, not var() == 0: the mean of equal values can miss them by rounding
    return bool(values.size) and bool((values == values[0]).all())


def _pair(
    a: pd.Series, b: pd.Series, lag_b: int, a_name: str = "A", b_name: str = "B"
) -> tuple[pd.DataFrame, int]:
    for series, name in ((a, a_name), (b, b_name)):
        _unique_dates(series, name)
        _finite(series, name)
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
    lag_b : int
        Pair each return of ``a`` with the return of ``b`` this many paired dates earlier
        (``1``: Hong Kong on the previous New York session).

    Returns
    -------
    pd.DataFrame
        Indexed by date (the window's last date): ``beta``, ``corr``, ``n`` (the paired returns in
        the window); the first ``window - 1`` rows are NaN (not enough observations yet: ``n``
        counts 1, 2, ... up to ``window``).

    Raises
    ------
    WindowError
        ``window`` below 3.
    DuplicateDateError
        A date appears twice in ``a`` or ``b``.
    DataFormatError
        A return is infinite.
    """
    if int(window) < 3:
        raise WindowError(f"window = {window} is too short for a beta; use at least 3 (e.g. 20)")
    both, _ = _pair(a, b, lag_b, _label(a, "A"), _label(b, "B"))
    roll = both.rolling(int(window), min_periods=int(window))
    cov = roll.cov().xs("a", level=1)["b"] if len(both) else pd.Series(dtype=float)
    var_b = both["b"].rolling(int(window), min_periods=int(window)).var()
    corr = both["a"].rolling(int(window), min_periods=int(window)).corr(both["b"])
    out = pd.DataFrame({"beta": cov / var_b, "corr": corr})
    # paired returns in each window: fewer than ``window`` on the first rows, whose beta is NaN
    out["n"] = both["a"].rolling(int(window), min_periods=1).count().astype(int)
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
        """Every field by name."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame([self.as_dict()])

    def summary(self) -> str:
        """One line: F with its degrees of freedom, p-value and the two sample sizes."""
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
    counts as no change (F = 0), never as a negative F. When B does not move at all on one side
    (zero variance, e.g. placeholder bars while a listing is suspended) that side's slope cannot be
    estimated: ``f_stat`` and ``pvalue`` are NaN and ``note`` says which side.

    Parameters
    ----------
    a, b : pd.Series
        Daily returns indexed by date; paired on common dates (NaN left out).
    break_date : date-like
        First date of the second regime.
    lag_b : int
        As in :func:`rolling_beta`.

    Returns
    -------
    ChowTest

    Raises
    ------
    DateRangeError
        Two or fewer paired returns on a side of the break.
    DuplicateDateError
        A date appears twice in ``a`` or ``b``.
    DataFormatError
        A return is infinite.
    """
    a_name, b_name = _label(a, "A"), _label(b, "B")
    both, _ = _pair(a, b, lag_b, a_name, b_name)
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
    flat_b = [
        span
        for span, part in ((f"before {d.date()}", pre), (f"from {d.date()} on", post))
        if _flat(part["b"].to_numpy())
    ]
    if flat_b:
        # B constant in a regime: that regime's slope is not identified, so F(2, n - 4) is wrong
        f_stat = pvalue = float("nan")
        note = (
            f"F undefined: {b_name} does not move {' nor '.join(flat_b)} (zero variance; "
            "suspended?), so the slope there cannot be estimated"
        )
    elif _flat(y):
        f_stat = pvalue = float("nan")
        note = f"F undefined: {a_name} does not move at all (zero variance; suspended?)"
    elif s_1 + s_2 <= _PERFECT_FIT * tss or tss == 0.0:
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
    (member without a return, dates not shared by both markets); ``note`` why a beta or corr is NaN
    (a basket whose returns do not vary in a period: corr is undefined, and beta too when it is B).
    ``rolling`` and ``dropped`` are copies: editing them leaves the result as it was.
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
    _rolling: pd.DataFrame = field(repr=False)
    _dropped: pd.DataFrame = field(repr=False)
    note: str = ""  # why a beta or corr is NaN (a basket that does not move in a period)

    @property
    def rolling(self) -> pd.DataFrame:
        """Rolling beta, corr and n by date over the pairs kept (a copy)."""
        return self._rolling.copy()

    @property
    def dropped(self) -> pd.DataFrame:
        """Ledger of what was left out: symbol, date, reason (a copy)."""
        return self._dropped.copy()

    def as_dict(self) -> dict[str, Any]:
        """Every field but ``rolling`` and ``dropped``; ``chow`` as its own dict."""
        out = {k: v for k, v in asdict(self).items() if k not in {"_rolling", "_dropped", "chow"}}
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
        """One line: beta and corr before -> after, the sample sizes and the Chow test."""
        text = (
            f"{self.a_name} on {self.b_name} around {self.event_date.date()}: beta "
            f"{self.beta_before:+.3f} -> {self.beta_after:+.3f}, corr {self.corr_before:+.3f} -> "
            f"{self.corr_after:+.3f} (n {self.n_before}/{self.n_after}); {self.chow.summary()}"
        )
        return f"{text}; {self.note}" if self.note else text


def _beta_corr(frame: pd.DataFrame) -> tuple[float, float]:
    """Slope of A on B and their correlation; NaN where undefined (a side without variance)."""
    y, x = frame["a"].to_numpy(), frame["b"].to_numpy()
    if _flat(x):
        # no slope on a constant regressor (lstsq's minimum-norm answer would print as 0)
        return float("nan"), float("nan")
    _, slope, _ = _ols(y, x)
    if _flat(y):
        return 0.0, float("nan")  # A does not move with B: slope 0, correlation 0/0
    return slope, float(np.corrcoef(y, x)[0, 1])


def _flat_note(frame: pd.DataFrame, names: tuple[str, str], span: str) -> str:
    """Why beta/corr of one period are NaN, or ``""`` when both are defined."""
    flat = [
        name for col, name in zip(("a", "b"), names, strict=True) if _flat(frame[col].to_numpy())
    ]
    if not flat:
        return ""
    what = "beta and corr" if _flat(frame["b"].to_numpy()) else "corr"
    verb = "does not move" if len(flat) == 1 else "do not move"
    return (
        f"{what} undefined {span}: {' and '.join(flat)} {verb} in the {len(frame)} paired returns "
        "(zero variance: constant closes, e.g. placeholder bars while suspended?)"
    )


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
    lag_b : int
        As in :func:`rolling_beta`; recorded in the result.
    a_name, b_name : str
        Names of the baskets in the result, the ledger and messages.

    Returns
    -------
    Comovement

    Raises
    ------
    DuplicateDateError
        A date appears twice in ``a`` or ``b`` (which return is the day's cannot be told).
    DataFormatError
        A return is infinite (a close of 0 upstream); NaN returns are left out, never refused.
    DateRangeError
        Fewer than 3 paired returns on a side of the event.
    WindowError
        A basket given as a DataFrame has no columns.
    """
    ledger = []
    if isinstance(a, pd.DataFrame):
        a, la = equal_weight(a, a_name)
        ledger.append(la)
    if isinstance(b, pd.DataFrame):
        b, lb = equal_weight(b, b_name)
        ledger.append(lb)
    d = to_day(event_date, "event_date")
    both, lost = _pair(a, b, lag_b, a_name, b_name)
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
    notes = [
        _flat_note(pre, (a_name, b_name), f"before {d.date()}"),
        _flat_note(post, (a_name, b_name), f"from {d.date()} on"),
    ]
    chow = break_test(sample["a"].rename(a_name), sample["b"].rename(b_name), d)
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
        _rolling=rolling_beta(sample["a"], sample["b"], window),
        _dropped=pd.concat([x for x in ledger if not x.empty], ignore_index=True)
        if any(not x.empty for x in ledger)
        else pd.DataFrame(columns=_LEDGER),
        note="; ".join(n for n in notes if n),
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
    market : Market
        Where the daily returns come from (``gap_policy="drop"``: sessions without a bar are
        left out and listed in ``dropped``).
    basket_a, basket_b : sequence of str
        Listings of each basket (equal-weighted); the result names them ``"A1+A2+..."``.
    event : Event, tz-aware timestamp or date
        The break date is day 0 on the calendar of basket A's first member (an Event or timestamp),
        or the date itself when a tz-naive date is given.
    start, end : date-like, optional
        Range of returns to read (default: 200 days before to 200 days after the event).
    window : int
        Rolling window in paired observations.
    before, after : int, optional
        Keep only this many paired returns before / from the event (None: all in the range).
    lag_b : int
        As in :func:`rolling_beta`.
    adjusted : bool
        Returns of dividend-adjusted closes (``adj_close``).

    Returns
    -------
    Comovement
        ``dropped`` starts with the data layer's ledger (sessions without a bar).

    Raises
    ------
    UnknownSymbolError
        A member is not in the security master.
    MissingDataError
        A member has no bars, or no returns in the range.
    DateRangeError
        Fewer than 3 paired returns on a side of the event.
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
        x.reindex(columns=_LEDGER) for x in (ret_a.dropped, ret_b.dropped, res._dropped) if len(x)
    ]
    dropped = pd.concat(ledgers, ignore_index=True) if ledgers else res._dropped
    return replace(res, _dropped=dropped)
