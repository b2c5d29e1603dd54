"""The ``assistant`` command: ingest, ask, chat, eval.

Errors come out as one plain line on stderr and a non-zero exit, never a traceback
(``ASSISTANT_DEBUG=1`` shows it).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.cleaning import clean_question
from assistant.errors import AssistantError
from assistant.files import write_text_atomic
from assistant.logs import setup_logging
from assistant.redact import mask_secrets
from assistant.settings import Settings

app = typer.Typer(
    name="assistant",
    help=(
        "hoitin — ask the news. Cited answers from a folder of Vietnamese news articles, "
        "offline by default.\n\n"
        "Examples:\n\n"
        "  assistant ingest corpus/\n\n"
        '  assistant ask "Ai là trưởng đoàn Thanh Hóa sang Nga?"\n\n'
        '  assistant ask "Who led the Thanh Hóa delegation to Russia?" --json\n\n'
        "  assistant chat --port 7860\n\n"
        "  assistant serve --port 8000    (the UI at /, the OpenAI-compatible API at /v1)\n\n"
        "Settings come from ASSISTANT_* environment variables (see the README)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()
log = logging.getLogger("assistant")


def _settings(**overrides: object) -> Settings:
    try:
        base = Settings()
        values = {k: v for k, v in overrides.items() if v is not None}
        return base.model_copy(update=values) if values else base
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        raise AssistantError(f"setting {field or '?'} is invalid: {first.get('msg')}") from exc


def _bot(settings: Settings):  # -> Assistant, imported late so --help is fast
    from assistant.assistant import Assistant

    return Assistant.from_settings(settings)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]indexing files"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[documents]} documents · {task.fields[chunks]} chunks written · "
                   "{task.fields[rate]:.1f} chunks/s"),
        TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    )


def ingest_with_progress(bot, path: Path | None = None, mirror: bool | None = None):  # type: ignore[no-untyped-def]
    with _progress() as bar:
        task = bar.add_task("ingest", total=None, documents=0, chunks=0, rate=0.0)

        def report(p) -> None:  # type: ignore[no-untyped-def]
            bar.update(task, completed=p.files_done, total=p.files_total or None, documents=p.documents,
                       chunks=p.chunks_written, rate=p.chunks_per_second)

        return bot.ingest(path, mirror=mirror, progress=report)


@app.command()
def ingest(
    path: Annotated[Path | None, typer.Argument(help="Folder (or file) of articles; default: ASSISTANT_CORPUS_DIR.")] = None,
    mirror: Annotated[bool | None, typer.Option(
        "--mirror/--no-mirror",
        help="Also remove indexed documents that are not in PATH. Default: on for the configured "
        "corpus folder (no PATH), off when PATH is given (add and update only).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Index articles (.txt, .md, .jsonl): new and changed ones are written, unchanged files cost
    a stat. One ingest at a time per index; questions are answered meanwhile.

    Articles with sentences that address an AI or instruct it are indexed with a warning:
    those sentences are left out of the index, never quoted or shown to a model.

    Examples: assistant ingest · assistant ingest new-article.md · assistant ingest archive/ --mirror
    """
    settings = _settings()
    with _bot(settings) as bot:
        result = ingest_with_progress(bot, path, mirror)
    if as_json:
        out.print_json(json.dumps(asdict(result), ensure_ascii=False))
        return
    for skipped in result.skipped_files:
        err.print(f"[yellow]skipped[/] {escape(str(skipped))}", highlight=False)
    for flagged in result.flagged:
        err.print(f"[yellow]warning[/] {escape(flagged.doc_id)}: {flagged.count} sentence(s) addressed to an AI "
                  f"({flagged.reason}; never quoted or shown to a model), e.g. “{escape(flagged.first[:160])}”",
                  highlight=False)
    out.print(result.summary())


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Vietnamese or English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (the final answer, the quick one, and what became of the model's).")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Only the quick (extractive) answer: do not wait for a model.")] = False,
    k: Annotated[int | None, typer.Option("-k", "--top-k", min=1, max=50, help="Passages to retrieve.")] = None,
    llm: Annotated[str | None, typer.Option("--llm", help="Answer engine: auto, extractive, local, openai.")] = None,
    no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Do not sync the corpus first.")] = False,
    session: Annotated[Path | None, typer.Option(
        help="A conversation file (JSON): earlier turns are read from it, so follow-up questions "
        "work across calls, and this turn is added to it.")] = None,
) -> None:
    """Answer a question with cited passages from the articles.

    The quick answer (the article's own sentence, cited) comes first; when a chat model is
    configured, its answer follows and is printed if it passes verification. --quick stops
    after the quick answer.

    Example: assistant ask "Kim ngạch xuất khẩu của Thanh Hóa sang Nga 9 tháng năm 2025?" --json

    Follow-ups: assistant ask "Ai dẫn đầu đoàn Thanh Hóa sang Nga?" --session s.json, then
    assistant ask "Ông ấy đã làm việc với vị Đại sứ nào?" --session s.json
    """
    settings = _settings(llm=llm)
    # bytes that are not UTF-8 (or an empty question) fail here, in one line, before any
    # work; the assistant cleans it again and its answer carries the notices
    clean_question(question, max_chars=settings.max_question_chars)
    history = _read_session(session) if session else []
    with _bot(settings) as bot:
        if not no_ingest and Path(settings.corpus_dir).exists():
            ingest_with_progress(bot)
        answer = bot.stream(question, history, k=k, quick=quick)
        if as_json:
            answer.finish()
            if session:
                _write_session(session, history, answer.question, answer.text)
            out.print_json(json.dumps(answer.to_dict(), ensure_ascii=False))
            return
        if sys.stdout.isatty():
            _print_events(answer)
        answer.finish()
        if not sys.stdout.isatty():
            out.print(answer.text, markup=False, highlight=False)
        for notice in answer.notices:
            err.print(notice, style="yellow", markup=False, highlight=False)
        for c in answer.citations:
            meta = ", ".join(x for x in (c.date, c.source) if x)
            out.print(f"\n[bold][{c.index}][/] {c.title}" + (f" ({meta})" if meta else ""), highlight=False)
            out.print(f"    {c.quote or c.text[:300]}", markup=False, highlight=False)
        timings = ", ".join(f"{k} {v:.2f}s" for k, v in answer.timings.items())
        err.print(f"[dim]{answer.engine} · {timings}[/]")
        if session:
            _write_session(session, history, answer.question, answer.text)


