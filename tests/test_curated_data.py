"""Content tests of the two curated data files: the security master and the AI event catalog.

These read the files directly (pandas, tomllib), not through the loaders, so a loader bug cannot
hide a data error. The expected values below are independent oracles: depositary ratios from the
depositary agreements as restated in the issuers' filings, exchange sessions from
exchange_calendars, script conversion from OpenCC, dates from the events' own sources.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import exchange_calendars as xcals
import pandas as pd
import pytest

DATA = Path(str(resources.files("rerating") / "data"))
SECURITIES_CSV = DATA / "securities.csv"
CATALOG_TOML = Path(str(resources.files("rerating") / "events" / "catalog.toml"))
SAMPLE = DATA / "sample"

COLUMNS = [
    "symbol", "name", "name_zh_hans", "name_zh_hant", "aliases", "kind", "exchange", "calendar",
    "currency", "company", "shares_per_unit", "sector", "benchmark", "yahoo", "akshare",
]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def sec() -> pd.DataFrame:
    # keep_default_na=False: an empty cell is "", never NaN, so blank checks are explicit
    return pd.read_csv(SECURITIES_CSV, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def by_symbol(sec: pd.DataFrame) -> dict[str, dict[str, str]]:
    return {r["symbol"]: r for r in sec.to_dict("records")}


@pytest.fixture(scope="module")
def catalog() -> dict:
    with CATALOG_TOML.open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def events(catalog: dict) -> list[dict]:
    return catalog["event"]


def _aliases(row: dict[str, str]) -> list[str]:
    return [a for a in row["aliases"].split("|")] if row["aliases"] else []


def _names(row: dict[str, str]) -> set[str]:
    """Every string a reader could use for this listing: symbol, names and aliases."""
    return {row["symbol"], row["name"], row["name_zh_hans"], row["name_zh_hant"], *_aliases(row)}


# --- security master ------------------------------------------------------------------------------


def test_columns_exact_and_in_order(sec: pd.DataFrame) -> None:
    assert list(sec.columns) == COLUMNS


def test_row_count_covers_the_universe(sec: pd.DataFrame) -> None:
    assert len(sec) >= 90


def test_symbols_unique_even_ignoring_case(sec: pd.DataFrame) -> None:
    assert not sec["symbol"].duplicated().any()
    assert not sec["symbol"].str.upper().duplicated().any()
    assert (sec["symbol"] == sec["symbol"].str.strip()).all()


def test_no_blank_required_cells(sec: pd.DataFrame) -> None:
    for col in ("symbol", "name", "kind", "calendar", "currency", "company", "shares_per_unit", "sector"):
        blank = sec.loc[sec[col].str.strip() == "", "symbol"].tolist()
        assert not blank, f"{col} blank for {blank}"
    # only FX rows may lack an exchange (a currency pair trades on no exchange)
    no_exchange = sec.loc[sec["exchange"] == "", "kind"]
    assert set(no_exchange) <= {"fx"}


def test_kind_currency_and_calendar_vocabulary(sec: pd.DataFrame) -> None:
    assert set(sec["kind"]) <= {"stock", "adr", "etf", "index", "fx"}
    assert set(sec["currency"]) <= {"USD", "HKD", "CNY"}
    assert set(sec["calendar"]) <= {"XNYS", "XHKG", "XSHG"}
    names = set(xcals.get_calendar_names(include_aliases=False))
    assert set(sec["calendar"]) <= names


def test_exchange_matches_calendar_and_currency(sec: pd.DataFrame) -> None:
    allowed = {
        "XNYS": ({"XNYS", "XNAS", "ARCX", "OTCM", ""}, {"USD", "HKD", "CNY"}),
        "XHKG": ({"XHKG"}, {"HKD"}),
        "XSHG": ({"XSHG", "XSHE"}, {"CNY"}),
    }
    for row in sec.to_dict("records"):
        exchanges, currencies = allowed[row["calendar"]]
        assert row["exchange"] in exchanges, row["symbol"]
        if row["kind"] != "fx":  # FX rows carry the quote currency, on the XNYS date axis
            assert row["currency"] in currencies, row["symbol"]
        if row["kind"] in {"stock", "adr", "etf"} and row["calendar"] == "XNYS":
            assert row["currency"] == "USD", row["symbol"]


def test_hong_kong_symbols_have_four_digits_and_consistent_codes(sec: pd.DataFrame) -> None:
    hk = sec[sec["symbol"].str.upper().str.endswith(".HK")]
    assert len(hk) >= 25
    for row in hk.to_dict("records"):
        assert re.fullmatch(r"\d{4}\.HK", row["symbol"]), row["symbol"]
        assert (row["exchange"], row["calendar"], row["currency"]) == ("XHKG", "XHKG", "HKD")
        assert row["yahoo"] == row["symbol"]
        # akshare's Hong Kong endpoints take the code zero-padded to five digits
        assert row["akshare"] == row["symbol"][:4].zfill(5)


def test_a_share_symbols_and_codes(sec: pd.DataFrame) -> None:
    for suffix, mic in ((".SS", "XSHG"), (".SZ", "XSHE")):
        rows = sec[sec["symbol"].str.endswith(suffix)]
        assert len(rows) >= 5
        for row in rows.to_dict("records"):
            assert re.fullmatch(r"\d{6}" + re.escape(suffix), row["symbol"]), row["symbol"]
            assert (row["exchange"], row["calendar"], row["currency"]) == (mic, "XSHG", "CNY")
            assert row["yahoo"] == row["symbol"]
            assert row["akshare"] == row["symbol"][:6]
    # the code's first digits place the listing: 6xxxxx/688xxx Shanghai, 000/002/300 Shenzhen
    for row in sec[sec["kind"] == "stock"].to_dict("records"):
        if row["symbol"].endswith(".SS"):
            assert row["symbol"].startswith("6"), row["symbol"]
        if row["symbol"].endswith(".SZ"):
            assert row["symbol"][:3] in {"000", "001", "002", "003", "300", "301"}, row["symbol"]


def test_us_listings_have_yahoo_ticker_and_no_akshare(sec: pd.DataFrame) -> None:
    us = sec[(sec["calendar"] == "XNYS") & sec["kind"].isin(["stock", "adr", "etf"])]
    assert (us["yahoo"] == us["symbol"]).all()
    assert (us["akshare"] == "").all()


def test_index_and_fx_provider_tickers(by_symbol: dict) -> None:
    for caret in ("^GSPC", "^NDX", "^IXIC", "^DJI", "^SOX", "^HSI", "^HSCE"):
        assert by_symbol[caret]["yahoo"] == caret
    assert by_symbol["HSTECH"]["yahoo"] == ""  # no Yahoo history exists for Hang Seng TECH
    assert by_symbol["HSTECH"]["akshare"] == "HSTECH"
    assert by_symbol["^HSI"]["akshare"] == "HSI"
    assert by_symbol["USDHKD"]["yahoo"] == "HKD=X"
    assert by_symbol["USDCNY"]["yahoo"] == "CNY=X"
    for fx, quote in (("USDHKD", "HKD"), ("USDCNY", "CNY")):
        assert by_symbol[fx]["kind"] == "fx"
        assert by_symbol[fx]["currency"] == quote


def test_benchmarks_exist_and_follow_the_convention(sec: pd.DataFrame, by_symbol: dict) -> None:
    for row in sec.to_dict("records"):
        bench = row["benchmark"]
        if row["kind"] in {"index", "etf", "fx"}:
            assert bench == "", row["symbol"]
            continue
        assert bench in by_symbol, f"{row['symbol']}: benchmark {bench!r} is not a symbol"
        assert by_symbol[bench]["kind"] == "index"
        assert by_symbol[bench]["calendar"] == row["calendar"], row["symbol"]
        expected = {"XNYS": "^GSPC", "XHKG": "^HSI", "XSHG": "000300.SS"}[row["calendar"]]
        assert bench == expected, row["symbol"]


def test_required_universe_present(by_symbol: dict) -> None:
    required = """
        NVDA MSFT GOOGL GOOG META AMZN AAPL TSLA AVGO TSM ORCL AMD MU ARM ASML MRVL INTC QCOM SMCI
        CEG VST PLTR DELL BABA 9988.HK TCEHY 0700.HK BIDU 9888.HK JD 9618.HK NTES 9999.HK PDD
        3690.HK 1810.HK 1024.HK 0981.HK 1347.HK 0020.HK 9660.HK 3888.HK 3896.HK 0992.HK 9626.HK
        0268.HK BILI LI 2015.HK XPEV 9868.HK NIO 9866.HK 688256.SS 002230.SZ 688041.SS 000977.SZ
        603019.SS 000063.SZ 688111.SS 300308.SZ ^GSPC SPY ^NDX QQQ ^IXIC ^DJI ^SOX ^HSI HSTECH
        ^HSCE 000300.SS 000001.SS 000688.SS 399006.SZ KWEB FXI USDHKD USDCNY
    """.split()
    missing = [s for s in required if s not in by_symbol]
    assert not missing


def test_every_sample_file_is_a_known_symbol(by_symbol: dict) -> None:
    files = sorted(p.stem for p in SAMPLE.glob("*.csv") if p.stem not in {"eps", "shares"})
    assert files, "bundled sample is empty"
    for stem in files:
        # file names drop Yahoo's caret (GSPC.csv holds ^GSPC); HSTECH has no caret
        assert stem in by_symbol or f"^{stem}" in by_symbol, stem


def test_shares_and_eps_samples_use_known_symbols(by_symbol: dict) -> None:
    for name in ("shares.csv", "eps.csv"):
        frame = pd.read_csv(SAMPLE / name, dtype=str)
        assert set(frame["symbol"]) <= set(by_symbol), name


# Ordinary shares per depositary share, from the depositary agreements as the issuers restate them
# in their filings (e.g. Alibaba's HKEX announcements: "each representing eight of our shares").
DEPOSITARY_RATIOS = {
    "BABA": 8, "BIDU": 8, "JD": 2, "NTES": 5, "TCEHY": 1, "BILI": 1, "LI": 2, "XPEV": 2, "NIO": 1,
    "PDD": 4, "TSM": 5, "KC": 15, "ARM": 1, "TME": 2,
}


def test_shares_per_unit_numeric_and_positive(sec: pd.DataFrame) -> None:
    values = pd.to_numeric(sec["shares_per_unit"], errors="raise")
    assert (values > 0).all()


def test_depositary_ratios(by_symbol: dict) -> None:
    for symbol, ratio in DEPOSITARY_RATIOS.items():
        row = by_symbol[symbol]
        assert row["kind"] == "adr", symbol
        assert float(row["shares_per_unit"]) == ratio, symbol
    # every ADR is in the checked table: a new ADR needs its ratio checked, not guessed
    adrs = {s for s, r in by_symbol.items() if r["kind"] == "adr"}
    assert adrs == set(DEPOSITARY_RATIOS)


def test_dual_listings_are_consistent(sec: pd.DataFrame) -> None:
    groups = sec[sec["kind"].isin(["stock", "adr"])].groupby("company")
    multi = {c: g for c, g in groups if len(g) > 1}
    # the pairs the brief names must be tied together by `company`
    pairs = [("BABA", "9988.HK"), ("TCEHY", "0700.HK"), ("BIDU", "9888.HK"), ("JD", "9618.HK"),
             ("NTES", "9999.HK"), ("BILI", "9626.HK"), ("LI", "2015.HK"), ("XPEV", "9868.HK"),
             ("NIO", "9866.HK"), ("0981.HK", "688981.SS"), ("GOOGL", "GOOG")]
    company = dict(zip(sec["symbol"], sec["company"], strict=True))
    for a, b in pairs:
        assert company[a] == company[b], (a, b)
    for name, group in multi.items():
        kinds = dict(zip(group["symbol"], group["kind"], strict=True))
        units = dict(zip(group["symbol"], pd.to_numeric(group["shares_per_unit"]), strict=True))
        # ordinary-share listings (HK, A, US common) are one share per unit; ADRs carry the ratio
        for symbol, kind in kinds.items():
            if kind == "stock":
                assert units[symbol] == 1, (name, symbol)
            else:
                assert units[symbol] == DEPOSITARY_RATIOS[symbol], (name, symbol)
        # all listings of one company share a sector, so baskets by sector do not split a company
        assert group["sector"].nunique() == 1, name


def test_company_ids_are_slugs(sec: pd.DataFrame) -> None:
    for row in sec.to_dict("records"):
        if row["kind"] in {"stock", "adr"}:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", row["company"]), row["symbol"]
        else:  # indices, ETFs and FX are their own "company"
            assert row["company"] == row["symbol"], row["symbol"]


def test_aliases_are_clean(sec: pd.DataFrame) -> None:
    for row in sec.to_dict("records"):
        aliases = _aliases(row)
        assert all(a and a == a.strip() for a in aliases), row["symbol"]
        assert len(aliases) == len(set(aliases)), row["symbol"]
        assert "," not in row["aliases"], row["symbol"]


def test_no_name_or_alias_spans_two_companies(sec: pd.DataFrame) -> None:
    # Ambiguity is allowed only between listings of one company (阿里 -> BABA and 9988.HK).
    owners: dict[str, set[str]] = {}
    for row in sec.to_dict("records"):
        for name in _names(row) - {""}:
            owners.setdefault(name.casefold(), set()).add(row["company"])
    shared = {name: companies for name, companies in owners.items() if len(companies) > 1}
    assert not shared


def _is_china_listing(row: dict[str, str], china_companies: set[str]) -> bool:
    return row["calendar"] in {"XHKG", "XSHG"} or row["company"] in china_companies


def test_chinese_names_present_for_china_listings(sec: pd.DataFrame) -> None:
    china_companies = set(sec.loc[sec["calendar"].isin(["XHKG", "XSHG"]), "company"]) | {"pdd"}
    rows = [r for r in sec.to_dict("records") if _is_china_listing(r, china_companies)]
    assert len(rows) >= 50
    for row in rows:
        assert CJK.search(row["name_zh_hans"]), row["symbol"]
        assert CJK.search(row["name_zh_hant"]), row["symbol"]
        assert any(CJK.search(a) for a in _aliases(row)), row["symbol"]


def test_simplified_and_traditional_names_are_the_same_name() -> None:
    # OpenCC's traditional->simplified conversion is an independent check that the two script
    # columns hold one name, not two different ones (regional variants such as Taiwan's 輝達 for
    # NVIDIA are allowed outside China listings, so only Chinese companies are checked).
    import opencc

    to_hans = opencc.OpenCC("t2s")
    frame = pd.read_csv(SECURITIES_CSV, dtype=str, keep_default_na=False)
    china = frame[frame["calendar"].isin(["XHKG", "XSHG"]) & frame["kind"].isin(["stock", "adr"])]
    for row in china.to_dict("records"):
        assert to_hans.convert(row["name_zh_hant"]) == row["name_zh_hans"], row["symbol"]


# alias -> listings that must answer to it (the press's short forms named in the brief)
ALIAS_EXPECTED = {
    "阿里": {"BABA", "9988.HK"}, "阿里巴巴": {"BABA", "9988.HK"}, "阿里巴巴集团": {"BABA", "9988.HK"},
    "腾讯": {"0700.HK", "TCEHY"}, "騰訊": {"0700.HK", "TCEHY"},
    "英伟达": {"NVDA"}, "輝達": {"NVDA"}, "英偉達": {"NVDA"},
    "微软": {"MSFT"}, "微軟": {"MSFT"}, "谷歌": {"GOOGL", "GOOG"}, "Alphabet": {"GOOGL", "GOOG"},
    "脸书": {"META"}, "苹果": {"AAPL"}, "蘋果": {"AAPL"}, "特斯拉": {"TSLA"},
    "台积电": {"TSM"}, "台積電": {"TSM"}, "美光": {"MU"}, "博通": {"AVGO"}, "甲骨文": {"ORCL"},
    "超微": {"AMD"}, "超微电脑": {"SMCI"},
    "小米": {"1810.HK"}, "美团": {"3690.HK"}, "京东": {"JD", "9618.HK"}, "百度": {"BIDU", "9888.HK"},
    "网易": {"NTES", "9999.HK"}, "拼多多": {"PDD"}, "快手": {"1024.HK"},
    "中芯国际": {"0981.HK", "688981.SS"}, "中芯": {"0981.HK", "688981.SS"}, "金山软件": {"3888.HK"},
    "寒武纪": {"688256.SS"}, "科大讯飞": {"002230.SZ"}, "海光信息": {"688041.SS"},
    "浪潮信息": {"000977.SZ"}, "中科曙光": {"603019.SS"}, "中兴通讯": {"000063.SZ", "0763.HK"},
    "恒生指数": {"^HSI"}, "恒指": {"^HSI"},
    "恒生科技指数": {"HSTECH"}, "恒生科技": {"HSTECH"}, "恒科指": {"HSTECH"},
    "纳斯达克": {"^IXIC"}, "纳指": {"^IXIC"}, "那斯達克": {"^IXIC"},
    "标普500": {"^GSPC"}, "标普": {"^GSPC"}, "標普": {"^GSPC"},
    "费城半导体指数": {"^SOX"}, "費半": {"^SOX"},
}


@pytest.mark.parametrize("alias", sorted(ALIAS_EXPECTED))
def test_press_short_forms_resolve_exactly(alias: str, sec: pd.DataFrame) -> None:
    hits = {r["symbol"] for r in sec.to_dict("records") if alias in _names(r)}
    assert hits == ALIAS_EXPECTED[alias]


# --- event catalog --------------------------------------------------------------------------------

REQUIRED_IDS = {
    "deepseek-v3", "deepseek-r1", "deepseek-app-store-top", "us-ai-selloff-2025-01-27", "janus-pro",
    "kimi-k1-5", "doubao-1-5-pro", "qwen2-5-max", "qwen2-5-vl", "qwen2-5-1m", "qwq-32b", "s1-paper",
    "apple-alibaba-report", "apple-alibaba-confirmed", "bytedance-ultramem",
    "wechat-deepseek-grey-test", "nvidia-q4-fy2025-results", "alibaba-dec-quarter-2024-results",
    "alibaba-ai-capex-pledge", "openai-o3-mini", "stargate", "ai-diffusion-rule", "manus-launch",
    "deepseek-open-source-week", "nvidia-gtc-2025-keynote", "qwen3", "deepseek-r1-0528",
    "h20-licence-disclosed", "nvidia-q1-fy2026-results",
}
KINDS = {"model_release", "product", "partnership", "earnings", "policy", "market"}
EVENT_KEYS = {"id", "title_en", "title_zh", "timestamp", "date", "tz", "time_known", "kind",
              "organisations", "symbols", "sources", "notes"}


def _instant(event: dict) -> pd.Timestamp:
    """UTC instant of a timestamped event (the test's own parse, not the loader's)."""
    return pd.Timestamp(event["timestamp"])


def _local_date(event: dict, zone: str) -> dt.date:
    if "timestamp" in event:
        return _instant(event).tz_convert(zone).date()
    return dt.date.fromisoformat(event["date"])


def test_catalog_parses_and_has_schema_version(catalog: dict) -> None:
    assert catalog["schema_version"] == 1
    assert set(catalog) == {"schema_version", "event"}


def test_catalog_size_and_unique_ids(events: list[dict]) -> None:
    assert len(events) >= 30
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids))
    for eid in ids:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", eid), eid


def test_required_events_present(events: list[dict]) -> None:
    missing = REQUIRED_IDS - {e["id"] for e in events}
    assert not missing


def test_event_fields(events: list[dict]) -> None:
    for e in events:
        assert set(e) <= EVENT_KEYS, e["id"]
        assert e["kind"] in KINDS, e["id"]
        assert e["title_en"].strip() and CJK.search(e["title_zh"]), e["id"]
        assert isinstance(e["time_known"], bool), e["id"]
        assert e["organisations"] and all(o.strip() for o in e["organisations"]), e["id"]
        assert e["notes"].strip(), e["id"]  # what the date rests on is always stated


def test_timestamp_xor_date_and_time_known(events: list[dict]) -> None:
    for e in events:
        assert ("timestamp" in e) != ("date" in e), e["id"]
        if "timestamp" in e:
            assert e["time_known"] is True, e["id"]
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["timestamp"]), e["id"]
            assert _instant(e).tzinfo is not None
        else:
            assert e["time_known"] is False, e["id"]
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", e["date"]), e["id"]
            zoneinfo.ZoneInfo(e["tz"])  # raises on an unknown IANA zone


def test_event_dates_fall_in_the_period(events: list[dict]) -> None:
    for e in events:
        day = _local_date(e, "UTC") if "timestamp" in e else _local_date(e, e["tz"])
        assert dt.date(2024, 10, 1) <= day <= dt.date(2025, 12, 31), e["id"]


def test_events_in_chronological_order(events: list[dict]) -> None:
    days = [_local_date(e, "UTC") if "timestamp" in e else _local_date(e, e["tz"]) for e in events]
    assert days == sorted(days)


def test_event_symbols_are_canonical_securities(events: list[dict], by_symbol: dict) -> None:
    for e in events:
        assert e["symbols"], e["id"]
        assert len(e["symbols"]) == len(set(e["symbols"])), e["id"]
        unknown = [s for s in e["symbols"] if s not in by_symbol]
        assert not unknown, (e["id"], unknown)


def test_event_sources_are_https_urls(events: list[dict]) -> None:
    for e in events:
        assert e["sources"], e["id"]
        assert len(e["sources"]) == len(set(e["sources"])), e["id"]
        for url in e["sources"]:
            parts = urlparse(url)
            assert url.startswith("https://") and parts.netloc and " " not in url, (e["id"], url)


# Local dates the sources give (Beijing for Chinese releases, New York for US ones). Where sources
# differ, every date they give is allowed; the notes say which was chosen and why.
EXPECTED_DATES = {
    "deepseek-v3": ("Asia/Shanghai", {"2024-12-26"}),
    "deepseek-r1": ("Asia/Shanghai", {"2025-01-20"}),
    "kimi-k1-5": ("Asia/Shanghai", {"2025-01-20"}),
    "doubao-1-5-pro": ("Asia/Shanghai", {"2025-01-22"}),
    "qwen2-5-vl": ("Asia/Shanghai", {"2025-01-26", "2025-01-28"}),
    "qwen2-5-1m": ("Asia/Shanghai", {"2025-01-26", "2025-01-27"}),
    "deepseek-app-store-top": ("America/New_York", {"2025-01-26", "2025-01-27"}),
    "us-ai-selloff-2025-01-27": ("America/New_York", {"2025-01-27"}),
    "janus-pro": ("Asia/Shanghai", {"2025-01-27"}),
    "qwen2-5-max": ("Asia/Shanghai", {"2025-01-28", "2025-01-29"}),
    "s1-paper": ("America/New_York", {"2025-01-31"}),
    "openai-o3-mini": ("America/Los_Angeles", {"2025-01-31"}),
    "stargate": ("America/New_York", {"2025-01-21"}),
    "ai-diffusion-rule": ("America/New_York", {"2025-01-13"}),
    "apple-alibaba-report": ("America/New_York", {"2025-02-11"}),
    "bytedance-ultramem": ("Asia/Shanghai", {"2025-02-12"}),
    "apple-alibaba-confirmed": ("Asia/Dubai", {"2025-02-13"}),
    "wechat-deepseek-grey-test": ("Asia/Shanghai", {"2025-02-15", "2025-02-16"}),
    "alibaba-dec-quarter-2024-results": ("America/New_York", {"2025-02-20"}),
    "alibaba-ai-capex-pledge": ("Asia/Shanghai", {"2025-02-24"}),
    "deepseek-open-source-week": ("Asia/Shanghai", {"2025-02-24"}),
    "nvidia-q4-fy2025-results": ("America/New_York", {"2025-02-26"}),
    "qwq-32b": ("Asia/Shanghai", {"2025-03-06"}),
    "manus-launch": ("Asia/Shanghai", {"2025-03-05", "2025-03-06"}),
    "nvidia-gtc-2025-keynote": ("America/Los_Angeles", {"2025-03-18"}),
    "h20-licence-disclosed": ("America/New_York", {"2025-04-15"}),
    "qwen3": ("Asia/Shanghai", {"2025-04-29"}),
    "deepseek-r1-0528": ("Asia/Shanghai", {"2025-05-28", "2025-05-29"}),
    "nvidia-q1-fy2026-results": ("America/New_York", {"2025-05-28"}),
}


@pytest.mark.parametrize("event_id", sorted(EXPECTED_DATES))
def test_event_dates_match_their_sources(event_id: str, events: list[dict]) -> None:
    zone, allowed = EXPECTED_DATES[event_id]
    event = next(e for e in events if e["id"] == event_id)
    if "timestamp" in event:
        day = _local_date(event, zone)
    else:
        assert event["tz"] == zone, event_id
        day = _local_date(event, zone)
    assert day.isoformat() in allowed


def _session_bounds(calendar: str, day: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    cal = xcals.get_calendar(calendar, start="2024-10-01", end="2025-12-31")
    session = pd.Timestamp(day)
    return cal.session_open(session), cal.session_close(session)


# (event, market, session, where the timestamp must lie relative to that session)
TIMING_CLAIMS = [
    ("nvidia-q4-fy2025-results", "XNYS", "2025-02-26", "after_close"),
    ("nvidia-q1-fy2026-results", "XNYS", "2025-05-28", "after_close"),
    ("microsoft-fy25-q2-results", "XNYS", "2025-01-29", "after_close"),
    ("h20-licence-disclosed", "XNYS", "2025-04-15", "after_close"),
    ("liberation-day-tariffs", "XNYS", "2025-04-02", "at_or_after_close"),
    ("us-ai-selloff-2025-01-27", "XNYS", "2025-01-27", "at_open"),
    ("nvidia-gtc-2025-keynote", "XNYS", "2025-03-18", "during"),
    ("alibaba-dec-quarter-2024-results", "XHKG", "2025-02-20", "after_close"),
    ("alibaba-dec-quarter-2024-results", "XNYS", "2025-02-20", "before_open"),
    ("alibaba-march-quarter-2025-results", "XHKG", "2025-05-15", "after_close"),
    ("alibaba-march-quarter-2025-results", "XNYS", "2025-05-15", "before_open"),
    ("tencent-2024-annual-results", "XHKG", "2025-03-19", "after_close"),
    ("alibaba-ai-capex-pledge", "XHKG", "2025-02-24", "during"),
    ("xi-private-enterprise-symposium", "XHKG", "2025-02-17", "during"),
    ("qwq-32b", "XHKG", "2025-03-05", "after_close"),
    ("qwq-32b", "XNYS", "2025-03-05", "during"),
    ("apple-alibaba-report", "XHKG", "2025-02-11", "after_close"),
    ("apple-alibaba-report", "XNYS", "2025-02-11", "at_open"),
    ("us-china-geneva-truce", "XHKG", "2025-05-12", "during"),
]


@pytest.mark.parametrize(("event_id", "calendar", "day", "where"), TIMING_CLAIMS)
def test_timestamps_agree_with_exchange_sessions(
    event_id: str, calendar: str, day: str, where: str, events: list[dict]
) -> None:
    # The notes claim "after the close", "before the open" etc.; exchange_calendars checks the
    # claim independently of the catalog loader and of rerating's own calendar code.
    event = next(e for e in events if e["id"] == event_id)
    t = _instant(event)
    open_, close = _session_bounds(calendar, day)
    checks = {
        "after_close": t > close,
        "at_or_after_close": t >= close,
        "before_open": t < open_,
        "at_open": t == open_,
        "during": open_ < t < close,
    }
    assert checks[where], (event_id, calendar, str(t), str(open_), str(close))


def test_hong_kong_was_shut_for_lunar_new_year_so_qwen_max_reacts_in_february(events: list[dict]) -> None:
    # Guards the note on qwen2-5-max: XHKG has no session 2025-01-29..31, next is 2025-02-03.
    cal = xcals.get_calendar("XHKG", start="2025-01-01", end="2025-02-28")
    event = next(e for e in events if e["id"] == "qwen2-5-max")
    day = pd.Timestamp(event["date"])
    nxt = cal.date_to_session(day, direction="next")
    assert nxt == pd.Timestamp("2025-02-03")
