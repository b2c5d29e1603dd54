"""The assistant: ingest a corpus, retrieve passages, answer with checked citations.

    from assistant import Assistant, Settings
    bot = Assistant.from_settings(Settings(llm="extractive"))
    bot.ingest()
    answer = bot.ask("Ai là trưởng đoàn Thanh Hóa sang Nga?")
    print(answer.text, answer.citations)

One path serves the CLI, the UI, the Python API and the evals: :meth:`Assistant.stream`
returns an :class:`Answer` that streams when iterated; :meth:`Assistant.ask` finishes it.

What a user types is cleaned first (:mod:`assistant.cleaning`); what the corpus says is data:
sentences that address an AI or instruct it (:mod:`assistant.injection`) are replaced by "…"
in what is indexed, and again in retrieved passages before any engine, the evidence gate or
the citation check reads them (for an index built before); each ingest lists the articles
that hold such sentences (``IngestReport.flagged``).

Every answer has up to two phases. The *quick* answer comes from the extractive engine (the
article's own sentence, cited) within a fraction of a second of the question. When a chat
model is configured, its answer follows: it reads numbered evidence sentences, answers with
claims that cite them (:mod:`assistant.chat_engine`), and its claims are verified against
those sentences — names, the roles given to people, numbers with units, dates
(:mod:`assistant.claims`, applied by :mod:`assistant.judge`). A verified (or repaired)
model answer replaces the quick one; otherwise the quick answer stands and
``answer.model_check.reason`` says why.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from assistant.citations import check_answer
from assistant.cleaning import clean_history, clean_question
from assistant.compound import combined, question_parts
from assistant.condense import Condenser, EntityCondenser
from assistant.embeddings import embedder_name, make_embeddings
from assistant.engines import build_condenser, build_engine, build_translator
from assistant.errors import (
    IngestError,
    IngestUnavailableError,
    ModelUnavailableError,
)
from assistant.evidence import EvidenceGate
from assistant.extractive import ExtractiveEngine
from assistant.generation import AnswerEngine
from assistant.index import Index, IndexedDocument, Progress
from assistant.judge import judge, kept
from assistant.questions import analyse
from assistant.reader import Reader
from assistant.redact import mask_secrets, mask_values
from assistant.retrieval import Filters, Retriever
from assistant.search import find, screened
from assistant.settings import Settings
from assistant.store import ChromaStore
from assistant.translation import Translator
from assistant.types import (
    Answer,
    AnswerEvent,
    ChatMessage,
    Citation,
    FlaggedDocument,
    GenerationRequest,
    GenerationResult,
    IngestReport,
    ModelCheck,
    Passage,
    Refusal,
)

if TYPE_CHECKING:  # langchain's retriever stack loads only when as_retriever() is called
    from assistant.langchain_retriever import LangChainRetriever

log = logging.getLogger(__name__)


@dataclass
class _Run:
    """One answer's working state, shared by its producer and its finishing step."""

    result: GenerationResult = field(default_factory=GenerationResult)
    started: float = 0.0


# When the model finds no answer in the evidence, the answer is a refusal even if the quick
# answer had one (see the README's engine table for the measurement behind this choice).
MODEL_REFUSAL_REFUSES = True

REFUSALS = {
    "vi": "Các bài báo hiện có không chứa thông tin để trả lời câu hỏi này.",
    "en": "The articles do not contain the answer to this question.",
}
NOT_FOUND = {"vi": "Các bài báo không trả lời câu hỏi: ", "en": "The articles do not answer: "}  # one part of two


