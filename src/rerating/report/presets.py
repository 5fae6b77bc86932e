"""Named report configurations: which events, which listings in which groups, which windows.

A :class:`Preset` is plain configuration (no data): :func:`build_report` turns it into numbers.
``deepseek-2025`` is the README's main job; :func:`custom_preset` makes the same report for any
events and listings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from rerating._typing import Window
from rerating.errors import ReportInputError, UnknownPresetError, did_you_mean


@dataclass(frozen=True)
class Group:
    """Listings studied together, each against the same benchmark.

    Parameters
    ----------
    name : str
        Label shown in tables and charts, e.g. ``"China tech in Hong Kong"``.
    symbols : tuple of str
        Canonical symbols of the members.
    benchmark : str
        Canonical symbol of the market index the abnormal returns are measured against.
    """

    name: str
    symbols: tuple[str, ...]
    benchmark: str


@dataclass(frozen=True)
class DatedWindow:
    """A return column of the summary table: ``sessions`` sessions ending on ``end``.

    ``symbols`` limits the column to some listings (``None``: every listing of the report).
    """

    label: str
    end: pd.Timestamp
    sessions: int
    symbols: tuple[str, ...] | None = None
    note: str = ""


@dataclass(frozen=True)
class Preset:
    """Everything a report needs besides the data.

    Parameters
    ----------
    name : str
        Preset name (``--preset``).
    title, question : str
        Heading of the report and the question it answers.
    event_ids : tuple of str
        Catalog events studied; the first is the primary event (charts are rebased at it).
    groups : tuple of Group
        The universe, by group.
    estimation_window, event_windows
        Passed to :class:`rerating.study.EventStudy`.
    dated_windows : tuple of DatedWindow
        Extra return columns of the summary table (empty: the event windows after the primary
        event are used instead).
    cap_move : tuple of (start, end) or None
        Market-cap change between two closes for every listing with shares data.
    chart_before, chart_after : int
        Calendar days shown before and after the primary event in the price chart.
    notes : tuple of str
        Choices a reader must know (e.g. why the estimation window is short).
    left_out_symbols : tuple of (str, str)
        ``(symbol, reason)`` of listings given but not studied (e.g. no benchmark in the data);
        :attr:`left_out` words them for the report.
    """

    name: str
    title: str
    question: str
    event_ids: tuple[str, ...]
    groups: tuple[Group, ...]
    estimation_window: Window = (-250, -11)
    event_windows: tuple[Window, ...] = ((0, 0), (0, 4), (0, 19))
    dated_windows: tuple[DatedWindow, ...] = ()
    cap_move: tuple[pd.Timestamp, pd.Timestamp] | None = None
    chart_before: int = 14
    chart_after: int = 31
    notes: tuple[str, ...] = field(default_factory=tuple)
    left_out_symbols: tuple[tuple[str, str], ...] = ()  # (symbol, reason) not studied

    @property
    def left_out(self) -> tuple[str, ...]:
        """One note per listing given but not studied, with the reason."""
        return tuple(f"{sym} left out: {why}." for sym, why in self.left_out_symbols)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every listing of the report, in group order."""
        return tuple(s for g in self.groups for s in g.symbols)

    @property
    def group_of(self) -> dict[str, str]:
        """Map symbol -> group name."""
        return {s: g.name for g in self.groups for s in g.symbols}

    @property
    def benchmark_of(self) -> dict[str, str]:
        """Map symbol -> benchmark symbol."""
        return {s: g.benchmark for g in self.groups for s in g.symbols}


HK_TECH = (
    "9988.HK", "0700.HK", "9888.HK", "9618.HK", "3690.HK", "1810.HK", "0981.HK",
    "1347.HK", "0020.HK", "3888.HK", "3896.HK", "0992.HK", "9626.HK",
)  # fmt: skip
CHINA_ADRS = ("BABA", "BIDU", "JD", "PDD")
US_AI = (
    "NVDA", "MSFT", "GOOGL", "META", "AMZN", "AAPL", "TSLA", "AVGO", "AMD",
    "MU", "TSM", "ASML", "ARM", "MRVL", "SMCI", "ORCL", "CEG", "VST",
)  # fmt: skip

