"""Read-only results of an event study, with a summary that renders as text, HTML or CSV.

Frames are built lazily from the kernel's arrays on first access (a 100,000-event study need not
pay for a two-million-row AR frame it never reads) and handed out as copies, so the results
object cannot be changed through them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import costs more than a study (statistics.py)

from rerating.errors import StatisticOptionError, did_you_mean
from rerating.study.statistics import (
    FdrMethod,
    adj_bmp_difference,
    cda_difference,
    fdr_qvalues,
    overlap_apart,
    welch_difference,
)


def window_label(window: tuple[int, int]) -> str:
    """The label of an event window in every frame: ``(-1, 1)`` -> ``"[-1:1]"`` (no comma: CSV-safe)."""
    return f"[{window[0]}:{window[1]}]"


def _fmt(x: object) -> str:
    if isinstance(x, (float, np.floating)):
        v = float(x)
        if not np.isfinite(v):
            return "" if np.isnan(v) else str(v)  # blank where there is no value (and a warning)
        return f"{v:.4f}" if abs(v) >= 1e-4 or v == 0 else f"{v:.2e}"
    return str(x)


# pandas' own dtype for a column of text (pandas 3: "str"; before: object), found once
_TEXT_DTYPE = pd.Series(["x"]).dtype


def text_array(values: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """An object array of ``str`` as pandas' default text column, built in one step.

    The frame constructor would first infer the type of every element, then build the same
    array: several times slower, and for a 500-event study the larger part of its CAR frame.
    """
    if not isinstance(_TEXT_DTYPE, pd.StringDtype):  # pandas 2: object columns
        return values
    return _TEXT_DTYPE.construct_array_type()._from_sequence(values, dtype=_TEXT_DTYPE)


_CAR_COLUMNS = pd.Index(
    [
        "event_id", "symbol", "group", "day0", "window", "car", "std_error", "tstat", "pvalue",
        "qvalue", "bhar",
    ]
)  # fmt: skip

TEST_COLUMNS = ("group", "window", "test", "statistic", "pvalue", "n", "valid_under_clustering")


def rows_frame(rows: Sequence[dict], columns: list[str] | None = None) -> pd.DataFrame:
    """``pd.DataFrame(rows, columns=columns)``, built column-wise (several times faster)."""
    if not rows:
        return pd.DataFrame(list(rows), columns=columns)
    keys = list(rows[0]) if columns is None else columns
    return pd.DataFrame({k: [r[k] for r in rows] for k in keys})


SUMMARY_MAX_GROUPS = 4  # the summary tests every pair of up to this many groups (6 pairs)
DIFFERENCES_TITLE = "Group differences (CAAR of group_a minus group_b)"
DIFFERENCE_COLUMNS = [
    "group_a", "group_b", "window", "difference", "test", "statistic", "pvalue", "conf_low",
    "conf_high", "valid_under_clustering",
]


@dataclass(frozen=True)
class StudySummary:
    """A rendered summary: header lines, the CAAR table, the tests table and the warnings, as text,
    HTML, CSV or JSON.

    ``differences``: the tests of one group's CAAR minus another's (every pair when the study has
    two to :data:`SUMMARY_MAX_GROUPS` groups), else None.
    """

    header: tuple[tuple[str, str], ...]
    caar: pd.DataFrame
    tests: pd.DataFrame
    warnings: tuple[str, ...]
    differences: pd.DataFrame | None = None

    def _table_text(self, frame: pd.DataFrame) -> str:
        if frame.empty:
            return "(none)"
        cells = [[str(c) for c in frame.columns]] + [
            [_fmt(v) for v in row] for row in frame.itertuples(index=False)
        ]
        widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def as_text(self) -> str:
        """Plain-text summary."""
        head = "\n".join(f"{k:<22}{v}" for k, v in self.header)
        parts = ["Event study", "=" * 11, head, "", "CAAR", self._table_text(self.caar), ""]
        parts += ["Tests (two-sided p-values)", self._table_text(self.tests)]
        if self.differences is not None:
            parts += ["", DIFFERENCES_TITLE, self._table_text(self.differences)]
        if self.warnings:
            parts += ["", "Warnings"] + [f"- {w}" for w in self.warnings]
        return "\n".join(parts)

    def as_html(self) -> str:
        """HTML summary (tables via pandas; warnings as a list)."""
        import html

        head = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in self.header
        )
        out = [
            f"<h4>Event study</h4><table>{head}</table>",
            "<h5>CAAR</h5>",
            self.caar.to_html(index=False, na_rep=""),
        ]
        out += ["<h5>Tests (two-sided p-values)</h5>", self.tests.to_html(index=False, na_rep="")]
        if self.differences is not None:
            out += [f"<h5>{DIFFERENCES_TITLE}</h5>", self.differences.to_html(index=False, na_rep="")]
        if self.warnings:
            out.append(
                "<ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings) + "</ul>"
            )
        return "\n".join(out)

    def as_csv(self) -> str:
        """CSV: the CAAR table, a blank line, the tests table (and the differences, likewise)."""
        text = self.caar.to_csv(index=False) + "\n" + self.tests.to_csv(index=False)
        if self.differences is not None:
            text += "\n" + self.differences.to_csv(index=False)
        return text

    def as_json(self) -> str:
        """JSON object: ``header`` (name -> value), ``caar``, ``tests`` and ``differences`` (lists of
        rows, or null), ``warnings``; NaN is null."""
        import json

        def rows(frame: pd.DataFrame | None) -> list | None:
            return None if frame is None else json.loads(frame.to_json(orient="records"))

        return json.dumps(
            {
                "header": dict(self.header),
                "caar": rows(self.caar),
                "tests": rows(self.tests),
                "differences": rows(self.differences),
                "warnings": list(self.warnings),
            },
            ensure_ascii=False,
            indent=1,
        )

    def __str__(self) -> str:
        return self.as_text()


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise StatisticOptionError(f"level must be in (0, 1), e.g. 0.95; got {level}")


class ReadOnlyDict(dict):
    """A dict that refuses changes (and pickles, which a ``MappingProxyType`` does not)."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("study results are read-only; copy them (dict(...)) to change them")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple:
        return (ReadOnlyDict, (dict(self),))


