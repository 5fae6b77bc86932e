"""Every exception rerating raises, in one place.

Each class subclasses the builtin it refines, so callers can catch either. Messages say what was
wrong (argument, value received), what is valid, and what to do about it. The CLI turns any
``RerateError`` into a one-line message and a non-zero exit code.
"""

from __future__ import annotations

from collections.abc import Iterable


class RerateError(Exception):
    """Base class of every error rerating raises on purpose."""

    exit_code: int = 2


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` entries of ``choices`` that look like ``word`` (case-insensitive)."""
    import difflib

    pool = {c.upper(): c for c in choices}
    hits = difflib.get_close_matches(word.upper(), list(pool), n=n, cutoff=0.6)
    return [pool[h] for h in hits]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ``" (did you mean A, B?)"`` suffix, or an empty string when nothing is close."""
    hits = close_matches(word, choices)
    return f" (did you mean {', '.join(hits)}?)" if hits else ""


# --- data layer -------------------------------------------------------------------------------


class UnknownSymbolError(RerateError, KeyError):
    """A symbol is not in the security master (or not in the data)."""

    def __str__(self) -> str:  # KeyError quotes its message; we want plain text
        return str(self.args[0]) if self.args else ""


class UnknownExchangeError(RerateError, KeyError):
    """An exchange or calendar name that exchange_calendars does not know."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DataFormatError(RerateError, ValueError):
    """A file or frame does not have the documented layout (file and line are named)."""


class DuplicateDateError(DataFormatError):
    """The same (symbol, date) appears twice in input data."""


class UnsortedDataError(DataFormatError):
    """Dates are not ascending in input data."""


class NonSessionDateError(RerateError, ValueError):
    """A date is not a trading session of the listing's exchange."""


class BadPriceError(DataFormatError):
    """A price is zero, negative or not finite."""


class GapError(RerateError, ValueError):
    """A return would span a missing session and the gap policy is ``raise``."""


class DateRangeError(RerateError, ValueError):
    """A requested date range is empty, reversed or outside the calendar or the data."""


class MissingDataError(RerateError, LookupError):
    """The store or source has no data for what was asked (symbol, range, series)."""


class MissingFXError(MissingDataError):
    """No FX series exists to convert between two currencies."""


class MissingSharesError(MissingDataError):
    """No shares-outstanding figure exists for a listing on or before a date."""


class SourceUnavailableError(RerateError, ConnectionError):
    """A live provider could not be reached or refused; the message names the offline way out."""


class MissingDependencyError(RerateError, ImportError):
    """An optional package is not installed; the message names the ``pip install`` to run."""


class StoreError(RerateError, RuntimeError):
    """The embedded store is locked, corrupt or of an unknown schema version."""


class LoadFailedError(RerateError, RuntimeError):
    """Some symbols of a load failed (the others were committed); the message lists them and why."""


class UnknownSourceError(RerateError, KeyError):
    """A data source name that is not registered (files, yahoo, akshare)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


# --- events -----------------------------------------------------------------------------------


class UnknownEventError(RerateError, KeyError):
    """An event id that is not in the catalog (close ids are suggested)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class EventFormatError(DataFormatError):
    """An events file has a malformed row (bad timestamp, unknown listing, duplicate id)."""


# --- study ------------------------------------------------------------------------------------


class WindowError(RerateError, ValueError):
    """An estimation or event window is malformed, too short or overlaps the other."""


class EstimationError(RerateError, ValueError):
    """A normal-return model cannot be estimated (too few observations, zero variance)."""


class UnknownModelError(RerateError, KeyError):
    """A model or test statistic name that is not registered."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NoEventsLeftError(RerateError, ValueError):
    """Every event was dropped; the ledger says why (``dropped``: the engine's ledger frame,
    ``event_id, symbol, date, reason, group``, when the engine raised it)."""

    def __init__(self, message: str, dropped: object = None) -> None:
        super().__init__(message)
        self.dropped = dropped


class SimulationDesignError(RerateError, ValueError):
    """A simulation design is invalid (scenario, correlation, replications, window ...)."""


# --- claims -----------------------------------------------------------------------------------


class ArticleError(RerateError, ValueError):
    """An article cannot be read: empty, binary, or of an unsupported language."""


class ArticleDateError(ArticleError):
    """The article's date cannot be determined; pass ``--date``."""

    exit_code = 3


# --- report -----------------------------------------------------------------------------------


class UnknownPresetError(RerateError, KeyError):
    """A report preset name that is not defined (the defined ones are listed)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ReportInputError(RerateError, ValueError):
    """A report was asked for without a preset or events and symbols, or with both."""


class ValuationError(RerateError, ValueError):
    """A valuation measure cannot be computed (no four reported quarters, non-positive EPS)."""


class StatisticOptionError(RerateError, ValueError):
    """A test statistic's option is invalid (unknown method, too few bootstrap resamples ...)."""
