"""Fast tests of the report's parts on synthetic inputs: presets, tables, charts, HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.errors import MissingDataError, ReportInputError, UnknownPresetError
from rerating.report import charts as ch
from rerating.report.html import (
    SECTION_IDS,
    Chart,
    ReportContent,
    Table,
    render_html,
    render_markdown,
)
from rerating.report.presets import DEEPSEEK_2025, custom_preset, get_preset
from rerating.report.tables import group_summary, rebase

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
VOID = {"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr"}


class _Balance(HTMLParser):
    """Checks that every non-void element is closed in order, and collects src/href values."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.refs: list[str] = []
        self.ids: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self.refs += [v for k, v in attrs if k in ("src", "href") and v is not None]
        if "id" in d:
            self.ids.append(d["id"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Balance:
    p = _Balance()
    p.feed(html)
    p.close()
    return p


# --- presets ------------------------------------------------------------------------------------


def test_deepseek_preset_universe_is_the_issue_s_lists() -> None:
    p = get_preset("deepseek-2025")
    assert [g.name for g in p.groups] == [
        "China tech in Hong Kong",
        "China ADRs",
        "US AI and megacaps",
    ]
    assert p.groups[0].symbols == tuple(
        "9988.HK 0700.HK 9888.HK 9618.HK 3690.HK 1810.HK 0981.HK 1347.HK 0020.HK 3888.HK 3896.HK "
        "0992.HK 9626.HK".split()
    )
    assert p.groups[1].symbols == ("BABA", "BIDU", "JD", "PDD")
    assert len(p.groups[2].symbols) == 18
    assert [g.benchmark for g in p.groups] == ["^HSI", "^GSPC", "^GSPC"]
    assert p.event_windows == ((0, 0), (0, 4), (0, 19))
    assert p.event_ids[0] == "deepseek-r1"


def test_every_preset_listing_and_benchmark_has_a_sample_file() -> None:
    for sym in [*DEEPSEEK_2025.symbols, *(g.benchmark for g in DEEPSEEK_2025.groups)]:
        assert (SAMPLE / f"{sym.lstrip('^')}.csv").is_file(), sym


def test_estimation_window_fits_the_sample_gspc() -> None:
    """[-100, -11] must fit in the XNYS sessions between ^GSPC's first return and R1's US day 0."""
    import exchange_calendars as xc

    gspc = pd.read_csv(SAMPLE / "GSPC.csv", parse_dates=["date"])
    first_return = gspc["date"].iloc[1]  # the first row has no previous close
    sessions = xc.get_calendar("XNYS").sessions_in_range(first_return, "2025-01-21")
    day0 = len(sessions) - 1  # 2025-01-21 (2025-01-20 was Martin Luther King Day)
    assert day0 + DEEPSEEK_2025.estimation_window[0] >= 0


def test_unknown_preset_lists_the_defined_ones() -> None:
    with pytest.raises(
        UnknownPresetError, match=r"deepseek-2024.*did you mean deepseek-2025.*--preset"
    ):
        get_preset("deepseek-2024")


class _Sec:
    def __init__(self, symbol, calendar, benchmark):
        self.symbol, self.calendar, self.benchmark = symbol, calendar, benchmark


class _Master:
    table = {
        "BABA": _Sec("BABA", "XNYS", "^GSPC"),
        "9988.HK": _Sec("9988.HK", "XHKG", "^HSI"),
        "NVDA": _Sec("NVDA", "XNYS", "^GSPC"),
    }

    def get(self, s):
        return self.table[s.upper()]


def test_custom_preset_groups_by_market_and_keeps_order() -> None:
    p = custom_preset(["deepseek-r1"], ["baba", "9988.hk", "NVDA", "BABA"], _Master())
    assert [(g.name, g.symbols, g.benchmark) for g in p.groups] == [
        ("United States vs ^GSPC", ("BABA", "NVDA"), "^GSPC"),
        ("Hong Kong vs ^HSI", ("9988.HK",), "^HSI"),
    ]
    with pytest.raises(ReportInputError, match="--symbols"):
        custom_preset(["deepseek-r1"], [], _Master())
    with pytest.raises(ReportInputError, match="--events"):
        custom_preset([], ["BABA"], _Master())


# --- tables -------------------------------------------------------------------------------------


def test_rebase_divides_by_each_listing_s_own_base_close() -> None:
    idx = pd.to_datetime(["2025-01-17", "2025-01-20", "2025-01-21"])
    closes = pd.DataFrame({"A": [10.0, 12.0, 9.0], "B": [np.nan, 50.0, 55.0]}, index=idx)
    out = rebase(closes, {"A": idx[0], "B": idx[1]})
    assert out["A"].tolist() == pytest.approx([100.0, 120.0, 90.0])
    assert np.isnan(out["B"].iloc[0])  # never filled
    assert out["B"].iloc[1:].tolist() == pytest.approx([100.0, 110.0])
    assert closes["A"].iloc[0] == 10.0  # the caller's frame is untouched
    with pytest.raises(MissingDataError, match="no close on its base date 2025-01-17"):
        rebase(closes, {"B": idx[0]})


def test_group_summary_medians_by_hand() -> None:
    frame = pd.DataFrame(
        {"group": ["g", "g", "g", "h"], "r": [0.1, 0.3, np.nan, -0.2], "symbol": list("abcd")}
    )
    out = group_summary(frame, ["r"]).set_index("group")
    assert out.loc["g", "r median"] == pytest.approx(0.2)
    assert out.loc["g", "r mean"] == pytest.approx(0.2)
    assert out.loc["g", "r n"] == 2 and out.loc["g", "listings"] == 3
    assert out.loc["h", "r median"] == pytest.approx(-0.2)


# --- charts -------------------------------------------------------------------------------------


def _synthetic_closes() -> pd.DataFrame:
    idx = pd.bdate_range("2025-01-02", "2025-02-14")
    rng = np.random.default_rng(4)
    data = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(idx), 3)), axis=0))
    return pd.DataFrame(data, index=idx, columns=["9988.HK", "0700.HK", "NVDA"])


