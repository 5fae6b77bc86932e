"""Other catalog news inside an event's window (``rerating.events.confounding.other_events``).

Expected offsets are worked out by hand from the exchanges' calendars: New York sessions of late
January 2025 are Jan 21 (Tuesday, after Martin Luther King Day) ... 31, Hong Kong was shut for
the Lunar New Year from Jan 29 to Jan 31 (Jan 28 a half day), so its session after Jan 28 is Feb 3.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from rerating.cli import main
from rerating.data.securities import load_securities
from rerating.events.catalog import load_catalog
from rerating.events.confounding import other_events

CATALOG = """id,title_en,date,tz,kind,sources,symbols
msft-news,Microsoft news,2025-01-22,America/New_York,product,https://example.org,MSFT
msft-sell-off,Microsoft falls,2025-01-23,America/New_York,market,https://example.org,MSFT
alibaba-news,Alibaba news (ADR named),2025-01-28,Asia/Shanghai,product,https://example.org,BABA
late-news,Microsoft later news,2025-01-24,America/New_York,product,https://example.org,MSFT
"""


@pytest.fixture(scope="module")
def master():  # type: ignore[no-untyped-def]
    return load_securities()


@pytest.fixture()
def catalog(tmp_path: Path, master):  # type: ignore[no-untyped-def]
    path = tmp_path / "mine.csv"
    path.write_text(CATALOG, encoding="utf-8")
    return load_catalog(path, securities=master, bundled=False)


def _rows(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["event_id", "symbol", "day0", "window"]).assign(
        day0=lambda f: pd.to_datetime(f["day0"])
    )


def test_window_bounds_are_inclusive_and_offsets_count_sessions(catalog, master) -> None:  # type: ignore[no-untyped-def]
    # a date-only New York event is known at the end of its day (day 0 the next session) but may
    # have come out during the session of its date: msft-news (Wed Jan 22) trades on Jan 22 or 23,
    # late-news (Fri Jan 24) on Jan 24 or Mon Jan 27. Sessions from Jan 21: 0 = 21, 1 = 22, ...
    frame = _rows(
        ("mine", "MSFT", "2025-01-21", "[0:0]"),  # Jan 21: neither
        ("mine", "MSFT", "2025-01-21", "[0:1]"),  # Jan 21-22: msft-news may be on day 1
        ("mine", "MSFT", "2025-01-21", "[-1:4]"),  # Jan 17-27: both
        ("mine", "MSFT", "2025-01-27", "[-3:-2]"),  # Jan 22-23, counted back from Jan 27
        ("mine", "MSFT", "2025-01-28", "[0:5]"),  # after both: neither
    )
    got = other_events(frame, catalog, master).tolist()
    assert got == [
        "",
        "msft-news (product, day 1 or 2)",
        "msft-news (product, day 1 or 2); late-news (product, day 3 or 4)",
        "msft-news (product, day -3 or -2)",
        "",
    ]


def test_own_event_and_market_reactions_are_not_other_news(catalog, master) -> None:  # type: ignore[no-untyped-def]
    # msft-sell-off (kind market, Jan 23 or 24) is the reaction, not news; each row's own event
    # is not listed; msft-news ends on Jan 23 and late-news starts on Jan 24
    frame = _rows(("msft-news", "MSFT", "2025-01-23", "[0:0]"), ("late-news", "MSFT", "2025-01-24", "[0:0]"))
    assert other_events(frame, catalog, master).tolist() == ["", ""]


def test_news_naming_another_listing_of_the_company_counts_on_this_listings_calendar(
    catalog, master  # type: ignore[no-untyped-def]
) -> None:
    # alibaba-news names BABA only; 9988.HK is the same company. Beijing, Jan 28, date-only: the
    # day began at 16:00 UTC on Jan 27, during Hong Kong's night, so Hong Kong could trade it on
    # its Jan 28 half day (closing 04:00 UTC) or, at the latest, on Feb 3 (Lunar New Year)
    frame = _rows(
        ("x", "9988.HK", "2025-01-28", "[0:0]"),
        ("x", "9988.HK", "2025-02-04", "[0:0]"),
        # New York's Jan 27 session closes (21:00 UTC) after Beijing's Jan 28 began, its Jan 28
        # session after that day ended (16:00 UTC): day -1 or 0 from Jan 28
        ("x", "BABA", "2025-01-28", "[0:1]"),
        ("x", "NVDA", "2025-01-28", "[0:5]"),  # another company: nothing
        ("x", "ZZZZ9", "2025-01-28", "[0:5]"),  # not in the master: nothing, no error
    )
    assert other_events(frame, catalog, master).tolist() == [
        "alibaba-news (product, day 0 or 1)",
        "",
        "alibaba-news (product, day -1 or 0)",
        "",
        "",
    ]


def test_study_movers_and_car_carry_other_news_from_the_bundled_catalog(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # MSFT's [0:1] CAR around Qwen2.5-Max (Jan 29) includes Microsoft's own results (Jan 29
    # after the close, so New York day 0 Jan 30, day 1)
    out_file = tmp_path / "car.parquet"
    argv = "--sample study --event qwen2-5-max --symbols MSFT,9988.HK --estimation -100:-11 --window 0:1"
    code = main([*argv.split(), "--what", "car", "--format", "parquet", "-o", str(out_file)])
    err = capsys.readouterr().err
    assert code == 0, err
    car = pd.read_parquet(out_file).set_index("symbol")
    assert car.loc["MSFT", "other_events"] == "microsoft-fy25-q2-results (earnings, day 1)"
    assert car.loc["MSFT", "car"] == pytest.approx(-0.0725, abs=5e-4)  # the README's -7.3%
    assert car.loc["9988.HK", "other_events"] == ""
    assert "1 (event, listing) pair(s) have other catalog news" in err
    code = main([*argv.split(), "--what", "movers", "--fdr", "0.1", "--format", "csv"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    movers = pd.read_csv(io.StringIO(printed.out)).set_index("symbol")
    assert movers.loc["MSFT", "other_events"] == "microsoft-fy25-q2-results (earnings, day 1)"
