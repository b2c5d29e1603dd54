"""Vietnamese text handling: Unicode and tone-mark normalisation, folding, tokens, sentences.

Stored text keeps the article's own spelling (NFC). Everything that *matches* text
(BM25, embeddings, the citation check, the evals) goes through :func:`normalize`, which
also puts every tone mark in one place, so "Thanh Hoá" and "Thanh Hóa" are the same
string, and :func:`fold`, which drops diacritics for questions typed without them.
Which language a text is in is :mod:`assistant.language`'s business.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# Combining tone marks (after NFD): grave, acute, tilde, hook above, dot below.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# Vowel letters once tone marks are gone (NFC), lower case.
_VOWELS = set("aăâeêioôơuưy")
_MARKED_VOWELS = set("ăâêôơư")  # vowels that carry a quality mark
_WORD_RE = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _split_tone(syllable: str) -> tuple[str, str | None]:
    """Return (syllable without its tone mark, NFC) and the tone mark (or None)."""
    tone = None
    out = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in _TONES:
            tone = ch
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)), tone


def _tone_position(base: str) -> int | None:
    """Index in ``base`` (toneless syllable) of the vowel that takes the tone mark.

    Classic placement ("hóa", "thủy", "của", "hoàn", "người", "khuyến"): a vowel with a
    quality mark wins (ơ in "ươ"); otherwise, in a two-vowel cluster, the first vowel
    when the syllable ends there and the second when a consonant follows; three vowels,
    the middle one.
    """
    low = base.lower()
    n = len(low)
    i = 0
    # skip the initial consonants; "qu" and "gi" (before another vowel) count as consonants
    while i < n and low[i] not in _VOWELS:
        i += 1
    if i >= n:
        return None
    if i > 0 and low[i - 1] == "q" and low[i] == "u":
        i += 1
    elif i > 0 and low[i - 1] == "g" and low[i] == "i" and i + 1 < n and low[i + 1] in _VOWELS:
        i += 1
    start = i
    while i < n and low[i] in _VOWELS:
        i += 1
    end = i
    if start >= end:
        # "gì", "quý" style: the only vowel was eaten as part of the consonant
        return start - 1 if start > 0 and low[start - 1] in _VOWELS else None
    cluster = low[start:end]
    has_final = end < n
    marked = [k for k, c in enumerate(cluster) if c in _MARKED_VOWELS]
    if marked:
        return start + marked[-1]
    if len(cluster) == 1:
        return start
    if len(cluster) == 2:
        return start + (1 if has_final else 0)
    return start + 1


def _place_tone(word: str) -> str:
    base, tone = _split_tone(word)
    if tone is None:
        return word if unicodedata.is_normalized("NFC", word) else nfc(word)
    pos = _tone_position(base)
    if pos is None:
        return nfc(word)
    decomposed = unicodedata.normalize("NFD", base[pos]) + tone
    return base[:pos] + unicodedata.normalize("NFC", decomposed) + base[pos + 1 :]


@lru_cache(maxsize=65536)
def _normalize_word(word: str) -> str:
    if word.isascii():
        return word
    return _place_tone(word)


def normalize(text: str) -> str:
    """NFC plus one tone-mark placement; the text is otherwise unchanged."""
    text = nfc(text)
    if text.isascii():
        return text
    return _WORD_RE.sub(lambda m: _normalize_word(m.group(0)), text)


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    word = word.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def unmarked(text: str) -> str:
    """``text`` (NFC) without Vietnamese diacritics, case kept: "Ai dẫn đầu" -> "Ai dan dau"."""
    return _WORD_RE.sub(lambda m: _fold_word(m.group(0)), nfc(text))


def fold(text: str) -> str:
    """Lower case without any diacritics: "Thanh Hóa" -> "thanh hoa"."""
    return _WORD_RE.sub(lambda m: _fold_word(m.group(0)), nfc(text).lower())


def words(text: str) -> list[str]:
    """Lower-cased, tone-normalised word tokens."""
    return [_normalize_word(w) for w in _WORD_RE.findall(nfc(text).lower())]


def word_tokens(text: str) -> list[str]:
    """The word tokens of ``text`` as written (case and marks kept, no normalisation)."""
    return _WORD_RE.findall(text)


def normalize_word(word: str) -> str:
    """One word token with its tone mark in the one placement :func:`normalize` uses."""
    return _normalize_word(word)


def has_diacritics(text: str) -> bool:
    return fold(text) != nfc(text).lower()


def matching_key(text: str) -> str:
    """A key for "does A occur in B" checks: tone-normalised, lower case, single spaces."""
    return " ".join(words(text))


def folded_key(text: str) -> str:
    """Like :func:`matching_key`, without diacritics: "Thanh Hoá" -> "thanh hoa"."""
    return " ".join(_WORD_RE.findall(fold(text)))


def content_hash(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


# --- sentences -----------------------------------------------------------------------------

_ABBREVIATIONS = {"st", "tp", "mr", "mrs", "dr", "ts", "ths", "pgs", "gs", "no", "vs", "tt", "ng"}
# every upper-case letter of the Latin, Greek and Cyrillic scripts (a range such as "À-Ỹ" also
# holds lower-case "đ" and "ầ": "Chelsea F.C. được thành lập" is one sentence)
_UPPER = "".join(ch for ch in map(chr, range(0x41, 0x2000)) if ch.isupper())
_SENT_END_RE = re.compile(rf"([.!?…]+[\"”’)\]]*)(\s+)(?=[\"“‘(\[]?[{_UPPER}0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (lines are always separate)."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        line_text = line.group(0)
        base = line.start()
        start = 0
        for m in _SENT_END_RE.finditer(line_text):
            before = line_text[start : m.start()]
            last = re.findall(r"(\w+)$", before)
            if m.group(1) == "." and last and (
                last[0].lower() in _ABBREVIATIONS or (len(last[0]) == 1 and last[0].isupper())
            ):
                continue
            end = m.end(1)
            _append_span(spans, line_text, base, start, end)
            start = m.end()
        _append_span(spans, line_text, base, start, len(line_text))
    return spans


def _append_span(spans: list[tuple[int, int]], line: str, base: int, start: int, end: int) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    spans.append((base + start + lead, base + start + lead + len(stripped)))


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]
