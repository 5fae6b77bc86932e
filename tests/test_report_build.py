"""The deepseek-2025 report on the bundled sample: files, sections, and figures checked by hand.

Oracles never go through rerating's data or measure code: closes are read from the sample CSVs
with pandas, sessions come from exchange_calendars, the market model is fitted with numpy's
least squares, and a few figures are published values (NVDA's 2025-01-27 close 118.42).
"""

from __future__ import annotations

import base64
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import exchange_calendars as xc
import numpy as np
import pandas as pd
import pytest

from rerating.report.html import SECTION_IDS
from rerating.report.presets import DEEPSEEK_2025
from rerating.study import window_label

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"


def csv(symbol: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / f"{symbol.lstrip('^')}.csv", parse_dates=["date"]).set_index("date")


def calendar_of(symbol: str) -> str:
    return "XHKG" if symbol.endswith(".HK") or symbol == "^HSI" else "XNYS"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    from rerating.data.market import Market
    from rerating.report import build_report

    out = tmp_path_factory.mktemp("deepseek")
    t0 = time.perf_counter()
    res = build_report(Market.from_sample(), preset="deepseek-2025", out_dir=out)
    return res, time.perf_counter() - t0


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.refs: list[str] = []
        self.imgs: list[dict[str, str | None]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self.tags.append(tag)
        if "id" in d:
            self.ids.append(str(d["id"]))
        self.refs += [str(v) for k, v in attrs if k in ("src", "href", "action", "data") and v]
        if tag == "img":
            self.imgs.append(d)


def test_build_is_fast_and_writes_html_and_charts(report) -> None:
    res, seconds = report
    assert seconds < 60, f"building the report took {seconds:.1f} s (budget 60 s)"
    assert res.html_path.name == "report.html" and res.html_path.is_file()
    assert {p.name for p in res.chart_paths} == {"prices.png", "caar.png", "returns.png"}
    for path in res.chart_paths:
        assert path.parent == res.html_path.parent
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_has_every_section_and_nothing_external(report) -> None:
    res, _ = report
    text = res.html_path.read_text(encoding="utf-8")
    parsed = _Collect()
    parsed.feed(text)
    for sid in SECTION_IDS:
        assert sid in parsed.ids, sid
    assert "script" not in parsed.tags
    external = [r for r in parsed.refs if re.match(r"(?i)\s*(https?:|//|ftp:|file:)", r)]
    assert external == []
    assert not re.search(r"(?i)url\(\s*['\"]?(https?:|//)", text)  # nor from CSS
    # every chart is embedded, byte for byte the PNG written next to the page
    embedded = {img["data-file"]: img["src"] for img in parsed.imgs}
    for path in res.chart_paths:
        src = embedded[path.name]
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]) == path.read_bytes()
    for heading in (
        "Window returns and market-cap moves",
        "Test statistics",
        "Dropped events",
        "Parameters and data coverage",
        "Event timeline",
        "Provenance of the data",
    ):
        assert heading in text
    assert "[-100, -11]" in text  # the estimation window is stated
    provenance = text[text.index('id="provenance"') :]
    assert "Bundled sample: the DeepSeek episode" in provenance  # PROVENANCE.md, rendered
    assert "the bundled sample (offline)" in text
    assert "Event windows overlap in calendar time" in text  # the clustering warning applies


def test_summary_returns_equal_hand_computed_closes(report) -> None:
    """20-session returns to 2025-02-13 and 2025-01-27 moves, from the CSVs and the calendars."""
    res, _ = report
    summary = res.summary_frame.set_index("symbol")
    assert list(summary.index) == list(DEEPSEEK_2025.symbols)
    for sym in DEEPSEEK_2025.symbols:
        closes = csv(sym)["close"]
        cal = xc.get_calendar(calendar_of(sym))
        sessions = cal.sessions_in_range("2024-12-01", "2025-02-13")
        start = sessions[-21]  # 20 sessions before 2025-02-13
        want = closes[pd.Timestamp("2025-02-13")] / closes[start] - 1
        assert summary.loc[sym, "20 sessions to 2025-02-13"] == pytest.approx(want, rel=1e-12), sym
        prev = cal.previous_session(pd.Timestamp("2025-01-27"))
        want = closes[pd.Timestamp("2025-01-27")] / closes[prev] - 1
        assert summary.loc[sym, "2025-01-27"] == pytest.approx(want, rel=1e-12), sym
    # published figures: NVDA closed at 118.42 on 2025-01-27 after 142.62 on 2025-01-24
    assert summary.loc["NVDA", "2025-01-27"] == pytest.approx(118.42 / 142.62 - 1, abs=1e-12)


