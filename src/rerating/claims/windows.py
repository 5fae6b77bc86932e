"""Window expressions of market claims (dates, ranges, sessions, event anchors), resolved to dicts.

Each rule is a regex and a maker; a maker turns a match and the article date into a builder that
takes the listing's calendar (only 春节后首个交易日 needs it) and returns the normalised window.
Conventions are in :mod:`rerating.claims.dates` and docs/CLAIMS.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from rerating.claims import dates as D


class DayMemory(Protocol):
    """What the window rules read from the previous sentences: the last day named."""

    last_day: str | None


@dataclass
class Window:
    """One window expression found in a sentence: where it is, and how to build the dict."""

    start: int
    end: int
    build: Callable[[str | None], dict[str, Any]]  # calendar hint -> normalised window
    is_day: bool = False
    # A window relative to the last day named before it ("当日", "a day earlier", "全周"): given
    # that day (or None), the builder; resolved in text order by the extractor.
    anchor: Callable[[str | None], Callable[[str | None], dict[str, Any]] | None] | None = None
    # Whether later sentences without a date take this window: "全周累升857点" is stated for one
    # figure and does not date the stocks that follow.
    carries: bool = True
    # A day that depends on the listing's calendar (春节后首个交易日: Hong Kong 2025-02-03,
    # Shanghai 2025-02-05): once a claim resolves it, later sentences carry that date.
    per_calendar: bool = False


class Anchored:
    """What a maker returns for a window relative to the last day named (see ``Window.anchor``)."""

    def __init__(self, anchor: Callable[[str | None], Any], is_day: bool, carries: bool = True) -> None:
        self.anchor, self.is_day, self.carries = anchor, is_day, carries


class PerCalendar:
    """What a maker returns for a day that depends on the listing's calendar (see ``Window.per_calendar``)."""

    def __init__(self, build: Callable[[str | None], dict[str, Any]]) -> None:
        self.build = build


