"""Smoke test of ``benchmarks/bench_import.py --quick``, its importtime parser, and the CLI's lazy imports.

``import rerating.cli`` must not pull in the heavy optional packages: ``rerating --help`` and every
command that does not need them should start without paying for them.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_import.py"
HEAVY = ("matplotlib", "scipy", "statsmodels", "duckdb", "jieba", "yfinance", "akshare")

# Heavy packages that `import rerating.cli` imports eagerly today: name -> reason (who imports it).
# Each becomes a strict xfail, so making the import lazy turns it into an unexpected pass.
EAGER_TODAY: dict[str, str] = {}

# A hand-written -X importtime trace (post-order, two spaces per level) and the tree it encodes:
#   rerating.cli (cum 1000)
#     rerating.cli.study (cum 700)
#       scipy (cum 600) > scipy.stats (cum 450) > numpy (cum 300)
#       rerating.study.x (cum 50)
#     click (cum 200)
#   json (cum 30, a second top-level import)
TRACE = """\
import time: self [us] | cumulative | imported package
import time:       300 |        300 |         numpy
import time:       150 |        450 |       scipy.stats
import time:       150 |        600 |     scipy
import time:        50 |         50 |     rerating.study.x
import time:        50 |        700 |   rerating.cli.study
import time:       200 |        200 |   click
import time:       100 |       1000 | rerating.cli
import time:        30 |         30 | json
some unrelated stderr line
"""


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    if not BENCH.is_file():
        pytest.skip("benchmarks/bench_import.py is not in this checkout")
    spec = importlib.util.spec_from_file_location("bench_import", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_import"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_import", None)


@pytest.fixture(scope="module")
def quick_report(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "import.json"
    assert bench.main(["--quick", "--out", str(out)]) == 0
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


@pytest.fixture(scope="module")
def modules_after_import() -> set[str]:
    """The oracle: sys.modules of a fresh interpreter after `import rerating.cli` (no importtime)."""
    code = "import sys, rerating.cli; print('\\n'.join(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return set(proc.stdout.split())


def test_parser_rebuilds_the_tree(bench: ModuleType) -> None:
    roots = bench.parse_importtime(TRACE)
    assert [(r.name, r.cumulative_us, r.depth) for r in roots] == [
        ("rerating.cli", 1000, 0),
        ("json", 30, 0),
    ]
    cli = roots[0]
    assert [c.name for c in cli.children] == ["rerating.cli.study", "click"]
    study = cli.children[0]
    assert [c.name for c in study.children] == ["scipy", "rerating.study.x"]
    numpy = study.children[0].children[0].children[0]
    assert numpy.name == "numpy" and numpy.depth == 4
    assert bench.chain(numpy) == [
        "rerating.cli",
        "rerating.cli.study",
        "scipy",
        "scipy.stats",
        "numpy",
    ]
    # each module's cumulative time is its self time plus its children's cumulative times
    for node in bench.iter_nodes(roots):
        assert node.cumulative_us == node.self_us + sum(c.cumulative_us for c in node.children)


def test_parser_names_who_imports_a_heavy_package(bench: ModuleType) -> None:
    roots = bench.parse_importtime(TRACE)
    heavy = bench.heavy_imports(roots)
    assert list(heavy) == ["scipy"]  # numpy is not on the heavy list
    assert heavy["scipy"]["importer"] == "rerating.cli.study"
    assert heavy["scipy"]["chain"] == ["rerating.cli", "rerating.cli.study", "scipy"]
    assert heavy["scipy"]["cumulative_ms"] == 0.6
    by_package = bench.self_time_by_package(roots)
    assert by_package == {"numpy": 0.3, "scipy": 0.3, "click": 0.2, "rerating": 0.2, "json": 0.03}


def test_quick_run_writes_consistent_figures(quick_report: dict[str, Any]) -> None:
    wall = quick_report["wall_ms"]
    assert quick_report["repeats"] == 1
    assert set(wall) == {"baseline", "import", "help"}
    assert all(v > 0 for v in wall.values())
    # importing the package costs more than a bare interpreter; --help costs at least the import
    assert wall["import"] > wall["baseline"]
    assert quick_report["ratio_help_to_baseline"] == pytest.approx(
        wall["help"] / wall["baseline"], rel=0.01
    )
    imp = quick_report["importtime"]
    assert imp["target"] == "rerating.cli" and imp["total_ms"] > 0
    assert imp["modules_imported_by_target"] > 10
    top = imp["top_cumulative"]
    assert top[0]["module"] == "rerating.cli"  # everything else happens inside it
    assert [t["cumulative_ms"] for t in top] == sorted(
        (t["cumulative_ms"] for t in top), reverse=True
    )
    assert quick_report["goal_met"] == (not quick_report["heavy_imported"])


def test_quick_run_agrees_with_sys_modules(
    quick_report: dict[str, Any], modules_after_import: set[str]
) -> None:
    eager = {name for name in HEAVY if name in modules_after_import}
    assert set(quick_report["heavy_imported"]) == eager
    assert "rerating.cli" in modules_after_import


def _heavy_params() -> list[Any]:
    return [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=EAGER_TODAY[name])]
            if name in EAGER_TODAY
            else [],
        )
        for name in HEAVY
    ]


@pytest.mark.parametrize("package", _heavy_params())
def test_import_rerating_cli_does_not_import(package: str, modules_after_import: set[str]) -> None:
    loaded = sorted(m for m in modules_after_import if m == package or m.startswith(package + "."))
    assert not loaded, (
        f"`import rerating.cli` imports {package} eagerly ({len(loaded)} modules); make it lazy"
    )


def test_parser_reads_a_real_trace(bench: ModuleType) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import json, decimal"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [line for line in proc.stderr.splitlines() if line.startswith("import time:")]
    nodes = bench.iter_nodes(bench.parse_importtime(proc.stderr))
    assert len(nodes) == len(lines) - 1  # every line but the header is a module, none is lost
    assert {"json", "decimal"} <= {n.name for n in nodes if n.depth == 0}
    for node in nodes:
        # Python rounds each figure to whole microseconds, so allow 2 us per child of slack
        slack = 2 * (len(node.children) + 1)
        assert (
            abs(node.cumulative_us - node.self_us - sum(c.cumulative_us for c in node.children))
            <= slack
        )
