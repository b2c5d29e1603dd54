"""The entity condenser (no model): which person a follow-up's pronoun stands for, and which
question an elliptical follow-up ("Còn Nghệ An thì sao?") asks again."""

from __future__ import annotations

from assistant.condense import EntityCondenser
from assistant.types import ChatMessage


def _turns(*pairs: tuple[str, str]) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    for question, answer in pairs:
        out += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return out


LEADER = ("Who led the Thái Bình delegation to Moscow?",
          "Nguyễn Tiến Thành — according to the article: “… đoàn tỉnh Thái Bình do ông Nguyễn Tiến Thành dẫn đầu …” [1]")
CHAMBER = ("Whose chamber of commerce did he meet there?",
           "Vladimir Platonov — according to the article: “… Chủ tịch Phòng Thương mại Moskva, ông Vladimir Platonov …” [1]")


def test_a_pronoun_stands_for_the_person_named_in_the_previous_answer() -> None:
    out = EntityCondenser().condense(CHAMBER[0], _turns(LEADER))
    assert out.startswith("Whose chamber of commerce did Nguyễn Tiến Thành meet there?"), out


def test_a_person_the_previous_question_called_he_stays_he() -> None:
    # "he" in the third question is still the leader, not the chamber's chairman the second
    # answer named (the topic a pronoun carried continues)
    out = EntityCondenser().condense("What economic growth rate did he report for his province?",
                                     _turns(LEADER, CHAMBER))
    assert "Nguyễn Tiến Thành" in out and "Platonov" not in out, out
    # a Vietnamese conversation: the governor stays "ông ấy"
    governor = _turns(("Thống đốc tỉnh Kaluga là ai?", "Vladislav Valerievich Shapsha — “Ngài Vladislav Valerievich "
                                                        "Shapsha – Thống đốc tỉnh Kaluga phát biểu.” [1]"),
                      ("Ông ấy đã gặp lãnh đạo tỉnh nào?", "“Cuộc gặp giữa lãnh đạo tỉnh Nghệ An và ông Nguyễn "
                                                            "Đức Trung …” [1]"))
    out = EntityCondenser().condense("Ông ấy nói gì về hợp tác công nghiệp?", governor)
    assert out.startswith("Vladislav Valerievich Shapsha nói gì"), out


def test_her_stands_for_the_woman_the_previous_answer_names_not_for_a_capitalised_phrase() -> None:
    # "bà Thái Hương" is a person by her honorific ("Thái" is no common surname); "Russian Order"
    # (of Friendship) is a capitalised phrase of the question, no person
    order = ("Which of its leaders received the Russian Order of Friendship?",
             "According to the article: “… bà Thái Hương – Chủ tịch Hội đồng chiến lược Tập đoàn TH mới đây được "
             "Tổng thống Liên bang Nga Vladimir Putin trao tặng Huân chương Hữu nghị …” [1]")
    out = EntityCondenser().condense("Who presented it to her?", _turns(order))
    assert out.startswith("Who presented it to Thái Hương?"), out


