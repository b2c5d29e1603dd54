"""Plain data passed between the parts: documents, chunks, passages, citations, answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple, TypedDict

from assistant.redact import mask_secrets


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
    "engine_declined", "engine_invented",  # a model found no answer / made up the number or date asked
    "other_year",  # the question asks about a year; the sentences found speak of another
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
    # the sentences the quick answer quotes (passage number -> sentence): a model reads them first
    quotes: dict[int, str] = field(default_factory=dict)
    # the reader's scored sentences (assistant.reader.Reading), when the assistant has them
    reading: Any = None
    parts: tuple[Any, ...] = ()  # a compound question's readings, one per question (assistant.compound)
    exclude: frozenset[str] = frozenset()  # sentences no engine may quote (flagged as injected)


@dataclass(frozen=True)
class EvidenceSentence:
    """One numbered sentence a chat model reads: ``[number]`` is ``text``, of passage ``passage`` (1-based)."""

    number: int
    passage: int
    text: str


@dataclass
class Claim:
    """One claim of a model's answer and the evidence sentences it rests on (or ``passages``: plain text, ``[n]``)."""

    text: str
    sentences: list[int] = field(default_factory=list)
    passages: list[int] = field(default_factory=list)


@dataclass
class ModelTiming:
    """How long one model call took, for how many tokens. ``source`` says who measured:
    "server log" (the local llama.cpp server), "server" (a server's ``timings``), "client"
    (time to the first piece stands for prompt processing)."""

    prompt_tokens: int | None = None  # the whole prompt; None: not known
    cached_tokens: int = 0  # of which the server reused from its KV cache
    completion_tokens: int = 0
    prefill_seconds: float | None = None  # processing the (uncached) prompt
    decode_seconds: float | None = None  # writing the completion
    first_piece_seconds: float | None = None  # request sent -> first piece (client)
    seconds: float = 0.0  # request sent -> last piece (client)
    source: str = ""
    threads: int | None = None  # the local server's threads

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class GenerationResult:
    """Filled in by an engine while (or after) it streams."""

    engine: str = ""
    model: str = ""
    prompt_name: str = ""
    prompt_hash: str = ""
    refused: bool = False  # the engine itself judged the passages insufficient
    declined: tuple[RefusalCode, str] | None = None  # why, when the engine says
    usage: dict[str, int] = field(default_factory=dict)  # prompt_tokens, completion_tokens
    quotes: dict[int, str] = field(default_factory=dict)  # citation index -> supporting sentence
    disagreeing: frozenset[str] = frozenset()  # articles that disagree on the fact (doc ids)
    # a chat model's structured answer: its claims, the evidence sentences it was shown, format, timing
    claims: list[Claim] | None = None
    evidence: list[EvidenceSentence] = field(default_factory=list)
    output_format: str = ""
    timing: ModelTiming | None = None


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
            f"{self.chunks_removed} removed, {self.chunks_total} in the index ({self.seconds:.2f} s)"
        )


@dataclass
class ModelCheck:
    """What became of a chat model's answer: used (maybe repaired), or not (``reason``)."""

    used: bool = False
    reason: str = ""  # why it was not used, or "" when it was
    repaired: list[str] = field(default_factory=list)  # e.g. "claim 2: sentence [3]->[5]"
    dropped: list[str] = field(default_factory=list)  # claims removed as unsupported
    problems: list[str] = field(default_factory=list)  # what the check found, claim by claim
    model_text: str = ""  # the model's reply as written
    found: bool | None = None  # the model's own verdict: the evidence answers the question
    claims: list[Claim] = field(default_factory=list)  # the model's claims as it wrote them

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AnswerEvent(NamedTuple):
    """One step of an answer, for front ends that show the quick answer first:

    - ``quick``: a piece of the quick (extractive) answer, or of a refusal;
    - ``working``: a model is writing its answer (the quick answer is complete);
    - ``final``: the model's answer, whole and verified — it replaces the quick answer (or,
      when there was none, is the answer, possibly a refusal);
    - ``kept``: the model's answer is not used, the quick answer stands; ``text`` says why.
    """

    kind: Literal["quick", "working", "final", "kept"]
    text: str = ""


QUICK_SEPARATOR = "\n\n"


