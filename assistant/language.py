"""Which language a text is written in: Vietnamese ("vi") or English ("en").

The one language detector of the package: questions (:mod:`assistant.questions`), retrieval
(the English glossary expansion), the citation check (the language of a passage) and the
evals all call :func:`detect_language`.
"""

from __future__ import annotations

from typing import Literal

from assistant.text import nfc, word_tokens
from assistant.wordlists import ENGLISH_HINTS

__all__ = ["Language", "detect_language"]

Language = Literal["vi", "en"]

_EN_HINTS = frozenset(ENGLISH_HINTS)


def detect_language(text: str) -> Language:
    """"vi" or "en": Vietnamese diacritics or mostly non-English words mean Vietnamese.

    Capitalised words (names: "Nguyễn Doãn Anh", "Thanh Hóa") count for neither language,
    so an English sentence about Vietnamese people stays English."""
    raw = word_tokens(nfc(text))
    if not raw:
        return "vi"
    kept = [t.lower() for t in raw if not t[0].isupper() or t.lower() in _EN_HINTS]
    toks = kept or [t.lower() for t in raw]
    english = sum(1 for t in toks if t in _EN_HINTS) / len(toks)
    vietnamese = sum(1 for t in toks if not t.isascii()) / len(toks)
    if english >= 0.15 and vietnamese < 0.4:
        return "en"
    return "vi"
