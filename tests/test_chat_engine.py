"""The chat engine and the chat condenser with a scripted chat model, and their HTTP error
paths against a tiny fake OpenAI-compatible server (a real HTTP server in a thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from assistant.chat_engine import ChatEngine
from assistant.citations import check_answer
from assistant.condense import ChatCondenser
from assistant.engines import build_engine
from assistant.errors import AuthenticationError, ConfigError, ModelError, ModelUnavailableError
from assistant.llama_server import free_port
from assistant.settings import Settings
from assistant.structured import REFUSAL_TOKEN
from assistant.testing import ScriptedChatModel
from assistant.types import GenerationRequest, GenerationResult, Passage

PASSAGES = [
    Passage(
        chunk_id="001-0",
        doc_id="001",
        title="Bí thư Tỉnh ủy Nguyễn Doãn Anh làm việc với Đại sứ quán Việt Nam tại Liên bang Nga",
        date="2025-11-25",
        text="Đoàn đại biểu cấp cao tỉnh Thanh Hóa do đồng chí Nguyễn Doãn Anh làm trưởng đoàn "
        "đã có buổi làm việc với Đại sứ quán Việt Nam tại Liên bang Nga.",
    ),
    Passage(
        chunk_id="000-3",
        doc_id="000",
        title="Đoàn công tác cấp cao tỉnh Thanh Hóa làm việc với Liên hiệp các tổ chức người Việt",
        date="2025-11-25",
        text="Kim ngạch xuất khẩu sang thị trường Nga 9 tháng năm 2025 mới đạt 6,25 triệu USD.",
    ),
]


def request(
    question: str = "Ai dẫn đầu đoàn Thanh Hóa?", language: str = "vi"
) -> GenerationRequest:
    return GenerationRequest(
        question=question,
        standalone_question=question,
        passages=PASSAGES,
        history=[],
        language=language,  # type: ignore[arg-type]
    )


def engine_with(*outputs: object) -> tuple[ChatEngine, ScriptedChatModel]:
    model = ScriptedChatModel(chunk_size=3).enqueue(list(outputs))  # type: ignore[arg-type]
    return ChatEngine(model, name="scripted", model="scripted-1"), model


def reply(*claims: tuple[list[int], str], found: bool = True) -> str:
    return json.dumps({"found": found, "claims": [{"sentences": s, "text": t} for s, t in claims]},
                      ensure_ascii=False)


def test_stream_asks_for_a_structured_answer_and_records_its_claims() -> None:
    engine, _ = engine_with(reply(([1], "Đoàn do ông Nguyễn Doãn Anh dẫn đầu."), ([2], "Kim ngạch đạt 6,25 triệu USD.")))
    result = GenerationResult()
    text = "".join(engine.stream(request(), result))
    # the claims, rendered with the markers of the passages their sentences come from
    assert text == "Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1]. Kim ngạch đạt 6,25 triệu USD [2]."
    assert [(c.sentences, c.text) for c in result.claims or []] == [
        ([1], "Đoàn do ông Nguyễn Doãn Anh dẫn đầu."), ([2], "Kim ngạch đạt 6,25 triệu USD.")]
    assert [(e.number, e.passage) for e in result.evidence] == [(1, 1), (2, 2)]
    assert result.engine == "scripted" and result.model == "scripted-1"
    assert result.prompt_name == "structured_system+structured_answer" and len(result.prompt_hash) == 12
    assert result.output_format == "json_schema" and not result.refused
    timing = result.timing
    assert timing is not None and timing.source == "client" and timing.prompt_tokens and timing.completion_tokens
    assert timing.seconds >= (timing.first_piece_seconds or 0) >= 0
    assert result.usage["completion_tokens"] == timing.completion_tokens
    assert check_answer(text, PASSAGES).verification.ok


def test_the_instructions_are_a_fixed_prefix_and_the_evidence_is_numbered_sentences() -> None:
    engine, model = engine_with(reply(([1], "a")), reply(([1], "b")))
    list(engine.stream(request("Who led the delegation?", language="en"), GenerationResult()))
    quoted = GenerationRequest("Kim ngạch?", "Kim ngạch?", PASSAGES, [], "vi", quotes={2: PASSAGES[1].text})
    list(engine.stream(quoted, GenerationResult()))
    (system_en, user_en), (system_vi, user_vi) = model.history
    assert system_en.content == system_vi.content  # the same text for every question: cached
    assert "JSON" in str(system_en.content)
    text = str(user_en.content)
    assert text.index("# Bí thư Tỉnh ủy Nguyễn Doãn Anh") < text.index("(2025-11-25)") < text.index("[1] Đoàn")
    assert text.index("[1]") < text.index("[2] Kim ngạch") < text.index("Question: Who led the delegation?")
    assert text.rstrip().endswith("Answer in English.")
    assert str(user_vi.content).rstrip().endswith("Answer in Vietnamese (tiếng Việt).")


def test_the_quick_answers_sentence_is_always_in_the_evidence() -> None:
    long = Passage(chunk_id="9", doc_id="9", title="T", date="2025-01-01",
                   text=" ".join(f"Câu số {i} nói về việc khác của tỉnh." for i in range(40)))
    quote = "Câu số 37 nói về việc khác của tỉnh."
    engine = ChatEngine(ScriptedChatModel(), name="s", model="m", evidence_tokens=40)
    req = GenerationRequest("q", "q", [long], [], "vi", quotes={1: quote})
    evidence = engine.evidence(req)
    assert quote in [e.text for e in evidence] and len(evidence) < 10


def test_the_short_form_is_one_claim() -> None:
    engine, _ = engine_with(json.dumps({"found": True, "answer": "Nguyễn Doãn Anh", "sentences": [1]}, ensure_ascii=False))
    result = GenerationResult()
    assert "".join(engine.stream(request(), result)) == "Nguyễn Doãn Anh [1]."
    assert [(c.text, c.sentences) for c in result.claims or []] == [("Nguyễn Doãn Anh", [1])]


def test_a_plain_text_reply_with_markers_is_read_as_claims() -> None:
    engine, _ = engine_with("Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1]. Kim ngạch đạt 6,25 triệu USD. [2]")
    result = GenerationResult()
    text = "".join(engine.stream(request(), result))
    assert [c.sentences for c in result.claims or []] == [[1], [2]]
    assert text == "Đoàn do ông Nguyễn Doãn Anh dẫn đầu [1]. Kim ngạch đạt 6,25 triệu USD [2]."


@pytest.mark.parametrize(
    "answer", [reply(found=False), "```json\n" + reply(found=False) + "\n```", REFUSAL_TOKEN, "NO ANSWER."]
)
def test_a_model_that_finds_no_answer_refuses(answer: str) -> None:
    engine, _ = engine_with(answer)
    result = GenerationResult()
    assert "".join(engine.stream(request(), result)) == ""
    assert result.refused is True


def test_no_passages_is_a_refusal_without_a_model_call() -> None:
    engine, model = engine_with()
    result = GenerationResult()
    empty = GenerationRequest("q", "q", [], [], "vi")
    assert list(engine.stream(empty, result)) == []
    assert result.refused and model.history == []


def test_the_conversation_goes_to_the_model_with_the_users_own_question() -> None:
    engine, model = engine_with(reply(([1], "x")))
    history = [{"role": "user", "content": "Ai dẫn đầu đoàn Thanh Hóa?"},
               {"role": "assistant", "content": "Ông Nguyễn Doãn Anh [1]."}]
    follow = GenerationRequest("Ông ấy làm việc với ai?", "Ông Nguyễn Doãn Anh làm việc với ai?", PASSAGES,
                               history, "vi")  # type: ignore[arg-type]
    list(engine.stream(follow, GenerationResult()))
    text = str(model.history[0][1].content)
    assert "User: Ai dẫn đầu đoàn Thanh Hóa?" in text and "Assistant: Ông Nguyễn Doãn Anh." in text
    assert "Question: Ông ấy làm việc với ai?" in text


def test_condense_uses_history_and_returns_one_line() -> None:
    engine, model = engine_with(
        "Ông Nguyễn Doãn Anh đã làm việc với vị Đại sứ nào?\n(giải thích thêm)"
    )
    history = [
        {"role": "user", "content": "Ai dẫn đầu đoàn Thanh Hóa sang Nga?"},
        {"role": "assistant", "content": "Ông Nguyễn Doãn Anh dẫn đầu đoàn [1]."},
    ]
    out = ChatCondenser(engine.client).condense("Ông ấy đã làm việc với vị Đại sứ nào?", history)
    assert out == "Ông Nguyễn Doãn Anh đã làm việc với vị Đại sứ nào?"
    prompt = model.prompts[0]
    assert "Ông Nguyễn Doãn Anh dẫn đầu đoàn." in prompt  # markers stripped from history
    assert "Follow-up question: Ông ấy đã làm việc với vị Đại sứ nào?" in prompt


def test_condense_without_history_makes_no_call() -> None:
    engine, model = engine_with()
    assert ChatCondenser(engine.client).condense("Ai dẫn đầu?", []) == "Ai dẫn đầu?"
    assert model.history == []


HISTORY = [
    {"role": "user", "content": "Ai dẫn đầu đoàn công tác tỉnh Thanh Hóa sang Nga?"},
    {"role": "assistant", "content": "Bí thư Tỉnh ủy Nguyễn Doãn Anh dẫn đầu đoàn [1]."},
]


@pytest.mark.parametrize(
    "reply",
    [
        "   ",
        "Ai dẫn đầu đoàn công tác tỉnh Thanh Hóa sang Nga?",  # the previous question repeated
        "What did the delegation do in Russia?",  # a different question
        "Nguyễn Doãn Anh đã làm việc với Đại sứ Russian.",  # a statement: it no longer asks
    ],
)
def test_condense_falls_back_to_the_entity_heuristic(reply: str) -> None:
    engine, _ = engine_with(reply)
    out = ChatCondenser(engine.client).condense("Ông ấy đã làm việc với vị Đại sứ nào?", HISTORY)
    assert "Nguyễn Doãn Anh" in out
    assert "Đại sứ nào" in out


def test_unknown_errors_propagate_as_they_are() -> None:
    # a bug (ours or a library's) is not a model failure: no ModelError, traceback kept
    engine, _ = engine_with(RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom") as caught:
        list(engine.stream(request(), GenerationResult()))
    assert not isinstance(caught.value, ModelError)
    condenser, _ = engine_with(TypeError("a bug"))
    with pytest.raises(TypeError, match="a bug"):
        ChatCondenser(condenser.client).condense("Ông ấy là ai?", HISTORY)


def test_known_errors_become_model_errors() -> None:
    import httpx
    import openai

    engine, _ = engine_with(openai.APITimeoutError(request=httpx.Request("POST", "http://x/v1")))
    with pytest.raises(ModelUnavailableError, match="did not answer in time"):
        list(engine.stream(request(), GenerationResult()))
    engine, _ = engine_with(httpx.RemoteProtocolError("peer closed connection"))
    with pytest.raises(ModelUnavailableError, match="cannot reach"):
        list(engine.stream(request(), GenerationResult()))


def test_lazy_factory_called_once_across_threads() -> None:
    calls = []
    model = ScriptedChatModel().enqueue([reply(([1], "a"))] * 4)

    def factory() -> ScriptedChatModel:
        calls.append(1)
        return model

    engine = ChatEngine(factory, name="lazy", model="m")
    threads = [
        threading.Thread(target=lambda: list(engine.stream(request(), GenerationResult())))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1]
    assert len(model.history) == 4


# --- engine selection -----------------------------------------------------------------------


class Fallback:
    name = "extractive"

    def stream(self, request: GenerationRequest, result: GenerationResult) -> Iterator[str]:
        yield ""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_build_engine_extractive(clean_env: None) -> None:
    fallback = Fallback()
    assert build_engine(Settings(llm="extractive"), fallback=fallback) == (fallback, "")


def test_build_engine_openai_needs_a_key_or_url(clean_env: None) -> None:
    with pytest.raises(ConfigError, match=r"OPENAI_API_KEY.*OPENAI_BASE_URL"):
        build_engine(Settings(llm="openai"), fallback=Fallback())


def test_build_engine_openai_with_base_url(clean_env: None) -> None:
    engine, notice = build_engine(
        Settings(llm="openai", openai_base_url="http://127.0.0.1:9/v1", openai_model="local"),
        fallback=Fallback(),
    )
    assert isinstance(engine, ChatEngine) and engine.name == "openai" and notice == ""
    assert engine.base_url == "http://127.0.0.1:9/v1"


def test_build_engine_auto_prefers_openai(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    engine, notice = build_engine(Settings(llm="auto"), fallback=Fallback())
    assert engine.name == "openai" and notice == ""


def test_build_engine_local_missing_model_falls_back(clean_env: None, tmp_path) -> None:
    settings = Settings(llm="local", local_model=str(tmp_path / "missing.gguf"), data_dir=tmp_path)
    fallback = Fallback()
    engine, notice = build_engine(settings, fallback=fallback)
    assert engine is fallback
    assert "extractive" in notice and ("missing.gguf" in notice or "llama-cpp-python" in notice)


def test_build_engine_auto_without_openai_is_extractive_even_with_a_local_model(
    clean_env: None, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The measured default (README, "Answer engines"): the bundled models answer worse than
    the extractive engine, so auto does not pick one, installed or not; no notice."""
    import assistant.engines as engines

    for installed in (False, True):
        monkeypatch.setattr(engines, "local_unavailable_reason", lambda s, i=installed: None if i else "no model")
        settings = Settings(llm="auto", local_model=str(tmp_path / "none.gguf"), data_dir=tmp_path)
        engine, notice = build_engine(settings, fallback=Fallback())
        assert engine.name == "extractive" and notice == ""
    engine, _ = build_engine(Settings(llm="local", data_dir=tmp_path), fallback=Fallback())
    assert isinstance(engine, ChatEngine) and engine.name == "local"  # one setting away


