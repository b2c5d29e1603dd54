"""The phrase that answers a what/which question (assistant.phrases), on sentences of my own."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import assistant.phrases as phrases
from assistant.extractive import ExtractiveEngine
from assistant.linear import LinearModel, load_model
from assistant.phrases import (
    MAX_WORDS,
    PHRASE_FEATURES,
    Clause,
    answer_phrase,
    asks_phrase,
    clauses,
    phrase_rows,
    usable,
)
from assistant.questions import analyse
from assistant.reader import Reading, ScoredSentence
from assistant.types import GenerationRequest, GenerationResult, Passage

BRIDGE = ("Năm 2031, sau ba năm xây dựng, hội đồng thành phố Lạc Hà đã đặt tên cho cây cầu mới là cầu Hoa Mai, "
          "vì loài hoa ấy nở khắp vùng.")
BRIDGE_Q = "Hội đồng thành phố Lạc Hà đã đặt tên gì cho cây cầu mới?"
AIRPORT = "Theo thống kê năm 2030, Sân bay quốc tế Hoa Sen là nơi bận rộn nhất vùng, trước sân bay Cát Bi."
AIRPORT_Q = "Sân bay nào là nơi bận rộn nhất vùng?"


def _texts(question: str, sentence: str) -> list[str]:
    return [c.text for c in phrase_rows(question, sentence)[0]]


def test_a_sentence_is_cut_at_punctuation_and_before_a_word_that_opens_a_clause() -> None:
    cut = [" ".join(t.text for t in toks) for toks, _ in clauses(BRIDGE)]
    assert cut == ["Năm 2031", "sau ba năm xây dựng",
                   "hội đồng thành phố Lạc Hà đã đặt tên cho cây cầu mới là cầu Hoa Mai", "vì loài hoa ấy nở khắp vùng"]
    # words are matched with their marks: "vị" (unit) opens nothing, "vì" (because) does
    assert len(clauses("Hội đồng đặt tên cho đơn vị đo mới là lạc.")) == 1
    # a clock time and a score are one token each, not cut at their colon or dash
    assert [[t.text for t in toks] for toks, _ in clauses("Trận đấu còn 3:08 khi tỷ số là 24-10.")] == [
        ["Trận", "đấu", "còn", "3:08"], ["khi", "tỷ", "số", "là", "24-10"]]
    # what stands in brackets or quotes says so
    assert [bracketed for _, bracketed in clauses("Cầu Hoa Mai (tiếng Anh: Apricot Bridge) dài 2 km.")] == [
        False, True, True, False]


def test_each_clause_sheds_the_question_s_words_at_its_edges_but_keeps_the_noun_asked_about() -> None:
    assert _texts(BRIDGE_Q, BRIDGE) == ["Năm 2031", "ba năm xây dựng", "Hoa Mai", "loài hoa ấy nở khắp vùng"]
    # "Sân bay nào …?": the airport's name keeps its head noun, the question's other words go
    assert _texts(AIRPORT_Q, AIRPORT) == ["thống kê năm 2030", "Sân bay quốc tế Hoa Sen", "sân bay Cát Bi"]
    # a question typed without its marks sheds the same words
    assert _texts("San bay nao la noi ban ron nhat vung?", AIRPORT) == _texts(AIRPORT_Q, AIRPORT)


def test_a_preposition_that_ends_its_clause_is_a_word_s_second_syllable_and_stays() -> None:
    # "nước ngoài" (foreign), "tồn tại" (to exist), "bên trong" (inside): nothing follows the
    # preposition, so it joins nothing; it used to be shed ("nhà đầu tư nước", "tồn")
    assert "nhà đầu tư nước ngoài" in _texts("Tỉnh tập trung thu hút nhóm nào?",
                                             "Tỉnh đang tập trung thu hút các nhà đầu tư nước ngoài.")
    assert "Nhiều vấn đề vẫn còn tồn tại" in _texts("Điều gì vẫn còn?", "Nhiều vấn đề vẫn còn tồn tại.")
    assert _texts("Kho hàng nằm ở đâu?", "Kho hàng nằm ở phía sau nhà máy, bên trong.")[-1] == "bên trong"
    # a preposition with its object is shed as before, and a conjunction before a comma too
    # ("sau đó", "after that", goes whole: a demonstrative after a connective goes with it)
    assert _texts("Đoàn đã đến đâu?", "Đoàn đã đến Moskva và, sau đó, về Kaluga.") == ["Moskva", "Kaluga"]


def test_a_demonstrative_after_a_connective_goes_with_it() -> None:
    # "Trong khi đó" (meanwhile): the phrase opened with "đó" ("đó tỉnh Thái Bình có …")
    found = _texts("Thái Bình có thế mạnh gì?", "Trong khi đó tỉnh Thái Bình có thế mạnh về chế biến nông sản.")
    assert "tỉnh Thái Bình có thế mạnh về chế biến nông sản" in found and not any(f.startswith("đó") for f in found)
    # a demonstrative that opens a sentence is no connective's
    assert _texts("Cây cầu nào dài nhất vùng?", "Đó là cây cầu dài nhất vùng.") == ["Đó là cây cầu"]


def test_a_capital_after_a_colon_opens_a_sentence_unless_a_name_follows() -> None:
    share = PHRASE_FEATURES.index("name_share")

    def names(question: str, sentence: str) -> dict[str, float]:
        found, rows = phrase_rows(question, sentence)
        return {c.text: float(r[share]) for c, r in zip(found, rows, strict=True)}

    # "Hiện nay" (now) opens what the mayor said: no name, so no lead for "what did he say"
    said = names("Thị trưởng Lạc Hà nói gì về cây cầu?",
                 "Thị trưởng Lạc Hà cho biết: Hiện nay, cây cầu đã đón hai triệu lượt xe.")
    assert said["Hiện nay"] == 0.0
    # a list of names after a colon keeps its names
    listed = names("Cây cầu nối những tỉnh nào?", "Cây cầu nối ba tỉnh: Lạc Hà, Hoa Sen và Cát Bi.")
    assert listed["Lạc Hà"] == 1.0


def test_a_row_per_candidate_with_the_question_s_words_and_the_similarity() -> None:
    found, rows = phrase_rows(BRIDGE_Q, BRIDGE, similarity=lambda texts: np.ones(len(texts)))
    assert rows.shape == (len(found), len(PHRASE_FEATURES))
    # the clause that holds the question's words is the nearest to them: distance 0
    hoa_mai = [c.text for c in found].index("Hoa Mai")
    assert rows[hoa_mai, PHRASE_FEATURES.index("distance")] == 0.0
    assert rows[hoa_mai, PHRASE_FEATURES.index("match_most")] == 1.0
    assert rows[:, PHRASE_FEATURES.index("sem")].tolist() == [1.0] * len(found)


def test_the_rows_are_the_same_in_every_process() -> None:
    # with no idf every question word weighs the same: the rarest is chosen by the word, not by
    # the order of a set, which changes with each process's string hashing
    code = ("from assistant.phrases import phrase_rows; "
            f"print(phrase_rows({BRIDGE_Q!r}, {BRIDGE!r})[1].tolist())")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(1, 5)}
    assert len(outputs) == 1 and outputs.pop().startswith("[[")


def test_the_words_around_the_question_word_find_the_answer_inside_a_clause() -> None:
    # "mạnh về ngành nào": what follows "mạnh về" in the sentence is a candidate of its own
    sentence = "Ông giới thiệu tỉnh Lạc Hà, địa phương có truyền thống văn hóa lâu đời và phát triển mạnh về cơ khí."
    question = "Tỉnh Lạc Hà mạnh về ngành nào?"
    found, rows = phrase_rows(question, sentence)
    anchored = [c.text for c, row in zip(found, rows, strict=True) if row[PHRASE_FEATURES.index("anchored")]]
    assert anchored == ["cơ khí"]
    # "Đội nào đã giành …": what precedes "đã giành"
    found, rows = phrase_rows("Đội nào đã giành cúp Sông Hồng năm 2031?", "Lạc Hà FC đã giành cúp Sông Hồng năm 2031.")
    right = [c.text for c, row in zip(found, rows, strict=True) if row[PHRASE_FEATURES.index("anchored_right")]]
    assert right == ["Lạc Hà FC"]


def _model(monkeypatch: pytest.MonkeyPatch, favour: str, threshold: float | None = 0.5) -> None:
    """A phrase model that scores clauses by one feature only."""
    coef = np.array([4.0 if f == favour else 0.0 for f in PHRASE_FEATURES])
    model = LinearModel("phrase", PHRASE_FEATURES, np.zeros(len(PHRASE_FEATURES)), np.ones(len(PHRASE_FEATURES)),
                        coef, threshold=threshold)
    monkeypatch.setattr(phrases, "load_model", lambda name, features: model)


def test_the_best_clause_leads_when_the_model_is_sure_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    _model(monkeypatch, "name_share")
    assert answer_phrase(BRIDGE, BRIDGE_Q, analyse(BRIDGE_Q)) == "Hoa Mai"
    # not sure enough: the best clause's softmax share is under the model's operating point
    _model(monkeypatch, "name_share", threshold=0.99)
    assert answer_phrase(BRIDGE, BRIDGE_Q, analyse(BRIDGE_Q)) == ""


def test_no_phrase_answers_a_question_for_a_person_a_number_or_a_date_nor_an_english_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _model(monkeypatch, "name_share", threshold=None)
    for question in ("Ai đặt tên cho cây cầu mới?", "Cây cầu dài bao nhiêu km?", "Cầu Hoa Mai khánh thành khi nào?",
                     "What did the Lạc Hà city council name the new bridge?", "Where is the bridge?"):
        assert not asks_phrase(analyse(question)), question
        assert answer_phrase(BRIDGE, question, analyse(question)) == "", question
    assert asks_phrase(analyse(BRIDGE_Q)) and asks_phrase(analyse("Cây cầu nằm ở đâu?"))


def test_a_phrase_is_short_and_shorter_than_its_sentence() -> None:
    assert usable(Clause("Hoa Mai", 0, 7, 2), BRIDGE)
    assert not usable(Clause("x", 0, 1, MAX_WORDS + 1), " ".join(["từ"] * 40))
    assert not usable(Clause("Cầu Hoa Mai", 0, 11, 3), "Cầu Hoa Mai.")  # the whole sentence: the quote says it


def test_the_packaged_model_was_fitted_on_the_tuning_part_with_an_operating_point() -> None:
    model = load_model("phrase", PHRASE_FEATURES)
    assert model.threshold is not None and 0.0 < model.threshold < 1.0
    assert "tuning part" in model.meta["fitted_on"] and "--only phrase" in model.meta["command"]
    assert model.meta["cv_led_precision"] >= 0.7 - 1e-9


def _engine_answer(question: str, sentence: str, *, phrase_leads: bool = True) -> str:
    passages = [Passage(chunk_id="a::1", doc_id="lac-ha", text=sentence, title="Cầu mới ở Lạc Hà")]
    scored = ScoredSentence(passage=1, index=0, text=sentence, start=0, end=len(sentence), score=1.0, semantic=0.8,
                            lexical=0.5, kind=False, anaphora=False)
    reading = Reading(question=question, info=analyse(question), passages=passages, sentences=[scored], weights={})
    request = GenerationRequest(question=question, standalone_question=question, passages=passages, history=[],
                                language=reading.info.language, reading=reading)  # type: ignore[arg-type]
    engine: Any = ExtractiveEngine(SimpleNamespace(embeddings=None), phrase_leads=phrase_leads)  # type: ignore[arg-type]
    return "".join(engine.stream(request, GenerationResult()))


def test_the_extractive_answer_leads_with_the_phrase_then_quotes_its_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    _model(monkeypatch, "name_share")
    assert _engine_answer(BRIDGE_Q, BRIDGE) == f"Hoa Mai — “{BRIDGE}” [1]"
    # an English question: the English lead-in and the quote, no Vietnamese phrase before them
    english = "What did the Lạc Hà city council name the new bridge?"
    assert _engine_answer(english, BRIDGE) == f"According to the article: “{BRIDGE}” [1]"
    # switched off (Settings.phrase_leads), or a model that is not sure: the quote alone
    assert _engine_answer(BRIDGE_Q, BRIDGE, phrase_leads=False) == f"“{BRIDGE}” [1]"
    _model(monkeypatch, "name_share", threshold=0.99)
    assert _engine_answer(BRIDGE_Q, BRIDGE) == f"“{BRIDGE}” [1]"
