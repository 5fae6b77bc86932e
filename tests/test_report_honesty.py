"""The report says what its figures are, and why one is missing (an audit's findings).

Two small reports on the bundled sample, each built once:

* ``qwen``: Qwen2.5-Max (2025-01-29, Lunar New Year: day 0 is 2025-02-03 in Hong Kong and
  2025-01-29 in New York) over 9988.HK alone in its group and three US listings, with the
  2025-01-24..27 market-cap moves. Its "all" group holds events a few sessions apart whose
  windows overlap, where the CDA and the rank tests are not valid; the two groups' windows overlap
  across different day 0s, where the CDA of their difference is not valid; a one-listing group's
  CAAR is tested on that listing's own variance.
* ``qwen3``: Qwen3 (2025-04-29), then DeepSeek-R1, over NVDA, AVGO and VST, with a two-sentence
  article. The sample's AVGO and VST end on 2025-04-29/30 and its S&P 500 on 2025-05-16: every
  listing of the primary event is dropped, each for its own reason, and the group's medians of
  the later windows are NVDA's alone.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import replace
from pathlib import Path

import exchange_calendars as xc
import numpy as np
import pandas as pd
import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
HK, US = "Hong Kong vs ^HSI", "United States vs ^GSPC"
KP = "cross-sectional t, adjusted for the shared date (Kolari & Pynnönen 2010)"
ONE = "one listing: its own time-series variance"
ARTICLE = """---
date: "2025-02-13"
---

Alibaba's New York shares added $14.36 billion of market value on January 28, 2025.

Nvidia shares fell more than 12% on January 27, 2025.
"""


@pytest.fixture(scope="module")
def qwen(tmp_path_factory: pytest.TempPathFactory):
    from rerating.data.market import Market
    from rerating.report import build_report
    from rerating.report.presets import custom_preset

    market = Market.from_sample()
    preset = replace(
        custom_preset(["qwen2-5-max"], ["9988.HK", "NVDA", "BABA", "MSFT"], market.securities),
        cap_move=(pd.Timestamp("2025-01-24"), pd.Timestamp("2025-01-27")),
    )
    res = build_report(market, preset=preset, out_dir=tmp_path_factory.mktemp("qwen"))
    return res, res.html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def qwen3(tmp_path_factory: pytest.TempPathFactory):
    from rerating.data.market import Market
    from rerating.report import build_report

    folder = tmp_path_factory.mktemp("qwen3")
    article = folder / "article.md"
    article.write_text(ARTICLE, encoding="utf-8")
    res = build_report(
        Market.from_sample(), events=["qwen3", "deepseek-r1"], symbols=["NVDA", "AVGO", "VST"],
        out_dir=folder / "out", article=article,
    )  # fmt: skip
    return res, res.html_path.read_text(encoding="utf-8")


def _section(text: str, sid: str) -> str:
    start = text.index(f'<section id="{sid}">')
    return text[start : text.index("</section>", start)]


def _tables(part: str) -> list[tuple[str, list[dict[str, str]]]]:
    """Every table in ``part``: (the heading above it, its rows as header -> cell text)."""
    out = []
    for m in re.finditer(r"<table>.*?</table>", part, re.S):
        heads = re.findall(r"<h3>(.*?)</h3>", part[: m.start()])
        table = m.group(0)
        names = [_html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
        rows = [
            dict(zip(names, [_html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)],
                     strict=True))
            for r in re.findall(r"<tr>(<td.*?)</tr>", table, re.S)
        ]  # fmt: skip
        out.append((_html.unescape(heads[-1]) if heads else "", rows))
    return out


def _table(part: str, first: str, heading: str | None = None) -> list[dict[str, str]]:
    """The rows of the table whose first header is ``first`` (under ``heading`` if given)."""
    for head, rows in _tables(part):
        if rows and next(iter(rows[0])) == first and heading in (None, head):
            return rows
    raise AssertionError(f"no table starting with {first!r} under {heading!r}")


def _cell(row: dict[str, str], test: str) -> str:
    """The cell of the engine's test ``test`` (``brown_warner_cda``) in a tests-table row, whatever
    the header's spelling (``Brown-Warner CDA``)."""
    key = lambda name: re.sub(r"[^a-z]", "", name.lower())  # noqa: E731
    (cell,) = [v for h, v in row.items() if key(h) == key(test)]
    return cell


