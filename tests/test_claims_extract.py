"""Extraction of market claims: each construct against a hand-worked expectation.

Expected dates come from the calendar worked by hand (2025-02-03 is a Monday, so 上周五 is
2025-01-31); Lunar New Year 2025 is 29 January; after it Hong Kong reopened on 3 February and
Shanghai on 5 February (HKEX and SSE holiday notices).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rerating.claims import Claim, Extractor, extract_claims, read_article
from rerating.claims.text import normalise, sentences
from rerating.errors import ArticleDateError, ArticleError

FIX = Path(__file__).parent / "fixtures" / "claims"


def one(ex: Extractor, text: str, date: str | None = "2025-02-13") -> Claim:
    claims = ex.extract(text, date)
    assert len(claims) == 1, [c.to_dict() for c in claims]
    return claims[0]


def test_single_move_chinese(ex: Extractor) -> None:
    c = one(ex, "1月27日，英伟达股价暴跌近17%。", "2025-01-28")
    assert c.symbols == ("NVDA",)
    assert c.metric == "price_return"
    assert c.window == {"type": "day", "date": "2025-01-27"}
    assert c.value["amount"] == -17.0 and c.value["unit"] == "pct"
    assert c.comparator == "approx"


@pytest.mark.parametrize("verb", ["erasing", "erased", "wiping out", "wiped out"])
def test_money_erased_is_a_market_cap_change(ex: Extractor, verb: str) -> None:
    # "erasing about $590 billion of market value" is a fall of 590 bn, not a value of 590 bn
    text = f"Nvidia shares fell 17% on January 27, 2025, {verb} about $590 billion of market value."
    money = [c for c in ex.extract(text, "2025-01-28") if c.value["unit"] == "money"]
    assert [(c.metric, c.value["amount"]) for c in money] == [("market_cap_change", -590e9)]


def test_signed_comparators(ex: Extractor) -> None:
    assert one(ex, "英伟达周一跌超12%。", "2025-01-28").comparator == "lt"
    assert one(ex, "英伟达周一跌超12%。", "2025-01-28").value["amount"] == -12.0
    assert one(ex, "阿里巴巴周一涨超12%。", "2025-01-28").comparator == "gt"
    c = one(ex, "Nvidia fell less than 3% on Monday.", "2025-01-28")
    assert (c.comparator, c.value["amount"]) == ("gt", -3.0)  # a fall of less than 3%: above -3


def test_alias_resolution_and_listing_qualifier(ex: Extractor) -> None:
    assert one(ex, "阿里今日上涨5%。").symbols == ("9988.HK", "BABA")
    assert one(ex, "阿里巴巴美股今日上涨5%。").symbols == ("BABA",)
    assert one(ex, "Alibaba's Hong Kong shares rose 5% today.").symbols == ("9988.HK",)
    assert one(ex, "恒生科技指数今日上涨5%。").symbols == ("HSTECH",)
    assert one(ex, "恒生科技指数今日上涨5%。").metric == "index_return"


def test_traditional_chinese_and_trillion(ex: Extractor) -> None:
    c = one(ex, "輝達市值一度高達3.5兆美元。", "2025-01-28")
    assert c.entity == "輝達" and c.symbols == ("NVDA",)
    assert c.metric == "market_cap_level"
    assert c.value == {**c.value, "amount": 3.5e12, "unit": "money", "currency": "USD"}
    assert c.window == {"type": "intraday", "date": "2025-01-28"}


def test_amounts_in_yi_and_wanyi_and_english(ex: Extractor) -> None:
    assert one(ex, "阿里巴巴美股1月28日市值增长143.62亿美元。").value["amount"] == pytest.approx(14_362_000_000)
    assert one(ex, "小米集团市值今日站上1.2万亿港元。").value["amount"] == pytest.approx(1.2e12)
    c = one(ex, "Nvidia lost $600 billion in market value on Monday.", "2025-01-28")
    assert (c.metric, c.value["amount"], c.value["currency"]) == ("market_cap_change", -6e11, "USD")
    assert one(ex, "英伟达市值周一蒸发近六千亿美元。", "2025-01-28").value["amount"] == pytest.approx(-6e11)


def test_chinese_numerals(ex: Extractor) -> None:
    assert one(ex, "阿里巴巴股价今年以来累计涨幅达五成。").value["amount"] == 50.0
    assert one(ex, "腾讯股价今日上涨百分之十二。").value["amount"] == 12.0


def test_list_paired_by_fenbie_and_respectively(ex: Extractor) -> None:
    cs = ex.extract("网易和哔哩哔哩本月分别上涨12%和21%。", "2025-02-27")
    assert [(c.symbols[0], c.value["amount"]) for c in cs] == [("9999.HK", 12.0), ("9626.HK", 21.0)]
    assert all(c.window == {"type": "month", "month": "2025-02", "end": "2025-02-27"} for c in cs)
    cs = ex.extract("Tencent, Xiaomi and Meituan rose 4%, 5% and 3%, respectively.", "2025-02-17")
    assert [(c.symbols[0], c.value["amount"]) for c in cs] == [("0700.HK", 4.0), ("1810.HK", 5.0), ("3690.HK", 3.0)]


def test_one_range_shared_by_a_list(ex: Extractor) -> None:
    cs = ex.extract("微软、谷歌、Meta和亚马逊股价跌幅在4%至6%。", "2025-02-13")
    assert [c.symbols[0] for c in cs] == ["MSFT", "GOOGL", "META", "AMZN"]
    assert all((c.value["low"], c.value["high"], c.comparator) == (-6.0, -4.0, "approx") for c in cs)


def test_subject_and_date_carried_from_previous_sentence(ex: Extractor) -> None:
    cs = ex.extract("英伟达周一遭遇重挫。该股收跌16.97%，市值蒸发5890亿美元。", "2025-01-28")
    assert [c.symbols for c in cs] == [("NVDA",), ("NVDA",)]
    assert all(c.window == {"type": "day", "date": "2025-01-27"} for c in cs)
    assert "carried" in cs[0].notes[0]
    c = one(ex, "Alibaba reported results on Thursday. Its shares jumped 8% that day.", "2025-02-21")
    assert c.window == {"type": "day", "date": "2025-02-20"}


def test_relative_dates(ex: Extractor) -> None:
    assert one(ex, "英伟达上周五下跌3%。", "2025-02-03").window["date"] == "2025-01-31"
    assert one(ex, "Nvidia fell 3% last Friday.", "2025-02-03").window["date"] == "2025-01-31"
    assert one(ex, "Nvidia fell 3% yesterday.", "2025-01-28").window["date"] == "2025-01-27"
    # 2025-01-30 is a Thursday: "last Monday" is 2025-01-27, 上周一 the Monday of the week before
    assert one(ex, "Nvidia fell 17% last Monday.", "2025-01-30").window["date"] == "2025-01-27"
    assert one(ex, "英伟达上周一下跌3%。", "2025-01-30").window["date"] == "2025-01-20"
    assert one(ex, "今年大年初一，阿里美股大涨6.7%。", "2025-02-13").window == {"type": "day", "date": "2025-01-29"}
    assert one(ex, "恒生科技指数今年以来上涨30%。", "2025-02-21").window == {
        "type": "ytd", "year": 2025, "end": "2025-02-21"}


def test_first_session_after_lunar_new_year_differs_by_market(ex: Extractor) -> None:
    hk = one(ex, "春节后首个交易日，腾讯控股上涨3%。", "2025-02-06")
    sh = one(ex, "春节后首个交易日，寒武纪上涨12%。", "2025-02-06")
    assert hk.window == {"type": "day", "date": "2025-02-03"}
    assert sh.window == {"type": "day", "date": "2025-02-05"}


def test_window_anchored_on_catalog_event(ex: Extractor) -> None:
    c = one(ex, "R1发布一周后，英伟达股价大跌超过12%。")
    assert c.window == {"type": "since_event", "event": "deepseek-r1", "span": "1w"}
    c = one(ex, "Since the release of DeepSeek-R1, the Hang Seng Tech index has climbed about 20%.", "2025-02-12")
    assert c.window == {"type": "since_event", "event": "deepseek-r1", "end": "2025-02-12"}


def test_sessions_window_and_as_of(ex: Extractor) -> None:
    assert one(ex, "阿里市值20日内已经上涨40%。").window == {"type": "sessions", "n": 20, "end": "2025-02-13"}
    c = one(ex, "截至2月14日收盘，阿里巴巴港股近20个交易日累计上涨42%。", "2025-02-15")
    assert c.window == {"type": "sessions", "n": 20, "end": "2025-02-14"}


def test_levels_volume_and_multiples(ex: Extractor) -> None:
    c = one(ex, "Nvidia closed at $118.42 on Monday.", "2025-01-28")
    assert (c.metric, c.value["amount"], c.value["unit"]) == ("close_price", 118.42, "price")
    c = one(ex, "恒生指数今日收于22620点。", "2025-02-14")
    assert (c.metric, c.value["amount"]) == ("index_level", 22620.0)
    c = one(ex, "Nvidia traded 818.8 million shares on Monday.", "2025-01-28")
    assert (c.metric, c.value["unit"]) == ("volume", "shares")
    c = one(ex, "英伟达的市盈率已降至约30倍。")
    assert (c.metric, c.value["amount"], c.comparator) == ("valuation_multiple", 30.0, "approx")


@pytest.mark.parametrize(
    "text",
    [
        "DeepSeek-V3共有6710亿参数，训练成本约为557.6万美元。",
        "R1的API定价为每百万输出tokens 16元。",
        "R1在AIME 2024测试中取得79.8%的成绩。",
        "DeepSeek应用上线18天下载量突破1600万次。",
        "阿里巴巴宣布未来三年将投入超过3800亿元建设云和AI基础设施。",
        "摩根士丹利将阿里巴巴美股目标价上调至180美元。",
        "Meta plans to spend $60 billion to $65 billion on capital expenditures this year.",
        "Nvidia's data-center revenue rose 93% to $35.6 billion in the quarter.",
        "S1模型只用了不到50美元的云计算费用，基于Qwen2.5 32B参数模型。",
        "Analysts expect the Hang Seng Tech index could rise another 15% this year.",
    ],
)
def test_hard_negatives_give_no_claim(ex: Extractor, text: str) -> None:
    assert ex.extract(text, "2025-02-13") == []


def test_missing_date_asks_for_it(ex: Extractor) -> None:
    with pytest.raises(ArticleDateError, match="--date"):
        ex.extract("英伟达股价近20个交易日累计下跌12%。")
    # an absolute date needs no article date
    assert ex.extract("英伟达2025年1月27日下跌17%。")[0].window == {"type": "day", "date": "2025-01-27"}


def test_implausible_figures_are_flagged(ex: Extractor) -> None:
    c = one(ex, "英伟达周一下跌150%。", "2025-01-28")
    assert any("implausible" in n for n in c.notes)


def test_to_dict_schema_and_spans(ex: Extractor) -> None:
    text = "引言。1月27日，英伟达股价下跌17%，博通下跌17.4%。"
    cs = ex.extract(text, "2025-01-28")
    for c in cs:
        d = c.to_dict()
        assert set(d) == {"sentence", "span", "entity", "symbols", "metric", "window", "value", "comparator", "notes"}
        assert text[d["span"][0]:d["span"][1]] == d["sentence"]
        assert {"amount", "unit", "currency"} <= set(d["value"])


def test_default_extractor_matches_explicit(ex: Extractor) -> None:
    text = "Nvidia shares fell 17% on Monday."
    assert [c.to_dict() for c in extract_claims(text, "2025-01-28")] == [c.to_dict() for c in ex.extract(text, "2025-01-28")]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("英伟达阿里腾讯涨跌市值亿美元%。，, 0123456789.輝達兆週Nvidia fell rose")), max_size=60))
def test_random_text_never_crashes_and_spans_hold(text: str) -> None:
    assert len(normalise(text)) == len(text)
    for s, e in sentences(text):
        assert 0 <= s < e <= len(text)
    for c in extract_claims(text, "2025-02-13"):
        assert text[c.span[0]:c.span[1]] == c.sentence


# --- reading articles ---------------------------------------------------------------------------


def test_read_markdown_front_matter() -> None:
    art = read_article(FIX / "china_tech_rerating.md")
    assert str(art.date) == "2025-02-13 18:00:00"
    assert art.title.startswith("测试稿") and art.language == "zh"
    assert "---" not in art.text and "阿里巴巴港股" in art.text


def test_read_html_meta_date_and_strip_scripts() -> None:
    art = read_article(FIX / "english_note.html")
    assert str(art.date) == "2025-01-28 08:00:00"
    assert art.language == "en" and "99%" not in art.text and "color" not in art.text
    assert any("script" in w for w in art.warnings)
    claims = extract_claims(art.text, art.date)
    assert [(c.metric, c.value["amount"]) for c in claims] == [("price_return", -17.0), ("market_cap_change", -593e9)]


@pytest.mark.parametrize("name, match", [("empty.txt", "empty"), ("binary.bin", "binary"),
                                         ("russian.txt", "Cyrillic"), ("missing.md", "does not exist")])
def test_bad_articles_raise_clear_errors(name: str, match: str) -> None:
    with pytest.raises(ArticleError, match=match):
        read_article(FIX / name)


def test_mixed_scripts_warn_but_read() -> None:
    art = read_article("英伟达周一大跌17%，市场一片哗然，投资者开始重新评估人工智能的投入。一位交易员说：Да.\n",
                       date="2025-01-28")
    assert art.language == "zh" and any("mixed scripts" in w for w in art.warnings)


def test_text_without_date_and_override() -> None:
    art = read_article(FIX / "no_date.txt")
    assert art.date is None
    assert str(read_article(FIX / "no_date.txt", date="2025-02-13").date) == "2025-02-13 00:00:00"
    with pytest.raises(ArticleDateError, match="YYYY-MM-DD"):
        read_article(FIX / "no_date.txt", date="soon")


def test_impossible_date_gives_no_window(ex: Extractor) -> None:
    c = one(ex, "英伟达2月30日下跌3%。", "2025-03-05")
    assert c.window == {"type": "unspecified"}


def test_directory_is_not_an_article(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="directory"):
        read_article(tmp_path)
