"""The public API's numpy-style docstrings agree with the signatures they document.

For each callable in :data:`DOCUMENTED` (the names of ``rerating.__all__``, ``Market``'s public
methods, the calendar helpers of ``rerating.data.calendars`` and the functions of
``rerating.rerate``):

- a ``Parameters`` section exists when the callable takes parameters other than self/cls;
- every parameter of the signature (not self, cls, ``*args``, ``**kwargs``) is documented, and
  every documented name is a parameter;
- a ``Returns`` section exists when the return annotation is not None (and there is one);
- every name under ``Raises`` is an exception class (of ``rerating.errors`` or a builtin).

A parameter added without documenting it fails here, and so does a new public function of those
modules that is not added to :data:`DOCUMENTED`. Nothing is loaded but the modules, except for the
small result objects checked at the end (read from the bundled sample).
"""

from __future__ import annotations

import builtins
import inspect
import keyword
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import rerating
import rerating.errors
from rerating import rerate
from rerating.data import calendars
from rerating.data import store as store_module
from rerating.data.market import Market, MarketCap, SharesFigure
from rerating.data.store import Store, StoreInfo
from rerating.study.engine import EventStudy
from rerating.study.results import EventStudyResults

# --- a small numpy-docstring parser ---------------------------------------------------------------


def sections(doc: str) -> dict[str, tuple[int, list[str]]]:
    """Section title -> (indentation of its title, its body lines), for titles underlined by dashes."""
    lines = doc.splitlines()
    heads = []
    for i in range(len(lines) - 1):
        title, rule = lines[i], lines[i + 1]
        indent = len(title) - len(title.lstrip())
        if (
            title.strip()
            and rule.strip()
            and set(rule.strip()) == {"-"}
            and len(rule.strip()) >= len(title.strip())
            and len(rule) - len(rule.lstrip()) == indent
        ):
            heads.append((i, indent))
    out = {}
    for k, (i, indent) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        out[lines[i].strip()] = (indent, lines[i + 2 : end])
    return out


def entry_names(body: list[str], indent: int) -> list[str]:
    """Names of a section's entries: lines at the section's indentation, ``name : type`` or
    ``name``, several names separated by commas (``a, b : int``); ``*args`` counts as ``args``."""
    names = []
    for line in body:
        if not line.strip() or len(line) - len(line.lstrip()) != indent:
            continue
        head = line.strip().split(" : ", 1)[0]
        names.extend(tok.strip().lstrip("*") for tok in head.split(","))
    return names


def documented_parameters(doc: str) -> list[str] | None:
    """Names under ``Parameters`` (None when there is no such section)."""
    found = sections(doc).get("Parameters")
    return None if found is None else entry_names(*reversed(found))


def test_parser_reads_the_numpy_layout() -> None:
    doc = inspect.cleandoc(
        """Summary.

        Parameters
        ----------
        a, b : int
            Two names on one line.
        flag
            No type.
        *args : Any

        Returns
        -------
        int
            Not a parameter : even with a colon.
        """
    )
    assert documented_parameters(doc) == ["a", "b", "flag", "args"]
    assert set(sections(doc)) == {"Parameters", "Returns"}
    assert documented_parameters("One line only.") is None


# --- what is checked ------------------------------------------------------------------------------

DOCUMENTED: tuple[str, ...] = (
    # rerating.__all__
    "rerating.abnormal_returns",
    "rerating.build_events",
    "rerating.event_return",
    "rerating.load_catalog",
    "rerating.load_securities",
    "rerating.market_cap_change",
    "rerating.simulate",
    "rerating.window_return",
    "rerating.EventStudy.__init__",
    "rerating.EventStudy.fit",
    "rerating.EventStudyResults.conf_int",
    "rerating.EventStudyResults.aar_path",
    "rerating.EventStudyResults.compare",
    "rerating.EventStudyResults.movers",
    "rerating.EventStudyResults.summary",
    "rerating.EventStudyResults.to_frame",
    # Market's public methods
    "rerating.Market.from_files",
    "rerating.Market.from_sample",
    "rerating.Market.open",
    "rerating.Market.security",
    "rerating.Market.missing_bars",
    "rerating.Market.bars",
    "rerating.Market.closes",
    "rerating.Market.returns",
    "rerating.Market.fx_rate",
    "rerating.Market.shares",
    "rerating.Market.market_cap",
    "rerating.Market.eps",
    "rerating.Market.coverage",
    "rerating.Market.quality",
    # calendar helpers
    "rerating.data.calendars.calendar_name",
    "rerating.data.calendars.get_calendar",
    "rerating.data.calendars.build_calendar",
    "rerating.data.calendars.to_day",
    "rerating.data.calendars.sessions",
    "rerating.data.calendars.is_session",
    "rerating.data.calendars.half_days",
    "rerating.data.calendars.holidays",
    "rerating.data.calendars.session_close",
    "rerating.data.calendars.session_open",
    "rerating.data.calendars.first_session_after",
    "rerating.data.calendars.previous_session",
    "rerating.data.calendars.next_session",
    "rerating.data.calendars.shift_sessions",
    # rerate's public functions
    "rerating.rerate.abnormal_event_return",
    "rerating.rerate.abnormal_returns",
    "rerating.rerate.basket_comovement",
    "rerating.rerate.break_test",
    "rerating.rerate.comovement",
    "rerating.rerate.decompose_return",
    "rerating.rerate.equal_weight",
    "rerating.rerate.event_return",
    "rerating.rerate.event_return_from_closes",
    "rerating.rerate.market_cap_change",
    "rerating.rerate.multiple_gap",
    "rerating.rerate.pe_history",
    "rerating.rerate.range_return",
    "rerating.rerate.range_return_from_closes",
    "rerating.rerate.return_decomposition",
    "rerating.rerate.returns_frame",
    "rerating.rerate.rolling_beta",
    "rerating.rerate.trailing_pe",
    "rerating.rerate.window_return",
    "rerating.rerate.window_return_from_closes",
    # the store's writer
    "rerating.data.store.Store.upsert_bars",
)

