"""The answerability gate: do the retrieved passages hold the answer at all?

A calibrated decision, taken before any answer engine runs (so no engine can talk its way
past it), from general signals of the reader's view of the passages
(:class:`~assistant.reader.Reading`, :data:`ANSWERABILITY_FEATURES`):

- the best sentence: the reader's score, its margin over the runner-up, its meaning
  similarity, how much of the question's words, names and numbers it holds, whether it holds
  the kind of fact asked for;
- the passages: the best dense similarity, the share of the question's (idf-weighted) words
  found anywhere in them, and the rarest question word found nowhere (a concept the articles
  never mention: "dân số" in "Dân số của Thanh Hóa là bao nhiêu?");
- the question's kind and language.

A logistic model (``assistant/models/answerability.json``) fitted on the tuning part of the
development data — answerable questions against questions whose passage was removed from
the corpus (SQuAD 2.0 style) and the seed set's unanswerable questions — gives the
probability that the passages answer the question (:attr:`Evidence.score`). The operating
point (the model's ``thresholds``, one per question language) was chosen on the tuning part
for at most ~4 % false refusals; its figures are in the model file's ``meta``. A refusal says why
(:attr:`Evidence.code`, and a sentence in :attr:`Evidence.reason`).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.linear import load_model
from assistant.reader import READER_FEATURES, Reading
from assistant.text import fold, words
from assistant.types import Evidence

__all__ = ["ANSWERABILITY_FEATURES", "EvidenceGate", "answerability_row"]

ANSWERABILITY_FEATURES: tuple[str, ...] = (
    "best_score", "margin", "best_sem", "best_words", "best_pairs", "best_words_near",
    "best_names", "best_numbers", "best_kind", "top_cos", "found_words", "missing_rarest",
    "ask_who", "ask_number", "ask_when", "ask_where", "en", "en_best_sem", "en_top_cos",
    "en_best_score",
)  # fmt: skip
_PASSAGES_FOR_WORDS = 3  # "found anywhere": in the top passages (title included)
_MARGIN_CAP = 5.0


def _feature(reading: Reading, name: str) -> float:
    best = reading.best
    return best.features[READER_FEATURES.index(name)] if best and best.features else 0.0


def answerability_row(reading: Reading) -> list[float]:
    """The :data:`ANSWERABILITY_FEATURES` of one reading (also used to fit the model)."""
    best = reading.best
    scores = [s.score for s in reading.sentences]
    margin = min(scores[0] - scores[1], _MARGIN_CAP) if len(scores) > 1 else _MARGIN_CAP
    sims = [p.dense_similarity for p in reading.passages if p.dense_similarity is not None]
    top_cos = max(sims) if sims else 0.0
    words = {t: w for t, w in reading.weights.items() if "_" not in t}
    seen: set[str] = set()
    for p in reading.passages[:_PASSAGES_FOR_WORDS]:
        seen.update(_word_set(f"{p.title}\n{p.text}"))
    total = sum(words.values()) or 1.0
    found = sum(w for t, w in words.items() if t in seen) / total
    everywhere: set[str] = set()
    for p in reading.passages:
        everywhere.update(_word_set(f"{p.title}\n{p.text}"))
    missing = [w for t, w in words.items() if t not in everywhere]
    rarest = max(missing) / max(words.values()) if missing and words else 0.0
    en = 1.0 if reading.info.language == "en" else 0.0
    best_score = best.score if best else -10.0
    best_sem = best.semantic if best else 0.0
    qtype = reading.info.qtype
    return [
        best_score, margin, best_sem,
        _feature(reading, "words"), _feature(reading, "pairs"), _feature(reading, "words_near"),
        _feature(reading, "names"), _feature(reading, "numbers"), _feature(reading, "kind"),
        top_cos, found, rarest,
        *(1.0 if qtype == kind else 0.0 for kind in ("who", "number", "when", "where")),
        en, en * best_sem, en * top_cos, en * best_score,
    ]  # fmt: skip


def _word_set(text: str) -> set[str]:
    return {fold(w) for w in words(text)}


_KIND_NAMES = {"who": "a name", "number": "a number", "when": "a date", "where": "a place"}


@dataclass(frozen=True)
class EvidenceGate:
    """Refuses when the fitted model's probability is below its operating threshold
    (``threshold`` overrides it, e.g. 0 to never refuse)."""

    threshold: float | None = None

    def assess(self, reading: Reading) -> Evidence:
        if not reading.passages:
            return Evidence(0.0, None, False, "nothing was retrieved", score=0.0, code="nothing_retrieved")
        if not reading.sentences:
            return Evidence(0.0, None, False, "the passages hold no sentence to answer from", score=0.0,
                            code="no_sentence")
        model = load_model("answerability", ANSWERABILITY_FEATURES)
        row = answerability_row(reading)
        score = model.probability(row)
        fitted = model.threshold_for(reading.info.language)
        threshold = self.threshold if self.threshold is not None else (fitted if fitted is not None else 0.5)
        named = dict(zip(ANSWERABILITY_FEATURES, row, strict=True))
        coverage, similarity = named["found_words"], named["top_cos"] or None
        if score >= threshold:
            return Evidence(coverage, similarity, True, "ok", score=score, code="answerable")
        code, reason = self._why(reading, model.contributions(row), named)
        return Evidence(coverage, similarity, False, f"{reason} (answerability {score:.2f} < {threshold:.2f})",
                        score=score, code=code)

    @staticmethod
    def _why(reading: Reading, contributions: dict[str, float], named: dict[str, float]) -> tuple[str, str]:
        """The signal that pulled the score down most, as a typed code and a sentence."""
        groups = {
            "missing_terms": ("found_words", "missing_rarest"),
            "no_fact_of_kind": ("best_kind",),
            "weak_match": ("best_score", "margin", "best_sem", "best_words", "best_pairs", "best_words_near",
                           "best_names", "best_numbers", "top_cos", "en_best_sem", "en_top_cos", "en_best_score"),
        }
        pull = {code: sum(contributions.get(f, 0.0) for f in feats) for code, feats in groups.items()}
        code = min(pull, key=lambda c: pull[c])
        if code == "missing_terms":
            words = {t: w for t, w in reading.weights.items() if "_" not in t}
            everywhere: set[str] = set()
            for p in reading.passages:
                everywhere.update(_word_set(f"{p.title}\n{p.text}"))
            missing = sorted((t for t in words if t not in everywhere), key=lambda t: -words[t])[:3]
            if missing:
                return code, f"the articles found never mention {', '.join(repr(m) for m in missing)}"
            code = "weak_match"
        if code == "no_fact_of_kind" and reading.info.qtype in _KIND_NAMES:
            return code, f"no sentence found holds {_KIND_NAMES[reading.info.qtype]} for this question"
        best = reading.best
        detail = f" (best similarity {best.semantic:.2f})" if best else ""
        return "weak_match", f"no sentence found matches the question well{detail}"
