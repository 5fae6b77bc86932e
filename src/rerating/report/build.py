"""Build a report: compute every figure through the library, then render charts and HTML.

:func:`build_report` is the one entry point. It reads data only through a
:class:`~rerating.data.market.Market`, computes window returns and market-cap moves
(:mod:`rerating.rerate`), runs one event study per event (:class:`rerating.study.EventStudy`),
checks an article's claims when one is given (:mod:`rerating.claims`), and writes one HTML file
plus one PNG per chart into ``out_dir``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rerating._typing import PathLike
from rerating.errors import (
    ArticleDateError,
    DateRangeError,
    MissingDataError,
    MissingSharesError,
    NoEventsLeftError,
    ReportInputError,
)
from rerating.report.presets import Preset, custom_preset, custom_question, get_preset
from rerating.report.tables import INVALID_MARK

if TYPE_CHECKING:
    from rerating.data.market import Market

LEVEL = 0.95  # confidence level of the CAAR bands and intervals
MOVERS_FDR = 0.10  # false discovery rate of the "listings that moved" table
OTHER_NEWS = "other news in the window"  # column of the movers table (events.confounding)
CALENDAR_LABELS = {"XNYS": "New York", "XHKG": "Hong Kong", "XSHG": "Shanghai"}
LEDGER_COLUMNS = ["stage", "event_id", "symbol", "date", "reason"]
NO_SHARES = "no shares figure"
CHART_KEYS = ("prices", "caar", "returns")  # the PNG files a report owns in its folder
# the engine's tests as readers know them (docs/STUDY.md); the report's column headers
TEST_LABELS = {
    "cross_sectional_t": "cross-sectional t",
    "brown_warner_cda": "Brown-Warner CDA",
    "patell": "Patell",
    "adj_patell": "adj. Patell",
    "bmp": "BMP",
    "adj_bmp": "adj. BMP",
    "skewness_adjusted_t": "skewness-adjusted t",
    "corrado": "Corrado",
    "corrado_zivney": "Corrado-Zivney",
    "generalized_sign": "generalized sign",
    "wilcoxon": "Wilcoxon",
    "grank": "GRANK",
}
# column headers of the report's tables where the frames keep the library's names
SUMMARY_HEADERS = {"name_zh": "name (Chinese)"}
MOVERS_HEADERS = {"car": "CAR", "pvalue": "p-value", "qvalue": "q-value"}
TIMELINE_HEADERS = {"id": "event", "title_en": "title", "title_zh": "title (Chinese)"}
CAAR_HEADERS = {
    "n": "listings",
    "caar": "CAAR",
    "std_error": "std. error",
    "tstat": "t",
    "pvalue": "p-value",
}
# the CAAR's test, by the engine's se_method (study.engine._caar_row)
SE_METHOD_LABELS = {
    "cross_sectional_kp_adjusted": "cross-sectional t, adjusted for the shared date "
    "(Kolari & Pynnönen 2010)",
    "cross_sectional": "cross-sectional t",
    "time_series": "one listing: its own time-series variance",
}
# the same, as the phrase a caption names the p-values' test with
SE_METHOD_PHRASES = {
    "cross_sectional_kp_adjusted": "the cross-sectional t with the standard error multiplied by "
    "sqrt((1 + (N - 1) r̄) / (1 - r̄)), the listings' windows overlapping in calendar time "
    "(Kolari & Pynnönen 2010; r̄ weighting each pair by the two listings' volatilities)",
    "cross_sectional": "the cross-sectional t (the listings' windows apart in time)",
    "time_series": "the listing's own t-test on its estimation-window variance (one listing: "
    "no cross-section; Campbell, Lo & MacKinlay 1997)",
}


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote and the main figures it computed.

    Attributes
    ----------
    html_path : Path
        The self-contained HTML report.
    chart_paths : tuple of Path
        The PNG charts written next to it (also embedded in the HTML).
    summary_frame : DataFrame
        One row per listing: group, window returns, abnormal returns, market-cap change, note.
    notes : tuple of str
        What a reader must know (fallbacks, listings left out, font used for Chinese names).
    group_frame : DataFrame
        Per group: median window returns and the primary event's CAAR with its p-value (the page
        adds, where a figure covers fewer listings than the group has, its count).
    caar_frame, tests_frame, dropped : DataFrame
        The CAAR table (with the engine's ``se_method``, the test of each p-value), the long
        test-statistics table (with each row's ``valid_under_clustering`` and ``overlapping``)
        and the dropped ledger shown in the report, in the library's column names.
    differences_frame : DataFrame
        Per event, pair of groups (first minus second) and window: the groups' ``day 0``, the
        CAAR difference, its CDA interval and p-value, the adjusted BMP's and Welch's p-values,
        ``CDA valid`` (the engine's ``valid_under_clustering``; the page blanks the CDA's
        interval and p where it is False) and a ``note`` (see ``EventStudyResults.compare``).
    movers_frame : DataFrame
        Per event and window, the listings whose CAR is significant at a ``MOVERS_FDR`` false
        discovery rate (see ``EventStudyResults.movers``).

    Every frame is a copy: editing one leaves the result as it was.
    """

    html_path: Path
    chart_paths: tuple[Path, ...]
    _summary_frame: pd.DataFrame
    notes: tuple[str, ...]
    _group_frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    _caar_frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    _tests_frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    _dropped: pd.DataFrame = field(default_factory=pd.DataFrame)
    _differences_frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    _movers_frame: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def summary_frame(self) -> pd.DataFrame:
        """One row per listing: group, window returns, abnormal returns, market-cap change, note
        (a copy)."""
        return self._summary_frame.copy()

    @property
    def group_frame(self) -> pd.DataFrame:
        """Per group: median window returns and the primary event's CAAR and p-value (a copy)."""
        return self._group_frame.copy()

    @property
    def caar_frame(self) -> pd.DataFrame:
        """The CAAR table, with the engine's ``se_method`` (a copy)."""
        return self._caar_frame.copy()

    @property
    def tests_frame(self) -> pd.DataFrame:
        """The long test-statistics table, with ``valid_under_clustering`` and ``overlapping``
        (a copy)."""
        return self._tests_frame.copy()

    @property
    def dropped(self) -> pd.DataFrame:
        """The ledger of dropped events and listings shown in the report (a copy)."""
        return self._dropped.copy()

    @property
    def differences_frame(self) -> pd.DataFrame:
        """Per event, pair of groups and window: the CAAR difference and its tests (a copy)."""
        return self._differences_frame.copy()

    @property
    def movers_frame(self) -> pd.DataFrame:
        """Per event and window, the listings whose CAR moved at the ``MOVERS_FDR`` (a copy)."""
        return self._movers_frame.copy()

    def to_frame(self) -> pd.DataFrame:
        """The per-listing summary table (a copy: editing it leaves the result as it was)."""
        return self._summary_frame.copy()

    def summary(self) -> str:
        """A few lines of text: where the report is and the per-group figures."""
        lines = [f"report: {self.html_path}", f"charts: {len(self.chart_paths)} PNG files"]
        if not self._group_frame.empty:
            lines.append(self._group_frame.to_string(index=False))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ReportResult(html_path={str(self.html_path)!r}, charts={len(self.chart_paths)})"


# --- inputs -------------------------------------------------------------------------------------