GROUPS = {
    "9988.HK": "China tech in Hong Kong",
    "0700.HK": "China tech in Hong Kong",
    "NVDA": "US AI",
}


def test_price_paths_one_panel_per_group_with_median_and_events() -> None:
    closes = _synthetic_closes()
    timeline = pd.DataFrame(
        {"date": pd.to_datetime(["2025-01-20", "2025-01-27"]), "number": [1, 2]}
    )
    fig = ch.price_paths_figure(
        closes, GROUPS, event_date=pd.Timestamp("2025-01-20"), timeline=timeline
    )
    axes = fig.get_axes()
    assert len(axes) == 2
    hk_lines = axes[0].get_lines()
    median = [ln for ln in hk_lines if ln.get_label() == "median"][0]
    expected = closes[["9988.HK", "0700.HK"]].median(axis=1).to_numpy()
    assert np.allclose(median.get_ydata(), expected)
    texts = {t.get_text() for t in axes[0].texts}
    assert {"1", "2"} <= texts


def test_caar_figure_draws_percent_and_bands() -> None:
    paths = pd.DataFrame(
        {"group": ["A"] * 3, "event_day": [0, 1, 2], "caar": [0.01, 0.02, 0.05]}
    ).assign(lower=lambda f: f.caar - 0.01, upper=lambda f: f.caar + 0.01)
    fig = ch.caar_figure(paths)
    ax = fig.get_axes()[0]
    line = [ln for ln in ax.get_lines() if ln.get_label() == "A"][0]
    assert np.allclose(line.get_ydata(), [1.0, 2.0, 5.0])
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(0.0) and band.max() == pytest.approx(6.0)
    with pytest.raises(ValueError, match="lacks columns"):
        ch.caar_figure(paths.drop(columns="upper"))


def test_window_bars_sorted_and_skip_missing() -> None:
    values = pd.DataFrame(
        {"symbol": ["a", "b", "c"], "group": ["g", "g", "h"], "r": [0.1, np.nan, -0.05]}
    )
    fig = ch.window_bars_figure(values, column="r")
    bars = fig.get_axes()[0].patches
    assert [round(b.get_width(), 6) for b in bars] == [-5.0, 10.0]