def _print_events(answer) -> None:  # type: ignore[no-untyped-def]
    """Print the quick answer as it comes, then the model's verified answer (or why not)."""
    shown = False
    for kind, text in answer.events():
        if kind == "quick" and text:
            out.print(text, end="", markup=False, highlight=False)
            shown = True
        elif kind == "working":
            if shown:
                out.print()
            err.print("[dim]the model is writing its answer…[/]")
        elif kind == "final":
            if shown:
                out.print("\n[bold]model answer:[/]" if answer.answered_by == "model" else "")
            out.print(text, markup=False, highlight=False)
            shown = False
        elif kind == "kept":
            err.print(f"the model's answer is not used: {text}", style="dim", markup=False, highlight=False)
    if shown:
        out.print()


def _read_session(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    try:
        turns = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AssistantError(f"cannot read the session file {path}: {exc}") from exc
    if not isinstance(turns, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
        for t in turns
    ):
        raise AssistantError(
            f"{path} is not a session file: expected a JSON list of "
            '{"role": "user" | "assistant", "content": "..."} turns'
        )
    return turns


def _write_session(path: Path, history: list[dict[str, str]], question: str, answer: str) -> None:
    turns = [*history, {"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    write_text_atomic(path, json.dumps(turns, ensure_ascii=False, indent=1))


AuthOption = Annotated[str | None, typer.Option(
    envvar="ASSISTANT_AUTH", show_envvar=True,
    help="Require a login, as user:password. Prefer ASSISTANT_AUTH or --auth-file: a command "
    "line is visible to every user of the machine (ps).")]
AuthFileOption = Annotated[Path | None, typer.Option(
    "--auth-file", help="Read user:password from the first line of this file (keep it mode 600).")]


@app.command()
def chat(
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes it to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    auth: AuthOption = None,
    auth_file: AuthFileOption = None,
) -> None:
    """Start the chat UI in the browser (Gradio).

    Example: ASSISTANT_AUTH=user:password assistant chat --port 7860
    """
    credentials = _login(auth, auth_file)
    from assistant.ui import launch

    if not os.environ.get("ASSISTANT_DEBUG"):  # a server says what it is doing: indexing, ready
        setup_logging(logging.WARNING, own_level=logging.INFO)
    launch(_settings(), host=host, port=port, auth=credentials)


def _login(auth: str | None, auth_file: Path | None = None) -> tuple[str, str] | None:
    """The login as a pair: from ``--auth-file``, else ``--auth`` / ``ASSISTANT_AUTH``
    (``user:password``); None when neither is given."""
    where = "--auth / ASSISTANT_AUTH"
    if auth_file is not None:
        try:
            lines = auth_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise AssistantError(f"cannot read the --auth-file {auth_file}: {exc}") from exc
        auth, where = (lines[0].strip() if lines else ""), f"the first line of {auth_file}"
        if not auth:
            raise AssistantError(f"{where} is empty; write user:password there")
    elif auth and _on_command_line("--auth"):
        log.warning("--auth on the command line is visible to other users of this machine "
                    "(ps); use ASSISTANT_AUTH or --auth-file instead")
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise AssistantError(f"{where} must look like user:password")
    return user, password


def _on_command_line(option: str) -> bool:
    return any(a == option or a.startswith(option + "=") for a in sys.argv[1:])


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes it to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    auth: AuthOption = None,
    auth_file: AuthFileOption = None,
    ui: Annotated[bool, typer.Option("--ui/--no-ui", help="Mount the chat UI at /.")] = True,
    no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Do not sync the corpus first.")] = False,
) -> None:
    """Serve the chat UI at / and the HTTP API at /v1 (OpenAI-compatible) in one process.

    Example: assistant serve --port 8000, then
    curl http://127.0.0.1:8000/v1/chat/completions -H 'Content-Type: application/json'
    -d '{"model": "hoitin", "messages": [{"role": "user", "content": "Ai dẫn đầu đoàn Thanh Hóa sang Nga?"}]}'

    ASSISTANT_API_KEY set: every /v1 request needs 'Authorization: Bearer <key>'.
    ASSISTANT_AUTH (user:password) or --auth-file: the UI at / needs a login.
    """
    from assistant.server import serve as run

    if not os.environ.get("ASSISTANT_DEBUG"):  # a server says what it is doing: indexing, ready
        setup_logging(logging.WARNING, own_level=logging.INFO)

    def ready(url: str) -> None:
        err.print(f"hoitin is serving {url} — the chat UI at {url}/, the API at {url}/v1 "
                  "(Ctrl-C stops)" if ui else f"hoitin is serving the API at {url}/v1 (Ctrl-C stops)",
                  markup=False, highlight=False)

    credentials = _login(auth, auth_file)
    run(_settings(), host=host, port=port, auth=credentials, ingest=not no_ingest, ui=ui, on_ready=ready)


def _register_plugins() -> None:
    """Add the commands of installed plugins: entry points in the ``hoitin.cli`` group, each
    a function taking the typer app (``assistant eval`` comes from ``evals`` this way)."""
    from importlib.metadata import entry_points

    for plugin in entry_points(group="hoitin.cli"):
        try:
            register = plugin.load()
        except ImportError as exc:  # declared but not installed
            log.debug("no %s commands: %s", plugin.name, exc)
            continue
        register(app)


def main() -> None:
    debug = bool(os.environ.get("ASSISTANT_DEBUG"))
    setup_logging(logging.DEBUG if debug else logging.WARNING)
    _register_plugins()
    try:
        app()
    except AssistantError as exc:
        if debug:
            raise
        err.print(f"error: {mask_secrets(str(exc))}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
