"""Real generation: the local engine with the bundled 0.5B model (structured output, the
cached prompt prefix, timings from the server), and the openai engine against a real
llama.cpp OpenAI-compatible server started here (structured output found by trying the
formats, plain call, server down, wrong key)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from assistant.chat_engine import ChatEngine
from assistant.citations import check_answer
from assistant.claims import verify_claims
from assistant.condense import ChatCondenser
from assistant.engines import build_translator
from assistant.errors import AuthenticationError, ModelUnavailableError
from assistant.language import detect_language
from assistant.llama_server import LlamaServer, free_port, stop_shared_servers
from assistant.settings import Settings
from assistant.structured import render
from assistant.text import fold
from assistant.translation import ChatTranslator
from assistant.types import GenerationRequest, GenerationResult, Passage
from tests._llm import (
    LARGE,
    model_settings,
    needs_large_model,
    needs_llama,
    needs_small_model,
    small_model_path,
)

pytestmark = [pytest.mark.slow, pytest.mark.llm, pytest.mark.server, needs_llama, needs_small_model]

# Copied from ../shared/seeds/001_9d4aaab2d26252d3.txt and 000_060b34d39035a389.txt.
PASSAGES = [
    Passage(
        chunk_id="001-0",
        doc_id="001_9d4aaab2d26252d3",
        title="Bí thư Tỉnh ủy Nguyễn Doãn Anh làm việc với Đại sứ quán Việt Nam tại Liên bang Nga",
        date="2025-11-25",
        text=(
            "Trong khuôn khổ chuyến thăm và làm việc tại Liên bang Nga từ ngày 20/11, Đoàn đại "
            "biểu cấp cao tỉnh Thanh Hóa do đồng chí Nguyễn Doãn Anh, Ủy viên Trung ương Đảng, "
            "Bí thư Tỉnh ủy làm trưởng đoàn đã có buổi làm việc với Đại sứ quán Việt Nam tại "
            "Liên bang Nga.\n\nBí thư Tỉnh ủy Nguyễn Doãn Anh gặp mặt Đại sứ Đặc mệnh toàn quyền "
            "Việt Nam tại Liên bang Nga Đặng Minh Khôi."
        ),
    ),
    Passage(
        chunk_id="001-1",
        doc_id="001_9d4aaab2d26252d3",
        title="Bí thư Tỉnh ủy Nguyễn Doãn Anh làm việc với Đại sứ quán Việt Nam tại Liên bang Nga",
        date="2025-11-25",
        text=(
            "Vui mừng được đón tiếp đồng chí Bí thư Tỉnh ủy Nguyễn Doãn Anh và các thành viên "
            "trong đoàn công tác cấp cao tỉnh Thanh Hóa đến thăm và làm việc, Đại sứ Đặng Minh "
            "Khôi cho biết: Hiện nay, Việt Nam và Nga đang kỷ niệm 75 năm thiết lập quan hệ "
            "ngoại giao, 13 năm thiết lập quan hệ đối tác chiến lược toàn diện."
        ),
    ),
    Passage(
        chunk_id="000-3",
        doc_id="000_060b34d39035a389",
        title="Đoàn công tác cấp cao tỉnh Thanh Hóa làm việc với Liên hiệp các tổ chức người "
        "Việt Nam và Hiệp hội các nhà doanh nghiệp Việt Nam tại Liên bang Nga",
        date="2025-11-25",
        text=(
            "Hiện chưa có nhà đầu tư nào của Liên bang Nga đầu tư trực tiếp trên địa bàn tỉnh "
            "Thanh Hóa; kim ngạch xuất khẩu sang thị trường Nga 9 tháng năm 2025 mới đạt 6,25 "
            "triệu USD, bằng 0,12% tổng kim ngạch xuất khẩu của tỉnh."
        ),
    ),
]


def request(question: str, language: str) -> GenerationRequest:
    return GenerationRequest(
        question=question,
        standalone_question=question,
        passages=PASSAGES,
        history=[],
        language=language,  # type: ignore[arg-type]
    )


def answer_with(engine: ChatEngine, question: str, language: str) -> tuple[str, GenerationResult]:
    result = GenerationResult()
    text = "".join(engine.stream(request(question, language), result))
    return text, result


# --- the local engine ----------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _stop_servers() -> Iterator[None]:
    yield
    stop_shared_servers()


@pytest.fixture(scope="module")
def local_engine(tmp_path_factory: pytest.TempPathFactory) -> ChatEngine:
    return ChatEngine.local(model_settings(tmp_path_factory, llm="local", max_answer_tokens=160))


def assert_verified_answer(engine: ChatEngine, question: str, language: str, model: str) -> GenerationResult:
    text, result = answer_with(engine, question, language)
    assert result.engine == "local" and result.model == model
    assert result.output_format == "json_object"  # llama-cpp-python's schema-constrained JSON
    assert result.prompt_hash and result.usage.get("completion_tokens", 0) > 0
    assert not result.refused, text
    assert "nguyen doan anh" in fold(text), text
    verdict = verify_claims(result.claims or [], result.evidence, PASSAGES, question=question)
    assert verdict.passed, (text, verdict)
    checked = check_answer(render(verdict.claims), PASSAGES, language=language)
    assert checked.supported and checked.citations and all(c.verified for c in checked.citations), checked
    assert re.search(r"\[\d\]", checked.text), checked.text
    timing = result.timing
    assert timing is not None and timing.source == "server log" and timing.threads
    assert timing.prompt_tokens and timing.completion_tokens and timing.decode_seconds
    return result


def test_local_engine_answers_in_vietnamese_with_verified_citations(
    local_engine: ChatEngine,
) -> None:
    question = "Ai là trưởng đoàn đại biểu cấp cao tỉnh Thanh Hóa sang Liên bang Nga?"
    assert_verified_answer(local_engine, question, "vi", "qwen2.5-coder-0.5b")
    # the next question reuses the instructions the server already holds in its KV cache
    _, second = answer_with(local_engine, "Đại sứ Việt Nam tại Liên bang Nga là ai?", "vi")
    assert second.timing is not None and second.timing.cached_tokens >= 300, second.timing


@needs_large_model
def test_local_engine_answers_in_english_with_verified_citations(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The 0.5B model answers NO_ANSWER to English questions over these Vietnamese passages
    # (measured); the default 1.5B model answers them.
    settings = model_settings(tmp_path_factory, LARGE, llm="local", max_answer_tokens=160)
    engine = ChatEngine.local(settings)
    question = "Who led the Thanh Hóa delegation to Russia?"
    assert_verified_answer(engine, question, "en", "qwen2.5-coder-1.5b")


@needs_large_model
def test_the_local_model_translates_an_english_question(tmp_path_factory: pytest.TempPathFactory) -> None:
    # ASSISTANT_TRANSLATE_QUESTIONS with the extractive engine: the bundled model translates
    # (its own server, closed with the translator). Its translations are measured in the
    # README ("Query translation"): they cost accuracy there, hence off by default.
    settings = model_settings(tmp_path_factory, LARGE, llm="extractive", translate_questions=True)
    translator, notice = build_translator(settings, object())
    assert isinstance(translator, ChatTranslator) and translator.owns_client and notice == ""
    try:
        out = translator.translate("Who led the Thanh Hóa delegation to Russia?")
    finally:
        translator.close()
    assert detect_language(out) == "vi" and "thanh hoa" in fold(out), out
    assert translator.client.server is None  # closed with the translator


def test_local_engine_condenses_a_follow_up(local_engine: ChatEngine) -> None:
    history = [
        {"role": "user", "content": "Ai dẫn đầu đoàn công tác tỉnh Thanh Hóa sang Nga?"},
        {"role": "assistant", "content": "Bí thư Tỉnh ủy Nguyễn Doãn Anh dẫn đầu đoàn [1]."},
    ]
    out = ChatCondenser(local_engine.client).condense("Ông ấy đã làm việc với vị Đại sứ nào?", history)
    assert "nguyen doan anh" in fold(out), out


# --- the openai engine against a real llama.cpp server ----------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with LlamaServer(small_model_path(tmp_path_factory), api_key="secret", n_threads=2) as srv:
        yield srv


def openai_engine(base_url: str, key: str | None, **overrides: object) -> ChatEngine:
    settings = Settings(
        llm="openai",
        openai_base_url=base_url,
        openai_api_key=key,
        openai_model="local",
        max_answer_tokens=160,
        request_timeout=120,
        **overrides,  # type: ignore[arg-type]
    )
    return ChatEngine.openai(settings)


def test_openai_engine_finds_the_structured_format_the_server_takes(server: LlamaServer) -> None:
    engine = openai_engine(server.base_url, "secret")
    question = "Ai là trưởng đoàn đại biểu cấp cao tỉnh Thanh Hóa sang Liên bang Nga?"
    text, result = answer_with(engine, question, "vi")
    assert result.engine == "openai" and result.model == "local"
    # llama-cpp-python rejects OpenAI's json_schema (422, or 500 naming response_format) and takes its own json_object + schema
    assert result.output_format == "json_object" and engine.output_format == "json_object"
    assert "nguyen doan anh" in fold(text), text
    assert result.usage.get("completion_tokens", 0) > 0
    assert result.timing is not None and result.timing.source == "client"  # over HTTP only
    assert check_answer(text, PASSAGES, language="vi").supported


def test_openai_engine_plain_call(server: LlamaServer) -> None:
    engine = openai_engine(server.base_url, "secret")
    reply = engine.chat_model.invoke("Reply with the single word: ready")
    assert "ready" in str(reply.content).lower()
    assert reply.usage_metadata and reply.usage_metadata["output_tokens"] > 0


def test_openai_engine_wrong_key(server: LlamaServer) -> None:
    engine = openai_engine(server.base_url, "wrong-key")
    with pytest.raises(AuthenticationError, match=r"rejected the API key; set OPENAI_API_KEY"):
        list(engine.stream(request("Ai dẫn đầu đoàn?", "vi"), GenerationResult()))


def test_openai_engine_server_down() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    engine = openai_engine(url, "secret", max_retries=1)
    with pytest.raises(ModelUnavailableError, match=url):
        list(engine.stream(request("Ai dẫn đầu đoàn?", "vi"), GenerationResult()))