def _resolve(
    market: Market,
    preset: str | Preset | None,
    events: Sequence[str] | PathLike | None,
    symbols: Sequence[str] | None,
) -> tuple[Preset, Any, list[str]]:
    """The preset to build, the catalog holding its events, and notes on what was merged."""
    from rerating.events.catalog import load_catalog, read_events

    if preset is not None and (events or symbols):
        raise ReportInputError(
            "give either a preset (--preset deepseek-2025) or events and symbols "
            "(--events deepseek-r1 --symbols BABA,NVDA), not both"
        )
    if preset is None and not events and not symbols:
        raise ReportInputError(
            "nothing to report on: pass --preset deepseek-2025, or --events and --symbols "
            "(e.g. --events deepseek-r1 --symbols BABA,9988.HK,NVDA)"
        )
    notes: list[str] = []
    if preset is not None:
        chosen = preset if isinstance(preset, Preset) else get_preset(preset)
        catalog = load_catalog(securities=market.securities)
    else:
        if not events:
            raise ReportInputError("--symbols needs --events (catalog ids or an events file)")
        if symbols is None or not list(symbols):
            raise ReportInputError("--events needs --symbols (e.g. --symbols BABA,9988.HK,NVDA)")
        items: list[str | os.PathLike[str]] = (
            [events] if isinstance(events, str | os.PathLike) else list(events)
        )
        def is_file(x: str | os.PathLike[str]) -> bool:
            # an events file by its extension, or an existing file with another extension
            # (read_events names the ones it reads) rather than an unknown catalog id
            path = Path(str(x))
            return path.suffix.lower() in (".toml", ".csv") or bool(path.suffix and path.is_file())

        files = [Path(str(x)) for x in items if is_file(x)]
        ids = [str(x) for x in items if not is_file(x)]
        for f in files:  # every event of a user file is studied
            found = [e.id for e in read_events(f, securities=market.securities)]
            if not found:
                raise ReportInputError(
                    f"events file {f} holds no events; add one ([[event]] tables in TOML, one row "
                    "per event under the header in CSV: id, title_en, kind, sources and date + tz "
                    "or timestamp)"
                )
            ids += found
        ids = [i.strip() for i in ids if i and i.strip()]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:  # named twice (or by id and through a file): studied once
            notes.append(
                f"Event{'s' if len(repeated) > 1 else ''} {', '.join(repeated)} "
                f"{'were' if len(repeated) > 1 else 'was'} given more than once and "
                f"{'are' if len(repeated) > 1 else 'is'} studied once."
            )
        ids = list(dict.fromkeys(ids))
        catalog = load_catalog(files or None, securities=market.securities)
        chosen = custom_preset(ids, symbols, market.securities)
    for eid in chosen.event_ids:
        catalog.get(eid)  # UnknownEventError with close ids
    return chosen, catalog, notes


# --- figures ------------------------------------------------------------------------------------


def _nan_if_error(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, str]:
    """Call ``func``; return (result, "") or (None, the error's message) for data problems."""
    try:
        return func(*args, **kwargs), ""
    except (MissingDataError, DateRangeError) as exc:
        return None, for_report(str(exc))


def for_report(message: str) -> str:
    """A library message without the advice to pass ``partial=True (--partial)``: report lacks it."""
    return re.sub(r",? or pass partial=True \(--partial\)[^;]*", "", message)


def _summary_frame(
    market: Market, p: Preset, primary: Any, car: pd.DataFrame, dropped: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Per-listing returns and market-cap moves, plus the key-moves table.

    ``dropped`` is the primary event's study ledger: a listing whose CAR is blank gets its reason.
    """
    study_why: dict[str, str] = {}
    if dropped is not None and not dropped.empty:
        for sym, reason in zip(dropped["symbol"], dropped["reason"], strict=True):
            study_why.setdefault(str(sym), str(reason))  # "" : the whole event was dropped
    from rerating.rerate.windows import event_return, window_return
    from rerating.study import window_label

    sec_of = {s: market.securities.get(s) for s in p.symbols}
    common = [w for w in p.dated_windows if w.symbols is None]
    special = [w for w in p.dated_windows if w.symbols is not None]
    rows, moves, notes = [], [], []
    no_shares: list[str] = []
    for sym in p.symbols:
        sec = sec_of[sym]
        row: dict[str, Any] = {
            "symbol": sym,
            "name": sec.name,
            "name_zh": sec.name_zh_hans,
            "group": p.group_of[sym],
        }
        why: list[str] = []
        if common:
            for w in common:
                res, err = _nan_if_error(window_return, market, sym, w.end, w.sessions)
                row[w.label] = res.value if res is not None else np.nan
                if err:
                    why.append(f"{w.label}: {err}")
                elif res.note:
                    why.append(f"{w.label}: {res.note}")
        else:
            # event_return runs from the last close before the event, i.e. windows [0, hi]; the
            # others are covered by their CAR only (said once in the notes)
            for lo, hi in [w for w in p.event_windows if w[0] == 0]:
                label = f"return {window_label((lo, hi))}"
                res, err = _nan_if_error(event_return, market, sym, primary, sessions=hi + 1)
                row[label] = res.value if res is not None else np.nan
                if err:
                    why.append(f"{label}: {err}")
        for lo, hi in p.event_windows:
            label = f"CAR {window_label((lo, hi))}"  # the engine's own window labels
            hit = (
                car[(car["symbol"] == sym) & (car["window"] == window_label((lo, hi)))]
                if not car.empty
                else car
            )
            row[label] = float(hit["car"].iloc[0]) if len(hit) else np.nan
        blank = [lbl for lbl in row if lbl.startswith("CAR ") and pd.isna(row[lbl])]
        if blank:
            reason = study_why.get(sym) or (
                # the whole event was dropped: its message quotes another listing's reason
                "every listing was dropped from the event study (see Dropped events and listings)"
                if "" in study_why
                else "not in the event study's results"
            )
            what = "CAR" if len(blank) == len(p.event_windows) else ", ".join(blank)
            why.append(f"{what}: {for_report(reason)}")
        if p.cap_move is not None:
            row[_cap_label(p)], cap_row, cap_note = _cap_change(market, sym, p.cap_move)
            if cap_row is not None:
                moves.append(cap_row)
            elif cap_note == NO_SHARES:
                no_shares.append(sym)  # said once, in the notes, not on every row
            elif cap_note:
                why.append(cap_note)
        row["note"] = "; ".join(why)
        rows.append(row)
    if not common and any(lo != 0 for lo, _ in p.event_windows):
        notes.append(
            "Raw returns are shown for the event windows that start at day 0 only; the others "
            "have their CAR."
        )
    if no_shares:
        assert p.cap_move is not None
        notes.append(
            f"Market-cap change left blank for {len(no_shares)} listings with no shares-outstanding "
            f"figure on or before {p.cap_move[1].date()} in the data: {', '.join(no_shares)}."
        )
    if p.cap_move is not None:
        basket, err = _basket_move(market, p)
        if basket is not None:
            moves.append(basket)
        elif err:
            notes.append(err)
    for w in special:
        for sym in w.symbols or ():
            res, err = _nan_if_error(window_return, market, sym, w.end, w.sessions)
            moves.append(
                {
                    "what": "return",
                    "symbol": sym,
                    "from": res.start_date if res is not None else pd.NaT,
                    "to": res.end_date if res is not None else pd.NaT,
                    "start close": res.start_close if res is not None else np.nan,
                    "end close": res.end_close if res is not None else np.nan,
                    "currency": res.currency if res is not None else "",
                    "price return": res.value if res is not None else np.nan,
                    "change, USD %": np.nan,
                    "change, USD bn": np.nan,
                    "note": "; ".join(
                        x for x in (w.note, err, res.note if res is not None else "") if x
                    ),
                }
            )
            if err:
                notes.append(f"{sym} {w.label}: {err}")
    return pd.DataFrame(rows), pd.DataFrame(moves), notes


def _cap_label(p: Preset) -> str:
    assert p.cap_move is not None
    return f"mcap change {p.cap_move[1].date()}, USD bn"


def _cap_change(
    market: Market, sym: str, move: tuple[pd.Timestamp, pd.Timestamp]
) -> tuple[float, dict[str, Any] | None, str]:
    """Market-cap change of one listing in USD bn; NaN and the reason when it cannot be computed."""
    from rerating.rerate.marketcap import market_cap_change

    try:
        res = market_cap_change(market, sym, move[0], move[1], currency="USD")
    except MissingSharesError:
        return np.nan, None, NO_SHARES
    except (MissingDataError, DateRangeError) as exc:
        return np.nan, None, f"market cap: {for_report(str(exc))}"
    row = res.listings[0]
    return res.change / 1e9, _move_row(res, row.start_close, row.end_close), ""


def _move_row(res: Any, start_close: float, end_close: float) -> dict[str, Any]:
    """A key-moves row for a MarketCapChange (a listing or a basket).

    ``price return`` is the listing's close-to-close return in its own currency; ``change, USD %``
    is the market value's change in US dollars, which also moves with the exchange rate (9988.HK
    84.75 -> 87.25 HKD on 2025-01-24..27 is +2.95% in price, +2.98% in USD market value).
    """
    left = (
        f"left out (no shares figure): {', '.join(s for s, _ in res.left_out)}"
        if res.left_out
        else ""
    )
    return {
        "what": "market cap",
        "symbol": res.target if res.kind != "basket" else ", ".join(r.symbol for r in res.listings),
        "from": res.listings[0].start_date,
        "to": res.listings[0].end_date,
        "start close": start_close,
        "end close": end_close,
        # the closes' currency (a basket's members each have their own row)
        "currency": res.listings[0].price_currency if res.kind != "basket" else "",
        "price return": end_close / start_close - 1.0 if start_close > 0 else np.nan,
        "change, USD %": res.pct_change,
        "change, USD bn": res.change / 1e9,
        # a basket's members are listed in their own rows: keep its general assumption only
        "note": "; ".join(
            x for x in ([*res.notes[:1], left] if res.kind == "basket" else res.notes) if x
        ),
    }


def _basket_move(market: Market, p: Preset) -> tuple[dict[str, Any] | None, str]:
    """Market-cap change of the US group as one basket (members without shares left out, listed)."""
    from rerating.rerate.marketcap import market_cap_change

    assert p.cap_move is not None
    us = [g for g in p.groups if g.benchmark == "^GSPC" and "ADR" not in g.name]
    if not us:
        return None, ""
    try:
        res = market_cap_change(
            market, list(us[0].symbols), p.cap_move[0], p.cap_move[1], currency="USD", partial=True
        )
    except (MissingDataError, DateRangeError) as exc:
        return None, f"basket {us[0].name}: {for_report(str(exc))}"
    row = _move_row(res, np.nan, np.nan)
    row["what"] = f"market cap, {us[0].name} as one basket (members with shares data)"
    return row, ""


# --- event study --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyTables:
    """The engine's results for one event, shaped for the report."""

    event_id: str
    caar: pd.DataFrame  # event_id, group, window, n, caar, ..., lower, upper, se_method
    tests: pd.DataFrame  # event_id, group, window, test, statistic, pvalue, n, valid..., overlapping
    car: pd.DataFrame  # event_id, symbol, group, window, car
    paths: pd.DataFrame  # group, event_day, caar, lower, upper
    dropped: pd.DataFrame  # LEDGER_COLUMNS
    warnings: tuple[str, ...]
    clustering: str | None
    n_obs: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))  # symbol -> obs
    differences: pd.DataFrame = field(default_factory=pd.DataFrame)  # group pairs, see _differences
    movers: pd.DataFrame = field(default_factory=pd.DataFrame)  # significant CARs, FDR MOVERS_FDR