# Known gaps in modules outside this change: strict xfail, so fixing one fails until it is removed.
KNOWN_GAPS: dict[str, str] = {
}

_ROOTS: dict[str, Any] = {
    "rerating": rerating,
    "rerating.rerate": rerate,
    "rerating.data.calendars": calendars,
    "rerating.data.store": store_module,
}


def resolve(dotted: str) -> tuple[Callable[..., Any], str]:
    """The callable named ``dotted`` and the docstring that documents it (a class's for
    ``__init__``)."""
    for root, module in sorted(_ROOTS.items(), key=lambda kv: -len(kv[0])):
        if dotted.startswith(root + "."):
            obj: Any = module
            owner: Any = None
            for part in dotted[len(root) + 1 :].split("."):
                owner, obj = obj, getattr(obj, part)
            doc = inspect.getdoc(owner if dotted.endswith(".__init__") else obj) or ""
            return obj, doc
    raise AssertionError(f"no root for {dotted}")


def _public_functions(namespace: dict[str, Any], module: str | None = None) -> set[str]:
    out = set()
    for name, obj in namespace.items():
        if name.startswith("_"):
            continue
        if isinstance(obj, (classmethod, staticmethod)):
            obj = obj.__func__
        if inspect.isfunction(obj) and (module is None or obj.__module__ == module):
            out.add(name)
    return out


def test_the_list_covers_every_public_callable() -> None:
    """A new public function of these modules (or method of Market) must join DOCUMENTED."""
    wanted = {
        f"rerating.{n}"
        for n in rerating.__all__
        if n != "__version__" and inspect.isfunction(getattr(rerating, n))
    }
    wanted |= {f"rerating.Market.{n}" for n in _public_functions(vars(Market))}
    wanted |= {"rerating.EventStudy.__init__"}
    wanted |= {f"rerating.EventStudy.{n}" for n in _public_functions(vars(EventStudy))}
    wanted |= {
        f"rerating.EventStudyResults.{n}" for n in _public_functions(vars(EventStudyResults))
    }
    wanted |= {
        f"rerating.data.calendars.{n}"
        for n in _public_functions(vars(calendars), calendars.__name__)
    }
    wanted |= {
        f"rerating.rerate.{n}" for n in rerate.__all__ if inspect.isfunction(getattr(rerate, n))
    }
    assert sorted(wanted - set(DOCUMENTED)) == []
    assert set(KNOWN_GAPS) <= set(DOCUMENTED)


_EXCLUDED_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def problems(dotted: str) -> list[str]:
    """What is wrong with the docstring of ``dotted`` (nothing: an empty list)."""
    func, doc = resolve(dotted)
    sig = inspect.signature(func)
    params = [
        p.name
        for p in sig.parameters.values()
        if p.name not in ("self", "cls") and p.kind not in _EXCLUDED_KINDS
    ]
    found = sections(doc)
    out = []
    documented = documented_parameters(doc)
    if params and documented is None:
        out.append(f"no Parameters section (parameters: {params})")
    documented = documented or []
    for name in documented:
        if not name.isidentifier() or keyword.iskeyword(name):
            out.append(f"Parameters entry {name!r} is not a parameter name")
    if missing := [p for p in params if p not in documented]:
        out.append(f"parameters not documented: {missing}")
    if extra := [d for d in documented if d.isidentifier() and d not in sig.parameters]:
        out.append(f"documented but not in the signature: {extra}")
    if not dotted.endswith(".__init__"):
        ret = sig.return_annotation
        if ret is inspect.Signature.empty:
            out.append("no return annotation")
        elif ret not in (None, "None") and "Returns" not in found and "Yields" not in found:
            out.append(f"no Returns section (returns {ret})")
    if "Raises" in found:
        indent, body = found["Raises"]
        for name in entry_names(body, indent):
            cls = getattr(rerating.errors, name, None) or getattr(builtins, name, None)
            if not (isinstance(cls, type) and issubclass(cls, BaseException)):
                out.append(f"Raises names {name!r}, which is not an exception class")
    return out


