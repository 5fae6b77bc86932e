"""Oracles for blind spots a mutation audit found in the claims and report changes of the
fresh-articles / report-honesty work (each test names the mutant it kills, as ``[Cnn]``/``[Rnn]``).

Expected figures come from the sample CSVs (src/rerating/data/sample) read here with ``csv``,
never through the code under test. Dates: 2025-01-24 Fri, 01-27 Mon, 01-28 Tue, 01-29 Wed;
2025-02-20 Thu, 02-21 Fri, 02-22 Sat, 02-24 Mon; 2025-03-07 Fri.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from rerating.claims import Extractor
from rerating.claims.verify import Verdict, verify_claims
from rerating.data.market import Market

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"


@cache
def _closes(symbol: str) -> dict[str, float]:
    with (SAMPLE / f"{symbol}.csv").open(newline="", encoding="utf-8") as fh:
        return {row["date"]: float(row["close"]) for row in csv.DictReader(fh)}


def pct(symbol: str, start: str, end: str) -> float:
    """Close-to-close return in per cent, by hand from the sample file."""
    c = _closes(symbol)
    return (c[end] / c[start] - 1.0) * 100.0


def claims(ex: Extractor, text: str, date: str) -> list[tuple[Any, ...]]:
    return [(c.symbols, c.value["amount"], c.window) for c in ex.extract(text, date)]


def check(ex: Extractor, market: Market, text: str, date: str) -> list[Verdict]:
    return verify_claims(ex.extract(text, date), market)


def listing(v: Verdict, symbol: str) -> Any:
    return next(k for k in v.checks if k.symbol == symbol)


DAY = lambda d: {"type": "day", "date": d}  # noqa: E731


# == claims: company results are not price moves =================================================
@pytest.mark.parametrize(
    "text",
    [
        "騰訊盈利按年升90%。",  # [C05] 按年 (Hong Kong's 同比) before the figure
        "阿里巴巴云业务按年增长13%。",  # [C05]
        "Nvidia posted a year-over-year jump of 78% on Friday.",  # [C06]
        "Xiaomi climbed 49% overall from a year earlier.",  # [C07] words between figure and "from"
        "Xiaomi rose 49% y/y.",  # [C08]
        "Xiaomi rose 49% YoY on Friday.",  # [C08]
        "阿里巴巴季度营收2801.5亿元，增长8%。",  # [C09] 营收 stated with its figure, then the growth
    ],
)
def test_results_growth_is_not_a_claim(ex: Extractor, text: str) -> None:
    assert ex.extract(text, "2025-02-22") == []


def test_adrs_named_keep_a_year_on_year_stock_move(ex: Extractor) -> None:
    """[C10] "ADRs" is a stock word: the clause is the stock's, not a result's."""
    assert claims(ex, "Alibaba ADRs are up 70% from a year ago.", "2025-02-22") == [
        (("BABA",), 70.0, {"type": "unspecified"})
    ]


def test_a_carried_subject_is_not_a_result_of_an_earlier_clause(ex: Extractor) -> None:
    """[C23] a carried subject ("the company") takes its move even after a revenue clause."""
    text = (
        "Alibaba reported results on Thursday. Quarterly revenue reached 280.2 billion yuan, "
        "and the company rose 8% on Friday."
    )
    assert [(a, w) for _, a, w in claims(ex, text, "2025-02-22")] == [(8.0, DAY("2025-02-21"))]


# == claims: "as of Friday's close", 截至周五收盘 ====================================================
def test_as_of_fridays_close_on_a_friday_is_that_day(ex: Extractor, market: Market) -> None:
    """[C12] "as of Friday's close" written on a Friday ends on that Friday (not a week before)."""
    (v,) = check(
        ex, market, "As of Friday's close, Nvidia had recovered 13.5% from its Jan. 27 low.",
        "2025-02-21",
    )  # fmt: skip
    assert v.claim.window == {"type": "range", "start": "2025-01-27", "end": "2025-02-21"}
    k = listing(v, "NVDA")
    assert k.computed == pytest.approx(pct("NVDA", "2025-01-27", "2025-02-21"), abs=1e-6)
    assert round(k.computed, 1) == 13.5 and v.status == "supported"


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("截至周五收盘，英伟达较1月27日低点累计反弹13.5%。", "2025-02-21"),  # [C13] [C32]
        ("截至上周五收盘，英伟达较1月27日低点累计反弹13.5%。", "2025-02-14"),  # [C13]
    ],
)
def test_zh_as_of_weekday_on_that_weekday(ex: Extractor, text: str, end: str) -> None:
    ((_, _, w),) = claims(ex, text, "2025-02-21")  # a Friday
    assert w == {"type": "range", "start": "2025-01-27", "end": end}


# == claims: off-session figures =================================================================
def test_after_the_close_in_the_same_clause_is_not_after_hours(
    ex: Extractor, market: Market
) -> None:
    """[C14] 收盘后 is not 盘后 even in the figure's own clause."""
    (v,) = check(ex, market, "周一收盘后数据显示英伟达下跌17%。", "2025-01-28")
    assert v.status == "supported"
    assert listing(v, "NVDA").computed == pytest.approx(pct("NVDA", "2025-01-24", "2025-01-27"))


