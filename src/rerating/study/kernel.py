"""The batched event-study kernel: a pure function over one chunk of events.

Arrays in, arrays out, no pandas and no per-event Python loop: the normal equations of every event
in the chunk are formed with batched ``matmul`` and solved in one batched call, so a distributed engine can
map :func:`fit_chunk` over partitions of a panel.
A design of a constant and one regressor (the market model, CAPM) is solved in closed form
from the sums of x, y, x^2 and xy instead (the same numbers to rounding level).

Shapes: ``E`` events, ``L1`` estimation sessions, ``L2`` event-span sessions, ``K`` regressors,
``W`` event windows. Missing observations are NaN; an estimation row is used only when the return
and every regressor are finite.

Variances follow Campbell, Lo & MacKinlay (1997, sec. 4.4): the abnormal return on event day ``t``
has variance ``sigma^2 (1 + x_t' (X'X)^{-1} x_t)`` (the prediction-error correction), and the CAR over
a window has variance ``sigma^2 1'(I + X* (X'X)^{-1} X*')1 = sigma^2 (L + s' (X'X)^{-1} s)`` with
``s = X*' 1`` the column sums of the window's regressors: the full covariance, not ``L sigma^2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

OK = 0
TOO_FEW = 1
ZERO_VARIANCE = 2
SINGULAR = 3

STATUS_REASONS = {
    TOO_FEW: "not enough estimation data",
    ZERO_VARIANCE: "zero variance: constant returns (or a perfect fit) in the estimation window",
    SINGULAR: "singular design: a benchmark or factor is constant or collinear in the estimation window",
}


@dataclass(frozen=True)
class ChunkFit:
    """Kernel output for one chunk of ``E`` events (all arrays, NaN where an event failed).

    Attributes
    ----------
    params : (E, K) fitted coefficients.
    sigma2 : (E,) residual variance ``SSR / (n - K)`` (``n - 1`` around the mean for ``K = 0``).
    n_obs : (E,) estimation observations used.
    dof : (E,) residual degrees of freedom.
    status : (E,) ``OK``, ``TOO_FEW``, ``ZERO_VARIANCE`` or ``SINGULAR``.
    resid_est : (E, L1) estimation-window residuals (NaN where not used).
    ar : (E, L2) abnormal returns over the event span.
    var_ar : (E, L2) prediction-error-corrected variance of each AR.
    car : (E, W) cumulative abnormal return of each window.
    var_car : (E, W) variance of each CAR (full covariance).
    """

    params: np.ndarray
    sigma2: np.ndarray
    n_obs: np.ndarray
    dof: np.ndarray
    status: np.ndarray
    resid_est: np.ndarray
    ar: np.ndarray
    var_ar: np.ndarray
    car: np.ndarray
    var_car: np.ndarray


def all_finite(x: np.ndarray) -> bool:
    """Whether every entry is finite, from one reduction and no (E x L) mask.

    A NaN or an infinity makes the sum NaN or infinite, so a finite sum proves every entry finite;
    a sum that overflows (entries near 1e308) only sends the caller to its slower, exact path.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.add.reduce(x, axis=None)))


