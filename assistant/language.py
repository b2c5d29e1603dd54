"""Which language a text is written in: Vietnamese ("vi") or English ("en").

The one language detector of the package: questions (:mod:`assistant.questions`), retrieval,
the citation check (the language of a passage) and the evals all call
:func:`detect_language`. It counts function words of each language (stopwords-iso, see
:mod:`assistant.wordlists`): Vietnamese diacritics, or more Vietnamese than English function
words ("dan so tinh thai binh la bao nhieu" typed without diacritics), mean Vietnamese.
"""

from __future__ import annotations

from typing import Literal

from assistant.text import nfc, word_tokens
from assistant.wordlists import stopword_syllables, stopwords

__all__ = ["Language", "detect_language"]

Language = Literal["vi", "en"]


def detect_language(text: str) -> Language:
    """"vi" or "en".

    Capitalised words (names: "Nguyễn Doãn Anh", "Thanh Hóa") count for neither language,
    so an English sentence about Vietnamese people stays English."""
    raw = word_tokens(nfc(text))
    if not raw:
        return "vi"
    english_words = stopwords("en")
    kept = [t.lower() for t in raw if not t[0].isupper() or t.lower() in english_words]
    toks = kept or [t.lower() for t in raw]
    if sum(1 for t in toks if not t.isascii()) / len(toks) >= 0.4:
        return "vi"
    vietnamese_words = stopword_syllables("vi")
    english = sum(1 for t in toks if t in english_words) / len(toks)
    vietnamese = sum(1 for t in toks if t in vietnamese_words and t not in english_words) / len(toks)
    return "en" if english >= 0.15 and english > vietnamese else "vi"
