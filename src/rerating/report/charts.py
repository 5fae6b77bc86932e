"""Charts of a report: each function takes plain frames and returns a matplotlib ``Figure``.

Figures are built with ``matplotlib.figure.Figure`` on the Agg canvas, never through pyplot, so
nothing is shown, no global figure state leaks between calls and no display is needed. Matplotlib
is imported inside the functions: importing :mod:`rerating.report` stays cheap.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Preferred CJK families, most complete Simplified Chinese coverage first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Serif CJK SC",
    "Noto Serif CJK TC",
    "Noto Serif CJK JP",
    "Source Han Serif SC",
    "Source Han Serif CN",
    "Droid Sans Fallback",
)

# Font files of CJK families, matched against a file's name in lower case with "-", "_" and spaces
# removed, in order of preference (sans before serif). Used when matplotlib's cached font list
# predates the fonts' installation: the font manager then does not know them, the files are there.
CJK_FILE_HINTS = (
    "notosanscjk",
    "sourcehansans",
    "wqyzenhei",
    "wqymicrohei",
    "msyh",  # Microsoft YaHei
    "simhei",
    "pingfang",
    "notoserifcjk",
    "sourcehanserif",
    "droidsansfallback",
)

# Listing lines of the price chart: tab20 without its two greys (grey is kept for the reference
# lines, black for the group median), the ten dark shades first, then their light pairs.
_TAB20 = (
    "#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896",
    "#9467bd", "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7",
    "#bcbd22", "#dbdb8d", "#17becf", "#9edae5",
)  # fmt: skip
MEMBER_COLOURS = tuple(c for c in _TAB20[0::2] + _TAB20[1::2] if c not in ("#7f7f7f", "#c7c7c7"))
# one line style per run of 9 colours: a dark and a light shade of one hue also differ in style
MEMBER_LINESTYLES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))
MEDIAN_COLOUR = "black"
MEDIAN_WIDTH = 2.8

# One colour per group, in preset order (colour-blind safe, Okabe-Ito).
PALETTE = ("#D55E00", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def cjk_font() -> str | None:
    """Return the name of an installed font family that renders Chinese, or ``None``.

    Looks in matplotlib's font manager for a known CJK family. The manager's font list is cached
    (``fontlist-*.json`` in matplotlib's cache directory) and does not see fonts installed after
    it was written, so when it has none, the system's font files are searched for a known CJK
    font (Noto Sans/Serif CJK, Source Han, WenQuanYi, Droid Sans Fallback, ...) and the first
    found is registered with ``fontManager.addfont`` for this process.
    """
    from matplotlib import font_manager

    found = _known_cjk_family({f.name for f in font_manager.fontManager.ttflist})
    if found is not None:
        return found
    for path in _cjk_font_files(font_manager.findSystemFonts()):
        before = len(font_manager.fontManager.ttflist)
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):  # unreadable or not a font after all
            continue
        added = [f.name for f in font_manager.fontManager.ttflist[before:]]
        found = _known_cjk_family(set(added))
        if found is not None:
            return found
        if added:  # a CJK file under a family name we do not list
            return added[0]
    return None


def _known_cjk_family(installed: set[str]) -> str | None:
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return None


def _cjk_font_files(paths: Sequence[str]) -> list[str]:
    """The files among ``paths`` whose name is a known CJK font's, most preferred first."""
    ranked = []
    for path in paths:
        key = re.sub(r"[-_ ]", "", Path(path).name.lower())
        rank = next((i for i, hint in enumerate(CJK_FILE_HINTS) if hint in key), None)
        if rank is not None:
            # regular weight before bold within one family
            ranked.append((rank, "bold" in key, str(path)))
    return [path for *_, path in sorted(ranked)]


def _rc(font: str | None) -> Any:  # rc_context wants a Literal-keyed dict
    families = ([font] if font else []) + ["DejaVu Sans"]
    return {
        # Named families, not "sans-serif": text objects keep this list, so the fonts still
        # apply when the figure is drawn after the rc_context has ended (at savefig).
        "font.family": families,
        "axes.unicode_minus": False,  # CJK fonts often lack U+2212
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "font.size": 9,
    }


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def group_colours(groups: Sequence[str], order: Sequence[str] | None = None) -> dict[str, str]:
    """Map each group name to a palette colour, by its place in ``order`` (default: first appearance).

    Passing the same ``order`` to every chart of a report keeps a group's colour the same.
    """
    seen = list(dict.fromkeys([*(order or ()), *groups]))
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(seen)}