def _returns_inputs(market: Market, p: Preset) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Long returns of the listings, wide benchmark returns, and the returns' dropped ledger."""
    benches = sorted({g.benchmark for g in p.groups})
    res = market.returns(list(p.symbols), gap_policy="drop")
    bench = market.returns(benches, gap_policy="drop")
    ledger = pd.concat(
        [_ledger(res.dropped, "returns"), _ledger(bench.dropped, "returns")], ignore_index=True
    )
    return res.frame, bench.wide(), ledger


def _drop_listings_without_bars(market: Market, p: Preset) -> tuple[Preset, list[str]]:
    """``p`` without the listings that have no bars at all (all of them: the data layer's error)."""
    from dataclasses import replace

    missing = market.missing_bars(list(p.symbols))
    if not missing or len(missing) == len(p.symbols):
        return p, []  # none missing, or none left: reading the returns says what to load
    groups = tuple(
        replace(g, symbols=tuple(s for s in g.symbols if s not in missing)) for g in p.groups
    )
    return replace(p, groups=tuple(g for g in groups if g.symbols)), missing


def _ledger(frame: pd.DataFrame | None, stage: str, event_id: str = "") -> pd.DataFrame:
    """Bring a ``dropped`` frame from any layer to the report's ledger columns."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    out = pd.DataFrame(
        {
            "stage": stage,
            "event_id": frame["event_id"] if "event_id" in frame else event_id,
            "symbol": frame["symbol"] if "symbol" in frame else "",
            "date": pd.to_datetime(frame["date"]) if "date" in frame else pd.NaT,
            "reason": frame["reason"].astype(str) if "reason" in frame else "",
        }
    )
    return out.reset_index(drop=True)


def run_study(
    event_id: str,
    p: Preset,
    catalog: Any,
    securities: Any,
    returns: pd.DataFrame,
    benchmarks: pd.DataFrame,
) -> StudyTables:
    """Run the event study of one event over the preset's universe and shape its results."""
    from rerating.events.alignment import build_events
    from rerating.study import EventStudy

    events = build_events([event_id], list(p.symbols), catalog, securities, groups=p.group_of)

    def study_of(evs: pd.DataFrame) -> Any:
        return EventStudy(
            returns,
            evs,
            market_returns=benchmarks,
            benchmarks=p.benchmark_of,
            model="market",
            estimation_window=p.estimation_window,
            event_windows=p.event_windows,
        )

    try:
        results = study_of(events).fit()
    except NoEventsLeftError as exc:
        empty = pd.DataFrame()
        rows = [
            {"stage": "study", "event_id": event_id, "symbol": "", "date": pd.NaT,
             "reason": str(exc)}
        ]  # fmt: skip
        # the engine's ledger gives each listing its own reason
        own = exc.dropped if isinstance(exc.dropped, pd.DataFrame) else None
        if own is not None:
            rows.extend(
                {"stage": "study", "event_id": event_id, "symbol": str(r.symbol),
                 "date": pd.Timestamp(r.date), "reason": str(r.reason)}
                for r in own.drop_duplicates("symbol").itertuples()
            )  # fmt: skip
        ledger = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
        return StudyTables(event_id, empty, empty, empty, empty, ledger, (str(exc),), None)
    return _study_tables(event_id, p, results, catalog, securities)


# --- charts, timeline, parameters ------------------------------------------------------------------


def _labels(market: Market, symbols: Sequence[str], cjk: bool) -> dict[str, str]:
    """Chart labels: ``symbol`` plus the Chinese name when a CJK font exists, else the English name."""
    out = {}
    for sym in symbols:
        sec = market.securities.get(sym)
        name = sec.name_zh_hans if cjk and sec.name_zh_hans else sec.name
        out[sym] = f"{sym} {name}"[:36]
    return out


def _timeline(catalog: Any, primary: Any, p: Preset) -> tuple[pd.DataFrame, list[Any]]:
    from rerating.events.alignment import day_zero

    lo = pd.Timestamp(primary.local_date) - pd.Timedelta(days=p.chart_before)
    hi = pd.Timestamp(primary.local_date) + pd.Timedelta(days=p.chart_after)
    shown = list(catalog.filter(start=lo, end=hi).events)
    for eid in p.event_ids:  # studied events always appear, even outside the chart's range
        ev = catalog.get(eid)
        if ev.id not in {e.id for e in shown}:
            shown.append(ev)
    shown.sort(key=lambda e: (e.timestamp, e.id))
    from rerating.report.tables import timeline_frame

    zeros = {ev.id: {CALENDAR_LABELS[c]: day_zero(ev, c) for c in ("XNYS", "XHKG")} for ev in shown}
    frame = timeline_frame(shown, zeros)
    frame.insert(1, "studied", frame["number"].map(lambda n: shown[n - 1].id in p.event_ids))
    frame.insert(1, "id", [e.id for e in shown])
    return frame, shown