def test_after_hours_is_unverifiable(ex: Extractor, market: Market) -> None:
    """[C15]"""
    (v,) = check(ex, market, "Nvidia fell 5% in after-hours trading on Monday.", "2025-01-28")
    assert v.status == "unverifiable"
    assert "daily bars hold the regular session only" in v.reason


def test_off_session_word_marks_only_its_own_clause(ex: Extractor, market: Market) -> None:
    """[C30] the regular-session figure of the first clause stays checkable."""
    close, pre = check(ex, market, "英伟达周一收跌16.97%，盘前一度跌超11%。", "2025-01-28")
    assert round(pct("NVDA", "2025-01-24", "2025-01-27"), 2) == -16.97
    assert (close.status, pre.status) == ("supported", "unverifiable")


# == claims: carried windows and lists ===========================================================
def test_second_sentence_of_one_bullet_keeps_the_bullets_date(ex: Extractor) -> None:
    """[C16] the caption's window resets the carry once per item, not per sentence."""
    got = claims(ex, "Key moves:\n- Nvidia fell 17% on Jan. 27. Broadcom lost 17.4%.\n", "2025-02-28")
    assert got == [(("NVDA",), -17.0, DAY("2025-01-27")), (("AVGO",), -17.4, DAY("2025-01-27"))]


def test_a_figureless_sentence_hands_on_its_last_window(ex: Extractor) -> None:
    """[C19]"""
    got = claims(ex, "After a calm Friday, markets sank on Monday. Nvidia fell 17%.", "2025-01-28")
    assert got == [(("NVDA",), -17.0, DAY("2025-01-27"))]


def test_numbered_items_with_a_parenthesis_take_the_caption(ex: Extractor) -> None:
    """[C36] "1)" items are list items: an undated item takes the caption's range."""
    text = (
        "Moves from the Jan. 24 close to the Feb. 28 close:\n"
        "1) Nvidia fell 17% on Jan. 27.\n2) Tencent rose 22.5%.\n"
    )
    got = claims(ex, text, "2025-02-28")
    assert got[-1][1:] == (22.5, {"type": "range", "start": "2025-01-24", "end": "2025-02-28"})


# == claims: symbols and currencies ==============================================================
def test_a_carried_subject_takes_the_market_of_its_own_sentence(
    ex: Extractor, market: Market
) -> None:
    """[C25] "New York investors ... the stock" is Alibaba's ADR, checked on BABA."""
    text = (
        "In Hong Kong trading on Friday, Alibaba jumped 14.6%. New York investors were cautious "
        "and the stock rose 8.1% on Thursday."
    )
    hk, adr = check(ex, market, text, "2025-02-22")
    assert hk.claim.symbols == ("9988.HK",) and adr.claim.symbols == ("BABA",)
    assert listing(adr, "BABA").computed == pytest.approx(pct("BABA", "2025-02-19", "2025-02-20"))
    assert adr.status == "supported"


