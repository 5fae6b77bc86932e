"""Readability of the report: lines a reader can tell apart, Chinese labels where a CJK font exists
though matplotlib's cached font list predates it, proper navigation labels, small p-values that
do not read as zero, and a glossary of the report's terms.

Everything here runs on synthetic inputs; the CJK tests replace the font lookups, so they do not
depend on the fonts of the machine.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.colors import to_rgb

from rerating.report import charts as ch
from rerating.report.html import (
    GLOSSARY,
    NAV_LABELS,
    SECTION_IDS,
    ReportContent,
    Table,
    format_pvalue,
    is_pvalue_column,
    render_html,
    render_table,
)

# --- price chart: one style per listing -----------------------------------------------------------


def _closes(n_a: int, n_b: int) -> tuple[pd.DataFrame, dict[str, str]]:
    idx = pd.bdate_range("2025-01-02", "2025-02-14")
    rng = np.random.default_rng(7)
    cols = [f"A{i}" for i in range(n_a)] + [f"B{i}" for i in range(n_b)]
    data = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(idx), len(cols))), axis=0))
    groups = {c: ("Hong Kong" if c.startswith("A") else "US") for c in cols}
    return pd.DataFrame(data, index=idx, columns=cols), groups


def _style(line) -> tuple[tuple[float, ...], str]:
    return tuple(round(v, 3) for v in to_rgb(line.get_color())), str(line.get_linestyle())


@pytest.mark.parametrize(("n_hk", "n_us"), [(13, 18)])  # the deepseek-2025 preset's panels
def test_price_chart_gives_every_listing_of_a_panel_its_own_style(n_hk: int, n_us: int) -> None:
    """Matplotlib's 10-colour cycle drew 9988.HK and 3896.HK (and NVDA and TSM) alike."""
    closes, groups = _closes(n_hk, n_us)
    fig = ch.price_paths_figure(closes, groups)
    for ax, n in zip(fig.get_axes(), (n_hk, n_us), strict=True):
        lines = [
            ln for ln in ax.get_lines() if ln.get_label() != "median" and len(ln.get_xdata()) > 2
        ]
        assert len(lines) == n
        styles = [_style(ln) for ln in lines]
        assert len(set(styles)) == n, styles
        # the legend shows the same styles, one entry per listing plus the median
        legend = ax.get_legend()
        handles = [h for h, t in zip(legend.legend_handles, legend.get_texts(), strict=True)
                   if t.get_text() != "median"]  # fmt: skip
        assert len({_style(h) for h in handles}) == n


def test_price_chart_median_is_thick_black_and_out_of_the_listing_palette() -> None:
    closes, groups = _closes(13, 18)
    fig = ch.price_paths_figure(closes, groups)
    for ax in fig.get_axes():
        median = [ln for ln in ax.get_lines() if ln.get_label() == "median"]
        assert len(median) == 1
        assert to_rgb(median[0].get_color()) == (0.0, 0.0, 0.0)
        listings = [ln for ln in ax.get_lines() if ln.get_label() != "median"
                    and len(ln.get_xdata()) > 2]  # fmt: skip
        assert median[0].get_linewidth() >= 2 * max(ln.get_linewidth() for ln in listings)
        for ln in listings:
            rgb = to_rgb(ln.get_color())
            # no listing is black or grey: those are the median's and the reference lines'
            assert max(rgb) - min(rgb) > 0.1, ln.get_label()


def test_member_styles_are_distinct_well_past_a_panel() -> None:
    styles = ch.member_styles(54)
    assert len(set(styles)) == 54
    assert ch.member_styles(3) == styles[:3]  # a listing's style does not depend on the panel size
    assert all(to_rgb(c) != (0.0, 0.0, 0.0) for c, _ in styles)


# --- CJK font: a font installed after matplotlib cached its list ----------------------------------