def test_market_cap_moves_by_hand(report) -> None:
    res, _ = report
    summary = res.summary_frame.set_index("symbol")
    col = "mcap change 2025-01-27, USD bn"
    # NVDA: 24.49bn shares (10-Q cover, 2024-11-15) x (118.42 - 142.62) USD
    assert summary.loc["NVDA", col] == pytest.approx(24.49 * (118.42 - 142.62), rel=1e-9)
    # 9988.HK: 19,054,532,284 shares in issue x HKD closes, each at its date's USD per HKD
    fx = csv("USDHKD")["close"]
    hk = csv("9988.HK")["close"]
    usd = lambda d: hk[pd.Timestamp(d)] / fx[: pd.Timestamp(d)].iloc[-1]  # noqa: E731 - as of d
    want = 19_054_532_284 * (usd("2025-01-27") - usd("2025-01-24")) / 1e9
    assert summary.loc["9988.HK", col] == pytest.approx(want, rel=1e-9)
    assert np.isnan(summary.loc["MSFT", col])  # no shares figure: blank, and said in the notes
    assert any("MSFT" in n and "no shares-outstanding figure" in n for n in res.notes)


def test_baba_key_moves_while_hong_kong_was_shut(report) -> None:
    res, _ = report
    text = res.html_path.read_text(encoding="utf-8")
    closes = csv("BABA")["close"]
    assert not xc.get_calendar("XHKG").is_session("2025-01-29")  # Lunar New Year
    for day, prev in (("2025-01-29", "2025-01-28"), ("2025-01-28", "2025-01-27")):
        move = closes[pd.Timestamp(day)] / closes[pd.Timestamp(prev)] - 1
        assert f"{100 * move:+.2f}%" in text, day
    assert "+6.71%" in text  # BABA's Lunar New Year's Eve jump (89.99 -> 96.03)


def _market_model_car(symbol: str, bench: str, day0: str, windows) -> dict:
    """CAR of the market model fitted by least squares on [-100, -11], from the CSVs."""
    r = csv(symbol)["adj_close"].pct_change()
    m = csv(bench)["adj_close"].pct_change()
    r = r.iloc[1:]  # the first row has no return
    pos = r.index.get_loc(pd.Timestamp(day0))
    est = r.iloc[max(pos - 100, 0) : pos - 10]
    x = m.reindex(est.index)
    ok = est.notna() & x.notna()
    design = np.column_stack([np.ones(ok.sum()), x[ok].to_numpy()])
    (alpha, beta), *_ = np.linalg.lstsq(design, est[ok].to_numpy(), rcond=None)
    out = {}
    for lo, hi in windows:
        span = r.iloc[pos + lo : pos + hi + 1]
        ar = span - (alpha + beta * m.reindex(span.index))
        out[window_label((lo, hi))] = float(ar.sum())
    return out


@pytest.mark.parametrize(
    ("symbol", "bench"), [("BABA", "^GSPC"), ("9988.HK", "^HSI"), ("NVDA", "^GSPC")]
)
def test_car_columns_match_an_independent_market_model(report, symbol: str, bench: str) -> None:
    res, _ = report
    row = res.summary_frame.set_index("symbol").loc[symbol]
    # DeepSeek-R1: 2025-01-20 in Beijing, hour unknown -> known from 2025-01-20 16:00 UTC; New York
    # was shut (Martin Luther King Day) and Hong Kong had closed: day 0 is 2025-01-21 in both.
    want = _market_model_car(symbol, bench, "2025-01-21", DEEPSEEK_2025.event_windows)
    for window, car in want.items():
        assert row[f"CAR {window}"] == pytest.approx(car, abs=1e-10), (symbol, window)


