"""Re-rating measures: window returns, market-cap changes, abnormal returns, valuation, co-movement.

Each measure is a pure function on pandas objects plus a thin wrapper that reads a ``Market``;
the conventions of every measure are in docs/MEASURES.md.
"""

from __future__ import annotations

from rerating.rerate.abnormal import abnormal_event_return, abnormal_returns
from rerating.rerate.comovement import (
    ChowTest,
    Comovement,
    basket_comovement,
    break_test,
    comovement,
    equal_weight,
    rolling_beta,
)
from rerating.rerate.marketcap import ListingValue, MarketCapChange, market_cap_change
from rerating.rerate.valuation import (
    MultipleGap,
    ReturnDecomposition,
    TrailingPE,
    decompose_return,
    multiple_gap,
    pe_history,
    return_decomposition,
    trailing_pe,
)
from rerating.rerate.windows import (
    WindowReturn,
    event_return,
    event_return_from_closes,
    range_return,
    range_return_from_closes,
    returns_frame,
    window_return,
    window_return_from_closes,
)

__all__ = [
    "ChowTest",
    "Comovement",
    "ListingValue",
    "MarketCapChange",
    "MultipleGap",
    "ReturnDecomposition",
    "TrailingPE",
    "WindowReturn",
    "abnormal_event_return",
    "abnormal_returns",
    "basket_comovement",
    "break_test",
    "comovement",
    "decompose_return",
    "equal_weight",
    "event_return",
    "event_return_from_closes",
    "market_cap_change",
    "multiple_gap",
    "pe_history",
    "range_return",
    "range_return_from_closes",
    "return_decomposition",
    "returns_frame",
    "rolling_beta",
    "trailing_pe",
    "window_return",
    "window_return_from_closes",
]
