"""The Gradio Blocks page over :class:`~assistant.ui.callbacks.ChatUI`, and :func:`launch`.

gradio is imported inside the functions (after turning analytics off), never at import time.
Styles and the citation-badge script are files in ``static/``; Gradio 6 takes them when the
app is served (``launch`` or ``mount_gradio_app``), not when it is built, so
:func:`page_options` gives both the same page: theme, CSS, script and which paths are never
served.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.articles import UPLOAD_SUFFIXES
from assistant.assistant import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.ui.callbacks import DOCUMENT_HEADERS, ChatUI, new_session
from assistant.ui.feedback import RATINGS
from assistant.ui.render import render_engine, render_sources

if TYPE_CHECKING:  # gradio is imported lazily, see the module docstring
    import gradio as gr

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CSS_FILE = STATIC / "app.css"
JS_FILE = STATIC / "app.js"
EXAMPLES: tuple[str, ...] = (
    "Ai là trưởng đoàn Thanh Hóa sang Nga?",
    "Who led the Thanh Hóa delegation to Russia?",
    "Tập đoàn TH vận hành nhà máy sữa tại Kaluga từ khi nào?",
    "What did the Deputy Foreign Minister discuss in Thanh Hóa in July 2020?",
)
CHAT_CONCURRENCY = 2  # answers streamed at once; the rest wait in the queue
QUEUE_MAX_SIZE = 64
# Memory stays bounded however many people open the page: Gradio keeps a copy of the page's
# state for every browser session, so at most ASSISTANT_UI_MAX_SESSIONS of them are kept (the
# least recently used are forgotten first: a forgotten tab starts a new conversation), and a
# conversation untouched for SESSION_TTL seconds is dropped. Uploaded files are deleted from
# Gradio's cache after an hour.
SESSION_TTL = 3 * 3600
UPLOAD_CACHE = (3600, 3600)  # (every, older than) seconds


def page_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch()`` or ``gradio.mount_gradio_app()``.

    The theme, ``static/app.css`` and ``static/app.js`` (inlined in the page's head), the
    upload size limit, and the app's private folders (data, vector store) blocked from
    Gradio's file route; no extra path allowed, no MCP server, no monitoring, no PWA, no
    footer links, no server-side rendering (no Node process).
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    private = [str(Path(p).resolve()) for p in (settings.data_dir, settings.vectorstore_dir)]
    return {
        "theme": gr.themes.Soft(
            font=["system-ui", "Segoe UI", "Roboto", "sans-serif"],
            font_mono=["ui-monospace", "Consolas", "monospace"],
        ),
        "css_paths": [CSS_FILE],
        "head": f"<script>\n{JS_FILE.read_text(encoding='utf-8')}</script>\n",
        "show_error": False,
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "pwa": False,
        "footer_links": [],
        "allowed_paths": [],
        "blocked_paths": private,
        "max_file_size": max(settings.max_upload_bytes * 2, 1_000_000),
    }


def build_app(bot: Assistant, settings: Settings) -> gr.Blocks:
    """The Blocks app: a chat tab (filters, sources, feedback) and an articles tab."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    ui = ChatUI(bot, settings)
    info = bot.describe()
    with gr.Blocks(title="hoitin — hỏi tin", analytics_enabled=False, delete_cache=UPLOAD_CACHE) as demo:
        session = gr.State(new_session(), time_to_live=SESSION_TTL)
        gr.Markdown(
            "# hoitin · hỏi tin\nAsk the news articles, in Vietnamese or English — every answer "
            "cites its sources.",
            elem_id="app-title",
        )
        with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(
                        elem_id="chatbot",
                        label="Chat",
                        show_label=False,  # the tab says "Chat"; the badge floated over scrolled answers
                        height=520,
                        feedback_options=None,
                        buttons=["copy"],
                        placeholder="Ask about the articles, e.g. “Ai là trưởng đoàn Thanh Hóa sang Nga?”",
                        autoscroll=True,
                    )
                    with gr.Row(elem_id="ask-row"):
                        question = gr.Textbox(
                            elem_id="question",
                            show_label=False,
                            placeholder="Câu hỏi / your question…",
                            lines=1,
                            max_lines=4,
                            max_length=settings.max_question_chars,
                            scale=5,
                            autofocus=True,
                        )
                        ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                    gr.Examples(
                        examples=[[e] for e in EXAMPLES],
                        inputs=[question],
                        label="Examples",
                        elem_id="examples",
                    )
                    with gr.Row(elem_id="feedback-row"):
                        feedback_buttons = {
                            rating: gr.Button(
                                label, size="sm", elem_id=f"feedback-{rating.replace('_', '-')}"
                            )
                            for rating, label in RATINGS.items()
                        }
                        new_chat = gr.Button("New chat", size="sm", elem_id="new-chat")
                    feedback_status = gr.Markdown("", elem_id="feedback-status")
                    engine_info = gr.Markdown(render_engine(info), elem_id="engine-info")
                with gr.Column(scale=2, min_width=300):
                    with gr.Accordion("Sources", open=False, elem_id="sources-panel"):
                        sources_html = gr.HTML(
                            render_sources([]), elem_id="sources", js_on_load=None
                        )
                    with gr.Accordion("Filters", open=False, elem_id="filters-panel"):
                        doc_filter = gr.Dropdown(
                            choices=ui.article_choices(),
                            multiselect=True,
                            label="Articles",
                            elem_id="filter-articles",
                        )
                        source_filter = gr.Dropdown(
                            choices=ui.source_choices(),
                            multiselect=True,
                            label="Sources",
                            elem_id="filter-sources",
                        )
                        with gr.Row():
                            date_from = gr.Textbox(
                                label="From", placeholder="YYYY-MM-DD", elem_id="filter-from"
                            )
                            date_to = gr.Textbox(label="To", placeholder="YYYY-MM-DD", elem_id="filter-to")
        with gr.Tab("Articles", id="articles-tab", elem_id="articles-tab"):
            documents = gr.Dataframe(
                value=ui.document_rows(),
                headers=DOCUMENT_HEADERS,
                type="array",
                interactive=False,
                wrap=True,
                column_widths=["33%", "10%", "12%", "8%", "17%", "20%"],  # "Chunks" unbroken
                label="Indexed articles",
                elem_id="documents",
            )
            with gr.Row():
                with gr.Column():
                    upload = gr.File(
                        label=f"Upload a .txt or .md article (≤ {settings.max_upload_bytes:,} bytes)",
                        file_types=list(UPLOAD_SUFFIXES),
                        type="filepath",
                        elem_id="upload",
                    )
                    new_title = gr.Textbox(label="Title", elem_id="new-title")
                    with gr.Row():
                        new_date = gr.Textbox(label="Date", placeholder="YYYY-MM-DD", elem_id="new-date")
                        new_source = gr.Textbox(label="Source", placeholder="e.g. VnExpress", elem_id="new-source")
                with gr.Column():
                    pasted = gr.Textbox(
                        label="…or paste the article text", lines=10, elem_id="new-text"
                    )
            with gr.Row():
                add = gr.Button("Add article and re-index", variant="primary", elem_id="add-article")
                reindex = gr.Button("Re-index corpus folder", elem_id="reindex")
            ingest_status = gr.Markdown("", elem_id="ingest-status")
        with gr.Tab("Settings", id="settings-tab", elem_id="settings-tab"):
            gr.JSON(value=info, label="Engine and settings", elem_id="settings-json")
            gr.Markdown(
                f"Corpus: `{settings.corpus_dir}` · feedback: `{settings.feedback_path}` · "
                f"largest upload: {settings.max_upload_bytes:,} bytes"
            )

        chat_inputs = [question, session, doc_filter, source_filter, date_from, date_to]
        chat_outputs = [chatbot, sources_html, engine_info, question, session]
        for trigger in (question.submit, ask.click):
            trigger(
                ui.respond,
                inputs=chat_inputs,
                outputs=chat_outputs,
                concurrency_limit=CHAT_CONCURRENCY,
                concurrency_id="chat",
                show_progress="hidden",
                api_visibility="private",
            ).then(lambda: "", outputs=[feedback_status], api_visibility="private")
        for rating, button in feedback_buttons.items():
            button.click(
                _bind(ui.record_feedback, rating),
                inputs=[session],
                outputs=[feedback_status],
                api_visibility="private",
            )
        new_chat.click(
            ui.clear, outputs=[chatbot, sources_html, feedback_status, session], api_visibility="private"
        )

        def refreshed(status: str) -> tuple[str, list[list[Any]], Any, Any]:
            return (
                status,
                ui.document_rows(),
                gr.Dropdown(choices=ui.article_choices()),
                gr.Dropdown(choices=ui.source_choices()),
            )

        add.click(
            lambda f, p, t, d, s: refreshed(ui.add_article(f, p, t, d, s)),
            inputs=[upload, pasted, new_title, new_date, new_source],
            outputs=[ingest_status, documents, doc_filter, source_filter],
            concurrency_limit=1,
            concurrency_id="ingest",
            api_visibility="private",
        )
        reindex.click(
            lambda: refreshed(ui.reindex()),
            outputs=[ingest_status, documents, doc_filter, source_filter],
            concurrency_limit=1,
            concurrency_id="ingest",
            api_visibility="private",
        )
    demo.ui = ui  # type: ignore[attr-defined]  # for tests and launch
    demo.state_session_capacity = settings.ui_max_sessions  # launch() sets it; mount reads it
    return demo


