"""Report figures pinned by hand (a mutation audit's findings): CAAR intervals, the group table's p-values and
the claims table's numbering and accepted intervals (the audit's ids in brackets)."""

from __future__ import annotations

import html as _html
import re
from pathlib import Path

import numpy as np
import pytest

from rerating.study import window_label


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    from rerating.data.market import Market
    from rerating.report import build_report

    return build_report(
        Market.from_sample(), preset="deepseek-2025", out_dir=tmp_path_factory.mktemp("mut4")
    )


def test_caar_interval_brackets_the_caar(report) -> None:
    """[R6] The CAAR table's ``lower`` / ``upper`` are the interval's ends, in that order."""
    caar = report.caar_frame
    assert len(caar) > 0
    assert (caar["lower"] <= caar["caar"]).all() and (caar["caar"] <= caar["upper"]).all()
    assert (caar["lower"] < caar["upper"]).all()


def test_group_table_p_values_are_the_primary_events(report) -> None:
    """[R11] The group table's ``p <window>`` is the CAAR table's p-value for that group."""
    w = window_label((0, 19))
    g = report.group_frame.set_index("group")
    primary = report.caar_frame["event_id"].iloc[0]
    part = report.caar_frame[
        (report.caar_frame["event_id"] == primary) & (report.caar_frame["window"] == w)
    ].set_index("group")
    part = part[part.index.isin(g.index)]  # the preset's groups ("all" has no row of its own)
    assert len(part) > 0
    for name, row in part.iterrows():
        assert g.loc[name, f"p {w}"] == pytest.approx(row["pvalue"], abs=1e-15)
        assert g.loc[name, f"CAAR {w}"] == pytest.approx(row["caar"], abs=1e-15)
    assert np.isfinite(g[f"p {w}"]).all()


def test_claims_rows_are_numbered_from_one_and_intervals_run_low_to_high(tmp_path: Path) -> None:
    """[R10, R14] "about $590 billion" lost: approx half-width 10% (59 bn) plus 1% (5.9 bn), so the
    accepted interval is [-654.9, -525.1] bn USD; the first claim is claim 1."""
    from rerating.data.market import Market
    from rerating.report import build_report

    article = tmp_path / "a.md"
    article.write_text(
        '---\ndate: "2025-01-28"\n---\n\nNvidia shares fell 17% on January 27, 2025, erasing about '
        "$590 billion of market value.\n",
        encoding="utf-8",
    )
    res = build_report(
        Market.from_sample(), events=["deepseek-r1"], symbols=["NVDA"], out_dir=tmp_path / "o",
        article=article,
    )  # fmt: skip
    text = res.html_path.read_text(encoding="utf-8")
    section = text[text.index('id="claims"') : text.index('id="provenance"')]
    table = next(t for t in re.findall(r"<table>.*?</table>", section, re.S) if "<th>claim</th>" in t)
    heads = [_html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
    rows = [
        dict(zip(heads, [_html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)], strict=True))
        for r in re.findall(r"<tr>(<td.*?)</tr>", table, re.S)
    ]
    assert [r["claim"] for r in rows] == ["1", "2"]
    money = next(r for r in rows if r["metric"] == "market_cap_change")
    assert money["accepted"] == "[-654.9, -525.1] bn USD"
    pct = next(r for r in rows if r["metric"] == "price_return")
    assert pct["accepted"] == "[-18.05%, -16.45%]"
