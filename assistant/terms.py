"""Content terms and their weights: what the evidence gate and the extractive engine match.

A text's *terms* are its folded content words plus the folded bigrams of adjacent content
syllables (``"thanh_hoa"``): Vietnamese writes a word as several syllables, so "dân số" is
matched as a unit as well as by its syllables. Terms are weighted by rarity in the index
(BM25's idf over chunk document frequencies), so a question's rare words count most.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

from assistant.text import fold, folded_key, has_diacritics, words
from assistant.wordlists import stopword_syllables, stopwords

__all__ = ["DocFreq", "content_terms", "content_words", "idf", "is_stopword", "term_weights"]

# terms -> (chunks holding each term, number of chunks); e.g. Index.document_frequencies
DocFreq = Callable[[list[str]], tuple[dict[str, int], int]]

@cache
def _stop_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Single-word stopwords-iso entries (vi + en), tone-normalised, and their folded forms."""
    single = frozenset(w for lang in ("vi", "en") for w in stopwords(lang) if " " not in w)
    return single, frozenset(fold(w) for w in single)


def is_stopword(word: str, plain: bool) -> bool:
    """``word`` is lower case and tone-normalised; ``plain`` says the text it comes from
    has no diacritics at all (then folded stopwords count too)."""
    single, folded = _stop_sets()
    return word in single or (plain and word in folded)


@cache
def _stop_syllables() -> frozenset[str]:
    return stopword_syllables("vi") | stopword_syllables("en")


def content_words(text: str) -> set[str]:
    """The folded words of ``text`` that carry content: not a syllable of a stopwords-iso
    entry (either language), not a digit string, longer than one letter. What the citation
    check, the claim check and the disagreement test compare between sentences."""
    return {w for w in folded_key(text).split() if len(w) > 1 and not w.isdigit()} - _stop_syllables()


def content_terms(text: str) -> list[str]:
    """Folded content words plus folded bigrams of adjacent content-bearing syllables."""
    plain = not has_diacritics(text)
    normal = words(text)
    stop = [is_stopword(w, plain) for w in normal]
    toks = [fold(w) for w in normal]
    unigrams = [t for t, st in zip(toks, stop, strict=True) if not st and (len(t) > 1 or t.isdigit())]
    bigrams = [
        f"{toks[i]}_{toks[i + 1]}" for i in range(len(toks) - 1) if not stop[i] and not stop[i + 1]
    ]
    seen: dict[str, None] = {}
    for t in unigrams + bigrams:
        seen.setdefault(t, None)
    return list(seen)


def idf(df: int, n: int) -> float:
    """BM25's inverse document frequency of a term held by ``df`` of ``n`` chunks."""
    return math.log((n - df + 0.5) / (df + 0.5) + 1.0)


def term_weights(terms: list[str], doc_freq: DocFreq | None) -> dict[str, float]:
    """Each term's idf weight (1.0 each without document frequencies).

    A two-syllable unit no chunk has is usually two words that merely touch ("Hóa sang"),
    not a missing concept: it is left out."""
    if not terms:
        return {}
    if doc_freq is None:
        return dict.fromkeys(terms, 1.0)
    df, n = doc_freq(terms)
    return {t: idf(df.get(t, 0), n) for t in terms if "_" not in t or df.get(t, 0) > 0}
