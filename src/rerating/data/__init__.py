"""The market-data layer: security master, calendars, sources, the embedded store and the ``Market`` facade.

The main names are importable from here (``from rerating.data import Market``); each loads its
module on first use, so importing this package stays light. The rest live in their modules
(``rerating.data.calendars``, ``rerating.data.load``, ``rerating.data.sources``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS = {
    "Market": "rerating.data.market",
    "ReturnsResult": "rerating.data.market",
    "SecurityMaster": "rerating.data.securities",
    "load_securities": "rerating.data.securities",
    "Store": "rerating.data.store",
    "read_factors": "rerating.data.factors",
}

__all__ = ["Market", "ReturnsResult", "SecurityMaster", "Store", "load_securities", "read_factors"]

if TYPE_CHECKING:
    from rerating.data.factors import read_factors
    from rerating.data.market import Market, ReturnsResult
    from rerating.data.securities import SecurityMaster, load_securities
    from rerating.data.store import Store


def __getattr__(name: str) -> Any:  # PEP 562: the module is imported when a name is first used
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rerating.data' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *globals()])
