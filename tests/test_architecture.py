"""The layers import one way (docs/ARCHITECTURE.md), and pure computation imports no I/O.

Imports are read with ``ast`` from the source (including imports inside functions), so a lazy
import that breaks the layering is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "rerating"

# Lower layers first; a module may import its own layer and any layer before it.
LAYERS = ["data", "events", "study", "rerate", "claims", "report", "cli"]
SHARED = {"errors", "config", "_typing", "_lazy"}
# `python -m rerating` runs the CLI; the package's __init__ names the public API of every layer
# (loaded on first use, so a lower layer importing `rerating` still loads nothing above it)
ENTRY_POINTS = {"__main__", "__init__"}

# Pure computation: arrays in, arrays out; no store, network, plotting or CLI.
PURE_MODULES = ["study/kernel.py", "study/statistics.py", "study/models.py"]
IO_PACKAGES = {"duckdb", "matplotlib", "requests", "urllib3", "yfinance", "akshare", "click", "rich", "filelock"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer_of(module_path: Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_lower_layers_never_import_higher_ones(path: Path) -> None:
    layer = _layer_of(path)
    allowed: set[str]
    if layer in ENTRY_POINTS:
        allowed = set(LAYERS)
    elif layer in SHARED:
        allowed = set()  # shared modules import no layer at all
    else:
        allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] != "rerating" or len(parts) < 2 or parts[1] in SHARED:
            continue
        assert parts[1] in allowed, f"{path.relative_to(PACKAGE)} ({layer}) imports {name}"


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_computation_imports_no_io(module: str) -> None:
    for name in _imports(PACKAGE / module):
        top = name.split(".")[0]
        assert top not in IO_PACKAGES, f"{module} imports {name}"
        assert not name.startswith("rerating.data"), f"{module} imports {name} (the data layer)"


def test_the_layer_list_covers_every_package() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS)
