"""Run configurations (answer engine x retriever) over a dataset; one result per case.

All configurations share one store: the corpus is ingested once (later configurations
re-run the idempotent ingest, which finds nothing to do) and only the retriever mode or the
engine differs. The assistant is used through its public API only::

    bot = Assistant.from_settings(settings)   # settings.llm = engine, settings.retriever = mode
    bot.ingest(); bot.retrieve(q, k=10); bot.ask(q, history=[...]); bot.close()

Engines come from the ``Settings.llm`` field, so a new engine needs no change here. The
suite never picks an engine by itself: ``auto`` that would resolve to OpenAI, or an engine
that silently falls back to another, is an error unless ``allow_fallback`` is set.

The ``floor`` configuration (:mod:`evals.floor`) retrieves only, with plain RRF of bm25s and
the project's dense search over the same store; follow-up turns are retrieved with the
standalone question the first answering configuration produced, so both sides rank the
same query.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import subprocess
import tempfile
import time
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from evals import metrics
from evals.dataset import Case
from evals.floor import FLOOR, FloorBot

if TYPE_CHECKING:
    from assistant.index import IngestProgress

log = logging.getLogger(__name__)

RETRIEVAL_DEPTH = 10  # passages retrieved for recall@1/5/10 and MRR
EVAL_COLLECTION = "hoitin-eval"  # never the user's default collection


class EvalError(ValueError):
    """A configuration the suite cannot run (unknown engine, engine not available...)."""


class Bot(Protocol):
    """What the runner needs from :class:`assistant.Assistant`."""

    def ingest(self) -> Any: ...
    def retrieve(self, question: str, k: int | None = None) -> list[Any]: ...
    def ask(self, question: str, history: list[Any] | None = None) -> Any: ...
    def close(self) -> None: ...


BotFactory = Callable[[Any], Bot]
ProgressCallback = Callable[[str, int, int], None]  # (configuration, done, total)


def _literal_choices(field_name: str) -> tuple[str, ...]:
    from assistant.settings import Settings

    annotation = Settings.model_fields[field_name].annotation
    if typing.get_origin(annotation) is typing.Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    return ()


def engine_choices() -> tuple[str, ...]:
    """The engines ``Settings.llm`` accepts (a new engine added there is picked up here)."""
    return _literal_choices("llm")


def retriever_choices() -> tuple[str, ...]:
    return _literal_choices("retriever") or ("hybrid", "dense", "bm25")


def validate_engine(engine: str) -> str:
    choices = engine_choices()
    if choices and engine not in choices:
        raise EvalError(f"unknown engine {engine!r}; choose one of: {', '.join(choices)}")
    return engine


def validate_retriever(retriever: str) -> str:
    choices = retriever_choices()
    if retriever not in choices and retriever != FLOOR:
        raise EvalError(f"unknown retriever {retriever!r}; choose one of: {', '.join(choices)}")
    return retriever


@dataclass(frozen=True)
class EvalConfig:
    """One configuration to evaluate."""

    engine: str = "extractive"
    retriever: str = "hybrid"
    answer: bool = True  # False: retrieval metrics only (no engine call)
    baseline: bool = False  # run beside the configured one for comparison

    @property
    def name(self) -> str:
        if self.retriever == FLOOR:
            return FLOOR
        return f"{self.engine}/{self.retriever}" if self.answer else f"retrieval-only/{self.retriever}"


FLOOR_CONFIG = EvalConfig("extractive", FLOOR, answer=False, baseline=True)


def configurations(engine: str, retriever: str, *, baselines: bool, answer: bool = True,
                   floor: bool = False) -> list[EvalConfig]:
    """The configured one first, then (with ``baselines``) the other retriever modes, then
    (with ``floor``) the plain RRF floor (:mod:`evals.floor`)."""
    validate_engine(engine)
    validate_retriever(retriever)
    if retriever == FLOOR:
        raise EvalError("the floor is added with --floor, not chosen as --retriever")
    configs = [EvalConfig(engine, retriever, answer=answer)]
    if baselines:
        for mode in ("bm25", "dense", "hybrid"):
            if mode != retriever and mode in retriever_choices():
                configs.append(EvalConfig(engine, mode, answer=answer, baseline=True))
    if floor:
        configs.append(FLOOR_CONFIG)
    return configs


@dataclass
class CaseResult:
    """What one configuration did on one case."""

    config: str
    case_id: str
    question: str
    type: str
    lang: str
    answers: list[list[str]]
    sources: list[str]
    unanswerable: bool
    conversation: str | None = None
    turn: int = 0
    dataset: str = ""
    part: str = ""  # "tune" or "report" (evals.splits)
    standalone_question: str = ""
    search_query: str = ""  # what was searched and read (with its translation, if translated)
    # retrieval
    retrieved: list[dict[str, Any]] = field(default_factory=list)  # doc_id, chunk_id, score
    doc_rank: int | None = None
    passage_rank: int | None = None  # only when the case has evidence
    has_evidence: bool = False
    retrieve_seconds: float | None = None
    # answer
    answered: bool = False  # the engine was asked
    answer: str = ""
    raw_answer: str = ""  # what the engine wrote, before the citation check
    refusal_by: str = ""  # "gate" (weak evidence), "engine" (it declined) or "check" (unsupported)
    refused: bool | None = None
    short_answer: str = ""  # the text before the quote (metrics.short_answer); "" when refused
    answer_words: int | None = None  # words of short_answer, answers only (not refusals)
    evidence_score: float | None = None  # Answer.evidence.score: estimated P(answerable), if any
    evidence_sufficient: bool | None = None  # the evidence gate's verdict
    evidence_reason: str = ""
    correct: bool | None = None  # answerable cases only
    short_correct: bool | None = None  # the short answer alone (metrics.short_head) holds every gold group
    groups_matched: int = 0
    exact_match: float | None = None  # squad cases only, on the short answer
    f1: float | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    citation_correct: bool | None = None  # correct answers only
    citations_valid: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    engine: str = ""
    model: str = ""
    prompt_name: str = ""
    prompt_hash: str = ""
    notice: str = ""
    error: str | None = None
    # two phases: the quick (extractive) answer, and what became of the model's
    quick_answer: str = ""
    quick_refused: bool | None = None
    quick_correct: bool | None = None  # answerable cases only
    quick_short_correct: bool | None = None
    answered_by: str = ""  # "quick" or "model"
    model_used: bool | None = None  # None: no model was asked
    model_reason: str = ""  # why the model's answer was not used
    model_found: bool | None = None  # the model's own verdict on the evidence
    model_text: str = ""
    model_claims: list[dict[str, Any]] = field(default_factory=list)  # as written: text, sentences, passages
    model_evidence: list[dict[str, Any]] = field(default_factory=list)  # the numbered sentences it read
    model_timing: dict[str, Any] = field(default_factory=dict)  # see assistant.types.ModelTiming

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EvalRun:
    configs: list[EvalConfig]
    results: list[CaseResult]
    meta: dict[str, Any] = field(default_factory=dict)

    def for_config(self, name: str) -> list[CaseResult]:
        return [r for r in self.results if r.config == name]


# --- scoring one case ----------------------------------------------------------------------


def score_retrieval(result: CaseResult, case: Case, passages: Sequence[Any]) -> None:
    result.retrieved = [
        {"doc_id": p.doc_id, "chunk_id": p.chunk_id, "score": round(float(p.score), 6)} for p in passages
    ]
    if case.sources:
        result.doc_rank = metrics.first_hit_rank([p.doc_id for p in passages], case.sources)
    if case.evidence:
        result.has_evidence = True
        wanted = set(case.sources)
        texts = [p.text if not wanted or p.doc_id in wanted else "" for p in passages]
        result.passage_rank = metrics.passage_hit_rank(texts, case.evidence)


def score_answer(result: CaseResult, case: Case, answer: Any) -> None:
    result.answered = True
    result.answer = answer.text
    result.raw_answer = getattr(answer, "raw_text", "") or ""
    result.refused = bool(answer.refused)
    evidence = getattr(answer, "evidence", None)
    if evidence is not None:
        score = getattr(evidence, "score", None)
        result.evidence_score = float(score) if isinstance(score, int | float) else None
        sufficient = getattr(evidence, "sufficient", None)
        result.evidence_sufficient = bool(sufficient) if sufficient is not None else None
        result.evidence_reason = str(getattr(evidence, "reason", "") or "")
    if not result.refused:
        result.short_answer = metrics.short_answer(answer.text)
        result.answer_words = metrics.word_count(result.short_answer)
    if result.refused:
        by = getattr(getattr(answer, "refusal", None), "by", "")
        if evidence is not None and getattr(evidence, "sufficient", True) is False:
            result.refusal_by = "gate"
        elif by in ("engine", "check"):  # the answer says who refused
            result.refusal_by = by
        elif not result.raw_answer.strip():
            result.refusal_by = "engine"
        else:
            result.refusal_by = "check"
    result.standalone_question = getattr(answer, "standalone_question", "") or case.question
    result.search_query = getattr(answer, "search_query", "") or result.standalone_question
    result.timings = {k: round(float(v), 6) for k, v in (answer.timings or {}).items()}
    result.usage = dict(getattr(answer, "usage", {}) or {})
    result.engine = getattr(answer, "engine", "") or ""
    result.model = getattr(answer, "model", "") or ""
    result.prompt_name = getattr(answer, "prompt_name", "") or ""
    result.prompt_hash = getattr(answer, "prompt_hash", "") or ""
    result.notice = getattr(answer, "notice", "") or ""
    passage_ids = [p.chunk_id for p in getattr(answer, "passages", []) or []]
    sources = set(case.sources)
    for c in answer.citations:
        valid = metrics.citation_valid(c, answer.text, passage_ids)
        result.citations_valid += int(valid)
        result.citations.append({
            "index": c.index,
            "doc_id": c.doc_id,
            "chunk_id": getattr(c, "chunk_id", ""),
            "verified": getattr(c, "verified", None),
            "valid": valid,
            "in_sources": c.doc_id in sources if sources else None,
            "has_answer": any(metrics.group_matched(c.text, g) for g in case.answers) if case.answers else None,
        })
    result.quick_answer = getattr(answer, "quick", "") or ""
    result.quick_refused = getattr(answer, "quick_refused", None)
    result.answered_by = getattr(answer, "answered_by", "") or ""
    check = getattr(answer, "model_check", None)
    if check is not None:
        result.model_used = bool(check.used)
        result.model_reason = check.reason
        result.model_found = check.found
        result.model_text = check.model_text
        result.model_claims = [asdict(c) for c in check.claims]
        result.model_evidence = [asdict(e) for e in getattr(answer, "model_evidence", [])]
    timing = getattr(answer, "model_timing", None)
    if timing is not None:
        result.model_timing = timing.to_dict()
    if case.unanswerable:
        return
    if result.quick_refused is not None:
        result.quick_correct = not result.quick_refused and metrics.answer_correct(result.quick_answer, case.answers)
        result.quick_short_correct = not result.quick_refused and metrics.answer_correct(
            metrics.short_head(result.quick_answer), case.answers)
    text = "" if answer.refused else answer.text
    result.groups_matched = metrics.groups_matched(text, case.answers)
    result.correct = metrics.answer_correct(text, case.answers)
    result.short_correct = metrics.answer_correct(metrics.short_head(text), case.answers)
    if case.squad:
        golds = case.alternatives
        result.exact_match = metrics.exact_match(result.short_answer, golds)
        result.f1 = metrics.token_f1(result.short_answer, golds)
    if result.correct:
        result.citation_correct = metrics.citation_correct(answer.citations, case.answers, case.sources)


# --- running -------------------------------------------------------------------------------


def _default_factory(settings: Any) -> Bot:
    from assistant import Assistant

    return Assistant.from_settings(settings)


def base_settings(corpus: Path, store: Path, **overrides: Any) -> Any:
    """Settings for an eval run: the environment's, with the corpus, store and collection set."""
    from assistant.settings import Settings

    values: dict[str, Any] = {
        "corpus_dir": Path(corpus), "vectorstore_dir": Path(store), "collection": EVAL_COLLECTION,
    }
    values.update(overrides)
    return Settings(**values)


