"""The numba kernels behind :mod:`rerating.study._compiled` (imported only when numba is installed).

Every kernel runs without Python's global interpreter lock (``nogil``), divides as IEEE does
(``error_model="numpy"``: x / 0 is inf, not an exception) and is cached on disk after its first
compilation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_INF_BITS = 0x7FF0000000000000  # +inf's bit pattern: a padding key that sorts after every value


@njit(nogil=True, cache=True, error_model="numpy")
def pack_row(vals, keys, width, bits, diff):
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


@njit(nogil=True, cache=True, error_model="numpy")
def pack_keys(x, div, extra, bits, vals, keys):
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


@njit(nogil=True, cache=True, error_model="numpy")
def standardise(resid, ar, var_ar, sigma2, sar_est, ar_all, sar_all):
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


@njit(nogil=True, cache=True, error_model="numpy")
def pack_rows(x, bits, keys):
    """The sort keys of each row of ``x`` (:func:`pack_row`) into ``keys``. False when a value is
    not finite."""
    n, t = x.shape
    diff = np.empty(t)
    for i in range(n):
        if not pack_row(x[i], keys[i], t, bits, diff):
            return False
    return True


@njit(nogil=True, cache=True, error_model="numpy")
def _sort_with_columns(vals, cols, n):
    """Sort ``vals[:n]`` ascending, ``cols`` following: by insertion for a window of a few
    sessions, else by a merge sort."""
    if n > 32:
        order = np.argsort(vals[:n], kind="mergesort")
        v, c = vals[:n][order], cols[:n][order]
        vals[:n] = v
        cols[:n] = c
        return
    for k in range(1, n):
        v, c = vals[k], cols[k]
        q = k - 1
        while q >= 0 and vals[q] > v:
            vals[q + 1] = vals[q]
            cols[q + 1] = cols[q]
            q -= 1
        vals[q + 1] = v
        cols[q + 1] = c


@njit(nogil=True, cache=True, error_model="numpy")
def _merge_ranks(a, a_cols, a_tied, b, b_cols, nb, out):
    """Average ranks of the union of sorted ``a`` and sorted ``b[:nb]`` (ties, within either or
    across them, share the mean of their ranks) added into ``out`` at each value's column.
    ``a_tied``: whether ``a`` has two equal values."""
    na = a.shape[0]
    i = j = 0
    b_tied = False
    for q in range(1, nb):
        if b[q] == b[q - 1]:
            b_tied = True
    if not (a_tied or b_tied):  # the usual case: ranks by position, until a tie across the two
        while i < na:
            ai = a[i]
            while j < nb and b[j] < ai:
                out[b_cols[j]] += i + j + 1.0
                j += 1
            if j < nb and b[j] == ai:
                break  # from here, the runs of equal values below
            out[a_cols[i]] += i + j + 1.0
            i += 1
    pos = i + j  # the values ranked so far (none of them tied)
    while i < na or j < nb:
        v = a[i] if j >= nb or (i < na and a[i] <= b[j]) else b[j]
        i2, j2 = i, j
        while i2 < na and a[i2] == v:
            i2 += 1
        while j2 < nb and b[j2] == v:
            j2 += 1
        count = (i2 - i) + (j2 - j)
        rank = pos + (count + 1) / 2.0  # the mean of ranks pos + 1 .. pos + count
        for q in range(i, i2):
            out[a_cols[q]] += rank
        for q in range(j, j2):
            out[b_cols[q]] += rank
        pos += count
        i, j = i2, j2


@njit(nogil=True, cache=True, error_model="numpy")
def _span_values(ar, var_ar, div, l1, b, b_cols):
    """An event's span values, sorted into ``b`` with their columns (``l1 + j``): its ARs ``ar``
    (Corrado's; ``var_ar`` of size 0), or its SARs ``ar / sqrt(var_ar)`` over ``div`` (Corrado &
    Zivney's), divided as :func:`rerating.study._compiled.rank_inputs` and the tests divide them.
    False when one is not finite."""
    scaled = var_ar.shape[0] > 0
    for j in range(ar.shape[0]):
        b[j] = ar[j] / np.sqrt(var_ar[j]) / div[j] if scaled else ar[j]
        b_cols[j] = l1 + j
        if not np.isfinite(b[j]):
            return False
    _sort_with_columns(b, b_cols, ar.shape[0])
    return True


@njit(nogil=True, cache=True, error_model="numpy")
def _has_ties(b, nb):
    """Whether sorted ``b[:nb]`` holds two equal values."""
    for q in range(1, nb):
        if b[q] == b[q - 1]:
            return True
    return False


@njit(nogil=True, cache=True, error_model="numpy")
def _add_merged(a, s, col, b1, c1, n1, out1, b2, c2, n2, out2, g_out, g_at, n_g, sign):
    """Corrado's and Corrado & Zivney's ranks of one event in one pass over its sorted estimation
    values: ``a`` (raw) merged with the sorted span values ``b1[:n1]`` (columns ``c1``) into
    ``out1``, ``s`` (standardised, in the same order) with ``b2[:n2]`` into ``out2``, each rank
    times ``sign`` at its column: by position, which is the rank when no two values are equal.
    A test not asked for has ``n = 0`` and a scratch row to write into. GRANK's first ``n_g``
    windows in the same pass: row ``w`` of ``g_out`` takes the ranks of ``s`` with that window's
    SCAR* placed among them, ``g_at[w]`` of them below it (:func:`_add_placed`, no tie).
    Returns True when a span value equals an estimation value (a tie across the two;
    ``sign=-1.0`` then takes the ranks back out exactly: they are integers)."""
    l1 = a.shape[0]
    j1 = j2 = 0
    tie = False
    # the next span value of each test (inf past the last), and the estimation value before: a
    # span value equal to an estimation value is passed at the next one's turn (no two values
    # of either part are equal here), so a tie is looked for only where a span value is passed
    next1 = b1[0] if n1 > 0 else np.inf
    next2 = b2[0] if n2 > 0 else np.inf
    before_a = before_s = -np.inf
    for k in range(l1):
        ak, sk, c = a[k], s[k], col[k]
        while next1 < ak:
            tie |= next1 == before_a
            out1[c1[j1]] += sign * (k + j1 + 1.0)
            j1 += 1
            next1 = b1[j1] if j1 < n1 else np.inf
        while next2 < sk:
            tie |= next2 == before_s
            out2[c2[j2]] += sign * (k + j2 + 1.0)
            j2 += 1
            next2 = b2[j2] if j2 < n2 else np.inf
        out1[c] += sign * (k + j1 + 1.0)
        out2[c] += sign * (k + j2 + 1.0)
        for w in range(n_g):
            g_out[w, c] += sign * (k + (2.0 if k >= g_at[w] else 1.0))
        before_a, before_s = ak, sk
    tie |= next1 == before_a or next2 == before_s
    while j1 < n1:
        out1[c1[j1]] += sign * (l1 + j1 + 1.0)
        j1 += 1
    while j2 < n2:
        out2[c2[j2]] += sign * (l1 + j2 + 1.0)
        j2 += 1
    for w in range(n_g):
        g_out[w, l1] += sign * (g_at[w] + 1.0)
    return tie


@njit(nogil=True, cache=True, error_model="numpy")
def _add_placed(s, col, value, out):
    """GRANK's ranks of one event: ``value`` placed among the sorted distinct ``s`` (columns
    ``col``), at column ``len(s)``, added into ``out``. False (nothing added) when it equals one."""
    l1 = s.shape[0]
    q = np.searchsorted(s, value)  # the values below it
    if q < l1 and s[q] == value:
        return False
    for k in range(q):
        out[col[k]] += k + 1.0
    for k in range(q, l1):
        out[col[k]] += k + 2.0
    out[l1] += q + 1.0
    return True


@njit(nogil=True, cache=True, error_model="numpy")
def merge_span_tests(resid, sigma2, ar, var_ar, cz_div, stars, corrado, cz, keys, bits, sums):
    """The rank tests' column sums from each event's estimation residuals sorted once (``keys``,
    from :func:`pack_rows`): the standardised ones, ``resid / s_i`` (``s_i = sqrt(sigma2_i)``), keep
    that order (division by a positive number never reorders). Each test's other values
    (Corrado's span ARs ``ar``, Corrado & Zivney's span SARs ``ar / sqrt(var_ar)`` over
    ``cz_div``, GRANK's SCAR* of each window in ``stars``) are sorted by themselves and merged
    in, into the rows of ``sums`` in that order: all three in one pass (:func:`_add_merged`)
    unless two values tie, then each by :func:`_merge_ranks`. Every value is computed here from
    the inputs, as the rank tests' matrices hold it (no (N x T) matrix is read or written).
    False when a value is not finite."""
    n, l1 = resid.shape
    l2 = ar.shape[1]
    low = (np.int64(1) << bits) - 1
    plain = np.empty(0)  # Corrado's span values are the ARs themselves
    col = np.empty(l1, dtype=np.int64)
    a = np.empty(l1)
    s = np.empty(l1)
    b1 = np.empty(max(l2, 1))
    c1 = np.empty(max(l2, 1), dtype=np.int64)
    b2 = np.empty(max(l2, 1))
    c2 = np.empty(max(l2, 1), dtype=np.int64)
    n_w = stars.shape[0]
    star = np.empty(n_w)
    g_at = np.zeros(max(n_w, 1), dtype=np.int64)  # each SCAR*'s place among the sorted SARs
    scratch = np.zeros(l1 + max(l2, 1))  # the ranks of a test not asked for
    r1 = 0
    r2 = int(corrado)
    r3 = r2 + int(cz)
    n1 = l2 if corrado else 0
    n2 = l2 if cz else 0
    for i in range(n):
        # the row in key order (the usual case), checked to be in order
        in_order = True
        a_tied = False
        before_a = -np.inf
        for k in range(l1):
            c = keys[i, k] & low
            col[k] = c
            ak = resid[i, c]
            a[k] = ak
            in_order &= ak >= before_a
            a_tied |= ak == before_a
            before_a = ak
        if not in_order:  # two residuals merged by the truncated keys: sort the row exactly
            order = np.argsort(resid[i], kind="mergesort")
            a_tied = False
            for k in range(l1):
                c = order[k]
                col[k] = c
                a[k] = resid[i, c]
                if k > 0:
                    a_tied |= a[k] == a[k - 1]
        # the standardised residuals in the same order, in a loop of their own (vectorised: no
        # division waits on the checks above)
        sigma = np.sqrt(sigma2[i])
        for k in range(l1):
            s[k] = a[k] / sigma
        s_ok = True
        s_tied = False
        for k in range(1, l1):
            s_ok &= s[k] >= s[k - 1]  # False for NaN too
            s_tied |= s[k] == s[k - 1]
        if not (s_ok and np.isfinite(s[0]) and np.isfinite(s[l1 - 1])):  # ascending: ends finite
            return False  # a residual variance of 0 (or NaN): each test's own path
        if corrado and not _span_values(ar[i], plain, cz_div, l1, b1, c1):
            return False
        if cz and not _span_values(ar[i], var_ar[i], cz_div, l1, b2, c2):
            return False
        for w in range(n_w):
            star[w] = stars[w, i]
            if not np.isfinite(star[w]):
                return False
        # the usual event: no two values equal, every rank is a position
        out1 = sums[r1] if corrado else scratch
        out2 = sums[r2] if cz else scratch
        merged = not (a_tied or s_tied or _has_ties(b1, n1) or _has_ties(b2, n2))
        # GRANK's windows go into the same pass when no SCAR* equals an estimation SAR
        n_g = 0
        if merged and (corrado or cz):
            n_g = n_w
            for w in range(n_w):
                q = np.searchsorted(s, star[w])
                g_at[w] = q
                if q < l1 and s[q] == star[w]:
                    n_g = 0
        g_out = sums[r3 : r3 + n_g]
        if merged and (corrado or cz) and _add_merged(
            a, s, col, b1, c1, n1, out1, b2, c2, n2, out2, g_out, g_at, n_g, 1.0
        ):  # a tie across: the ranks taken back out, each test on its own below
            _add_merged(a, s, col, b1, c1, n1, out1, b2, c2, n2, out2, g_out, g_at, n_g, -1.0)
            merged = False
            n_g = 0
        if not merged and corrado:
            _merge_ranks(a, col, a_tied, b1, c1, l2, out1)
        if not merged and cz:
            _merge_ranks(s, col, s_tied, b2, c2, l2, out2)
        for w in range(n_g, n_w):
            if s_tied or not _add_placed(s, col, star[w], sums[r3 + w]):
                b1[0] = star[w]
                c1[0] = l1
                _merge_ranks(s, col, s_tied, b1, c1, 1, sums[r3 + w])
    return True


@njit(nogil=True, cache=True, error_model="numpy")
def add_rank_sums(vals, keys, bits, sums):
    """For each row of sorted ``keys``: its columns and values, checked to be in order (truncated
    keys can merge two very close values, never swap them: a row out of order is sorted again
    exactly), runs of equal values given their average rank, each rank added to ``sums[column]``."""
    n, t = keys.shape
    low = (np.int64(1) << bits) - 1
    col = np.empty(t, dtype=np.int64)
    val = np.empty(t)
    for i in range(n):
        in_order, tied = True, False
        for k in range(t):
            c = keys[i, k] & low
            col[k] = c
            val[k] = vals[i, c]
            if k > 0:
                if val[k] < val[k - 1]:
                    in_order = False
                elif val[k] == val[k - 1]:
                    tied = True
        if in_order and not tied:  # the usual row: ranks 1 .. t in sorted order
            for k in range(t):
                sums[col[k]] += k + 1.0
            continue
        if not in_order:  # two values merged by the truncated keys: sort the row exactly
            order = np.argsort(vals[i], kind="mergesort")
            for k in range(t):
                col[k] = order[k]
                val[k] = vals[i, order[k]]
        k = 0
        while k < t:
            end = k + 1
            while end < t and val[end] == val[k]:
                end += 1
            rank = (k + 1 + end) / 2.0  # the mean of ranks k + 1 .. end
            for q in range(k, end):
                sums[col[q]] += rank
            k = end


@njit(nogil=True, cache=True, error_model="numpy")
def _block_sum(a, lo, n):
    """numpy's sum of at most 128 contiguous values: eight interleaved partial sums."""
    if n < 8:
        s = -0.0
        for i in range(lo, lo + n):
            s += a[i]
        return s
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    whole = n - n % 8
    while i < whole:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(nogil=True, cache=True, error_model="numpy")
def _pairwise_sum(a, n, stack, done):
    """``a[:n].sum()`` added in numpy's order for a contiguous row (its pairwise summation: halves,
    cut at a multiple of 8, down to blocks of at most 128 values, :func:`_block_sum`), so that the
    sums are numpy's to the last bit. The halves are walked with a stack (numba's cache does not
    keep recursive functions), ``stack`` (3, 64) int64 and ``done`` (64,) given by the caller:
    scratch made once per kernel call, not once per row."""
    if n <= 128:
        return _block_sum(a, 0, n)
    lo_of, n_of, step = stack[0], stack[1], stack[2]  # the pending halves: start, length, step
    top, n_done = 0, 0  # ``done``: the sums of the halves finished, in order
    lo_of[0], n_of[0], step[0] = 0, n, 0
    while top >= 0:
        lo, m = lo_of[top], n_of[top]
        if m <= 128:
            done[n_done] = _block_sum(a, lo, m)
            n_done += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if step[top] == 2:  # both halves summed: their sum replaces them
            n_done -= 1
            done[n_done - 1] = done[n_done - 1] + done[n_done]
            top -= 1
            continue
        start = lo if step[top] == 0 else lo + half
        length = half if step[top] == 0 else m - half
        step[top] += 1
        top += 1
        lo_of[top], n_of[top], step[top] = start, length, 0
    return done[0]


@njit(nogil=True, cache=True, error_model="numpy")
def centre_day_rows(resid, rows, day, first, col0, fresh, grouped, sums, wsums, sd, good):
    """r̄'s calendar sums of events whose estimation windows lie on consecutive sessions: row
    ``rows[r]`` of ``resid`` centred on its mean, scaled to unit length (``u``, 0 for a row that
    does not vary) and added into ``sums[day[r], col0:]``, ``u * sd[r]`` into ``wsums``; ``sd[r]``
    the row's standard deviation, ``good[r]`` whether it varies. Rows sorted by ``day``, ``first``
    marking each day's first; ``fresh``: the grids are 0 there (a day's sum is written, not
    added). A day's rows are added one by one (``_DayRuns``), or, ``grouped``, summed first as
    ``np.add.reduceat`` sums them (the first row plus the pairwise sum of the others, column by
    column) and added once. The same operations in the same order as numpy's path. False
    (nothing written) when a value is not finite."""
    m = rows.shape[0]
    l1 = resid.shape[1]
    stack, done = np.empty((3, 64), dtype=np.int64), np.empty(64)  # _pairwise_sum's scratch
    means = np.empty(m)
    for r in range(m):  # first every mean: a value that is not finite stops before any write
        total = _pairwise_sum(resid[rows[r]], l1, stack, done)
        if not np.isfinite(total):
            return False
        means[r] = total / l1
    root_n = np.sqrt(float(l1))
    centred = np.empty(l1)
    squares = np.empty(l1)
    # grouped: every row's u and s u kept until its day's rows are all there
    u_rows = np.empty((m if grouped else 0, l1))
    w_rows = np.empty((m if grouped else 0, l1))
    for r in range(m):
        x = resid[rows[r]]
        mean = means[r]
        for j in range(l1):
            c = x[j] - mean
            centred[j] = c
            squares[j] = c * c
        norm = np.sqrt(_pairwise_sum(squares, l1, stack, done))
        varies = norm > 0
        good[r] = varies
        s = norm / root_n if varies else 0.0
        sd[r] = s
        scale = 1.0 / norm if varies else 0.0
        d = day[r]
        if grouped:
            for j in range(l1):
                u = centred[j] * scale
                u_rows[r, j] = u
                w_rows[r, j] = u * s
        elif first[r] and fresh:
            for j in range(l1):
                u = centred[j] * scale
                sums[d, col0 + j] = u
                wsums[d, col0 + j] = u * s
        else:
            for j in range(l1):
                u = centred[j] * scale
                sums[d, col0 + j] += u
                wsums[d, col0 + j] += u * s
    if not grouped:
        return True
    a = 0
    while a < m:  # each day's run of rows [a, b)
        b = a + 1
        while b < m and not first[b]:
            b += 1
        d = day[a]
        for j in range(l1):
            total_u = u_rows[a, j]
            total_w = w_rows[a, j]
            if b - a > 1:
                total_u += _pairwise_sum(u_rows[a + 1 : b, j], b - a - 1, stack, done)
                total_w += _pairwise_sum(w_rows[a + 1 : b, j], b - a - 1, stack, done)
            if fresh:
                sums[d, col0 + j] = total_u
                wsums[d, col0 + j] = total_w
            else:
                sums[d, col0 + j] += total_u
                wsums[d, col0 + j] += total_w
        a = b
    return True
