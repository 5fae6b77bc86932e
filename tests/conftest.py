"""Shared fixtures. Tests never use the network; ../shared is optional (skip when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

# A loaded 2-core CI machine must not turn slow examples into failures: no per-example deadline.
settings.register_profile("rerating", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("rerating")

if int(pd.__version__.split(".")[0]) < 3:  # pandas 3 always copies on write
    pd.set_option("mode.copy_on_write", True)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("RERATING_LIVE") == "1":
        return
    skip_live = pytest.mark.skip(reason="live provider test: set RERATING_LIVE=1 to run (needs network)")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip_live)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's real cache."""
    monkeypatch.setenv("RERATING_HOME", str(tmp_path_factory.mktemp("rerating-home")))


@pytest.fixture(scope="session")
def shared_market_dir() -> Path:
    """../shared/market (real bars); skipped with a message where a fresh clone has no ../shared."""
    path = SHARED / "market"
    if not path.is_dir():
        pytest.skip("../shared/market is absent (a fresh clone has no ../shared); skipping")
    return path


@pytest.fixture(scope="session")
def shared_articles_dir() -> Path:
    path = SHARED / "articles"
    if not path.is_dir():
        pytest.skip("../shared/articles is absent (a fresh clone has no ../shared); skipping")
    return path


@pytest.fixture()
def hk_gap_folder(tmp_path: Path) -> Path:
    """A folder holding the sample's 9988.HK without 2025-02-05..07 (three XHKG sessions missing)."""
    sample = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
    folder = tmp_path / "hk_gap"
    folder.mkdir()
    lines = (sample / "9988.HK.csv").read_text().splitlines(keepends=True)
    drop = ("2025-02-05", "2025-02-06", "2025-02-07")
    (folder / "9988.HK.csv").write_text("".join(ln for ln in lines if not ln.startswith(drop)))
    return folder
