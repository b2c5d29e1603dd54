"""The browser chat: a Gradio 6 page over one shared :class:`~assistant.Assistant`.

    from assistant.ui import launch
    launch(Settings())                      # ingests the corpus, serves http://127.0.0.1:7860

or, inside another server (FastAPI)::

    import gradio as gr
    from assistant.ui import build_app, page_options
    gr.mount_gradio_app(api, build_app(bot, settings), path="/", **page_options(settings))

``assistant chat`` (see :mod:`assistant.cli`) is the command that starts it.

- :mod:`~assistant.ui.render`: HTML of answers, citation badges and source cards;
- :mod:`~assistant.ui.feedback`: the feedback log (JSON lines);
- :mod:`~assistant.ui.callbacks`: :class:`ChatUI`, the page's callbacks, browser-free;
- :mod:`~assistant.ui.app`: the Gradio Blocks page, its options and :func:`launch`;
- ``static/``: the page's CSS and script.

This package is the only part of ``assistant`` that imports gradio, and only inside
functions: importing it does not import gradio.
"""

from assistant.ui.app import build_app, launch, mount, page_options
from assistant.ui.callbacks import ChatUI, ReadWriteLock, make_filters, new_session
from assistant.ui.feedback import FeedbackLog
from assistant.ui.render import (
    highlight_quote,
    render_answer,
    render_markers,
    render_sources,
    source_section,
)

__all__ = [
    "ChatUI",
    "FeedbackLog",
    "ReadWriteLock",
    "build_app",
    "highlight_quote",
    "launch",
    "make_filters",
    "mount",
    "new_session",
    "page_options",
    "render_answer",
    "render_markers",
    "render_sources",
    "source_section",
]
