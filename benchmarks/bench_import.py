"""Import and start-up time of the ``rerating`` CLI, against a bare interpreter measured in the same run.

1. ``python -X importtime -c "import rerating.cli"``: parsed into the import tree; prints the
   modules with the largest cumulative time, the self time summed per top-level package, and which
   heavy optional packages (matplotlib, scipy, statsmodels, duckdb, jieba, yfinance, akshare) the
   import pulls in, with the chain of modules that imported each.
2. Wall time, median of ``--repeats`` fresh subprocesses each (after one warm-up run of each):
   ``python -c pass`` (the baseline), ``python -c "import rerating.cli"`` and ``rerating --help``;
   reported in ms and as ratios to the baseline.

Usage::

    .venv/bin/python benchmarks/bench_import.py             # 5 repeats
    .venv/bin/python benchmarks/bench_import.py --quick     # 1 repeat, a smoke test

Prints a table and writes ``benchmarks/results/import.json`` (``--out`` picks another path).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "import.json"
TARGET = "rerating.cli"
HEAVY = ("matplotlib", "scipy", "statsmodels", "duckdb", "jieba", "yfinance", "akshare")

_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( +)(\S+)\s*$")


@dataclass
class ImportNode:
    """One module in the ``-X importtime`` tree; times in microseconds."""

    name: str
    self_us: int
    cumulative_us: int
    depth: int
    children: list[ImportNode] = field(default_factory=list)
    parent: ImportNode | None = field(default=None, repr=False)


def parse_importtime(text: str) -> list[ImportNode]:
    """Parse ``-X importtime`` stderr into its tree; return the top-level (depth 0) imports in order.

    Python prints a module after the modules it imported (post-order), indented two spaces per
    level, so a module's children are the deeper lines printed since its previous sibling.
    """
    pending: dict[int, list[ImportNode]] = defaultdict(list)
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:  # the header line, or other stderr output
            continue
        self_us, cum_us, indent, name = match.groups()
        depth = (len(indent) - 1) // 2
        node = ImportNode(name, int(self_us), int(cum_us), depth)
        node.children = pending.pop(depth + 1, [])
        for child in node.children:
            child.parent = node
        pending[depth].append(node)
    return pending.get(0, [])


def iter_nodes(roots: list[ImportNode]) -> list[ImportNode]:
    """Every node of the tree, parents before children."""
    out: list[ImportNode] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def chain(node: ImportNode) -> list[str]:
    """The modules from the top-level import down to ``node``."""
    names = []
    current: ImportNode | None = node
    while current is not None:
        names.append(current.name)
        current = current.parent
    return names[::-1]


def heavy_imports(
    roots: list[ImportNode], heavy: tuple[str, ...] = HEAVY
) -> dict[str, dict[str, Any]]:
    """For each heavy package the tree imports: the chain that first imported it and the importer.

    The importer is the nearest ``rerating`` module above it (the module whose owner can make the
    import lazy), or the top of the chain when none is.
    """
    found: dict[str, dict[str, Any]] = {}
    for node in iter_nodes(roots):
        top = node.name.split(".")[0]
        if top not in heavy or top in found:
            continue
        path = chain(node)
        ours = [name for name in path[:-1] if name.split(".")[0] == "rerating"]
        found[top] = {
            "chain": path,
            "importer": ours[-1] if ours else path[0],
            "cumulative_ms": node.cumulative_us / 1000.0,
        }
    return found


def self_time_by_package(roots: list[ImportNode]) -> dict[str, float]:
    """Self time (ms) summed per top-level package, largest first."""
    totals: dict[str, float] = defaultdict(float)
    for node in iter_nodes(roots):
        totals[node.name.split(".")[0]] += node.self_us / 1000.0
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)  # would add importtime output (and cost) to every run
    return env


def _importtime_run() -> tuple[str, list[ImportNode]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {TARGET}"],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    return proc.stderr, parse_importtime(proc.stderr)


def _total_us(roots: list[ImportNode]) -> int:
    return next((r.cumulative_us for r in roots if r.name == TARGET), 0)


def _wall_ms(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(), check=True
    )
    return (time.perf_counter() - start) * 1000.0


def _help_argv() -> list[str]:
    # The console script installed next to this interpreter; `python -m rerating` where there is none.
    script = Path(sys.executable).with_name("rerating")
    if script.is_file():
        return [str(script), "--help"]
    return [sys.executable, "-m", "rerating", "--help"]


def run(repeats: int, top: int) -> dict[str, Any]:
    """Measure everything; return the figures as a JSON-ready dict."""
    commands = {
        "baseline": [sys.executable, "-c", "pass"],
        "import": [sys.executable, "-c", f"import {TARGET}"],
        "help": _help_argv(),
    }
    for argv in commands.values():  # warm-up: the first run pays for a cold disk cache
        _wall_ms(argv)
    # Interleave the commands so a change in machine load hits all of them alike.
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            times[name].append(_wall_ms(argv))
    medians = {name: statistics.median(values) for name, values in times.items()}

    # The import tree of the run with the median total (importtime itself adds some overhead).
    runs = sorted((_importtime_run() for _ in range(repeats)), key=lambda r: _total_us(r[1]))
    roots = runs[len(runs) // 2][1]
    nodes = iter_nodes(roots)
    top_nodes = sorted(nodes, key=lambda n: -n.cumulative_us)[:top]
    rerating_roots = [r for r in roots if r.name == TARGET]
    if not rerating_roots:
        raise RuntimeError(f"`import {TARGET}` does not appear in the -X importtime output")
    in_target = iter_nodes(rerating_roots)
    heavy = heavy_imports(roots)
    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "repeats": repeats,
        "help_command": " ".join(
            Path(a).name if i == 0 else a for i, a in enumerate(commands["help"])
        ),
        "wall_ms": {name: round(value, 2) for name, value in medians.items()},
        "wall_ms_all": {name: [round(v, 2) for v in values] for name, values in times.items()},
        "ratio_import_to_baseline": round(medians["import"] / medians["baseline"], 2),
        "ratio_help_to_baseline": round(medians["help"] / medians["baseline"], 2),
        "help_minus_baseline_ms": round(medians["help"] - medians["baseline"], 2),
        "importtime": {
            "target": TARGET,
            "total_ms": _total_us(roots) / 1000.0,
            "modules_imported_by_target": len(in_target),
            "top_cumulative": [
                {
                    "module": n.name,
                    "depth": n.depth,
                    "cumulative_ms": n.cumulative_us / 1000.0,
                    "self_ms": n.self_us / 1000.0,
                }
                for n in top_nodes
            ],
            "self_ms_by_package": {
                k: round(v, 3) for k, v in list(self_time_by_package(roots).items())[:top]
            },
        },
        "heavy_checked": list(HEAVY),
        "heavy_imported": heavy,
        "goal_met": not heavy,  # goal: `import rerating.cli` pulls in none of the heavy packages
    }


def _print_report(report: dict[str, Any]) -> None:
    wall = report["wall_ms"]
    rows = [
        ("python -c pass (baseline), median ms", f"{wall['baseline']:.1f}"),
        (f"python -c 'import {TARGET}', median ms", f"{wall['import']:.1f}"),
        (f"{report['help_command']}, median ms", f"{wall['help']:.1f}"),
        ("import / baseline", f"{report['ratio_import_to_baseline']:.2f}x"),
        ("help / baseline", f"{report['ratio_help_to_baseline']:.2f}x"),
        ("help - baseline, ms", f"{report['help_minus_baseline_ms']:.1f}"),
        (f"-X importtime: {TARGET} cumulative ms", f"{report['importtime']['total_ms']:.1f}"),
        ("modules imported", str(report["importtime"]["modules_imported_by_target"])),
        ("repeats", str(report["repeats"])),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"CLI start-up (python {report['python']}, {report['cpus']} cpus)")
    for label, value in rows:
        print(f"  {label:<{width}}  {value:>10}")

    print("\nlargest cumulative import times (ms; depth 0 = imported by the -c statement)")
    print(f"  {'module':<44} {'depth':>5} {'cumul.':>9} {'self':>8}")
    for entry in report["importtime"]["top_cumulative"]:
        print(
            f"  {entry['module']:<44} {entry['depth']:>5} {entry['cumulative_ms']:>9.1f} {entry['self_ms']:>8.1f}"
        )

    print("\nself time by top-level package (ms)")
    for package, ms in report["importtime"]["self_ms_by_package"].items():
        print(f"  {package:<48} {ms:>9.1f}")

    heavy = report["heavy_imported"]
    print(f"\nheavy packages imported by `import {TARGET}`: " + (", ".join(heavy) or "none"))
    for package, info in heavy.items():
        print(f"  {package}: imported by {info['importer']}  ({' -> '.join(info['chain'])})")
    print(f"goal (no heavy package at import) met: {report['goal_met']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--repeats", type=int, default=5, help="subprocess runs per command (median)"
    )
    parser.add_argument("--quick", action="store_true", help="one repeat: a smoke test")
    parser.add_argument("--top", type=int, default=15, help="rows of the import-time tables")
    parser.add_argument("--out", type=Path, default=RESULTS, help="path of the JSON result")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    if repeats < 1:
        parser.error(f"--repeats must be >= 1, got {repeats}")
    report = run(repeats, args.top)
    _print_report(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