def _notes(part: str) -> list[str]:
    return [_html.unescape(n) for n in re.findall(r'<p class="note">(.*?)</p>', part, re.S)]


# 1. validity of each test, per row ----------------------------------------------------------


def test_tests_table_marks_each_cell_from_its_own_row(qwen) -> None:
    """The CDA of group "all" is valid on day 0 alone and not over [0:4] and [0:19] (events a few
    sessions apart, windows overlapping): one column, two verdicts."""
    res, text = qwen
    long = res.tests_frame.set_index(["group", "window", "test"])
    bw = long.xs(("all", "brown_warner_cda"), level=("group", "test"))["valid_under_clustering"]
    assert bw.to_dict() == {"[0:0]": True, "[0:4]": False, "[0:19]": False}  # the engine's rows
    rows = {(r["group"], r["window"]): r for r in _table(_section(text, "tests"), "group")}
    assert not _cell(rows[("all", "[0:0]")], "brown_warner_cda").endswith("†")
    assert _cell(rows[("all", "[0:19]")], "brown_warner_cda").endswith("†")
    assert _cell(rows[("all", "[0:19]")], "corrado").endswith("†")
    # every cell: marked exactly where its own row is not valid and its windows overlap (a
    # one-listing group has nothing to overlap with)
    for (group, window, test), row in long.iterrows():
        cell = _cell(rows[(group, window)], test)
        if not np.isfinite(row["statistic"]):
            assert cell == ""
            continue
        want = not row["valid_under_clustering"] and (group != HK)
        assert cell.endswith("†") == want, (group, window, test, cell)
    section = _section(text, "tests")
    warning = _html.unescape(re.search(r'<div class="warning">(.*?)</div>', section, re.S)[1])
    assert "except cells marked †" in warning
    assert "not valid where the overlapping events have different day 0s" in warning
    assert "qwen2-5-max, group all: [0:4], [0:19]" in warning
    assert "*" not in warning
    assert any(n.startswith("Each cell") and "† not valid here" in n for n in _notes(section))


# 2. differences between groups -----------------------------------------------------------------


def test_group_differences_blank_the_cda_where_it_is_not_valid(qwen) -> None:
    """Hong Kong was shut for Lunar New Year: day 0 2025-02-03 against New York's 2025-01-29, so
    the [0:4] and [0:19] windows overlap across different day 0s and the CDA is not valid."""
    res, text = qwen
    hk_day0 = xc.get_calendar("XHKG").date_to_session("2025-01-29", direction="next")
    assert str(hk_day0.date()) == "2025-02-03"
    rows = {r["window"]: r for r in _table(_section(text, "caar"), "groups")}
    assert rows["[0:0]"]["p (CDA)"] != "" and rows["[0:0]"]["lower"] != ""
    for window in ("[0:4]", "[0:19]"):
        row = rows[window]
        assert (row["lower"], row["upper"], row["p (CDA)"]) == ("", "", "")
        assert row.get("day 0") == "2025-02-03 vs 2025-01-29"
        assert "CDA interval and p not valid here" in row["note"]
        assert "day 0s differ (2025-02-03 vs 2025-01-29)" in row["note"]
        assert row["difference"].startswith(("+", "-"))  # the difference itself stands
    # the adjusted BMP needs two listings a group: blank, and said so
    assert (
        rows["[0:0]"]["p (adj. BMP)"] == "" and "adj. BMP: needs 2 events" in rows["[0:0]"]["note"]
    )
    frame = res.differences_frame.set_index("window")  # the result carries the engine's flags
    assert frame["CDA valid"].to_dict() == {"[0:0]": True, "[0:4]": False, "[0:19]": False}
    assert (frame["day 0"] == "2025-02-03 vs 2025-01-29").all()


