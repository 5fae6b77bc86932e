"""The security master: which listings exist, where they trade, in what currency, under what names.

The bundled table is ``rerating/data/securities.csv`` (columns in :data:`COLUMNS`); a user extends
it with a CSV of the same layout (``load_securities(extra=...)``, ``rerating --securities FILE``).
Rows of the extra file replace bundled rows of the same symbol, so a user can also correct one.

Lookups are case-insensitive and forgiving about the usual spellings of a symbol: ``HSI`` finds
``^HSI``, ``9988.hk`` and ``09988.HK`` find ``9988.HK``, ``700.HK`` finds ``0700.HK``, ``.SH``
finds ``.SS``, and akshare's exchange-prefixed codes ``sh600519`` / ``sz000001`` find
``600519.SS`` / ``000001.SZ``. An unknown symbol raises :class:`~rerating.errors.UnknownSymbolError`
with close matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from rerating._typing import PathLike
from rerating.errors import DataFormatError, MissingDataError, UnknownSymbolError, close_matches

UNKNOWN_SHOWN = 5  # unknown symbols named in one error (the rest are counted)

COLUMNS: tuple[str, ...] = (
    "symbol",
    "name",
    "name_zh_hans",
    "name_zh_hant",
    "aliases",
    "kind",
    "exchange",
    "calendar",
    "currency",
    "company",
    "shares_per_unit",
    "sector",
    "benchmark",
    "yahoo",
    "akshare",
)
REQUIRED: tuple[str, ...] = ("symbol", "name", "kind", "exchange", "calendar", "currency")
KINDS: tuple[str, ...] = ("stock", "adr", "etf", "index", "fx")
CALENDARS: tuple[str, ...] = ("XNYS", "XHKG", "XSHG")
BUNDLED_FILE = "securities.csv"


@dataclass(frozen=True)
class Security:
    """One listing: a symbol on one exchange, in one currency."""

    symbol: str
    name: str
    name_zh_hans: str
    name_zh_hant: str
    aliases: tuple[str, ...]
    kind: str
    exchange: str
    calendar: str
    currency: str
    company: str
    shares_per_unit: float
    sector: str
    benchmark: str
    yahoo: str
    akshare: str

    @property
    def share_class(self) -> str:
        """The class of shares this listing trades, as a key: listings of one company with the same
        key trade units that convert into each other (an ADR and its ordinary shares: ``"ordinary"``
        for BABA and 9988.HK); a mainland listing (calendar XSHG: A shares) is a class of its own
        (its symbol), since A shares do not convert into a company's H / Hong Kong shares."""
        return self.symbol if self.calendar == "XSHG" else "ordinary"

    @property
    def file_stem(self) -> str:
        """The file name (without suffix) of this listing in a ``files`` folder: caret dropped."""
        return self.symbol.lstrip("^")


