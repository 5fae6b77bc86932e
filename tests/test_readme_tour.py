"""Every command of the README's tour runs on a fresh machine, offline, and exits 0.

The tour's input files (``events.csv``, ``ff_daily.csv``, ``article.md``, ``note.txt``) are written here in the
layouts the README describes; commands that need the network or the user's own folder are the
only ones left out, and the test fails if the tour gains a line it cannot classify.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
# the two `load` lines fill the store from a live provider or from the user's own folder
NEEDS_THE_OUTSIDE = ("--source yahoo", "--dir path/to/folder")


def _tour_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    tour = text[text.index("## A tour of the command line") : text.index("### Files the")]
    block = re.findall(r"```sh\n(.*?)```", tour, flags=re.S)
    assert block, "the README's tour has no sh block"
    lines = [ln.split("  #")[0].strip() for ln in block[0].splitlines()]
    return [ln for ln in lines if ln.startswith("rerating ")]


TOUR = _tour_lines()


def _write_inputs(folder: Path) -> None:
    # an events file as the README describes it
    (folder / "events.csv").write_text(
        "event_id,symbol,date,group\n"
        "deepseek-r1,9988.HK,2025-01-27,china\ndeepseek-r1,0700.HK,2025-01-27,china\n"
        "deepseek-r1,NVDA,2025-01-27,us\ndeepseek-r1,MSFT,2025-01-27,us\n",
        encoding="utf-8",
    )
    # factors in Kenneth French's layout (percent, YYYYMMDD), made up over the sample's sessions
    dates = pd.bdate_range("2024-06-03", "2025-06-30")
    rng = np.random.default_rng(0)
    lines = ["Made-up factors in the F-F_Research_Data_Factors_daily layout", "", ",Mkt-RF,SMB,HML,RF"]
    for d in dates:
        mkt, smb, hml = rng.normal(0.05, 1.0), rng.normal(0, 0.5), rng.normal(0, 0.5)
        lines.append(f"{d:%Y%m%d},{mkt:.2f},{smb:.2f},{hml:.2f},0.02")
    (folder / "ff_daily.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # an article with one checkable claim (NVDA fell 16.97% on 2025-01-27)
    (folder / "article.md").write_text(
        '---\ntitle: "DeepSeek"\ndate: "2025-02-13"\n---\n\nNvidia shares fell 17% on January 27.\n',
        encoding="utf-8",
    )
    # a note without a date of its own (the tour passes --article-date)
    (folder / "note.txt").write_text("Nvidia fell 17% on Monday.\n", encoding="utf-8")


def test_the_tour_has_its_commands() -> None:
    assert len(TOUR) >= 25
    assert sum(any(s in ln for s in NEEDS_THE_OUTSIDE) for ln in TOUR) == 2


@pytest.mark.parametrize("line", [ln for ln in TOUR if not any(s in ln for s in NEEDS_THE_OUTSIDE)])
def test_tour_command_exits_0(
    line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RERATING_HOME", str(tmp_path / "home"))
    _write_inputs(tmp_path)
    argv = shlex.split(line)[1:]
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, f"{line}\n{out.err}"
    assert out.out.strip() or (tmp_path / "out").exists(), f"{line} printed nothing"