def test_group_frame_medians_and_caar(report) -> None:
    res, _ = report
    g = res.group_frame.set_index("group")
    s = res.summary_frame
    for name in ("China tech in Hong Kong", "China ADRs", "US AI and megacaps"):
        part = s[s["group"] == name]
        assert g.loc[name, "listings"] == len(part)
        assert g.loc[name, "20 sessions to 2025-02-13"] == pytest.approx(
            part["20 sessions to 2025-02-13"].median()
        )
        # the CAAR of a group is the mean of its listings' CARs
        w = window_label((0, 19))
        assert g.loc[name, f"CAAR {w}"] == pytest.approx(part[f"CAR {w}"].mean(), abs=1e-12)


def test_group_differences_are_the_caar_gaps_with_welch_from_the_listings(report) -> None:
    from scipy import stats

    res, _ = report
    diff = res.differences_frame
    main = diff[diff["event_id"] == "deepseek-r1"].set_index(["groups", "window"])
    g = res.group_frame.set_index("group")
    s = res.summary_frame
    hk, us = "China tech in Hong Kong", "US AI and megacaps"
    assert len(main) == 3 * len(DEEPSEEK_2025.event_windows)  # three pairs of three groups
    for lo, hi in DEEPSEEK_2025.event_windows:
        w = window_label((lo, hi))
        row = main.loc[(f"{hk} − {us}", w)]
        assert row["difference"] == pytest.approx(
            g.loc[hk, f"CAAR {w}"] - g.loc[us, f"CAAR {w}"], abs=1e-12
        )
        assert row["lower"] < row["difference"] < row["upper"]
        cars = [s.loc[s["group"] == name, f"CAR {w}"].dropna() for name in (hk, us)]
        assert row["p (Welch)"] == pytest.approx(
            stats.ttest_ind(*cars, equal_var=False).pvalue, rel=1e-8
        )
    html = res.html_path.read_text(encoding="utf-8")
    assert "Differences between groups" in html and f"{hk} − {us}" in html


def test_movers_are_the_listings_whose_car_survives_a_10_percent_fdr(report) -> None:
    """Per listing: numpy's market model, the CAR's t with its prediction-error variance
    (Campbell, Lo & MacKinlay 1997), then statsmodels' Benjamini-Hochberg across each window."""
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    res, _ = report
    got = res.movers_frame[res.movers_frame["event_id"] == "deepseek-r1"]
    rows = []
    for symbol in res.summary_frame["symbol"]:
        bench = DEEPSEEK_2025.benchmark_of[symbol]
        r = csv(symbol)["adj_close"].pct_change().iloc[1:]
        m = csv(bench)["adj_close"].pct_change()
        pos = r.index.get_loc(pd.Timestamp("2025-01-21"))
        est = r.iloc[max(pos - 100, 0) : pos - 10]
        x = m.reindex(est.index)
        ok = est.notna() & x.notna()
        if ok.sum() < 45:  # the engine's default minimum: half the estimation window
            continue
        design = np.column_stack([np.ones(ok.sum()), x[ok].to_numpy()])
        coef, *_ = np.linalg.lstsq(design, est[ok].to_numpy(), rcond=None)
        dof = int(ok.sum()) - 2
        s2 = ((est[ok].to_numpy() - design @ coef) ** 2).sum() / dof
        inv = np.linalg.inv(design.T @ design)
        for lo, hi in DEEPSEEK_2025.event_windows:
            span = r.iloc[pos + lo : pos + hi + 1]
            mx = m.reindex(span.index).to_numpy()
            car = float((span.to_numpy() - coef[0] - coef[1] * mx).sum())
            sums = np.array([hi - lo + 1, mx.sum()])
            var = s2 * (hi - lo + 1) + s2 * sums @ inv @ sums
            p = 2 * stats.t.sf(abs(car) / np.sqrt(var), dof)
            rows.append({"symbol": symbol, "window": window_label((lo, hi)), "car": car, "p": p})
    ref = pd.DataFrame(rows)
    ref["q"] = ref.groupby("window")["p"].transform(lambda p: multipletests(p, method="fdr_bh")[1])
    want = ref[ref["q"] <= 0.10].set_index(["symbol", "window"]).sort_index()
    have = got.set_index(["symbol", "window"]).sort_index()
    assert list(have.index) == list(want.index)
    np.testing.assert_allclose(have["car"], want["car"], atol=1e-10)
    np.testing.assert_allclose(have["qvalue"], want["q"], rtol=1e-6)
    # "Alibaba +40% in 20 days": abnormal against the S&P 500, and it survives the screen
    assert have.loc[("BABA", "[0:19]"), "car"] > 0.35
    html = res.html_path.read_text(encoding="utf-8")
    assert "Listings that moved (false discovery rate 10%)" in html
    # ... but those 20 sessions hold Alibaba's own news too: Kimi the same day (it names 9988.HK and
    # BABA), Qwen2.5-Max on Jan 29 (Hong Kong shut until Feb 3: day 6 for 9988.HK), Apple's pick
    other = have["other news in the window"]
    assert other[("BABA", "[0:19]")].startswith("kimi-k1-5 (model_release, day 0); qwen2-5-1m")
    assert "qwen2-5-max (model_release, day 6)" in other[("9988.HK", "[0:19]")]
    assert "apple-alibaba-report (partnership" in other[("BABA", "[0:19]")]
    assert "other news in the window" in html