def _cases() -> list[Any]:
    return [
        pytest.param(
            name,
            marks=pytest.mark.xfail(reason=KNOWN_GAPS[name], strict=True),
            id=name,
        )
        if name in KNOWN_GAPS
        else pytest.param(name, id=name)
        for name in DOCUMENTED
    ]


@pytest.mark.parametrize("dotted", _cases())
def test_docstring_matches_signature(dotted: str) -> None:
    assert problems(dotted) == []


def test_an_undocumented_parameter_is_caught() -> None:
    def f(a: int, b: int = 0, *args: int, **kwargs: int) -> int:
        """Sum.

        Parameters
        ----------
        a : int
        c : int

        Returns
        -------
        int

        Raises
        ------
        DateRangeError, NotAnError
        """
        return a

    _ROOTS["tests"] = type("ns", (), {"f": staticmethod(f)})
    try:
        found = problems("tests.f")
    finally:
        del _ROOTS["tests"]
    assert "parameters not documented: ['b']" in found
    assert "documented but not in the signature: ['c']" in found
    assert "Raises names 'NotAnError', which is not an exception class" in found
    assert len(found) == 3


# --- small results: summary() and to_frame() ------------------------------------------------------

_PROPERTIES = {
    rerate.WindowReturn: ("percent", "log_value"),
    rerate.ListingValue: ("change", "pct_change"),
    rerate.MarketCapChange: ("change", "pct_change"),
    rerate.TrailingPE: ("pe",),
}


@pytest.mark.parametrize("cls", list(_PROPERTIES), ids=lambda c: c.__name__)
def test_result_properties_have_docstrings(cls: type) -> None:
    for name in _PROPERTIES[cls]:
        assert isinstance(vars(cls)[name], property)
        assert (inspect.getdoc(vars(cls)[name]) or "").strip(), f"{cls.__name__}.{name}"


def test_market_cap_change_frame_says_what_pct_is() -> None:
    doc = inspect.getdoc(rerate.MarketCapChange.to_frame) or ""
    assert "window returns' frame" not in doc
    assert "returns_frame" in doc


@pytest.fixture(scope="module")
def sample() -> Market:
    return Market.from_sample()


def test_shares_figure_summary_and_frame(sample: Market) -> None:
    fig = sample.shares("NVDA", "2025-01-27")
    assert isinstance(fig, SharesFigure)
    text = fig.summary()
    assert isinstance(text, str) and "\n" not in text
    assert text.startswith("NVDA: 24,490,000,000 shares as of 2024-11-15")
    frame = fig.to_frame()
    assert frame.shape == (1, len(fig.__dataclass_fields__))
    assert frame.loc[0, "shares"] == fig.shares and frame.loc[0, "as_of"] == fig.as_of
    baba = sample.shares("BABA", "2025-01-27").summary()
    assert "ADS" in baba and "8 per unit" in baba


def test_market_cap_summary(sample: Market) -> None:
    cap = sample.market_cap("NVDA", "2025-01-27")
    assert isinstance(cap, MarketCap)
    text = cap.summary()
    assert text.startswith("NVDA: market cap 2,900.1bn USD on 2025-01-27")
    assert "as of 2024-11-15" in text and "\n" not in text
    hk = sample.market_cap("9988.HK", "2025-01-27", currency="USD").summary()
    assert "HKDUSD" in hk and "HKD" in hk
    assert cap.to_frame().loc[0, "value"] == cap.value


def test_store_info_summary(tmp_path: Path) -> None:
    absent = Store(tmp_path).info()  # no store yet: nothing is opened or created
    assert absent.summary() == f"no store at {tmp_path / 'rerating.duckdb'}"
    info = StoreInfo(
        tmp_path / "rerating.duckdb",
        True,
        2_500_000,
        1,
        3,
        1_234,
        pd.Timestamp("2024-06-03"),
        pd.Timestamp("2025-06-30"),
    )
    text = info.summary()
    assert "3 symbol(s), 1,234 rows, 2024-06-03..2025-06-30, 2.5 MB, schema version 1" in text
    assert "\n" not in text