DEEPSEEK_2025 = Preset(
    name="deepseek-2025",
    title="The DeepSeek moment: did Chinese tech re-rate against US AI?",
    question=(
        "When DeepSeek-R1 came out (2025-01-20) and US AI stocks sold off (2025-01-27), did Chinese "
        "tech listed in Hong Kong and New York re-rate while Nvidia and the US megacaps fell, and "
        "was the move abnormal against each market?"
    ),
    event_ids=("deepseek-r1", "us-ai-selloff-2025-01-27"),
    groups=(
        Group("China tech in Hong Kong", HK_TECH, "^HSI"),
        Group("China ADRs", CHINA_ADRS, "^GSPC"),
        Group("US AI and megacaps", US_AI, "^GSPC"),
    ),
    # ^GSPC starts 2024-08-19 in the sample: 106 XNYS sessions to R1's US day 0 (2025-01-21).
    # [-100, -11] is the longest window that fits, for every group alike.
    estimation_window=(-100, -11),
    event_windows=((0, 0), (0, 4), (0, 19)),
    dated_windows=(
        DatedWindow("20 sessions to 2025-02-13", pd.Timestamp("2025-02-13"), 20),
        DatedWindow("2025-01-27", pd.Timestamp("2025-01-27"), 1),
        DatedWindow(
            "2025-01-28",
            pd.Timestamp("2025-01-28"),
            1,
            symbols=("BABA",),
            note="last US session before Lunar New Year's Day; Qwen2.5-Max was announced around "
            "the turn of 2025-01-28/29 (the catalog dates it 2025-01-29, Beijing)",
        ),
        DatedWindow(
            "2025-01-29",
            pd.Timestamp("2025-01-29"),
            1,
            symbols=("BABA",),
            note="Qwen2.5-Max day; Hong Kong was shut for the Lunar New Year (2025-01-29..31)",
        ),
    ),
    cap_move=(pd.Timestamp("2025-01-24"), pd.Timestamp("2025-01-27")),
    notes=(
        "Estimation window [-100, -11] sessions: the bundled ^GSPC series starts on 2024-08-19, "
        "so the usual [-250, -11] does not fit; listings with a shorter history are dropped by the "
        "engine's minimum-estimation rule and listed in the ledger.",
        "Hong Kong listings are measured against ^HSI on the XHKG calendar; ADRs and US listings "
        "against ^GSPC on the XNYS calendar.",
    ),
)

PRESETS: dict[str, Preset] = {DEEPSEEK_2025.name: DEEPSEEK_2025}


def get_preset(name: str) -> Preset:
    """Return the preset called ``name``.

    Raises
    ------
    UnknownPresetError
        When no preset has that name; the message lists the defined ones.
    """
    key = name.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    raise UnknownPresetError(
        f"unknown report preset {name!r}{did_you_mean(name, PRESETS)}; defined presets: "
        f"{', '.join(sorted(PRESETS))}. Pass one of them to --preset, or use --events and --symbols."
    )


def _market_group(calendar: str) -> str:
    return {"XHKG": "Hong Kong", "XNYS": "United States", "XSHG": "Mainland China"}.get(
        calendar, calendar
    )


