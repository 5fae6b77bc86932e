"""``rerating report`` on custom studies: repeated events, indices, listings without data, articles
without a date, stale charts and the notes a reader needs when a cell or a section is empty."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rerating.cli import main

XMAS_CSV = """id,title_en,title_zh,date,tz,time_known,kind,symbols,sources
xmas-test,Christmas test,圣诞测试,2024-12-24,America/New_York,false,product,NVDA,https://example.com/x
"""


def _report(tmp_path: Path, capsys: pytest.CaptureFixture[str], *argv: str, out: str = "out"):
    code = main(["--sample", "report", *argv, "--out", str(tmp_path / out), "--format", "csv"])
    return code, capsys.readouterr().err


def _html(tmp_path: Path, out: str = "out") -> str:
    return (tmp_path / out / "report.html").read_text(encoding="utf-8")


def test_a_repeated_event_is_studied_once_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _report(
        tmp_path, capsys, "--events", "deepseek-r1,deepseek-r1", "--symbols", "NVDA,BABA"
    )
    assert code == 0, err
    assert "deepseek-r1 was given more than once and is studied once" in err
    assert "Traceback" not in err


def test_an_event_named_by_id_and_through_a_file_is_studied_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "xmas.csv"
    events.write_text(XMAS_CSV, encoding="utf-8")
    code, err = _report(tmp_path, capsys, "--events", f"xmas-test,{events}", "--symbols", "NVDA")
    assert code == 0, err
    assert "studied once" in err


def test_an_index_is_left_out_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _report(tmp_path, capsys, "--events", "deepseek-r1", "--symbols", "HSTECH,BABA")
    assert code == 0, err
    assert "HSTECH left out: no default benchmark (an index?)" in err
    assert "HSTECH" in _html(tmp_path)  # in the Dropped ledger


@pytest.mark.parametrize("index", ["HSTECH", "000688.SS", "399006.SZ"])
def test_only_indices_is_a_clear_error(
    index: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _report(tmp_path, capsys, "--events", "deepseek-r1", "--symbols", index)
    assert code == 2
    assert f"{index} has no default benchmark (an index?)" in err
    assert "non-empty string" not in err and len(err.strip().splitlines()) == 1


def test_article_without_a_date_names_article_date_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "nodate.txt"
    article.write_text("Nvidia fell 17% on Monday.\n", encoding="utf-8")
    args = ("--events", "deepseek-r1", "--symbols", "NVDA", "--article", str(article))
    code, err = _report(tmp_path, capsys, *args)
    assert code == 2
    assert "--article-date YYYY-MM-DD" in err and "pass --date" not in err
    assert not (tmp_path / "out").exists()  # validated before any chart was written
    code, err = _report(tmp_path, capsys, *args, "--article-date", "2025-01-28")
    assert code == 0, err
    assert "Claims in the article" in _html(tmp_path)


def test_a_chart_not_drawn_this_run_is_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "caar.png").write_bytes(b"stale")
    (out / "mine.png").write_bytes(b"not the report's")
    # qwen3 has no benchmark data for BABA's event window: no CAAR, so no CAAR chart
    code, err = _report(tmp_path, capsys, "--events", "qwen3", "--symbols", "BABA")
    assert code == 0, err
    assert not (out / "caar.png").exists()
    assert (out / "mine.png").exists() and (out / "prices.png").exists()


def test_a_listing_without_data_is_dropped_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _report(tmp_path, capsys, "--events", "deepseek-r1", "--symbols", "688981.SS,BABA")
    assert code == 0, err
    assert "No bars for 688981.SS" in err
    html = _html(tmp_path)
    dropped = html[html.index('id="dropped"') :]
    assert "688981.SS" in dropped[: dropped.index("</section>")]


def test_caar_title_fits_a_one_group_chart() -> None:
    from rerating.report.charts import caar_figure

    paths = pd.DataFrame(
        {"group": "United States vs ^GSPC", "event_day": [0, 1, 2], "caar": [0.0, 0.01, 0.02],
         "lower": [-0.01, -0.01, 0.0], "upper": [0.01, 0.03, 0.04]}
    )  # fmt: skip
    fig = caar_figure(paths)
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent()  # type: ignore[union-attr]
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width


def test_blank_car_cells_carry_their_reason_and_empty_sections_say_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _report(
        tmp_path, capsys, "--events", "qwen3,deepseek-r1", "--symbols", "BABA,9988.HK"
    )
    assert code == 0, err
    html = _html(tmp_path)
    row = html[html.index(">BABA<") :]
    row = row[: row.index("</tr>")]
    assert "CAR: " in row and "benchmark" in row
    code, err = _report(tmp_path, capsys, "--events", "qwen3", "--symbols", "BABA", out="o2")
    html = _html(tmp_path, "o2")
    assert "No CAAR: every event was dropped" in html
    assert ">None.<" not in html


def test_partial_advice_is_reworded_for_the_report() -> None:
    from rerating.report.build import for_report

    msg = (
        "window ends after the data (2025-03-01); choose an earlier end, load more data, or pass "
        "partial=True (--partial) to cut it there"
    )
    assert (
        for_report(msg)
        == "window ends after the data (2025-03-01); choose an earlier end, load more data"
    )
    assert "--partial" not in for_report(
        "x on 2025-01-02 (gap); drop it or pass partial=True (--partial) to leave it out"
    )