# 3. and 5. which test each CAAR and headline p-value comes from -----------------------------------


def test_caar_rows_name_their_test(qwen) -> None:
    res, text = qwen
    section = _section(text, "caar")
    rows = _table(section, "group", "qwen2-5-max")
    assert {(r["group"], r.get("test")) for r in rows} == {("all", KP), (HK, ONE), (US, KP)}
    methods = res.caar_frame.set_index(["group", "window"])["se_method"]  # the engine's, kept
    for row in rows:
        want = ONE if methods[(row["group"], row["window"])] == "time_series" else KP
        assert row["test"] == want, row
    caption = _notes(section)[0]
    assert "with its cross-sectional t-test" not in caption
    assert "Kolari & Pynnönen 2010" in caption and "one-listing group" in caption


def test_headline_p_values_name_their_test(qwen) -> None:
    _, text = qwen
    caption = _notes(_section(text, "question"))[0]
    assert "p: its two-sided p-value, from " in caption
    p_part = caption[caption.index("p: its two-sided") :]
    # Hong Kong's one listing: its own variance; the US group: the adjusted cross-sectional t
    one, kp = p_part.index("own t-test"), p_part.index("sqrt((1 + (N - 1) r̄) / (1 - r̄))")
    assert one < p_part.index(f"for {HK}") < kp < p_part.index(f"for {US}")
    # the factor the engine applies (docs/STUDY.md), not the design effect itself
    assert "scaled by the design effect" not in caption


# 4. medians over fewer listings -------------------------------------------------------------


def test_glance_medians_say_how_many_listings_they_cover(qwen3) -> None:
    res, text = qwen3
    summary = res.summary_frame.set_index("symbol")
    assert summary["return [0:4]"].notna().to_dict() == {"NVDA": True, "AVGO": False, "VST": False}
    (row,) = _table(_section(text, "question"), "group")
    assert row["listings"] == "3"
    nvda = summary.loc["NVDA"]
    assert row["return [0:4]"] == f"{100 * nvda['return [0:4]']:+.2f}% (1 of 3)"
    assert row["return [0:19]"] == f"{100 * nvda['return [0:19]']:+.2f}% (1 of 3)"
    assert "of 3" not in row["return [0:0]"]  # all three listings have day 0's return
    assert any("return [0:4] and return [0:19] cover 1 of 3 listings" in n for n in res.notes)
    # the CLI's table keeps its numbers (the note goes with it)
    assert res.group_frame.loc[0, "return [0:4]"] == pytest.approx(nvda["return [0:4]"])


# 6. readable headers and figures ----------------------------------------------------------------


