"""The report layer: tables, charts and a self-contained HTML page, downstream of every result.

Plotting is imported lazily inside the chart functions, so importing this package is cheap.
"""

from __future__ import annotations

from rerating.report.build import ReportResult, build_report
from rerating.report.presets import PRESETS, DatedWindow, Group, Preset, custom_preset, get_preset

__all__ = [
    "PRESETS",
    "DatedWindow",
    "Group",
    "Preset",
    "ReportResult",
    "build_report",
    "custom_preset",
    "get_preset",
]