# --- HTTP error paths against a fake OpenAI-compatible server -------------------------------


class FakeOpenAI(BaseHTTPRequestHandler):
    """Scripted status codes, then a streamed or plain chat completion."""

    script: ClassVar[list[int]] = []
    calls: ClassVar[list[dict]] = []
    timings: ClassVar[dict | None] = None

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append({"body": body, "auth": self.headers.get("Authorization")})
        status = type(self).script.pop(0) if type(self).script else 200
        if status != 200:
            payload = json.dumps({"error": {"message": f"status {status}", "type": "x"}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if status == 429:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(payload)
            return
        words = ["Ông ", "Nguyễn ", "Doãn ", "Anh ", "[1]."]
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for w in words:
                chunk = {
                    "id": "c",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": body["model"],
                    "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            usage = {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [],
                "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55},
            }
            if type(self).timings:  # llama.cpp's llama-server sends its own measurements
                usage["timings"] = type(self).timings
            self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
            return
        payload = json.dumps(
            {
                "id": "c",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(words)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def fake_server() -> Iterator[str]:
    FakeOpenAI.script = []
    FakeOpenAI.calls = []
    FakeOpenAI.timings = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def openai_engine(url: str, **overrides: object) -> ChatEngine:
    settings = Settings(
        llm="openai",
        openai_base_url=url,
        openai_api_key="sk-test",
        openai_model="fake-model",
        request_timeout=5,
        **overrides,  # type: ignore[arg-type]
    )
    return ChatEngine.openai(settings)


def test_http_stream_records_usage(fake_server: str) -> None:
    result = GenerationResult()
    text = "".join(openai_engine(fake_server).stream(request(), result))
    assert text == "Ông Nguyễn Doãn Anh [1]."  # a server that ignores the schema: plain text
    assert result.usage == {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55}
    assert result.timing is not None and result.timing.source == "client"
    call = FakeOpenAI.calls[0]
    assert call["auth"] == "Bearer sk-test"
    assert call["body"]["model"] == "fake-model"
    assert call["body"]["max_tokens"] == 120  # compatible servers read max_tokens
    assert call["body"]["stream_options"] == {"include_usage": True}
    rf = call["body"]["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["schema"]["required"] == ["found", "answer", "sentences"]


def test_http_timings_a_llama_cpp_server_sends_are_kept(fake_server: str) -> None:
    FakeOpenAI.timings = {"prompt_n": 120, "prompt_ms": 900.0, "predicted_n": 5, "predicted_ms": 250.0, "cache_n": 400}
    result = GenerationResult()
    list(openai_engine(fake_server).stream(request(), result))
    timing = result.timing
    assert timing is not None and timing.source == "server"
    assert (timing.prompt_tokens, timing.cached_tokens, timing.completion_tokens) == (520, 400, 5)
    assert (timing.prefill_seconds, timing.decode_seconds) == (0.9, 0.25)


def test_http_a_server_that_rejects_a_format_gets_the_next_one(fake_server: str) -> None:
    FakeOpenAI.script = [400, 422]  # json_schema rejected, then json_object
    engine = openai_engine(fake_server)
    result = GenerationResult()
    assert "".join(engine.stream(request(), result)) == "Ông Nguyễn Doãn Anh [1]."
    formats = [(c["body"].get("response_format") or {}).get("type") for c in FakeOpenAI.calls]
    assert formats == ["json_schema", "json_object", None]
    assert result.output_format == "text" and engine.output_format == "text"  # remembered
    list(engine.stream(request(), GenerationResult()))
    assert len(FakeOpenAI.calls) == 4


@pytest.mark.parametrize("status", [429, 500, 503])
def test_http_retries_then_succeeds(fake_server: str, status: int) -> None:
    FakeOpenAI.script = [status, status]
    text = "".join(openai_engine(fake_server, max_retries=2).stream(request(), GenerationResult()))
    assert text == "Ông Nguyễn Doãn Anh [1]."
    assert len(FakeOpenAI.calls) == 3


def test_http_gives_up_after_retries(fake_server: str) -> None:
    FakeOpenAI.script = [503, 503, 503]
    with pytest.raises(ModelUnavailableError, match="503"):  # the assistant answers around it
        list(openai_engine(fake_server, max_retries=1).stream(request(), GenerationResult()))
    assert len(FakeOpenAI.calls) == 2


@pytest.mark.parametrize("status", [400, 403, 422])
def test_http_rejected_request_is_a_model_error_not_unavailable(fake_server: str, status: int) -> None:
    FakeOpenAI.script = [status] * 3  # every output format rejected
    with pytest.raises(ModelError, match=str(status)) as caught:
        list(openai_engine(fake_server).stream(request(), GenerationResult()))
    assert not isinstance(caught.value, ModelUnavailableError | AuthenticationError)


def test_http_401_is_authentication_error(fake_server: str) -> None:
    FakeOpenAI.script = [401]
    with pytest.raises(AuthenticationError, match=f"{fake_server}.*OPENAI_API_KEY"):
        list(openai_engine(fake_server).stream(request(), GenerationResult()))
    assert len(FakeOpenAI.calls) == 1  # no retry on 401


def test_http_404_names_the_model(fake_server: str) -> None:
    FakeOpenAI.script = [404]
    with pytest.raises(ModelUnavailableError, match="fake-model"):
        list(openai_engine(fake_server).stream(request(), GenerationResult()))


def test_connection_refused_is_model_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ModelUnavailableError, match=url):
        list(openai_engine(url, max_retries=0).stream(request(), GenerationResult()))


def test_http_condense(fake_server: str) -> None:
    # the fake server always replies "Ông Nguyễn Doãn Anh [1]." — a statement, so the
    # follow-up here is one too (a question must stay a question)
    condenser = ChatCondenser(openai_engine(fake_server).client)
    out = condenser.condense("Ông Anh", [{"role": "user", "content": "x"}])
    assert out == "Ông Nguyễn Doãn Anh [1]."
    assert FakeOpenAI.calls[0]["body"].get("stream") in (None, False)


def test_lazy_model_is_rebuilt_after_the_server_went_away() -> None:
    import openai

    models = [
        ScriptedChatModel().enqueue([openai.APIConnectionError(request=None)]),  # type: ignore[arg-type]
        ScriptedChatModel().enqueue([reply(([1], "Ông Nguyễn Doãn Anh."))]),
    ]
    engine = ChatEngine(lambda: models.pop(0), name="local", model="m", base_url="http://x/v1")
    with pytest.raises(ModelUnavailableError, match="http://x/v1"):
        list(engine.stream(request(), GenerationResult()))
    assert "".join(engine.stream(request(), GenerationResult())) == "Ông Nguyễn Doãn Anh [1]."


def test_local_engine_starts_its_server_with_the_thread_setting(
    clean_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    import assistant.llama_server as llama_server
    import assistant.local_models as local_models

    started: list[dict] = []
    released: list[int] = []

    class Server:
        base_url, alias, api_key, n_threads = "http://127.0.0.1:9/v1", "local", None, 1

    class Lease:
        server, released = Server(), False

        def release(self) -> None:
            released.append(1)

    def fake_lease(path, **options):
        started.append({"path": path, **options})
        return Lease()

    monkeypatch.setattr(local_models, "resolve_local_model", lambda settings: tmp_path / "m.gguf")
    monkeypatch.setattr(llama_server, "lease_shared_server", fake_lease)
    engine = ChatEngine.local(Settings(local_threads=1))
    assert started == []  # nothing starts before the first question
    engine.warm_up()
    assert started == [{"path": tmp_path / "m.gguf", "n_threads": 1}]
    assert engine.base_url == "http://127.0.0.1:9/v1"
    assert engine.output_format == "json_object"  # llama-cpp-python's response_format
    engine.close()
    assert released == [1]  # closing gives the server back
