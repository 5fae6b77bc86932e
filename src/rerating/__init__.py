"""rerating: measure how news events re-rate stock valuations across markets."""

from __future__ import annotations

__version__ = "0.1.0"
