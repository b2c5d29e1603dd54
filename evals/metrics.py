"""Offline metrics as pure functions: answer matching, SQuAD EM/F1, retrieval, citations,
refusals, latency. Nothing here calls a model.

Answer matching follows the dataset format: an answer is correct when *every* group of
alternatives has one alternative occurring in the answer text. Occurrence is checked on
:func:`assistant.text.matching_key` (lower case, one tone-mark placement, punctuation gone,
single spaces) at word boundaries, so "Thanh Hoá" matches "Thanh Hóa", "6,25" matches
"6,25 triệu USD" (and "6.25"), but "6,25" does not match "6,250".
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from typing import Any, Protocol

from assistant.extractive import answer_head, clean_head
from assistant.text import matching_key, normalize, words

_MARKER_RE = re.compile(r"\[(\d+)\]")

# --- answer matching ---------------------------------------------------------------------


def contains(haystack: str, needle: str) -> bool:
    """``needle`` occurs in ``haystack`` at word boundaries, case/space/tone-placement-insensitive."""
    key = matching_key(needle)
    if not key:
        return False
    return f" {key} " in f" {matching_key(haystack)} "


def group_matched(text: str, group: Sequence[str]) -> bool:
    """One of the alternatives of ``group`` occurs in ``text``."""
    return any(contains(text, alt) for alt in group)


def groups_matched(text: str, answers: Sequence[Sequence[str]]) -> int:
    return sum(1 for group in answers if group_matched(text, group))


def answer_correct(text: str, answers: Sequence[Sequence[str]]) -> bool:
    """Every group matched. Not defined for unanswerable cases (``answers == []``): False."""
    return bool(answers) and all(group_matched(text, group) for group in answers)


# --- the short answer ----------------------------------------------------------------------

def short_answer(text: str) -> str:
    """The short answer a text leads with (:func:`short_head`), or the whole text when it
    has none — without citation markers, spaces before punctuation and trailing dashes or
    colons: what EM/F1 and the answer length are taken on."""
    return short_head(text) or clean_head(text)


def short_head(text: str) -> str:
    """The short answer a text leads with, as the engine that wrote it reads it back
    (:func:`assistant.extractive.answer_head`): ``X — according to the article: “…”`` gives
    ``X``; a text that opens with its quote or with a lead-in alone gives "" (a quote is no
    short answer)."""
    return answer_head(text)


def word_count(text: str) -> int:
    """Words as a reader counts them: whitespace-separated pieces."""
    return len(text.split())


# --- SQuAD exact match and token F1, with Vietnamese normalisation --------------------------

_ASCII_PUNCT = set(string.punctuation)
# Articles dropped before comparing, as in the SQuAD (English) and MLQA (Vietnamese) scripts.
_ARTICLES = {"a", "an", "the", "của", "là", "cái", "chiếc", "những"}


def _is_punct(ch: str) -> bool:
    return ch in _ASCII_PUNCT or unicodedata.category(ch).startswith("P")


def squad_normalize(text: str) -> str:
    """Lower case, one tone-mark placement, no punctuation, no articles, single spaces."""
    text = normalize(text).lower()
    text = "".join(" " if _is_punct(ch) else ch for ch in text)
    return " ".join(t for t in text.split() if t not in _ARTICLES)


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals one normalised gold answer."""
    if not golds:
        return 0.0
    pred = squad_normalize(prediction)
    return 1.0 if any(pred == squad_normalize(g) for g in golds) else 0.0


