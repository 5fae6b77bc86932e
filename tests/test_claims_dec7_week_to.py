"""Closed on 2026-12-07: "the week to the 7th" (a day without its month) is the calendar week to
that day, like "the week ended Feb. 7".

Worked by hand from the sample's raw closes (the same files as ../shared/market): 2025-02-13 is a
Thursday; "the 7th" in an article of that day is 2025-02-07, a Friday, so its week is Monday
2025-02-03 to 2025-02-07, measured from the close before the Monday. BABA closed 98.84 on
2025-01-31 and 103.51 on 2025-02-07: 103.51 / 98.84 - 1 = +4.725%. "the 28th" in the same article
is after 2025-02-14 (a day ahead is kept, as for 28日), so January's: Tuesday 2025-01-28, week
2025-01-27..2025-01-28.
"""

from __future__ import annotations

import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

WEEK_TO_7 = {"type": "week", "start": "2025-02-03", "end": "2025-02-07"}


# -- 1. "the week to the 7th": a calendar week ending on a day of the article's month -------------
@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("Alibaba's ADRs rose 4.7% in the week to the 7th.", WEEK_TO_7),
        ("Alibaba's ADRs rose 4.7% in the week to Friday, the 7th.", WEEK_TO_7),
        ("Alibaba's ADRs rose 4.7% in the week ended the 7th.", WEEK_TO_7),
        # the 28th is after the article (2025-02-13): January's, as 28日 would be
        ("Alibaba's ADRs rose 4.7% in the week to the 28th.",
         {"type": "week", "start": "2025-01-27", "end": "2025-01-28"}),
        # "the week of" is the whole calendar week, to its Sunday
        ("Alibaba's ADRs rose 4.7% in the week of the 3rd.",
         {"type": "week", "start": "2025-02-03", "end": "2025-02-09"}),
        # the month-named forms, already read, read the same
        ("Alibaba's ADRs rose 4.7% in the week to Feb. 7.", WEEK_TO_7),
        ("Alibaba's ADRs rose 4.7% in the week to February 7th.", WEEK_TO_7),
    ],
)
def test_week_to_a_bare_ordinal_is_that_calendar_week(
    ex: Extractor, text: str, window: dict[str, str]
) -> None:
    (c,) = ex.extract(text, "2025-02-13")
    assert c.symbols == ("BABA",) and c.value["amount"] == 4.7
    assert dict(c.window) == window


def test_week_to_the_7th_is_measured_from_the_close_before_the_monday(
    ex: Extractor, market: Market
) -> None:
    claims = ex.extract("Alibaba's ADRs rose 4.7% in the week to the 7th.", "2025-02-13")
    (v,) = verify_claims(claims, market)
    (chk,) = v.checks
    assert v.status == "supported"
    assert (chk.start_date, chk.end_date) == ("2025-01-31", "2025-02-07")
    assert chk.computed == pytest.approx((103.51 / 98.84 - 1) * 100, abs=1e-3)


@pytest.mark.parametrize("text", ["Alibaba rose 5% in the week to the 45th.", "Alibaba rose 5% the 7th."])
def test_a_day_that_is_no_week_end_gives_no_week(ex: Extractor, text: str) -> None:
    assert all(c.window.get("type") != "week" for c in ex.extract(text, "2025-02-13"))
