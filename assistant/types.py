"""Plain data passed between the parts: documents, chunks, passages, citations, answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict


class ChatMessage(TypedDict):
    """One chat turn in the OpenAI / Gradio "messages" format."""

    role: Literal["user", "assistant", "system"]
    content: str


@dataclass(frozen=True)
class Document:
    """One cleaned article. ``doc_id`` is the file stem (or the ``id`` of a JSONL line)."""

    doc_id: str
    title: str
    text: str
    date: str = ""  # ISO yyyy-mm-dd, or "" when the article does not say
    source: str = ""  # publisher, e.g. "VnEconomy"
    url: str = ""
    language: str = "vi"
    path: str = ""  # the file it came from

    @property
    def content_hash(self) -> str:
        from assistant.text import content_hash

        return content_hash(self.doc_id, self.title, self.date, self.source, self.url, self.text)


@dataclass(frozen=True)
class Chunk:
    """A piece of a document, with its character offsets in the cleaned text."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    index: int
    title: str = ""
    date: str = ""
    source: str = ""
    url: str = ""
    doc_hash: str = ""

    def metadata(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "url": self.url,
            "start": self.start,
            "end": self.end,
            "index": self.index,
            "doc_hash": self.doc_hash,
            "date_num": int(self.date.replace("-", "")) if self.date else 0,
        }


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its retrieval score (higher is better)."""

    chunk_id: str
    doc_id: str
    text: str
    title: str = ""
    date: str = ""
    source: str = ""
    url: str = ""
    score: float = 0.0
    start: int = 0
    end: int = 0
    dense_similarity: float | None = None  # cosine similarity to the query, when known
    lexical_score: float | None = None  # BM25 score, when the lexical search found it
    ranks: dict[str, int] = field(default_factory=dict)  # rank in each retriever, 1-based


RefusalCode = Literal[
    "answerable",  # not a refusal
    "nothing_retrieved",  # the index returned no passage (empty index, or filters exclude all)
    "no_sentence",  # the passages hold no usable sentence
    "missing_terms",  # the question names something the passages never mention
    "no_fact_of_kind",  # no sentence holds the kind of fact asked for (a name, number, date)
    "weak_match",  # nothing matches the question well enough
    "engine_declined",  # the answer engine (a model) judged the passages insufficient
    "unsupported",  # the citation check found no claim supported by its passage
]


@dataclass(frozen=True)
class Evidence:
    """The answerability gate's judgement: do the passages hold the answer?"""

    coverage: float  # idf-weighted share of the question's words found in the top passages
    similarity: float | None  # best dense similarity, when known
    sufficient: bool
    reason: str  # a sentence saying why (or "ok")
    score: float | None = None  # estimated probability that the passages answer the question
    code: RefusalCode = "answerable"


@dataclass(frozen=True)
class Refusal:
    """Why an answer was refused: a typed code, a sentence, and which step refused."""

    code: RefusalCode
    detail: str
    by: Literal["gate", "engine", "check"]


@dataclass(frozen=True)
class Citation:
    """A passage that the answer cites as ``[index]``."""

    index: int
    doc_id: str
    title: str
    date: str
    url: str
    text: str
    chunk_id: str = ""
    source: str = ""
    quote: str = ""  # the sentence of the passage the answer relies on, when known
    verified: bool | None = None  # None: not checked


@dataclass
class Verification:
    """What the citation check found in one answer."""

    checked: int = 0  # cited sentences checked
    supported: int = 0
    repaired: list[str] = field(default_factory=list)  # e.g. "[2]->[1]"
    dropped: list[str] = field(default_factory=list)  # sentences removed as unsupported
    invalid_markers: list[str] = field(default_factory=list)  # e.g. "[7]" with 4 passages
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.checked == self.supported and not self.dropped


@dataclass(frozen=True)
class GenerationRequest:
    """Everything an answer engine needs for one answer."""

    question: str  # what the user typed (normalised)
    standalone_question: str  # the question rewritten to stand alone (follow-ups)
    passages: list[Passage]  # numbered [1]..[n] in this order
    history: list[ChatMessage]
    language: Literal["vi", "en"]
    # the reader's scored sentences (assistant.reader.Reading), when the assistant has them
    reading: Any = None
    exclude: frozenset[str] = frozenset()  # sentences no engine may quote (flagged as injected)


@dataclass
class GenerationResult:
    """Filled in by an engine while (or after) it streams."""

    engine: str = ""
    model: str = ""
    prompt_name: str = ""
    prompt_hash: str = ""
    refused: bool = False  # the engine itself judged the passages insufficient
    usage: dict[str, int] = field(default_factory=dict)  # prompt_tokens, completion_tokens
    quotes: dict[int, str] = field(default_factory=dict)  # citation index -> supporting sentence


