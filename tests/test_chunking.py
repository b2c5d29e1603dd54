from itertools import pairwise

from conftest import CORPUS

from assistant.chunking import chunk_document
from assistant.corpus import load_corpus
from assistant.tokens import count_tokens, encoding
from assistant.types import Document


def test_tiktoken_works_offline() -> None:
    assert encoding().name == "o200k_base"
    assert count_tokens("Thanh Hóa") > 0


def test_chunks_cover_the_document_with_offsets_and_overlap() -> None:
    for doc in load_corpus(CORPUS).documents:
        chunks = chunk_document(doc, chunk_tokens=200, overlap=40)
        assert chunks, doc.doc_id
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
            assert count_tokens(c.text) <= 200
            assert (c.doc_id, c.title, c.date, c.source) == (doc.doc_id, doc.title, doc.date, doc.source)
        assert chunks[0].start == 0
        assert chunks[-1].end == len(doc.text.rstrip())
        for a, b in pairwise(chunks):
            # overlap, or adjacent with only whitespace between: nothing is skipped
            assert b.start <= a.end or not doc.text[a.end : b.start].strip()
            assert b.start > a.start


def test_chunk_ids_depend_on_content() -> None:
    doc = Document("d", "T", "Câu một. Câu hai.")
    again = chunk_document(doc)
    changed = chunk_document(Document("d", "T", "Câu một. Câu ba."))
    assert [c.chunk_id for c in chunk_document(doc)] == [c.chunk_id for c in again]
    assert chunk_document(doc)[0].chunk_id != changed[0].chunk_id


def test_long_sentence_is_split() -> None:
    doc = Document("d", "T", ", ".join(["hợp tác kinh tế thương mại"] * 300) + ".")
    chunks = chunk_document(doc, chunk_tokens=100, overlap=0)
    assert len(chunks) > 3
    assert all(count_tokens(c.text) <= 100 for c in chunks)