def test_timeline_lists_the_studied_events(report) -> None:
    res, _ = report
    text = res.html_path.read_text(encoding="utf-8")
    for eid in DEEPSEEK_2025.event_ids:
        assert eid in text
    assert "2025-01-21" in text  # R1's day 0 in New York and Hong Kong


def test_custom_study_and_article(tmp_path: Path, shared_articles_dir: Path) -> None:
    from rerating.data.market import Market
    from rerating.report import build_report

    article = sorted(shared_articles_dir.glob("*.md"))[0]
    res = build_report(
        Market.from_sample(),
        events=["deepseek-r1"],
        symbols=["BABA", "9988.HK", "NVDA"],
        out_dir=tmp_path,
        article=article,
    )
    assert set(res.summary_frame["symbol"]) == {"BABA", "9988.HK", "NVDA"}
    text = res.html_path.read_text(encoding="utf-8")
    assert "No article was given" not in text and article.name in text
    claims = text[text.index('id="claims"') : text.index('id="provenance"')]
    rows = re.findall(r"<tr><td class=\"num\">\d", claims)
    assert len(rows) >= 3  # one row per (claim, listing checked)
    statuses = set(re.findall(r"<td>(supported|contradicted|unverifiable)</td>", claims))
    assert statuses and statuses <= {"supported", "contradicted", "unverifiable"}
    # NVDA's 2025-01-27 fall is in the article ("英伟达 ... 大跌"): its row carries NVDA
    assert "<td>NVDA</td>" in claims


USER_EVENT = """schema_version = 1

[[event]]
id = "my-own-event"
title_en = "A user's own event"
title_zh = "用户自己的事件"
timestamp = "2025-01-27T14:30:00Z"
kind = "market"
organisations = ["Someone"]
symbols = ["NVDA"]
sources = ["https://example.org/source"]
"""