def _price_chart_data(market: Market, p: Preset, primary: Any) -> tuple[pd.DataFrame, list[str]]:
    """Closes rebased at each listing's last close before the primary event; listings left out and why."""
    from rerating.events.alignment import last_session_before
    from rerating.report.tables import rebase

    lo = pd.Timestamp(primary.local_date) - pd.Timedelta(days=p.chart_before)
    hi = pd.Timestamp(primary.local_date) + pd.Timedelta(days=p.chart_after)
    from rerating.errors import MissingDataError

    bases, left_out = {}, []
    have = []
    for sym in p.symbols:  # a listing without bars in the chart's dates is left out, not fatal
        try:
            market.bars(sym, lo, hi)
        except MissingDataError:
            left_out.append(f"{sym} (no bars in {lo.date()}..{hi.date()})")
        else:
            have.append(sym)
    closes = market.closes(have, start=lo, end=hi) if have else pd.DataFrame()
    for sym in have:
        base = last_session_before(primary, market.securities.get(sym).calendar)
        value = closes[sym].get(base, np.nan) if sym in closes else np.nan
        if not (isinstance(value, float) and math.isfinite(value)):
            left_out.append(f"{sym} (no close on {base.date()})")
        else:
            bases[sym] = base
    return rebase(closes, bases), left_out


def _parameters(
    market: Market, p: Preset, primary: Any, font: str | None, sample: bool
) -> list[tuple[str, str]]:
    from rerating import __version__

    zero = _day_zero_text(primary)
    return [
        ("Preset", p.name),
        ("Events studied", ", ".join(p.event_ids)),
        ("Primary event", f"{primary.id}: {primary.title_en} ({primary.when}); day 0: {zero}"),
        (
            "Normal-return model",
            "market model: OLS of the listing's daily simple return on its benchmark's",
        ),
        ("Estimation window", f"[{p.estimation_window[0]}, {p.estimation_window[1]}] sessions"),
        ("Event windows", ", ".join(f"[{a}, {b}]" for a, b in p.event_windows)),
        (
            "Groups and benchmarks",
            "; ".join(f"{g.name}: {len(g.symbols)} listings vs {g.benchmark}" for g in p.groups),
        ),
        (
            "Abnormal returns",
            "from dividend-adjusted closes; a missing session is dropped and listed in the ledger, never filled",
        ),
        (
            "Window returns",
            "traded closes (split-adjusted, not dividend-adjusted), each listing on its own exchange calendar",
        ),
        ("Confidence level", f"{LEVEL:.0%}"),
        (
            "Chinese names in charts",
            f"rendered with {font}" if font else "no CJK font found: charts use English names",
        ),
        ("Data", "the bundled sample (offline)" if sample else "the local store"),
        ("rerating version", __version__),
    ] + [("Note", n) for n in p.notes]


def _claims_table(
    market: Market, article: PathLike, article_date: object = None
) -> tuple[pd.DataFrame, str]:
    """Claims found in the article and their verdicts, one row per (claim, listing checked).

    ``verdict`` is the row's own listing's (a claim supported on 0700.HK can be unverifiable on
    TCEHY); ``claim verdict`` is the claim's as a whole. ``note`` is the claim's own notes (how
    it was read), then the listing's note, or the claim's reason on the row of a claim that had
    no listing to check.
    """
    from rerating.claims import extract_claims, read_article
    from rerating.claims.verify import verdicts_frame, verify_claims

    try:
        doc = read_article(article, date=article_date)
        claims = extract_claims(doc.text, article_date=doc.date, securities=market.securities)
    except ArticleDateError as exc:  # the claims commands' --date is --article-date here
        why = str(exc).replace("--date", "--article-date")
        if "--article-date" not in why:
            why += "; pass --article-date YYYY-MM-DD"
        raise ReportInputError(f"article {Path(str(article)).name}: {why}") from exc
    verdicts = verify_claims(claims, market)
    frame = verdicts_frame(verdicts)
    # one unit of each claim's last stated digit: its figures are shown to that precision
    resolution = [(verdicts[i].claim.value or {}).get("resolution") for i in frame["claim"]]
    frame["claim"] = frame["claim"] + 1  # numbered from 1 for readers
    # the listing's note (or the reason of a claim with no listing), after the claim's own notes
    # ("subject carried from an earlier sentence", "measured from the close before that day")
    own = frame["listing_note"].where(frame["symbol"] != "", frame["reason"])
    frame["note"] = [
        "; ".join(dict.fromkeys(n for n in (str(c or ""), str(o or "")) if n))
        for c, o in zip(frame["notes"], own, strict=True)
    ]
    frame = frame.rename(
        columns={"listing_status": "verdict", "status": "claim verdict", "start_date": "start",
                 "end_date": "end"}
    )  # fmt: skip
    # figures for readers: money in billions with its currency, percentages with %, and a
    # comparison's gap in percentage points ("pts": a difference of two returns, not a return)
    units = [
        "pts" if m == "relative_return" else u
        for m, u in zip(frame["metric"], frame["unit"], strict=True)
    ]
    frame["stated"] = [
        f"{c} {_claim_figure(a, u, cur, r)}"
        for c, a, u, cur, r in zip(frame["comparator"], frame["amount"], units,
                                   frame["value_currency"], resolution, strict=True)
    ]  # fmt: skip
    frame["computed"] = [
        _claim_figure(x, u, cur, r)
        for x, u, cur, r in zip(frame["computed"], units, frame["currency"], resolution,
                                strict=True)
    ]  # fmt: skip
    frame["accepted"] = [
        _claim_interval(text, u, cur or cur_stated, r)
        for text, u, cur, cur_stated, r in zip(frame["accepted"], units, frame["currency"],
                                               frame["value_currency"], resolution, strict=True)
    ]  # fmt: skip
    # a return against the listing's market over the same closes (the claim's verdict is on the
    # stated figure; this says how much of the move was the market's)
    frame["vs benchmark"] = [
        f"{x:+.2f} points vs {b} ({m:+.2f}%)" if b and np.isfinite(x) else ""
        for x, b, m in zip(frame["excess"], frame["benchmark"], frame["benchmark_computed"], strict=True)
    ]
    keep = ["claim", "sentence", "metric", "stated", "symbol", "verdict", "computed", "start", "end",
            "accepted", "vs benchmark", "claim verdict", "note"]  # fmt: skip
    source = Path(str(article)).name + (f" ({doc.title})" if doc.title else "")
    if doc.date is not None:
        source += f", dated {pd.Timestamp(doc.date).date()}"
    return frame[keep], source


def _claim_decimals(unit: str, resolution: object) -> int:
    """Decimals that keep a claim's stated precision in the report's unit: at least 0.1 bn for
    money and 0.01 for percentages and prices, more where the article states more (143.62亿美元,
    one unit of 1e6, is 14.362 bn)."""
    least = 1 if unit == "money" else 2
    try:
        r = float(resolution)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return least
    if not (np.isfinite(r) and r > 0):
        return least
    step = r / 1e9 if unit == "money" else r
    return min(max(least, math.ceil(-math.log10(step) - 1e-9)), 9)


def _claim_figure(value: object, unit: str, currency: str, resolution: object = None) -> str:
    """A claim's figure as a reader wants it: ``-589.0 bn USD``, ``-16.97%``, ``+7.81 pts`` (a
    comparison's gap), ``4,468.11 points``, to the precision the article states it at
    (``resolution``: one unit of its last digit)."""
    if value is None or value == "" or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    x = float(value)  # type: ignore[arg-type]
    d = _claim_decimals(unit, resolution)
    if unit == "money":
        return f"{x / 1e9:,.{d}f} bn {currency}".strip()
    if unit == "pct":
        return f"{x:+.{d}f}%"
    if unit == "pts":
        return f"{x:+.{d}f} pts"
    return f"{x:,.{d}f} {currency if unit == 'price' else unit}".strip()