def _masked_slope(y: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Row-wise OLS slope of y on x (with intercept) over mask m (rows with zero x-variance -> NaN)."""
    n = m.sum(axis=1)
    xs = np.where(m, x, 0.0)
    ys = np.where(m, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xb = xs.sum(axis=1) / n
        yb = ys.sum(axis=1) / n
        dx = np.where(m, x - xb[:, None], 0.0)
        dy = np.where(m, y - yb[:, None], 0.0)
        sxx = (dx * dx).sum(axis=1)
        return np.where(sxx > 0, (dx * dy).sum(axis=1) / np.where(sxx > 0, sxx, 1.0), np.nan)


def _masked_corr(a: np.ndarray, b: np.ndarray, m: np.ndarray) -> np.ndarray:
    n = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        da = np.where(m, a - np.where(m, a, 0).sum(axis=1)[:, None] / n[:, None], 0.0)
        db = np.where(m, b - np.where(m, b, 0).sum(axis=1)[:, None] / n[:, None], 0.0)
        den = np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))
        return np.where(den > 0, (da * db).sum(axis=1) / np.where(den > 0, den, 1.0), np.nan)


EIG_MIN = 1e-10  # smallest eigenvalue of the correlation-scaled X'X below which X is singular


def _smallest_eigenvalue(scaled: np.ndarray) -> np.ndarray:
    """Smallest eigenvalue of each symmetric (K x K) matrix; closed form for K <= 2.

    For K = 2 the closed form ``(a + b) / 2 - hypot((a - b) / 2, c)`` is ~10x faster than LAPACK
    on a stack of tiny matrices; it may differ from LAPACK's in the last bits, so where it lies
    within 1e-12 of the singularity threshold (far wider than either's rounding error, ~1e-15)
    LAPACK's value is used: the singular/non-singular decision is always LAPACK's.
    """
    k = scaled.shape[-1]
    if k == 1:
        return scaled[:, 0, 0].copy()  # LAPACK returns the 1 x 1 matrix's entry itself
    if k != 2:
        return np.linalg.eigvalsh(scaled)[:, 0]
    return _smallest_eigenvalue_2x2(scaled[:, 0, 0], scaled[:, 1, 1], scaled[:, 0, 1], scaled)


def _smallest_eigenvalue_2x2(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, scaled: np.ndarray | None = None
) -> np.ndarray:
    """Smallest eigenvalue of each symmetric ``[[a, c], [c, b]]`` (see :func:`_smallest_eigenvalue`).

    ``scaled``: the (E, 2, 2) matrices when the caller has them (LAPACK reads their lower
    triangle near the threshold); else they are built from ``a, b, c`` for those rows only.
    """
    out = 0.5 * (a + b) - np.hypot(0.5 * (a - b), c)
    near = ~(np.abs(out - EIG_MIN) > 1e-12)
    if near.any():
        if scaled is None:
            an, bn, cn = a[near], b[near], c[near]
            m = np.stack([np.stack([an, cn], axis=1), np.stack([cn, bn], axis=1)], axis=1)
        else:
            m = scaled[near]
        out[near] = np.linalg.eigvalsh(m)[:, 0]
    return out


def _line_fit(
    x: np.ndarray, y: np.ndarray, n: np.ndarray, sx: np.ndarray, sy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """OLS of ``y`` on ``(1, x)`` per row from the sums (rows masked to 0 outside the fit).

    ``sx``, ``sy``: the row sums of ``x`` and ``y``, which the caller has (they also tell it
    whether anything is missing). Returns ``(params (E, 2), residuals y - fitted (E, L), sum of
    x^2 (E,), (X'X)^{-1} as its entries (0, 0), (0, 1), (1, 1))``: the closed forms of the batched
    normal equations for two regressors, without a tiny BLAS call per event. The residuals are
    formed in one buffer (``beta x``, ``+ alpha``, ``y -``): the operations, and so the bits, of
    ``y - (alpha + beta x)``.
    """
    nn = n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        xbar = sx / nn
        ybar = sy / nn
        sxx = np.einsum("el,el->e", x, x)
        sxx_c = sxx - sx * xbar  # sum of squared deviations of x
        beta = (np.einsum("el,el->e", x, y) - sx * ybar) / sxx_c
        alpha = ybar - beta * xbar
        inv = (sxx / (nn * sxx_c), -xbar / sxx_c, 1.0 / sxx_c)
        fitted = np.multiply(beta[:, None], x)
        np.add(alpha[:, None], fitted, out=fitted)
    params = np.empty((x.shape[0], 2))
    params[:, 0] = alpha
    params[:, 1] = beta
    return params, np.subtract(y, fitted, out=fitted), sxx, inv


def fit_chunk(
    y_est: np.ndarray,
    x_est: np.ndarray,
    y_evt: np.ndarray,
    x_evt: np.ndarray,
    windows: np.ndarray,
    *,
    method: Literal["ols", "none", "scholes_williams"] = "ols",
    min_obs: int = 30,
    intercept: bool = False,
    row_sums: tuple[np.ndarray, np.ndarray] | None = None,
) -> ChunkFit:
    """Fit the normal-return model of every event in a chunk and compute AR, CAR and variances.

    Parameters
    ----------
    y_est : ndarray, shape (E, L1)
        Estimation-window returns (after the model's offset), NaN where missing.
    x_est : ndarray, shape (E, L1, K)
        Estimation-window regressors, NaN where missing.
    y_evt, x_evt : ndarray, shapes (E, L2) and (E, L2, K)
        The same over the event span (the union of every event window). A NaN return is a day
        without a return: its AR is NaN and each window's CAR sums the ARs of the days it has,
        with the variance of that sum (Campbell, Lo & MacKinlay's formula over those rows).
    windows : ndarray of int, shape (W, 2)
        Inclusive column ranges ``[first, last]`` of each event window inside the event span.
    method : {"ols", "none", "scholes_williams"}
        ``"ols"``: least squares on all ``K`` columns. ``"none"``: no parameters (``K = 0``, the
        market-adjusted model); ``sigma^2`` is the sample variance of the estimation ARs.
        ``"scholes_williams"``: ``x`` columns are (1, R_m, R_m lagged, R_m led); see
        :class:`rerating.study.models.ScholesWilliams`. Its AR variance uses the OLS market-model
        prediction-error formula on (1, R_m) - an approximation, since the SW beta is not OLS.
    min_obs : int
        Fewer usable estimation rows than this -> status ``TOO_FEW``.
    intercept : bool
        ``x`` omits a leading constant column of ones, which is implied (the market model passes
        ``R_m`` alone, ``K = 1``: no design with a column of ones to build and check). The results
        are those of the design with the constant prepended.
    row_sums : (ndarray, ndarray), optional
        With ``intercept`` and one regressor: the sums over each row of ``y_est`` and of
        ``x_est[:, :, 0]`` when the caller has formed them (``y.sum(axis=1)``, the same numbers),
        both finite. The line fit needs them, and they show that nothing is missing.

    Returns
    -------
    ChunkFit
    """
    y_est = np.asarray(y_est, dtype=float)
    x_est = np.asarray(x_est, dtype=float)
    y_evt = np.asarray(y_evt, dtype=float)
    x_evt = np.asarray(x_evt, dtype=float)
    windows = np.asarray(windows, dtype=np.int64).reshape(-1, 2)
    if intercept and not (method == "ols" and x_est.shape[2] == 1):
        # only the line fit uses the implied constant directly: otherwise prepend it
        x_est = np.concatenate([np.ones((*x_est.shape[:2], 1)), x_est], axis=2)
        x_evt = np.concatenate([np.ones((*x_evt.shape[:2], 1)), x_evt], axis=2)
        intercept = False
    E = y_est.shape[0]
    k_all = x_est.shape[2]
    sums = None
    if intercept:
        # the line fit needs the row sums of y and x anyway, and they show whether anything is
        # missing (NaN and inf propagate through a sum; an overflow only takes the masked path,
        # which gives the same numbers): no separate finiteness pass
        sums = row_sums
        if sums is None:
            with np.errstate(invalid="ignore", over="ignore"):
                sums = (y_est.sum(axis=1), x_est[:, :, 0].sum(axis=1))
        full = bool(np.isfinite(sums[0]).all() and np.isfinite(sums[1]).all())
    else:
        # no missing estimation data in the chunk (the usual case): two quick reductions, no mask
        full = all_finite(y_est) and all_finite(x_est)
    mask = None  # rows used in each fit; None: every row (no (E x L1) mask is built)
    if full:
        n = np.full(E, y_est.shape[1], dtype=np.intp)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            # one pass finds rows where the return or any regressor is missing (NaN propagates);
            # x @ ones is a BLAS matrix-vector product: far faster than a sum over a length-K axis
            mask = np.isfinite(y_est + x_est @ np.ones(k_all) if k_all else y_est)
        n = mask.sum(axis=1)
    status = np.where(n < max(min_obs, 2), TOO_FEW, OK)

    ym = y_est if mask is None else np.where(mask, y_est, 0.0)
    if not intercept:  # the line fit forms the mean from its sums
        with np.errstate(invalid="ignore", divide="ignore"):
            ybar = ym.sum(axis=1) / np.maximum(n, 1)
    ysq = np.einsum("el,el->e", ym, ym)
    # zero variance (constant prices, stale quotes, a perfect fit) is judged relative to sum(y^2):
    # a constant series leaves only rounding error in its sum of squared deviations or residuals

    if method == "none":
        dev = y_est - ybar[:, None]
        dm = dev if mask is None else np.where(mask, dev, 0.0)
        tss = np.einsum("el,el->e", dm, dm)
        status = np.where((status == OK) & ~(tss > 1e-20 * ysq), ZERO_VARIANCE, status)
        params = np.empty((E, 0))
        dof = n - 1
        resid = y_est.copy() if mask is None else np.where(mask, y_est, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            sigma2 = tss / dof
        ar = y_evt.copy()
        var_ar = np.broadcast_to(sigma2[:, None], ar.shape).copy()
        xp_evt = None
        inv = None
    else:
        if method == "scholes_williams":
            xfit = x_est[:, :, :2]
            m = np.ones(y_est.shape, dtype=bool) if mask is None else mask
            y_ = y_est
            bm = _masked_slope(y_, x_est[:, :, 2], m)
            b0 = _masked_slope(y_, x_est[:, :, 1], m)
            bp = _masked_slope(y_, x_est[:, :, 3], m)
            rho = _masked_corr(x_est[:, :, 1], x_est[:, :, 2], m)
            with np.errstate(invalid="ignore", divide="ignore"):
                beta = (bm + b0 + bp) / (1.0 + 2.0 * rho)
                mbar = np.where(m, x_est[:, :, 1], 0.0).sum(axis=1) / np.maximum(n, 1)
            alpha = ybar - beta * mbar
            params = np.column_stack([alpha, beta])
            xp_evt = x_evt[:, :, :2]
            singular = ~np.isfinite(beta)
        else:
            xfit = x_est
            xp_evt = x_evt
            params = None
            singular = np.zeros(E, dtype=bool)
        K = xfit.shape[2] + intercept
        # the market model (a constant and one regressor): closed-form sums, no per-event BLAS
        if intercept:
            simple = True
            x1m = x_est[:, :, 0] if mask is None else np.where(mask, x_est[:, :, 0], 0.0)
        else:
            xm = xfit if mask is None else np.where(mask[:, :, None], xfit, 0.0)
            simple = params is None and K == 2
            simple = simple and bool((xm[:, :, 0] == (1 if mask is None else mask)).all())
            simple = simple and bool((x_evt[:, :, 0] == 1).all())
            x1m = xm[:, :, -1]
        if simple:
            sy, sx = sums if sums is not None and mask is None else (ym.sum(axis=1), x1m.sum(axis=1))
            line_params, r0, sxx, line_inv = _line_fit(x1m, ym, n, sx, sy)
            # the checks below on X'X = [[n, sx], [sx, sxx]], entry by entry (the same numbers)
            nn = n.astype(np.float64)
            d0, d1 = np.sqrt(nn), np.sqrt(sxx)
            with np.errstate(invalid="ignore", divide="ignore"):
                corr = [nn / (d0 * d0), sxx / (d1 * d1), sx / (d0 * d1)]
            a, b, c = (np.where(np.isfinite(v), v, 0.0) for v in corr)
            eig_min = _smallest_eigenvalue_2x2(a, b, c)
            scale_ok = (d0 > 0) & (d1 > 0)
        else:
            xmt = xm.transpose(0, 2, 1)
            xtx = np.matmul(xmt, xm)
            # scale-free singularity check: smallest eigenvalue of the correlation-scaled X'X
            d = np.sqrt(np.einsum("ekk->ek", xtx))
            with np.errstate(invalid="ignore", divide="ignore"):
                scaled = xtx / (d[:, :, None] * d[:, None, :])
            scaled = np.where(np.isfinite(scaled), scaled, 0.0)
            eig_min = _smallest_eigenvalue(scaled)
            scale_ok = (d > 0).all(axis=1)
        singular |= ~(eig_min > EIG_MIN) | ~scale_ok
        status = np.where((status == OK) & singular, SINGULAR, status)
        good = status == OK
        if simple:
            params = line_params
            # failed fits get a finite stand-in, the identity (their outputs are set to NaN below)
            i00 = np.where(good, line_inv[0], 1.0)
            i01 = np.where(good, line_inv[1], 0.0)
            i11 = np.where(good, line_inv[2], 1.0)
            inv = np.empty((E, 2, 2))
            inv[:, 0, 0] = i00
            inv[:, 0, 1] = inv[:, 1, 0] = i01
            inv[:, 1, 1] = i11
        else:
            safe = np.where(good[:, None, None], xtx, np.eye(K)[None, :, :])
            inv = np.linalg.inv(safe)
            if params is None:
                xty = np.matmul(xmt, ym[:, :, None])
                params = np.matmul(inv, xty)[:, :, 0]
            with np.errstate(invalid="ignore"):
                fitted = np.matmul(xm, params[:, :, None])[:, :, 0]
            r0 = y_est - fitted
        if mask is not None:
            r0 = np.where(mask, r0, 0.0)
        ssr = np.einsum("el,el->e", r0, r0)
        resid = r0 if mask is None else np.where(mask, r0, np.nan)
        dof = n - K
        with np.errstate(invalid="ignore", divide="ignore"):
            sigma2 = ssr / dof
        status = np.where((status == OK) & ~(ssr > 1e-20 * ysq), ZERO_VARIANCE, status)
        assert inv is not None  # both branches above set it
        if simple:
            x1 = x_evt[:, :, -1]
            with np.errstate(invalid="ignore", over="ignore"):  # failed fits: NaN, dropped below
                ar = y_evt - (line_params[:, :1] + line_params[:, 1:] * x1)
                # x' inv x expanded for x = (1, x1), as the matrix product sums it
                h = i00[:, None] + x1 * (2.0 * i01[:, None] + i11[:, None] * x1)
        else:
            ar = y_evt - np.matmul(xp_evt, params[:, :, None])[:, :, 0]
            h = (np.matmul(xp_evt, inv) * xp_evt).sum(axis=2)
        var_ar = sigma2[:, None] * (1.0 + h)

    W = windows.shape[0]
    car = np.empty((E, W))
    var_car = np.empty((E, W))
    # a missing event-day return (NaN in y_evt; the caller decides how many a window may miss):
    # its AR is NaN, and a window's CAR and variance are over the days it has
    miss = None if all_finite(y_evt) else np.isnan(y_evt)
    if miss is not None:
        var_ar = np.where(miss, np.nan, var_ar)
    for w, (a, b) in enumerate(windows):  # W is a handful of windows, not events
        if miss is None:
            car[:, w] = ar[:, a : b + 1].sum(axis=1)
            length: int | np.ndarray = b - a + 1
        else:
            gone = miss[:, a : b + 1]
            car[:, w] = np.where(gone, 0.0, ar[:, a : b + 1]).sum(axis=1)
            length = b - a + 1 - gone.sum(axis=1)
        if xp_evt is None:
            var_car[:, w] = sigma2 * length
        else:
            assert inv is not None  # set with xp_evt by the regression branch
            x_w = xp_evt[:, a : b + 1, :]
            if miss is not None:
                x_w = np.where(miss[:, a : b + 1, None], 0.0, x_w)
            s = x_w.sum(axis=1)
            if intercept:  # the implied constant's column sum
                s1 = np.empty((E, 2))
                s1[:, 0] = length
                s1[:, 1] = s[:, 0]
                s = s1
            var_car[:, w] = sigma2 * (
                length + (np.matmul(s[:, None, :], inv)[:, 0, :] * s).sum(axis=1)
            )

    assert params is not None
    bad = status != OK
    if bad.any():
        for arr in (params, ar, var_ar, car, var_car):
            arr[bad] = np.nan
        sigma2 = np.where(bad, np.nan, sigma2)
        resid[bad] = np.nan
    return ChunkFit(
        params=params,
        sigma2=sigma2,
        n_obs=n,
        dof=dof,
        status=status,
        resid_est=resid,
        ar=ar,
        var_ar=var_ar,
        car=car,
        var_car=var_car,
    )