def member_styles(n: int) -> list[tuple[str, Any]]:
    """``n`` (colour, line style) pairs for the listings of one panel, no two alike up to 54.

    Colours come from :data:`MEMBER_COLOURS` (18, none grey or black: those mark the reference
    lines and the group median); each run of 18 listings takes two line styles in turn (dark
    shades with the first, light with the second), so a dark and a light shade of one hue never
    share a style either.
    """
    k = len(MEMBER_COLOURS)
    half = k // 2
    return [
        (MEMBER_COLOURS[i % k], MEMBER_LINESTYLES[(i // half) % len(MEMBER_LINESTYLES)])
        for i in range(n)
    ]


def price_paths_figure(
    rebased: pd.DataFrame,
    groups: Mapping[str, str],
    *,
    event_date: pd.Timestamp | None = None,
    timeline: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    font: str | None = None,
    order: Sequence[str] | None = None,
    title: str = "Closes rebased to 100 at the last close before the event",
) -> Figure:
    """Price paths of a universe rebased to 100, one panel per group, with the event timeline.

    Each listing of a panel has its own colour and line style (:func:`member_styles`); the group
    median is a thick black line, a colour no listing takes.

    Parameters
    ----------
    rebased : DataFrame
        Date x symbol, each column 100 at its base date, NaN where the listing has no session.
    groups : mapping
        Symbol -> group name; one panel per group, in order of first appearance.
    event_date : Timestamp, optional
        Date of the primary event, drawn as a solid line.
    timeline : DataFrame, optional
        Columns ``date`` and ``number``: catalog events drawn as dotted lines labelled by number
        (the report's timeline table spells them out).
    labels : mapping, optional
        Symbol -> legend label (e.g. with the Chinese name when a CJK font is present).
    font : str, optional
        Font family to render labels with (see :func:`cjk_font`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    names = [g for g in dict.fromkeys(groups[s] for s in rebased.columns if s in groups)]
    if not names:
        raise ValueError("price_paths_figure: no column of `rebased` belongs to a group")
    if order:
        names = [g for g in order if g in names] + [g for g in names if g not in order]
    labels = dict(labels or {})
    with mpl.rc_context(_rc(font)):
        fig = _new_figure(11, 3.4 * len(names))
        axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
        for ax, name in zip(axes, names, strict=True):
            members = [s for s in rebased.columns if groups.get(s) == name]
            block = rebased[members]
            for sym, (colour, style) in zip(members, member_styles(len(members)), strict=True):
                series = block[sym].dropna()  # plot each listing on its own sessions only
                ax.plot(
                    series.index,
                    series.to_numpy(),
                    color=colour,
                    ls=style,
                    lw=1.1,
                    alpha=0.9,
                    label=labels.get(sym, sym),
                )
            med = block.median(axis=1, skipna=True).dropna()
            ax.plot(
                med.index,
                med.to_numpy(),
                lw=MEDIAN_WIDTH,
                color=MEDIAN_COLOUR,
                zorder=3,  # above the listings
                label="median",
            )
            ax.axhline(100, color="0.3", lw=0.6)
            if timeline is not None and len(timeline):
                # x in data, y in axes fraction; numbers of close events are staggered on 3 rows
                trans = ax.get_xaxis_transform()
                for k, row in enumerate(timeline.itertuples(index=False)):
                    ax.axvline(row.date, color="0.45", lw=0.6, ls=":")
                    ax.text(
                        row.date,
                        1.0 + 0.045 * (k % 3),
                        str(row.number),
                        transform=trans,
                        fontsize=7,
                        ha="center",
                        va="bottom",
                        color="0.25",
                    )
            if event_date is not None:
                ax.axvline(event_date, color="black", lw=1.2)
            ax.set_title(f"{name} (n={len(members)})", loc="left", fontsize=10, pad=22)
            ax.set_ylabel("index, 100 = pre-event close")
            ax.legend(
                fontsize=7,
                ncol=2,
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
                handlelength=3.2,  # long enough to show each line's dash pattern
            )
        fig.suptitle(title, fontsize=11)
        axes[-1].tick_params(axis="x", rotation=30)
    return fig


def caar_figure(
    paths: pd.DataFrame,
    *,
    level: float = 0.95,
    font: str | None = None,
    order: Sequence[str] | None = None,
    title: str = "Cumulative average abnormal return by group",
) -> Figure:
    """CAAR paths with confidence bands, one line per group.

    Parameters
    ----------
    paths : DataFrame
        Columns ``group``, ``event_day`` (sessions relative to day 0), ``caar``, ``lower``,
        ``upper`` (the band, same units as ``caar``: fractions, shown in percent).
    level : float
        Confidence level of the band, for the legend.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    need = {"group", "event_day", "caar", "lower", "upper"}
    if missing := need - set(paths.columns):
        raise ValueError(
            f"caar_figure: `paths` lacks columns {sorted(missing)}; it needs {sorted(need)}"
        )
    names = list(dict.fromkeys(paths["group"]))
    colours = group_colours(names, order)
    if order:
        names = [g for g in order if g in names] + [g for g in names if g not in order]
    from matplotlib.ticker import MaxNLocator

    with mpl.rc_context(_rc(font)):
        # one panel per group, each on its own scale: a wide band (few listings) must not flatten
        # the other groups' paths
        width = min(4.0 * len(names), 13)
        fig = _new_figure(width, 4.0)
        axes = fig.subplots(1, len(names), sharex=True, squeeze=False)[0]
        for ax, name in zip(axes, names, strict=True):
            part = paths[paths["group"] == name].sort_values("event_day")
            x = part["event_day"].to_numpy()
            ax.fill_between(
                x, 100 * part["lower"].to_numpy(), 100 * part["upper"].to_numpy(),
                color=colours[name], alpha=0.18, lw=0, label=f"{level:.0%} band",
            )  # fmt: skip
            ax.plot(
                x,
                100 * part["caar"].to_numpy(),
                color=colours[name],
                lw=2,
                marker="o",
                ms=2.5,
                label=name,
            )
            ax.axhline(0, color="0.3", lw=0.6)
            ax.axvline(0, color="black", lw=1)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(name, loc="left", fontsize=10)
            ax.set_xlabel("sessions after day 0")
        axes[0].set_ylabel("CAAR, %")
        # wrapped to the figure's width: one group draws a narrow figure
        fig.suptitle(
            textwrap.fill(f"{title} (bands: {level:.0%} confidence)", width=int(11 * width)),
            fontsize=11,
        )
    return fig


def window_bars_figure(
    values: pd.DataFrame,
    *,
    column: str,
    labels: Mapping[str, str] | None = None,
    font: str | None = None,
    order: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Horizontal bars of one return column, one bar per listing, coloured by group.

    Parameters
    ----------
    values : DataFrame
        Columns ``symbol``, ``group`` and ``column`` (a return as a fraction; NaN rows are left
        out of the chart, and the table still shows them).
    column : str
        The column to draw.
    """
    import matplotlib as mpl

    frame = values[["symbol", "group", column]].dropna(subset=[column])
    if frame.empty:
        raise ValueError(f"window_bars_figure: column {column!r} has no values to draw")
    colours = group_colours(list(frame["group"]), order)
    colours = {g: c for g, c in colours.items() if g in set(frame["group"])}
    frame = frame.sort_values(column)
    labels = dict(labels or {})
    with mpl.rc_context(_rc(font)):
        fig = _new_figure(9, 0.22 * len(frame) + 1.2)
        ax = fig.add_subplot()
        y = np.arange(len(frame))
        ax.barh(y, 100 * frame[column].to_numpy(), color=[colours[g] for g in frame["group"]])
        ax.set_yticks(y, [labels.get(s, s) for s in frame["symbol"]], fontsize=7)
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_xlabel("return, %")
        ax.set_title(title or column, loc="left", fontsize=10)
        from matplotlib.patches import Patch

        ax.legend(
            handles=[Patch(color=c, label=g) for g, c in colours.items()], fontsize=8, frameon=False
        )
    return fig


def save_figure(fig: Figure, path: str | Path) -> bytes:
    """Write ``fig`` as a PNG to ``path`` and return the PNG's bytes (for embedding)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    data = buf.getvalue()
    Path(path).write_bytes(data)
    return data