_MON = (r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
        r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_MON_PLAIN = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
              r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
# "Feb. 7", "February 7th, 2025": a month, its day (group d) and an optional year (group y)
_EN_DATE = rf"{_MON}\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}}))?"
_CN_N = r"\d+|[一二两三四五六七八九十]+"
_EN_N = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty"


def _const(win: dict[str, Any]) -> Callable[[str | None], dict[str, Any]]:
    return lambda _cal: dict(win)


def _w_zh_range(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "1月20日至2月14日": both days inside the period, as mainland vendors' 区间涨跌幅 (Wind,
    # Choice) measure it: from the close before the first day. The extractor turns the "base"
    # key into the claim's note RANGE_FROM_PREVIOUS_CLOSE (the window keeps start and end only).
    y = int(m.group("y")) if m.group("y") else None
    m1 = int(m.group("m1"))
    m2 = int(m.group("m2")) if m.group("m2") else m1
    start, end = _day_range(m1, int(m.group("d1")), m2, int(m.group("d2")), y, ref)
    return _const({"type": "range", "start": start, "end": end, "base": "previous_close"}), False


def _w_zh_since_date(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    y = int(m.group("y")) if m.group("y") else None
    start = D.month_day(int(m.group("mo")), int(m.group("d")), y, ref)
    return _const({"type": "range", "start": start, "end": D.iso(D.need(ref, m.group(0)))}), False


def _w_zh_day(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    y = int(m.group("y")) if m.group("y") else None
    return _const({"type": "day", "date": D.month_day(int(m.group("mo")), int(m.group("d")), y, ref)}), True


def _w_iso(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    try:
        day = pd.Timestamp(m.group(0))
    except ValueError:
        return None
    return _const({"type": "day", "date": D.iso(day)}), True


def _w_en_day(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    mon = D.MONTHS[m.group("mon").casefold().rstrip(".")]
    y = int(m.group("y")) if m.group("y") else None
    return _const({"type": "day", "date": D.month_day(mon, int(m.group("d")), y, ref)}), True


def _day_range(
    m1: int, d1: int, m2: int, d2: int, year: int | None, ref: pd.Timestamp | None
) -> tuple[str, str]:
    """The first and last days of "1月20日至2月14日" / "from Jan. 20 to Feb. 14", the end never
    before the start. With ``year`` (the first day's), the last day is in that year or, when it
    comes earlier in the calendar ("12月20日至1月14日"), the next. Without, the last day is the
    latest such day on or before the article date (as a day alone, :func:`dates.month_day`) and
    the first the latest before it: a period that would end after the article is last year's,
    both days of it."""
    if year is not None:
        start = D.month_day(m1, d1, year, ref)
        return start, D.month_day(m2, d2, year + ((m2, d2) < (m1, d1)), ref)
    end = D.month_day(m2, d2, None, ref)
    end_year = int(end[:4])
    return D.month_day(m1, d1, end_year - ((m1, d1) > (m2, d2)), ref), end


def _w_en_range(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    m1 = D.MONTHS[m.group("mon").casefold()]
    m2 = D.MONTHS[m.group("mon2").casefold()] if m.group("mon2") else m1
    start, end = _day_range(m1, int(m.group("d1")), m2, int(m.group("d2")), None, ref)
    return _const({"type": "range", "start": start, "end": end}), False


def _w_en_since(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "since Jan. 20", "from its Jan. 27 low": from that day's close to the article date
    if not m.group("since") and not m.group("point"):
        return None
    start = D.month_day(D.MONTHS[m.group("mon").casefold()], int(m.group("d")), None, ref)
    return _const({"type": "range", "start": start, "end": D.iso(D.need(ref, m.group(0)))}), False


def _w_en_from_point(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "from their record close of $149.43 on Jan. 6": the point's day to the article date
    start = D.month_day(D.MONTHS[m.group("mon").casefold()], int(m.group("d")), None, ref)
    return _const({"type": "range", "start": start, "end": D.iso(D.need(ref, m.group(0)))}), False


def _w_months_back(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "over the past three months", "近一个月", "一年内": from the same day that many calendar
    # months (years) before the article date, to it
    n_text = m.group("n") or m.group("n2") or m.group("n3") or "1"
    unit = (m.group("u") or m.group("u2") or m.group("u3")).casefold()
    n = 0.5 if n_text == "半" else D.small_number(n_text)
    if n is None or n <= 0 or n > 30:
        return None
    months = n * (12 if unit.startswith(("年", "year")) else 1)
    if months != int(months):
        return None
    base = D.need(ref, m.group(0))
    start = base - pd.DateOffset(months=int(months))
    return _const({"type": "range", "start": D.iso(start), "end": D.iso(base)}), False


def _w_sessions(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    return _count_window(m.group("n"), m.group("u"), D.iso(D.need(ref, m.group(0))))


def _w_sessions_to(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "in the 20 sessions to / ended / ending Feb. 13": the count ends on the day named, as
    # "through Feb. 13" and 截至2月13日 (the extractor's "as of") already end it.
    mon = D.MONTHS[m.group("mon").casefold().rstrip(".")]
    y = int(m.group("y")) if m.group("y") else None
    return _count_window(m.group("n"), m.group("u"), D.month_day(mon, int(m.group("d")), y, ref))


def _count_window(n_text: str, unit_text: str, end: str) -> Any:
    n = D.small_number(n_text)
    if n is None or n <= 0 or n != int(n):
        return None
    unit = re.sub(r"\s+", " ", unit_text.casefold())
    if unit in ("天", "days", "day", "calendar days"):
        return _const({"type": "days", "n": int(n), "end": end}), False
    if unit in ("周", "weeks", "week", "个星期", "星期"):
        return _const({"type": "days", "n": int(n) * 7, "end": end}), False
    return _const({"type": "sessions", "n": int(n), "end": end}), False


def _w_zh_mday(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "27日，..." alone is the 27th of the article's month.
    d = int(m.group("d"))
    base = D.need(ref, m.group(0))
    if not 1 <= d <= 31:
        return None
    return _const({"type": "day", "date": D.day_of_month(d, base)}), True


def _w_rel_day(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    word = m.group(0).casefold()
    base = D.need(ref, m.group(0))
    shift = {"今日": 0, "今天": 0, "today": 0, "昨日": -1, "昨天": -1, "yesterday": -1, "前日": -2,
             "前天": -2}.get(word)
    if shift is None:
        return None
    return _const({"type": "day", "date": D.iso(base + pd.Timedelta(days=shift))}), True


def _w_zh_weekday(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    wd = D.WEEKDAYS_ZH[m.group("wd")]
    base = D.need(ref, m.group(0))
    which = m.group("which") or ""
    if which in ("上", "上个"):
        day = D.previous_week_day(base, wd)
    elif which in ("本", "这", "这个"):
        day = base - pd.Timedelta(days=base.weekday()) + pd.Timedelta(days=wd)
    else:
        day = D.weekday_before(base, wd, strictly=False)
    return _const({"type": "day", "date": D.iso(day)}), True


def _w_en_weekday(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    wd = D.WEEKDAYS_EN[m.group("wd").casefold()]
    base = D.need(ref, m.group(0))
    strictly = bool(m.group("last"))
    return _const({"type": "day", "date": D.iso(D.weekday_before(base, wd, strictly))}), True


def _w_that_day(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    def anchor(last: str | None) -> Any:
        return None if last is None else _const({"type": "day", "date": last})

    return Anchored(anchor, True)


def _w_day_before(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "its ADR rose 8.1% a day earlier", "前一交易日": the weekday before the last day named;
    # "较前一日下跌2%", "from the previous session" is the move's reference, not its date.
    if re.search(r"(?:较|比|相比|对比|从|\bthan|\bfrom|\bversus|\bvs\.?|compared (?:with|to))\s*(?:the\s+)?$",
                 m.string[max(0, m.start() - 16):m.start()], re.IGNORECASE):
        return None

    def anchor(last: str | None) -> Any:
        if last is None:
            return None
        day = pd.Timestamp(last) - pd.Timedelta(days=1)
        while day.weekday() >= 5:
            day -= pd.Timedelta(days=1)
        return _const({"type": "day", "date": D.iso(day)})

    return Anchored(anchor, True)


def _w_week_of(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "全周累升857点", "一周累计", "for the week": the calendar week of the last day named (the
    # article's week when none), to its Sunday or the article date, whichever is earlier.
    base = D.need(ref, m.group(0))

    def anchor(last: str | None) -> Any:
        day = pd.Timestamp(last) if last is not None else base
        monday = day - pd.Timedelta(days=day.weekday())
        end = min(monday + pd.Timedelta(days=6), base)
        if end < monday:
            return None
        return _const({"type": "week", "start": D.iso(monday), "end": D.iso(end)})

    return Anchored(anchor, False, carries=False)


def _week_ended(day: pd.Timestamp, base: pd.Timestamp, to_day: bool) -> Any:
    """The calendar week of ``day``, from its Monday to ``day`` ("the week ended Feb. 7",
    截至2月7日当周: ``to_day``) or to its Sunday ("2月5日当周"), never past the article date."""
    monday = day - pd.Timedelta(days=day.weekday())
    end = min(day if to_day else monday + pd.Timedelta(days=6), base)
    if end < monday:
        return None
    return _const({"type": "week", "start": D.iso(monday), "end": D.iso(end)}), False


def _w_week_ended(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "in the week ended Feb. 7", "for the week ending Friday", "the week to Feb. 7": the calendar
    # week of that day, Monday to the day (measured from the close before the Monday); "the week
    # of Feb. 3": the whole calendar week of that day.
    if not (m.group("d") or m.group("wd") or m.group("bd")):
        return None
    base = D.need(ref, m.group(0))
    if m.group("d"):  # "the week to Friday, Feb. 7": the date decides
        mon = D.MONTHS[m.group("mon").casefold().rstrip(".")]
        y = int(m.group("y")) if m.group("y") else None
        day = pd.Timestamp(D.month_day(mon, int(m.group("d")), y, ref))
    elif m.group("bd"):  # "the week to the 7th": a day of the article's month, as 7日 is
        if not 1 <= int(m.group("bd")) <= 31:
            return None
        day = pd.Timestamp(D.day_of_month(int(m.group("bd")), base))
    elif m.group("of"):  # "the week of Monday" names no week
        return None
    else:
        day = D.weekday_before(base, D.WEEKDAYS_EN[m.group("wd").casefold()], strictly=False)
    # "the week of Feb. 3": that day's calendar week, to its Sunday (or the article date)
    return _week_ended(pd.Timestamp(day), base, not m.group("of"))


def _w_zh_week_ended(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "截至2月7日当周", "截至2月7日的一周", "2月7日止一周": Monday of that week to the day;
    # "2月5日当周" (no 截至): the week of the day, to its Sunday or the article date.
    upto = bool(m.group("upto") or m.group("zhi"))
    if m.group("one") and not upto:
        return None  # "2月7日一周后" is a week after that day, not its week
    base = D.need(ref, m.group(0))
    y = int(m.group("y")) if m.group("y") else None
    day = pd.Timestamp(D.month_day(int(m.group("mo")), int(m.group("d")), y, ref))
    return _week_ended(day, base, upto)


def _w_single_day(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "市值單日增加約3354億元": one session, the last day named (the article's own day when none).
    base = D.need(ref, m.group(0))

    def anchor(last: str | None) -> Any:
        return _const({"type": "day", "date": last if last is not None else D.iso(base)})

    return Anchored(anchor, True)


def _w_lny(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    base = D.need(ref, m.group(0))
    year = base.year - 1 if (m.group("which") or "") in ("去年",) else base.year
    day = D.lunar_new_year(year)
    if (m.group("eve") or "") in ("除夕", "eve"):
        day = day - pd.Timedelta(days=1).to_pytimedelta()
    return _const({"type": "day", "date": D.iso(day)}), True


# Holidays an article dates a session by ("五一节后首个交易日"): the holiday's (first) day in a year.
_HOLIDAYS: dict[str, Callable[[int], Any]] = {
    "lny": D.lunar_new_year,
    "labour": lambda y: pd.Timestamp(year=y, month=5, day=1).date(),
    "national": lambda y: pd.Timestamp(year=y, month=10, day=1).date(),
    "newyear": lambda y: pd.Timestamp(year=y, month=1, day=1).date(),
}
_HOLIDAY_WORDS = {"春节": "lny", "春节假期": "lny", "五一": "labour", "五一节": "labour",
                  "五一劳动节": "labour", "劳动节": "labour", "国庆": "national", "国庆节": "national",
                  "元旦": "newyear", "元旦节": "newyear"}
# A bare 节后 is the holiday whose first session after it is nearest before the article date,
# among the long holidays (Lunar New Year, Labour Day, National Day), and only when that session
# is at most this many days before the article (else another festival may be meant: 端午, 中秋).
BARE_HOLIDAY_DAYS = 7


def _w_after_lny(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "春节后首个交易日", "五一节后首个交易日", "国庆节后首日": the first session after the holiday
    # on the listing's calendar (五一: Shanghai 2025-05-06, Hong Kong 2025-05-02), in the latest
    # year where that session is on or before the article date (Lunar New Year: the article's year).
    base = D.need(ref, m.group(0))
    word = m.group("hol") or ("春节" if m.group("en") else "")
    if m.group("other"):  # 端午节后, 中秋节后: no date table for them
        return _const({"type": "unspecified"}), False
    kind = _HOLIDAY_WORDS.get(word)

    def first_after(key: str, year: int, cal: str) -> pd.Timestamp:
        return pd.Timestamp(D.first_session_after_holiday(_HOLIDAYS[key](year), cal))

    def build_day(cal: str | None) -> dict[str, Any]:
        cal = cal or "XHKG"
        if kind == "lny":
            return {"type": "day", "date": D.iso(first_after("lny", base.year, cal))}
        keys = [kind] if kind is not None else ["lny", "labour", "national"]
        days = []
        for key in keys:
            for year in (base.year, base.year - 1):
                day = first_after(key, year, cal)
                if day <= base:
                    days.append(day)
                    break
        if not days:
            return {"type": "unspecified"}
        day = max(days)
        if kind is None and (base - day).days > BARE_HOLIDAY_DAYS:
            return {"type": "unspecified"}  # a bare 节后 long after the holidays known here
        return {"type": "day", "date": D.iso(day)}

    if not m.group("week"):
        return PerCalendar(build_day)

    def build_week(cal: str | None) -> dict[str, Any]:
        # "春节后首周": the calendar week of that first session (Hong Kong's 2025-02-03..09; in
        # Shanghai, shut to 2025-02-04, the same week from its first session on the 5th), never
        # past the article date
        first = build_day(cal)
        if first.get("type") != "day":
            return first
        monday = pd.Timestamp(first["date"]) - pd.Timedelta(days=pd.Timestamp(first["date"]).weekday())
        end = min(monday + pd.Timedelta(days=6), base)
        return {"type": "week", "start": D.iso(monday), "end": D.iso(end)}

    return PerCalendar(build_week)


def _w_ytd(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    base = D.need(ref, m.group(0))
    return _const({"type": "ytd", "year": base.year, "end": D.iso(base)}), False


def _w_week(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    base = D.need(ref, m.group(0))
    word = m.group(0).casefold()
    monday = base - pd.Timedelta(days=base.weekday())
    if word.startswith(("上", "last")):
        return _const({"type": "week", "start": D.iso(monday - pd.Timedelta(days=7)),
                       "end": D.iso(monday - pd.Timedelta(days=1))}), False
    if word.startswith(("过去", "近", "past")):
        return _const({"type": "days", "n": 7, "end": D.iso(base)}), False
    return _const({"type": "week", "start": D.iso(monday), "end": D.iso(base)}), False


# The end of a span of months ("2025年2月至3月" in January 2025: a period still to come, which
# _w_zh_months did not take) is not a month of its own.
_MONTHS_SPAN_BEFORE_RE = re.compile(r"\d\s*月份?\s*(?:至|到|-|—|~)\s*(?:(?:19|20)\d{2}\s*年\s*)?$")


def _w_month(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    if m.groupdict().get("mo") and _MONTHS_SPAN_BEFORE_RE.search(
        m.string, max(0, m.start() - 16), m.start()
    ):
        return None
    base = D.need(ref, m.group(0))
    word = m.group(0).casefold()
    if m.groupdict().get("mo"):
        mo = int(m.group("mo"))
    elif m.groupdict().get("mon"):
        mo = D.MONTHS[m.group("mon").casefold()]
    elif word.startswith(("上", "last")):
        mo = base.month - 1 or 12
    else:
        mo = base.month
    year = base.year if mo <= base.month else base.year - 1
    if m.groupdict().get("since") or m.groupdict().get("mtd"):
        return _const({"type": "range", "start": f"{year}-{mo:02d}-01", "end": D.iso(base)}), False
    win = {"type": "month", "month": f"{year}-{mo:02d}"}
    month_end = pd.Timestamp(f"{year}-{mo:02d}-01") + pd.offsets.MonthEnd(0)
    if base < month_end:  # the month is not over: it runs to the article date, never past it
        win["end"] = D.iso(base)
    return _const(win), False


def _w_period_end(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    """The end of a month or a year ("1月底", "去年底", "2024年末", "at the end of January", "at
    the end of last year"): the last session on or before its last day, on the listing's
    calendar ("1月底市值为…" is the value at January's last close: 2025-01-28 in Hong Kong, shut
    for Lunar New Year from the 29th, 2025-01-31 in New York). A month without a year is the last
    one that ended by the article date; an end not yet reached at the article date is no
    window. After 自 / 从 / 较, or before 以来, it is where a range to the article date starts
    ("自1月底以来上涨20%")."""
    g = m.groupdict()
    base = D.need(ref, m.group(0))
    mo = int(g["mo"]) if g.get("mo") else (D.MONTHS[g["mon"].casefold()] if g.get("mon") else None)
    year_text = g.get("y") or g.get("y2") or g.get("y3") or g.get("y4")
    year = base.year - 1 if g.get("prev") or g.get("prev2") or g.get("prev3") else None
    if year is None and year_text:
        year = int(year_text)
    if (year is None and mo is None) or (mo is not None and not 1 <= mo <= 12):
        return None
    end = D.month_end(mo or 12, year, base)
    if end > base:
        return None
    if g.get("from") or g.get("since"):  # a move since the month's end, to the article date
        return _const({"type": "range", "start": D.iso(end), "end": D.iso(base)}), False

    def build(cal: str | None) -> dict[str, Any]:
        day = D.iso(end) if cal is None else D.last_session_on_or_before(end, cal)
        return {"type": "day", "date": day}

    return PerCalendar(build)


def _w_year(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "in 2024" / "2024年": the calendar year, from the last close of the year before to its last
    # close; a year not over at the article date runs to that date, never past it.
    base = D.need(ref, m.group(0))
    last = m.group("last") or m.group("last_en")
    year = base.year - 1 if last else int(m.group("y") or m.group("y2"))
    if year > base.year:  # a year still to come is a forecast's, not a move's
        return None
    win: dict[str, Any] = {"type": "year", "year": year}
    if year == base.year and base < pd.Timestamp(f"{year}-12-31"):
        win["end"] = D.iso(base)
    return _const(win), False


# "创2021年以来新高", "the first time since 2021", "its best day since 2020": a record's reference
# point, not the window of a move.
_RECORD_BEFORE_RE = re.compile(
    r"(?:创|为|是|first|highest|lowest|best|worst|biggest|largest|steepest|sharpest|strongest"
    r"|weakest|most|least|level|peak)[^,，。;；]{0,20}$",
    re.IGNORECASE,
)
_RECORD_AFTER_RE = re.compile(r"\s*(?:来)?\s*(?:的)?\s*(?:新高|新低|最|首次|高位|低位)")


def _w_years(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "2024年以来", "since 2024", "from 2024 to 2025", "2024年至2025年": from the start of the first
    # year to the end of the last (the article date, when that year is not over by then).
    base = D.need(ref, m.group(0))
    if _RECORD_BEFORE_RE.search(m.string, max(0, m.start() - 30), m.start()) or _RECORD_AFTER_RE.match(
        m.string, m.end()
    ):
        return None
    y1 = int(m.group("y1") or m.group("y3") or m.group("y4"))
    last = m.group("y2") or m.group("y5")
    y2 = int(last) if last else base.year
    if not y1 <= y2 <= base.year:
        return None
    end = D.iso(base) if y2 == base.year else f"{y2}-12-31"
    if y1 == y2 == base.year and end == D.iso(base):
        return _const({"type": "ytd", "year": y1, "end": end}), False
    return _const({"type": "range", "start": f"{y1}-01-01", "end": end}), False


def _months_span(
    base: pd.Timestamp, m1: int, m2: int, y1_text: str | None, y2_text: str | None
) -> Any:
    """From the start of month ``m1`` to the end of month ``m2`` (the article date ``base``, when
    that month is not over by then). Without a year the last month is the latest one on or before
    the article's month, like a month alone; a first month after the last is in the year before
    it. A period starting after the article date is no window."""
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        return None
    if y2_text:
        y2 = int(y2_text)
    elif y1_text:
        y2 = int(y1_text) + (m2 < m1)
    else:
        y2 = base.year if m2 <= base.month else base.year - 1
    y1 = int(y1_text) if y1_text else y2 - (m1 > m2)
    start = pd.Timestamp(f"{y1}-{m1:02d}-01")
    last = pd.Timestamp(f"{y2}-{m2:02d}-01") + pd.offsets.MonthEnd(0)
    if not start <= last or start > base:
        return None
    return _const({"type": "range", "start": D.iso(start), "end": D.iso(min(last, base))}), False


def _w_zh_months(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "2025年1月至2月", "从1月到3月" (:func:`_months_span`)
    base = D.need(ref, m.group(0))
    return _months_span(base, int(m.group("m1")), int(m.group("m2")), m.group("y1"), m.group("y2"))


def _w_en_months(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "from January to February", "between January and March 2025" (:func:`_months_span`); months
    # written in lower case ("from may to ...") are words, not months
    if not (m.group("mon")[0].isupper() and m.group("mon2")[0].isupper()):
        return None
    base = D.need(ref, m.group(0))
    m1, m2 = D.MONTHS[m.group("mon").casefold()], D.MONTHS[m.group("mon2").casefold()]
    return _months_span(base, m1, m2, m.group("y1"), m.group("y2"))


_LOW_WORDS = {"low": "low", "lows": "low", "trough": "low", "bottom": "low", "低点": "low", "低位": "low",
              "最低点": "low", "最低位": "low", "低谷": "low", "谷底": "low", "high": "high", "highs": "high",
              "peak": "high", "高点": "high", "高位": "high", "最高点": "high", "最高位": "high",
              "高峰": "high", "峰值": "high"}


def _w_extreme(m: re.Match[str], ref: pd.Timestamp | None, st: DayMemory) -> Any:
    # "from its January low", "较年内高点", "from its 52-week high": from the lowest (highest)
    # close of a period to the article date. With no period ("from its peak", "较历史高点") the
    # window says so and is not checked: the data need not hold the whole history.
    g = m.groupdict()
    text = m.group(0)
    if g.get("zpt") and not any(g.get(k) for k in ("zath", "zy", "zmo", "zytd", "zwk")) and (
        text.startswith(("较", "相")) and "的" not in text and not g["zpt"].startswith("最")
    ):
        return None  # 较高 / 较低 is "rather high / low" ("处于较低位置"), not a reference point
    point = _LOW_WORDS[(g.get("pt") or g.get("zpt") or "").casefold()]
    win: dict[str, Any] = {"type": "from_extreme", "extreme": point}
    if g.get("ath") or g.get("zath") or not any(
        g.get(k) for k in ("mon", "y", "ytd", "wk", "zmo", "zy", "zytd", "zwk")
    ):
        return _const(win), False
    base = D.need(ref, m.group(0))
    if g.get("mon") or g.get("zmo"):
        mo = D.MONTHS[g["mon"].casefold().rstrip(".")] if g.get("mon") else int(g["zmo"])
        if not 1 <= mo <= 12:
            return None
        year = base.year if mo <= base.month else base.year - 1
        first = pd.Timestamp(year=year, month=mo, day=1)
        last = first + pd.offsets.MonthEnd(0)
    elif g.get("y") or g.get("zy"):
        year = int(g.get("y") or g["zy"])
        if year > base.year:
            return None
        first, last = pd.Timestamp(year=year, month=1, day=1), pd.Timestamp(year=year, month=12, day=31)
    elif g.get("ytd") or g.get("zytd"):
        first, last = pd.Timestamp(year=base.year, month=1, day=1), base
    else:  # 52 weeks
        first, last = base - pd.Timedelta(weeks=52), base
    win.update(period_start=D.iso(first), period_end=D.iso(min(last, base)), end=D.iso(base))
    return _const(win), False


WINDOW_RULES: list[tuple[re.Pattern[str], Callable[..., Any]]] = [
    # A move measured from a period's low or high ("nearly doubled from its January low"); first,
    # so that "年内" / "year-to-date" / "1月" inside it are not read as windows of their own.
    (re.compile(rf"\b(?:from|since)\s+(?:(?:its|their|the|a|an)\s+|(?=(?:record|all-time|all time)\s|{_MON_PLAIN}\.?['’]s\s))"
                rf"(?:(?P<ath>record|all-time|all time|historic|lifetime)\s+|{_MON}\.?(?:['’]s)?\s+"
                r"|(?P<y>(?:19|20)\d{2})\s+|(?P<ytd>year-to-date|year to date|this year['’]s|this-year)\s+"
                r"|(?P<wk>52-week|52 week)\s+)?(?P<pt>lows?|highs?|peak|trough|bottom)\b"
                r"(?!\s+(?:of|on|in|at)\s+(?:\d|[A-Z][a-z]{2})|[\s-]+(?:base|bar|levels?|point|single|double)\b)"
                r"|(?:较|从|自|相比|相较)\s*(?:(?P<zath>历史|纪录|记录|上市以来)|(?P<zy>(?:19|20)\d{2})年|(?P<zmo>\d{1,2})月份?"
                r"|(?P<zytd>年内|今年|今年以来|年初以来)|(?P<zwk>52周))?\s*(?:的)?\s*"
                r"(?P<zpt>最低点|最高点|最低位|最高位|低点|高点|低位|高位|低谷|谷底|高峰|峰值)(?![置期])", re.IGNORECASE),
     _w_extreme),
    # "down 20% from their record close of $149.43 on Jan. 6": from that day to the article date;
    # the window is the words before the price, so that "on Jan. 6" still dates the price itself
    (re.compile(rf"\b(?:from|since)\s+(?:its|their|the)\s+(?:(?:record|all-time|all\s+time|closing|intraday)\s+)?"
                r"(?:lows?|highs?|peak|trough|bottom|top|close|level)(?=(?:\s+of\s+\S+(?:\s+a\s+share)?)?"
                rf"\s+(?:on|of)\s+{_MON}\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b)", re.IGNORECASE),
     _w_en_from_point),
    # the end of a month or a year: its last day ("1月底", "去年底", "at the end of January")
    # ("自1月底以来", "较1月底": a range from it; "较去年底" is the year to date, a rule below)
    (re.compile(r"(?P<from>较|从|自|相比)?\s*(?:(?P<y>(?:19|20)\d{2})\s*年\s*|(?P<prev>去年|上年)\s*)?(?<![\d.])(?P<mo>\d{1,2})\s*月\s*(?:底|末)(?!期)(?:\s*(?P<since>以来|至今|起))?"
                r"|(?<![较从自比])(?:(?P<y2>(?:19|20)\d{2})\s*年|(?P<prev2>去年|上年))\s*(?:年)?(?:底|末)(?!期|\s*(?:以来|至今|起))"
                rf"|\b(?:at|by|as\s+of)\s+the\s+end\s+of\s+(?:{_MON}\.?(?:\s+(?P<y3>(?:19|20)\d{{2}}))?"
                r"|(?P<y4>(?:19|20)\d{2})|(?P<prev3>last\s+year))\b", re.IGNORECASE),
     _w_period_end),
    # "over the past month", "in the last three months", "近一个月", "一年内", "过去半年": the
    # calendar months or years before the article date (before "年内", which is the year to date)
    (re.compile(rf"(?:近|过去|最近)\s*(?P<n>{_CN_N}|半)\s*个?(?P<u>月|年)(?:内|以来|来|里|间)?"
                rf"|(?<![\d今去明本前后当每])(?P<n2>一|两|二|三|半|[1-3])\s*(?P<u2>个月|年)(?:内|以来|来|里|间)"
                rf"|\b(?:the\s+)(?:past|last|previous)\s+(?:(?P<n3>{_EN_N}|six|twelve|eighteen)\s+)?(?P<u3>months?|years?)\b",
                re.IGNORECASE),
     _w_months_back),
    # "Since DeepSeek's R1 model was released on Jan. 20, the index has risen 20%": from that day
    (re.compile(rf"\bsince\s+(?![^,;:.]*\b(?:since|from|between)\b)[^,;:]{{1,80}}?\b(?:on|in)\s+{_MON}\.?\s+"
                r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:-|to|through|until|and)\s)", re.IGNORECASE),
     _w_en_from_point),
    (re.compile(r"(?:(?P<y>\d{4})年)?(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?\s*(?:至|到|-|—|~)\s*"
                r"(?:(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})[日号]"), _w_zh_range),
    (re.compile(r"(?:(?<![\d.])(?P<y1>(?:19|20)\d{2})\s*年\s*)?(?<![\d.])(?P<m1>\d{1,2})\s*"
                r"(?:月份?\s*(?:至|到|-|—|~)|-|—|~)\s*(?:(?P<y2>(?:19|20)\d{2})\s*年\s*)?"
                r"(?P<m2>\d{1,2})\s*月份?(?![\d日号])"), _w_zh_months),
    (re.compile(r"(?:(?P<y>\d{4})年)?(?P<mo>\d{1,2})月(?P<d>\d{1,2})[日号](?:收盘)?(?:以来|起至今)"), _w_zh_since_date),
    (re.compile(r"(?:较|从|自|相比)\s*(?:(?P<y>\d{4})年)?(?P<mo>\d{1,2})月(?P<d>\d{1,2})[日号]"), _w_zh_since_date),
    (re.compile(r"(?P<upto>截至|截止到?)?\s*(?:(?P<y>\d{4})年)?(?P<mo>\d{1,2})月(?P<d>\d{1,2})[日号]"
                r"(?:收盘)?(?P<zhi>止)?(?:的)?(?:当周|该周|(?P<one>一周)内?(?![以来里后前]))"),
     _w_zh_week_ended),
    (re.compile(r"(?:截至|截止|截止到)\s*(?:(?P<y>\d{4})年)?(?P<mo>\d{1,2})月(?P<d>\d{1,2})[日号](?:收盘)?"), _w_zh_day),
    (re.compile(r"(?:(?P<y>\d{4})年)?(?P<mo>\d{1,2})月(?P<d>\d{1,2})[日号]"), _w_zh_day),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), _w_iso),
    (re.compile(r"前一(?:个)?(?:交易日|日|天)|\b(?:a|one)\s+(?:day|session|trading day)\s+(?:earlier|before)\b"
                r"|\bthe\s+(?:day|session|trading day)\s+before\b(?!\s+(?:yesterday|the|last|\w+day\b))"
                r"|\bthe\s+(?:previous|prior|preceding)\s+(?:day|session|trading day)\b", re.IGNORECASE),
     _w_day_before),
    (re.compile(rf"\b(?:from|between)\s+(?:the\s+(?:start|beginning)\s+of\s+)?{_MON}"
                r"(?:\s+(?P<y1>(?:19|20)\d{2}))?\s+(?:to|through|until|till|and)\s+(?:the\s+end\s+of\s+)?"
                rf"(?P<mon2>{_MON_PLAIN})(?:\s+(?P<y2>(?:19|20)\d{{2}}))?\b(?!\.?\s*\d)", re.IGNORECASE),
     _w_en_months),
    (re.compile(rf"\b(?:from|between)\s+(?:the\s+|its\s+|their\s+)?{_MON}\.?\s+(?P<d1>\d{{1,2}})(?:\s+close)?"
                r"(?:\s*\([^()]{0,80}\))?\s+(?:to|and|through|until)\s+(?:the\s+)?"
                r"(?:(?P<mon2>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+)?(?P<d2>\d{1,2})\b"
                r"(?:\s+close\b)?", re.IGNORECASE), _w_en_range),
    (re.compile(rf"\b(?:(?P<since>since)(?:\s+(?:its|their|the))?|from\s+(?:its|their|the))\s+{_MON}\.?\s+(?P<d>\d{{1,2}})\b"
                r"(?:st|nd|rd|th)?(?P<point>\s+(?:(?:record|all-time|closing|intraday)\s+)?"
                r"(?:low|high|peak|trough|bottom|top|close|level)s?\b)?",
                re.IGNORECASE), _w_en_since),
    (re.compile(r"\bthe\s+week\s+(?:(?P<of>of)|ended|ending|to|through)\s+(?:(?:on\s+)?(?P<wd>Monday|Tuesday|Wednesday"
                rf"|Thursday|Friday)\b(?:['’]s)?(?:,?\s+(?={_MON_PLAIN}\.?\s+\d|the\s+\d))?)?"
                rf"(?:{_EN_DATE}|the\s+(?P<bd>\d{{1,2}})(?:st|nd|rd|th)\b"
                # not an ordinal of a run ("to the 5th straight weekly gain")
                r"(?!\s+(?:straight|consecutive|successive|weekly|daily|monthly|annual|time|largest"
                r"|biggest|best|worst|highest|lowest|week|day|session|month|year)\b))?", re.IGNORECASE),
     _w_week_ended),
    (re.compile(rf"\b(?P<n>{_EN_N})[\s-]+(?P<u>sessions?|trading[\s-]+days?|days?|weeks?)\s+"
                r"(?:ended|ending|to|through|until|up\s+to)\s+(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday),?\s+)?"
                rf"{_EN_DATE}", re.IGNORECASE),
     _w_sessions_to),
    (re.compile(rf"\b{_EN_DATE}", re.IGNORECASE), _w_en_day),
    (re.compile(rf"(?:近|过去|最近|连续|累计|这)?\s*(?<![月\d.])(?P<n>{_CN_N})\s*个?(?P<u>交易日)"), _w_sessions),
    (re.compile(rf"(?:(?:近|过去|最近|连续|累计)\s*(?<![月\d.])(?P<n>{_CN_N})\s*个?(?P<u>日|天|周|个星期)(?!线)"
                r"(?:内|以来|来|里|间)?)"), _w_sessions),
    (re.compile(rf"(?<![月\d.])(?P<n>{_CN_N})\s*个?(?P<u>日|天)(?:内|以来|来|里|间)(?!线)"), _w_sessions),
    (re.compile(rf"(?<![月\d.])(?P<n>{_CN_N})(?P<u>日)(?=的?(?:涨幅|跌幅|累计|累涨|累跌|内))"), _w_sessions),
    (re.compile(rf"\b(?P<n>{_EN_N})[\s-]+(?P<u>sessions?|trading[\s-]+days?)\b", re.IGNORECASE), _w_sessions),
    (re.compile(rf"\b(?:past|last|previous|over|in|within)\s+(?:the\s+)?(?:past\s+|last\s+)?(?P<n>{_EN_N})"
                r"[\s-]+(?P<u>days?|weeks?)\b", re.IGNORECASE), _w_sessions),
    (re.compile(rf"\b(?P<n>{_EN_N})-(?P<u>day|week)\b", re.IGNORECASE), _w_sessions),
    (re.compile(r"(?P<which>去年|今年)?(?:农历)?(?P<eve>除夕|大年初一|正月初一|春节首日)"
                r"|(?:on\s+)?(?P<eve2>Lunar New Year'?s?(?: Day)?|Chinese New Year'?s?(?: Day)?)", re.IGNORECASE),
     _w_lny),
    (re.compile(r"(?:(?P<hol>春节假期|春节|五一劳动节|五一节|五一|劳动节|国庆节|国庆|元旦节|元旦)"
                r"|(?P<other>(?:端午|中秋|清明|圣诞)节?)|(?<![\u4e00-\u9fff])节)"
                r"(?:假期|长假|小长假|黄金周)?后(?:的)?(?:首个交易日|第一个交易日|首日|开市首日|(?P<week>首周|第一周))"
                r"|(?P<en>first (?:trading day|session) after the (?:Lunar|Chinese) New Year(?: holiday)?)",
                re.IGNORECASE),
     _w_after_lny),
    (re.compile(r"今年以来|(?<!\d)年初以来|(?<!\d)年初至今|今年迄今|年内|今年累计|year[- ]to[- ]date|\bYTD\b|so far this year"
                r"|(?:较|相比|相较|与)\s*(?:今年)?年初(?![\d至到])(?!\s*的?\s*最?[低高])"
                r"|(?:较|相比|相较|与|自|从)\s*去年(?:年)?[底末](?:以来)?(?!\s*的?\s*最?[低高])"
                r"|since\s+the\s+end\s+of\s+last\s+year"
                r"|since the (?:start|beginning) of the year|this year", re.IGNORECASE), _w_ytd),
    (re.compile(r"(?:自|从)?\s*(?<![\d.,])(?P<y1>(?:19|20)\d{2})\s*年初?\s*(?:以来|至今|迄今"
                r"|(?:至|到|-|—|~)\s*(?P<y2>(?:19|20)\d{2})\s*年(?:底|末)?(?![\d月]))"
                r"|\bsince\s+(?:the\s+(?:start|beginning)\s+of\s+)?(?P<y3>(?:19|20)\d{2})\b(?![-–/.,]\d)"
                r"|\b(?:from|between)\s+(?P<y4>(?:19|20)\d{2})\s+(?:to|through|until|and)\s+"
                r"(?P<y5>(?:19|20)\d{2})\b(?![-–/.,]\d)", re.IGNORECASE),
     _w_years),
    (re.compile(r"(?<![\d.,])(?P<y>(?:19|20)\d{2})\s*年(?:全年|度)?"
                r"(?!\s*\d{1,2}\s*月|以来|至今|起|初|底|末|中|上半|下半|前|后|第|[一二三四]季)"
                r"|\b(?:in|during|for|over|throughout)\s+(?:the\s+)?(?:(?:full|whole|calendar)\s+)?(?:year\s+)?"
                r"(?P<y2>(?:19|20)\d{2})\b(?!\s*(?:-|–|to|through)\s*\d|['’]s|\.\d|,\d)"
                # "去年上涨10%", "rose 10% last year": the calendar year before the article's
                r"|(?<![从自较])(?P<last>去年)(?:全年)?(?!\s*\d{1,2}\s*月|以来|至今|起|初|底|末|中|同期|上半|下半|前|后|第|[一二三四]季)"
                r"|(?<!since )(?<!from )\b(?P<last_en>last\s+year)\b(?!['’]s)", re.IGNORECASE),
     _w_year),
    (re.compile(r"全周|(?<![近过去上本这])一周(?=累计|累涨|累跌|累升|计)|\b(?:for|on|over)\s+the\s+week\b(?!\s+(?:after|before|since|of))",
                re.IGNORECASE), _w_week_of),
    (re.compile(r"本周|这周|上周(?![一二三四五六日天1-7])|过去一周|近一周|this week|last week|past week",
                re.IGNORECASE), _w_week),
    (re.compile(r"(?P<mtd>(?:本月|这个月|月初)(?:以来|迄今|至今)|so far this month|this month so far"
                r"|month[- ]to[- ]date|\bMTD\b|since the (?:start|beginning) of the month)"
                r"|本月|这个月|上个?月|\bthis month\b|\blast month\b", re.IGNORECASE), _w_month),
    (re.compile(r"(?<![\d年])(?P<mo>\d{1,2})月份?(?P<since>以来)?(?![\d日号份]|中旬|上旬|下旬|初|底|末)"), _w_month),
    (re.compile(rf"\b(?:in|during|for|(?P<since>since))\s+{_MON}\b(?!\.?\s+\d)", re.IGNORECASE),
     _w_month),
    (re.compile(r"(?P<which>上个?|本|这个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"), _w_zh_weekday),
    (re.compile(r"\b(?P<last>last\s+)?(?:on\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday)\b", re.IGNORECASE),
     _w_en_weekday),
    (re.compile(r"今日|今天|昨日|昨天|前日|前天|\btoday\b|\byesterday\b", re.IGNORECASE), _w_rel_day),
    (re.compile(r"当日|当天|同日|that day|the same day|on the day", re.IGNORECASE), _w_that_day),
    (re.compile(r"单日"), _w_single_day),
    (re.compile(r"(?:^|(?<=[，,。\s]))(?P<d>\d{1,2})[日号](?=[，,\s]|晚|早|盘|收盘|美股|港股|A股)"), _w_zh_mday),
]


_EV_AFTER = re.compile(
    r"\s*(?:'s)?\s*(?:模型|大模型|推理模型)?\s*(?:正式)?(?P<rel0>发布|推出|上线|问世|面世|亮相|开源|\s*release[sd]?"
    r"|\s*launch(?:ed)?|\s*debut(?:ed)?)?\s*(?:之?后|以来)?\s*(?:的)?\s*"
    # 至今 / 迄今 ("发布R1至今", "R1发布后至今") is 以来: from the event to the article date
    r"(?P<span>首周|一周|两周|三周|一个月|当天|当日|首日|\d+\s*个?交易日|\d+\s*天|\d+\s*日)?\s*(?P<rel>后|内|以来|里|之后|至今|迄今)?",
    re.IGNORECASE,
)
_EV_BEFORE = re.compile(
    r"(?:(?:in|over|during)\s+)?(?:the\s+|a\s+)?(?:first\s+)?"
    rf"(?P<span>week|two weeks|month|(?:{_EN_N})[\s-]+(?:sessions?|trading[\s-]+days?|days?))?\s*"
    r"(?P<rel>since|after|following)\s+(?:the\s+)?(?:(?:release|launch|debut|unveiling)\s+of\s+)?(?:its\s+|the\s+)?"
    r"(?:(?:DeepSeek|Alibaba|Moonshot)(?:'s)?\s+(?:(?:released|launched|unveiled|debuted)\s+)?)?(?:its\s+|the\s+)?$",
    re.IGNORECASE,
)
# A release verb (or 自 / 从) right before the model's name: "发布R1至今", "自推出R1迄今".
_EV_VERB_BEFORE = re.compile(r"(?:发布|推出|上线|开源|问世|面世|亮相|自|从)\s*了?\s*$")
_SPAN = {"首周": "1w", "一周": "1w", "两周": "2w", "三周": "3w", "一个月": "1m", "week": "1w", "two weeks": "2w",
         "month": "1m",
         # "发布当天": the day the market first traded on it, its first session
         "当天": "1s", "当日": "1s", "首日": "1s"}


def _span(text: str | None) -> str | None:
    if not text:
        return None
    t = text.strip().casefold()
    if t in _SPAN:
        return _SPAN[t]
    m = re.match(rf"({_EN_N})[\s-]*(个?交易日|sessions?|trading[\s-]+days?|天|日|days?)$", t)
    n = D.small_number(m.group(1)) if m else None
    if m is None or n is None or n <= 0 or n != int(n):
        return None
    return f"{int(n)}{'d' if m.group(2) in ('天', 'days', 'day') else 's'}"


def event_window(sent: str, es: int, ee: int, eid: str, ref: pd.Timestamp | None) -> Any:
    after = _EV_AFTER.match(sent, ee)
    before = _EV_BEFORE.search(sent[max(0, es - 60):es])
    span = rel = None
    start, end = es, ee
    # "自DeepSeek发布R1以来", "发布R1至今": the verb before the name, 以来 / 至今 right after it
    since = after is not None and re.match(r"\s*(?:以来|至今|迄今)", sent[ee:]) is not None
    if (
        after is not None
        and re.match(r"\s*(?:至今|迄今)", sent[ee:])
        and _EV_VERB_BEFORE.search(sent[max(0, es - 12) : es]) is None
    ):
        # 至今 / 迄今 right after the bare name is "still", "so far" ("R1至今仍是最受欢迎的模型",
        # "DeepSeek-R1迄今已被数千家企业接入"): no window of the name
        after, since = None, False
    if after and (after.group("rel0") or after.group("rel") or after.group("span") or since):
        span = _span(after.group("span"))
        rel = after.group("rel") or ("后" if re.search(r"之?后|以来", after.group(0)) else None)
        if "以来" in after.group(0) or since:
            rel = "以来"
        end = after.end()
    if before and before.group("rel"):
        span = span or _span(before.group("span"))
        rel = rel or before.group("rel").casefold()
        start = es - len(sent[max(0, es - 60):es]) + before.start()
    if rel is None and span is None:
        return None
    if span is not None:
        win = {"type": "since_event", "event": eid, "span": span}
    else:
        win = {"type": "since_event", "event": eid, "end": D.iso(D.need(ref, sent[es:end]))}
    return start, end, _const(win)


_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
TRIGGERS: list[tuple[str, ...]] = [
    ("low", "high", "peak", "trough", "bottom", "点", "位", "谷", "峰"),
    ("from", "since"),
    ("底", "末", "end of"),
    ("月", "年", "month", "year"),
    ("since",),
    ("月",), ("月",), ("以来", "起至今"), ("较", "从", "自", "相比"), ("周",), ("截",), ("月",), ("-",),
    ("前一", "earlier", "before", "previous", "prior", "preceding"), ("from", "between"), ("from", "between"),
    ("since", "from"), ("week",), ("session", "day", "week"), _EN_MONTHS, ("交易日",), ("近", "过去", "最近", "连续", "累计"), ("日", "天"), ("日",),
    ("session", "trading"), ("day", "week"), ("-day", "-week"), ("除夕", "初一", "春节首日", "lunar", "chinese new"),
    ("节后", "春节", "假期后", "长假后", "黄金周后", "new year"), ("今年", "年初", "年内", "year", "ytd", "去年"), ("年", "since", "from", "between"),
    ("年", " 19", " 20", "last year"), ("全周", "一周", "the week"), ("周", "week"), ("月", "month", "mtd"),
    ("月",), ("in ", "during", "for ", "since"), ("周", "星期", "礼拜"), ("day",),
    ("今", "昨", "前日", "前天", "today", "yesterday"), ("当日", "当天", "同日", "that day", "same day", "the day"),
    ("单日",), ("日", "号"),
]
assert len(TRIGGERS) == len(WINDOW_RULES)