def _f1(prediction: str, gold: str) -> float:
    pred_tokens = squad_normalize(prediction).split()
    gold_tokens = squad_normalize(gold).split()
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = Counter(pred_tokens) & Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD token F1 (Vietnamese syllables as tokens), best over the gold answers."""
    if not golds:
        return 0.0
    return max(_f1(prediction, g) for g in golds)


# --- retrieval -----------------------------------------------------------------------------


def first_hit_rank(doc_ids: Sequence[str], sources: Iterable[str]) -> int | None:
    """1-based rank of the first retrieved item whose doc id is one of ``sources``."""
    wanted = set(sources)
    for rank, doc_id in enumerate(doc_ids, start=1):
        if doc_id in wanted:
            return rank
    return None


def evidence_in_passage(passage: str, evidence: str, min_overlap: float = 0.6) -> bool:
    """The passage holds the evidence: contained (after :func:`matching_key`), or the
    longest common run of words covers at least ``min_overlap`` of the evidence (an
    evidence span cut by a chunk boundary still counts), or the passage lies inside the
    evidence and is at least ``min_overlap`` of it."""
    ev = words(evidence)
    if not ev:
        return False
    pa = words(passage)
    if f" {' '.join(ev)} " in f" {' '.join(pa)} ":
        return True
    match = SequenceMatcher(None, ev, pa, autojunk=False).find_longest_match(0, len(ev), 0, len(pa))
    return match.size / len(ev) >= min_overlap


def passage_hit_rank(passages: Sequence[str], evidence: str, min_overlap: float = 0.6) -> int | None:
    for rank, text in enumerate(passages, start=1):
        if evidence_in_passage(text, evidence, min_overlap):
            return rank
    return None


def recall_at(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


# --- citations -----------------------------------------------------------------------------


class CitationLike(Protocol):
    index: int
    doc_id: str
    text: str


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def citation_correct(
    citations: Sequence[Any], answers: Sequence[Sequence[str]], sources: Sequence[str]
) -> bool:
    """The answer's citations point at a source document and the cited passages (of
    source documents) together contain every answer group. With no ``sources`` given,
    any cited document counts."""
    wanted = set(sources)
    relevant = [c for c in citations if not wanted or _get(c, "doc_id") in wanted]
    if not relevant or not answers:
        return False
    texts = " \n ".join(str(_get(c, "text", "")) for c in relevant)
    return all(group_matched(texts, group) for group in answers)


def markers(text: str) -> set[int]:
    """The citation numbers used in ``text`` ("[1]", "[2]" ...)."""
    return {int(m) for m in _MARKER_RE.findall(text)}


def citation_valid(citation: Any, answer_text: str, passage_ids: Sequence[str]) -> bool:
    """A citation is valid when its ``[n]`` appears in the answer, it points at one of the
    passages given to the engine, and the citation check did not reject it."""
    if _get(citation, "verified") is False:
        return False
    if _get(citation, "index") not in markers(answer_text):
        return False
    chunk_id = _get(citation, "chunk_id", "")
    if passage_ids and chunk_id:
        return chunk_id in set(passage_ids)
    return bool(str(_get(citation, "text", "")).strip())


# --- refusals ------------------------------------------------------------------------------


def refusal_stats(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | int | None]:
    """``pairs`` of (unanswerable, refused). Precision/recall of refusing unanswerable
    cases, the false refusal rate on answerable ones, and accuracy (refused == unanswerable).
    Undefined rates are ``None``."""
    tp = fp = fn = tn = 0
    for unanswerable, refused in pairs:
        if unanswerable and refused:
            tp += 1
        elif refused:
            fp += 1
        elif unanswerable:
            fn += 1
        else:
            tn += 1
    n = tp + fp + fn + tn
    return {
        "unanswerable": tp + fn,
        "refused": tp + fp,
        "refusal_precision": tp / (tp + fp) if tp + fp else None,
        "refusal_recall": tp / (tp + fn) if tp + fn else None,
        "false_refusal_rate": fp / (fp + tn) if fp + tn else None,
        "false_refusals": fp,
        "refusal_accuracy": (tp + tn) / n if n else None,
    }


def refusal_curve(pairs: Iterable[tuple[bool, float]]) -> list[dict[str, float]]:
    """The refusal precision/recall curve of an answerability score.

    ``pairs``: (unanswerable, score), the score higher for "more answerable". Refusing every
    case whose score is at most ``threshold``, for each distinct score (ascending), gives one
    point: ``{"threshold", "precision", "recall", "refused"}`` (``refused``: share of all
    cases refused). Empty when there is no unanswerable case or no score."""
    data = sorted((float(score), bool(unanswerable)) for unanswerable, score in pairs)
    positives = sum(1 for _, u in data if u)
    if not data or not positives:
        return []
    points: list[dict[str, float]] = []
    tp = fp = 0
    for i, (score, unanswerable) in enumerate(data):
        tp += int(unanswerable)
        fp += int(not unanswerable)
        if i + 1 < len(data) and data[i + 1][0] == score:
            continue  # ties are refused together
        points.append({"threshold": score, "precision": tp / (tp + fp), "recall": tp / positives,
                       "refused": (tp + fp) / len(data)})
    return points


def average_precision(curve: Sequence[dict[str, float]]) -> float | None:
    """Area under a :func:`refusal_curve` (step-wise, as scikit-learn's average precision)."""
    if not curve:
        return None
    area, last_recall = 0.0, 0.0
    for point in curve:
        area += (point["recall"] - last_recall) * point["precision"]
        last_recall = point["recall"]
    return area


def median(values: Iterable[float | int | None]) -> float | None:
    return percentile([float(v) for v in values if v is not None], 50)


# --- latency and averages ------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100), linear interpolation between ranks (numpy's default)."""
    data = sorted(v for v in values if v is not None and not math.isnan(v))
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def latency_summary(values: Sequence[float]) -> dict[str, float | int | None]:
    data = [v for v in values if v is not None]
    return {
        "n": len(data),
        "p50": percentile(data, 50),
        "p95": percentile(data, 95),
        "mean": sum(data) / len(data) if data else None,
        "max": max(data) if data else None,
    }


def mean(values: Iterable[float | None]) -> float | None:
    data = [v for v in values if v is not None]
    return sum(data) / len(data) if data else None