def _describe(bot: Any) -> dict[str, Any]:
    describe = getattr(bot, "describe", None)
    if callable(describe):
        try:
            from assistant.redact import mask_values

            return dict(mask_values(describe()))
        except Exception as exc:  # a report must not fail on a description
            log.warning("describe() failed: %s", exc)
    return {}


def _check_engine(config: EvalConfig, description: dict[str, Any], allow_fallback: bool) -> None:
    if not config.answer:
        return
    notice = description.get("notice") or ""
    actual = str(description.get("engine", ""))
    if config.engine == "auto" and "openai" in actual.lower() and not allow_fallback:
        raise EvalError(
            "--engine auto would answer with OpenAI (a paid API) because OPENAI_API_KEY/OPENAI_BASE_URL "
            "is set; pass --engine openai to do that on purpose, or --engine extractive"
        )
    if config.engine != "auto" and notice and not allow_fallback:
        raise EvalError(
            f"engine {config.engine!r} is not the one that would answer: {notice} "
            "Install it, pick another --engine, or pass --allow-fallback to score the fallback."
        )


def _ask_and_retrieve(bot: Bot, case: Case, config: EvalConfig, history: list[dict[str, str]],
                      result: CaseResult, queries: dict[str, str] | None = None) -> None:
    answer = None
    if config.answer:
        answer = bot.ask(case.question, history=list(history))
        score_answer(result, case, answer)
    # Follow-up turns are retrieved as the engine rewrote them (standalone question); a
    # retrieval-only configuration uses the rewrite of an answering one, when given.
    if answer is not None and case.turn > 0:
        query = result.standalone_question
    elif case.turn > 0 and queries and case.id in queries:
        query = result.standalone_question = queries[case.id]
    else:
        query = case.question
    result.standalone_question = result.standalone_question or case.question
    t = time.perf_counter()
    passages = bot.retrieve(query, k=RETRIEVAL_DEPTH)
    result.retrieve_seconds = time.perf_counter() - t
    score_retrieval(result, case, passages)


