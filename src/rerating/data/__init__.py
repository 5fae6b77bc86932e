"""The market-data layer: security master, calendars, sources, the embedded store and the ``Market`` facade.

The main names are importable from here (``from rerating.data import Market``); each loads its
module on first use, so importing this package stays light. The rest live in their modules
(``rerating.data.calendars``, ``rerating.data.load``, ``rerating.data.sources``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rerating._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
