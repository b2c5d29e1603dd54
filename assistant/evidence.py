"""The refusal gate: is there enough evidence in the retrieved passages to answer at all?

Two signals, measured before any engine runs, so no engine can talk its way past them:
- ``coverage``: the share of the question's content (words and two-syllable units, weighted
  by rarity in the index) that the best passage contains. "Dân số của Thanh Hóa" keeps
  "Thanh Hóa" but loses "dân số", which no article has.
- ``similarity``: the e5 cosine similarity of the best passage (language-independent, so it
  is the signal that counts for English questions over Vietnamese articles).
Thresholds are calibrated on the eval questions (see evals/ and the README).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.questions import QuestionInfo, missing_concepts
from assistant.terms import DocFreq, content_terms, term_weights
from assistant.types import Evidence, Passage

__all__ = ["EvidenceGate", "passage_coverage"]


@dataclass(frozen=True)
class EvidenceGate:
    min_coverage_vi: float = 0.5
    min_similarity_vi: float = 0.80
    min_similarity_en: float = 0.76
    passages_considered: int = 3
    common_share: float = 0.5  # syllables in more than this share of chunks are not judged

    def assess(self, info: QuestionInfo, passages: list[Passage], doc_freq: DocFreq | None) -> Evidence:
        if not passages:
            return Evidence(0.0, None, False, "nothing was retrieved")
        top = passages[: self.passages_considered]
        sims = [p.dense_similarity for p in top if p.dense_similarity is not None]
        similarity = max(sims) if sims else None
        coverage = passage_coverage(info, top, doc_freq)
        if info.language == "vi" and info.qtype == "number" and doc_freq is not None:
            # "how much X": the measured concept X must be named somewhere. Only for
            # quantity questions, only for common words (df >= 2) and never for names —
            # on XQuAD-vi a broader rule refused ~23% of answerable questions.
            df, n = doc_freq(list(info.terms))
            known = {t for t in info.terms if "_" in t and df.get(t, 0) > 0}
            judged = {t for t in info.terms if "_" not in t and 2 <= df.get(t, 0) <= self.common_share * n}
            missing = missing_concepts(info.text, known, judged)
            if missing:
                return Evidence(coverage, similarity, False, f"no article mentions {', '.join(missing)}")
        if info.language == "en":
            if similarity is not None and similarity < self.min_similarity_en:
                return Evidence(coverage, similarity, False, f"similarity {similarity:.3f} < {self.min_similarity_en}")
            return Evidence(coverage, similarity, True, "ok")
        if coverage < self.min_coverage_vi:
            return Evidence(coverage, similarity, False, f"coverage {coverage:.2f} < {self.min_coverage_vi}")
        if similarity is not None and similarity < self.min_similarity_vi:
            return Evidence(coverage, similarity, False, f"similarity {similarity:.3f} < {self.min_similarity_vi}")
        return Evidence(coverage, similarity, True, "ok")


def passage_coverage(info: QuestionInfo, passages: list[Passage], doc_freq: DocFreq | None) -> float:
    """Best, over passages, of the idf-weighted share of question terms the passage holds."""
    terms = list(info.terms)
    if not terms:
        return 0.0
    weights = term_weights(terms, doc_freq)
    total = sum(weights.values()) or 1.0
    best = 0.0
    for p in passages:
        have = set(content_terms(f"{p.title}\n{p.text}"))
        best = max(best, sum(w for t, w in weights.items() if t in have) / total)
    return best
