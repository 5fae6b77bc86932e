"""The numba kernels behind :mod:`rerating.study._compiled` (imported only when numba is installed).

Every kernel runs without Python's global interpreter lock (``nogil``), divides as IEEE does
(``error_model="numpy"``: x / 0 is inf, not an exception) and is cached on disk after its first
compilation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_INF_BITS = 0x7FF0000000000000  # +inf's bit pattern: a padding key that sorts after every value


@njit(nogil=True, cache=True, error_model="numpy")  # type: ignore[misc]
def pack_row(vals, keys, width, bits, diff):  # type: ignore[no-untyped-def]
    """The sort keys of ``vals[:width]`` into ``keys``: each value minus the row's minimum (a
    non-negative double, whose bit pattern orders like the value), its low ``bits`` replaced by
    its column; the rest of ``keys`` the +inf pattern. False when a value is not finite."""
    low = (np.int64(1) << bits) - 1
    m = vals[0]
    for j in range(width):
        v = vals[j]
        if not np.isfinite(v):
            return False
        if v < m:
            m = v
    as_int = diff.view(np.int64)
    for j in range(width):
        diff[j] = vals[j] - m  # >= +0.0, or -0.0 for a -0.0 beside a +0.0 minimum: they tie
    for j in range(width):
        keys[j] = (as_int[j] & ~low) | j
    for j in range(width, keys.shape[0]):
        keys[j] = _INF_BITS
    return True


@njit(nogil=True, cache=True, error_model="numpy")  # type: ignore[misc]
def pack_keys(x, div, extra, bits, vals, keys):  # type: ignore[no-untyped-def]
    """The rows ``[x_i / div | extra_i]`` into ``vals`` and their sort keys into ``keys``."""
    n, t = x.shape
    width = t + extra.shape[1]
    diff = np.empty(width)
    for i in range(n):
        for j in range(t):
            vals[i, j] = x[i, j] / div[j]
        for j in range(extra.shape[1]):
            vals[i, t + j] = extra[i, j]
        if not pack_row(vals[i], keys[i], width, bits, diff):
            return False
    return True


@njit(nogil=True, cache=True, error_model="numpy")  # type: ignore[misc]
def standardise(resid, ar, var_ar, sigma2, sar_est, ar_all, sar_all):  # type: ignore[no-untyped-def]
    """``sar_est = resid / sqrt(sigma2)``, ``ar_all = [resid | ar]``, ``sar_all = [sar_est | ar /
    sqrt(var_ar)]``, as numpy computes them."""
    n, l1 = resid.shape
    for i in range(n):
        sigma = np.sqrt(sigma2[i])
        for j in range(l1):
            ar_all[i, j] = resid[i, j]
            sar_est[i, j] = sar_all[i, j] = resid[i, j] / sigma
        for j in range(ar.shape[1]):
            ar_all[i, l1 + j] = ar[i, j]
            sar_all[i, l1 + j] = ar[i, j] / np.sqrt(var_ar[i, j])


@njit(nogil=True, cache=True, error_model="numpy")  # type: ignore[misc]
def pack_span_tests(  # type: ignore[no-untyped-def]
    resid, ar, var_ar, sigma2, cz_div, stars, corrado, cz, bits, vals, keys, sar_est, ar_all, sar_all
):
    """The rank tests' matrices (``sar_est``, ``ar_all``, ``sar_all``) and, in one pass, the rows
    the three tests rank into ``vals`` and ``keys``: Corrado's ``[resid_i | ar_i]`` (``corrado``),
    Corrado & Zivney's ``[resid_i / s_i | ar_i / sd_i / cz_div]`` (``cz``), then GRANK's
    ``[resid_i / s_i | SCAR*_i]`` for each row of ``stars`` (the +inf pattern pads its keys).
    False when a value is not finite."""
    n, l1 = resid.shape
    l2 = ar.shape[1]
    t = l1 + l2
    diff = np.empty(t)
    standardise(resid, ar, var_ar, sigma2, sar_est, ar_all, sar_all)
    r = 0
    if corrado:
        for i in range(n):
            vals[r, :] = ar_all[i, :]
            if not pack_row(vals[r], keys[r], t, bits, diff):
                return False
            r += 1
    if cz:
        for i in range(n):
            for j in range(l1):
                vals[r, j] = sar_all[i, j]
            for j in range(l2):
                vals[r, l1 + j] = sar_all[i, l1 + j] / cz_div[j]
            if not pack_row(vals[r], keys[r], t, bits, diff):
                return False
            r += 1
    for w in range(stars.shape[0]):
        for i in range(n):
            for j in range(l1):
                vals[r, j] = sar_est[i, j]
            vals[r, l1] = stars[w, i]
            if not pack_row(vals[r], keys[r], l1 + 1, bits, diff):
                return False
            r += 1
    return True


@njit(nogil=True, cache=True, error_model="numpy")  # type: ignore[misc]
def add_rank_sums(vals, keys, bits, widths, targets, sums):  # type: ignore[no-untyped-def]
    """For each row ``i`` of sorted ``keys``: the columns and values of its first ``widths[i]``
    keys, checked to be in order (truncated keys can merge two very close values, never swap
    them: a row out of order is sorted again exactly), runs of equal values given their average
    rank, each rank added to ``sums[targets[i], column]``."""
    n, t = keys.shape
    low = (np.int64(1) << bits) - 1
    col = np.empty(t, dtype=np.int64)
    val = np.empty(t)
    for i in range(n):
        width = widths[i]
        out = sums[targets[i]]
        in_order, tied = True, False
        for k in range(width):
            c = keys[i, k] & low
            col[k] = c
            val[k] = vals[i, c]
            if k > 0:
                if val[k] < val[k - 1]:
                    in_order = False
                elif val[k] == val[k - 1]:
                    tied = True
        if in_order and not tied:  # the usual row: ranks 1 .. width in sorted order
            for k in range(width):
                out[col[k]] += k + 1.0
            continue
        if not in_order:  # two values merged by the truncated keys: sort the row exactly
            order = np.argsort(vals[i, :width], kind="mergesort")
            for k in range(width):
                col[k] = order[k]
                val[k] = vals[i, order[k]]
        k = 0
        while k < width:
            end = k + 1
            while end < width and val[end] == val[k]:
                end += 1
            rank = (k + 1 + end) / 2.0  # the mean of ranks k + 1 .. end
            for q in range(k, end):
                out[col[q]] += rank
            k = end


@njit(nogil=True, cache=True, error_model="numpy")  # type: ignore[misc]
def add_day_rows(centred, inv_norm, sd, day, n_first, col0, fresh, sums, wsums):  # type: ignore[no-untyped-def]
    """Row ``r``'s ``u = centred[r] * inv_norm[r]`` into ``sums[day[r], col0:]`` and ``u * sd[r]``
    into ``wsums``: written for the first ``n_first`` rows when ``fresh``, else added."""
    m, l1 = centred.shape
    for r in range(m):
        d, scale, s = day[r], inv_norm[r], sd[r]
        if r < n_first and fresh:
            for j in range(l1):
                u = centred[r, j] * scale
                sums[d, col0 + j] = u
                wsums[d, col0 + j] = u * s
        else:
            for j in range(l1):
                u = centred[r, j] * scale
                sums[d, col0 + j] += u
                wsums[d, col0 + j] += u * s
