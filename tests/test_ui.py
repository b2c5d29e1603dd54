"""The UI callbacks without a browser: a real Assistant (deterministic fake embeddings,
extractive engine) over a temporary copy of the seed corpus."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant, AssistantError, Citation, Filters, Settings, StoreError
from assistant.articles import corpus_target, safe_stem
from assistant.evidence import EvidenceGate
from assistant.testing import FakeEmbeddings
from assistant.types import AnswerEvent
from assistant.ui import (
    ChatUI,
    FeedbackLog,
    ReadWriteLock,
    highlight_quote,
    make_filters,
    new_session,
    render_answer,
    render_markers,
    render_sources,
    source_section,
)

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Ai dẫn đầu đoàn công tác Thanh Hóa sang Nga?"


def make_bot(tmp: Path, **overrides: Any) -> tuple[Assistant, Settings]:
    corpus = tmp / "corpus"
    if not corpus.exists():
        shutil.copytree(ROOT / "corpus", corpus)
    settings = Settings(
        corpus_dir=corpus,
        vectorstore_dir=tmp / "vectorstore",
        data_dir=tmp / "data",
        llm="extractive",
        **overrides,
    )
    bot = Assistant.from_settings(settings, embeddings=FakeEmbeddings())
    # Fake embeddings have no meaningful similarity: keep the term-coverage check only, so
    # on-topic questions get (extractive) answers and the UI has citations to render.
    bot.gate = EvidenceGate(threshold=0.0)
    bot.ingest()
    return bot, settings


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Assistant, Settings]]:
    bot, settings = make_bot(tmp_path_factory.mktemp("ui"))
    yield bot, settings
    bot.close()


@pytest.fixture
def ui(shared: tuple[Assistant, Settings], tmp_path: Path) -> ChatUI:
    bot, settings = shared
    # every test gets its own feedback file
    return ChatUI(bot, settings.model_copy(update={"data_dir": tmp_path / "data"}))


@pytest.fixture
def own(tmp_path: Path) -> Iterator[ChatUI]:
    """A UI over its own corpus copy, for tests that add articles."""
    bot, settings = make_bot(tmp_path, max_upload_bytes=5000)
    yield ChatUI(bot, settings)
    bot.close()


def ask(ui: ChatUI, question: str, session: dict[str, Any] | None = None, **filters: Any) -> tuple[list[tuple], dict[str, Any]]:
    session = session if session is not None else new_session()
    # snapshots: the callback updates the shown messages in place between yields
    steps = [copy.deepcopy(tuple(step)) for step in ui.respond(question, session, **filters)]
    return steps, session


def badges(html: str) -> list[str]:
    return re.findall(r'<a class="cite" href="#(src-\d+-\d+)"', html)


# --- rendering -------------------------------------------------------------------------------


def citation(index: int, **kw: Any) -> Citation:
    base = dict(
        doc_id=f"doc{index}",
        title=f"Title {index}",
        date="2025-11-25",
        url="",
        text="Câu một. Đoàn do ông A dẫn đầu. Câu ba.",
        source="Báo X",
        quote="Đoàn do ông A dẫn đầu.",
    )
    base.update(kw)
    return Citation(index=index, **base)  # type: ignore[arg-type]


def test_markers_become_badges_linking_to_source_cards() -> None:
    html = render_markers("Ông A dẫn đầu [1]. Còn B [2, 3].", [citation(1), citation(2), citation(3)], turn=4)
    assert badges(html) == ["src-4-1", "src-4-2", "src-4-3"]
    assert 'title="Title 1"' in html
    assert "[1]" not in html
    # no space before a badge; punctuation moves before it so no line starts with "."
    assert 'dẫn <span class="cite-glue">đầu.<sup' in html and '<span class="cite-glue">B.<sup' in html
    assert render_markers("Nga [2].” Tiếp [1][2]", [citation(1), citation(2)]).count("<sup") == 3
    assert 'Nga.”<sup class="cite-sup">' in render_markers("Nga [2].”", [citation(2)])


def test_markers_escape_text_and_skip_unknown_passages() -> None:
    html = render_markers("<script>x</script> bad [7] good [1]", [citation(1)])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "[7]" in html and badges(html) == ["src-0-1"]


def test_streaming_render_links_every_marker_and_shows_a_cursor() -> None:
    html = render_answer("Đang viết [2]", streaming=True, turn=1)
    assert badges(html) == ["src-1-2"] and "cursor" in html and "streaming" in html


def test_refusal_is_rendered_distinctly() -> None:
    html = render_answer("Các bài báo không có.", refused=True, language="vi")
    assert 'class="answer refusal"' in html and "Không có trong các bài báo" in html
    assert render_answer("No.", refused=True, language="en").count("Not in the articles") == 1
    assert "refusal" not in render_answer("Có [1].", [citation(1)])


def test_quote_is_highlighted_in_the_passage() -> None:
    assert highlight_quote("Một. Hai ba. Bốn.", "Hai ba.") == 'Một. <mark class="quote">Hai ba.</mark> Bốn.'
    # spacing differences are tolerated
    assert '<mark class="quote">Hai\n  ba.</mark>' in highlight_quote("Một. Hai\n  ba. Bốn.", "Hai ba.")
    # a quote not in the passage is still shown, marked, above the passage
    assert highlight_quote("<b>x</b>", "khác").startswith('<mark class="quote">khác</mark>')
    assert "<b>" not in highlight_quote("<b>x</b>", "")


def test_sources_panel_keeps_earlier_answers_folded() -> None:
    first = source_section([citation(1)], turn=1, question="Q1")
    second = source_section([], turn=2, question="Q2 <b>")
    html = render_sources([first, second])
    assert html.index("Q2 &lt;b&gt;") < html.index("Q1")  # newest first
    assert '<details class="sources-turn" id="turn-2" open>' in html
    assert '<details class="sources-turn" id="turn-1">' in html
    assert 'id="src-1-1"' in html and "Title 1" in html and "2025-11-25 · Báo X" in html
    assert "not found in the articles" in html
    assert "Looking for sources" in render_sources([first], pending="Q3")


# --- chat with a real assistant --------------------------------------------------------------


def test_answer_streams_with_badges_sources_and_engine(ui: ChatUI) -> None:
    steps, session = ask(ui, QUESTION)
    assert len(steps) >= 2
    first_display = steps[0][0]
    assert first_display[0]["role"] == "user" and QUESTION in first_display[0]["content"]
    chat, sources_html, engine_md, textbox, _ = steps[-1]
    assert textbox == ""
    answer = chat[-1]["content"]
    assert chat[-1]["role"] == "assistant" and "streaming" not in answer
    last = session["last"]
    assert last and not last["refused"], answer
    links = badges(answer)
    assert links and all(link.startswith("src-1-") for link in links)
    # every badge leads to a card in the sources panel, with the article's title and date
    for link in links:
        assert f'id="{link}"' in sources_html
    titles = {d.title: d.date for d in ui.bot.documents()}
    for c in last["citations"]:
        assert c["title"] in titles and c["date"] == titles[c["title"]]
        assert c["title"].split()[0] in sources_html and c["date"] in sources_html
    marks = re.findall(r'<mark class="quote">(.*?)</mark>', sources_html, re.S)
    assert marks and all(m.strip() for m in marks)
    assert "**Engine:** extractive" in engine_md and "total" in engine_md


def test_the_quick_answer_shows_while_the_model_works_then_the_models_answer_replaces_it(
    own: ChatUI,
) -> None:
    import json as _json

    from assistant.chat_client import ChatClient
    from assistant.chat_engine import ChatEngine
    from assistant.people import person_names
    from assistant.testing import ScriptedChatModel

    def reply(messages: list[Any]) -> str:  # a model that quotes its first evidence sentence naming someone
        number, text = next((n, t) for n, t in re.findall(r"^\[(\d+)\] (.*)$", str(messages[-1].content), re.M)
                            if person_names(t))
        return _json.dumps({"found": True, "claims": [{"sentences": [int(number)], "text": text}]},
                           ensure_ascii=False)

    own.bot.engine = ChatEngine(ChatClient(ScriptedChatModel(handler=reply), base_url="http://scripted/v1"),
                                name="local", model="scripted")
    # the long wording: with these fake vectors the short one's passages name only the 2020
    # delegation's leader, and an answer about that visit (to Thanh Hóa, not to Russia) is
    # rightly not used (assistant.judge: the cited passages never name "Nga")
    steps, session = ask(own, "Ai dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga?")
    shown = [step[0][-1]["content"] for step in steps]
    working = [i for i, html in enumerate(shown) if "model-working" in html]
    assert working, shown
    quick = shown[working[0]]
    assert "streaming" in quick and badges(quick)  # the quick answer, complete, its badges linked
    assert "src-1-" in steps[working[0]][1]  # and its sources in the panel already
    final = shown[-1]
    assert "model-working" not in final and "streaming" not in final and 'class="answer model"' in final
    assert badges(final)
    last = session["last"]
    assert last["answered_by"] == "model" and last["engine"] == "local" and last["quick"]
    assert session["turns"][-1]["content"] == last["answer"]  # the model's answer is the turn's
    assert "Model answer:** verified" in steps[-1][2]


def test_follow_up_sends_the_previous_turns_as_plain_history(ui: ChatUI, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[dict[str, str]]] = []
    real_stream = ui.bot.stream

    def spy(question: str, history: Any = None, **kw: Any) -> Any:
        seen.append(list(history or []))
        return real_stream(question, history, **kw)

    monkeypatch.setattr(ui.bot, "stream", spy)
    _, session = ask(ui, QUESTION)
    first_answer = session["last"]["answer"]
    ask(ui, "Ông ấy đã làm việc với vị Đại sứ nào?", session)
    assert seen[0] == []
    assert seen[1] == [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first_answer},
    ]
    assert "<" not in seen[1][1]["content"]  # the model never sees the rendered HTML
    assert len(session["display"]) == 4 and session["turn"] == 2


def test_filters_reach_retrieval_and_an_empty_selection_refuses(ui: ChatUI, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Filters | None] = []
    real_stream = ui.bot.stream

    def spy(question: str, history: Any = None, **kw: Any) -> Any:
        seen.append(kw.get("filters"))
        return real_stream(question, history, **kw)

    monkeypatch.setattr(ui.bot, "stream", spy)
    steps, session = ask(ui, QUESTION, date_from="2099-01-01")
    assert seen[-1] == Filters(date_from="2099-01-01")
    answer = steps[-1][0][-1]["content"]
    assert "refusal" in answer and not badges(answer)
    assert session["last"]["refused"] is True
    assert "no sources" in steps[-1][1]

    doc = ui.bot.documents()[0]
    ask(ui, QUESTION, doc_ids=[doc.doc_id], sources=["TTV"], date_to="2030-12-31")
    assert seen[-1] == Filters(doc_ids=(doc.doc_id,), sources=("TTV",), date_to="2030-12-31")
    ask(ui, QUESTION)
    assert seen[-1] is None


def test_bad_date_filter_is_a_friendly_message(ui: ChatUI) -> None:
    steps, session = ask(ui, QUESTION, date_from="25/11/2025")
    answer = steps[-1][0][-1]["content"]
    assert "error-msg" in answer and "YYYY-MM-DD" in answer
    assert session["turns"] == [] and session["last"] is None
    with pytest.raises(AssistantError):
        make_filters(None, None, "2025-12-01", "2025-01-01")


def test_errors_become_friendly_messages_and_the_next_question_works(ui: ChatUI, monkeypatch: pytest.MonkeyPatch) -> None:
    real_stream = ui.bot.stream

    def broken(*a: Any, **kw: Any) -> Any:
        raise RuntimeError("internal detail /secret/path")

    monkeypatch.setattr(ui.bot, "stream", broken)
    steps, session = ask(ui, QUESTION)
    answer = steps[-1][0][-1]["content"]
    assert "error-msg" in answer and "went wrong" in answer
    assert "secret" not in answer and "Traceback" not in answer

    def store_down(*a: Any, **kw: Any) -> Any:
        raise StoreError("the Chroma server at 127.0.0.1:8000 is not answering; start it with 'chroma run'")

    monkeypatch.setattr(ui.bot, "stream", store_down)
    steps, session = ask(ui, QUESTION, session)
    assert "chroma run" in steps[-1][0][-1]["content"]

    monkeypatch.setattr(ui.bot, "stream", real_stream)
    steps, session = ask(ui, QUESTION, session)
    assert badges(steps[-1][0][-1]["content"])
    assert len(session["turns"]) == 2  # failed turns are not sent as history


def test_error_while_streaming_replaces_the_partial_answer(ui: ChatUI, monkeypatch: pytest.MonkeyPatch) -> None:
    class Breaking:
        quick, quick_citations = "", []

        def events(self) -> Iterator[AnswerEvent]:
            yield AnswerEvent("quick", "Một phần [1]")
            raise ValueError("boom")

    monkeypatch.setattr(ui.bot, "stream", lambda *a, **kw: Breaking())
    steps, _ = ask(ui, QUESTION)
    assert any("Một" in s[0][-1]["content"] and badges(s[0][-1]["content"]) for s in steps)
    assert "error-msg" in steps[-1][0][-1]["content"] and "Một" not in steps[-1][0][-1]["content"]


def test_empty_question_changes_nothing(ui: ChatUI) -> None:
    steps, session = ask(ui, "   ")
    assert len(steps) == 1 and steps[0][0] == [] and session["turn"] == 0


# --- feedback --------------------------------------------------------------------------------


def test_feedback_appends_a_json_line(ui: ChatUI) -> None:
    _, session = ask(ui, QUESTION)
    status = ui.record_feedback("wrong_citation", session)
    assert "recorded" in status
    ui.record_feedback("helpful", session)
    lines = ui.settings.feedback_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert record["rating"] == "wrong_citation" and json.loads(lines[1])["rating"] == "helpful"
    assert record["question"] == QUESTION
    assert record["answer"] == session["last"]["answer"] and record["answer"]
    assert record["citations"] and {"index", "title", "date", "text", "quote"} <= set(record["citations"][0])
    assert record["settings"] == json.loads(json.dumps(ui.bot.describe()))
    assert re.match(r"\d{4}-\d\d-\d\dT", record["time"])


def test_feedback_without_an_answer_writes_nothing(ui: ChatUI) -> None:
    assert "Ask a question first" in ui.record_feedback("wrong", new_session())
    assert not ui.settings.feedback_path.exists()
    with pytest.raises(ValueError):
        ui.record_feedback("meh", new_session())


def test_feedback_log_is_thread_safe(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "deep" / "dir" / "feedback.jsonl")
    text = "Nguyễn Doãn Anh " * 400  # long lines interleave without a lock

    def write(n: int) -> None:
        for i in range(25):
            log.append({"writer": n, "i": i, "text": text})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = log.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200
    assert {(r["writer"], r["i"]) for r in map(json.loads, lines)} == {(n, i) for n in range(8) for i in range(25)}


def test_read_write_lock_keeps_ingest_apart_from_answers() -> None:
    lock = ReadWriteLock()
    events: list[str] = []
    with lock.reading():
        writer = threading.Thread(target=lambda: lock.writing().__enter__() or events.append("write"))
        writer.start()
        writer.join(0.2)
        assert events == [] and writer.is_alive()  # waits for the reader
        events.append("read done")
    writer.join(2)
    assert events == ["read done", "write"]


# --- adding articles -------------------------------------------------------------------------


ARTICLE = (
    "Sáng 3/12, Ủy ban nhân dân tỉnh Quảng Trị tổ chức hội nghị về chuyển đổi số.\n"
    "Hội nghị thống nhất xây dựng trung tâm dữ liệu của tỉnh trong năm 2026.\n"
)


def test_pasted_article_is_added_and_indexed(own: ChatUI) -> None:
    before = {p.name for p in Path(own.settings.corpus_dir).iterdir()}
    status = own.add_article(None, ARTICLE, "Quảng Trị họp về chuyển đổi số", "2025-12-03", "Báo Quảng Trị")
    assert "Added **quang-tri-hop-ve-chuyen-doi-so.md**" in status and "1 added" in status
    added = {p.name for p in Path(own.settings.corpus_dir).iterdir()} - before
    assert added == {"quang-tri-hop-ve-chuyen-doi-so.md"}
    rows = own.document_rows()
    assert ["Quảng Trị họp về chuyển đổi số", "2025-12-03", "Báo Quảng Trị"] in [r[:3] for r in rows]
    assert "Báo Quảng Trị" in own.source_choices()
    assert any(v == "quang-tri-hop-ve-chuyen-doi-so" for _, v in own.article_choices())
    # the same title again gets a new file, never overwriting
    assert "quang-tri-hop-ve-chuyen-doi-so-2.md" in own.add_article(None, ARTICLE, "Quảng Trị họp về chuyển đổi số")


def test_uploaded_file_is_added(own: ChatUI, tmp_path: Path) -> None:
    upload = tmp_path / "upload" / "Bài mới.txt"
    upload.parent.mkdir()
    upload.write_text("Quảng Trị họp về chuyển đổi số\n" + ARTICLE, encoding="utf-8")
    status = own.add_article(str(upload), "", "")
    assert "bai-moi.txt" in status and "1 added" in status
    assert (Path(own.settings.corpus_dir) / "bai-moi.txt").read_text(encoding="utf-8").startswith("Quảng Trị")


def test_oversized_upload_is_rejected_with_a_clear_message(own: ChatUI, tmp_path: Path) -> None:
    before = sorted(Path(own.settings.corpus_dir).iterdir())
    big = tmp_path / "big.txt"
    big.write_text("Tiêu đề\n" + "a" * 6000, encoding="utf-8")
    status = own.add_article(str(big), "", "")
    assert "Not added" in status and "5,000 bytes" in status and "big.txt" in status
    status = own.add_article(None, "ạ" * 3000, "Quá dài")  # 9,000 bytes of UTF-8
    assert "Not added" in status and "5,000 bytes" in status
    assert sorted(Path(own.settings.corpus_dir).iterdir()) == before


def test_non_utf8_and_wrong_types_are_rejected(own: ChatUI, tmp_path: Path) -> None:
    before = sorted(Path(own.settings.corpus_dir).iterdir())
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Café\nrésumé du journal, été".encode("latin-1"))
    assert "not UTF-8" in own.add_article(str(latin), "", "")
    script = tmp_path / "evil.py"
    script.write_text("print('hi')\n")
    assert "only .txt and .md" in own.add_article(str(script), "", "")
    assert "title" in own.add_article(None, ARTICLE, "  ")
    assert "Choose a .txt/.md file" in own.add_article(None, "", "")
    assert sorted(Path(own.settings.corpus_dir).iterdir()) == before


def test_names_never_leave_the_corpus_folder(own: ChatUI, tmp_path: Path) -> None:
    corpus = Path(own.settings.corpus_dir).resolve()
    for name in ("../../evil", "/etc/passwd", "..\\..\\x", "....//", "~root/.bashrc", "\x00", ""):
        target = corpus_target(corpus, name, ".md")
        assert target.parent == corpus and re.fullmatch(r"[a-z0-9-]+\.md", target.name)
    with pytest.raises(AssistantError):
        corpus_target(corpus, "x", ".sh")
    assert safe_stem("Đoàn công tác Thanh Hóa") == "doan-cong-tac-thanh-hoa"
    status = own.add_article(None, ARTICLE, "../../outside")
    assert "Added" in status
    assert not (tmp_path / "outside.md").exists() and not (corpus.parent / "outside.md").exists()
    assert (corpus / "outside.md").exists()
    # a traversal in an uploaded file's name is neutralised too
    sneaky = tmp_path / "up" / "..%2F..%2Fsneaky.md"
    sneaky.parent.mkdir()
    sneaky.write_text("Tiêu đề\n" + ARTICLE, encoding="utf-8")
    assert "Added" in own.add_article(str(sneaky), "", "")
    assert [p.name for p in corpus.iterdir() if "sneaky" in p.name] == ["2f-2fsneaky.md"]


def test_reindex_reports_the_summary(own: ChatUI) -> None:
    assert "0 added" in own.reindex() and "5 unchanged" in own.reindex()


# --- the app -----------------------------------------------------------------------------------


def test_build_app_has_the_elements_the_browser_test_uses(shared: tuple[Assistant, Settings]) -> None:
    from assistant.ui import build_app

    demo = build_app(*shared)
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    for elem_id in ("chatbot", "question", "ask", "sources-panel", "sources", "feedback-helpful",
                    "feedback-wrong", "feedback-wrong-citation", "filter-articles", "documents",
                    "upload", "engine-info"):
        assert elem_id in ids, elem_id
    assert demo.analytics_enabled is False


def test_page_options_give_a_mounted_app_the_styles_script_and_blocked_paths(
    shared: tuple[Assistant, Settings],
) -> None:
    """The HTTP server mounts the page with gr.mount_gradio_app: the CSS and the badge script
    are files in the package, and must reach the page there as they do with launch()."""
    import gradio as gr
    from fastapi import FastAPI
    from starlette.testclient import TestClient

    from assistant.ui import build_app, page_options

    bot, settings = shared
    static = ROOT / "assistant" / "ui" / "static"
    css, js = (static / "app.css").read_text(encoding="utf-8"), (static / "app.js").read_text(encoding="utf-8")
    private = Path(settings.data_dir) / "private.txt"
    private.parent.mkdir(parents=True, exist_ok=True)
    private.write_text("not for the web", encoding="utf-8")
    api = FastAPI()
    gr.mount_gradio_app(api, build_app(bot, settings), path="/chat", **page_options(settings))
    with TestClient(api) as client:
        config = client.get("/chat/config").json()
        assert ".cite-glue { white-space: nowrap; }" in config["css"] and css.strip() in config["css"]
        assert config["head"].count("<script>") == 1 and js.strip() in config["head"]
        page = client.get("/chat/")
        assert page.status_code == 200 and "a.cite" in page.text and "cite-glue" in page.text
        assert client.get("/chat/gradio_api/file=" + str(private.resolve())).status_code in (403, 404)


def test_importing_the_ui_module_does_not_import_gradio() -> None:
    code = "import sys, assistant.ui; assert 'gradio' not in sys.modules, 'gradio imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_example_questions_are_answered_over_the_seed_articles(seed_bot) -> None:
    # what a new user clicks first: each example gets a cited answer, and the first one (the
    # README's) names the delegation's head in its short answer
    from assistant.ui.app import EXAMPLES

    for question in EXAMPLES:
        answer = seed_bot.ask(question)
        assert not answer.refused and answer.citations, (question, answer.text)
    assert seed_bot.ask(EXAMPLES[0]).text.startswith("Nguyễn Doãn Anh — ")
