"""Split a document into overlapping, sentence-aligned chunks measured in tiktoken tokens.

Sentences are packed greedily up to ``chunk_tokens`` (o200k_base); consecutive chunks share
up to ``overlap`` tokens of whole sentences. A sentence longer than a chunk is cut by
langchain's token splitter. Each chunk keeps its character offsets in the cleaned text, and
its id is derived from the document id and the chunk's content, so an unchanged chunk keeps
its id across ingests.
"""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.text import content_hash, split_sentences
from assistant.tokens import count_tokens, encoding
from assistant.types import Chunk, Document


def chunk_id(doc_id: str, text: str, index: int) -> str:
    return f"{doc_id}::{content_hash(doc_id, text, str(index))[:16]}"


def _long_sentence_pieces(text: str, start: int, chunk_tokens: int) -> list[tuple[int, int]]:
    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=encoding().name,
        chunk_size=chunk_tokens,
        chunk_overlap=0,
        separators=["; ", ", ", " ", ""],
        keep_separator="end",
    )
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in splitter.split_text(text):
        piece = piece.strip()
        at = text.find(piece, cursor)
        if at < 0:
            continue
        spans.append((start + at, start + at + len(piece)))
        cursor = at + len(piece)
    return spans


def chunk_document(doc: Document, *, chunk_tokens: int = 300, overlap: int = 60) -> list[Chunk]:
    """Chunks of ``doc.text`` (character offsets refer to ``doc.text``)."""
    text = doc.text
    units: list[tuple[int, int, int]] = []  # start, end, tokens
    for a, b in split_sentences(text):
        n = count_tokens(text[a:b])
        if n <= chunk_tokens:
            units.append((a, b, n))
        else:
            for pa, pb in _long_sentence_pieces(text[a:b], a, chunk_tokens):
                units.append((pa, pb, count_tokens(text[pa:pb])))
    chunks: list[Chunk] = []
    i = 0
    doc_hash = doc.content_hash
    while i < len(units):
        total = 0
        j = i
        while j < len(units) and (j == i or total + units[j][2] <= chunk_tokens):
            total += units[j][2]
            j += 1
        start, end = units[i][0], units[j - 1][1]
        piece = text[start:end]
        index = len(chunks)
        chunks.append(
            Chunk(
                chunk_id=chunk_id(doc.doc_id, piece, index),
                doc_id=doc.doc_id,
                text=piece,
                start=start,
                end=end,
                index=index,
                title=doc.title,
                date=doc.date,
                source=doc.source,
                url=doc.url,
                doc_hash=doc_hash,
            )
        )
        if j >= len(units):
            break
        # step back over whole sentences that fit in the overlap, but always move forward
        back, k = 0, j
        while k - 1 > i and back + units[k - 1][2] <= overlap:
            back += units[k - 1][2]
            k -= 1
        i = k
    return chunks