def _new_result(config: EvalConfig, case: Case) -> CaseResult:
    return CaseResult(
        config=config.name, case_id=case.id, question=case.question, type=case.type, lang=case.lang,
        answers=case.answers, sources=case.sources, unanswerable=case.unanswerable,
        conversation=case.conversation, turn=case.turn, dataset=case.dataset, part=case.part,
    )


def run_config(bot: Bot, cases: Sequence[Case], config: EvalConfig,
               progress: ProgressCallback | None = None,
               queries: dict[str, str] | None = None) -> list[CaseResult]:
    """Ask every case with one bot; conversation turns get the previous turns as history.
    ``queries``: case id -> the query a retrieval-only configuration retrieves a follow-up
    turn with (the standalone question of an answering configuration)."""
    results = []
    history: list[dict[str, str]] = []
    current: str | None = None
    for n, case in enumerate(cases, start=1):
        if case.conversation != current or case.turn == 0:
            history, current = [], case.conversation
        result = _new_result(config, case)
        try:
            _ask_and_retrieve(bot, case, config, history, result, queries)
        except Exception as exc:  # one failing case must not end the run; it is scored wrong
            log.exception("case %s failed under %s", case.id, config.name)
            result.error = f"{type(exc).__name__}: {exc}"
            if not case.unanswerable and config.answer:
                result.correct = False
        if case.conversation is not None:
            history.append({"role": "user", "content": case.question})
            history.append({"role": "assistant", "content": result.answer})
        results.append(result)
        if progress:
            progress(config.name, n, len(cases))
    return results


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    if path.is_file():
        h.update(path.read_bytes())
    return h.hexdigest()


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=False)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def project_version() -> str:
    try:
        from importlib.metadata import version

        return version("hoitin")
    except Exception:
        try:
            import assistant

            return str(getattr(assistant, "__version__", "unknown"))
        except Exception:
            return "unknown"


