"""The event-study engine: normal-return models, the batched kernel, test statistics, results.

>>> from rerating.study import EventStudy
>>> res = EventStudy(returns, events, market_returns=bench, model="market").fit()  # doctest: +SKIP
>>> res.caar, res.tests, res.dropped                                               # doctest: +SKIP
"""

from __future__ import annotations

from rerating.study.engine import EventStudy, resolve_tests
from rerating.study.models import (
    CAPM,
    MODELS,
    Dimson,
    FactorModel,
    MarketAdjusted,
    MarketModel,
    MeanAdjusted,
    ModelName,
    NormalReturnModel,
    ScholesWilliams,
    get_model,
)
from rerating.study.results import EventStudyResults, StudySummary, window_label
from rerating.study.statistics import TESTS, TestName, TestResult

__all__ = [
    "CAPM",
    "MODELS",
    "TESTS",
    "Dimson",
    "EventStudy",
    "EventStudyResults",
    "FactorModel",
    "MarketAdjusted",
    "MarketModel",
    "MeanAdjusted",
    "ModelName",
    "NormalReturnModel",
    "ScholesWilliams",
    "StudySummary",
    "TestName",
    "TestResult",
    "get_model",
    "resolve_tests",
    "window_label",
]
