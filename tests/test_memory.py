"""Bounded memory (issue 14: a server grew 425 -> 814 MB under load and never gave it back).

Every cache a long-lived server fills has a limit (:class:`assistant.lru.LRUCache`), the UI
keeps at most ``ASSISTANT_UI_MAX_SESSIONS`` sessions, and the benchmark
``tests/serve_memory.py`` — 3 rounds x 60 s of 20 concurrent clients on ``assistant serve``,
half of them opening new chat sessions all the time — must end within 20 % of the memory it
had after the first round (a memory bound, so it is asserted; times are only recorded).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from assistant import Assistant
from assistant.lru import LRUCache
from assistant.reader import Reader
from assistant.types import Passage


def test_lru_cache_keeps_the_most_recently_used() -> None:
    cache: LRUCache[str, int] = LRUCache(3)
    for i, key in enumerate("abc"):
        cache[key] = i
    assert cache["a"] == 0  # "a" is now the newest
    cache["d"] = 3
    assert "b" not in cache and {k for k in "acd" if k in cache} == set("acd") and len(cache) == 3
    assert cache.get("b") is None and cache.get("b", -1) == -1
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError):
        LRUCache(0)


def test_lru_cache_is_thread_safe() -> None:
    cache: LRUCache[int, int] = LRUCache(50)

    def work(offset: int) -> None:
        for i in range(2000):
            cache[offset + i % 200] = i
            cache.get(offset + (i * 7) % 200)

    threads = [threading.Thread(target=work, args=(n * 1000,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 50


def test_the_readers_sentence_cache_is_bounded(e5: Any) -> None:
    assert isinstance(Reader(e5)._cache, LRUCache) and Reader(e5)._cache.maxsize == Reader(e5).cache_size
    reader = Reader(e5, cache_size=6)
    passages = [Passage(chunk_id=str(i), doc_id=str(i), text=f"Câu thứ {i} nói về tỉnh Thanh Hóa và Nga năm {2000 + i}.")
                for i in range(10)]
    first = reader.read("Thanh Hóa hợp tác với Nga năm nào?", passages).sentences
    assert len(first) == 10 and len(reader._cache) == 6  # ten sentences seen (more than fit), six kept
    again = reader.read("Thanh Hóa hợp tác với Nga năm nào?", passages).sentences
    assert [(s.text, round(s.score, 6)) for s in first] == [(s.text, round(s.score, 6)) for s in again]


def test_ui_sessions_are_bounded(seed_bot: Assistant) -> None:
    import gradio as gr
    from fastapi import FastAPI

    from assistant.ui import build_app, page_options

    settings = seed_bot.settings.model_copy(update={"ui_max_sessions": 7})
    demo = build_app(seed_bot, settings)
    gr.mount_gradio_app(FastAPI(), demo, path="/", **page_options(settings))
    holder = demo.state_holder
    assert holder.capacity == 7
    for n in range(30):  # thirty browser tabs
        holder[f"session-{n}"]
    assert len(holder.session_data) == 7 and "session-29" in holder and "session-0" not in holder
    state = next(b for b in demo.blocks.values() if isinstance(b, gr.State))
    assert state.time_to_live and state.time_to_live < float("inf")


@pytest.mark.slow
@pytest.mark.server
def test_memory_stays_flat_under_a_long_bounded_load(seed_store: Path) -> None:
    from serve_memory import measure

    report = measure(rounds=3, seconds=60, clients=20, ui_share=0.5, idle=30, store=seed_store,
                     env={"ASSISTANT_UI_MAX_SESSIONS": "100"})
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "serve-memory.json").write_text(json.dumps(report, indent=1, ensure_ascii=False),
                                                              encoding="utf-8")
    rounds = report["rounds"]
    assert all(r["errors"] == 0 for r in rounds), [r["error_samples"] for r in rounds]
    assert sum(r["ui_sessions"] for r in rounds) > 100  # the session bound was reached
    assert report["server_tracebacks"] == 0
    first, last = rounds[0]["rss_mb_after"], rounds[-1]["rss_mb_after"]
    assert last <= 1.2 * first, report
