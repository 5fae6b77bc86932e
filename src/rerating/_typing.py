"""Type aliases shared across layers."""

from __future__ import annotations

import datetime as dt
import os
from typing import Literal, TypeAlias

import pandas as pd

DateLike: TypeAlias = str | dt.date | dt.datetime | pd.Timestamp
PathLike: TypeAlias = str | os.PathLike[str]
Currency: TypeAlias = Literal["USD", "HKD", "CNY"] | str
GapPolicy: TypeAlias = Literal["raise", "drop", "multi_day"]
NonSessionPolicy: TypeAlias = Literal["next", "previous", "skip", "raise"]
# which pairs of events add the residuals' correlation one session apart to r̄
LeadLagPolicy: TypeAlias = Literal["markets", "all", "none"]
ReturnKind: TypeAlias = Literal["simple", "log"]
OutputFormat: TypeAlias = Literal["table", "csv", "json", "parquet"]
Window: TypeAlias = tuple[int, int]