def test_an_elliptical_follow_up_asks_the_previous_question_of_its_name() -> None:
    export = ("Kim ngạch xuất khẩu của Thanh Hóa sang Nga 9 tháng năm 2025 là bao nhiêu?",
              "6,25 triệu USD — “… kim ngạch xuất khẩu sang thị trường Nga 9 tháng năm 2025 mới đạt 6,25 triệu USD …” [1]")
    condense = EntityCondenser().condense
    assert condense("Còn Nghệ An thì sao?", _turns(export)) == \
        "Kim ngạch xuất khẩu của Nghệ An sang Nga 9 tháng năm 2025 là bao nhiêu?"
    # the name after the same preposition is the one replaced; else the first
    assert condense("Còn của Nhật Bản thì bao nhiêu dự án?",
                    _turns(("Thanh Hóa có bao nhiêu dự án FDI của Hàn Quốc?", "12 dự án"))) == \
        "Thanh Hóa có bao nhiêu dự án FDI của Nhật Bản?"
    assert condense("What about in St. Petersburg?", _turns(("Who did the delegation meet in Moscow?", "Platonov"))) == \
        "Who did the delegation meet in St. Petersburg?"
    assert condense("What about Nghệ An?", _turns(("How much did Thanh Hóa export to Russia?", "6,25 triệu USD"))) == \
        "How much did Nghệ An export to Russia?"
    # a foreign name that starts a Vietnamese question is its subject; a Vietnamese syllable may
    # not be a name ("Tỉnh nào …?"), nor a question word
    assert condense("Còn Nghệ An thì sao?", _turns(("Kaluga có bao nhiêu khu công nghiệp?", "ba"))) == \
        "Nghệ An có bao nhiêu khu công nghiệp?"
    assert condense("Còn Nghệ An thì sao?", _turns(("Tỉnh nào có ba khu công nghiệp?", "Kaluga"))) != \
        "Nghệ An nào có ba khu công nghiệp?"
    # a second ellipsis reads the first one made whole
    turns = _turns(export, ("Còn Nghệ An thì sao?", "2,6 triệu USD"))
    assert condense("Còn Thái Bình thì sao?", turns) == \
        "Kim ngạch xuất khẩu của Thái Bình sang Nga 9 tháng năm 2025 là bao nhiêu?"
    # no name to ask about: the pronoun heuristic, as before
    assert condense("Còn ông ấy thì sao?", _turns(LEADER)).startswith("Còn Nguyễn Tiến Thành thì sao?")


def test_a_follow_up_carries_no_question_words_as_a_name() -> None:
    # "Which Vietnamese group …?" names no one: "its" is not replaced by "Which Vietnamese"
    first = ("Which Vietnamese group opened a fresh-milk plant in Kaluga?",
             "According to the article: “… Tập đoàn TH chính thức vận hành nhà máy sữa tươi tại … tỉnh Kaluga …” [1]")
    out = EntityCondenser().condense("Which of its leaders received the Russian Order of Friendship?", _turns(first))
    # with no name to carry, the previous question is carried whole
    assert out == f"Which of its leaders received the Russian Order of Friendship? ({first[0]})", out


EXPORTS = ("Thanh Hóa xuất khẩu sang Nga bao nhiêu trong 9 tháng năm 2025?",
           "6,25 triệu USD — “… kim ngạch xuất khẩu sang thị trường Nga 9 tháng năm 2025 mới đạt 6,25 triệu USD …” [1]")


def test_an_english_follow_up_opening_with_and_that_asks_its_own_question_is_no_ellipsis() -> None:
    # it was read as "And <name>?" and gave "FDI xuất khẩu sang Nga bao nhiêu …?"
    out = EntityCondenser().condense("And how many FDI projects does it have?", _turns(EXPORTS))
    assert out == "And how many FDI projects does it have? (Thanh Hóa)", out
    # a real ellipsis still asks the previous question of its name, "and" or not
    for follow_up in ("And what about Nghệ An?", "What about Nghệ An?", "And in Nghệ An?"):
        assert EntityCondenser().condense(follow_up, _turns(EXPORTS)).startswith("Nghệ An xuất khẩu sang Nga"), follow_up


def test_a_follow_up_carries_the_name_the_previous_question_opened_with() -> None:
    # any sentence capitalises its first word, so the capitalised phrases left "Thanh Hóa" out
    # and the whole previous question was carried; a function word before it is no part of it
    assert EntityCondenser().condense("Còn dự án FDI thì có bao nhiêu?", []) == "Còn dự án FDI thì có bao nhiêu?"
    out = EntityCondenser().condense("How many FDI projects does it have?", _turns(EXPORTS))
    assert out == "How many FDI projects does it have? (Thanh Hóa)", out
    province = ("Tỉnh Nghệ An hợp tác với tỉnh nào của Nga?", "“… tỉnh Kaluga …” [1]")
    assert EntityCondenser().condense("Who is its governor?", _turns(province)).endswith("(Nghệ An)")


