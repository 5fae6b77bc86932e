"""Write ``devset.jsonl``: hand-labelled sentences for the claims extractor (run once; output committed).

Every sentence below was written for this set, modelled on how Chinese and English outlets reported
the DeepSeek episode (January to March 2025): single moves, lists paired by 分别 / respectively,
subjects and dates carried from the previous sentence, relative dates, event-anchored windows,
traditional-script (Taiwan / Hong Kong) usage, and hard negatives whose only numbers are not market
claims (model sizes, costs, benchmark scores, capex, downloads, price targets, forecasts).
The labels are written by hand here; nothing in this file calls the extractor.

Every fifth record (index % 5 == 4) is the held-out ``test`` split; tuning looks only at ``dev``.
``HELD_OUT`` records were written afterwards and scored once, untouched: all of them are ``test``.

    .venv/bin/python benchmarks/claims/build_devset.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Listings per company, as the security master lists them (home listing first).
CO: dict[str, list[str]] = {
    "nvidia": ["NVDA"], "microsoft": ["MSFT"], "alphabet": ["GOOGL", "GOOG"], "meta": ["META"],
    "amazon": ["AMZN"], "apple": ["AAPL"], "tesla": ["TSLA"], "broadcom": ["AVGO"], "tsmc": ["TSM"],
    "oracle": ["ORCL"], "amd": ["AMD"], "micron": ["MU"], "arm": ["ARM"], "asml": ["ASML"],
    "marvell": ["MRVL"], "supermicro": ["SMCI"], "constellation": ["CEG"], "vistra": ["VST"],
    "alibaba": ["9988.HK", "BABA"], "tencent": ["0700.HK", "TCEHY"], "baidu": ["9888.HK", "BIDU"],
    "jd": ["9618.HK", "JD"], "pdd": ["PDD"], "xiaomi": ["1810.HK"], "meituan": ["3690.HK"],
    "smic": ["0981.HK", "688981.SS"], "kingsoft-cloud": ["3896.HK", "KC"], "lenovo": ["0992.HK"],
    "sensetime": ["0020.HK"], "kuaishou": ["1024.HK"], "hua-hong": ["1347.HK", "688347.SS"],
    "cambricon": ["688256.SS"], "iflytek": ["002230.SZ"], "kingsoft": ["3888.HK"],
    "kingdee": ["0268.HK"], "meitu": ["1357.HK"], "bilibili": ["9626.HK", "BILI"],
    "netease": ["9999.HK", "NTES"], "byd": ["1211.HK", "002594.SZ"], "palantir": ["PLTR"],
    "hstech": ["HSTECH"], "hsi": ["^HSI"], "gspc": ["^GSPC"], "ixic": ["^IXIC"], "ndx": ["^NDX"],
    "sox": ["^SOX"], "dji": ["^DJI"], "csi300": ["000300.SS"], "star50": ["000688.SS"],
    "sse": ["000001.SS"], "chinext": ["399006.SZ"], "hscei": ["^HSCE"],
}
METRIC = {"pr": "price_return", "mc": "market_cap_change", "ir": "index_return", "vm": "valuation_multiple",
          "vol": "volume", "cp": "close_price", "ml": "market_cap_level", "il": "index_level"}


def W(code: str) -> dict[str, Any]:
    """Window shorthand: d:DATE s:N:END r:START:END e:EVENT:SPAN ee:EVENT:END ytd:Y:END w:S:E m:YYYY-MM
    i:DATE n:N:END (calendar days) u (unspecified)."""
    p = code.split(":")
    k = p[0]
    if k == "d":
        return {"type": "day", "date": p[1]}
    if k == "s":
        return {"type": "sessions", "n": int(p[1]), "end": p[2]}
    if k == "n":
        return {"type": "days", "n": int(p[1]), "end": p[2]}
    if k == "r":
        return {"type": "range", "start": p[1], "end": p[2]}
    if k == "e":
        return {"type": "since_event", "event": p[1], "span": p[2]}
    if k == "ee":
        return {"type": "since_event", "event": p[1], "end": p[2]}
    if k == "ytd":
        return {"type": "ytd", "year": int(p[1]), "end": p[2]}
    if k == "w":
        return {"type": "week", "start": p[1], "end": p[2]}
    if k == "m":
        return {"type": "month", "month": p[1]}
    if k == "i":
        return {"type": "intraday", "date": p[1]}
    if k == "u":
        return {"type": "unspecified"}
    raise ValueError(code)


def C(entity: str, who: str | list[str], metric: str, window: str, amount: float, cmp: str = "eq",
      unit: str = "pct", cur: str | None = None, low: float | None = None,
      high: float | None = None) -> dict[str, Any]:
    symbols = CO[who] if isinstance(who, str) else who
    value: dict[str, Any] = {"amount": float(amount), "unit": unit, "currency": cur}
    if low is not None:
        value["low"], value["high"] = float(low), float(high)  # type: ignore[arg-type]
    return {"entity": entity, "symbols": symbols, "metric": METRIC[metric], "window": W(window),
            "value": value, "comparator": cmp}


G: list[str] = []  # group subjects have no listings
B = 1e9
T = 1e12
YI = 1e8

RECORDS: list[tuple[str, str, list[dict[str, Any]]]] = [
    # --- Chinese: the sell-off of 27 January ---------------------------------------------------
    ("1月27日，英伟达股价暴跌近17%，创下2020年3月以来最大单日跌幅。", "2025-01-28",
     [C("英伟达", "nvidia", "pr", "d:2025-01-27", -17, "approx")]),
    ("英伟达市值当天蒸发约5890亿美元，为美股史上最大单日市值损失。", "2025-01-28",
     [C("英伟达", "nvidia", "mc", "u", -5890 * YI, "approx", "money", "USD")]),
    ("周一，博通和台积电美股分别下跌17.4%和13.3%。", "2025-01-28",
     [C("博通", "broadcom", "pr", "d:2025-01-27", -17.4), C("台积电", "tsmc", "pr", "d:2025-01-27", -13.3)]),
    ("费城半导体指数周一收跌9.2%，纳斯达克综合指数下跌3.1%。", "2025-01-28",
     [C("费城半导体指数", "sox", "ir", "d:2025-01-27", -9.2), C("纳斯达克综合指数", "ixic", "ir", "d:2025-01-27", -3.1)]),
    ("标普500指数当日下跌1.5%，道指则逆势上涨289点。", "2025-01-27",
     [C("标普500", "gspc", "ir", "u", -1.5), C("道指", "dji", "ir", "u", 289, "eq", "points")]),
    ("昨日，电力股同样遭到抛售，星座能源跌超20%，维斯特拉大跌28%。", "2025-01-28",
     [C("星座能源", "constellation", "pr", "d:2025-01-27", -20, "lt"), C("维斯特拉", "vistra", "pr", "d:2025-01-27", -28)]),
    ("甲骨文股价下挫约14%，美光科技跌逾11%。", "2025-01-28",
     [C("甲骨文", "oracle", "pr", "u", -14, "approx"), C("美光科技", "micron", "pr", "u", -11, "lt")]),
    ("英伟达1月28日反弹8.9%，收复部分失地。", "2025-01-29",
     [C("英伟达", "nvidia", "pr", "d:2025-01-28", 8.9)]),
    ("英伟达股价周一收于118.42美元。", "2025-01-28",
     [C("英伟达", "nvidia", "cp", "d:2025-01-27", 118.42, "eq", "price", "USD")]),
    ("当日英伟达成交量达到8.19亿股，创下数月新高。", "2025-01-28",
     [C("英伟达", "nvidia", "vol", "u", 8.19 * YI, "eq", "shares")]),
    ("受此影响，苹果股价逆势上涨3.2%，Meta也收涨1.9%。", "2025-01-28",
     [C("苹果", "apple", "pr", "u", 3.2), C("Meta", "meta", "pr", "u", 1.9)]),
    ("英伟达、博通和超威半导体上周五分别下跌3.1%、1.9%和2.4%。", "2025-02-03",
     [C("英伟达", "nvidia", "pr", "d:2025-01-31", -3.1), C("博通", "broadcom", "pr", "d:2025-01-31", -1.9),
      C("超威半导体", "amd", "pr", "d:2025-01-31", -2.4)]),
    # --- Chinese: Hong Kong and China tech re-rating ---------------------------------------------
    ("今年大年初一，阿里发布Qwen2.5-Max，当日阿里美股大涨6.7%。", "2025-02-13",
     [C("阿里", ["BABA"], "pr", "d:2025-01-29", 6.7)]),
    ("春节后首个交易日，恒生科技指数上涨1.1%，小米集团涨超5%。", "2025-02-04",
     [C("恒生科技指数", "hstech", "ir", "d:2025-02-03", 1.1), C("小米集团", "xiaomi", "pr", "d:2025-02-03", 5, "gt")]),
    ("A股春节后首个交易日，寒武纪大涨12%，科大讯飞涨停。", "2025-02-06",
     [C("寒武纪", "cambricon", "pr", "d:2025-02-05", 12)]),
    ("阿里巴巴港股今日收涨14.6%，创下2022年以来最大单日涨幅。", "2025-02-21",
     [C("阿里巴巴", ["9988.HK"], "pr", "d:2025-02-21", 14.6)]),
    ("恒生科技指数今年以来累计上涨超过30%，跑赢全球主要股指。", "2025-02-21",
     [C("恒生科技指数", "hstech", "ir", "ytd:2025:2025-02-21", 30, "gt")]),
    ("阿里市值20日涨幅已达到40%，腾讯20日涨幅达到20%。", "2025-02-13",
     [C("阿里", "alibaba", "mc", "s:20:2025-02-13", 40), C("腾讯", "tencent", "pr", "s:20:2025-02-13", 20)]),
    ("恒生指数本周累计上涨7%，收于22620点。", "2025-02-14",
     [C("恒生指数", "hsi", "ir", "w:2025-02-10:2025-02-14", 7), C("恒生指数", "hsi", "il", "w:2025-02-10:2025-02-14", 22620, "eq", "points")]),
    ("中芯国际港股2月以来累计上涨近50%。", "2025-02-20",
     [C("中芯国际", ["0981.HK"], "pr", "r:2025-02-01:2025-02-20", 50, "approx")]),
    ("金山云、联想集团和商汤过去20个交易日分别上涨85%、60%和45%。", "2025-02-20",
     [C("金山云", "kingsoft-cloud", "pr", "s:20:2025-02-20", 85), C("联想集团", "lenovo", "pr", "s:20:2025-02-20", 60),
      C("商汤", "sensetime", "pr", "s:20:2025-02-20", 45)]),
    ("阿里巴巴市值一度突破3000亿美元。", "2025-02-21",
     [C("阿里巴巴", "alibaba", "ml", "i:2025-02-21", 3000 * YI, "gt", "money", "USD")]),
    ("腾讯控股股价周五收报518港元，市值约4.8万亿港元。", "2025-02-21",
     [C("腾讯控股", ["0700.HK"], "cp", "d:2025-02-21", 518, "eq", "price", "HKD"),
      C("腾讯控股", "tencent", "ml", "d:2025-02-21", 4.8 * T, "approx", "money", "HKD")]),
    ("小米集团股价年内已翻倍，市值站上1.2万亿港元。", "2025-02-24",
     [C("小米集团", "xiaomi", "pr", "ytd:2025:2025-02-24", 100),
      C("小米集团", "xiaomi", "ml", "ytd:2025:2025-02-24", 1.2 * T, "gt", "money", "HKD")]),
    ("恒生科技指数的市盈率已从年初的约16倍回升至20倍左右。", "2025-02-24",
     [C("恒生科技指数", "hstech", "vm", "u", 20, "approx", "x")]),
    ("自DeepSeek-R1发布以来，恒生科技指数累计上涨约25%。", "2025-02-14",
     [C("恒生科技指数", "hstech", "ir", "ee:deepseek-r1:2025-02-14", 25, "approx")]),
    ("R1发布一周后，英伟达股价大跌超过12%。", "2025-02-13",
     [C("英伟达", "nvidia", "pr", "e:deepseek-r1:1w", -12, "lt")]),
    ("微软、谷歌、Meta和亚马逊股价同期跌幅在2%至5%之间。", "2025-02-13",
     [C("微软", "microsoft", "pr", "u", -3.5, "approx", low=-5, high=-2),
      C("谷歌", "alphabet", "pr", "u", -3.5, "approx", low=-5, high=-2),
      C("Meta", "meta", "pr", "u", -3.5, "approx", low=-5, high=-2),
      C("亚马逊", "amazon", "pr", "u", -3.5, "approx", low=-5, high=-2)]),
    ("美股七巨头市值1月27日合计蒸发约上万亿美元。", "2025-02-13",
     [C("美股七巨头", G, "mc", "d:2025-01-27", -1 * T, "approx", "money", "USD")]),
    ("3月6日，阿里巴巴港股收涨8.4%，美股盘前涨逾7%。", "2025-03-07",
     [C("阿里巴巴", ["9988.HK"], "pr", "d:2025-03-06", 8.4), C("阿里巴巴", ["BABA"], "pr", "d:2025-03-06", 7, "gt")]),
    ("百度港股当日下跌3.5%，京东则上涨2.2%。", "2025-03-07",
     [C("百度", ["9888.HK"], "pr", "u", -3.5), C("京东", "jd", "pr", "u", 2.2)]),
    ("腾讯控股过去一周上涨约9%，美团跌1.8%。", "2025-02-21",
     [C("腾讯控股", "tencent", "pr", "n:7:2025-02-21", 9, "approx"), C("美团", "meituan", "pr", "n:7:2025-02-21", -1.8)]),
    ("快手股价盘中一度大涨13%，最终收涨8%。", "2025-02-26",
     [C("快手", "kuaishou", "pr", "i:2025-02-26", 13), C("快手", "kuaishou", "pr", "u", 8)]),
    ("沪深300指数2月份上涨1.9%，创业板指上涨7.4%。", "2025-03-03",
     [C("沪深300指数", "csi300", "ir", "m:2025-02", 1.9), C("创业板指", "chinext", "ir", "m:2025-02", 7.4)]),
    ("科创50指数1月20日至2月14日累计上涨16%。", "2025-02-17",
     [C("科创50指数", "star50", "ir", "r:2025-01-20:2025-02-14", 16)]),
    ("上证指数今日收于3346点，微涨0.3%。", "2025-02-18",
     [C("上证指数", "sse", "il", "d:2025-02-18", 3346, "eq", "points"), C("上证指数", "sse", "ir", "d:2025-02-18", 0.3)]),
    ("华虹半导体上周四涨超11%，中芯国际涨近9%。", "2025-02-24",
     [C("华虹半导体", "hua-hong", "pr", "d:2025-02-20", 11, "gt"), C("中芯国际", "smic", "pr", "d:2025-02-20", 9, "approx")]),
    ("比亚迪H股年初至今上涨约45%，市值超过1.3万亿港元。", "2025-03-10",
     [C("比亚迪", ["1211.HK"], "pr", "ytd:2025:2025-03-10", 45, "approx"),
      C("比亚迪", ["1211.HK"], "ml", "ytd:2025:2025-03-10", 1.3 * T, "gt", "money", "HKD")]),
    ("阿里巴巴的远期市盈率从9倍升至约14倍。", "2025-02-24",
     [C("阿里巴巴", "alibaba", "vm", "u", 14, "approx", "x")]),
    ("网易和哔哩哔哩本月分别上涨12%和21%。", "2025-02-27",
     [C("网易", "netease", "pr", "m:2025-02", 12), C("哔哩哔哩", "bilibili", "pr", "m:2025-02", 21)]),
    ("金山软件周三大涨9.6%，金蝶国际涨7.1%。", "2025-02-20",
     [C("金山软件", "kingsoft", "pr", "d:2025-02-19", 9.6), C("金蝶国际", "kingdee", "pr", "d:2025-02-19", 7.1)]),
    ("美图公司股价近5个交易日累计上涨逾40%。", "2025-02-07",
     [C("美图公司", "meitu", "pr", "s:5:2025-02-07", 40, "gt")]),
    ("恒生科技指数2月累计上涨17.9%，恒生指数涨13.4%。", "2025-03-03",
     [C("恒生科技指数", "hstech", "ir", "m:2025-02", 17.9), C("恒生指数", "hsi", "ir", "m:2025-02", 13.4)]),
    ("阿里巴巴美股周四收涨8%，市值增加约230亿美元。", "2025-02-21",
     [C("阿里巴巴", ["BABA"], "pr", "d:2025-02-20", 8), C("阿里巴巴", ["BABA"], "mc", "d:2025-02-20", 230 * YI, "approx", "money", "USD")]),
    ("中概互联网ETF今年以来上涨21%。", "2025-02-20",
     [C("中概互联网ETF", ["KWEB"], "pr", "ytd:2025:2025-02-20", 21)]),
    ("英伟达股价较1月6日的高点已回落约20%。", "2025-03-10",
     [C("英伟达", "nvidia", "pr", "r:2025-01-06:2025-03-10", -20, "approx")]),
    ("特斯拉股价上周下跌近11%，市值跌破1万亿美元。", "2025-03-03",
     [C("特斯拉", "tesla", "pr", "w:2025-02-24:2025-03-02", -11, "approx"),
      C("特斯拉", "tesla", "ml", "w:2025-02-24:2025-03-02", 1 * T, "lt", "money", "USD")]),
    ("国企指数今日上涨2.8%。", "2025-02-14",
     [C("国企指数", "hscei", "ir", "d:2025-02-14", 2.8)]),
    ("恒生科技指数从1月13日的低点累计反弹约35%。", "2025-02-21",
     [C("恒生科技指数", "hstech", "ir", "r:2025-01-13:2025-02-21", 35, "approx")]),
    # --- Chinese, carried subject / date -------------------------------------------------------
    ("英伟达周一遭遇重挫。该股收跌16.97%，市值蒸发5890亿美元。", "2025-01-28",
     [C("英伟达", "nvidia", "pr", "d:2025-01-27", -16.97),
      C("英伟达", "nvidia", "mc", "d:2025-01-27", -5890 * YI, "eq", "money", "USD")]),
    ("2月21日，阿里巴巴发布财报。其港股股价当日收涨14.6%。", "2025-02-24",
     [C("阿里巴巴", ["9988.HK"], "pr", "d:2025-02-21", 14.6)]),
    ("腾讯宣布接入DeepSeek模型。其股价当天上涨逾6%，市值增加约3000亿港元。", "2025-02-17",
     [C("腾讯", "tencent", "pr", "u", 6, "gt"), C("腾讯", "tencent", "mc", "u", 3000 * YI, "approx", "money", "HKD")]),
    # --- traditional Chinese (Taiwan / Hong Kong usage) ------------------------------------------
    ("輝達週一股價重挫17%，市值蒸發近6千億美元。", "2025-01-28",
     [C("輝達", "nvidia", "pr", "d:2025-01-27", -17), C("輝達", "nvidia", "mc", "d:2025-01-27", -6000 * YI, "approx", "money", "USD")]),
    ("台積電ADR同日下跌13%，費城半導體指數重挫9.2%。", "2025-01-28",
     [C("台積電", "tsmc", "pr", "u", -13), C("費城半導體指數", "sox", "ir", "u", -9.2)]),
    ("輝達市值一度高達3.5兆美元。", "2025-01-28",
     [C("輝達", "nvidia", "ml", "i:2025-01-28", 3.5 * T, "eq", "money", "USD")]),
    ("恆生科技指數今年以來上漲逾25%，阿里巴巴股價累計漲幅達五成。", "2025-02-21",
     [C("恆生科技指數", "hstech", "ir", "ytd:2025:2025-02-21", 25, "gt"), C("阿里巴巴", "alibaba", "pr", "ytd:2025:2025-02-21", 50)]),
    ("騰訊控股昨日收漲4.1%，美團下跌2.3%。", "2025-02-18",
     [C("騰訊控股", "tencent", "pr", "d:2025-02-17", 4.1), C("美團", "meituan", "pr", "d:2025-02-17", -2.3)]),
    ("那斯達克綜合指數週一收跌3.07%，標普500指數跌1.46%。", "2025-01-28",
     [C("那斯達克綜合指數", "ixic", "ir", "d:2025-01-27", -3.07), C("標普500", "gspc", "ir", "d:2025-01-27", -1.46)]),
    ("蘋果市值重回3.5兆美元以上。", "2025-01-29",
     [C("蘋果", "apple", "ml", "u", 3.5 * T, "gt", "money", "USD")]),
    ("中芯國際港股上週累計上漲約20%。", "2025-02-17",
     [C("中芯國際", ["0981.HK"], "pr", "w:2025-02-10:2025-02-16", 20, "approx")]),
    # --- English: the sell-off ------------------------------------------------------------------
    ("Nvidia shares fell 17% on Monday, wiping nearly $600 billion off its market value.", "2025-01-28",
     [C("Nvidia", "nvidia", "pr", "d:2025-01-27", -17), C("Nvidia", "nvidia", "mc", "d:2025-01-27", -600 * B, "approx", "money", "USD")]),
    ("The Nasdaq Composite slid 3.1% while the S&P 500 lost 1.5%.", "2025-01-28",
     [C("Nasdaq Composite", "ixic", "ir", "u", -3.1), C("S&P 500", "gspc", "ir", "u", -1.5)]),
    ("Broadcom and Marvell dropped 17% and 19%, respectively.", "2025-01-28",
     [C("Broadcom", "broadcom", "pr", "u", -17), C("Marvell", "marvell", "pr", "u", -19)]),
    ("The Philadelphia Semiconductor Index tumbled more than 9% on Jan. 27.", "2025-02-03",
     [C("Philadelphia Semiconductor Index", "sox", "ir", "d:2025-01-27", -9, "lt")]),
    ("Nvidia closed at $118.42, its lowest level since October.", "2025-01-28",
     [C("Nvidia", "nvidia", "cp", "u", 118.42, "eq", "price", "USD")]),
    ("Nvidia lost about $589 billion in market value on Monday, the biggest one-day loss for any U.S. company.",
     "2025-01-28", [C("Nvidia", "nvidia", "mc", "d:2025-01-27", -589 * B, "approx", "money", "USD")]),
    ("Shares of Constellation Energy plunged 21% and Vistra sank 28%.", "2025-01-28",
     [C("Constellation Energy", "constellation", "pr", "u", -21), C("Vistra", "vistra", "pr", "u", -28)]),
    ("Nvidia rebounded 8.9% on Tuesday after its worst day in years.", "2025-01-29",
     [C("Nvidia", "nvidia", "pr", "d:2025-01-28", 8.9)]),
    ("Apple rose 3.2% and Meta gained 1.9%, bucking the broader sell-off.", "2025-01-28",
     [C("Apple", "apple", "pr", "u", 3.2), C("Meta", "meta", "pr", "u", 1.9)]),
    ("Nvidia traded 818.8 million shares on Monday, more than three times its average volume.", "2025-01-28",
     [C("Nvidia", "nvidia", "vol", "d:2025-01-27", 818.8e6, "eq", "shares")]),
    ("Microsoft shares fell 2.1% and Alphabet slid 4.2% yesterday.", "2025-01-28",
     [C("Microsoft", "microsoft", "pr", "d:2025-01-27", -2.1), C("Alphabet", "alphabet", "pr", "d:2025-01-27", -4.2)]),
    ("Oracle lost nearly 14% on Monday.", "2025-01-28",
     [C("Oracle", "oracle", "pr", "d:2025-01-27", -14, "approx")]),
    ("In the week after DeepSeek released R1, Nvidia fell more than 15%.", "2025-02-03",
     [C("Nvidia", "nvidia", "pr", "e:deepseek-r1:1w", -15, "lt")]),
    ("Since the release of DeepSeek-R1, the Hang Seng Tech index has climbed about 20%.", "2025-02-12",
     [C("Hang Seng Tech", "hstech", "ir", "ee:deepseek-r1:2025-02-12", 20, "approx")]),
    ("ASML fell 7% in Amsterdam and Arm dropped 10% in New York.", "2025-01-28",
     [C("ASML", "asml", "pr", "u", -7), C("Arm", "arm", "pr", "u", -10)]),
    ("The Dow Jones Industrial Average rose 289 points, or 0.7%.", "2025-01-28",
     [C("Dow Jones", "dji", "ir", "u", 289, "eq", "points"), C("Dow Jones", "dji", "ir", "u", 0.7)]),
    ("Super Micro Computer shares dropped 12.5% and Dell fell 8.7%.", "2025-01-28",
     [C("Super Micro", "supermicro", "pr", "u", -12.5), C("Dell", ["DELL"], "pr", "u", -8.7)]),
    ("Nvidia's market capitalization fell below $3 trillion.", "2025-01-28",
     [C("Nvidia", "nvidia", "ml", "u", 3 * T, "lt", "money", "USD")]),
    # --- English: China re-rating --------------------------------------------------------------
    ("Alibaba's U.S.-listed shares jumped 6.7% on Wednesday after it unveiled Qwen 2.5-Max.", "2025-01-30",
     [C("Alibaba", ["BABA"], "pr", "d:2025-01-29", 6.7)]),
    ("Alibaba's Hong Kong shares surged 14.6% on Friday, their best day since 2022.", "2025-02-22",
     [C("Alibaba", ["9988.HK"], "pr", "d:2025-02-21", 14.6)]),
    ("The Hang Seng Tech Index has gained more than 30% so far this year.", "2025-02-21",
     [C("Hang Seng Tech", "hstech", "ir", "ytd:2025:2025-02-21", 30, "gt")]),
    ("Tencent, Xiaomi and Meituan rose 4%, 5% and 3%, respectively.", "2025-02-17",
     [C("Tencent", "tencent", "pr", "u", 4), C("Xiaomi", "xiaomi", "pr", "u", 5), C("Meituan", "meituan", "pr", "u", 3)]),
    ("Alibaba's market value topped $300 billion for the first time since 2021.", "2025-02-21",
     [C("Alibaba", "alibaba", "ml", "u", 300 * B, "gt", "money", "USD")]),
    ("The Hang Seng Index added 3.7% this week and closed at 22,620 points.", "2025-02-14",
     [C("Hang Seng Index", "hsi", "ir", "w:2025-02-10:2025-02-14", 3.7), C("Hang Seng Index", "hsi", "il", "w:2025-02-10:2025-02-14", 22620, "eq", "points")]),
    ("SMIC's Hong Kong shares have almost doubled over the past 20 trading days.", "2025-02-20",
     [C("SMIC", ["0981.HK"], "pr", "s:20:2025-02-20", 100, "approx")]),
    ("Hang Seng Tech now trades at about 21 times forward earnings.", "2025-02-24",
     [C("Hang Seng Tech", "hstech", "vm", "u", 21, "approx", "x")]),
    ("Lenovo rose 9% on Thursday while Kingsoft Cloud soared 25%.", "2025-02-21",
     [C("Lenovo", "lenovo", "pr", "d:2025-02-20", 9), C("Kingsoft Cloud", "kingsoft-cloud", "pr", "d:2025-02-20", 25)]),
    ("Alibaba shares rose 8.4% in Hong Kong on Thursday after it released QwQ-32B.", "2025-03-07",
     [C("Alibaba", ["9988.HK"], "pr", "d:2025-03-06", 8.4)]),
    ("Baidu fell 3.5% and JD.com gained 2.2%.", "2025-03-07",
     [C("Baidu", "baidu", "pr", "u", -3.5), C("JD.com", "jd", "pr", "u", 2.2)]),
    ("Xiaomi's stock has risen roughly 60% year to date.", "2025-02-24",
     [C("Xiaomi", "xiaomi", "pr", "ytd:2025:2025-02-24", 60, "approx")]),
    ("The CSI 300 edged up 0.3% on Monday.", "2025-02-18",
     [C("CSI 300", "csi300", "ir", "d:2025-02-17", 0.3)]),
    ("Tencent shares closed at HK$518 on Friday.", "2025-02-24",
     [C("Tencent", ["0700.HK"], "cp", "d:2025-02-21", 518, "eq", "price", "HKD")]),
    ("The KraneShares China Internet ETF is up 21% in February.", "2025-02-20",
     [C("KraneShares China Internet", ["KWEB"], "pr", "m:2025-02", 21)]),
    ("Chinese tech stocks have added more than $1.3 trillion in market value since mid-January.", "2025-02-21",
     [C("Chinese tech stocks", G, "mc", "u", 1.3 * T, "gt", "money", "USD")]),
    ("The Hang Seng Tech Index rose 17.9% in February, while the Hang Seng Index gained 13.4%.", "2025-03-03",
     [C("Hang Seng Tech", "hstech", "ir", "m:2025-02", 17.9), C("Hang Seng Index", "hsi", "ir", "m:2025-02", 13.4)]),
    ("Tesla has lost more than 35% since Jan. 20.", "2025-03-05",
     [C("Tesla", "tesla", "pr", "r:2025-01-20:2025-03-05", -35, "lt")]),
    ("Alibaba shares are up about 65% from Jan. 13 to Feb. 21.", "2025-02-24",
     [C("Alibaba", "alibaba", "pr", "r:2025-01-13:2025-02-21", 65, "approx")]),
    ("Nvidia slumped 8.5% on Thursday, and the Nasdaq fell 2.8%.", "2025-02-28",
     [C("Nvidia", "nvidia", "pr", "d:2025-02-27", -8.5), C("Nasdaq", "ixic", "ir", "d:2025-02-27", -2.8)]),
    ("Palantir has fallen 30% over the past ten sessions.", "2025-03-05",
     [C("Palantir", "palantir", "pr", "s:10:2025-03-05", -30)]),
    # --- English carried subject ---------------------------------------------------------------
    ("Nvidia had its worst day since March 2020. The stock lost 17% and shed $589 billion in market value.",
     "2025-01-28", [C("Nvidia", "nvidia", "pr", "u", -17), C("Nvidia", "nvidia", "mc", "u", -589 * B, "eq", "money", "USD")]),
    ("Alibaba reported results on Thursday. Its shares jumped 8% that day.", "2025-02-21",
     [C("Alibaba", "alibaba", "pr", "d:2025-02-20", 8)]),
    # --- more Chinese with mixed constructs -------------------------------------------------------
    ("DeepSeek-V3发布后的两周内，寒武纪股价上涨约30%。", "2025-01-10",
     [C("寒武纪", "cambricon", "pr", "e:deepseek-v3:2w", 30, "approx")]),
    ("受Qwen2.5-Max发布提振，阿里巴巴美股1月29日收涨6.7%，市值增加约143.6亿美元。", "2025-01-30",
     [C("阿里巴巴", ["BABA"], "pr", "d:2025-01-29", 6.7),
      C("阿里巴巴", ["BABA"], "mc", "d:2025-01-29", 143.6 * YI, "approx", "money", "USD")]),
    ("截至2月14日收盘，阿里巴巴港股近20个交易日累计上涨42%。", "2025-02-15",
     [C("阿里巴巴", ["9988.HK"], "pr", "s:20:2025-02-14", 42)]),
    ("科大讯飞股价本周累计上涨约15%。", "2025-02-07",
     [C("科大讯飞", "iflytek", "pr", "w:2025-02-03:2025-02-07", 15, "approx")]),
    ("中兴通讯A股周二涨停，涨幅10%。", "2025-02-12",
     [C("中兴通讯", ["000063.SZ"], "pr", "d:2025-02-11", 10)]),
    ("蔚来、小鹏汽车和理想汽车港股分别上涨3%、8%和2%。", "2025-02-19",
     [C("蔚来", ["9866.HK"], "pr", "u", 3), C("小鹏汽车", ["9868.HK"], "pr", "u", 8), C("理想汽车", ["2015.HK"], "pr", "u", 2)]),
    ("英伟达市值周二回升约2600亿美元。", "2025-01-29",
     [C("英伟达", "nvidia", "mc", "d:2025-01-28", 2600 * YI, "approx", "money", "USD")]),
    ("纳指100指数1月27日下跌近3%。", "2025-01-29",
     [C("纳指100", "ndx", "ir", "d:2025-01-27", -3, "approx")]),
    ("百度股价年内下跌约8%，跑输同业。", "2025-03-12",
     [C("百度", "baidu", "pr", "ytd:2025:2025-03-12", -8, "approx")]),
    ("京东港股今日下跌4.6%，报收147港元。", "2025-03-07",
     [C("京东", ["9618.HK"], "pr", "d:2025-03-07", -4.6), C("京东", ["9618.HK"], "cp", "d:2025-03-07", 147, "eq", "price", "HKD")]),
    ("恒生指数盘中一度突破24000点。", "2025-03-07",
     [C("恒生指数", "hsi", "il", "i:2025-03-07", 24000, "gt", "points")]),
    ("拼多多股价1月份下跌约6%。", "2025-02-05",
     [C("拼多多", "pdd", "pr", "m:2025-01", -6, "approx")]),
    ("联想集团股价过去一个月累计上涨超过五成。", "2025-02-20",
     [C("联想集团", "lenovo", "pr", "u", 50, "gt")]),
    ("腾讯控股市值周三重回4万亿港元上方。", "2025-02-20",
     [C("腾讯控股", "tencent", "ml", "d:2025-02-19", 4 * T, "gt", "money", "HKD")]),
    ("阿里巴巴的市值较1月中旬低点增加了逾1000亿美元。", "2025-02-21",
     [C("阿里巴巴", "alibaba", "mc", "u", 1000 * YI, "gt", "money", "USD")]),
    ("恒生科技指数周五收报5600点，较前一日下跌2%。", "2025-03-08",
     [C("恒生科技指数", "hstech", "il", "d:2025-03-07", 5600, "eq", "points"), C("恒生科技指数", "hstech", "ir", "d:2025-03-07", -2)]),
    ("Meta股价已连续15个交易日上涨，累计涨幅约18%。", "2025-02-14",
     [C("Meta", "meta", "pr", "s:15:2025-02-14", 18, "approx")]),
    ("英伟达的市盈率已降至约30倍。", "2025-03-10",
     [C("英伟达", "nvidia", "vm", "u", 30, "approx", "x")]),
    ("The Nasdaq-100 fell 2.97% on Jan. 27, its biggest drop since December.", "2025-02-01",
     [C("Nasdaq-100", "ndx", "ir", "d:2025-01-27", -2.97)]),
    ("BYD's Hong Kong shares jumped more than 20% last week after it unveiled its driver-assistance system.",
     "2025-02-17", [C("BYD", ["1211.HK"], "pr", "w:2025-02-10:2025-02-16", 20, "gt")]),
    ("Meituan shares slipped 1.8% last Friday.", "2025-02-24",
     [C("Meituan", "meituan", "pr", "d:2025-02-21", -1.8)]),
    ("Cambricon, a Shanghai-listed AI chipmaker, has risen 40% in February.", "2025-02-25",
     [C("Cambricon", "cambricon", "pr", "m:2025-02", 40)]),
    ("Hua Hong Semiconductor rallied 11% in Hong Kong on Thursday.", "2025-02-21",
     [C("Hua Hong", ["1347.HK"], "pr", "d:2025-02-20", 11)]),
    ("SenseTime jumped 13% on Monday and Kingdee added 6%.", "2025-02-18",
     [C("SenseTime", "sensetime", "pr", "d:2025-02-17", 13), C("Kingdee", "kingdee", "pr", "d:2025-02-17", 6)]),
    ("Tencent's market value rose by about HK$300 billion in two days.", "2025-02-18",
     [C("Tencent", "tencent", "mc", "n:2:2025-02-18", 300 * B, "approx", "money", "HKD")]),
    ("Alibaba trades at roughly 14 times forward earnings, up from 9 times in January.", "2025-02-24",
     [C("Alibaba", "alibaba", "vm", "u", 14, "approx", "x")]),
    ("Shares of Micron fell 11.7% and AMD declined 6.4%.", "2025-01-28",
     [C("Micron", "micron", "pr", "u", -11.7), C("AMD", "amd", "pr", "u", -6.4)]),
]

# Hard negatives: numbers that are not market claims (no claim must be extracted).
NEGATIVES: list[tuple[str, str]] = [
    ("DeepSeek-V3共有6710亿参数，每个token激活370亿参数。", "2025-01-28"),
    ("DeepSeek称V3的最终训练成本约为557.6万美元，使用了2048块H800芯片。", "2025-01-28"),
    ("R1的API定价为每百万输入tokens 1元，每百万输出tokens 16元。", "2025-01-28"),
    ("R1在AIME 2024测试中取得79.8%的成绩，略高于OpenAI o1。", "2025-01-28"),
    ("DeepSeek应用上线18天下载量突破1600万次。", "2025-02-03"),
    ("阿里巴巴宣布未来三年将投入超过3800亿元建设云和AI硬件基础设施。", "2025-02-24"),
    ("摩根士丹利将阿里巴巴美股目标价上调至180美元。", "2025-02-21"),
    ("分析师预计恒生科技指数年内还有15%的上涨空间。", "2025-02-21"),
    ("阿里云季度收入同比增长13%，AI相关产品收入连续六个季度三位数增长。", "2025-02-21"),
    ("腾讯去年研发投入707亿元，同比增长8%。", "2025-03-19"),
    ("Meta计划2025年资本开支600亿至650亿美元。", "2025-01-25"),
    ("微软表示本财年将在AI数据中心上投资约800亿美元。", "2025-01-28"),
    ("S1模型只用了不到50美元的云计算费用，基于Qwen2.5 32B参数模型微调。", "2025-02-13"),
    ("Qwen的参数规模从0.5B到72B不等，支持100万tokens的长文本。", "2025-02-13"),
    ("字节跳动称新架构推理速度提升2至6倍，推理成本最高可降低83%。", "2025-02-13"),
    ("月之暗面最近一轮融资后估值约33亿美元。", "2025-02-13"),
    ("英伟达数据中心业务收入增长93%，达到356亿美元。", "2025-02-27"),
    ("苹果在中国智能手机市场的份额降至15%。", "2025-02-20"),
    ("英伟达H20芯片单价约为1.2万美元。", "2025-02-10"),
    ("中国去年GDP增长5%，今年目标仍为5%左右。", "2025-03-05"),
    ("阿里持有月之暗面约36%的股份。", "2025-02-13"),
    ("DeepSeek团队约有150名研究人员，平均年龄不到30岁。", "2025-02-01"),
    ("星际之门项目计划投资5000亿美元建设AI基础设施。", "2025-01-22"),
    ("高盛预计中国股市可能再上涨16%。", "2025-02-24"),
    ("小米计划今年出货1.8亿部手机。", "2025-03-18"),
    ("DeepSeek-V3 has 671 billion parameters, of which 37 billion are active for each token.", "2025-01-28"),
    ("DeepSeek said training V3 cost about $5.6 million in GPU time.", "2025-01-28"),
    ("R1 scored 97.3% on MATH-500 and 79.8% on AIME 2024.", "2025-01-28"),
    ("The DeepSeek app was downloaded more than 16 million times in its first 18 days.", "2025-02-03"),
    ("Meta plans to spend $60 billion to $65 billion on capital expenditures this year.", "2025-01-25"),
    ("Microsoft expects to invest about $80 billion in AI data centers in fiscal 2025.", "2025-01-28"),
    ("Morgan Stanley raised its price target on Alibaba to $180.", "2025-02-21"),
    ("Analysts expect the Hang Seng Tech index could rise another 15% this year.", "2025-02-21"),
    ("Alibaba's cloud revenue grew 13% from a year earlier.", "2025-02-21"),
    ("Nvidia's data-center revenue rose 93% to $35.6 billion in the quarter.", "2025-02-27"),
    ("The Stargate venture plans to invest up to $500 billion over four years.", "2025-01-22"),
    ("DeepSeek charges $0.55 per million input tokens for R1.", "2025-01-28"),
    ("Alibaba said it will spend at least 380 billion yuan on AI infrastructure over three years.", "2025-02-24"),
    ("The H800 chips cost about $2 per GPU hour to rent.", "2025-01-28"),
    ("China set a growth target of around 5% for 2025.", "2025-03-05"),
    ("Apple's share of China's smartphone market fell to 15% in the fourth quarter.", "2025-02-20"),
    ("Tencent's revenue rose 11% to 172 billion yuan.", "2025-03-19"),
    ("Qwen 2.5-Max was trained on more than 20 trillion tokens.", "2025-01-29"),
    ("輝達H20晶片售價約1.2萬美元，交貨期約12週。", "2025-02-10"),
    ("阿里巴巴計劃三年投資逾3800億元人民幣於雲端與AI基建。", "2025-02-24"),
    ("The DeepSeek team has about 150 researchers, most of them under 30.", "2025-02-01"),
]


# Written after the extractor was tuned, and scored once without changes: all held out ("test").
HELD_OUT: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("周二，英伟达股价反弹8.8%，收复部分失地，市值回升约2600亿美元。", "2025-01-29",
     [C("英伟达", "nvidia", "pr", "d:2025-01-28", 8.8),
      C("英伟达", "nvidia", "mc", "d:2025-01-28", 2600 * YI, "approx", "money", "USD")]),
    ("受DeepSeek冲击，台积电美股周一收跌13.3%，阿斯麦下跌5.7%。", "2025-01-28",
     [C("台积电", "tsmc", "pr", "d:2025-01-27", -13.3), C("阿斯麦", "asml", "pr", "d:2025-01-27", -5.7)]),
    ("Hong Kong's Hang Seng Index jumped 4% on Friday to close at 22,620.", "2025-02-15",
     [C("Hang Seng Index", "hsi", "ir", "d:2025-02-14", 4), C("Hang Seng Index", "hsi", "il", "d:2025-02-14", 22620, "eq", "points")]),
    ("中芯国际H股本周累计涨幅超过25%。", "2025-02-21",
     [C("中芯国际", ["0981.HK"], "pr", "w:2025-02-17:2025-02-21", 25, "gt")]),
    ("The Nasdaq Composite closed down 3.1% on Monday, its worst day since December.", "2025-01-28",
     [C("Nasdaq Composite", "ixic", "ir", "d:2025-01-27", -3.1)]),
    ("腾讯和阿里巴巴港股今年以来分别上涨18%和52%。", "2025-02-24",
     [C("腾讯", ["0700.HK"], "pr", "ytd:2025:2025-02-24", 18), C("阿里巴巴", ["9988.HK"], "pr", "ytd:2025:2025-02-24", 52)]),
    ("Shares of Xiaomi hit a record high on Tuesday, rising 5.1% in Hong Kong.", "2025-02-19",
     [C("Xiaomi", "xiaomi", "pr", "d:2025-02-18", 5.1)]),
    ("百度美股隔夜收跌2.6%。", "2025-02-20", [C("百度", ["BIDU"], "pr", "d:2025-02-19", -2.6)]),
    ("Broadcom's market value shrank by about $200 billion on Monday.", "2025-01-28",
     [C("Broadcom", "broadcom", "mc", "d:2025-01-27", -200 * B, "approx", "money", "USD")]),
    ("恒生指数收盘上涨2.3%，报23,477点。", "2025-02-27",
     [C("恒生指数", "hsi", "ir", "u", 2.3), C("恒生指数", "hsi", "il", "u", 23477, "eq", "points")]),
    ("Alibaba rose as much as 9% in New York trading on Thursday.", "2025-03-07",
     [C("Alibaba", ["BABA"], "pr", "i:2025-03-06", 9)]),
    ("科创50指数今日收涨3.4%，沪深300指数上涨1.1%。", "2025-02-10",
     [C("科创50指数", "star50", "ir", "d:2025-02-10", 3.4), C("沪深300指数", "csi300", "ir", "d:2025-02-10", 1.1)]),
    ("美团股价年初至今下跌约12%，市值缩水逾200亿美元。", "2025-03-14",
     [C("美团", "meituan", "pr", "ytd:2025:2025-03-14", -12, "approx"),
      C("美团", "meituan", "mc", "ytd:2025:2025-03-14", -200 * YI, "lt", "money", "USD")]),
    ("Nvidia's shares have dropped roughly 20% since their Jan. 6 peak.", "2025-03-10",
     [C("Nvidia", "nvidia", "pr", "r:2025-01-06:2025-03-10", -20, "approx")]),
    ("小米集团港股收报52.3港元，涨4.2%。", "2025-02-21",
     [C("小米集团", "xiaomi", "cp", "u", 52.3, "eq", "price", "HKD"), C("小米集团", "xiaomi", "pr", "u", 4.2)]),
    ("The Hang Seng Tech index has surged 35% since mid-January, entering a bull market.", "2025-02-21",
     [C("Hang Seng Tech", "hstech", "ir", "u", 35)]),
    ("京东和拼多多美股上周五分别下跌2.1%和1.5%。", "2025-02-10",
     [C("京东", ["JD"], "pr", "d:2025-02-07", -2.1), C("拼多多", "pdd", "pr", "d:2025-02-07", -1.5)]),
    ("SMIC soared 9% on the first trading day after the Lunar New Year holiday.", "2025-02-04",
     [C("SMIC", "smic", "pr", "d:2025-02-03", 9)]),
]
HELD_OUT_NEGATIVES: list[tuple[str, str]] = [
    ("阿里巴巴表示，通义千问的API价格下调了97%。", "2025-01-29"),
    ("Nvidia said its H20 chips account for about 10% of China revenue.", "2025-02-27"),
    ("腾讯元宝下载量一周内增长了20倍。", "2025-02-20"),
    ("Baidu plans to make its Ernie chatbot free from April 1.", "2025-02-13"),
    ("字节跳动今年计划投入1600亿元用于AI基础设施。", "2025-01-24"),
    ("DeepSeek-R1 was trained with 2,048 Nvidia H800 GPUs, according to the paper.", "2025-01-28"),
]


def main() -> None:
    out = Path(__file__).with_name("devset.jsonl")
    rows: list[dict[str, Any]] = []
    for text, date, claims in RECORDS:
        rows.append({"text": text, "article_date": date, "claims": claims, "hard_negative": False})
    for text, date in NEGATIVES:
        rows.append({"text": text, "article_date": date, "claims": [], "hard_negative": True})
    for i, row in enumerate(rows):
        row["split"] = "test" if i % 5 == 4 else "dev"
    for text, date, claims in HELD_OUT:
        rows.append({"text": text, "article_date": date, "claims": claims, "hard_negative": False, "split": "test"})
    for text, date in HELD_OUT_NEGATIVES:
        rows.append({"text": text, "article_date": date, "claims": [], "hard_negative": True, "split": "test"})
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    n_claims = sum(len(r["claims"]) for r in rows)
    print(f"wrote {out} ({len(rows)} records, {n_claims} claims, {len(NEGATIVES)} hard negatives)")


if __name__ == "__main__":
    main()