def _warm_up(bot: Assistant) -> None:
    try:
        bot.engine.warm_up()  # type: ignore[attr-defined]
    except AssistantError as exc:
        log.warning("the %s engine did not start (%s); the quick answers stand alone", bot.engine.name, exc)


def _bind(fn: Any, rating: str) -> Any:
    def handler(session: dict[str, Any] | None) -> str:
        return fn(rating, session)

    handler.__name__ = f"feedback_{rating}"
    return handler


def mount(
    app: Any,
    bot: Assistant,
    settings: Settings,
    *,
    path: str = "/",
    auth: tuple[str, str] | None = None,
) -> gr.Blocks:
    """Mount the chat on a FastAPI ``app`` at ``path`` (``assistant serve``: one process for
    the UI and the HTTP API). The caller owns ``bot`` and runs the server."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    demo = build_app(bot, settings)
    demo.queue(default_concurrency_limit=CHAT_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    gr.mount_gradio_app(app, demo, path=path, auth=auth, **page_options(settings))
    return demo


def launch(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
) -> None:
    """Ingest the corpus, then serve the chat on ``http://host:port`` until interrupted."""
    started = time.perf_counter()
    bot = Assistant.from_settings(settings)
    try:
        log.info("indexing %s …", settings.corpus_dir)
        report = bot.ingest()
        log.info("index ready: %s", report.summary())
        for skipped in report.skipped:
            log.warning("skipped %s", skipped)
        warm_up = getattr(bot.engine, "warm_up", None)
        if callable(warm_up):  # start the local model now (in the background), not on the first question
            threading.Thread(target=_warm_up, args=(bot,), name="warm-up", daemon=True).start()
        demo = build_app(bot, settings)
        demo.queue(default_concurrency_limit=CHAT_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
        demo.launch(
            server_name=host,
            server_port=port,
            share=False,
            auth=auth,
            inbrowser=False,
            prevent_thread_lock=True,
            state_session_capacity=settings.ui_max_sessions,
            **page_options(settings),
        )
        log.info(
            "hoitin is ready at http://%s:%d (started in %.1f s)",
            host,
            port,
            time.perf_counter() - started,
        )
        demo.block_thread()
    finally:
        bot.close()
