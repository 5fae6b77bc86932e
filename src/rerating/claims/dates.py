"""Dates and windows written in articles, resolved against the article's date.

Conventions (documented in docs/CLAIMS.md):
- ``上周五`` / ``上周一``: that weekday in the previous calendar week (Monday-Sunday).
- ``last Monday``: the most recent Monday strictly before the article date; a bare ``周一`` /
  ``on Monday``: the most recent Monday on or before it.
- ``大年初一`` / Lunar New Year: the first day of the lunar year (table below); ``春节后首个交易日``:
  the first session after it on the listing's calendar (Hong Kong and Shanghai differ).
- A date without a year takes the article's year, or the year before when that would put it
  more than a day after the article (one day ahead stays: the Beijing date of a New York day).
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from rerating.errors import ArticleDateError

# First day of the lunar year (Spring Festival), from the Hong Kong Observatory's calendar tables.
LUNAR_NEW_YEAR: dict[int, dt.date] = {
    2015: dt.date(2015, 2, 19), 2016: dt.date(2016, 2, 8), 2017: dt.date(2017, 1, 28),
    2018: dt.date(2018, 2, 16), 2019: dt.date(2019, 2, 5), 2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12), 2022: dt.date(2022, 2, 1), 2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6), 2028: dt.date(2028, 1, 26), 2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
}

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
WEEKDAYS_EN = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
               "saturday": 5, "sunday": 6}
WEEKDAYS_ZH = {"一": 0, "1": 0, "二": 1, "2": 1, "三": 2, "3": 2, "四": 3, "4": 3, "五": 4, "5": 4,
               "六": 5, "6": 5, "日": 6, "天": 6, "7": 6}
CN_SMALL = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
            "十": 10, "半": 0.5}
EN_SMALL = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
            "nine": 9, "ten": 10, "a": 1, "twenty": 20, "thirty": 30, "fifteen": 15}


def need(article_date: pd.Timestamp | None, phrase: str) -> pd.Timestamp:
    """The article date, or :class:`ArticleDateError` naming the phrase that needs it."""
    if article_date is None:
        raise ArticleDateError(
            f"the article's date is unknown and {phrase!r} is relative to it; pass --date YYYY-MM-DD"
        )
    return article_date.normalize()


def iso(day: pd.Timestamp | dt.date) -> str:
    return pd.Timestamp(day).strftime("%Y-%m-%d")


def small_number(text: str) -> float | None:
    """``20`` / ``二十`` / ``两`` / ``twenty`` -> a number, or None."""
    text = text.strip().casefold()
    if not text:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if text in EN_SMALL:
        return float(EN_SMALL[text])
    try:
        import cn2an

        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def month_day(month: int, day: int, year: int | None, article_date: pd.Timestamp | None) -> str:
    """An explicit date; the year defaults to the article's (or the one before, see module doc)."""
    if year is None:
        ref = need(article_date, f"{month}/{day}")
        year = ref.year
        # after the article is last year's; one day ahead stays (an article dated in New York
        # may name the Beijing date, which is already the next day)
        if _later_than(year, month, day, ref + pd.Timedelta(days=1)):
            year -= 1
    # A plain ValueError (not ArticleDateError): the extractor ignores a date that does not exist.
    return iso(dt.date(year, month, day))


def day_of_month(day: int, article_date: pd.Timestamp) -> str:
    """A day written without its month ("27日，...", "the week to the 7th"): that day of the
    article's month, or of the month before when it is more than a day after the article date
    (one day ahead stays, as in :func:`month_day`)."""
    month, year = article_date.month, article_date.year
    if day > article_date.day + 1:
        month, year = (12, year - 1) if month == 1 else (month - 1, year)
    return month_day(month, day, year, article_date)


def _later_than(year: int, month: int, day: int, limit: pd.Timestamp) -> bool:
    """Whether the date is after ``limit`` (a day that does not exist in ``year``, 29 February,
    compares as the month's last day)."""
    last = (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).day
    return pd.Timestamp(year=year, month=month, day=min(day, last)) > limit.normalize()


def weekday_before(ref: pd.Timestamp, weekday: int, strictly: bool) -> pd.Timestamp:
    back = (ref.weekday() - weekday) % 7
    if back == 0 and strictly:
        back = 7
    return ref - pd.Timedelta(days=back)


def previous_week_day(ref: pd.Timestamp, weekday: int) -> pd.Timestamp:
    monday = ref - pd.Timedelta(days=ref.weekday())
    return monday - pd.Timedelta(days=7) + pd.Timedelta(days=weekday)


def lunar_new_year(year: int) -> dt.date:
    if year not in LUNAR_NEW_YEAR:
        raise ArticleDateError(
            f"no Lunar New Year date for {year} (known: {min(LUNAR_NEW_YEAR)}..{max(LUNAR_NEW_YEAR)}); "
            "pass an explicit date"
        )
    return LUNAR_NEW_YEAR[year]


def first_session_after_holiday(day: dt.date, calendar: str) -> str:
    """The first session strictly after ``day`` on an exchange calendar (exchange_calendars)."""
    from rerating.data.calendars import next_session

    return iso(next_session(pd.Timestamp(day), calendar))


def month_end(month: int, year: int | None, article_date: pd.Timestamp) -> pd.Timestamp:
    """The last day of ``month``: of ``year``, or without one of the last such month over by the
    article date ("1月底" in February is January's; in January, last January's)."""
    if year is None:
        year = article_date.year if month < article_date.month else article_date.year - 1
    return pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)


def last_session_on_or_before(day: pd.Timestamp, calendar: str) -> str:
    """The last session on or before ``day`` on an exchange calendar (exchange_calendars)."""
    from rerating.data.calendars import previous_session

    return iso(previous_session(day + pd.Timedelta(days=1), calendar))
