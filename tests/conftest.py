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


# SMIC (A+H): made-up class share counts, shared by the share-class tests
SMIC_A_SHARES = 1_986_000_000
SMIC_HK_SHARES = 5_992_000_000


@pytest.fixture
def smic_dir(tmp_path: Path) -> Path:
    """0981.HK and the FX series from the sample, a made-up 688981.SS (90..95 on XSHG sessions)
    and a shares.csv with each class's own count (``SMIC_A_SHARES``, ``SMIC_HK_SHARES``)."""
    import shutil

    import numpy as np

    from rerating.data import calendars
    from rerating.data.market import _sample_dir

    folder = tmp_path / "smic"
    folder.mkdir()
    for name in ("0981.HK.csv", "USDCNY.csv", "USDHKD.csv"):
        shutil.copy(_sample_dir() / name, folder / name)
    days = calendars.sessions("XSHG", "2025-01-02", "2025-02-14")
    closes = np.round(np.linspace(90.0, 95.0, len(days)), 2)
    pd.DataFrame({"date": [d.strftime("%Y-%m-%d") for d in days], "close": closes}).to_csv(
        folder / "688981.SS.csv", index=False
    )
    (folder / "shares.csv").write_text(
        "symbol,as_of,shares,unit_note,source\n"
        f"688981.SS,2024-12-31,{SMIC_A_SHARES},A shares,test\n"
        f"0981.HK,2024-12-31,{SMIC_HK_SHARES},Hong Kong shares,test\n",
        encoding="utf-8",
    )
    return folder


# The claims tests' extractor and sample market: one of each per test module (module scope, as
# each module had its own), for the modules that do not define their own.
@pytest.fixture(scope="module")
def ex():  # type: ignore[no-untyped-def]
    from rerating.claims import Extractor

    return Extractor()


@pytest.fixture(scope="module")
def market():  # type: ignore[no-untyped-def]
    from rerating.data.market import Market

    return Market.from_sample()
