"""BM25 over the chunks (bm25s), with the same Vietnamese normalisation as everything else.

Tokens are the tone-normalised words, plus their diacritic-free forms and diacritic-free
syllable bigrams, so "thanh hoa" finds "Thanh Hóa" and "Thanh Hoá", and two-syllable words
("dân số", "xuất khẩu") count as units. The index is saved beside the Chroma data with the
ids it covers; when they differ from the store's, it is rebuilt.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from assistant.text import content_hash, fold, words

log = logging.getLogger(__name__)


def lexical_tokens(text: str) -> list[str]:
    exact = words(text)
    folded = [fold(w) for w in exact]
    tokens = list(exact)
    tokens.extend(f for f, e in zip(folded, exact, strict=True) if f != e)
    tokens.extend(f"{a}_{b}" for a, b in pairwise(folded))
    return tokens


def ids_fingerprint(ids: list[str]) -> str:
    return content_hash(*sorted(ids))


@dataclass(frozen=True)
class LexicalEntry:
    chunk_id: str
    doc_id: str
    source: str
    date_num: int


class LexicalIndex:
    """A bm25s index plus the chunk ids (and filterable metadata) it covers."""

    def __init__(self, entries: list[LexicalEntry], model: object | None):
        self.entries = entries
        self.model = model
        self.fingerprint = ids_fingerprint([e.chunk_id for e in entries])
        self._doc_freq: dict[str, int] = {}  # term -> chunks holding it; the index never changes

    @classmethod
    def build(cls, items: list[tuple[LexicalEntry, str]]) -> LexicalIndex:
        import bm25s

        if not items:
            return cls([], None)
        model = bm25s.BM25()
        model.index([lexical_tokens(text) for _, text in items], show_progress=False)
        return cls([entry for entry, _ in items], model)

    def __len__(self) -> int:
        return len(self.entries)

    def document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many chunks contain each (folded) term, and how many chunks there are."""
        if self.model is None:
            return {}, 0
        for term in terms:
            if term not in self._doc_freq:  # the gate and the extractive engine ask alike
                self._doc_freq[term] = int(np.count_nonzero(self.model.get_scores([term])))  # type: ignore[attr-defined]
        return {t: self._doc_freq[t] for t in terms}, len(self.entries)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(position in ``entries``, score) of the best ``k`` chunks with a positive score."""
        if self.model is None or not self.entries:
            return []
        tokens = lexical_tokens(query)
        if not tokens:
            return []
        scores = np.asarray(self.model.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=folder.parent))
        try:
            if self.model is not None:
                self.model.save(str(tmp / "bm25"), show_progress=False)  # type: ignore[attr-defined]
            meta = {
                "fingerprint": self.fingerprint,
                "entries": [[e.chunk_id, e.doc_id, e.source, e.date_num] for e in self.entries],
            }
            (tmp / "entries.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            old = folder.with_name(folder.name + ".old")
            if folder.exists():
                if old.exists():
                    shutil.rmtree(old)
                os.replace(folder, old)
            os.replace(tmp, folder)
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none or it cannot be read."""
        meta_path = folder / "entries.json"
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            entries = [LexicalEntry(*row) for row in meta["entries"]]
            model = None
            if entries:
                import bm25s

                model = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
            index = cls(entries, model)
        except Exception as exc:  # a damaged index is rebuilt, never fatal
            log.warning("BM25 index at %s unreadable (%s); it will be rebuilt", folder, exc)
            return None
        if index.fingerprint != meta.get("fingerprint"):
            return None
        return index