def _fake_fonts(monkeypatch: pytest.MonkeyPatch, files: list[str], faces: dict[str, list[str]]):
    """An empty cached font list, ``files`` on disk, and ``addfont`` adding ``faces[file]``."""
    ttflist: list[font_manager.FontEntry] = []
    added: list[str] = []

    def addfont(path: str) -> None:
        added.append(path)
        if path not in faces:
            raise RuntimeError(f"Can not load face: {path}")
        ttflist.extend(font_manager.FontEntry(fname=path, name=name) for name in faces[path])

    monkeypatch.setattr(font_manager.fontManager, "ttflist", ttflist)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: list(files))
    monkeypatch.setattr(font_manager.fontManager, "addfont", addfont)
    return added


def test_cjk_font_registers_a_file_the_cached_list_does_not_know(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The report said "No CJK font was found" with Noto Sans CJK installed after the cache."""
    sans = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    added = _fake_fonts(
        monkeypatch,
        [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
            sans,
        ],
        {sans: ["Noto Sans CJK JP", "Noto Sans CJK KR", "Noto Sans CJK SC"]},
    )
    assert ch.cjk_font() == "Noto Sans CJK SC"
    assert added == [sans]  # sans before serif, regular before bold; DejaVu is not a CJK font


def test_cjk_font_skips_an_unreadable_file_and_takes_an_unlisted_family(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = "/fonts/wqy-zenhei.ttc"
    droid = "/fonts/DroidSansFallbackFull.ttf"
    added = _fake_fonts(monkeypatch, [droid, broken], {droid: ["Droid Sans Fallback Full"]})
    assert ch.cjk_font() == "Droid Sans Fallback Full"
    assert added == [broken, droid]


def test_cjk_font_registers_through_matplotlib(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The real ``addfont``: a file named like a CJK font is registered under its own family."""
    import matplotlib as mpl

    dejavu = Path(mpl.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    fake = tmp_path / "SourceHanSansSC-Regular.ttf"
    shutil.copyfile(dejavu, fake)
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [str(fake)])
    assert ch.cjk_font() == "DejaVu Sans"
    assert [f.fname for f in font_manager.fontManager.ttflist] == [str(fake)]


def test_cjk_font_none_when_no_file_is_a_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    added = _fake_fonts(monkeypatch, ["/fonts/DejaVuSans.ttf", "/fonts/LiberationSerif.ttf"], {})
    assert ch.cjk_font() is None
    assert added == []


# --- HTML: navigation, p-values, glossary ---------------------------------------------------------


def _content(**over) -> ReportContent:
    frame = pd.DataFrame({"symbol": ["BABA"], "ret": [0.1]})
    base = dict(
        title="T",
        question="Q?",
        summary=Table(frame, percent=("ret",)),
        key_moves=None,
        caar=Table(frame),
        tests=Table(frame),
        dropped=Table(pd.DataFrame(columns=["symbol", "reason"])),
        coverage=Table(frame),
        timeline=Table(frame),
        parameters=[("Estimation window", "[-100, -11]")],
        charts=[],
        overview=Table(frame, percent=("ret",)),
    )
    base.update(over)
    return ReportContent(**base)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.nav: list[tuple[str, str]] = []
        self._href: str | None = None
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag not in ("meta", "img", "br"):
            self.stack.append(tag)
        if tag == "a" and "nav" in self.stack:
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)

    def handle_data(self, data):
        if self._href is not None:
            self.nav.append((self._href, data))
            self._href = None


def test_nav_labels_are_proper_names() -> None:
    """``sid.capitalize()`` wrote the CAAR section's link as "Caar"."""
    page = _Page()
    page.feed(render_html(_content()))
    links = dict(page.nav)
    assert links["#caar"] == "CAAR"
    assert "Caar" not in links.values()
    assert set(NAV_LABELS) == set(SECTION_IDS) - {"question"}
    assert [h for h, _ in page.nav] == [f"#{s}" for s in SECTION_IDS if s != "question"] + [
        "#glossary"
    ]