def test_a_pronoun_agrees_with_the_honorific_of_the_person_it_stands_for() -> None:
    award = ("Ai trao Huân chương Hữu nghị cho bà Thái Hương?",
             "Vladimir Putin — “… bà Thái Hương – Chủ tịch Hội đồng chiến lược Tập đoàn TH mới đây được Tổng thống "
             "Liên bang Nga Vladimir Putin trao tặng Huân chương Hữu nghị …” [1]")
    # "bà ấy" is the woman the question calls "bà", not the man the answer names first
    assert EntityCondenser().condense("Bà ấy giữ chức vụ gì?", _turns(award)).startswith("Thái Hương giữ chức vụ gì?")
    # "ông ấy" is anyone else: the answer's first name, as before
    assert EntityCondenser().condense("Ông ấy giữ chức vụ gì?", _turns(award)).startswith("Vladimir Putin giữ chức vụ gì?")
    assert EntityCondenser().condense("What position does she hold?", _turns(award)).startswith(
        "What position does Thái Hương hold?")



def test_a_pronoun_typed_without_marks_is_replaced_too() -> None:
    governor = ("thong doc tinh kaluga la ai", "Vladislav Valerievich Shapsha — “Ngài Vladislav Valerievich Shapsha – "
                                               "Thống đốc tỉnh Kaluga phát biểu.” [1]")
    assert EntityCondenser().condense("ong ay gap ai o nghe an", _turns(governor)) == \
        "Vladislav Valerievich Shapsha gap ai o nghe an"



def test_a_part_of_a_carried_name_is_not_carried_again() -> None:
    chairman = ("Nguyễn Đình Xứng là ai?", "Chủ tịch UBND tỉnh — “Chủ tịch UBND tỉnh Nguyễn Đình Xứng rất mong …” [1]")
    assert EntityCondenser().condense("Ông ấy cảm ơn ai?", _turns(chairman)) == "Nguyễn Đình Xứng cảm ơn ai?"


def test_it_stands_for_the_answer_to_the_previous_question_not_for_a_person_its_quote_names() -> None:
    group = ("Which Vietnamese group opened a fresh-milk plant in Kaluga?",
             "TH — according to the article: “… Tập đoàn TH chính thức vận hành nhà máy sữa tươi tại … tỉnh Kaluga …” [1]"
             "\nThe article also says: “Ngài Vladislav Valerievich Shapsha – Thống đốc tỉnh Kaluga phát biểu.” [1]")
    order = "Which of its leaders received the Russian Order of Friendship?"
    assert EntityCondenser().condense(order, _turns(group)) == f"{order} (TH)"
    # no short answer to carry: the previous question is carried, not the governor a quote names
    quote_only = (group[0], "According to the article: " + group[1].split(": ", 1)[1])
    out = EntityCondenser().condense(order, _turns(quote_only))
    assert out == f"{order} ({group[0]})", out
    # "tỉnh đó" is the province the previous answer gave, not the governor its quote names first
    province = ("Thống đốc Kaluga đã gặp lãnh đạo tỉnh nào của Việt Nam?",
                "Nghệ An — “Ngài Vladislav Valerievich Shapsha tiếp đoàn lãnh đạo tỉnh Nghệ An.” [1]")
    out = EntityCondenser().condense("Tỉnh đó xuất khẩu sang Nga bao nhiêu?", _turns(province))
    assert out.startswith("Tỉnh đó xuất khẩu sang Nga bao nhiêu? (Nghệ An") and "Shapsha" not in out, out
    # a personal pronoun still stands for the person the answer names
    out = EntityCondenser().condense("Ông ấy nói gì?", _turns(province))
    assert out.startswith("Vladislav Valerievich Shapsha nói gì?"), out


def test_she_stands_for_the_woman_the_previous_answer_names_even_when_a_man_comes_first() -> None:
    order = ("Which of TH's leaders received the Russian Order of Friendship?",
             "Vladimir Putin — according to the article: “… bà Thái Hương – Chủ tịch Hội đồng chiến lược Tập đoàn TH "
             "mới đây được Tổng thống Liên bang Nga Vladimir Putin trao tặng Huân chương Hữu nghị …” [1]")
    out = EntityCondenser().condense("Who presented it to her?", _turns(order))
    assert out.startswith("Who presented it to Thái Hương?"), out
    # "he" still stands for the first man
    assert EntityCondenser().condense("What did he say?", _turns(order)).startswith("What did Vladimir Putin say?")