class Answer:
    """An answer that streams when iterated; ``.text`` etc. are final once it has finished.

    ``Assistant.stream`` returns one unfinished; ``Assistant.ask`` returns one finished.

    Two phases: the *quick* answer (the extractive engine: a short answer with the article's
    own sentence and its citation, within a fraction of a second) and, when a chat model is
    configured, the model's answer, which replaces it only if it passes verification.

    - ``.quick`` / ``.quick_citations``: the quick answer; ``.text`` / ``.citations``: the
      final one (the model's when ``.answered_by == "model"``, else the quick one);
      ``.model_check`` says what became of the model's answer and why.
    - Iterating yields text as it should be read in order: the quick answer's pieces, then,
      when the model's answer is used, a blank line and that answer (whole, after it was
      checked). Joined, the pieces are the quick answer followed by the final one; when the
      model's answer is not used nothing follows the quick answer. A question refused before
      any engine ran yields the refusal.
    - :meth:`events` yields typed :class:`AnswerEvent` steps instead, for a front end that
      replaces the quick answer (the UI, the HTTP API).
    """

    def __init__(self, question: str, events: Iterator[AnswerEvent], finish: Callable[[Answer], None]):
        self.question = question
        self.text = ""
        self.citations: list[Citation] = []
        self.refused = False
        self.engine = ""
        self.model = ""
        self.language = "vi"
        self.standalone_question = question
        self.search_query = question  # what was searched and read (a translation added, if any)
        self.passages: list[Passage] = []
        self.timings: dict[str, float] = {}
        self.usage: dict[str, int] = {}
        self.prompt_name = ""
        self.prompt_hash = ""
        self.verification = Verification()
        self.evidence: Evidence | None = None  # the answerability gate's judgement of the passages
        self.refusal: Refusal | None = None  # why it was refused (code, sentence, which step)
        self.notices: list[str] = []  # e.g. the question was cleaned or cut; a fallback answered
        self.raw_text = ""  # the final text as its engine produced it, before checking
        # the quick answer
        self.quick = ""
        self.quick_citations: list[Citation] = []
        self.quick_refused = False
        # the model's answer
        self.answered_by: Literal["quick", "model", ""] = ""
        self.model_check: ModelCheck | None = None  # None: no model was asked
        self.model_timing: ModelTiming | None = None
        self.model_evidence: list[EvidenceSentence] = []
        self._events = events
        self._finish = finish
        self._done = False
        self._started = False

    def events(self) -> Iterator[AnswerEvent]:
        """The answer's steps as they happen (see :class:`AnswerEvent`); once finished, one
        event: the final answer."""
        if self._done or self._started:
            if not self._started:
                yield AnswerEvent("quick" if self.answered_by != "model" else "final", self.text)
            return
        self._started = True
        yield from self._events  # closing this closes the producer (and a model's stream) too
        self._finish(self)
        self._done = True

    def __iter__(self) -> Iterator[str]:
        shown = False
        events = self.events()
        try:
            for kind, text in events:
                if kind == "quick" and text:
                    shown = True
                    yield text
                elif kind == "final" and text:
                    yield (QUICK_SEPARATOR + text) if shown else text
                    shown = True
        finally:
            events.close()  # a consumer that stops early stops the producer too

    def finish(self) -> Answer:
        """Consume the stream (if not yet done) and return self."""
        if not self._done:
            for _ in self.events():
                pass
        return self

    def close(self) -> None:
        """Stop producing (e.g. when only the quick answer is wanted): the model's call, if
        under way, is abandoned; the answer keeps what it has."""
        close = getattr(self._events, "close", None)
        if callable(close):
            close()

    @property
    def done(self) -> bool:
        return self._done

    @property
    def notice(self) -> str:
        """Every notice as one line ("" when none); assigning adds one (:meth:`add_notice`)."""
        return " ".join(self.notices)

    @notice.setter
    def notice(self, text: str) -> None:
        self.add_notice(text)

    def add_notice(self, text: str) -> None:
        """Add ``text`` to :attr:`notices` (once; blank text is ignored)."""
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
            "answered_by": self.answered_by,
            "citations": [_citation_dict(c) for c in self.citations],
            "quick": {
                "answer": self.quick,
                "refused": self.quick_refused,
                "citations": [_citation_dict(c) for c in self.quick_citations],
            },
            "model_check": self.model_check.to_dict() if self.model_check is not None else None,
            "model_timing": self.model_timing.to_dict() if self.model_timing is not None else None,
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


_CITATION_FIELDS = ("index", "doc_id", "title", "date", "url", "source", "text", "quote", "verified")


def _citation_dict(c: Citation) -> dict[str, Any]:
    return {name: getattr(c, name) for name in _CITATION_FIELDS}
