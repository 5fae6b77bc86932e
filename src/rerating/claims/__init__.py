"""Claims: extract the quantitative market claims of an article, and check them against the data.

>>> from rerating.claims import extract_claims
>>> [c.metric for c in extract_claims("英伟达1月27日股价大跌17%。", article_date="2025-02-13")]
['price_return']

Checking them needs market data: ``verify_claims(claims, Market.from_sample())`` gives one
:class:`Verdict` per claim (``verdicts_frame`` makes them a table).
"""

from __future__ import annotations

from rerating.claims.article import parse_date, read_article
from rerating.claims.extract import Extractor, extract_claims
from rerating.claims.model import COMPARATORS, METRICS, Article, Claim, claims_frame
from rerating.claims.verify import Verdict, verdicts_frame, verify_claims

__all__ = [
    "COMPARATORS",
    "METRICS",
    "Article",
    "Claim",
    "Extractor",
    "Verdict",
    "claims_frame",
    "extract_claims",
    "parse_date",
    "read_article",
    "verdicts_frame",
    "verify_claims",
]