def test_yuan_price_of_a_company_with_a_yuan_listing_stays_yuan(ex: Extractor) -> None:
    """[C26] simplified text, 中芯国际 has an A-share line: 60元 is CNY on 688981.SS."""
    (c,) = ex.extract("中芯国际周五收报60元。", "2025-02-22")
    assert (c.symbols, c.value["currency"]) == (("688981.SS",), "CNY")


@pytest.mark.parametrize(
    "text",
    [
        "騰訊周五成交額逾400億元。",  # [C27] traditional text: 元 is HK$
        "騰訊周五市值增加1700億元。",  # [C27] [C28] money too, not only prices
    ],
)
def test_traditional_text_yuan_money_is_hkd(ex: Extractor, text: str) -> None:
    (c,) = ex.extract(text, "2025-02-22")
    assert c.value["currency"] == "HKD"


def test_three_digit_hong_kong_code(ex: Extractor, market: Market) -> None:
    """[C50] "騰訊(700)" selects 0700.HK alone."""
    ret, close = check(ex, market, "騰訊(700)周五升6.2%，收報517元。", "2025-02-22")
    assert ret.claim.symbols == ("0700.HK",) and close.claim.symbols == ("0700.HK",)
    assert listing(ret, "0700.HK").computed == pytest.approx(
        pct("0700.HK", "2025-02-20", "2025-02-21")
    )
    assert _closes("0700.HK")["2025-02-21"] == 517.0 and close.status == "supported"


def test_word_name_then_a_zh_move_after_a_comma(ex: Extractor, market: Market) -> None:
    """[C55] "苹果逆势走强，飙升3.2%" names Apple."""
    (v,) = check(ex, market, "周一美股科技股普跌，苹果逆势走强，飙升3.2%。", "2025-01-28")
    assert (v.claim.symbols, v.claim.window) == (("AAPL",), DAY("2025-01-27"))
    assert listing(v, "AAPL").computed == pytest.approx(pct("AAPL", "2025-01-24", "2025-01-27"))
    assert v.status == "supported"


# == claims: signed figures =======================================================================
@pytest.mark.parametrize(
    "text",
    [
        "- Nvidia –17% on Jan. 27.",  # [C33] an en dash is a minus
        "- Nvidia - 17% on Jan. 27.",  # [C34] a sign, one space, the figure
        "Nvidia (-17%) led the decline on Jan. 27.",  # [C35] a sign after "("
    ],
)
def test_signed_figures(ex: Extractor, text: str) -> None:
    assert claims(ex, text, "2025-02-28") == [(("NVDA",), -17.0, DAY("2025-01-27"))]


# == claims: relative windows =====================================================================
def test_a_day_earlier_than_a_monday_is_the_friday(ex: Extractor) -> None:
    """[C37] the weekday before Monday 2025-02-24 is Friday 02-21 (not Saturday)."""
    text = "- Alibaba's Hong Kong shares fell 1% on Feb. 24; its ADR rose 8.1% a day earlier."
    assert claims(ex, text, "2025-02-28")[-1] == (("BABA",), 8.1, DAY("2025-02-21"))


def test_compared_with_the_previous_session_is_no_date(ex: Extractor) -> None:
    """[C38] "compared with the previous session" is the move's reference, 14 characters back."""
    text = "The Hang Seng Tech index closed at 5600 on Friday, down 2% compared with the previous session."
    assert claims(ex, text, "2025-03-08")[-1] == (("HSTECH",), -2.0, DAY("2025-03-07"))


def test_from_the_day_without_a_point_word_is_no_range(ex: Extractor) -> None:
    """[C41] "from the Jan. 27 selloff" dates the move; only since / low, close ... make a range."""
    assert claims(ex, "Nvidia, hit hardest from the Jan. 27 selloff, fell 17%.", "2025-01-28") == [
        (("NVDA",), -17.0, DAY("2025-01-27"))
    ]


def test_last_week_is_never_this_week(ex: Extractor) -> None:
    """[C42] 上一周 is not the week of the article (2025-02-17..22)."""
    ((_, _, w),) = claims(ex, "恒生指数上一周累计上涨3%。", "2025-02-22")
    assert w.get("start") != "2025-02-17"