def _claim_interval(text: str, unit: str, currency: str, resolution: object = None) -> str:
    """The accepted interval in the figures' own units: ``[-653.8, -524.2] bn USD``, or
    ``≤ -11.95%`` / ``≥ ...`` when one end is open (a claim of "more than" or "less than")."""
    if not text:
        return ""
    lo, hi = (float(v) for v in text.strip("[]").split(","))
    d = _claim_decimals(unit, resolution)

    def one(x: float) -> str:
        if unit == "money":
            return f"{x / 1e9:,.{d}f}"
        if unit == "pts":
            return f"{x:+.{d}f}"
        return f"{x:+.{d}f}%" if unit == "pct" else f"{x:,.{d}f}"

    tail = " bn " + currency if unit == "money" else " pts" if unit == "pts" else ""
    if math.isinf(lo) and math.isinf(hi):
        return "any value"
    if math.isinf(lo):
        return f"≤ {one(hi)}{tail}".strip()
    if math.isinf(hi):
        return f"≥ {one(lo)}{tail}".strip()
    return f"[{one(lo)}, {one(hi)}]{tail}".strip()


def _provenance(sample: bool) -> str:
    if not sample:
        return ""
    from importlib import resources

    return (
        resources.files("rerating.data")
        .joinpath("sample/PROVENANCE.md")
        .read_text(encoding="utf-8")
    )


def _is_sample(market: Market) -> bool:
    """True when ``market`` reads the bundled sample folder."""
    return bool(getattr(market, "is_sample", False))