def normalize_symbol(symbol: str) -> str:
    """Canonical spelling of a symbol *form* (case, HK zero padding, ``.SH`` -> ``.SS``).

    This does not consult the master, so ``HSI`` stays ``HSI``; :meth:`SecurityMaster.resolve`
    adds the caret when only the caret form exists.
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise UnknownSymbolError(
            f"symbol must be a non-empty string, got {symbol!r}; pass a ticker such as 'BABA' or '9988.HK'"
        )
    s = symbol.strip().upper()
    m = re.fullmatch(r"(\d{1,5})\.HK", s)
    if m:  # Hong Kong: 4 digits, zero-padded (09988.HK and 700.HK are common spellings)
        return f"{int(m.group(1)):04d}.HK"
    if s.endswith(".SH"):  # Wind/akshare spell Shanghai .SH, Yahoo .SS
        return s[:-3] + ".SS"
    return s


def _exchange_prefixed(symbol: str) -> str | None:
    """The Yahoo-style symbol of a mainland code spelt with its exchange prefix, as akshare and
    Sina do (``SH600519`` -> ``600519.SS``, ``SZ000001`` -> ``000001.SZ``), else ``None``.

    Parameters
    ----------
    symbol : str
        A symbol already upper-cased by :func:`normalize_symbol`.

    Returns
    -------
    str or None
    """
    m = re.fullmatch(r"(SH|SZ)(\d{6})", symbol)
    if m is None:
        return None
    return f"{m.group(2)}.{'SS' if m.group(1) == 'SH' else 'SZ'}"


def _split_aliases(value: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in value.split("|") if a.strip())


def _read_table(path: Path) -> pd.DataFrame:
    """Read and validate one securities CSV; errors name the file and line."""
    # the files source's CSV reader: a row with a trailing comma would otherwise shift every column
    from rerating.data.sources.files import read_csv_table

    frame, lines = read_csv_table(path, ",".join(REQUIRED) + ",...")
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataFormatError(
            f"{path}: securities table lacks column(s) {missing}; required: {list(REQUIRED)}, "
            f"optional: {[c for c in COLUMNS if c not in REQUIRED]}"
        )
    unknown = [c for c in frame.columns if c not in COLUMNS]
    if unknown:
        raise DataFormatError(
            f"{path}: unknown column(s) {unknown} in the securities table; valid columns: {list(COLUMNS)}"
        )
    for col in COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    frame = frame[list(COLUMNS)].apply(lambda c: c.str.strip())
    rows = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(frame.to_dict("records")):
        line = int(lines[i])  # header is line 1
        where = f"{path}:{line}"
        for col in REQUIRED:
            if not rec[col] and not (col == "exchange" and rec["kind"] == "fx"):  # FX has no exchange
                raise DataFormatError(f"{where}: column {col!r} is empty; every listing needs {list(REQUIRED)}")
        rec["symbol"] = normalize_symbol(rec["symbol"])
        if rec["symbol"] in seen:
            raise DataFormatError(
                f"{where}: symbol {rec['symbol']!r} repeats line {seen[rec['symbol']]}; keep one row per listing"
            )
        seen[rec["symbol"]] = line
        if rec["kind"] not in KINDS:
            raise DataFormatError(f"{where}: kind {rec['kind']!r} is not one of {list(KINDS)}")
        rec["calendar"] = rec["calendar"].upper()
        if rec["calendar"] not in CALENDARS:
            raise DataFormatError(
                f"{where}: calendar {rec['calendar']!r} is not one of {list(CALENDARS)} "
                "(Shenzhen listings use XSHG)"
            )
        rec["currency"] = rec["currency"].upper()
        if not re.fullmatch(r"[A-Z]{3}", rec["currency"]):
            raise DataFormatError(f"{where}: currency {rec['currency']!r} is not a 3-letter ISO code such as USD")
        raw_ratio = rec["shares_per_unit"] or "1"
        try:
            ratio = float(raw_ratio)
        except ValueError:
            ratio = float("nan")
        if not ratio > 0:
            raise DataFormatError(
                f"{where}: shares_per_unit {raw_ratio!r} must be a positive number (BABA 8, 9988.HK 1)"
            )
        rec["shares_per_unit"] = ratio
        rec["company"] = rec["company"] or rec["symbol"]
        rec["benchmark"] = normalize_symbol(rec["benchmark"]) if rec["benchmark"] else ""
        rows.append(rec)
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return out.astype({"shares_per_unit": "float64"})


def bundled_path() -> Path:
    """Path of the bundled ``securities.csv`` (it may be absent in a partial checkout)."""
    return Path(str(resources.files("rerating.data").joinpath(BUNDLED_FILE)))


def load_securities(
    extra: PathLike | None = None, *, base: PathLike | None | bool = True
) -> SecurityMaster:
    """Load the security master.

    Parameters
    ----------
    extra
        A CSV with the same columns (only ``symbol,name,kind,exchange,calendar,currency`` are
        required) whose rows are added to the bundled table; a row whose symbol is already there
        replaces it.
    base
        ``True`` (default) reads the bundled table; a path reads that table instead; ``False`` or
        ``None`` starts from nothing (then ``extra`` is the whole master).

    Returns
    -------
    SecurityMaster

    Raises
    ------
    DataFormatError
        A table is malformed (the message names file and line).
    MissingDataError
        Neither a base table nor ``extra`` exists.
    """
    frames: list[pd.DataFrame] = []
    if base is True:
        path = bundled_path()
        if path.is_file():
            frames.append(_read_table(path))
        elif extra is None:
            raise MissingDataError(
                f"the bundled security master {path} is missing; reinstall rerating or pass "
                "--securities FILE with columns " + ",".join(COLUMNS)
            )
    elif base:
        frames.append(_read_table(Path(base)))
    if extra is not None:
        path = Path(extra)
        if not path.is_file():
            raise MissingDataError(f"securities file {str(path)!r} does not exist; pass an existing CSV")
        frames.append(_read_table(path))
    if not frames:
        raise MissingDataError("no security master: pass base= or extra= a securities CSV")
    frame = pd.concat(frames, ignore_index=True).drop_duplicates("symbol", keep="last")
    return SecurityMaster(frame.reset_index(drop=True))


class SecurityMaster:
    """Listings by symbol, with lookups by name or alias in any script.

    Parameters
    ----------
    frame
        A table with the columns of :data:`COLUMNS`, one row per symbol (as built by
        :func:`load_securities`).
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame: pd.DataFrame = frame.copy()
        self._by_symbol: dict[str, Security] = {}
        for rec in self.frame.to_dict("records"):
            sec = Security(
                symbol=rec["symbol"],
                name=rec["name"],
                name_zh_hans=rec["name_zh_hans"],
                name_zh_hant=rec["name_zh_hant"],
                aliases=_split_aliases(rec["aliases"]),
                kind=rec["kind"],
                exchange=rec["exchange"],
                calendar=rec["calendar"],
                currency=rec["currency"],
                company=rec["company"],
                shares_per_unit=float(rec["shares_per_unit"]),
                sector=rec["sector"],
                benchmark=rec["benchmark"],
                yahoo=rec["yahoo"],
                akshare=rec["akshare"],
            )
            self._by_symbol[sec.symbol] = sec
        self.symbols: list[str] = list(self._by_symbol)
        # provider spellings (CNY=X, 09988, sh000300) -> symbol; the first listing wins, as a scan,
        # except that a stock wins over an index: on the mainland a bare code is the stock's
        # (000001 is Ping An Bank 000001.SZ; the SSE Composite is 000001.SS / 上证指数)
        self._by_provider: dict[str, str] = {}
        self._provider_others: dict[str, list[str]] = {}  # the listings a bare code did not pick
        for sec in self._by_symbol.values():
            bare = sec.symbol[:6] if re.fullmatch(r"\d{6}\.(SS|SZ)", sec.symbol) else ""
            for spelling in dict.fromkeys((sec.yahoo.upper(), sec.akshare.upper(), bare)):
                if not spelling:
                    continue
                first = self._by_provider.setdefault(spelling, sec.symbol)
                if first == sec.symbol:
                    continue
                if self._by_symbol[first].kind == "index" and sec.kind != "index":
                    self._by_provider[spelling] = sec.symbol
                    sec, first = self._by_symbol[first], sec.symbol
                self._provider_others.setdefault(spelling, []).append(sec.symbol)
        self._t2s: Any = None  # opencc converter, built on first use

    def __len__(self) -> int:
        return len(self._by_symbol)

    def __contains__(self, symbol: object) -> bool:
        return isinstance(symbol, str) and self._canonical(symbol) is not None

    def __repr__(self) -> str:
        return f"SecurityMaster({len(self)} listings)"

    def extend(self, frame: pd.DataFrame) -> SecurityMaster:
        """A new master with ``frame``'s listings added; a listing already here is replaced."""
        if frame.empty:
            return self
        extra = frame.reindex(columns=list(COLUMNS)).astype({"shares_per_unit": "float64"})
        merged = pd.concat([self.frame, extra], ignore_index=True).drop_duplicates("symbol", keep="last")
        return SecurityMaster(merged.reset_index(drop=True))

    def _canonical(self, symbol: str) -> str | None:
        """:meth:`resolve`'s answer, or None (no search for close matches: cheap for many)."""
        s = normalize_symbol(symbol)
        if s in self._by_symbol:
            return s
        if "^" + s in self._by_symbol:
            return "^" + s
        found = self._by_provider.get(s)
        if found is None:
            prefixed = _exchange_prefixed(s)
            if prefixed is not None and prefixed in self._by_symbol:
                return prefixed
        return found

    def resolve(self, symbol: str) -> str:
        """The canonical symbol for ``symbol`` (``HSI`` -> ``^HSI``, ``09988.hk`` -> ``9988.HK``)."""
        found = self._canonical(symbol)
        if found is not None:
            self._say_choice(symbol, found)
            return found
        named = self._named(symbol)
        if named:  # a company's name (阿里巴巴, Tencent): say which listings it has
            raise UnknownSymbolError(
                f"{symbol!r} is a name, not a symbol: its listings are "
                f"{', '.join(sec.symbol for sec in named)}; pass one of them"
            )
        raise UnknownSymbolError(
            f"unknown symbol {symbol!r}{self._hint(symbol)}; the security master has {len(self)} "
            "listings; add yours with --securities FILE (layout in docs/DATA.md)"
        )

    def resolve_many(self, symbols: Iterable[str], where: str = "") -> list[str]:
        """The canonical symbol of each of ``symbols``, in order; every unknown one in one error.

        Parameters
        ----------
        symbols : iterable of str
            Symbols as a user spells them (a whole market's listings, an events file's column).
        where : str, default ""
            Where they come from, for the error (``" in events file big.csv"``).

        Returns
        -------
        list of str
            One canonical symbol per input symbol (as :meth:`resolve`).

        Raises
        ------
        UnknownSymbolError
            When any symbol is unknown: one unknown symbol gets :meth:`resolve`'s error; several
            are counted and the first few named with their close matches, so that a file with
            many unknown symbols is fixed in one go rather than one symbol per run.
        """
        given = [str(s) for s in symbols]
        found = {s: self._canonical(s) for s in dict.fromkeys(given)}
        unknown = [s for s, f in found.items() if f is None]
        if len(unknown) == 1:
            self.resolve(unknown[0])  # raises, with its close matches or the name's listings
        if unknown:
            shown = ", ".join(f"{s!r}{self._hint(s)}" for s in unknown[:UNKNOWN_SHOWN])
            more = f" and {len(unknown) - UNKNOWN_SHOWN} more" if len(unknown) > UNKNOWN_SHOWN else ""
            raise UnknownSymbolError(
                f"{len(unknown)} of {len(found)} symbols{where} are not in the security master "
                f"({len(self)} listings): {shown}{more}; add yours with --securities FILE (layout "
                "in docs/DATA.md), or take them out"
            )
        for s, f in found.items():
            self._say_choice(s, str(f))
        return [str(found[s]) for s in given]

    def _hint(self, symbol: str) -> str:
        """`` (did you mean X, Y?)`` with the listings closest to ``symbol``, or ``""``."""
        s = normalize_symbol(symbol)
        hits = close_matches(s, self.symbols)
        if not hits:  # try names and aliases too: "Alibab" -> BABA, 9988.HK
            by_name: dict[str, str] = {}
            for sec in self._by_symbol.values():
                for label in (sec.name, *sec.aliases):
                    by_name.setdefault(label, sec.symbol)
            hits = list(dict.fromkeys(by_name[h] for h in close_matches(s, list(by_name))))
        return f" (did you mean {', '.join(hits)}?)" if hits else ""

    def get(self, symbol: str) -> Security:
        """The listing for ``symbol``; :class:`UnknownSymbolError` with close matches otherwise."""
        return self._by_symbol[self.resolve(symbol)]

    def lookup(self, symbol: str) -> Security | None:
        """The listing for ``symbol``, or None when the master does not have it (no error and
        no search for close matches: for code that asks about many symbols, most unknown)."""
        found = self._canonical(symbol)
        if found is not None:
            self._say_choice(symbol, found)
        return None if found is None else self._by_symbol[found]

    def _say_choice(self, symbol: str, found: str) -> None:
        """Warn when ``symbol`` is a provider code of several listings (a bare 000001)."""
        s = normalize_symbol(symbol)
        others = self._provider_others.get(s) if s not in self._by_symbol else None
        if others:
            import warnings

            names = ", ".join(f"{o} ({self._by_symbol[o].name})" for o in others)
            warnings.warn(
                f"{symbol!r} is the code of {found} ({self._by_symbol[found].name}) and of {names}; "
                f"read as {found} (on the mainland a bare code is the stock's); pass "
                f"{others[0]} for the other",
                UserWarning,
                stacklevel=3,
            )

    def _simplified(self, text: str) -> str:
        # Traditional and simplified spellings of a name match each other (輝達 vs 辉达).
        if self._t2s is None:
            from opencc import OpenCC

            self._t2s = OpenCC("t2s")
        return self._t2s.convert(text).casefold().strip()

    def find(self, name: str) -> list[Security]:
        """Listings whose symbol, English or Chinese name or alias equals ``name`` (any script, any case).

        Exact matches come first; when there are none, names that contain ``name`` (two characters
        or more) are returned. An empty list means nothing matched.
        """
        if not name or not name.strip():
            return []
        by_symbol = self.lookup(name)
        exact = [] if by_symbol is None else [by_symbol]
        exact += [sec for sec in self._named(name) if sec not in exact]
        if exact:
            return exact
        key = self._simplified(name)
        return [
            sec
            for sec in self._by_symbol.values()
            if len(key) >= 2 and any(key in label for label in self._labels(sec))
        ]

    def _labels(self, sec: Security) -> list[str]:
        """A listing's names and aliases, simplified and case-folded (:meth:`_simplified`)."""
        return [
            self._simplified(x)
            for x in (sec.name, sec.name_zh_hans, sec.name_zh_hant, *sec.aliases)
            if x
        ]

    def _named(self, name: str) -> list[Security]:
        """Listings whose name or alias equals ``name`` in any script and case (no symbols)."""
        if not name or not name.strip():
            return []
        key = self._simplified(name)
        return [sec for sec in self._by_symbol.values() if key in self._labels(sec)]

    def listings(self, company: str) -> list[Security]:
        """All listings of one underlying company (``"alibaba"`` -> BABA, 9988.HK), named by its
        id or by a name all of whose listings belong to it (``"阿里巴巴"``)."""
        key = company.casefold().strip()
        found = [s for s in self._by_symbol.values() if s.company.casefold() == key]
        named = {sec.company for sec in self._named(company)} if not found else set()
        if len(named) == 1:  # the company's name in any script (阿里巴巴, 騰訊, Alibaba)
            found = self.listings(named.pop())
        if not found:
            companies = sorted({s.company for s in self._by_symbol.values()})
            hits = close_matches(company, companies)
            hint = f" (did you mean {', '.join(hits)}?)" if hits else ""
            raise UnknownSymbolError(f"unknown company {company!r}{hint}; companies are ids such as 'alibaba'")
        return found

    def share_class_listings(self, symbol: str) -> list[Security]:
        """The listings of ``symbol``'s company that trade its share class (:attr:`Security.share_class`):
        BABA -> BABA, 9988.HK; 688981.SS -> 688981.SS only (SMIC's A shares, not 0981.HK's)."""
        sec = self.get(symbol)
        return [s for s in self.listings(sec.company) if s.share_class == sec.share_class]

    def alias_table(self) -> pd.DataFrame:
        """One row per (alias, listing): English and Chinese names and every alias; columns ``alias, symbol``."""
        rows: list[tuple[str, str]] = []
        for sec in self._by_symbol.values():
            labels = dict.fromkeys(x for x in (sec.name, sec.name_zh_hans, sec.name_zh_hant, *sec.aliases) if x)
            rows.extend((label, sec.symbol) for label in labels)
        return pd.DataFrame(rows, columns=["alias", "symbol"])