def test_the_week_after_a_date_is_not_the_articles_week(ex: Extractor) -> None:
    """[C43] "over the week after the Jan. 27 selloff" is not 2025-02-03..05."""
    ((_, _, w),) = claims(ex, "Nvidia rose 5% over the week after the Jan. 27 selloff.", "2025-02-05")
    assert w.get("start") != "2025-02-03"


# == claims: Beijing window ends ==================================================================
def test_zh_this_week_for_a_new_york_listing_ends_the_day_before(
    ex: Extractor, market: Market
) -> None:
    """[C46] 本周 written in Beijing on Wed 2025-01-29 knows New York closes to Tue 01-28."""
    (v,) = check(ex, market, "英伟达本周累计下跌9.6%。", "2025-01-29")
    k = listing(v, "NVDA")
    assert (k.start_date, k.end_date) == ("2025-01-24", "2025-01-28")
    assert k.computed == pytest.approx(pct("NVDA", "2025-01-24", "2025-01-28"))
    assert v.status == "supported" and "Beijing" in k.note


def test_zh_since_yesterday_is_not_shortened_to_an_empty_window(ex: Extractor, market: Market) -> None:
    """[C47] 自1月27日以来 in Beijing on 01-28: read a day earlier the window would be 01-27..01-27,
    an empty move contradicting any figure; it keeps its end, NVDA 118.42 -> 128.99 (+8.93%)."""
    (v,) = check(ex, market, "英伟达自1月27日以来上涨8.9%。", "2025-01-28")
    k = listing(v, "NVDA")
    assert (k.start_date, k.end_date) == ("2025-01-27", "2025-01-28")
    assert k.computed == pytest.approx(100 * (128.99 / 118.42 - 1))
    assert v.status == "supported"


