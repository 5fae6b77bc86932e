"""The README's Python API examples run as written, on the bundled sample, and say what they claim."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _api_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_python_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = _api_blocks()
    assert len(blocks) == 2
    ns: dict = {}
    exec(compile(blocks[0], "README.md: Python API 1", "exec"), ns)
    printed = capsys.readouterr().out
    first = ns["res"]
    assert printed.startswith("Event study") and "Events used           6 of 6" in printed
    assert "Day 0                 2025-01-21" in printed
    assert set(first.caar["group"]) == {"all", "china", "us"}
    assert len(first.tests) == 3 * 2 * 10  # groups of 3: corrado_zivney and grank need 10 events
    assert set(first.car["day0"]) == {pd.Timestamp("2025-01-21")}
    assert set(first.compare("china", "us")["group_a"]) == {"china"}
    # the README's claim for the sample: Nvidia's [0:4] CAR survives a 10% false discovery rate
    assert "NVDA" in set(first.movers(fdr=0.1)["symbol"])

    exec(compile(blocks[1], "README.md: Python API 2", "exec"), ns)
    res, sim = ns["res"], ns["sim"]
    assert sorted(res.car["symbol"].unique()) == ["AVGO", "NVDA", "TSM"]
    assert set(res.car["day0"]) == {pd.Timestamp("2025-01-27")}
    table = sim.summary().table
    assert {"test", "rate_5", "se_5"} <= set(table.columns) and len(table) == 12


def test_top_level_names_are_lazy_and_complete() -> None:
    import subprocess
    import sys

    code = (
        "import sys, rerating; assert 'pandas' not in sys.modules, 'import rerating loaded pandas'; "
        "from rerating import *; import rerating as r; "
        "missing = [n for n in r.__all__ if not hasattr(r, n)]; assert not missing, missing"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    import rerating

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rerating.nope  # noqa: B018


def test_all_lists_every_lazy_export() -> None:
    import rerating

    assert set(rerating.__all__) == {"__version__", *rerating._EXPORTS}