def test_small_p_values_do_not_read_as_zero() -> None:
    """p- and q-values below the precision shown read "<0.0001", not "0.0000"."""
    frame = pd.DataFrame(
        {
            "window": ["[0:0]", "[0:4]"],
            "caar": [-0.12, 0.00001],
            "beta": [0.00001, 1.5],
            "tstat": [-9.5, 0.0],
            "pvalue": [0.00002, 0.25],
            "qvalue": [0.0, 0.5],
            "p-value": [0.0, 1.0],
            "p (CDA)": [0.00004, 0.04],
            "p [0:0]": [0.0002, 0.9],
        }
    )
    table = Table(frame, percent=("caar",), digits={"tstat": 2, "pvalue": 4, "p [0:0]": 3})
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", render_table(table))
    rows = [cells[:9], cells[9:]]
    assert rows[0] == [
        "[0:0]", "-12.00%", "0.0000", "-9.50",
        "&lt;0.0001", "&lt;0.0001", "&lt;0.0001", "&lt;0.0001", "&lt;0.001",
    ]  # fmt: skip
    assert rows[1] == ["[0:4]", "+0.00%", "1.5000", "0.00", "0.2500", "0.5000", "1.0000", "0.0400", "0.900"]  # fmt: skip
    assert format_pvalue(0.00005001) == "0.0001" and format_pvalue(0.0, 3) == "<0.001"
    for name in ("pvalue", "qvalue", "p-value", "q-value", "p (CDA)", "p (adj. BMP)", "p [0:19]"):
        assert is_pvalue_column(name), name
    for name in ("price return", "policy", "caar", "std_error", "listings", "period"):
        assert not is_pvalue_column(name), name


def test_statistic_with_p_cells_of_the_tests_table() -> None:
    """ "-3.60 (0.000)" in the tests table reads "-3.60 (<0.001)"; other text is left alone."""
    frame = pd.DataFrame(
        {
            "group": ["g", "h"],
            "window": ["[0:0]", "[0:0]"],
            "n": [3, 2],
            "adj_patell": ["-3.60 (0.000)", "1.20 (0.230)"],
            "corrado": ["", "-2.10 (0.036)"],
            "note": ["share (0.000)", "1.00 (0.000)"],  # a mixed column is no test column
        }
    )
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", render_table(Table(frame)))
    assert cells[3] == "-3.60 (&lt;0.001)" and cells[9] == "1.20 (0.230)"
    assert cells[4] == "" and cells[10] == "-2.10 (0.036)"
    assert cells[5] == "share (0.000)" and cells[11] == "1.00 (0.000)"


def test_glossary_is_folded_self_contained_and_covers_the_terms() -> None:
    html = render_html(_content())
    page = _Page()
    page.feed(html)
    page.close()
    assert page.errors == [] and page.stack == []
    assert "script" not in page.tags
    m = re.search(r'<details class="glossary" id="glossary">(.*?)</details>', html, re.S)
    assert m is not None
    block = m.group(1)
    # before the charts: beside the first table, where a reader starts
    assert html.index('id="glossary"') < html.index('id="charts"')
    terms = re.findall(r"<dt>([^<]*)</dt>", block)
    assert terms == [t for t, _ in GLOSSARY]
    for term in ("AR", "CAR", "CAAR", "BHAR", "[a:b]", "day 0", "r̄", "design effect",
                 "p-value", "q-value", "valid under clustering"):  # fmt: skip
        assert term in terms, term
    text = dict(GLOSSARY)
    assert "Hong Kong" in text["day 0"] and "New York" in text["day 0"]
    assert "false discovery rate" in text["q-value"]
    assert "1 + (N - 1) r̄" in text["design effect"]
    # its worked example is right
    n, rbar, shown = re.search(
        r"N = (\d+), r̄ = ([\d.]+) gives ([\d.]+)", text["design effect"]
    ).groups()
    assert 1 + (int(n) - 1) * float(rbar) == pytest.approx(float(shown))
    assert not re.search(r"(?i)(https?:|//)", block)