# == report: tables and HTML cells =================================================================
def _tests_long(p: float = 0.2, overlapping: tuple[bool, bool] = (True, False)) -> pd.DataFrame:
    rows = []
    for group, ov in zip(("g", "h"), overlapping, strict=True):
        for test, valid in (("adj_bmp", True), ("brown_warner_cda", group == "g")):
            rows.append(
                {"event_id": "e", "group": group, "window": "[0:0]", "test": test,
                 "statistic": 1.5, "pvalue": p, "n": 3, "valid_under_clustering": valid,
                 "overlapping": ov}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_p3_rounds_up_to_0001_not_below() -> None:
    """[R02] p = 0.0007 prints as 0.001 at three decimals; only what rounds to 0.000 is <0.001."""
    from rerating.report.tables import tests_wide

    wide = tests_wide(_tests_long(p=0.0007))
    assert wide.loc[0, "adj_bmp"] == "1.50 (0.001)"
    wide = tests_wide(_tests_long(p=0.0004))
    assert wide.loc[0, "adj_bmp"] == "1.50 (<0.001)"


def test_a_p_followed_by_a_bracket_is_a_p_column() -> None:
    """[R05] the documented "a p or q followed by a space or a bracket"."""
    from rerating.report.html import is_pvalue_column

    assert is_pvalue_column("p[0:4]") and is_pvalue_column("q[0:4]")


def test_nav_names_the_summary_returns() -> None:
    """[R09]"""
    import re

    from rerating.report.html import ReportContent, Table, render_html

    frame = pd.DataFrame({"symbol": ["BABA"], "ret": [0.1]})
    content = ReportContent(
        title="T", question="Q?", summary=Table(frame), key_moves=None, caar=Table(frame),
        tests=Table(frame), dropped=Table(pd.DataFrame(columns=["symbol", "reason"])),
        coverage=Table(frame), timeline=Table(frame), parameters=[("Estimation window", "[-100, -11]")],
        charts=[], overview=Table(frame),
    )  # fmt: skip
    links = dict(re.findall(r'<a href="(#[a-z]+)">([^<]*)</a>', render_html(content)))
    assert links["#summary"] == "Returns"


def test_validity_text_names_only_tests_invalid_where_windows_overlap() -> None:
    """[R20] a CDA flagged in a row whose windows do not overlap is not marked by tests_wide, so
    the warning does not name it either."""
    from rerating.report.build import clustering_warning
    from rerating.report.tables import INVALID_MARK, tests_wide

    long = _tests_long(overlapping=(True, False))
    long.loc[long["group"] == "g", "valid_under_clustering"] = True  # g: all valid, overlapping
    wide = tests_wide(long, mark_invalid=True)
    assert not wide.map(lambda v: isinstance(v, str) and v.endswith(INVALID_MARK)).any().any()
    text = clustering_warning([("e", "g: 1.20")], long)
    assert "Brown-Warner CDA" not in text.split("Rely on")[0]


def test_glance_counts_a_median_short_by_one_listing() -> None:
    """[R23] a median over 2 of a group's 3 listings is written with its count."""
    from rerating.report.build import _add_caar, _glance
    from rerating.report.tables import group_summary

    summary = pd.DataFrame(
        {"symbol": ["A", "B", "C"], "group": ["g"] * 3, "ret": [0.04, 0.06, float("nan")]}
    )
    counts = group_summary(summary, ["ret"])
    shown, notes = _glance(counts, _add_caar(counts, pd.DataFrame()), pd.DataFrame())
    assert shown.loc[0, "ret"] == "+5.00% (2 of 3)"  # median of 4% and 6%
    assert notes and "2 of 3" in notes[0]


def test_overview_caption_names_a_group_without_caar() -> None:
    """[R26]"""
    from rerating.report.build import _overview_caption

    caar = pd.DataFrame(
        {"group": ["g"], "window": ["[0:0]"], "n": [3], "caar": [0.01], "pvalue": [0.5],
         "se_method": ["cross_sectional"]}
    )  # fmt: skip
    text = _overview_caption("e", caar, pd.DataFrame({"group": ["g", "h"]}))
    assert "No CAAR for h" in text and "No CAAR for g" not in text


def test_member_styles_dark_and_light_of_one_hue_differ_in_style() -> None:
    """[R35] tab20 pairs a dark shade (even index) with its light one (the next): within the
    first 18 listings the two never share a line style."""
    from rerating.report.charts import _TAB20, member_styles

    styles = dict(member_styles(18))
    assert len(styles) == 18
    for dark, light in zip(_TAB20[0::2], _TAB20[1::2], strict=True):
        if dark in styles and light in styles:
            assert styles[dark] != styles[light], (dark, light)


def test_dated_window_rows_carry_their_listings_currency(market: Market) -> None:
    """[R34] a preset's dated window of its own listings: each row's closes in its currency."""
    from dataclasses import replace

    from rerating.events import load_catalog
    from rerating.report.build import _summary_frame
    from rerating.report.presets import DatedWindow, custom_preset

    p = custom_preset(["qwen2-5-max"], ["9988.HK", "BABA"], market.securities)
    p = replace(p, dated_windows=(
        DatedWindow("2025-01-28", pd.Timestamp("2025-01-28"), 1, symbols=("BABA", "9988.HK")),
    ))  # fmt: skip
    primary = load_catalog().get("qwen2-5-max")
    _, moves, _ = _summary_frame(market, p, primary, pd.DataFrame(columns=["symbol", "window", "car"]))
    got = moves.set_index("symbol")
    assert got.loc["BABA", "currency"] == "USD" and got.loc["9988.HK", "currency"] == "HKD"
    assert got.loc["BABA", "price return"] == pytest.approx(
        pct("BABA", "2025-01-27", "2025-01-28") / 100
    )


def _qwen_preset(market: Market) -> Any:
    from rerating.report.presets import custom_preset

    return custom_preset(["qwen2-5-max"], ["9988.HK", "BABA"], market.securities)


@pytest.mark.parametrize(
    ("dropped", "reason"),
    [
        (None, "not in the event study's results"),
        (pd.DataFrame({"symbol": [""], "reason": ["all 2 events were dropped: ..."]}),
         "every listing was dropped from the event study"),
    ],
)  # fmt: skip
def test_blank_car_says_which_way_it_went_missing(
    market: Market, dropped: pd.DataFrame | None, reason: str
) -> None:
    """[R32] the whole event dropped vs a listing simply absent from the results."""
    from rerating.events import load_catalog
    from rerating.report.build import _summary_frame

    rows, _, _ = _summary_frame(
        market, _qwen_preset(market), load_catalog().get("qwen2-5-max"),
        pd.DataFrame(columns=["symbol", "window", "car", "pvalue"]), dropped,
    )  # fmt: skip
    notes = rows.set_index("symbol")["note"]
    assert all(reason in notes[s] for s in ("9988.HK", "BABA")), notes.to_dict()


def test_no_events_left_ledger_rows_keep_the_event_date(market: Market) -> None:
    """[R30] qwen3 is dated 2025-04-29 in the catalog; each listing's own ledger row says so."""
    from rerating.events import load_catalog
    from rerating.report.build import _returns_inputs, run_study
    from rerating.report.presets import custom_preset

    p = custom_preset(["qwen3"], ["NVDA", "AVGO", "VST"], market.securities)
    returns, bench, _ = _returns_inputs(market, p)
    led = run_study("qwen3", p, load_catalog(), market.securities, returns, bench).dropped
    own = led[led["symbol"] != ""]
    assert sorted(own["symbol"]) == ["AVGO", "NVDA", "VST"]
    assert (own["date"] == pd.Timestamp("2025-04-29")).all()


def test_to_frame_is_a_copy() -> None:
    """[R40]"""
    from rerating.report.build import ReportResult

    frame = pd.DataFrame({"symbol": ["NVDA"], "ret": [0.1]})
    res = ReportResult(Path("x.html"), (), frame, ())
    shown = res.to_frame()
    shown.loc[0, "ret"] = 9.0
    assert res.summary_frame.loc[0, "ret"] == 0.1


def test_tests_table_header_says_listings(market: Market, tmp_path: Path) -> None:
    """[R42] the tests table's count column reads "listings" (3 here), not "n"."""
    import re

    from rerating.report import build_report

    res = build_report(market, events=["deepseek-r1"], symbols=["NVDA", "MSFT", "AVGO"],
                       out_dir=tmp_path)  # fmt: skip
    page = res.html_path.read_text(encoding="utf-8")
    part = page[page.index('<section id="tests">') :]
    part = part[: part.index("</section>")]
    heads = re.findall(r"<th>(.*?)</th>", part)
    assert heads[:3] == ["group", "window", "listings"] and "n" not in heads
    first = re.findall(r"<td[^>]*>(.*?)</td>", part)[:3]
    assert first[2] == "3"


def test_price_chart_lines_past_18_listings_differ_in_style() -> None:
    """[R46] 20 listings in a panel: the 19th and 20th reuse the first colours, so their lines
    must differ in dash pattern (member_styles: distinct up to 54)."""
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np
    from matplotlib.colors import to_rgb

    from rerating.report import charts as ch

    idx = pd.bdate_range("2025-01-02", "2025-01-31")
    cols = [f"S{i}" for i in range(20)]
    data = 100 + np.arange(len(idx))[:, None] * np.linspace(-1, 1, len(cols))[None, :]
    fig = ch.price_paths_figure(pd.DataFrame(data, index=idx, columns=cols), dict.fromkeys(cols, "g"))
    (ax,) = fig.get_axes()
    lines = [ln for ln in ax.get_lines() if ln.get_label() in cols]
    styles = {(tuple(round(v, 3) for v in to_rgb(ln.get_color())), str(ln.get_linestyle()))
              for ln in lines}  # fmt: skip
    assert len(lines) == 20 and len(styles) == 20


@pytest.mark.parametrize("text", ["03/02/2025", "13/02/2025", "3.2.2025"])
def test_day_month_first_article_dates_are_refused(text: str) -> None:
    """[C56] 03/02/2025 is 3 Feb or 2 Mar: refused, never read month-first."""
    from rerating.claims import parse_date
    from rerating.errors import ArticleDateError

    with pytest.raises(ArticleDateError, match="ambiguous"):
        parse_date(text)
