"""Differential fuzz of ``EventStudy(...).fit()`` against an independent slow oracle.

The oracle below uses plain numpy/pandas and one statsmodels OLS per event, never rerating's
internals; it re-derives from docs/STUDY.md: day 0 in each listing's own sessions (wide NaN = not a
session, long NaN = missing return, ``calendars`` fill missing sessions), every ``non_session``
policy, the ledger (which events are dropped and why), the repeated listing/day-0 rule, AR and
its prediction-error variance per day, CAR with the Campbell-Lo-MacKinlay variance over the
sessions with a return (``min_window_share`` < 1), BHAR, the CAAR and its (Kolari-Pynnönen
adjusted) standard error, the cross-sectional t, Patell Z, BMP and their adjusted forms, and r̄
(same-date correlations weighted by shared window dates, plus the lead-lag terms of listings of
different markets) for every group. Random designs: 5-40 listings, 300-600 sessions, missing
returns, non-sessions, events near the ends of the data, several events per listing, groups, one
or two benchmarks, one or two exchange calendars, models mean_adjusted / market_adjusted /
market, windows such as (0,0), (-1,1), (-5,20), (1,3).

A second check puts one study through both r̄ paths (every pair for groups of at most
``RBAR_MAX_EVENTS`` events, calendar sums above) where docs/STUDY.md says they agree exactly: one
date, complete data.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from rerating.errors import NoEventsLeftError, NonSessionDateError
from rerating.study import EventStudy, engine

MIN_OVERLAP = 30


def gen_design(seed: int, **over):
    """A random small design: long returns frame, market series, events frame, study kwargs."""
    rng = np.random.default_rng(seed)
    n_sym = int(over.get("n_sym", rng.integers(5, 41)))
    T = int(over.get("T", rng.integers(300, 601)))
    dates = pd.bdate_range("2019-01-01", periods=T)
    two = over.get("two_markets", rng.random() < 0.4)
    mA = rng.normal(0.0003, 0.01, T)
    mB = 0.5 * mA + np.r_[0.0, 0.4 * mA[:-1]] + rng.normal(0, 0.008, T)
    market = pd.DataFrame({"MA": mA, "MB": mB}, index=dates) if two else pd.Series(mA, index=dates, name="MKT")
    if over.get("market_nan", rng.random() < 0.3):
        k = int(rng.integers(1, 4))
        market.iloc[rng.choice(T, k, replace=False)] = np.nan
    shock = rng.normal(0, 0.01, T)
    shock_w = rng.uniform(0, 0.8)
    model = over.get("model", rng.choice(["mean_adjusted", "market_adjusted", "market"]))
    est_len = int(rng.integers(60, 200))
    est_end = -int(rng.integers(2, 15))
    all_windows = [(0, 0), (-1, 1), (-5, 20), (0, 5), (-2, 0), (0, 3), (-3, 3), (1, 3), (2, 2)]
    k = int(rng.integers(1, 4))
    wins = [all_windows[i] for i in sorted(rng.choice(len(all_windows), k, replace=False))]
    wmin = min(a for a, _ in wins)
    est_end = min(est_end, wmin - 1)
    est = (est_end - est_len + 1, est_end)
    if over.get("est_after", rng.random() < 0.2):
        wmax = max(b for _, b in wins)
        est = (wmax + 1 + int(rng.integers(0, 5)), wmax + est_len)
    share = float(over.get("share", rng.choice([1.0, 1.0, 0.8, 0.6])))
    non_session = over.get("non_session", rng.choice(["next", "previous", "skip", "next", "raise"]))
    frames = []
    bench = {}
    syms = [f"ZQX{i:03d}.ZZ" for i in range(n_sym)]
    for s in syms:
        alpha = rng.normal(0, 0.0005)
        beta = rng.normal(1.0, 0.4)
        sig = rng.uniform(0.01, 0.03)
        is_b = two and rng.random() < 0.5
        m = mB if is_b else mA
        lagged = np.r_[0.0, shock[:-1]] if is_b else shock
        r = alpha + beta * m + shock_w * lagged + rng.normal(0, sig, T)
        bench[s] = "MB" if is_b else "MA"
        present = np.ones(T, dtype=bool)
        # the listing starts late / ends early sometimes
        lo = int(rng.integers(0, 60)) if rng.random() < 0.3 else 0
        hi = T - (int(rng.integers(0, 60)) if rng.random() < 0.3 else 0)
        present[:lo] = False
        present[hi:] = False
        # non-sessions of this listing (absent rows)
        if rng.random() < 0.5:
            present[rng.choice(T, int(rng.integers(1, 8)), replace=False)] = False
        rr = r.copy()
        # missing returns (NaN rows)
        if rng.random() < 0.6:
            rr[rng.choice(T, int(rng.integers(1, 15)), replace=False)] = np.nan
        frames.append(pd.DataFrame({"symbol": s, "date": dates[present], "ret": rr[present]}))
    long = pd.concat(frames, ignore_index=True)
    # events
    rows = []
    cal_days = pd.date_range(dates[0] - pd.Timedelta(days=5), dates[-1] + pd.Timedelta(days=5))
    eid = 0
    groups = over.get("groups", rng.random() < 0.5)
    one_date = over.get("one_date", rng.random() < 0.25)
    common = dates[int(rng.integers(T // 2, T - 25))]
    shared_ids = over.get("shared_ids", rng.random() < 0.3)
    for s in syms:
        for _ in range(int(rng.integers(1, 4))):
            u = rng.random()
            if one_date:
                d = common
            elif u < 0.1:
                d = cal_days[int(rng.integers(0, 40))]  # near the start
            elif u < 0.2:
                d = cal_days[-int(rng.integers(1, 40))]  # near the end
            else:
                d = cal_days[int(rng.integers(0, cal_days.size))]
            row = {"event_id": f"e{eid:03d}" if not shared_ids else f"n{int(rng.integers(0, 6))}", "symbol": s, "date": d}
            if groups:
                row["group"] = rng.choice(["ga", "gb"])
            rows.append(row)
            eid += 1
    events = pd.DataFrame(rows).drop_duplicates(["event_id", "symbol"])
    kw = dict(
        model=str(model),
        estimation_window=est,
        event_windows=wins,
        min_window_share=share,
        non_session=str(non_session),
        tests=["cross_sectional_t", "patell", "adj_patell", "bmp", "adj_bmp"],
        workers=1,
    )
    if two:
        kw["benchmarks"] = bench
    kw["lead_lag"] = str(over.get("lead_lag", rng.choice(["markets", "markets", "all", "none"])))
    if rng.random() < 0.3:
        kw["chunk_size"] = int(rng.integers(1, 8))
    if rng.random() < 0.3:
        kw["min_estimation"] = int(rng.integers(10, est[1] - est[0] + 2))
    return long, market, events, kw


class Raised(Exception):
    pass


def oracle(long, market, events, kw):
    model = kw.get("model", "market")
    e1, e2 = kw.get("estimation_window", (-250, -11))
    wins = list(kw.get("event_windows", [(0, 0), (-1, 1)]))
    share = float(kw.get("min_window_share", 1.0))
    policy = kw.get("non_session", "next")
    K = {"mean_adjusted": 1, "market": 2, "market_adjusted": 0}[model]
    L1 = e2 - e1 + 1
    min_est = kw.get("min_estimation")
    if min_est is None:
        min_est = max(math.ceil(L1 / 2), K + 3)
    wmin = min(a for a, _ in wins)
    wmax = max(b for _, b in wins)
    bench = kw.get("benchmarks")
    if isinstance(market, pd.Series):
        mk_of = {None: market.to_dict()}
    else:
        mk_of = {c: market[c].to_dict() for c in market.columns}
    policy_ll = kw.get("lead_lag", "markets")

    listing = {}
    cal_of = {}
    if kw.get("calendars"):
        import exchange_calendars as xc
        for name in set(kw["calendars"].values()):
            cal_of[name] = xc.get_calendar(name).sessions_in_range("2018-06-01", "2022-12-31")
    sess_of = {}
    for s, df in long.groupby("symbol"):
        df = df.sort_values("date")
        cal_sessions = cal_of.get((kw.get("calendars") or {}).get(s))
        sess_of[s] = cal_sessions
        if cal_sessions is not None:  # a calendar session between first and last row: a missing return
            inside = cal_sessions[(cal_sessions >= df["date"].iloc[0]) & (cal_sessions <= df["date"].iloc[-1])]
            add = inside[~inside.isin(pd.DatetimeIndex(df["date"]))]
            if len(add):
                df = pd.concat([df, pd.DataFrame({"symbol": s, "date": add, "ret": np.nan})]).sort_values("date")
        listing[s] = (pd.DatetimeIndex(df["date"]).to_numpy().astype("datetime64[ns]"), df["ret"].to_numpy(dtype=float))
    ev = events.copy()
    ev["date"] = pd.to_datetime(ev["date"])
    has_groups = "group" in ev.columns
    if not has_groups:
        ev["group"] = ""
    ev = ev.sort_values(["group", "symbol", "date", "event_id"]).reset_index(drop=True)

    reason = {}
    day0 = {}
    for _, e in ev.iterrows():
        D, _ = listing[e.symbol]
        cal_sessions = sess_of[e.symbol]
        d = np.datetime64(e.date, "ns")
        if d < D[0] or d > D[-1]:
            reason[(e.event_id, e.symbol)] = "event outside the data"
            continue
        hit = np.flatnonzero(D == d)
        if hit.size:
            day0[(e.event_id, e.symbol)] = int(hit[0])
            continue
        if cal_sessions is not None and d in cal_sessions.to_numpy():
            reason[(e.event_id, e.symbol)] = "missing day 0"  # a session without a row: cannot happen after filling
            continue
        if policy == "raise":
            raise Raised((e.event_id, e.symbol))
        if policy == "skip":
            reason[(e.event_id, e.symbol)] = "not a session (non_session='skip')"
            continue
        if cal_sessions is not None:
            cs = cal_sessions.to_numpy()
            d2 = cs[cs > d][0] if policy == "next" else cs[cs < d][-1]
            hit = np.flatnonzero(D == d2)
            if hit.size:
                day0[(e.event_id, e.symbol)] = int(hit[0])
            else:
                reason[(e.event_id, e.symbol)] = "missing day 0"
            continue
        if policy == "next":
            day0[(e.event_id, e.symbol)] = int(np.flatnonzero(D > d)[0])
        else:
            day0[(e.event_id, e.symbol)] = int(np.flatnonzero(D < d)[-1])
    seen = {}
    for _, e in ev.iterrows():
        if (e.event_id, e.symbol) in day0:
            key = (e.symbol, day0[(e.event_id, e.symbol)])
            if key in seen:
                reason[(e.event_id, e.symbol)] = "repeated listing and day 0"
                del day0[(e.event_id, e.symbol)]
            else:
                seen[key] = (e.event_id, e.symbol)

    out = {}  # event_id -> dict
    for _, e in ev.iterrows():
        if (e.event_id, e.symbol) not in day0:
            continue
        p = day0[(e.event_id, e.symbol)]
        D, R = listing[e.symbol]
        n_rows = D.size
        mk = mk_of[bench[e.symbol]] if bench else mk_of[next(iter(mk_of))]
        if p + wmin < 0 or p + wmax >= n_rows:
            reason[(e.event_id, e.symbol)] = "event window outside the data"
            continue
        span = np.arange(p + wmin, p + wmax + 1)
        rs = R[span]
        ms = np.array([mk.get(pd.Timestamp(x), np.nan) for x in D[span]])
        if wmin <= 0 <= wmax and np.isnan(R[p]):
            reason[(e.event_id, e.symbol)] = "missing day 0"
            continue
        if share >= 1.0:
            if np.isnan(rs).any():
                reason[(e.event_id, e.symbol)] = "missing return in the event window"
                continue
        else:
            bad = False
            for a, b in wins:
                seg = R[p + a : p + b + 1]
                need = max(1, math.ceil(share * (b - a + 1) - 1e-9))
                if np.isfinite(seg).sum() < need:
                    bad = True
            if bad:
                reason[(e.event_id, e.symbol)] = "missing returns in the event window"
                continue
        if model != "mean_adjusted" and (np.isfinite(rs) & ~np.isfinite(ms)).any():
            reason[(e.event_id, e.symbol)] = "missing benchmark data in the event window"
            continue
        epos = np.arange(p + e1, p + e2 + 1)
        epos = epos[(epos >= 0) & (epos < n_rows)]
        ye = R[epos]
        me = np.array([mk.get(pd.Timestamp(x), np.nan) for x in D[epos]])
        use = np.isfinite(ye) & (np.isfinite(me) if model != "mean_adjusted" else True)
        n = int(use.sum())
        if n < min_est:
            reason[(e.event_id, e.symbol)] = "not enough estimation data"
            continue
        y, mm, edates = ye[use], me[use], D[epos][use]
        has = np.isfinite(rs)
        if model == "market_adjusted":
            resid = y - mm
            sigma2 = float(np.var(resid, ddof=1))
            dof = n - 1
            ar = rs - ms
            var_ar = np.full(span.size, sigma2)
            cov = None
        else:
            X = np.ones((n, 1)) if model == "mean_adjusted" else sm.add_constant(mm, has_constant="add")
            fit = sm.OLS(y, X).fit()
            resid = fit.resid
            sigma2 = float(fit.scale)
            dof = int(fit.df_resid)
            Xv = np.ones((span.size, 1)) if model == "mean_adjusted" else np.column_stack([np.ones(span.size), ms])
            ar = rs - Xv @ fit.params
            cov = fit.cov_params()
            cov = np.asarray(cov)
            var_ar = sigma2 + np.einsum("ij,jk,ik->i", np.nan_to_num(Xv), cov, np.nan_to_num(Xv))
        ar = np.where(has, ar, np.nan)
        var_ar = np.where(has, var_ar, np.nan)
        cars, vcars, bhars = [], [], []
        for a, b in wins:
            sl = slice(a - wmin, b - wmin + 1)
            h = has[sl]
            cars.append(float(np.nansum(ar[sl])))
            k = int(h.sum())
            if cov is None:
                vcars.append(sigma2 * k)
            else:
                Xw = (np.ones((k, 1)) if model == "mean_adjusted" else np.column_stack([np.ones(k), ms[sl][h]]))
                s_ = Xw.sum(axis=0)
                vcars.append(sigma2 * k + s_ @ cov @ s_)
            r_ = rs[sl][h]
            nr = r_ - ar[sl][h]
            bhars.append(float(np.prod(1 + r_) - np.prod(1 + nr)))
        out[(e.event_id, e.symbol)] = dict(
            symbol=e.symbol, group=e.group, ar=ar, var_ar=var_ar, car=np.array(cars),
            var_car=np.array(vcars), bhar=np.array(bhars), dof=dof, sigma2=sigma2,
            resid=pd.Series(resid, index=pd.DatetimeIndex(edates)),
            win_dates=[set(D[p + a : p + b + 1]) for a, b in wins],
            win_bounds=[(D[p + a], D[p + b]) for a, b in wins],
            span_dates=D[span],
        )

    # market of each listing for the lead-lag terms
    syms_all = sorted(listing)
    if policy_ll == "none":
        market_of = None
    elif policy_ll == "all":
        market_of = {s: k for k, s in enumerate(syms_all)}
    elif kw.get("calendars") and all(s in kw["calendars"] for s in syms_all):
        market_of = {s: kw["calendars"][s] for s in syms_all}  # each calendar a market
        if len(set(market_of.values())) < 2:
            market_of = None
    elif bench:
        market_of = {s: bench[s] for s in syms_all}
        if len(set(market_of.values())) < 2:
            market_of = None
    else:
        market_of = None
    lo_off, hi_off = min(e1, wmin), max(e2, wmax)
    for k, v in out.items():
        D = listing[v["symbol"]][0]
        p = day0[k]
        pos = np.arange(p + lo_off, p + hi_off + 1)
        v["joint_dates"] = D[pos[(pos >= 0) & (pos < D.size)]]

    # groups
    gnames = ["all"] + (sorted(set(v["group"] for v in out.values())) if has_groups else [])
    caar, tests, clus = {}, {}, {}
    for g in gnames:
        ids = [k for k, v in out.items() if g == "all" or v["group"] == g]
        if not ids:
            continue
        N = len(ids)
        # pairwise residual correlations over common dates
        res_ = [out[k]["resid"] for k in ids]
        sd = np.array([np.sqrt(np.mean((r.to_numpy() - r.mean()) ** 2)) for r in res_])
        rho = np.zeros((N, N))
        for i in range(N):
            for j in range(i + 1, N):
                both = pd.concat([res_[i], res_[j]], axis=1, join="inner").dropna()
                if len(both) >= MIN_OVERLAP:
                    rho[i, j] = np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1]
        npairs = N * (N - 1) / 2
        rbar_res = rho.sum() / npairs if N > 1 else 0.0
        mkts = [market_of[out[k]["symbol"]] for k in ids] if market_of is not None else None
        ll = mkts is not None and len(set(mkts)) > 1
        lag = np.zeros((N, N))
        if ll:
            joint = np.unique(np.concatenate([out[k]["joint_dates"] for k in ids]))
            prev = {joint[t]: joint[t - 1] for t in range(1, joint.size)}
            nxt = {joint[t - 1]: joint[t] for t in range(1, joint.size)}
            for i in range(N):
                ri = res_[i]
                for j in range(N):
                    if i == j or mkts[i] == mkts[j]:
                        continue
                    rj = res_[j].to_dict()
                    xs, ys = [], []
                    for d, val in ri.items():
                        q = prev.get(np.datetime64(d, "ns"))
                        if q is not None and pd.Timestamp(q) in rj:
                            xs.append(val)
                            ys.append(rj[pd.Timestamp(q)])
                    if len(xs) >= MIN_OVERLAP:
                        lag[i, j] = np.corrcoef(xs, ys)[0, 1]
        for w, (a, b) in enumerate(wins):
            L = b - a + 1
            car = np.array([out[k]["car"][w] for k in ids])
            vcar = np.array([out[k]["var_car"][w] for k in ids])
            scar = car / np.sqrt(vcar)
            dofs = np.array([out[k]["dof"] for k in ids], dtype=float)
            if N > 1:
                kk = np.zeros((N, N))
                for i in range(N):
                    for j in range(i + 1, N):
                        kk[i, j] = len(out[ids[i]]["win_dates"][w] & out[ids[j]]["win_dates"][w])
                mm = np.zeros((N, N))
                if ll:
                    for i in range(N):
                        for j in range(N):
                            if i != j and mkts[i] != mkts[j]:
                                mm[i, j] = sum(prev.get(t) in out[ids[j]]["win_dates"][w] for t in out[ids[i]]["win_dates"][w])
                same = float((rho * kk).sum() / (L * npairs))
                eff = same + float((lag * mm).sum() / (L * npairs))
                ssw = np.outer(sd, sd)
                wtd = float(((ssw * rho * kk).sum() + (ssw * lag * mm).sum()) / (L * (N - 1) / 2 * (sd**2).sum()))
                bnd = [out[k]["win_bounds"][w] for k in ids]
                overlapping = any(
                    bnd[i][0] <= bnd[j][1] and bnd[j][0] <= bnd[i][1]
                    for i in range(N) for j in range(i + 1, N)
                )
                if ll and not overlapping:
                    for i in range(N):
                        end_i = nxt.get(bnd[i][1], bnd[i][1])
                        for j in range(N):
                            if mkts[i] != mkts[j] and bnd[i][0] <= bnd[j][1] and bnd[j][0] <= end_i:
                                overlapping = True
            else:
                eff = wtd = same = 0.0
                overlapping = False
            clus[g, w] = dict(n=N, rbar=eff, rbar_caar=wtd, rbar_residual=rbar_res, rbar_same_date=same, overlapping=overlapping)
            if N == 1:
                se = math.sqrt(vcar[0])
            else:
                se = car.std(ddof=1) / math.sqrt(N)
                if overlapping:
                    r = max(wtd, 0.0)
                    se = se * math.sqrt((1 + (N - 1) * r) / (1 - r))
            caar[g, w] = dict(n=N, caar=car.mean(), std_error=se, tstat=car.mean() / se)
            t = {}
            if N >= 2:
                t["cross_sectional_t"] = car.mean() / (car.std(ddof=1) / math.sqrt(N))
                z = scar.sum() / math.sqrt((dofs / (dofs - 2)).sum())
                t["patell"] = z
                r = max(eff, 0.0)
                t["adj_patell"] = z / math.sqrt(1 + (N - 1) * r)
                tb = scar.mean() / (scar.std(ddof=1) / math.sqrt(N))
                t["bmp"] = tb
                t["adj_bmp"] = tb * math.sqrt((1 - r) / (1 + (N - 1) * r))
            tests[g, w] = t
    return dict(events=out, reason=reason, caar=caar, tests=tests, clus=clus, wins=wins, wmin=wmin)


def _close(a, b, rel=1e-9, abs_=1e-12):
    if np.isnan(a) and np.isnan(b):
        return True
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


def compare(res, orc, rel=1e-9):
    """List of discrepancy strings between an EventStudyResults and the oracle dict."""
    bad = []
    wins = orc["wins"]
    labels = [f"[{a}:{b}]" for a, b in wins]
    kept = set(zip(res.car["event_id"], res.car["symbol"], strict=True))
    want = set(orc["events"])
    if kept != want:
        bad.append(f"kept differ: engine-only {sorted(kept - want)} oracle-only {sorted(want - kept)}")
    dr = res.dropped.set_index(["event_id", "symbol"])["reason"].to_dict()
    for k, r in orc["reason"].items():
        if k not in dr:
            bad.append(f"{k}: oracle drops ({r}), engine keeps")
        elif not dr[k].startswith(r):
            bad.append(f"{k}: reason engine {dr[k]!r} oracle {r!r}")
    for k in dr:
        if k not in orc["reason"]:
            bad.append(f"{k}: engine drops ({dr[k]}), oracle keeps")
    car = res.car.set_index(["event_id", "symbol", "window"])
    ar = res.ar
    for k in sorted(kept & want):
        o = orc["events"][k]
        a = ar[(ar["event_id"] == k[0]) & (ar["symbol"] == k[1])]
        ea, es = a["ar"].to_numpy(), a["std_error"].to_numpy()
        for t in range(ea.size):
            if not _close(ea[t], o["ar"][t], rel) or not _close(es[t], math.sqrt(o["var_ar"][t]) if np.isfinite(o["var_ar"][t]) else np.nan, rel):
                bad.append(f"{k} AR day {t + orc['wmin']}: engine {ea[t]!r},{es[t]!r} oracle {o['ar'][t]!r},{o['var_ar'][t]!r}")
                break
        if not (pd.DatetimeIndex(a["date"]).to_numpy() == o["span_dates"]).all():
            bad.append(f"{k}: AR dates differ")
        for w, lab in enumerate(labels):
            row = car.loc[(k[0], k[1], lab)]
            for col, val in (("car", o["car"][w]), ("std_error", math.sqrt(o["var_car"][w])), ("bhar", o["bhar"][w]),
                             ("tstat", o["car"][w] / math.sqrt(o["var_car"][w]))):
                if not _close(float(row[col]), val, rel):
                    bad.append(f"{k} {lab} {col}: engine {float(row[col])!r} oracle {val!r}")
    ca = res.caar.set_index(["group", "window"])
    cl = res.clustering.set_index(["group", "window"])
    te = res.tests.set_index(["group", "window", "test"])
    for (g, w), c in orc["caar"].items():
        lab = labels[w]
        if (g, lab) not in ca.index:
            bad.append(f"caar row {g} {lab} missing")
            continue
        row = ca.loc[(g, lab)]
        if int(row["n"]) != c["n"]:
            bad.append(f"caar {g} {lab} n engine {row['n']} oracle {c['n']}")
            continue
        for col in ("caar", "std_error", "tstat"):
            if not _close(float(row[col]), c[col], rel):
                bad.append(f"caar {g} {lab} {col}: engine {float(row[col])!r} oracle {c[col]!r}")
        cr = cl.loc[(g, lab)]
        oc = orc["clus"][g, w]
        for col in ("rbar", "rbar_caar", "rbar_residual", "rbar_same_date"):
            if not _close(float(cr[col]), oc[col], 1e-7, 1e-12):
                bad.append(f"clustering {g} {lab} {col}: engine {float(cr[col])!r} oracle {oc[col]!r}")
        if bool(cr["overlapping"]) != oc["overlapping"]:
            bad.append(f"clustering {g} {lab} overlapping engine {cr['overlapping']} oracle {oc['overlapping']}")
        for tn, val in orc["tests"][g, w].items():
            if (g, lab, tn) not in te.index:
                bad.append(f"test {g} {lab} {tn} missing")
                continue
            ev_ = float(te.loc[(g, lab, tn)]["statistic"])
            if not _close(ev_, val, 1e-8):
                bad.append(f"test {g} {lab} {tn}: engine {ev_!r} oracle {val!r}")
    return bad



def _two_calendars(long, kw):
    import exchange_calendars as xc

    syms = sorted(long["symbol"].unique())
    kw["calendars"] = {s: ("XHKG" if k % 2 else "XNYS") for k, s in enumerate(syms)}
    keep = np.zeros(len(long), dtype=bool)
    for name in ("XNYS", "XHKG"):
        ss = xc.get_calendar(name).sessions_in_range("2018-06-01", "2022-12-31")
        mine = (long["symbol"].map(kw["calendars"]) == name).to_numpy()
        keep |= mine & long["date"].isin(ss).to_numpy()
    return long[keep]


# (seed, layout, overrides): long frames with NaN returns, wide frames (NaN = not a session),
# the XNYS calendar on long and wide frames, two calendars (lead-lag by calendar), two benchmarks
# (lead-lag by benchmark), lead_lag="all", the estimation window after the event
CASES = [
    (0, "long", {}),
    (4, "long", {"two_markets": True, "lead_lag": "markets", "n_sym": 14}),
    (13, "long", {"est_after": True, "non_session": "previous", "lead_lag": "all", "n_sym": 12}),
    (21, "long", {"share": 0.6, "model": "market", "lead_lag": "all", "n_sym": 10}),
    (5, "wide", {"n_sym": 15}),
    (2, "calendar", {}),
    (19, "wide_calendar", {"n_sym": 15}),
    (7, "two_calendars", {"n_sym": 16}),
    (33, "long", {"non_session": "raise"}),
    (30, "long", {"non_session": "raise", "n_sym": 8}),  # an event on a non-session: raises
    (40, "long", {"one_date": True, "model": "market_adjusted", "groups": True}),
    (41, "long", {"one_date": True, "model": "mean_adjusted", "share": 0.8}),
    (8, "long", {"shared_ids": True, "groups": True, "n_sym": 20, "non_session": "next"}),  # one event id, many listings
    (9, "wide", {"shared_ids": True, "one_date": False, "n_sym": 12, "lead_lag": "none"}),
]


@pytest.mark.parametrize(("seed", "layout", "over"), CASES)
def test_fit_matches_the_oracle(seed, layout, over) -> None:  # type: ignore[no-untyped-def]
    long, market, events, kw = gen_design(seed, **over)
    frame = long
    if layout in ("wide", "wide_calendar"):
        long = long.dropna(subset=["ret"])
        frame = long.pivot(index="date", columns="symbol", values="ret")
    if layout in ("calendar", "wide_calendar"):
        kw["calendars"] = {s: "XNYS" for s in long["symbol"].unique()}
    if layout == "two_calendars":
        long = _two_calendars(long, kw)
        frame = long
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = oracle(long, market, events, kw)
        except Raised:
            with pytest.raises(NonSessionDateError):
                EventStudy(frame, events, market_returns=market, **kw).fit()
            return
        if not want["events"]:
            with pytest.raises(NoEventsLeftError):
                EventStudy(frame, events, market_returns=market, **kw).fit()
            return
        res = EventStudy(frame, events, market_returns=market, **kw).fit()
    assert len(want["events"]) >= 3
    assert compare(res, want) == []


def _pearson(x: np.ndarray) -> np.ndarray:
    """Pairwise Pearson correlations over the dates both rows have (0 below 30), diagonal 0."""
    m = np.isfinite(x).astype(float)
    z = np.where(m > 0, x, 0.0)
    cnt, sx, sxx = m @ m.T, z @ m.T, (z * z) @ m.T
    with np.errstate(all="ignore"):
        cov = z @ z.T - sx * sx.T / cnt
        var = sxx - sx * sx / cnt
        r = cov / np.sqrt(var * var.T)
    r[cnt < MIN_OVERLAP] = 0.0
    np.fill_diagonal(r, 0.0)
    return np.nan_to_num(r)


@pytest.mark.parametrize(
    ("model", "est", "wins", "n_sym"),
    [
        ("market", (-150, -11), [(0, 0), (-1, 1), (-5, 20)], 215),
        ("mean_adjusted", (21, 90), [(2, 2), (1, 3), (-5, 20)], 215),
        ("market_adjusted", (-60, -31), [(-30, -25), (0, 0)], 420),
    ],
)
def test_rbar_of_both_paths_is_every_pairs_on_one_date_with_complete_data(model, est, wins, n_sym, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(n_sym + len(wins))
    T = 420
    dates = pd.bdate_range("2020-01-01", periods=T)
    m = rng.normal(0, 0.01, T)
    shock = rng.normal(0, 0.01, T)
    cols = [f"ZQX{i:03d}.ZZ" for i in range(n_sym)]
    r = (m[:, None] * rng.uniform(0.5, 1.5, n_sym) + rng.uniform(0, 0.8, n_sym) * shock[:, None]
         + rng.normal(0, 1, (T, n_sym)) * rng.uniform(0.01, 0.03, n_sym))
    wide = pd.DataFrame(r, index=dates, columns=cols)
    mkt = pd.Series(m, index=dates, name="MKT")
    p0 = 300
    events = pd.DataFrame({"event_id": [f"E{i}" for i in range(n_sym)], "symbol": cols,
                           "date": dates[p0], "group": rng.choice(["ga", "gb"], n_sym)})
    kw = dict(market_returns=mkt, model=model, estimation_window=est, event_windows=wins,
              tests=["adj_bmp", "adj_patell"], workers=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sums = EventStudy(wide, events, **kw).fit()
        monkeypatch.setattr(engine, "RBAR_MAX_EVENTS", 100_000)
        pairs = EventStudy(wide, events, **kw).fit()
    x = wide.to_numpy()[p0 + est[0] : p0 + est[1] + 1]
    y = m[p0 + est[0] : p0 + est[1] + 1]
    for g in ("all", "ga", "gb"):
        sel = np.ones(n_sym, bool) if g == "all" else (events["group"] == g).to_numpy()
        resid = []
        for k in np.flatnonzero(sel):
            if model == "market":
                resid.append(sm.OLS(x[:, k], sm.add_constant(y)).fit().resid)
            elif model == "mean_adjusted":
                resid.append(x[:, k] - x[:, k].mean())
            else:
                resid.append(x[:, k] - y)
        resid = np.array(resid)
        n = resid.shape[0]
        rho = _pearson(resid)
        sd = resid.std(axis=1)
        iu = np.triu_indices(n, 1)
        for a, b in wins:
            # one date: every pair shares the whole window, so r̄ of the window is the residuals'
            want = rho[iu].mean()
            want_caar = (np.outer(sd, sd) * rho)[iu].sum() / ((n - 1) / 2 * (sd**2).sum())
            for res in (sums, pairs):
                row = res.clustering.set_index(["group", "window"]).loc[(g, f"[{a}:{b}]")]
                assert row["n"] == n
                assert row["rbar"] == pytest.approx(want, rel=1e-9)
                assert row["rbar_residual"] == pytest.approx(want, rel=1e-9)
                assert row["rbar_caar"] == pytest.approx(want_caar, rel=1e-9)
            ts = sums.tests.set_index(["group", "window", "test"])["statistic"]
            tp = pairs.tests.set_index(["group", "window", "test"])["statistic"]
            for t in ("adj_bmp", "adj_patell"):
                assert ts[(g, f"[{a}:{b}]", t)] == pytest.approx(tp[(g, f"[{a}:{b}]", t)], rel=1e-9)
            cs = sums.caar.set_index(["group", "window"])["std_error"]
            cp = pairs.caar.set_index(["group", "window"])["std_error"]
            assert cs[(g, f"[{a}:{b}]")] == pytest.approx(cp[(g, f"[{a}:{b}]")], rel=1e-9)