def custom_preset(
    event_ids: Sequence[str],
    symbols: Iterable[str],
    securities: object,
    *,
    benchmarks: Mapping[str, str] | None = None,
    estimation_window: Window = (-100, -11),
    event_windows: tuple[Window, ...] = ((0, 0), (0, 4), (0, 19)),
) -> Preset:
    """A preset for any events and listings: listings are grouped by market.

    Parameters
    ----------
    event_ids : sequence of str
        Catalog event ids; the first is the primary event.
    symbols : iterable of str
        Listings, in any accepted spelling (resolved through ``securities``).
    securities : SecurityMaster
        Resolves symbols to canonical ones, their calendar and default benchmark.
    benchmarks : mapping, optional
        Override of the benchmark per canonical symbol.
    estimation_window, event_windows
        Passed to the event study. The default estimation window is short because the bundled
        sample has about 100 sessions of ^GSPC before early 2025.

    Raises
    ------
    ReportInputError
        When no event or no symbol is given.
    UnknownSymbolError
        When a symbol is not in the security master.
    """
    ids = tuple(e.strip() for e in event_ids if e and e.strip())
    syms = [s.strip() for s in symbols if s and s.strip()]
    if not ids:
        raise ReportInputError(
            "no events given for the report; pass --events with catalog ids "
            "(e.g. --events deepseek-r1) or a file of events, or use --preset deepseek-2025"
        )
    if not syms:
        raise ReportInputError(
            "no symbols given for the report; pass --symbols (e.g. --symbols BABA,NVDA,9988.HK) "
            "or use --preset deepseek-2025"
        )
    overrides = dict(benchmarks or {})
    by_group: dict[tuple[str, str], list[str]] = {}
    no_bench: dict[str, str] = {}
    for raw in syms:
        sec = securities.get(raw)  # type: ignore[attr-defined]
        bench = overrides.get(sec.symbol, sec.benchmark)
        if not bench:  # an index: nothing to measure it against
            no_bench[sec.symbol] = (
                "no default benchmark (an index?); indices are not studied as listings"
            )
            continue
        key = (f"{_market_group(sec.calendar)} vs {bench}", bench)
        members = by_group.setdefault(key, [])
        if sec.symbol not in members:
            members.append(sec.symbol)
    if not by_group:
        raise ReportInputError(
            f"{', '.join(no_bench)} {'has' if len(no_bench) == 1 else 'have'} no default "
            "benchmark (an index?): indices are not studied as listings; pass listings to "
            "--symbols (e.g. --symbols 9988.HK,0700.HK)"
        )
    groups = tuple(
        Group(name, tuple(members), bench) for (name, bench), members in by_group.items()
    )
    kept = [s for g in groups for s in g.symbols]
    return Preset(
        name="custom",
        title=f"Event study: {', '.join(ids)}",
        question=custom_question(ids, studied=len(kept), given=len(kept) + len(no_bench)),
        event_ids=ids,
        groups=groups,
        estimation_window=estimation_window,
        event_windows=event_windows,
        notes=(
            f"Estimation window [{estimation_window[0]}, {estimation_window[1]}] sessions; "
            "listings are grouped by market and measured against their default benchmark.",
        ),
        left_out_symbols=tuple(no_bench.items()),
    )


def custom_question(event_ids: Sequence[str], *, studied: int, given: int) -> str:
    """The question a custom report answers, counting the listings actually studied.

    Parameters
    ----------
    event_ids : sequence of str
        The events of the report, the primary one first.
    studied : int
        Listings kept in the event study of at least one event (they have a CAR).
    given : int
        Distinct listings asked for, including those left out or dropped.

    Returns
    -------
    str
        E.g. ``"Did qwen3 move 1 listing abnormally against its market? (5 of the 6 listings
        given were dropped: see Dropped events and listings.)"``.
    """
    names = ", ".join(event_ids)
    dropped = max(given - studied, 0)

    def listings(n: int) -> str:
        return f"{n} listing{'' if n == 1 else 's'}"

    if studied == 0:
        every = {1: "it was", 2: "both were"}.get(given, f"all {given} were")
        return (
            f"Did {names} move {listings(given)} abnormally against "
            f"{'its market' if given == 1 else 'their markets'}? None could be studied: "
            f"{every} dropped (see Dropped events and listings)."
        )
    question = (
        f"Did {names} move {listings(studied)} abnormally against "
        f"{'its market' if studied == 1 else 'their markets'}?"
    )
    if dropped:
        question += (
            f" ({dropped} of the {listings(given)} given {'was' if dropped == 1 else 'were'} "
            "dropped: see Dropped events and listings.)"
        )
    return question
