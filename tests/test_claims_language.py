"""Latin-script articles that are not English are refused with a clear line, not read as English."""

from __future__ import annotations

import pytest

from rerating.claims.text import detect_language
from rerating.cli import main
from rerating.errors import ArticleError

GERMAN = (
    "Der Aktienkurs von Nvidia fiel am Montag um 17 Prozent, nachdem das chinesische "
    "Unternehmen sein Modell veröffentlicht hatte."
)
FRENCH = "Le cours de Nvidia a chuté de 17% lundi, après la publication du modèle pour les marchés."
ENGLISH_WITH_A_QUOTE = (
    "Nvidia fell 17% on Monday, the biggest one-day loss in market value in history; a Paris "
    "trader called it 'la fin de la fête' as the shares of the chip maker slid."
)


@pytest.mark.parametrize(("text", "language"), [(GERMAN, "German"), (FRENCH, "French")])
def test_other_latin_languages_are_refused(text: str, language: str) -> None:
    with pytest.raises(ArticleError, match=f"looks like {language}, not English"):
        detect_language(text)


def test_english_with_a_foreign_quote_is_read_as_english() -> None:
    assert detect_language(ENGLISH_WITH_A_QUOTE).language == "en"


def test_short_latin_text_is_read_as_english() -> None:
    assert detect_language("NVDA -17% today").language == "en"


def test_cli_refuses_german_with_one_line(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "artikel.txt"
    article.write_text(GERMAN, encoding="utf-8")
    assert main(["claims", str(article)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: article looks like German")


# Words shared by several languages ("de": French, Spanish, Portuguese, Dutch) once made this
# French sentence read as Dutch.
FRENCH_SHORT = (
    "L'action Nvidia a perdu 17% lundi, soit 590 milliards de dollars de capitalisation de moins."
)
PORTUGUESE = (
    "A Nvidia caiu 17% na segunda-feira e perdeu 590 bilhões de dollars em valor de mercado."
)
# Only words that Spanish and Portuguese share: which one it is cannot be told.
SPANISH_OR_PORTUGUESE = "Nvidia de Nvidia que de para que de Nvidia para Nvidia."


@pytest.mark.parametrize(
    ("text", "language"), [(FRENCH_SHORT, "French"), (PORTUGUESE, "Portuguese")]
)
def test_shared_function_words_do_not_name_the_wrong_language(text: str, language: str) -> None:
    with pytest.raises(ArticleError, match=f"looks like {language}, not English"):
        detect_language(text)


def test_undecided_language_is_not_named(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(
        ArticleError, match="looks like a language other than English or Chinese"
    ) as info:
        detect_language(SPANISH_OR_PORTUGUESE)
    assert not any(name in str(info.value) for name in ("Spanish", "Portuguese", "Dutch", "French"))
    article = tmp_path / "article.txt"
    article.write_text(FRENCH_SHORT, encoding="utf-8")
    assert main(["claims", str(article)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: article looks like French, not English")
