"""Pure helpers that shape library results into the report's frames (no I/O, no plotting)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from rerating.errors import MissingDataError


def rebase(closes: pd.DataFrame, base_dates: Mapping[str, pd.Timestamp]) -> pd.DataFrame:
    """Rebase each column of ``closes`` to 100 at its own base date.

    Parameters
    ----------
    closes : DataFrame
        Date x symbol closes; NaN where the listing has no session (kept as NaN, never filled).
    base_dates : mapping
        Symbol -> the date whose close becomes 100 (e.g. the last close before the event on the
        listing's own calendar). Only symbols in the mapping are returned.

    Returns
    -------
    DataFrame
        Same index, one column per symbol of ``base_dates`` (in ``closes`` column order).

    Raises
    ------
    MissingDataError
        When a symbol has no column, or no finite positive close on its base date.
    """
    out = {}
    for sym in [c for c in closes.columns if c in base_dates] + [
        s for s in base_dates if s not in closes.columns
    ]:
        if sym not in closes.columns:
            raise MissingDataError(
                f"rebase: no closes for {sym!r}; load its bars or leave it out of the chart"
            )
        day = pd.Timestamp(base_dates[sym])
        base = closes[sym].get(day, np.nan)
        if not np.isfinite(base) or base <= 0:
            raise MissingDataError(
                f"rebase: {sym!r} has no close on its base date {day.date()} (value {base!r}); "
                "the chart needs the last close before the event"
            )
        out[sym] = 100.0 * closes[sym] / base
    return pd.DataFrame(out, index=closes.index)


def timeline_frame(
    events: Iterable[object], day_zero: Mapping[str, Mapping[str, pd.Timestamp]]
) -> pd.DataFrame:
    """Number events for the chart's markers and list them for the timeline table.

    Parameters
    ----------
    events : iterable of Event
        Catalog events in time order.
    day_zero : mapping
        Event id -> {calendar label -> day 0 session}; shown as one column per label.

    Returns
    -------
    DataFrame
        Columns ``number, date, when, kind, title_en, title_zh`` plus one ``day 0 <label>``
        column per calendar label, and ``source``.
    """
    rows = []
    labels: list[str] = []
    for zeros in day_zero.values():
        labels.extend(k for k in zeros if k not in labels)
    for i, ev in enumerate(events, start=1):
        row = {
            "number": i,
            "date": pd.Timestamp(ev.local_date),  # type: ignore[attr-defined]
            "when": ev.when,  # type: ignore[attr-defined]
            "kind": ev.kind,  # type: ignore[attr-defined]
            "title_en": ev.title_en,  # type: ignore[attr-defined]
            "title_zh": ev.title_zh,  # type: ignore[attr-defined]
        }
        zeros = day_zero.get(ev.id, {})  # type: ignore[attr-defined]
        for label in labels:
            row[f"day 0 {label}"] = zeros.get(label, pd.NaT)
        row["source"] = ev.sources[0] if ev.sources else ""  # type: ignore[attr-defined]
        rows.append(row)
    cols = (
        ["number", "date", "when", "kind", "title_en", "title_zh"]
        + [f"day 0 {x}" for x in labels]
        + ["source"]
    )
    return pd.DataFrame(rows, columns=cols)


def group_summary(summary: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Per group: number of listings, and the median and mean of each return column (NaN skipped).

    The count of listings with a value is given per column so a reader sees what was missing.
    """
    cols = list(columns)
    rows = []
    for group, part in summary.groupby("group", sort=False):
        row: dict[str, object] = {"group": group, "listings": len(part)}
        for col in cols:
            vals = part[col].dropna()
            row[f"{col} median"] = float(vals.median()) if len(vals) else np.nan
            row[f"{col} mean"] = float(vals.mean()) if len(vals) else np.nan
            row[f"{col} n"] = len(vals)
        rows.append(row)
    return pd.DataFrame(rows)


INVALID_MARK = "†"  # a tests-table cell whose test is not valid for its row's events


def tests_wide(tests: pd.DataFrame, *, mark_invalid: bool = False) -> pd.DataFrame:
    """One row per (event, group, window), one column per test holding ``"stat (p)"``.

    Parameters
    ----------
    tests : DataFrame
        Long test table: ``event_id, group, window, test, statistic, pvalue, n`` and optionally
        ``valid_under_clustering`` (per row: a test can be valid in one group or window and not
        in another) and ``overlapping`` (whether the row's event windows overlap in calendar
        time; without it every row is taken to overlap).
    mark_invalid : bool
        Suffix a cell with ``" †"`` (:data:`INVALID_MARK`) when its own row says the test is not
        valid under clustering and the row's windows overlap.

    Returns
    -------
    DataFrame
        Columns ``event_id, group, window, n`` then the tests in their first-seen order. A
        p-value that rounds to 0.000 is written ``<0.001``.
    """
    if tests.empty:
        return pd.DataFrame(columns=["event_id", "group", "window", "n"])
    keys = ["event_id", "group", "window"]
    order = list(dict.fromkeys(tests["test"]))
    invalid = np.zeros(len(tests), dtype=bool)
    if mark_invalid and "valid_under_clustering" in tests:
        invalid = ~tests["valid_under_clustering"].astype(bool).to_numpy()
        if "overlapping" in tests:
            invalid &= tests["overlapping"].astype(bool).to_numpy()
    cell = [
        ""
        if not np.isfinite(s)
        else (f"{s:.2f} ({_p3(p)})" if np.isfinite(p) else f"{s:.2f}")
        + (f" {INVALID_MARK}" if bad else "")
        for s, p, bad in zip(
            tests["statistic"].to_numpy(float), tests["pvalue"].to_numpy(float), invalid,
            strict=True,
        )
    ]  # fmt: skip
    long = tests[keys + ["test"]].assign(cell=cell)
    wide = long.pivot(index=keys, columns="test", values="cell")[order]
    n = tests.groupby(keys, sort=False)["n"].max()
    wide = wide.reindex(n.index)  # keep the input's row order
    wide.insert(0, "n", n)
    wide.columns.name = None
    return wide.reset_index()


def _p3(p: float) -> str:
    """A p-value to 3 decimals, ``<0.001`` where that would read 0.000."""
    text = f"{p:.3f}"
    return "<0.001" if float(text) == 0 else text


def quality_summary(flags: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Known data issues inside ``[start, end]``, one row per (issue, date) with the listings hit.

    Parameters
    ----------
    flags : DataFrame
        ``Market.quality()`` output: ``symbol, date, issue, detail, policy``.

    Returns
    -------
    DataFrame
        Columns ``issue, date, listings, symbols, policy``, ordered by date.
    """
    cols = ["issue", "date", "listings", "symbols", "policy"]
    if flags.empty:
        return pd.DataFrame(columns=cols)
    dates = pd.to_datetime(flags["date"])
    part = flags[(dates >= start) & (dates <= end)].assign(date=dates)
    if part.empty:
        return pd.DataFrame(columns=cols)
    out = (
        part.groupby(["issue", "date"], sort=False)
        .agg(
            listings=("symbol", "size"),
            symbols=("symbol", lambda s: " ".join(s)),
            policy=("policy", "first"),
        )
        .reset_index()
        .sort_values(["date", "issue"], kind="stable")
        .reset_index(drop=True)
    )
    return out[cols]