@dataclass(frozen=True)
class FlaggedDocument:
    """An article with sentences that address an AI or instruct it (see
    :mod:`assistant.injection`): they are never quoted, verified or shown to a model."""

    doc_id: str
    count: int  # flagged sentences (title included)
    first: str  # the first of them
    reason: str  # why the first was flagged, e.g. "asks to ignore earlier instructions"
    path: str = ""
    indexed: bool = True  # False: nothing else in it, so it is not indexed at all


@dataclass
class IngestReport:
    """What one ingest did."""

    added: int = 0  # documents new to the index
    updated: int = 0  # documents whose text changed
    removed: int = 0  # documents no longer in the corpus
    unchanged: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    skipped: list[str] = field(default_factory=list)  # "file: reason", for display
    skipped_files: list[Any] = field(default_factory=list)  # corpus.Skipped: path, line, reason
    seconds: float = 0.0
    flagged: list[FlaggedDocument] = field(default_factory=list)  # articles written (partly) for an AI

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged documents; {self.chunks_added} chunks written, "
            f"{self.chunks_removed} removed, {self.chunks_total} in the index "
            f"({self.seconds:.2f} s)"
        )


class Answer:
    """An answer that streams when iterated; ``.text`` etc. are final once it has finished.

    ``Assistant.stream`` returns one unfinished; ``Assistant.ask`` returns one finished.
    """

    def __init__(self, question: str, pieces: Iterator[str], finish: Callable[[Answer], None]):
        self.question = question
        self.text = ""
        self.citations: list[Citation] = []
        self.refused = False
        self.engine = ""
        self.model = ""
        self.language = "vi"
        self.standalone_question = question
        self.passages: list[Passage] = []
        self.timings: dict[str, float] = {}
        self.usage: dict[str, int] = {}
        self.prompt_name = ""
        self.prompt_hash = ""
        self.verification = Verification()
        self.evidence: Evidence | None = None  # the answerability gate's judgement of the passages
        self.refusal: Refusal | None = None  # why it was refused (code, sentence, which step)
        self.notices: list[str] = []  # e.g. the question was cleaned or cut; a fallback answered
        self.raw_text = ""  # the text as the engine produced it, before checking
        self._pieces = pieces
        self._finish = finish
        self._done = False

    def __iter__(self) -> Iterator[str]:
        if self._done:
            yield self.text
            return
        parts: list[str] = []
        for piece in self._pieces:
            parts.append(piece)
            yield piece
        self.raw_text = "".join(parts)
        self._finish(self)
        self._done = True

    def finish(self) -> Answer:
        """Consume the stream (if not yet done) and return self."""
        if not self._done:
            for _ in self:
                pass
        return self

    @property
    def done(self) -> bool:
        return self._done

    @property
    def notice(self) -> str:
        """Every notice as one line ("" when none). Assigning adds a notice (see
        :meth:`add_notice`), so ``answer.notice = "..."`` never hides an earlier one."""
        return " ".join(self.notices)

    @notice.setter
    def notice(self, text: str) -> None:
        self.add_notice(text)

    def add_notice(self, text: str) -> None:
        """Add ``text`` to :attr:`notices` (once; blank text is ignored)."""
        from assistant.redact import mask_secrets

        text = mask_secrets(text.strip())  # a notice may quote a server's URL
        if text and text not in self.notices:
            self.notices.append(text)

    def to_dict(self) -> dict[str, Any]:
        self.finish()
        return {
            "answer": self.text,
            "refused": self.refused,
            "engine": self.engine,
            "model": self.model,
            "citations": [
                {
                    "index": c.index,
                    "doc_id": c.doc_id,
                    "title": c.title,
                    "date": c.date,
                    "url": c.url,
                    "source": c.source,
                    "text": c.text,
                    "quote": c.quote,
                    "verified": c.verified,
                }
                for c in self.citations
            ],
            "refusal": None if self.refusal is None else {
                "code": self.refusal.code, "detail": self.refusal.detail, "by": self.refusal.by,
            },
            "answerability": None if self.evidence is None else self.evidence.score,
            "timings": dict(self.timings),
            "usage": dict(self.usage),
            "prompt_hash": self.prompt_hash,
            "notices": list(self.notices),
        }

    def __repr__(self) -> str:
        state = "done" if self._done else "streaming"
        return f"<Answer {state} refused={self.refused} engine={self.engine!r} text={self.text[:60]!r}>"
