"""Ingest against real Chroma on disk: idempotent, incremental, verified, crash-safe."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant import Assistant, IngestError, Settings
from assistant.testing import FakeEmbeddings


def _bot(corpus: Path, tmp_path: Path, embeddings=None) -> Assistant:
    settings = Settings(corpus_dir=corpus, vectorstore_dir=tmp_path / "vs", data_dir=tmp_path / "data", llm="extractive")
    return Assistant.from_settings(settings, embeddings=embeddings or FakeEmbeddings())


def test_ingest_is_idempotent_and_incremental(corpus_copy: Path, tmp_path: Path) -> None:
    bot = _bot(corpus_copy, tmp_path)
    first = bot.ingest()
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)
    total = first.chunks_total
    assert bot.index.store.count() == total > 5

    started = time.perf_counter()
    again = bot.ingest()
    elapsed = time.perf_counter() - started
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 5)
    assert again.chunks_added == again.chunks_removed == 0
    assert bot.index.store.count() == total
    assert elapsed < 1.0, f"re-ingesting an unchanged corpus took {elapsed:.2f}s"

    # change one article, remove another
    changed = corpus_copy / "thai-binh-hop-tac-dau-tu-voi-nga.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nĐoạn mới về hợp tác y tế.\n", encoding="utf-8")
    (corpus_copy / "2025-11-24-nghe-an-kaluga-hop-tac-cong-nghiep.md").unlink()
    third = bot.ingest()
    assert (third.added, third.updated, third.removed, third.unchanged) == (0, 1, 1, 3)
    docs = {d.doc_id for d in bot.documents()}
    assert "2025-11-24-nghe-an-kaluga-hop-tac-cong-nghiep" not in docs
    assert bot.index.store.count() == third.chunks_total
    hits = bot.retrieve("Đoạn mới về hợp tác y tế", k=3, mode="bm25")
    assert any("Đoạn mới" in p.text for p in hits)
    # a fresh process sees the same index (Chroma on disk and BM25 beside it)
    reopened = _bot(corpus_copy, tmp_path)
    assert reopened.ingest().unchanged == 4
    assert any("Đoạn mới" in p.text for p in reopened.retrieve("Đoạn mới về hợp tác y tế", k=3, mode="bm25"))


def test_unreadable_file_keeps_its_chunks(corpus_copy: Path, tmp_path: Path) -> None:
    bot = _bot(corpus_copy, tmp_path)
    before = bot.ingest().chunks_total
    victim = corpus_copy / "thai-binh-hop-tac-dau-tu-voi-nga.md"
    victim.write_bytes(b"\xff\xfe\x00garbage")
    report = bot.ingest()
    assert any(victim.name in s for s in report.skipped)
    assert report.removed == 0
    assert bot.index.store.count() == before


class _Exploding(FakeEmbeddings):
    def __init__(self, after: int):
        super().__init__()
        self.calls = 0
        self.after = after

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls > self.after:
            raise RuntimeError("simulated crash")
        return super().embed_documents(texts)


def test_crash_mid_ingest_loses_nothing_and_resumes(corpus_copy: Path, tmp_path: Path) -> None:
    big = corpus_copy / "big.md"
    big.write_text("---\ntitle: Lớn\n---\n" + "\n".join(f"Câu số {i} nói về hợp tác giữa hai tỉnh." for i in range(600)), encoding="utf-8")
    crashing = _bot(corpus_copy, tmp_path, embeddings=_Exploding(after=1))
    with pytest.raises(IngestError, match="run ingest again"):
        crashing.ingest()
    partial = crashing.index.store.count()
    assert partial > 0  # what was embedded before the crash was kept
    resumed = _bot(corpus_copy, tmp_path).ingest()
    assert resumed.chunks_added > 0
    assert _bot(corpus_copy, tmp_path).index.store.count() == resumed.chunks_total
    assert _bot(corpus_copy, tmp_path).ingest().chunks_added == 0


def test_lost_write_is_detected(corpus_copy: Path, tmp_path: Path) -> None:
    bot = _bot(corpus_copy, tmp_path)
    bot.ingest()
    original_add = bot.index.store.add

    def lossy_add(chunks, vectors):  # a store that silently drops a write
        original_add(chunks[1:], vectors[1:])

    bot.index.store.add = lossy_add  # type: ignore[method-assign]
    (corpus_copy / "new.md").write_text("---\ntitle: Mới\n---\nMột bài mới. Hai câu.\n", encoding="utf-8")
    with pytest.raises(IngestError, match="expected"):
        bot.ingest()


def test_embedder_mismatch_is_refused(corpus_copy: Path, tmp_path: Path) -> None:
    from assistant.errors import StoreError

    _bot(corpus_copy, tmp_path).ingest()

    class Other(FakeEmbeddings):
        name = "other"

    with pytest.raises(StoreError, match="built with embedder"):
        _bot(corpus_copy, tmp_path, embeddings=Other())


def test_only_store_failures_become_store_errors(corpus_copy: Path, tmp_path: Path) -> None:
    import httpx
    from chromadb.errors import InvalidArgumentError

    from assistant.errors import StoreError, StoreUnavailableError
    from assistant.store import _call
    from assistant.types import Chunk

    bot = _bot(corpus_copy, tmp_path)
    chunk = Chunk("c1", "d1", "text", 0, 4, 0)
    bot.index.store.add([chunk], [[0.1] * 64])
    with pytest.raises(StoreError, match="failed"):  # Chroma refuses a vector of another size
        bot.index.store.add([chunk], [[0.1] * 3])

    def refused() -> None:
        raise InvalidArgumentError("bad where")

    def lost() -> None:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(StoreError, match="bad where"):
        _call("here", refused)
    with pytest.raises(StoreUnavailableError, match="lost the Chroma server at here"):
        _call("here", lost)
    with pytest.raises(ZeroDivisionError):  # a bug is not dressed up as a store failure
        _call("here", lambda: 1 / 0)
