"""Which language a text is written in: Vietnamese ("vi") or English ("en").

The one language detector of the package: questions (:mod:`assistant.questions`), retrieval,
the citation check (the language of a passage) and the evals all call
:func:`detect_language`. It counts function words of each language (stopwords-iso, see
:mod:`assistant.wordlists`): Vietnamese diacritics, or more Vietnamese than English function
words ("dan so tinh thai binh la bao nhieu", "thong doc tinh kaluga la ai" typed without
diacritics), mean Vietnamese. Measured on the development questions: all 1,264 XQuAD
questions (Vietnamese as written and with their marks taken off, English) and all 97 seed
questions get their language (before words on both lists counted apart: 95.9 % of the
Vietnamese ones without marks, 90 % of the seed ones); with the seed questions also without
their marks and the conversations' turns, 2,074 questions, all right (4 wrong before a capitalised word
inside a name stopped counting as an English word: "Bi thu Tinh uy Nghe An la ai?" read "An" as
English).

:func:`foreign_script` tells a question written in another alphabet (Cyrillic, Chinese
characters, Arabic …) from one in the Latin alphabet both languages use, by the Unicode names
of its letters: such a question is turned away with a plain message (:mod:`assistant.cleaning`)
instead of being read as Vietnamese and refused for want of an answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Literal

from assistant.text import nfc, word_tokens
from assistant.wordlists import stopword_syllables, stopwords

__all__ = ["Language", "detect_language", "foreign_script"]

_LETTERS_RE = re.compile(r"[^\W\d_]+")
# how a script is named in a message (Unicode names a letter's script by its first word)
_SCRIPT_NAMES = {"CJK": "Chinese characters", "HIRAGANA": "Japanese kana", "KATAKANA": "Japanese kana",
                 "HANGUL": "the Korean alphabet"}


def foreign_script(text: str) -> str | None:
    """The script ``text`` is written in when it is not the Latin alphabet ("Cyrillic script",
    "Chinese characters"), or None. Capitalised words do not count, in any script: they are
    names ("Кто такой Nguyễn Doãn Anh?" is Cyrillic, "Ông Путин là ai?" Vietnamese), or a
    question's first word. A Vietnamese or English text that quotes a foreign word stays Latin:
    the other script needs more letters than its Latin words have."""
    latin, other = 0, Counter[str]()
    text = nfc(text)
    cased = any(ch.islower() for ch in text)  # all in capitals: no word stands out as a name
    for run in _LETTERS_RE.findall(text):
        if cased and run[0].isupper():
            continue
        for script in (unicodedata.name(ch, "").split(" ", 1)[0] for ch in run):
            if script == "LATIN":
                latin += 1
            elif script:
                other[script] += 1
    if sum(other.values()) < 2 or sum(other.values()) <= latin:
        return None
    script = other.most_common(1)[0][0]
    return _SCRIPT_NAMES.get(script, f"{script.title()} script")

Language = Literal["vi", "en"]


def detect_language(text: str) -> Language:
    """"vi" or "en".

    Capitalised words (names: "Nguyễn Doãn Anh", "Thanh Hóa") count for neither language,
    so an English sentence about Vietnamese people stays English."""
    raw = word_tokens(nfc(text))
    if not raw:
        return "vi"
    english_words = stopwords("en")
    vietnamese_words = stopword_syllables("vi")
    # a capitalised word is a name's, unless it is an English function word ("The", "In")
    # not inside a name (the "An" of "Nghệ An" is no English word) nor in capitals ("TH"
    # is no "th"), or the text's first word and a function word of either language ("Còn",
    # "What", "Ong")
    first = raw[0].lower()
    opens = first in english_words or first in stopword_syllables("vi", marked=not first.isascii())
    kept = [
        t.lower() for i, t in enumerate(raw)
        if not t[0].isupper() or (opens if i == 0 else t.lower() in english_words and not raw[i - 1][0].isupper()
                                  and (len(t) == 1 or t[1:].islower()))  # "TH", "UBND": abbreviations
    ]  # fmt: skip
    toks = kept or [t.lower() for t in raw]
    if sum(1 for t in toks if not t.isascii()) / len(toks) >= 0.4:
        return "vi"
    # a word on both lists ("la", "ai", "the", "do": each list has some of the other
    # language's words) tells neither language apart; it counts only towards the share of
    # function words an English question has
    english = sum(1 for t in toks if t in english_words and t not in vietnamese_words)
    vietnamese = sum(1 for t in toks if t in vietnamese_words and t not in english_words)
    function = sum(1 for t in toks if t in english_words) / len(toks)
    # a tie (only shared words) is English when the marks are all in the names: "Bí thư Tỉnh
    # ủy Nguyễn Doãn Anh led the delegation to Russia" (who writes marks writes them on
    # Vietnamese words too); unmarked ("Nguyen Doan Anh la ai"), Vietnamese
    marked_names = any(not t.isascii() for t in raw)
    leads = english > vietnamese or (english == vietnamese and marked_names)
    return "en" if function >= 0.15 and leads else "vi"
