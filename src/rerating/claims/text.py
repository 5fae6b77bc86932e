"""Text plumbing for extraction: offset-preserving normalisation, script detection, sentences.

Normalisation maps every character to exactly one character (traditional -> simplified Chinese
through OpenCC, full-width ASCII -> ASCII), so an offset in the normalised text is the same
offset in the article: claim spans never drift.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from rerating.errors import ArticleError

_SCRIPTS: dict[str, tuple[tuple[int, int], ...]] = {
    "Japanese kana": ((0x3040, 0x30FF), (0x31F0, 0x31FF)),
    "Korean hangul": ((0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F)),
    "Cyrillic": ((0x0400, 0x04FF),),
    "Arabic": ((0x0600, 0x06FF),),
    "Hebrew": ((0x0590, 0x05FF),),
    "Greek": ((0x0370, 0x03FF),),
    "Thai": ((0x0E00, 0x0E7F),),
    "Devanagari": ((0x0900, 0x097F),),
}


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


class _Table(dict):  # type: ignore[type-arg]
    """A ``str.translate`` table filled on first use of each character (OpenCC is slow per call)."""

    def __init__(self) -> None:
        super().__init__()
        self._cc: Any = None

    def __missing__(self, code: int) -> int:
        ch = chr(code)
        out = ch
        if (
            0xFF01 <= code <= 0xFF5E and ch not in "，；：！？（）"
        ):  # full-width ASCII, not CJK punctuation
            out = chr(code - 0xFEE0)
        elif code == 0x3000:
            out = " "
        elif _is_han(ch):
            if self._cc is None:
                import opencc

                self._cc = opencc.OpenCC("t2s")
            conv = self._cc.convert(ch)
            out = conv if len(conv) == 1 else ch
        self[code] = ord(out)
        return ord(out)


_TABLE = _Table()


def normalise(text: str) -> str:
    """Simplified-Chinese, half-width copy of ``text`` with exactly the same length."""
    return text.translate(_TABLE)


_HALF = {0x3000: 0x20, **{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}}


def is_traditional(text: str, norm: str | None = None) -> bool:
    """True when OpenCC's traditional-to-simplified mapping changes some character of ``text``
    (``norm``: ``normalise(text)`` when the caller has it)."""
    return (normalise(text) if norm is None else norm) != text.translate(_HALF)


@dataclass(frozen=True)
class ScriptReport:
    language: str  # "zh" | "en"
    warnings: tuple[str, ...]


def detect_language(text: str) -> ScriptReport:
    """Decide whether ``text`` is Chinese or English, refusing other languages.

    Raises
    ------
    ArticleError
        When the text has no letters at all, or is mostly in a script rerating cannot read.
    """
    han = latin = 0
    other: dict[str, int] = {}
    for ch in text:
        o = ord(ch)
        if _is_han(ch):
            han += 1
        elif ch.isascii():
            if ch.isalpha():
                latin += 1
        else:
            for name, ranges in _SCRIPTS.items():
                if any(lo <= o <= hi for lo, hi in ranges):
                    other[name] = other.get(name, 0) + 1
                    break
    n_other = sum(other.values())
    if han + latin + n_other == 0:
        raise ArticleError(
            "article has no readable text (no Chinese or Latin letters); "
            "pass a text, Markdown or HTML article in Chinese or English"
        )
    # Latin letters come ~5 per word, a Han character is about a word.
    weight_zh, weight_en = han, latin / 5.0
    total = weight_zh + weight_en + n_other
    warnings: list[str] = []
    if n_other:
        names = ", ".join(sorted(other, key=other.get, reverse=True))  # type: ignore[arg-type]
        kana = other.get("Japanese kana", 0)
        if n_other / total > 0.3 or (kana and han and kana / (kana + han) > 0.1):
            raise ArticleError(
                f"article is in a language rerating cannot read (script: {names}); "
                "supported: Chinese (simplified or traditional) and English"
            )
        warnings.append(
            f"mixed scripts: {n_other} characters in {names} were ignored; "
            "only Chinese and English text is read"
        )
    language = "zh" if weight_zh >= weight_en else "en"
    if language == "en":
        _refuse_other_latin_language(text)
    return ScriptReport(language, tuple(warnings))


# Function words (and weekday names, frequent in market news): common in running text of each
# language, rare in English. A Latin-script article whose function words are mostly not English is
# refused rather than read as English. Some words belong to several languages ("de" is French,
# Spanish, Portuguese and Dutch), so a language is named only when it leads the others clearly.
_ENGLISH_WORDS = frozenset(
    "the of and to in a is on for that with as was by at its from it this are were has have "
    "after said be an or but which their than".split()
)
_OTHER_LATIN_WORDS = {
    "German": frozenset(
        "der die das und ist nicht mit von den dem des ein eine auf für sich auch "
        "nach wurde am zu im um montag dienstag mittwoch donnerstag freitag".split()
    ),
    "French": frozenset(
        "le la les et est de des du une un pour dans que qui sur avec pas au aux "
        "ont été à a ce il elle sont par plus mais ou son sa ses après cette "
        "lundi mardi mercredi jeudi vendredi".split()
    ),
    "Spanish": frozenset(
        "el los las y es de del una por con para que se su al como más fue han "
        "lunes martes miércoles jueves viernes".split()
    ),
    "Dutch": frozenset(
        "het een en van de is op met voor niet zijn werd ook naar maar dat "
        "maandag dinsdag woensdag donderdag vrijdag".split()
    ),
    "Italian": frozenset(
        "il lo gli e di che è per con una non del della sono lunedì martedì "
        "mercoledì giovedì venerdì".split()
    ),
    "Portuguese": frozenset(
        "o os a as e de do da dos das em na no ao um uma para com não que foi "
        "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira".split()
    ),
}
_SHARED = {
    w: sum(w in v for v in _OTHER_LATIN_WORDS.values())
    for v in _OTHER_LATIN_WORDS.values()
    for w in v
}
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:-feira)?")


def _refuse_other_latin_language(text: str) -> None:
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 8:
        return  # too short to tell; read as English
    english = sum(w in _ENGLISH_WORDS for w in words)
    # A word shared by k languages counts 1/k towards each: "de" hardly tells French from Dutch.
    score = {
        name: sum(1.0 / _SHARED[w] for w in words if w in vocab)
        for name, vocab in _OTHER_LATIN_WORDS.items()
    }
    best, second = sorted(score, key=score.__getitem__, reverse=True)[:2]
    hits = sum(w in _OTHER_LATIN_WORDS[best] for w in words)
    if hits < 3 or hits <= 2 * english:
        return
    if score[best] >= 1.5 * score[second] and score[best] - score[second] >= 1.0:
        raise ArticleError(
            f"article looks like {best}, not English ({hits} {best} function words, {english} "
            "English ones); supported: Chinese (simplified or traditional) and English"
        )
    # The words are not English, but which language they are cannot be told: say no more than that.
    raise ArticleError(
        f"article looks like a language other than English or Chinese ({hits} function words of "
        f"another language, {english} English ones); supported: Chinese (simplified or traditional) "
        "and English"
    )


_ABBREV = {
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "mr",
    "mrs",
    "ms",
    "dr",
    "inc",
    "corp",
    "co",
    "ltd",
    "vs",
    "no",
    "st",
    "u.s",
    "u.k",
    "e.g",
    "i.e",
    "approx",
    "est",
    "jr",
    "sr",
}
_SPLIT = re.compile(r"[。！？!?；;]+[”」』\"']?|\n+|\.(?=\s)")


def sentences(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` spans of the sentences of ``text`` (whitespace trimmed, empties dropped).

    Chinese ends at 。！？ and semicolons (not one inside parentheses: "(NYSE: BABA; HKEX: 9988)");
    English at a full stop followed by a space unless the word before it is an abbreviation
    (``Jan.``, ``U.S.``) or a single capital (an initial).
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SPLIT.finditer(text):
        if m.group(0) in (";", "；") and _open_parens(text, start, m.start()):
            continue  # "(NYSE: BABA; HKEX: 9988)": a list inside parentheses, not a sentence end
        if m.group(0) == ".":
            j = m.start()
            k = j
            while k > 0 and (text[k - 1].isalpha() or text[k - 1] == "."):
                k -= 1
            word = text[k:j].lower()
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
            # "Jan. 27" style: a full stop followed by a digit does not end a sentence.
            nxt = text[m.end() : m.end() + 2].strip()[:1]
            if nxt and (nxt.islower() or nxt.isdigit()):
                continue
        end = m.end()
        _push(text, start, end, spans)
        start = end
    _push(text, start, len(text), spans)
    return spans


def _open_parens(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` leaves a parenthesis open that closes within the next 60 characters."""
    part = text[start:end]
    if part.count("(") + part.count("（") <= part.count(")") + part.count("）"):
        return False
    return bool(re.match(r"[^()（）。\n]{0,60}[)）]", text[end:]))


def _push(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start and any(c.isalnum() for c in text[start:end]):
        spans.append((start, end))


def looks_binary(raw: bytes) -> bool:
    """True for data that is not text: NUL bytes or many control characters in the first 8 KiB."""
    head = raw[:8192]
    if b"\x00" in head:
        return True
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the 8 KiB boundary is fine; anything earlier is not UTF-8.
        if exc.start < len(head) - 4:
            return True
        sample = head[: exc.start].decode("utf-8")
    ctrl = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    return ctrl > max(8, len(sample) // 50)