class Assistant:
    """Composed from its parts by keyword; use :meth:`from_settings` for the usual set-up.

    ``extractive`` writes the quick answer; ``engine``, when it is another engine (a chat
    model), writes the answer that replaces it once verified — if its model is unavailable
    (:class:`ModelUnavailableError`) the quick answer stands, with a notice; ``condenser``
    rewrites follow-up questions (see :func:`assistant.engines.build_condenser`)."""

    def __init__(
        self,
        *,
        index: Index,
        engine: AnswerEngine,
        extractive: ExtractiveEngine,
        settings: Settings,
        gate: EvidenceGate | None = None,
        condenser: Condenser | None = None,
        translator: Translator | None = None,
        notice: str = "",
    ):
        self.index = index
        self.engine = engine
        self.extractive = extractive
        self.settings = settings
        self.gate = gate or EvidenceGate(threshold=settings.min_answerability)
        self.condenser = condenser or build_condenser(engine)
        self.translator = translator  # if set, English questions are searched and read in Vietnamese
        self.notice = notice  # why the configured engine is not the one answering, if so
        self._retrievers: dict[str, Retriever] = {}
        self._lock = threading.Lock()
        self.flagged: dict[str, FlaggedDocument] = {}  # doc_id -> its flagged sentences (last ingest)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, embeddings: Embeddings | None = None,
                      engine: AnswerEngine | None = None) -> Assistant:
        """The usual set-up for ``settings``. ``embeddings`` and ``engine`` replace the ones
        the settings name (e.g. :mod:`assistant.testing`'s fakes in tests)."""
        settings = settings or Settings()
        embeddings = embeddings or make_embeddings(settings)
        store = ChromaStore.from_settings(settings, embedder_name(embeddings))
        index = Index(
            store,
            embeddings,
            lexical_dir=_lexical_dir(settings),
            chunk_tokens=settings.chunk_tokens,
            chunk_overlap=settings.chunk_overlap,
            embed_concurrency=settings.embedding_concurrency if settings.embedder == "openai" else 1,
            refresh_seconds=settings.refresh_seconds,
            max_document_bytes=settings.max_document_bytes,
        )
        index.check_dense(wait=False)  # cheap (a few queries); a store whose dense search went wrong is rebuilt
        reader = Reader(embeddings, doc_freq=index.document_frequencies)
        extractive = ExtractiveEngine(reader, phrase_leads=settings.phrase_leads)

        def scorer(question: str, passages: list[Passage]) -> list[tuple[int, str]]:
            return [(s.passage, s.text) for s in reader.read(question, passages).sentences]

        notice = ""
        if engine is None:
            engine, notice = build_engine(settings, fallback=extractive, scorer=scorer)
        translator, why = build_translator(settings, engine)
        notice = " ".join(n for n in (notice, why) if n)
        if notice:
            log.info("%s", notice)
        return cls(index=index, engine=engine, extractive=extractive, settings=settings,
                   translator=translator, notice=notice)

    # --- corpus ------------------------------------------------------------------------

    def ingest(self, path: str | Path | None = None, *, mirror: bool | None = None,
               progress: Progress | None = None) -> IngestReport:
        """Index a file or folder of articles: new and changed ones are written, unchanged
        ones cost a ``stat``. ``mirror`` (the default for the configured corpus folder, i.e.
        when ``path`` is None) also removes documents that are no longer there."""
        folder = Path(path) if path is not None else Path(self.settings.corpus_dir)
        try:
            report = self.index.ingest(folder, mirror=path is None if mirror is None else mirror,
                                       progress=progress)
        except IngestError as exc:
            if isinstance(exc.__cause__, ModelUnavailableError):  # the embeddings server is down
                raise IngestUnavailableError(str(exc)) from exc
            raise
        for f in report.flagged:
            log.warning("%s holds %d sentence(s) addressed to an AI (%s), e.g. %r; they are never "
                        "indexed, quoted, verified or shown to a model", f.doc_id, f.count, f.reason, f.first[:120])
        with self._lock:
            self.flagged.update({f.doc_id: f for f in report.flagged})
        return report

    def documents(self) -> list[IndexedDocument]:
        return self.index.documents()

    # --- retrieval ---------------------------------------------------------------------

    def retriever(self, mode: str | None = None) -> Retriever:
        mode = mode or self.settings.retriever
        if mode not in self._retrievers:
            self._retrievers[mode] = Retriever(
                self.index, mode=mode, candidates=self.settings.candidates, rrf_k=self.settings.rrf_k  # type: ignore[arg-type]
            )
        return self._retrievers[mode]

    def retrieve(self, question: str, k: int | None = None, *, filters: Filters | None = None, mode: str | None = None) -> list[Passage]:
        question = self._clean_question(question)
        return find(self.retriever(mode), self.translator, question, analyse(question).language,
                    k or self.settings.top_k, filters, restore=self.settings.restore_diacritics)[1]

    def as_retriever(self, k: int | None = None, filters: Filters | None = None) -> LangChainRetriever:
        """The retriever as a langchain ``BaseRetriever``."""
        from assistant.langchain_retriever import LangChainRetriever

        return LangChainRetriever(retriever=self.retriever(), k=k or self.settings.top_k, filters=filters)

    # --- answers -----------------------------------------------------------------------

    def ask(self, question: str, history: list[ChatMessage] | None = None, *, k: int | None = None,
            filters: Filters | None = None, quick: bool = False) -> Answer:
        """The finished answer; ``quick=True``: only the quick (extractive) answer, no model."""
        return self.stream(question, history, k=k, filters=filters, quick=quick).finish()

    def stream(self, question: str, history: list[ChatMessage] | None = None, *, k: int | None = None,
               filters: Filters | None = None, quick: bool = False) -> Answer:
        """An :class:`Answer` that produces its text as it is iterated (or its steps, with
        :meth:`Answer.events`); ``quick=True``: only the quick answer, no model call."""
        cleaned = clean_question(question, max_chars=self.settings.max_question_chars)
        turns = clean_history(history)
        run = _Run()

        def events() -> Iterator[AnswerEvent]:  # runs when the answer is iterated, after it exists
            yield from self._produce(answer, run, turns, k or self.settings.top_k, filters, quick)

        answer = Answer(cleaned.text, events(), finish=lambda a: self._finish(a, run))
        for notice in cleaned.notices:
            answer.add_notice(notice)
        return answer

    @property
    def has_model(self) -> bool:
        """Whether a chat model follows the quick answer."""
        return self.engine is not self.extractive

    def _produce(self, answer: Answer, run: _Run, history: list[ChatMessage], k: int,
                 filters: Filters | None, quick: bool) -> Iterator[AnswerEvent]:
        started = run.started = time.perf_counter()
        answer.timings = {}
        info = analyse(answer.question)
        answer.language = info.language
        standalone = answer.question
        if history:
            t = time.perf_counter()
            try:
                standalone = self.condenser.condense(answer.question, history)
            except ModelUnavailableError as exc:
                log.warning("condensing failed (%s); using the entity heuristic", exc)
                standalone = EntityCondenser().condense(answer.question, history)
            answer.timings["condense"] = time.perf_counter() - t
        answer.standalone_question = standalone
        asked = question_parts(standalone)  # two questions in one are searched and read apart
        t, answer.timings["translate"] = time.perf_counter(), 0.0
        found = [self._search(q, info.language, k, filters, answer.question, answer.timings) for q in asked]
        answer.search_query = " | ".join(query for query, _ in found)
        answer.timings["retrieve"] = time.perf_counter() - t - answer.timings["translate"]
        t = time.perf_counter()
        # the reader, and so the gate and the extractive engine, never see a flagged sentence
        readings = [self.extractive.reader.read(query, passages) for query, passages in found]
        answer.timings["read"] = time.perf_counter() - t
        assessed = [self.gate.assess(r) for r in readings]
        reading, evidence, parts = readings[0], assessed[0], []
        if len(asked) > 1:
            both = combined(standalone, asked, readings, assessed)
            reading, evidence, parts = both.reading, both.evidence, both.parts
            for question in both.missing:
                answer.add_notice(NOT_FOUND[info.language if info.language in NOT_FOUND else "vi"] + question)
        answer.passages = passages = reading.passages
        answer.evidence = evidence
        refusal = REFUSALS[info.language if info.language in REFUSALS else "vi"]
        if not evidence.sufficient:
            log.info("refused %r: %s", answer.question[:80], evidence.reason)
            answer.refused = answer.quick_refused = True
            answer.refusal = Refusal(evidence.code, evidence.reason, "gate")
            answer.engine = self.engine.name
            answer.answered_by = "quick"
            answer.text = answer.quick = refusal
            answer.timings["first_token"] = answer.timings["quick"] = time.perf_counter() - started
            yield AnswerEvent("quick", refusal)
            return
        request = GenerationRequest(
            question=answer.question,
            standalone_question=standalone,
            passages=passages,
            history=history,
            language=info.language,  # type: ignore[arg-type]
            reading=reading,
            parts=tuple(parts),
        )
        # --- the quick answer ---------------------------------------------------------------
        quick_result = run.result = GenerationResult(engine=self.extractive.name)
        pieces: list[str] = []
        t = time.perf_counter()
        for piece in self.extractive.stream(request, quick_result):
            if not pieces:
                answer.timings["first_token"] = time.perf_counter() - started
            pieces.append(piece)
            yield AnswerEvent("quick", piece)
        answer.timings["generate"] = time.perf_counter() - t
        t = time.perf_counter()
        self._settle_quick(answer, "".join(pieces), quick_result, refusal)
        answer.timings["verify"] = time.perf_counter() - t
        answer.timings["quick"] = time.perf_counter() - started
        if not self.has_model or quick:
            if answer.quick_refused:  # nothing to show, or the check withdrew what was shown
                yield AnswerEvent("final" if pieces else "quick", refusal)
            return
        # --- the model's answer -------------------------------------------------------------
        yield AnswerEvent("working")
        t = time.perf_counter()
        model_request = replace(request, quotes=dict(quick_result.quotes))
        result = GenerationResult(engine=self.engine.name)
        check = answer.model_check = ModelCheck()
        try:
            model_text = "".join(self.engine.stream(model_request, result))
        except ModelUnavailableError as exc:
            why = mask_secrets(str(exc))  # a server's error may quote its URL, credentials and all
            log.warning("%s failed (%s); the quick answer stands", self.engine.name, why)
            answer.add_notice(f"{self.engine.name} engine unavailable ({why}); answered extractively.")
            check.reason = f"the model is unavailable: {why}"
            answer.timings["model"] = time.perf_counter() - t
            yield kept(answer, check.reason, refusal)
            return
        answer.timings["model"] = time.perf_counter() - t
        answer.model_timing = result.timing
        answer.model_evidence = list(result.evidence)
        answer.model = result.model
        answer.prompt_name, answer.prompt_hash = result.prompt_name, result.prompt_hash
        answer.usage = dict(result.usage)
        check.model_text = model_text
        t = time.perf_counter()
        event = judge(answer, check, model_request, result, model_text, refusal, MODEL_REFUSAL_REFUSES,
                      disagreeing=quick_result.disagreeing)
        answer.timings["verify"] += time.perf_counter() - t
        yield event

    def _search(self, question: str, language: str, k: int, filters: Filters | None, typed: str,
                timings: dict[str, float]) -> tuple[str, list[Passage]]:
        """The search query for ``question`` (the user typed ``typed``) and its passages,
        screened: what is written for an AI goes; its translation time is added to ``timings``."""
        took: dict[str, float] = {}
        query, passages = find(self.retriever(), self.translator, question, language, k, filters, took,
                               restore=self.settings.restore_diacritics, typed=typed)
        timings["translate"] += took["translate"]
        kept_passages = screened(passages)
        if len(kept_passages) < len(passages):  # passages of nothing else: others take their places
            kept_passages = screened(self.retriever().retrieve(query, 2 * k, filters))[:k]
        return query, kept_passages

    def _settle_quick(self, answer: Answer, raw: str, result: GenerationResult, refusal: str) -> None:
        """Check the quick answer's citations; it is the answer until a model's replaces it."""
        answer.answered_by = "quick"
        answer.engine = self.extractive.name
        answer.model = result.model
        answer.raw_text = raw
        answer.prompt_name, answer.prompt_hash = result.prompt_name, result.prompt_hash
        answer.refusal = None
        if result.refused or not raw.strip():
            answer.quick_refused = True
            code, detail = result.declined or ("engine_declined", f"the {self.extractive.name} engine declined to answer")
            answer.refusal = Refusal(code, detail, "engine")
            answer.quick, answer.quick_citations = "", []
        else:
            checked = check_answer(raw, answer.passages, language=answer.language)
            answer.verification = checked.verification
            if checked.supported and checked.citations:
                answer.quick = checked.text
                answer.quick_citations = _with_quotes(checked.citations, result.quotes)
            else:
                answer.quick_refused = True
                answer.refusal = Refusal(
                    "unsupported", "no claim of the answer is supported by the passage it cites", "check"
                )
                answer.quick, answer.quick_citations = "", []
        answer.text, answer.citations = answer.quick, answer.quick_citations
        answer.refused = answer.quick_refused
        if answer.refused:
            answer.text = refusal

    def _finish(self, answer: Answer, run: _Run) -> None:
        if self.notice:
            answer.add_notice(self.notice)
        if not answer.answered_by:  # the stream was abandoned before the quick answer settled
            answer.answered_by = "quick"
        answer.timings["total"] = time.perf_counter() - (run.started or time.perf_counter())

    def _clean_question(self, question: Any) -> str:
        return clean_question(question, max_chars=self.settings.max_question_chars).text

    # --- lifecycle ---------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """What answers with what: for the UI, the CLI and eval reports (credentials in
        URLs masked, see :mod:`assistant.redact`)."""
        return mask_values({
            "engine": self.engine.name,
            "model": getattr(self.engine, "model_name", "") or getattr(self.engine, "name", ""),
            "embedder": embedder_name(self.index.embeddings),
            "retriever": self.settings.retriever,
            "store": self.index.store.where,
            "collection": self.settings.collection,
            "top_k": self.settings.top_k,
            "base_url": getattr(self.engine, "base_url", ""),
            "context_tokens": self.settings.context_tokens if self.engine is not self.extractive else None,
            "translate_questions": self.translator is not None,
            "notice": self.notice,
        })

    def close(self) -> None:
        self.index.close()
        for part in {id(p): p for p in (self.engine, self.extractive, self.translator)}.values():
            close = getattr(part, "close", None)
            if callable(close):
                try:
                    close()
                except Exception as exc:  # closing must not hide the real error
                    log.warning("closing %s: %s", getattr(part, "name", part), exc)

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lexical_dir(settings: Settings) -> Path:
    """This machine's catalog and BM25 index, beside the on-disk store (or, for a Chroma
    server, a local cache named after it)."""
    base = Path(settings.vectorstore_dir)
    if settings.chroma_host:
        return base / f"index-{settings.chroma_host}-{settings.chroma_port}-{settings.collection}"
    return base / f"index-{settings.collection}"


def _with_quotes(citations: list[Citation], quotes: dict[int, str]) -> list[Citation]:
    return [replace(c, quote=quotes[c.index]) if c.index in quotes and not c.quote else c for c in citations]