def test_headers_are_readable_labels(qwen) -> None:
    _, text = qwen
    heads = {_html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", text)}
    raw = {h for h in heads if "_" in h or h in {"caar", "tstat", "pvalue", "qvalue", "car"}}
    assert raw == set(), raw
    assert {"Brown-Warner CDA", "adj. BMP", "CAAR", "std. error", "p-value", "name (Chinese)",
            "title", "title (Chinese)", "event"} <= heads  # fmt: skip


def test_key_moves_closes_carry_their_currency(qwen) -> None:
    _, text = qwen
    section = _section(text, "summary")
    rows = {r["symbol"]: r for r in _table(section[section.index("Key moves") :], "what")}
    assert rows["9988.HK"]["currency"] == "HKD" and rows["NVDA"]["currency"] == "USD"
    assert (rows["NVDA"]["start close"], rows["NVDA"]["end close"]) == ("142.62", "118.42")


def test_claim_figures_keep_their_precision_and_open_intervals_read_as_bounds(qwen3) -> None:
    """$14.36 billion is stated to 0.01 bn: BABA's 2,381,816,536 ADS x (96.03 - 89.99) USD is
    shown as 14.39, not 14.4; "more than 12%" accepts any fall of 11.95% or more."""
    _, text = qwen3
    rows = {r["symbol"]: r for r in _table(_section(text, "claims"), "claim")}
    baba = pd.read_csv(SAMPLE / "BABA.csv", parse_dates=["date"]).set_index("date")["close"]
    change = 2_381_816_536 * (baba[pd.Timestamp("2025-01-28")] - baba[pd.Timestamp("2025-01-27")])
    money = rows["BABA"]
    assert money["stated"] == "eq 14.36 bn USD"
    assert money["computed"] == f"{change / 1e9:.2f} bn USD" == "14.39 bn USD"
    assert money["accepted"] == "[14.21, 14.51] bn USD"
    assert rows["NVDA"]["accepted"] == "≤ -11.95%"
    assert "inf" not in rows["NVDA"]["accepted"]


# 7. a primary event with no listing left ----------------------------------------------------------


def test_each_listing_gets_its_own_reason_and_missing_figures_say_why(qwen3) -> None:
    res, text = qwen3
    notes = res.summary_frame.set_index("symbol")["note"]
    car = {sym: note[note.index("CAR: ") :] for sym, note in notes.items()}
    assert car["NVDA"] == (
        "CAR: missing benchmark data in the event window: benchmark return on 2025-05-19"
    )
    for sym in ("AVGO", "VST"):
        assert car[sym] == (
            f"CAR: event window outside the data: sessions [0, 19] around 2025-04-29 run past "
            f"{sym}'s returns"
        )
    for sym, note in car.items():  # no row quotes another listing's ledger entry
        assert not any(other in note for other in car if other != sym), (sym, note)
    ledger = res.dropped[res.dropped["event_id"] == "qwen3"]
    assert set(ledger["symbol"]) == {"", "NVDA", "AVGO", "VST"}
    # no CAAR chart, and the page says why; the headline says why it has no CAAR either
    assert "caar.png" not in {p.name for p in res.chart_paths}
    assert any(n.startswith("No CAAR chart: every listing was dropped") for n in res.notes)
    caption = _notes(_section(text, "question"))[0]
    assert "No CAAR after qwen3: every listing was dropped from its event study" in caption
    assert "and its two-sided p-value" not in caption
    assert not any(c.startswith("CAAR") for c in res.group_frame.columns)


def test_a_listing_without_bars_in_the_chart_dates_is_left_out_not_fatal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rerating.cli import main

    out = tmp_path / "r"
    code = main(["--sample", "report", "--events", "deepseek-r1-0528,deepseek-r1",
                 "--symbols", "9988.HK,NVDA,AVGO,MSFT", "--out", str(out)])
    assert code == 0  # was MissingDataError: no bars for AVGO in 2025-05-14..2025-06-28
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Left out of the price chart: AVGO (no bars in 2025-05-14..2025-06-28)" in html


def test_the_per_listing_table_says_whose_car_it_shows(qwen3) -> None:
    """Two events studied (qwen3 first): the CAR columns beside dated return columns are the
    primary event's, and the caption says so with its day 0 on each calendar."""
    from rerating.data.market import Market
    from rerating.events.alignment import day_zero
    from rerating.events.catalog import load_catalog

    _, text = qwen3
    (caption,) = [n for n in _notes(text) if "CAR is the cumulative abnormal return" in n]
    primary = load_catalog(securities=Market.from_sample().securities).get("qwen3")
    assert "around the primary event, qwen3 " in caption
    for cal, label in (("XNYS", "New York"), ("XHKG", "Hong Kong")):
        assert f"{label} {day_zero(primary, cal).date()}" in caption


def test_a_group_without_a_caar_path_is_named_beside_the_chart(tmp_path: Path) -> None:
    """On the sample the US listings have no data to study this May event: the CAAR chart shows
    Hong Kong's path only, and its caption names the group left out."""
    from rerating.data.market import Market
    from rerating.report import build_report

    res = build_report(
        Market.from_sample(), events=["us-china-geneva-truce"],
        symbols=["NVDA", "AVGO", "9988.HK", "0700.HK", "ORCL"], out_dir=tmp_path,
    )  # fmt: skip
    text = res.html_path.read_text(encoding="utf-8")
    assert f"No path for {US}: none of its listings was kept in the event study" in _html.unescape(text)