def _frozen_value(value: object) -> object:
    """``value`` made read-only: arrays flagged unwritable, dicts :class:`ReadOnlyDict`, lists
    tuples (recursively)."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
        return value
    if isinstance(value, dict):
        return ReadOnlyDict({k: _frozen_value(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen_value(v) for v in value)
    return value


class ReadOnlyPairs(Mapping):
    """``results.rbar_between``: a read-only view of a mapping whose values are computed when
    first read (r̄ across a pair of groups); each value is handed out read-only, so an edit to
    it cannot change what :meth:`EventStudyResults.compare` reports later."""

    def __init__(self, pairs: Mapping) -> None:
        self._pairs = pairs

    def __getitem__(self, key: object) -> object:
        return _frozen_value(self._pairs[key])

    def __iter__(self) -> Iterator:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __repr__(self) -> str:
        return f"ReadOnlyPairs({len(self)} pairs of groups)"


@dataclass(frozen=True, eq=False)
class EventStudyResults:
    """Results of :meth:`rerating.study.EventStudy.fit` (read-only).

    Frames: :attr:`ar`, :attr:`car`, :attr:`bhar`, :attr:`caar`, :attr:`tests`, :attr:`dropped`,
    :attr:`clustering`, :attr:`params`; :meth:`aar_path`; :attr:`warnings`. Aggregation is by
    ``group`` plus ``"all"``. Windows are labelled ``"[a:b]"`` (sessions relative to day 0).
    """

    model: str
    estimation_window: tuple[int, int]
    event_windows: tuple[tuple[int, int], ...]
    event_span: tuple[int, int]
    event_id: np.ndarray
    symbol: np.ndarray
    group: np.ndarray
    param_names: tuple[str, ...]
    params_arr: np.ndarray
    sigma2: np.ndarray
    n_obs: np.ndarray
    dof: np.ndarray
    ar_arr: np.ndarray
    var_ar: np.ndarray
    evt_dates: np.ndarray
    car_arr: np.ndarray
    var_car: np.ndarray
    bhar_arr: np.ndarray
    caar_rows: tuple[dict, ...]
    test_rows: tuple[dict, ...]
    clustering_rows: tuple[dict, ...]
    _dropped_frame: pd.DataFrame | None  # None: no event was dropped
    warnings_list: tuple[str, ...]
    rbar: dict
    n_events: int
    aar_est: dict = field(default_factory=dict)  # group -> (L1,) estimation-window mean AR
    day0_dates: np.ndarray | None = None  # datetime64 day 0 of each kept event
    # (group_a, group_b) sorted -> {"rbar", "n_pairs", "effective": [per window], "same_date": [per
    # window, without the lead-lag terms]}: r̄ across groups (a mapping that computes a pair when
    # it is first read)
    rbar_between: Mapping = field(default_factory=dict)
    # group -> market codes of its events, when r̄ has lead-lag terms (EventStudy's lead_lag)
    markets: dict = field(default_factory=dict)
    # group -> the residuals' mean pairwise correlation (clustering's rbar_residual; a mapping
    # that may compute a group's the first time it is read)
    rbar_residual: Mapping = field(default_factory=dict)

    def __post_init__(self) -> None:
        # read-only through and through: compare(), aar_path() and the frames are computed from
        # these fields on demand, so an edit to one of them would change later answers
        def frozen(value: object) -> object:
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
                return value
            if isinstance(value, dict):
                return ReadOnlyDict({k: frozen(v) for k, v in value.items()})
            return value

        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name in ("caar_rows", "test_rows", "clustering_rows"):
                object.__setattr__(self, name, tuple(ReadOnlyDict(r) for r in value))
            elif name == "rbar_residual":  # floats, some computed when first read
                pass
            elif name == "rbar_between":
                # computed lazily (engine._PairwiseRbar): each value is frozen as it is handed out
                if not isinstance(value, ReadOnlyPairs):
                    object.__setattr__(self, name, ReadOnlyPairs(value))
            elif isinstance(value, np.ndarray | dict):
                object.__setattr__(self, name, frozen(value))

    # --- frames ---------------------------------------------------------------------------

    @cached_property
    def _caar_frame(self) -> pd.DataFrame:
        """The CAAR table (built from its rows on first use; :attr:`caar` hands out copies)."""
        return rows_frame(self.caar_rows)

    @cached_property
    def _tests_frame(self) -> pd.DataFrame:
        """The tests table (built on first use; :attr:`tests` hands out copies)."""
        return rows_frame(self.test_rows, columns=list(TEST_COLUMNS))

    @cached_property
    def _clustering_frame(self) -> pd.DataFrame:
        """The clustering table (built on first use; :attr:`clustering` hands out copies), with
        each group's ``rbar_residual`` after ``rbar_same_date``."""
        rows = []
        for row in self.clustering_rows:
            items = list(row.items())
            at = [k for k, _ in items].index("rbar_same_date") + 1
            rows.append(dict(items[:at] + [("rbar_residual", self.rbar_residual[row["group"]])] + items[at:]))
        return rows_frame(rows)

    @cached_property
    def _ar(self) -> pd.DataFrame:
        n, l2 = self.ar_arr.shape
        t = np.arange(self.event_span[0], self.event_span[1] + 1)
        return pd.DataFrame(
            {
                "event_id": text_array(np.repeat(self.event_id, l2)),
                "symbol": text_array(np.repeat(self.symbol, l2)),
                "group": text_array(np.repeat(self.group, l2)),
                "event_time": np.tile(t, n),
                "date": self.evt_dates.reshape(-1),
                "ar": self.ar_arr.reshape(-1),
                "std_error": np.sqrt(self.var_ar).reshape(-1),
            }
        )

    @property
    def ar(self) -> pd.DataFrame:
        """Abnormal returns: event_id, symbol, group, event_time, date, ar, std_error (per day)."""
        return self._ar.copy(deep=False)

    @cached_property
    def _car(self) -> pd.DataFrame:
        n, w = self.car_arr.shape
        se = np.sqrt(self.var_car)
        t = self.car_arr / se
        df = np.repeat(self.dof.astype(float), w).reshape(n, w)
        # = 2 * stats.t.sf(|t|, df), without the distribution machinery's overhead
        p = 2 * special.stdtr(df, -np.abs(t))
        # each window's listings are one family: Benjamini-Hochberg q-values across them
        q = np.column_stack([fdr_qvalues(p[:, k]) for k in range(w)]) if n else p
        day0 = (
            np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            if self.day0_dates is None
            else self.day0_dates.astype("datetime64[ns]")
        )

        def per_window(a: np.ndarray) -> np.ndarray:
            # one window (the usual case): the arrays as they are (the frame copies them)
            return a if w == 1 else np.repeat(a, w)

        columns = (
            text_array(per_window(self.event_id)),
            text_array(per_window(self.symbol)),
            text_array(per_window(self.group)),
            per_window(day0),  # the session each listing's day 0 became (a timestamp moves it)
            text_array(
                np.tile(np.array([window_label(x) for x in self.event_windows], dtype=object), n)
            ),
            *(a.reshape(-1) for a in (self.car_arr, se, t, p, q, self.bhar_arr)),
        )
        frame = pd.DataFrame(dict(zip(_CAR_COLUMNS, columns, strict=True)))
        # one columns index for every study's CAR frame: the lookup table pandas builds from it on
        # the first column read (a tenth of a millisecond for text labels) is built once
        frame.columns = _CAR_COLUMNS
        return frame

    @property
    def car(self) -> pd.DataFrame:
        """Per-event CAR per window: event_id, symbol, group, day0 (the listing's day-0 session),
        window, car with the Campbell-Lo-MacKinlay std_error, tstat, pvalue; qvalue; bhar.

        Rows are in the study's own order, whatever the input's: by group (when the events have
        one), symbol, day 0 and event_id, then window.

        ``qvalue``: the Benjamini & Hochberg (1995) false-discovery-rate adjusted p-value across
        all the study's events in that window (:func:`~rerating.study.statistics.fdr_qvalues`); see
        :meth:`movers`.
        """
        return self._car.copy(deep=False)

    def movers(
        self,
        window: str | tuple[int, int] | None = None,
        fdr: float = 0.05,
        method: FdrMethod = "bh",
        group: str | None = None,
    ) -> pd.DataFrame:
        """The events whose CAR moved significantly, the false discovery rate held at ``fdr``.

        Screening hundreds of listings at p < 0.05 flags 5% of the quiet ones too; this keeps the
        events whose q-value (:func:`~rerating.study.statistics.fdr_qvalues`) is at most ``fdr``,
        so that on average at most that share of the listed moves are false discoveries. The
        family is every event of the window (of ``group`` when given); each window is its own
        family. Each event's test is its CAR t with the prediction-error-corrected variance
        (Campbell, Lo & MacKinlay 1997) from its own estimation window, so it needs no
        independence across events, but an event that raises volatility makes it over-reject.

        Parameters
        ----------
        window : str or (int, int), optional
            ``"[0:4]"`` or ``(0, 4)``; default every event window.
        fdr : float
            The false discovery rate, in (0, 1).
        method : {"bh", "by"}
            ``"bh"``: Benjamini & Hochberg (1995), valid for independent or positively dependent
            tests (stocks sharing a date and a market shock); ``"by"``: Benjamini & Yekutieli
            (2001), valid under any dependence, more conservative.
        group : str, optional
            Screen one group's events only.

        Returns
        -------
        pandas.DataFrame
            ``event_id, symbol, group, day0, window, car, std_error, tstat, pvalue, qvalue``
            (``qvalue`` by ``method`` within the family), most significant first.

        Raises
        ------
        StatisticOptionError
            ``fdr`` outside (0, 1), an unknown method, window or group.
        """
        if not 0 < fdr < 1:
            raise StatisticOptionError(f"fdr must be in (0, 1), e.g. 0.05; got {fdr}")
        if method not in ("bh", "by"):
            raise StatisticOptionError(f"unknown FDR method {method!r}: use 'bh' or 'by'")
        labels = [window_label(w) for w in self.event_windows]
        if window is None:
            chosen = labels
        else:
            label = window if isinstance(window, str) else window_label(window)
            if label not in labels:
                raise StatisticOptionError(
                    f"no event window {label}{did_you_mean(label, labels)}; windows: {', '.join(labels)}"
                )
            chosen = [label]
        car = self._car
        if group is not None:
            groups = sorted(set(self.group.tolist()))
            if group not in groups:
                raise StatisticOptionError(
                    f"no group {group!r}{did_you_mean(group, groups)}; groups: {', '.join(groups)}"
                )
            car = car[car["group"] == group]
        cols = ["event_id", "symbol", "group", "day0", "window", "car", "std_error", "tstat", "pvalue"]
        parts = []
        for label in chosen:
            part = car.loc[car["window"] == label, cols].copy()
            part["qvalue"] = fdr_qvalues(part["pvalue"].to_numpy(), method)
            parts.append(part[part["qvalue"] <= fdr].sort_values(["qvalue", "pvalue"], kind="stable"))
        return pd.concat(parts, ignore_index=True)

    @property
    def bhar(self) -> pd.DataFrame:
        """Buy-and-hold abnormal returns: event_id, symbol, group, day0, window, bhar."""
        return self._car[["event_id", "symbol", "group", "day0", "window", "bhar"]].copy()

    @property
    def caar(self) -> pd.DataFrame:
        """CAAR per group and window: n, caar, std_error, tstat, pvalue, conf_low, conf_high, ..."""
        return self._caar_frame.copy(deep=False)

    @property
    def tests(self) -> pd.DataFrame:
        """Test statistics: group, window, test, statistic, pvalue, n, valid_under_clustering."""
        return self._tests_frame.copy(deep=False)

    @property
    def dropped(self) -> pd.DataFrame:
        """Ledger of events left out and why: event_id, symbol, date, reason, group."""
        return self._dropped.copy(deep=False)

    @cached_property
    def _dropped(self) -> pd.DataFrame:
        if self._dropped_frame is not None:
            return self._dropped_frame
        empty = np.empty(0, dtype=object)
        return pd.DataFrame(
            {"event_id": empty, "symbol": empty, "date": empty, "reason": empty, "group": empty}
        )

    @property
    def clustering(self) -> pd.DataFrame:
        """Per group and window: n, rbar, rbar_caar, rbar_same_date, rbar_residual, n_pairs,
        design_effect = 1 + (N-1) rbar, overlapping.

        ``rbar_caar``: ``rbar`` with each pair weighted by the product of the two events'
        residual standard deviations (r̄*), which the CAAR's standard error, ``conf_int`` and
        the ``aar_path`` band use (CARs of unequal variance; ``rbar`` is for the standardised
        SCARs of ``adj_patell`` and ``adj_bmp``; docs/STUDY.md).

        ``rbar``: the mean correlation of the window's CARs, each pair's estimation-residual
        correlation times the share of window dates the two events have in common, plus, for
        listings of different markets, their correlation one session apart times the window dates
        that adjoin (``EventStudy``'s ``lead_lag``); ``rbar_same_date``: the same without the
        lead-lag terms; ``rbar_residual``: the residuals' mean pairwise correlation itself
        (Kolari & Pynnönen's r̄ for one event date, where the three agree in one market;
        a large group's is computed when first read, :attr:`rbar_residual`);
        ``n_pairs``: pairs with 30 common estimation dates, among every event's of a group of
        more than 200 (of at most 8 markets), else among the 200 of its
        subsample (docs/STUDY.md, "r̄ of a large group").
        """
        return self._clustering_frame.copy(deep=False)

    @property
    def warnings(self) -> list[str]:
        """Warnings (dropped events, clustering, skipped tests)."""
        return list(self.warnings_list)

    @cached_property
    def _params(self) -> pd.DataFrame:
        cols: dict[str, object] = {
            "event_id": self.event_id,
            "symbol": self.symbol,
            "group": self.group,
        }
        for j, name in enumerate(self.param_names):
            cols[name] = self.params_arr[:, j]
        if self.model == "dimson":
            betas = [
                j
                for j, nm in enumerate(self.param_names)
                if nm.startswith("beta_") and "foreign" not in nm
            ]
            cols["beta"] = self.params_arr[:, betas].sum(axis=1)
        cols["sigma"] = np.sqrt(self.sigma2)
        cols["n_obs"] = self.n_obs
        return pd.DataFrame(cols)

    @property
    def params(self) -> pd.DataFrame:
        """Model parameters per event: alpha, beta..., sigma, n_obs."""
        return self._params.copy(deep=False)

    # --- vocabulary -----------------------------------------------------------------------

    def _caar_indexed(self, col: str) -> pd.Series:
        return self._caar_frame.set_index(["group", "window"])[col]

    @property
    def std_errors(self) -> pd.Series:
        """CAAR standard errors indexed by (group, window)."""
        return self._caar_indexed("std_error")

    @property
    def tstats(self) -> pd.Series:
        """CAAR t-statistics indexed by (group, window)."""
        return self._caar_indexed("tstat")

    @property
    def pvalues(self) -> pd.Series:
        """CAAR two-sided p-values indexed by (group, window)."""
        return self._caar_indexed("pvalue")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """CAAR confidence intervals at ``level``, from Student's t with the CAAR's ``df``.

        Parameters
        ----------
        level : float
            Coverage, in (0, 1).

        Returns
        -------
        DataFrame
            Columns ``lower, upper``, indexed by (group, window).

        Raises
        ------
        StatisticOptionError
            ``level`` is not in (0, 1).
        """
        _check_level(level)
        f = self._caar_frame
        q = special.stdtrit(f["df"].to_numpy(), 0.5 + level / 2)
        out = pd.DataFrame(
            {
                "lower": f["caar"].to_numpy() - q * f["std_error"].to_numpy(),
                "upper": f["caar"].to_numpy() + q * f["std_error"].to_numpy(),
            },
            index=pd.MultiIndex.from_frame(f[["group", "window"]]),
        )
        return out

    def aar_path(self, group: str = "all", level: float = 0.95) -> pd.DataFrame:
        """Average AR and cumulated AAR per event day over the event span, with a confidence band.

        The band uses the cross-sectional standard deviation of the events' cumulative AR paths
        (design-effect adjusted when the group's windows overlap in calendar time, with the r̄ of
        the whole event span on every day); with one event it uses the event's own AR variances
        (no covariance terms).

        Parameters
        ----------
        group : str
            A group of the study, or ``"all"``.
        level : float
            Coverage of the band, in (0, 1).

        Returns
        -------
        DataFrame
            One row per session of the event span: ``event_time, n, aar, caar, std_error,
            conf_low, conf_high``.

        Raises
        ------
        StatisticOptionError
            An unknown group, or ``level`` not in (0, 1).
        """
        _check_level(level)
        groups = ["all", *sorted(set(self.group) - {"all"})]
        if group not in groups:
            raise StatisticOptionError(
                f"unknown group {group!r}{did_you_mean(group, groups)}; groups: {groups}"
            )
        members = (
            np.arange(self.group.size) if group == "all" else np.flatnonzero(self.group == group)
        )
        ar = self.ar_arr[members]
        n = members.size
        var_ar = self.var_ar[members]
        if np.isnan(ar).any():  # sessions without a return (min_window_share < 1)
            have = (~np.isnan(ar)).sum(axis=0)
            # the mean over the events with a return that day (NaN on a day none has)
            aar = np.nansum(ar, axis=0) / np.where(have > 0, have, np.nan)
            # an event's cumulative AR adds nothing on a day it has no return (its CAR)
            ar, var_ar = np.nan_to_num(ar), np.nan_to_num(var_ar)
        else:
            aar = ar.mean(axis=0)
        cum = np.cumsum(ar, axis=1)
        caar = cum.mean(axis=0)
        if n > 1:
            se = cum.std(axis=0, ddof=1) / np.sqrt(n)
            clus = self._clustering_frame
            rows = clus[clus["group"] == group]
            if bool(rows["overlapping"].any()):
                # r̄ over the whole event span, floored at 0 as for the CAAR std_error
                rbar = max(float(self.rbar[group][0]), 0.0)
                se = se * np.sqrt((1 + (n - 1) * rbar) / (1 - rbar))
            q = special.stdtrit(n - 1, 0.5 + level / 2)
        else:
            se = np.sqrt(np.cumsum(var_ar[0]))
            q = special.stdtrit(float(self.dof[members[0]]), 0.5 + level / 2)
        return pd.DataFrame(
            {
                "event_time": np.arange(self.event_span[0], self.event_span[1] + 1),
                "n": n,
                "aar": aar,
                "caar": caar,
                "std_error": se,
                "conf_low": caar - q * se,
                "conf_high": caar + q * se,
            }
        )

    def compare(self, a: str, b: str, level: float = 0.95) -> pd.DataFrame:
        """The difference of two groups' CAARs (``a`` minus ``b``) in each event window, tested.

        Three rows per window, one per test:

        * ``cda_difference`` (valid under clustering): Brown & Warner's crude dependence adjustment
          on the long-short portfolio, whose estimation-window variance holds every covariance
          within and across the groups (:func:`rerating.study.statistics.cda_difference`); it
          over-rejects when the event raises the stocks' variance, and, like the CDA, when the
          two groups' windows overlap across different day-0 dates (its
          ``valid_under_clustering`` is then False).
        * ``adj_bmp_difference`` (valid under clustering and event-induced variance): the two-group
          BMP test on standardised CARs, each group's variance scaled by its design effect
          ``1 + (N-1) r̄`` and the covariance of the two groups' means taken out
          (:func:`~rerating.study.statistics.adj_bmp_difference`); a test in SCAR units, so its
          ``std_error`` and interval are NaN.
        * ``welch_t``: Welch's two-sample t on the CARs; it assumes independent events and
          over-rejects when a group's events share a date and a market shock.

        Columns: ``group_a, group_b, day0_a, day0_b, window, n_a, n_b, caar_a, caar_b,
        difference, test, std_error, statistic, df, pvalue, conf_low, conf_high,
        valid_under_clustering, rbar_between, note``. ``note``: why a test's row is NaN (a group
        with one event, no variation), else empty. ``day0_a``/``day0_b``: the groups' day-0 dates
        (``first..last`` when they differ): the CDA lines the groups up in event time, which is
        calendar time when these agree. ``rbar_between``: the correlation across the groups that
        reaches the window's CARs, the mean over pairs of their estimation-residual correlation
        times the share of window dates they have in common (0 for windows apart in time),
        computed on the first ``compare`` of the pair; NaN when the study has more than
        ``RBAR_BETWEEN_MAX_GROUPS`` (64) groups, which leaves the cross term out (conservative
        when the groups' correlation is positive).

        Parameters
        ----------
        a, b : str
            The two groups (the difference is ``a`` minus ``b``).
        level : float
            Coverage of ``conf_low``..``conf_high``, in (0, 1).

        Returns
        -------
        DataFrame
            Three rows per event window, with the columns above.

        Raises
        ------
        StatisticOptionError
            Fewer than two groups, an unknown group, ``"all"`` or the same group twice, or
            ``level`` not in (0, 1).
        """
        _check_level(level)
        groups = sorted(set(self.group.tolist()) - {"all"})
        if len(groups) < 2:
            dropped = self._dropped_frame
            why = "" if dropped is None else f"; {len(dropped)} events were dropped (see dropped)"
            gone = sorted(set(dropped["group"]) - set(groups) - {"all"}) if dropped is not None else []
            if gone:
                why += f", every event of group(s) {', '.join(map(repr, gone))}"
            raise StatisticOptionError(
                "compare needs events in two groups (the events' 'group' column, or --group "
                f"NAME=SYM,... twice); groups with events: {groups or 'none'}{why}"
            )
        lost = set() if self._dropped_frame is None else set(self._dropped_frame["group"])
        for g in (a, b):
            if g not in groups:
                if g in lost:
                    hint = ": every one of its events was dropped (see dropped)"
                elif g == "all":
                    hint = " ('all' holds both groups' events)"
                else:
                    hint = did_you_mean(g, groups)
                raise StatisticOptionError(f"cannot compare group {g!r}{hint}; groups: {groups}")
        if a == b:
            raise StatisticOptionError(f"compare two different groups, not {a!r} with itself")
        in_a, in_b = self.group == a, self.group == b
        # the design effect applies where a group's windows overlap in calendar time, as for the
        # CAAR's standard error (events on far-apart dates have independent event windows)
        overlapping = {(r["group"], r["window"]): r["overlapping"] for r in self.clustering_rows}
        rbar_of = {(r["group"], r["window"]): r["rbar"] for r in self.clustering_rows}
        between = self.rbar_between.get((min(a, b), max(a, b)))
        # listings of markets that trade at different hours: the portfolio's lag-1 autocovariance
        lags = int(len(self.markets.get(a, frozenset()) | self.markets.get(b, frozenset())) > 1)
        rows = []
        for w, window in enumerate(self.event_windows):
            rbar_ab = float("nan") if between is None else between["effective"][w]
            car_a, car_b = self.car_arr[in_a, w], self.car_arr[in_b, w]
            scar = self.car_arr[:, w] / np.sqrt(self.var_car[:, w])
            length = window[1] - window[0] + 1
            diff = float(car_a.mean() - car_b.mean())
            base: dict[str, object] = {
                "group_a": a,
                "group_b": b,
                "day0_a": self._day0_span(in_a),
                "day0_b": self._day0_span(in_b),
                "window": window_label(window),
                "n_a": int(car_a.size),
                "n_b": int(car_b.size),
                "caar_a": float(car_a.mean()),
                "caar_b": float(car_b.mean()),
                "difference": diff,
            }
            for name, res, valid in (
                (
                    "cda_difference",
                    cda_difference(
                        car_a, car_b, self.aar_est[a], self.aar_est[b], length, lags=lags
                    ),
                    # the long-short portfolio in event time: as the CDA, valid when the
                    # overlapping events share day 0
                    not overlap_apart(self._window_days(in_a | in_b, window)),
                ),
                (
                    "adj_bmp_difference",
                    adj_bmp_difference(
                        scar[in_a],
                        scar[in_b],
                        rbar_of[a, window_label(window)] if overlapping[(a, window_label(window))] else 0.0,
                        rbar_of[b, window_label(window)] if overlapping[(b, window_label(window))] else 0.0,
                        0.0 if math.isnan(rbar_ab) else rbar_ab,
                    ),
                    True,
                ),
                ("welch_t", welch_difference(car_a, car_b), False),
            ):
                q = float(special.stdtrit(res.df, 0.5 + level / 2))
                se = float("nan") if name == "adj_bmp_difference" else res.std_error  # SCAR units
                note = ""
                if not np.isfinite(res.statistic):  # say why, never a bare NaN
                    few = [g for g, n in ((a, car_a.size), (b, car_b.size)) if n < 2]
                    note = (
                        f"needs 2 events in each group; {few[0]!r} has 1"
                        if few and name != "cda_difference"
                        else "undefined: no variation to estimate its variance from"
                    )
                rows.append(
                    {
                        **base,
                        "test": name,
                        "std_error": se,
                        "statistic": res.statistic,
                        "df": res.df,
                        "pvalue": res.pvalue,
                        "conf_low": diff - q * se,
                        "conf_high": diff + q * se,
                        "valid_under_clustering": valid,
                        "rbar_between": rbar_ab,
                        "note": note,
                    }
                )
        return rows_frame(rows)

    def _window_days(self, members: np.ndarray, window: tuple[int, int]) -> np.ndarray:
        """(events, 2) day numbers of the first and last session of ``window`` for ``members``."""
        cols = [window[0] - self.event_span[0], window[1] - self.event_span[0]]
        return self.evt_dates[members][:, cols].astype("datetime64[D]").astype(np.int64)

    def _day0_span(self, members: np.ndarray) -> str:
        """``"2025-01-21"`` or ``"2025-01-21..2025-01-27"``: the day-0 dates of ``members``."""
        if self.day0_dates is None:
            return ""
        days = np.datetime_as_string(self.day0_dates[members].astype("datetime64[D]"))
        lo, hi = min(days), max(days)
        return lo if lo == hi else f"{lo}..{hi}"

    # --- summary --------------------------------------------------------------------------

    def summary(self) -> StudySummary:
        """Header, CAAR and test tables, warnings, and group differences when there are groups.

        Returns
        -------
        StudySummary
            Rendered by ``as_text()``, ``as_html()``, ``as_csv()`` or ``as_json()``.
        """
        header = (
            ("Model", self.model),
            ("Estimation window", window_label(self.estimation_window)),
            ("Event windows", ", ".join(window_label(w) for w in self.event_windows)),
            ("Events used", f"{self.event_id.size} of {self.n_events}"),
            ("Day 0", self._day0_span(np.arange(self.event_id.size)) or "-"),
            ("Groups", ", ".join(["all", *sorted(set(self.group) - {"all"})])),
        )
        caar = self._caar_frame[
            [
                "group",
                "window",
                "n",
                "caar",
                "std_error",
                "tstat",
                "pvalue",
                "conf_low",
                "conf_high",
            ]
        ]
        groups = sorted(set(self.group.tolist()) - {"all"})
        differences = None
        warnings = self.warnings_list
        if 2 <= len(groups) <= SUMMARY_MAX_GROUPS:
            pairs = [(a, b) for i, a in enumerate(groups) for b in groups[i + 1 :]]
            full = pd.concat([self.compare(a, b) for a, b in pairs], ignore_index=True)
            differences = full[DIFFERENCE_COLUMNS]
            warnings += tuple(  # why a difference test is blank
                f"{r.test} of {r.group_a} - {r.group_b}, {r.window}: {r.note}"
                for r in full.itertuples(index=False)
                if r.note
            )
        return StudySummary(header, caar.copy(), self._tests_frame.copy(), warnings, differences)

    def to_frame(self) -> pd.DataFrame:
        """One row per group and window: the CAAR columns plus ``<test>`` and ``<test>_pvalue``.

        Returns
        -------
        DataFrame
            A new frame (editing it leaves the results as they are).
        """
        base = self._caar_frame.copy()
        if self._tests_frame.empty:
            return base
        t = self._tests_frame
        stat = t.pivot(index=["group", "window"], columns="test", values="statistic")
        pv = t.pivot(index=["group", "window"], columns="test", values="pvalue").add_suffix(
            "_pvalue"
        )
        wide = stat.join(pv).reset_index()
        wide.columns.name = None
        return base.merge(wide, on=["group", "window"], how="left")

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