def test_cjk_labels_render_without_missing_glyphs(tmp_path: Path) -> None:
    font = ch.cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    import warnings

    fig = ch.price_paths_figure(
        _synthetic_closes(), GROUPS, labels={"9988.HK": "9988.HK 阿里巴巴"}, font=font
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would be a UserWarning
        data = ch.save_figure(fig, tmp_path / "p.png")
    assert data[:4] == b"\x89PNG" and (tmp_path / "p.png").read_bytes() == data


def test_cjk_font_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import font_manager

    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    # no CJK file on disk either (an empty cached list alone no longer means "absent")
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    assert ch.cjk_font() is None


# --- html ---------------------------------------------------------------------------------------


def _content(**over) -> ReportContent:
    frame = pd.DataFrame({"symbol": ["BABA", "<b>X</b>"], "ret": [0.1234, -0.05], "n": [3, 4]})
    png = ch.save_figure(ch.caar_figure(pd.DataFrame(
        {"group": ["A"], "event_day": [0], "caar": [0.0], "lower": [-0.01], "upper": [0.01]})),
        Path(over.pop("tmp")) / "c.png")  # fmt: skip
    base = dict(
        title="Title <script>alert(1)</script>",
        question="Q & A?",
        summary=Table(frame, percent=("ret",)),
        key_moves=None,
        caar=Table(frame),
        tests=Table(frame),
        dropped=Table(pd.DataFrame(columns=["symbol", "reason"])),
        coverage=Table(frame),
        timeline=Table(frame),
        parameters=[("Estimation window", "[-100, -11]")],
        charts=[Chart("caar", "CAAR", png, "c.png")],
        clustering_warning="Events overlap in calendar time",
        provenance_markdown="# Sample\n- `close` is the traded price,\n  not adjusted\n\nText & more",
    )
    base.update(over)
    return ReportContent(**base)


def test_html_is_balanced_escaped_and_self_contained(tmp_path: Path) -> None:
    html = render_html(_content(tmp=tmp_path))
    parsed = parse(html)
    assert parsed.errors == [] and parsed.stack == []
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;X&lt;/b&gt;" in html
    for sid in SECTION_IDS:
        assert sid in parsed.ids
    assert [r for r in parsed.refs if re.match(r"(?i)\s*(https?:)?//", r)] == []
    assert all(r.startswith(("data:image/png;base64,", "#")) for r in parsed.refs)
    assert "+12.34%" in html and "-5.00%" in html
    assert "Events overlap in calendar time" in html
    assert "Nothing was dropped." in html
    assert "No article was given" in html


def test_markdown_subset() -> None:
    out = render_markdown("# Head\nline one\nline two\n- item `a<b`\n  continued\n- two")
    assert out == (
        "<h3>Head</h3>\n<p>line one line two</p>\n"
        "<ul><li>item <code>a&lt;b</code> continued</li><li>two</li></ul>"
    )


def test_tests_wide_by_hand() -> None:
    from rerating.report.tables import tests_wide

    long = pd.DataFrame(
        {
            "event_id": ["e"] * 4,
            "group": ["g", "g", "h", "h"],
            "window": ["[0,0]"] * 4,
            "test": ["patell", "corrado", "patell", "corrado"],
            "statistic": [2.0, -1.234, np.nan, 0.5],
            "pvalue": [0.0456, 0.2172, np.nan, 0.617],
            "n": [3, 3, 2, 2],
            # per row: corrado is valid in g and not in h (events a few sessions apart there)
            "valid_under_clustering": [False, True, False, False],
        }
    )
    out = tests_wide(long, mark_invalid=True)
    assert list(out.columns) == ["event_id", "group", "window", "n", "patell", "corrado"]
    assert out.loc[0, "patell"] == "2.00 (0.046) †" and out.loc[0, "corrado"] == "-1.23 (0.217)"
    assert out.loc[1, "patell"] == "" and out.loc[1, "n"] == 2  # no statistic: nothing to mark
    assert out.loc[1, "corrado"] == "0.50 (0.617) †"
    assert "†" not in "".join(tests_wide(long).iloc[:, 4:].to_numpy().ravel())
    # a row whose windows do not overlap in calendar time has nothing to mark
    apart = tests_wide(long.assign(overlapping=[True, True, False, False]), mark_invalid=True)
    assert apart.loc[0, "patell"].endswith("†") and apart.loc[1, "corrado"] == "0.50 (0.617)"


def test_quality_summary_groups_flags_in_range() -> None:
    from rerating.report.tables import quality_summary

    flags = pd.DataFrame(
        {
            "symbol": ["A", "B", "A", "C"],
            "date": pd.to_datetime(["2025-01-28", "2025-01-28", "2024-01-02", "2025-01-30"]),
            "issue": ["half_day", "half_day", "half_day", "off_tick"],
            "detail": ["", "", "", ""],
            "policy": ["kept", "kept", "kept", "kept"],
        }
    )
    out = quality_summary(flags, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01"))
    assert out.to_dict("records") == [
        {
            "issue": "half_day",
            "date": pd.Timestamp("2025-01-28"),
            "listings": 2,
            "symbols": "A B",
            "policy": "kept",
        },
        {
            "issue": "off_tick",
            "date": pd.Timestamp("2025-01-30"),
            "listings": 1,
            "symbols": "C",
            "policy": "kept",
        },
    ]


def test_caar_figure_one_panel_per_group_in_order() -> None:
    paths = pd.DataFrame(
        {"group": ["B", "B", "A", "A"], "event_day": [0, 1, 0, 1], "caar": [0.0, 0.5, 0.0, -0.1]}
    ).assign(lower=lambda f: f.caar - 1.0, upper=lambda f: f.caar + 1.0)
    fig = ch.caar_figure(paths, order=["A", "B"])
    assert [ax.get_title(loc="left") for ax in fig.get_axes()] == ["A", "B"]
    # each panel keeps its own scale, so B's wide band does not flatten A
    assert fig.get_axes()[1].get_lines()[0].get_ydata().tolist() == pytest.approx([0.0, 50.0])


def test_claims_table_notes_carry_each_claims_own_notes(tmp_path: Path) -> None:
    """The report's claims table shows how a claim was read (`check`'s ``notes``), not only the
    listing's note: a Chinese X日至Y日 period is measured from the close before its first day,
    and a figure in the next sentence takes the subject carried from the one before."""
    from rerating.claims import extract_claims, read_article
    from rerating.data.market import Market
    from rerating.report.build import _claims_table

    article = tmp_path / "a.md"
    article.write_text(
        "---\ndate: 2025-01-28\n---\nNvidia fell 17% on Monday. Its shares closed at $118.42 on Monday.\n\n"
        "1月20日至1月27日，阿里巴巴港股累计上涨3.2%。\n",
        encoding="utf-8",
    )
    market = Market.from_sample()
    frame, _ = _claims_table(market, article)
    doc = read_article(article)
    claims = extract_claims(doc.text, article_date=doc.date, securities=market.securities)
    with_notes = [c for c in claims if c.notes]
    assert with_notes  # the article has claims whose reading carries a note
    for c in with_notes:
        rows = frame[frame["sentence"] == c.sentence]
        assert len(rows) and all(all(n in note for n in c.notes) for note in rows["note"]), c


def test_claims_table_gives_a_comparisons_gap_in_points(tmp_path: Path) -> None:
    """A comparison's figure is a difference of two returns: the report reads it in percentage
    points, as `check` does, not as a return in per cent. Closes: 9988.HK 124.1 -> 138.5 and
    ^HSI 22,620.3 -> 23,477.9 (2025-02-14 -> 02-21), i.e. 11.60 - 3.79 = 7.81 points."""
    from rerating.data.market import Market
    from rerating.report.build import _claims_table

    article = tmp_path / "a.md"
    article.write_text(
        "---\ndate: 2025-02-21\n---\nAlibaba's Hong Kong shares outperformed the Hang Seng Index by "
        "8 percentage points this week. Nvidia fell 17% on Jan. 27.\n",
        encoding="utf-8",
    )
    frame, _ = _claims_table(Market.from_sample(), article)
    gap = frame[frame["metric"] == "relative_return"].iloc[0]
    assert gap["stated"] == "eq +8.00 pts"
    assert gap["computed"] == f"{(138.5 / 124.1 - 23477.9 / 22620.3) * 100:+.2f} pts"
    assert gap["accepted"].endswith(" pts") and "%" not in gap["accepted"]
    move = frame[frame["metric"] == "price_return"].iloc[0]
    assert move["stated"].endswith("%") and move["computed"].endswith("%")  # returns unchanged
