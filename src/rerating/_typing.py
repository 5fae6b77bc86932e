"""Type aliases shared across layers."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Literal, TypeAlias

import pandas as pd

DateLike: TypeAlias = str | dt.date | dt.datetime | pd.Timestamp
# text a DateLike may not be: a date led by a one- or two-digit day or month: 03/02/2025, 3.2.25, 03-02-2025
DAY_MONTH_FIRST = re.compile(r"\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\b")
PathLike: TypeAlias = str | os.PathLike[str]
Currency: TypeAlias = Literal["USD", "HKD", "CNY"] | str
GapPolicy: TypeAlias = Literal["raise", "drop", "multi_day"]
NonSessionPolicy: TypeAlias = Literal["next", "previous", "skip", "raise"]
# which pairs of events add the residuals' correlation one session apart to r̄
LeadLagPolicy: TypeAlias = Literal["markets", "all", "none"]
ReturnKind: TypeAlias = Literal["simple", "log"]
OutputFormat: TypeAlias = Literal["table", "csv", "json", "parquet"]
Window: TypeAlias = tuple[int, int]