def build_report(
    market: Market,
    *,
    preset: str | Preset | None = None,
    events: Sequence[str] | PathLike | None = None,
    symbols: Sequence[str] | None = None,
    out_dir: PathLike,
    article: PathLike | None = None,
    article_date: object = None,
) -> ReportResult:
    """Compute a re-rating study and write it as a self-contained HTML report with PNG charts.

    Parameters
    ----------
    market : Market
        The data (``Market.from_sample()`` for the bundled DeepSeek sample).
    preset : str or Preset, optional
        A named configuration, e.g. ``"deepseek-2025"``. Give either this or ``events`` and
        ``symbols``.
    events : sequence of str or path, optional
        Catalog event ids (the first is the primary event) or paths of events files (``.toml`` /
        ``.csv``, the catalog's schema) whose every event is studied.
    symbols : sequence of str, optional
        The listings of a custom study; grouped by market, each against its default benchmark.
    out_dir : path
        Directory for ``report.html`` and the charts (created if absent).
    article : path, optional
        An article whose market claims are checked in a section of the report.
    article_date : date-like, optional
        The article's publication date when it gives none (the CLI's ``--article-date``).

    Returns
    -------
    ReportResult

    Raises
    ------
    ReportInputError
        When neither or both of ``preset`` and ``events``/``symbols`` are given.
    UnknownPresetError, UnknownEventError, UnknownSymbolError
        For a name that does not exist (close ones are listed).

    Examples
    --------
    >>> res = build_report(Market.from_sample(), preset="deepseek-2025", out_dir="out")  # doctest: +SKIP
    >>> res.html_path                                                                     # doctest: +SKIP
    PosixPath('out/report.html')
    """
    from rerating.report import charts as ch
    from rerating.report.html import Chart, ReportContent, Table, render_html
    from rerating.report.tables import group_summary, tests_wide

    if article_date is not None and article is None:
        raise ReportInputError("--article-date needs --article (the article it dates)")
    p, catalog, notes = _resolve(market, preset, events, symbols)
    notes += p.left_out
    given = len(p.symbols) + len(p.left_out_symbols)  # before listings without bars are dropped
    p, no_bars = _drop_listings_without_bars(market, p)
    if no_bars:
        notes.append(
            f"No bars for {', '.join(no_bars)} in the data: left out of the report (listed under "
            "Dropped); load them with `rerating load SYMBOL --from ... --to ...`."
        )
    primary = catalog.get(p.event_ids[0])
    sample = _is_sample(market)
    # an article is read and checked before anything is written, so a bad one leaves no output
    claims_frame, claims_source = (
        _claims_table(market, article, article_date) if article is not None else (None, None)
    )
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only place, a file of that name
        raise ReportInputError(
            f"cannot create the report folder {out}: {exc.strerror or exc}; choose another --out"
        ) from exc

    # 1. event studies, one per event (each event has its own day 0 and estimation window)
    returns, bench, ledger = _returns_inputs(market, p)
    left = [
        {"stage": "data", "event_id": "", "symbol": sym, "date": pd.NaT, "reason": why}
        for sym, why in [*p.left_out_symbols, *((s, "no bars in the data") for s in no_bars)]
    ]
    if left:
        ledger = pd.concat([pd.DataFrame(left, columns=LEDGER_COLUMNS), ledger], ignore_index=True)
    studies = [run_study(eid, p, catalog, market.securities, returns, bench) for eid in p.event_ids]
    main = studies[0]
    caar = (
        pd.concat([s.caar for s in studies if not s.caar.empty], ignore_index=True)
        if any(not s.caar.empty for s in studies)
        else pd.DataFrame()
    )
    tests = (
        pd.concat([s.tests for s in studies if not s.tests.empty], ignore_index=True)
        if any(not s.tests.empty for s in studies)
        else pd.DataFrame()
    )
    dropped = pd.concat([ledger] + [s.dropped for s in studies], ignore_index=True)
    parts = [s.differences for s in studies if not s.differences.empty]
    differences = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    parts = [s.movers for s in studies if not s.movers.empty]
    movers = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    warnings = [f"{s.event_id}: {w}" for s in studies for w in s.warnings]
    clustering = clustering_warning(
        [(s.event_id, s.clustering) for s in studies if s.clustering], tests
    )

    # 2. window returns, abnormal returns per listing, market-cap moves
    summary, moves, more = _summary_frame(market, p, primary, main.car, main.dropped)
    notes += more
    return_cols = [
        c for c in summary.columns if c not in ("symbol", "name", "name_zh", "group", "note")
    ]
    counts = group_summary(summary, [c for c in return_cols if not c.startswith(("mcap", "CAR"))])
    groups = _add_caar(counts, main.caar)
    glance, more = _glance(counts, groups, main.caar)
    notes += more

    # 3. charts
    font = ch.cjk_font()
    if font is None:
        notes.append(
            "No CJK font was found (e.g. apt-get install fonts-noto-cjk): chart labels use English "
            "names; the tables still carry the Chinese names."
        )
    labels = _labels(market, p.symbols, font is not None)
    order = [g.name for g in p.groups]
    timeline, _ = _timeline(catalog, primary, p)
    rebased, left_out = _price_chart_data(market, p, primary)
    if left_out:
        notes.append(
            "Left out of the price chart: " + ", ".join(left_out)
        )
    figures: list[tuple[str, str, Any, str]] = []
    if rebased.shape[1] == 0:  # e.g. an event after the data ends: no listing has a base close
        notes.append(
            f"No price chart: no listing has closes around {primary.id} in the data (see what was "
            "left out of the price chart); load the dates with `rerating load SYMBOL --from ... "
            "--to ...`."
        )
    else:
        figures.append(
            (
                "prices",
                "Price paths rebased at the event",
                ch.price_paths_figure(
                    rebased,
                    p.group_of,
                    event_date=pd.Timestamp(primary.local_date),
                    timeline=timeline[["date", "number"]],
                    labels=labels,
                    font=font,
                    order=order,
                    title=f"Traded closes rebased to 100 at the last close before {primary.id}; "
                    "numbered lines are the timeline's events",
                ),
                "Thin lines: listings; thick black: group median. Numbers refer to the event "
                "timeline.",
            )
        )
    if not main.paths.empty:
        # a group none of whose listings was kept has no path: say so beside the chart
        pathless = [g.name for g in p.groups if g.name not in set(main.paths["group"])]
        figures.append(
            (
                "caar",
                f"CAAR paths by group after {primary.id}",
                ch.caar_figure(main.paths, level=LEVEL, font=font, order=order),
                f"Bands: {LEVEL:.0%} confidence interval of the CAAR."
                + (
                    f" No path for {_join(pathless)}: none of its listings was kept in the event "
                    "study (see Dropped events and listings)."
                    if pathless
                    else ""
                ),
            )
        )
    else:
        notes.append(
            f"No CAAR chart: every listing was dropped from the event study of {primary.id} "
            "(see Dropped events and listings for why)."
        )
    bar_col = return_cols[0] if return_cols else None
    if bar_col is not None and summary[bar_col].notna().any():
        figures.append(
            (
                "returns",
                f"Window returns: {bar_col}",
                ch.window_bars_figure(
                    summary,
                    column=bar_col,
                    labels=labels,
                    font=font,
                    order=order,
                    title=f"Return, {bar_col}",
                ),
                "Close-to-close returns of traded prices; listings without data are listed in the table.",
            )
        )
    charts, chart_paths = [], []
    for key, title, fig, caption in figures:
        path = out / f"{key}.png"
        charts.append(Chart(key, title, ch.save_figure(fig, path), path.name, caption))
        chart_paths.append(path)
    for key in CHART_KEYS:  # a chart of an earlier run that this run did not draw
        stale = out / f"{key}.png"
        if stale not in chart_paths and stale.is_file():
            stale.unlink()

    # 4. claims
    claims_table = None
    if claims_frame is not None:
        claims_table = Table(
            claims_frame,
            digits={"computed": 2},
            caption="Each claim as the article states it, the listing it was checked on, that "
            "listing's verdict, the value computed from the data (in the claim's unit) and the "
            "interval accepted as a match; the claim verdict holds when any listing supports it. "
            "vs benchmark: for a stock's return, the return minus its benchmark's over the same "
            "closes (the benchmark's own return in brackets).",
        )

    pct = tuple(c for c in return_cols if not c.startswith("mcap"))
    tests_shown = tests_wide(tests, mark_invalid=clustering is not None)
    marked = tests_shown.map(lambda v: isinstance(v, str) and v.endswith(INVALID_MARK)).any().any()
    tests_shown = tests_shown.rename(columns={**TEST_LABELS, "n": "listings"})
    content = ReportContent(
        title=p.title,
        question=_question(p, studies, given),
        summary=Table(
            summary.rename(columns=SUMMARY_HEADERS),
            percent=pct,
            digits={c: 1 for c in return_cols if c.startswith("mcap")},
            signed=tuple(c for c in return_cols if c.startswith("mcap")),
            split_by="group",
            caption="Returns are close-to-close on traded prices over each listing's own sessions "
            "(each column's dates in its header); CAR is the cumulative abnormal return around "
            f"the primary event, {primary.id} (day 0 on each listing's own calendar: "
            f"{_day_zero_text(primary)}), against the group's benchmark (market model).",
        ),
        overview=Table(
            glance,
            percent=tuple(
                c
                for c in glance.columns
                if c not in ("group", "listings") and not c.startswith("p ")
            ),
            digits={c: 3 for c in glance.columns if c.startswith("p ")},
            caption=_overview_caption(primary.id, main.caar, glance),
        ),
        key_moves=Table(
            moves,
            percent=("price return", "change, USD %"),
            digits={"change, USD bn": 1, "start close": 2, "end close": 2},
            signed=("change, USD bn",),
            caption="Closes in the listing's currency (column currency). Price return: close to "
            "close in that currency. Market-cap rows add the "
            "change of the market value in US dollars (price and exchange-rate effect) in per cent "
            "and in USD bn.",
        )
        if not moves.empty
        else None,
        caar=Table(
            _caar_shown(caar),
            percent=("CAAR", "std. error", "lower", "upper"),
            unsigned=("std. error",),
            digits={"t": 2, "p-value": 4},
            split_by="event_id",
            caption=_caar_caption(caar),
            empty="No CAAR: every event was dropped from the study (see Dropped events and "
            "listings for why).",
        ),
        differences=Table(
            _differences_shown(differences),
            percent=("difference", "lower", "upper"),
            digits={"p (CDA)": 4, "p (adj. BMP)": 4, "p (Welch)": 4},
            split_by="event_id",
            caption="CAAR of the first group minus the second's; day 0: the groups' day-0 dates "
            "(first vs second where they differ). Interval and p (CDA): Brown & Warner's crude "
            "dependence adjustment on the long-short portfolio, valid when each group's listings "
            "share a date and a market shock and the two groups' windows do not overlap across "
            "different day 0s (left blank where they do; the note says why); p (adj. BMP): "
            "standardised CARs with each group's design effect and the correlation between the "
            "groups, valid also when the event raises volatility; p (Welch): two-sample t that "
            "treats listings as independent.",
        )
        if not differences.empty
        else None,
        movers=Table(
            movers.rename(columns=MOVERS_HEADERS),
            percent=("CAR",),
            digits={"p-value": 4, "q-value": 4},
            split_by="event_id",
            caption="Listings whose CAR (its own t-test, Campbell, Lo & MacKinlay 1997) is "
            f"significant with the false discovery rate held at {MOVERS_FDR:.0%} across each "
            "window's listings: q = Benjamini-Hochberg adjusted p-value. Testing each listing at "
            "p < 0.10 instead would flag one quiet listing in ten. "
            f"{OTHER_NEWS}: catalog events about the same company whose day 0 falls inside the "
            "window (day k from the event's day 0); the CAR carries that news too.",
        )
        if any(not s.car.empty for s in studies)
        else None,
        movers_fdr=MOVERS_FDR,
        tests=Table(
            tests_shown,
            split_by="event_id",
            caption="Each cell: statistic (two-sided p-value). "
            + (
                f"{INVALID_MARK} not valid here: this row's event windows overlap in calendar time "
                "and the test treats the events as independent, or (Brown-Warner CDA and the rank "
                "tests) the overlapping events have different day 0s (see the warning)."
                if marked
                else ""
            ),
            empty="No test statistics: every event was dropped from the study (see Dropped events "
            "and listings for why).",
        ),
        dropped=Table(dropped.rename(columns={"event_id": "event"})),
        coverage=Table(_coverage(market, p, main.n_obs), empty="No listing or benchmark has data."),
        quality=Table(
            _quality(market, p, primary),
            caption="Flags raised by the data layer (values are kept as published, never filled).",
        ),
        timeline=Table(
            timeline.rename(columns=TIMELINE_HEADERS),
            empty="No catalog event falls in the chart's dates.",
            wrap=(*Table.wrap, "title", "title (Chinese)"),
        ),
        parameters=_parameters(market, p, primary, font, sample),
        charts=charts,
        warnings=tuple(warnings),
        clustering_warning=clustering,
        claims=claims_table,
        claims_source=claims_source,
        provenance_markdown=_provenance(sample),
        notes=tuple(notes),
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    html_path = out / "report.html"
    html_path.write_text(render_html(content), encoding="utf-8")
    return ReportResult(
        html_path=html_path,
        chart_paths=tuple(chart_paths),
        _summary_frame=summary,
        notes=tuple(notes),
        _group_frame=groups,
        _caar_frame=caar,
        _tests_frame=tests,
        _dropped=dropped,
        _differences_frame=differences,
        _movers_frame=movers,
    )


def _question(p: Preset, studies: Sequence[StudyTables], given: int) -> str:
    """The report's question; a custom one counts the listings the studies kept, not those given.

    Parameters
    ----------
    p : Preset
        The report's configuration (a named preset keeps its own question).
    studies : sequence of StudyTables
        One per event; a listing counts as studied when it has a CAR after at least one event.
    given : int
        Distinct listings asked for: the others (an index, a listing without bars, one that
        every event study dropped) are counted as dropped.

    Returns
    -------
    str
    """
    if p.name != "custom":
        return p.question
    studied = {
        str(sym)
        for s in studies
        if not s.car.empty
        for sym in s.car.loc[s.car["car"].notna(), "symbol"]
    }
    return custom_question(p.event_ids, studied=len(studied), given=given)


def _day_zero_text(primary: Any) -> str:
    """Day 0 of the primary event in New York and Hong Kong, as the parameters table gives it."""
    from rerating.events.alignment import day_zero

    return ", ".join(f"{CALENDAR_LABELS[c]} {day_zero(primary, c).date()}" for c in ("XNYS", "XHKG"))


def _quality(market: Market, p: Preset, primary: Any) -> pd.DataFrame:
    """Known data issues from the first estimation session (about) to the end of the chart."""
    from rerating.report.tables import quality_summary

    syms = list(p.symbols) + sorted({g.benchmark for g in p.groups})
    day = pd.Timestamp(primary.local_date)
    # estimation sessions are trading days: 1.5 calendar days each covers the window with margin
    lo = day + pd.Timedelta(days=int(1.5 * p.estimation_window[0]) - 7)
    hi = day + pd.Timedelta(
        days=max(p.chart_after, int(1.5 * max(b for _, b in p.event_windows)) + 7)
    )
    return quality_summary(market.quality(syms), lo, hi)


def _coverage(market: Market, p: Preset, n_obs: pd.Series) -> pd.DataFrame:
    """Data range of every listing and benchmark, and the estimation sessions the study used."""
    syms = list(p.symbols) + sorted({g.benchmark for g in p.groups})
    frame = market.coverage(syms)
    group = {**p.group_of, **{g.benchmark: "benchmark" for g in p.groups}}
    frame.insert(1, "group", frame["symbol"].map(group))
    frame["estimation sessions used"] = frame["symbol"].map(n_obs)
    return frame


def _study_tables(
    event_id: str, p: Preset, results: Any, catalog: Any, securities: Any
) -> StudyTables:
    """Shape an ``EventStudyResults`` for the report (CAAR, tests, per-listing CAR, paths, ledger)."""
    caar = results.caar
    caar = caar.rename(columns={"conf_low": "lower", "conf_high": "upper"})
    keep = [
        c
        for c in ("group", "window", "n", "caar", "std_error", "tstat", "pvalue", "lower", "upper",
                  "se_method")
        if c in caar
    ]  # fmt: skip
    caar = caar[keep].copy()
    caar.insert(0, "event_id", event_id)

    tests = results.tests.copy()
    tests.insert(0, "event_id", event_id)
    clustering = results.clustering
    if {"group", "window", "overlapping"} <= set(clustering.columns) and not tests.empty:
        # a test invalid under clustering is invalid where its row's windows overlap
        overlap = dict(
            zip(
                zip(clustering["group"], clustering["window"], strict=True),
                clustering["overlapping"].astype(bool),
                strict=True,
            )
        )
        tests["overlapping"] = [
            bool(overlap.get(k, True)) for k in zip(tests["group"], tests["window"], strict=True)
        ]

    car = results.car[["symbol", "group", "window", "car", "pvalue"]].copy()
    car.insert(0, "event_id", event_id)

    present = (
        set(results.group.tolist()) if hasattr(results.group, "tolist") else set(results.group)
    )
    paths = []
    for g in p.groups:
        if g.name not in present:
            continue
        path = results.aar_path(g.name, level=LEVEL)
        paths.append(
            pd.DataFrame(
                {
                    "group": g.name,
                    "event_day": path["event_time"].to_numpy(),
                    "caar": path["caar"].to_numpy(),
                    "lower": path["conf_low"].to_numpy(),
                    "upper": path["conf_high"].to_numpy(),
                }
            )
        )
    paths_frame = pd.concat(paths, ignore_index=True) if paths else pd.DataFrame()
    order = [g.name for g in p.groups if g.name in present]
    return StudyTables(
        event_id=event_id,
        caar=caar,
        tests=tests,
        car=car,
        paths=paths_frame,
        dropped=_ledger(results.dropped, "study", event_id),
        warnings=tuple(results.warnings),
        clustering=_clustering_text(results.clustering),
        n_obs=results.params.set_index("symbol")["n_obs"],
        differences=_differences(event_id, results, order),
        movers=_movers(event_id, results, catalog, securities),
    )


def _differences(event_id: str, results: Any, order: Sequence[str]) -> pd.DataFrame:
    """Every pair of groups (preset order, first minus second): CAAR difference, CDA and Welch p.

    ``day 0`` holds the two groups' day-0 dates; ``CDA valid`` is the engine's
    ``valid_under_clustering`` of the CDA row (False where the groups' windows overlap across
    different day-0 dates) and ``note`` says why, with any test's own note.
    """
    rows = []
    for i, a in enumerate(order):
        for b in order[i + 1 :]:
            both = results.compare(a, b, level=LEVEL).set_index(["window", "test"])
            for window in dict.fromkeys(both.index.get_level_values("window")):
                cda, welch = both.loc[(window, "cda_difference")], both.loc[(window, "welch_t")]
                bmp = both.loc[(window, "adj_bmp_difference")]
                day0_a, day0_b = str(cda.get("day0_a", "")), str(cda.get("day0_b", ""))
                valid = bool(cda.get("valid_under_clustering", True))
                notes = []
                if not valid:
                    notes.append(
                        f"CDA interval and p not valid here: the groups' day 0s differ ({day0_a} "
                        f"vs {day0_b}) and their windows overlap in calendar time, so the "
                        "long-short portfolio in event time misses the correlation on the dates "
                        "they share; read p (adj. BMP)"
                    )
                for label, row in (("CDA", cda), ("adj. BMP", bmp), ("Welch", welch)):
                    note = row.get("note")
                    if isinstance(note, str) and note:
                        notes.append(f"{label}: {note}")
                rows.append(
                    {
                        "event_id": event_id,
                        "groups": f"{a} − {b}",
                        "window": window,
                        "day 0": day0_a if day0_a == day0_b else f"{day0_a} vs {day0_b}",
                        "difference": cda["difference"],
                        "lower": cda["conf_low"],
                        "upper": cda["conf_high"],
                        "p (CDA)": cda["pvalue"],
                        "p (adj. BMP)": bmp["pvalue"],
                        "p (Welch)": welch["pvalue"],
                        "CDA valid": valid,
                        "note": "; ".join(notes),
                    }
                )
    return pd.DataFrame(rows)


def _differences_shown(differences: pd.DataFrame) -> pd.DataFrame:
    """The differences table as shown: the CDA's interval and p blank where not valid (the
    note says why), no ``CDA valid`` column."""
    if differences.empty:
        return differences
    out = differences.copy()
    bad = ~out["CDA valid"].astype(bool)
    out.loc[bad, ["lower", "upper", "p (CDA)"]] = np.nan
    return out.drop(columns=["CDA valid"])


def _movers(event_id: str, results: Any, catalog: Any, securities: Any) -> pd.DataFrame:
    """The listings whose CAR moved at a ``MOVERS_FDR`` false discovery rate, per window, with the
    catalog's other news of the same company inside the window."""
    from rerating.events.confounding import other_events

    movers = results.movers(fdr=MOVERS_FDR)
    out = movers[["symbol", "group", "window", "car", "pvalue", "qvalue"]].copy()
    out.insert(0, "event_id", event_id)
    out[OTHER_NEWS] = other_events(movers, catalog, securities).to_numpy()
    return out


def _clustering_text(clustering: pd.DataFrame) -> str | None:
    """Groups whose event windows overlap in calendar time, with their design effects (or None)."""
    if clustering is None or clustering.empty or "overlapping" not in clustering:
        return None
    hit = clustering[clustering["overlapping"].astype(bool)]
    if hit.empty:
        return None
    effect = (
        hit.groupby("group", sort=False)["design_effect"].max() if "design_effect" in hit else None
    )
    return ", ".join(
        f"{g} {effect[g]:.2f}" if effect is not None and np.isfinite(effect[g]) else str(g)
        for g in dict.fromkeys(hit["group"])
    )


def clustering_warning(details: Sequence[tuple[str, str]], tests: pd.DataFrame) -> str | None:
    """One warning for every event whose windows overlap, naming the tests that stay valid.

    Parameters
    ----------
    details : sequence of (event_id, text)
        The per-event text of :func:`_clustering_text` (groups and design effects).
    tests : DataFrame
        The long test table with ``test``, ``valid_under_clustering`` (per row) and optionally
        ``overlapping``; the text names the tests whose cells :func:`tests_wide` marks with
        ``INVALID_MARK`` and the ones to rely on.
    """
    if not details:
        return None
    text = (
        "Event windows overlap in calendar time: the listings of a group share the event's news, "
        "so their abnormal returns are cross-correlated (Hong Kong and New York listings also one "
        "session apart, which r̄ and the portfolio and rank tests count). Design effect "
        "1 + (N - 1) r̄ by group, the largest over the windows: "
        + "; ".join(f"{eid}: {d}" for eid, d in details)
        + "."
    )
    if "valid_under_clustering" in tests and not tests.empty:
        text += " " + _validity_text(tests)
    return text


def _validity_text(tests: pd.DataFrame) -> str:
    """Which tests the † cells mark, and which to rely on: from each row's own validity."""
    from rerating.study.statistics import TESTS

    rows = tests[tests["overlapping"].astype(bool)] if "overlapping" in tests else tests
    bad = rows[~rows["valid_under_clustering"].astype(bool)]
    names = list(dict.fromkeys(rows["test"]))
    label = lambda t: TEST_LABELS.get(t, t)  # noqa: E731
    by_design = [t for t in names if t in TESTS and not TESTS[t].valid_under_clustering]
    sometimes = [t for t in names if t not in by_design and t in set(bad["test"])]
    valid = [t for t in names if t not in by_design]
    parts = []
    if by_design:
        parts.append(f"{_join(map(label, by_design))} treat events as independent and over-reject")
    if sometimes:
        where = "; ".join(
            f"{eid}, group {group}: {', '.join(dict.fromkeys(part['window']))}"
            for (eid, group), part in bad[bad["test"].isin(sometimes)].groupby(
                ["event_id", "group"], sort=False
            )
        )
        parts.append(
            f"{_join(map(label, sometimes))} take their variance from the portfolio in event "
            "time and are not valid where the overlapping events have different day 0s "
            f"({where})"
        )
    if not parts:
        return ""
    text = f"Cells marked {INVALID_MARK} are not valid in their row: " + "; ".join(parts) + "."
    if valid:
        text += f" Rely on {_join(map(label, valid))}" + (
            f", except cells marked {INVALID_MARK}." if sometimes else "."
        )
    return text


def _join(items: Any) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _add_caar(groups: pd.DataFrame, caar: pd.DataFrame) -> pd.DataFrame:
    """Keep the group medians and add the primary event's CAAR and p-value per window."""
    cols = ["group", "listings"] + [c for c in groups.columns if c.endswith(" median")]
    out = groups[cols].rename(
        columns=lambda c: c.replace(" median", "") if c.endswith(" median") else c
    )
    if caar.empty:
        return out
    for window in dict.fromkeys(caar["window"]):
        part = caar[caar["window"] == window].set_index("group")
        out[f"CAAR {window}"] = out["group"].map(part["caar"])
        out[f"p {window}"] = out["group"].map(part["pvalue"])
    return out


def _of(n: int, listings: int) -> str:
    return f"({n} of {listings})"


def _glance(
    counts: pd.DataFrame, groups: pd.DataFrame, caar: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """The "at a glance" table as shown, and notes on figures that cover fewer listings.

    A median (``counts``' ``"{col} n"``, from :func:`~rerating.report.tables.group_summary`) or
    a CAAR (the CAAR table's ``n``) over fewer listings than the group's count is written with
    its count, ``-4.20% (1 of 3)``.
    """
    shown = groups.copy()
    listings = dict(zip(shown["group"], shown["listings"], strict=True))
    n_of: dict[str, dict[str, int]] = {}  # column -> group -> listings the figure covers
    for col in shown.columns:
        if f"{col} n" in counts:
            n_of[col] = dict(zip(counts["group"], counts[f"{col} n"], strict=True))
    if not caar.empty:
        for window in dict.fromkeys(caar["window"]):
            part = caar[caar["window"] == window]
            n_of[f"CAAR {window}"] = dict(zip(part["group"], part["n"], strict=True))
    short: dict[str, dict[str, list[str]]] = {}  # group -> "n of total" -> columns
    for col, by_group in n_of.items():
        if col not in shown:
            continue
        cells: list[object] = []
        for group, value in zip(shown["group"], shown[col], strict=True):
            n, total = int(by_group.get(group, 0)), int(listings[group])
            if n >= total:
                cells.append(value)
                continue
            short.setdefault(str(group), {}).setdefault(f"{n} of {total}", []).append(col)
            cells.append(
                f"{100 * value:+.2f}% {_of(n, total)}"
                if pd.notna(value)
                else f"none {_of(0, total)}"
            )
        shown[col] = pd.Series(cells, index=shown.index, dtype=object)
    notes = [
        f"At a glance, {group}: "
        + "; ".join(f"{_join(cols)} cover{'s' if len(cols) == 1 else ''} {k} listings"
                    for k, cols in by_count.items())
        + ". The others have no return for the window or were dropped from the event study "
        "(see their notes and Dropped events and listings)."
        for group, by_count in short.items()
    ]  # fmt: skip
    return shown, notes


def _test_phrase(caar: pd.DataFrame, groups: Sequence[str]) -> str:
    """The test behind ``caar``'s p-values for ``groups``, named per se_method."""
    part = caar[caar["group"].isin(list(groups))] if not caar.empty else caar
    if part.empty or "se_method" not in part:
        return "a t-test"
    by_method: dict[str, list[str]] = {}
    for method, sub in part.groupby("se_method", sort=False):
        by_method[str(method)] = list(dict.fromkeys(sub["group"]))
    if len(by_method) == 1:
        method = next(iter(by_method))
        return SE_METHOD_PHRASES.get(method, method)
    return "; ".join(f"{SE_METHOD_PHRASES.get(m, m)} for {_join(g)}" for m, g in by_method.items())


def _overview_caption(primary_id: str, caar: pd.DataFrame, groups: pd.DataFrame) -> str:
    """The caption of the "at a glance" table: what the figures are and which test the p is."""
    text = (
        "Median window return of the group's listings; a count such as (1 of 3) where fewer "
        "listings have a value."
    )
    names = [str(g) for g in groups["group"]]
    if caar.empty:
        return (
            text + f" No CAAR after {primary_id}: every listing was dropped from its event study "
            "(see Dropped events and listings for why); the CAAR table shows the other events "
            "studied, if any."
        )
    have = set(caar["group"])
    missing = [g for g in names if g not in have]
    text += (
        f" CAAR: mean CAR against the benchmark after {primary_id}; p: its two-sided p-value, "
        f"from {_test_phrase(caar, [g for g in names if g in have])}."
    )
    if missing:
        text += (
            f" No CAAR for {_join(missing)}: every listing of the group was dropped from the "
            "event study (see Dropped events and listings)."
        )
    return text


def _caar_shown(caar: pd.DataFrame) -> pd.DataFrame:
    """The CAAR table as shown: readable headers, and the test of each row's p-value."""
    if caar.empty:
        return caar
    out = caar.rename(columns=CAAR_HEADERS)
    if "se_method" in out:
        out["test"] = out.pop("se_method").map(lambda m: SE_METHOD_LABELS.get(str(m), str(m)))
    return out


def _caar_caption(caar: pd.DataFrame) -> str:
    """The CAAR table's caption, naming the tests its p-values come from."""
    text = (
        f"CAAR per group and window with its {LEVEL:.0%} interval, its t statistic and two-sided "
        "p-value; column test: "
    )
    methods = (
        list(dict.fromkeys(caar["se_method"])) if not caar.empty and "se_method" in caar else []
    )
    how = {
        "cross_sectional_kp_adjusted": "the cross-sectional t with the standard error multiplied "
        "by sqrt((1 + (N - 1) r̄) / (1 - r̄)) where a group's windows overlap in calendar time "
        "(Kolari & Pynnönen 2010; r̄ weighting each pair by the two listings' volatilities)",
        "cross_sectional": "the cross-sectional t where they do not",
        "time_series": "for a one-listing group, the t of that listing's CAR on its own "
        "estimation-window variance (Campbell, Lo & MacKinlay 1997), no cross-section",
    }
    if not methods:
        return text + (
            "the cross-sectional t (standard error multiplied by sqrt((1 + (N - 1) r̄) / (1 - r̄)) "
            "where windows overlap)."
        )
    return text + "; ".join(how.get(str(m), str(m)) for m in methods) + "."
