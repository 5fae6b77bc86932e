"""rerating: measure how news events re-rate stock valuations across markets.

The main entry points, importable from here (each loads its layer on first use, so ``import
rerating`` and the command line stay fast):

>>> from rerating import Market, EventStudy, abnormal_returns  # doctest: +SKIP
>>> market = Market.from_sample()                               # doctest: +SKIP
>>> res = abnormal_returns(market, ["9988.HK", "NVDA"], "deepseek-r1")  # doctest: +SKIP
>>> res.caar, res.tests, res.car, res.dropped                   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rerating._lazy import lazy_exports

__version__ = "0.1.0"

# public name -> module that defines it (layers: data -> events -> study -> rerate)
_EXPORTS = {
    "Market": "rerating.data.market",
    "load_securities": "rerating.data.securities",
    "load_catalog": "rerating.events.catalog",
    "build_events": "rerating.events.alignment",
    "EventStudy": "rerating.study.engine",
    "EventStudyResults": "rerating.study.results",
    "simulate": "rerating.study.simulate",
    "abnormal_returns": "rerating.rerate.abnormal",
    "window_return": "rerating.rerate.windows",
    "event_return": "rerating.rerate.windows",
    "market_cap_change": "rerating.rerate.marketcap",
}

__all__ = [
    "EventStudy",
    "EventStudyResults",
    "Market",
    "__version__",
    "abnormal_returns",
    "build_events",
    "event_return",
    "load_catalog",
    "load_securities",
    "market_cap_change",
    "simulate",
    "window_return",
]

if TYPE_CHECKING:
    from rerating.data.market import Market
    from rerating.data.securities import load_securities
    from rerating.events.alignment import build_events
    from rerating.events.catalog import load_catalog
    from rerating.rerate.abnormal import abnormal_returns
    from rerating.rerate.marketcap import market_cap_change
    from rerating.rerate.windows import event_return, window_return
    from rerating.study.engine import EventStudy
    from rerating.study.results import EventStudyResults
    from rerating.study.simulate import simulate


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