def _settings_dump(settings: Any) -> dict[str, Any]:
    from assistant.redact import mask_values

    try:
        data = settings.model_dump(mode="json")
    except AttributeError:
        return {}
    for key in list(data):
        if "api_key" in key.lower() or "secret" in key.lower() or "password" in key.lower():
            data[key] = "***" if data[key] else None
    return mask_values(data)  # credentials inside base URLs


@contextmanager
def _store_dir(store: Path | None) -> Iterator[Path]:
    if store is not None:
        store.mkdir(parents=True, exist_ok=True)
        yield store
        return
    with tempfile.TemporaryDirectory(prefix="hoitin-eval-store-") as tmp:
        yield Path(tmp)


def run_eval(
    cases: Sequence[Case],
    *,
    corpus: Path | str,
    configs: Sequence[EvalConfig],
    store: Path | None = None,
    settings_overrides: dict[str, Any] | None = None,
    bot_factory: BotFactory | None = None,
    progress: ProgressCallback | None = None,
    allow_fallback: bool = False,
    datasets: Sequence[Path | str] = (),
    ingest_progress: Callable[[IngestProgress], None] | None = None,
) -> EvalRun:
    """Index ``corpus`` once into ``store`` (a temporary folder when None; an existing store
    is brought in step with the corpus, embedding only what it lacks), then run every
    configuration over ``cases``. Returns the per-case results and the run's metadata.
    ``ingest_progress(progress)``: where the ingest is (files done of total), given to
    ``bot.ingest``."""
    if not cases:
        raise EvalError("no cases to run")
    if not configs:
        raise EvalError("no configurations to run")
    for config in configs:
        validate_engine(config.engine)
        validate_retriever(config.retriever)
    factory = bot_factory or _default_factory
    corpus = Path(corpus)
    started = datetime.now(UTC)
    meta: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "project_version": project_version(),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "corpus": str(corpus),
        "datasets": [{"path": str(p), "sha256": _sha256(Path(p))} for p in datasets],
        "cases": len(cases),
        "configs": {},
    }
    results: list[CaseResult] = []
    queries: dict[str, str] = {}  # follow-up turns as the first answering configuration rewrote them
    with _store_dir(store) as store_path:
        meta["store"] = str(store_path) if store is not None else "(temporary)"
        for n, config in enumerate(configs):
            overrides = dict(settings_overrides or {})
            overrides["llm"] = config.engine if config.answer else "extractive"
            if config.retriever != FLOOR:
                overrides["retriever"] = config.retriever
            settings = base_settings(corpus, store_path, **overrides)
            bot = factory(settings)
            if config.retriever == FLOOR:
                bot = FloorBot(bot)
            try:
                description = _describe(bot)
                _check_engine(config, description, allow_fallback)
                t = time.perf_counter()
                report = bot.ingest(progress=ingest_progress) if ingest_progress else bot.ingest()
                ingest_seconds = time.perf_counter() - t
                if n == 0:
                    meta["settings"] = _settings_dump(settings)
                    meta["ingest"] = _ingest_dump(report, ingest_seconds)
                    log.info("ingested %s: %s", corpus, meta["ingest"])
                t = time.perf_counter()
                config_results = run_config(bot, cases, config, progress, queries)
                wall = time.perf_counter() - t
            finally:
                bot.close()
            results.extend(config_results)
            if config.answer and not queries:
                queries = {r.case_id: r.standalone_question for r in config_results
                           if r.turn > 0 and r.standalone_question}
            meta["configs"][config.name] = {
                "engine": config.engine,
                "retriever": config.retriever,
                "answer": config.answer,
                "baseline": config.baseline,
                "description": description,
                "reingest_seconds": round(ingest_seconds, 3) if n else None,
                "wall_seconds": round(wall, 3),
                "engines_seen": sorted({r.engine for r in config_results if r.engine}),
                "models_seen": sorted({r.model for r in config_results if r.model}),
                "prompt_hashes": sorted({f"{r.prompt_name}:{r.prompt_hash}" if r.prompt_name else r.prompt_hash
                                         for r in config_results if r.prompt_hash}),
            }
    meta["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 3)
    return EvalRun(configs=list(configs), results=results, meta=meta)


def _ingest_dump(report: Any, seconds: float) -> dict[str, Any]:
    data: dict[str, Any] = {"seconds": round(seconds, 3)}
    for key in ("added", "updated", "removed", "unchanged", "chunks_added", "chunks_total", "skipped"):
        if hasattr(report, key):
            data[key] = getattr(report, key)
    return data