def test_events_file_and_english_fallback_without_cjk_font(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user's events file drives a custom study; with no CJK font the report says so."""
    from rerating.data.market import Market
    from rerating.report import build_report
    from rerating.report import charts as ch

    events = tmp_path / "mine.toml"
    events.write_text(USER_EVENT, encoding="utf-8")
    monkeypatch.setattr(ch, "cjk_font", lambda: None)
    res = build_report(
        Market.from_sample(),
        events=[events],
        symbols=["NVDA", "AMD", "9988.HK"],
        out_dir=tmp_path / "o",
    )
    text = res.html_path.read_text(encoding="utf-8")
    assert "my-own-event" in text and "A user&#x27;s own event" in text  # escaped
    assert any("No CJK font was found" in n for n in res.notes)
    assert "no CJK font found: charts use English names" in text
    # the 2025-01-27 14:30 UTC event: day 0 is 2025-01-27 in New York, 2025-01-28 in Hong Kong
    row = res.summary_frame.set_index("symbol")
    closes = csv("NVDA")["close"]
    want = closes[pd.Timestamp("2025-01-27")] / closes[pd.Timestamp("2025-01-24")] - 1
    assert row.loc["NVDA", f"return {window_label((0, 0))}"] == pytest.approx(want)


def test_unknown_event_in_preset_style_call_lists_close_ids(tmp_path: Path) -> None:
    from rerating.data.market import Market
    from rerating.errors import UnknownEventError
    from rerating.report import build_report

    with pytest.raises(UnknownEventError, match="deepseek-r1"):
        build_report(
            Market.from_sample(), events=["deepseek-r2"], symbols=["BABA"], out_dir=tmp_path
        )
    assert not (tmp_path / "report.html").exists()


def test_claims_section_from_a_small_article(tmp_path: Path) -> None:
    """Works on a fresh clone (no ../shared): NVDA fell 16.97% on 2025-01-27, so "17%" holds."""
    from rerating.data.market import Market
    from rerating.report import build_report

    article = tmp_path / "note.md"
    article.write_text(
        '---\ntitle: "DeepSeek <b>shock</b>"\ndate: "2025-02-13"\n---\n\n英伟达1月27日股价大跌17%。\n',
        encoding="utf-8",
    )
    res = build_report(
        Market.from_sample(), events=["deepseek-r1"], symbols=["NVDA"], out_dir=tmp_path / "o",
        article=article,
    )  # fmt: skip
    text = res.html_path.read_text(encoding="utf-8")
    claims = text[text.index('id="claims"') : text.index('id="provenance"')]
    assert "DeepSeek &lt;b&gt;shock&lt;/b&gt;" in claims  # the title, escaped
    assert "<td>NVDA</td>" in claims and "<td>supported</td>" in claims
    assert "-16.97" in claims  # computed in the claim's unit (percent), 118.42 / 142.62 - 1


def _rows(section: str, first_header: str) -> list[dict[str, str]]:
    """The rows of the table in ``section`` whose first header is ``first_header``, as header -> text."""
    import html as _html

    for table in re.findall(r"<table>.*?</table>", section, re.S):
        heads = [_html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
        if heads and heads[0] == first_header:
            rows = re.findall(r"<tr>(<td.*?)</tr>", table, re.S)
            cells = [
                [_html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
                for r in rows
            ]
            return [dict(zip(heads, c, strict=True)) for c in cells]
    raise AssertionError(f"no table starting with {first_header!r}")


def _claims_section(tmp_path: Path, date: str, text: str, symbol: str) -> str:
    """The claims section of a DeepSeek-R1 report on ``symbol`` with a one-sentence article."""
    from rerating.data.market import Market
    from rerating.report import build_report

    article = tmp_path / "article.md"
    article.write_text(f'---\ndate: "{date}"\n---\n\n{text}\n', encoding="utf-8")
    res = build_report(
        Market.from_sample(), events=["deepseek-r1"], symbols=[symbol], out_dir=tmp_path / "o",
        article=article,
    )  # fmt: skip
    html = res.html_path.read_text(encoding="utf-8")
    return html[html.index('id="claims"') : html.index('id="provenance"')]


def test_claims_rows_show_each_listings_own_verdict(tmp_path: Path) -> None:
    """Tencent rose 20.77% over the 20 sessions to 2025-02-13 on 0700.HK; TCEHY has no sample data."""
    section = _claims_section(tmp_path, "2025-02-13", "过去20个交易日，腾讯股价累计上涨20%。", "0700.HK")
    rows = {r["symbol"]: r for r in _rows(section, "claim")}
    assert set(rows) == {"0700.HK", "TCEHY"}
    assert (rows["0700.HK"]["verdict"], rows["TCEHY"]["verdict"]) == ("supported", "unverifiable")
    assert rows["0700.HK"]["claim verdict"] == rows["TCEHY"]["claim verdict"] == "supported"
    assert rows["TCEHY"]["note"].startswith("no bars for TCEHY") and rows["0700.HK"]["note"] == ""
    # against the Hang Seng Index over the same closes (2025-01-15 .. 2025-02-13 in HSI.csv)
    hsi, tencent = csv("^HSI")["close"], csv("0700.HK")["close"]
    end = pd.Timestamp("2025-02-13")
    start = tencent.index[tencent.index.get_loc(end) - 20]
    market = 100 * (hsi[end] / hsi[start] - 1)
    excess = 100 * (tencent[end] / tencent[start] - 1) - market
    assert rows["0700.HK"]["vs benchmark"] == f"{excess:+.2f} points vs ^HSI ({market:+.2f}%)"
    assert rows["TCEHY"]["vs benchmark"] == ""


def test_claims_figures_carry_their_units(tmp_path: Path) -> None:
    """Nvidia's value fell by 592.7 bn USD on 2025-01-27 (24.49 bn shares x -24.20 USD) and its
    price 16.97%: billions with the currency and percentages with %, not 5.9e+11 and bare numbers."""
    text = "Nvidia shares fell 17% on January 27, 2025, erasing about $590 billion of market value."
    rows = _rows(_claims_section(tmp_path, "2025-01-28", text, "NVDA"), "claim")
    by_metric = {r["metric"]: r for r in rows}
    money = by_metric["market_cap_change"]
    assert money["stated"] == "approx -590.0 bn USD"
    assert money["computed"] == "-592.7 bn USD" and money["accepted"].endswith("] bn USD")
    pct = next(r for m, r in by_metric.items() if m != "market_cap_change")
    assert pct["computed"] == "-16.97%" and pct["stated"].endswith("%")
    assert "e+" not in money["accepted"]


def test_key_moves_label_price_return_and_usd_change(report) -> None:
    """9988.HK 84.75 -> 87.25 HKD (2025-01-24..27) is +2.95% in price; in USD its value rose 2.98%."""
    res, _ = report
    text = res.html_path.read_text(encoding="utf-8")
    section = text[text.index("<h3>Key moves</h3>") :]
    rows = [
        r for r in _rows(section, "what") if r["symbol"] == "9988.HK" and r["what"] == "market cap"
    ]
    (row,) = rows
    closes = csv("9988.HK")["close"]
    start, end = closes[pd.Timestamp("2025-01-24")], closes[pd.Timestamp("2025-01-27")]
    assert (row["start close"], row["end close"]) == (f"{start:.2f}", f"{end:.2f}")
    assert row["price return"] == f"{100 * (end / start - 1):+.2f}%" == "+2.95%"
    hkd = csv("USDHKD")["close"]  # HKD per USD: 7.7883 -> 7.7860, so the HKD gained on the USD
    usd = (end / hkd[pd.Timestamp("2025-01-27")]) / (start / hkd[pd.Timestamp("2025-01-24")]) - 1
    assert row["change, USD %"] == f"{100 * usd:+.2f}%" == "+2.98%"
    assert "return" not in row  # no column whose label does not say which change it is


def test_caar_standard_errors_have_no_sign(report) -> None:
    res, _ = report
    text = res.html_path.read_text(encoding="utf-8")
    at = text.index("<th>std. error</th>")  # the CAAR table: the first with a standard error
    rows = _rows(text[text.rindex("<table>", 0, at) :], "group")
    se = [r["std. error"] for r in rows]
    assert se and all(s.endswith("%") and not s.startswith(("+", "-")) for s in se)
    assert any(r["CAAR"].startswith(("+", "-")) for r in rows)  # the CAAR keeps its sign
