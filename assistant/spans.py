"""The short answer: the shortest part of the best sentence that answers the question.

Candidates are found in the sentence by general signals, not by any word list read off
questions: names (runs of capitalised words), numbers with the words that measure them ("6,25
triệu USD", "15 trận", "12%"), dates and years. A candidate the question already contains is
no answer ("Ai dẫn đầu đoàn Thanh Hóa?" is not answered by "Thanh Hóa"), nor is a number it
states, in digits or in words ("in the first nine months" is not answered by "9 tháng"). The
question's kind picks the candidate type (a person's name for "ai"/"who", a number for "bao
nhiêu"/"how many", a date for "khi nào"/"when", a place for "ở đâu"/"where"; a year alone for
"năm nào"/"what year"); among candidates of that type the one nearest to, and among most of,
the words the sentence shares with the question wins, since the answer sits next to what the
question restates — except that a question naming an office ("Who is the ambassador?") takes
the person the sentence gives that office (:func:`_role_fit`), and one naming what it counts
("bao nhiêu dự án", "what percentage") takes a number that counts it when the sentence has one
(:func:`assistant.counting.measures`; a year-shaped number is a count only then: "2000
người"), and never a count of something else ("132 dự án" for "bao nhiêu trường"), nor a sum
of money for "how many"; a stretch of time ("10 tháng đầu năm") answers a number question only
when it asks how long or counts that unit (:func:`assistant.counting.lasts`), and ends the
measure ("75 năm", not "75 năm thiết"); a numeral written as a word counts too ("ba khu công
nghiệp"), and no preposition or conjunction measures a number ("17.786.419 và"). A person the
sentence gives a title is no place. A question asking who a named person is ("Nguyễn Doãn Anh
là ai?", or by the last word of the name: "Ông Kalganov là ai?") or what office they hold
("giữ chức vụ gì?") takes the title the sentence gives that person (:func:`_identity`), never
another person; a name answers "where" only after a preposition or a unit of place ("tại Thụy
Điển", "tỉnh Kaluga"). A number or year comes with what it is said with: the range it is part
of ("27-30%", "1870 đến 1939") and a year its noun of time ("năm 1946", "những năm 1990": the
1990s). Other questions ("what", "why", "how") get no short answer: the quote
answers them (a clause of it, split at punctuation, nearest the question's words held the
answer for 21 % of the Vietnamese, 37 % of the English such questions on the tuning part).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from assistant.counting import (
    counted_thing,
    counts_things,
    lasts,
    measures,
    measures_other,
    number_value,
    stated_numbers,
    unit_after,
    vietnamese_count,
)
from assistant.facts import find_dates, in_named_number, year_phrase_start
from assistant.people import person_names, titled_names
from assistant.questions import asks_office
from assistant.role_check import holds, places_missing, role_problem
from assistant.text import fold, has_diacritics, normalize
from assistant.titles import GENERIC_HEADS, Role, is_title, role_asked, role_of, role_subject
from assistant.units import UNITS
from assistant.wordlists import (
    CONNECTIVES,
    COUNTING_CARDINALS,
    DURATION_UNITS,
    INTERROGATIVES,
    LOCATIVES,
    NAME_HONORIFICS,
    NAME_VIETNAMESE_HONORIFICS,
    PLACE_UNITS,
    stopword_syllables,
)

__all__ = ["Span", "counts_asked", "office_holder", "short_answer"]

# a percentage may stand apart from its number ("0,7 %"): one token either way
# a clock time or a time left on a clock ("4:51", "1:02:30") is one token, one number
_CLOCK = r"\d{1,2}(?::\d{2}){1,2}"
_TOKEN_RE = re.compile(rf"{_CLOCK}(?![\d:])|\w+(?:[.,]\d+)*(?:(?<=\d) ?%)?|[^\w\s]", re.UNICODE)
_NUMBER_RE, _CLOCK_RE = re.compile(rf"^(?:\d+(?:[.,]\d+)* ?%?|{_CLOCK})$"), re.compile(rf"^{_CLOCK}$")
_YEAR_RE = re.compile(r"^(1\d{3}|20\d{2})$")
_MAX_UNIT_WORDS = 2
_CONNECTIVES, _DURATIONS = frozenset(CONNECTIVES), frozenset(DURATION_UNITS)
_LOCATIVES, _PLACE_UNITS = frozenset(LOCATIVES), frozenset(PLACE_UNITS)
# the one-word names of currencies (assistant.units: ISO 4217 and the State Bank's names)
_MONEY = frozenset(normalize(w.lower()) for concept, names in UNITS.items() if concept.isupper() and len(concept) == 3
                   for w in names if w.isalpha() and " " not in w)


@dataclass(frozen=True)
class Span:
    text: str
    kind: str  # "person", "name", "number", "date", "title" (who a named person is)
    start: int  # token positions in the sentence
    end: int


def _is_cap(token: str) -> bool:
    return token[:1].isupper() and token[:1].isalpha()


def _abbreviation_dot(words: list[str], j: int) -> bool:
    """The dot of an initial or a short abbreviation inside a name ("St. Petersburg", "J. Smith");
    not of an acronym ("… và EU. Nga …" is a sentence end the splitter missed)."""
    before = words[j - 1] if j > 0 else ""
    return (words[j] == "." and j < len(words) - 1 and _is_cap(before) and before.isascii()
            and (len(before) == 1 or (len(before) <= 3 and before[1:].islower())) and _is_cap(words[j + 1]))


def _is_unit(word: str) -> bool:
    """A word that can measure a number: lower case ("triệu", "trận") or a short all-capitals
    abbreviation ("USD", "VND", "GW"); no preposition or conjunction ("6 của", "sáu lần và")."""
    return word.isalpha() and (word.islower() or (word.isupper() and len(word) <= 4)) and word not in _CONNECTIVES


def _tokens(sentence: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(sentence)]


def _text(sentence: str, toks: list[tuple[str, int, int]], a: int, b: int) -> str:
    return sentence[toks[a][1] : toks[b - 1][2]]


def _token_range(toks: list[tuple[str, int, int]], start: int, end: int) -> tuple[int, int]:
    a = next((k for k, (_, s, _e) in enumerate(toks) if s >= start), 0)
    b = next((k for k, (_, s, _e) in enumerate(toks) if s >= end), len(toks))
    return a, b


def candidates(sentence: str) -> list[Span]:
    toks = _tokens(sentence)
    words = [t for t, _, _ in toks]
    spans: list[Span] = []
    # people (a Vietnamese surname or a run of Latin capitalised words: assistant.people)
    for name in person_names(sentence):
        at = sentence.find(name)
        if at >= 0:
            a, b = _token_range(toks, at, at + len(name))
            spans.append(Span(name, "person", a, b))
    # names: runs of two or more capitalised words (a single capitalised Vietnamese syllable
    # is mostly the first word of a title, "Bí thư", "Ủy viên"); a single capitalised Latin
    # word of three letters or more ("Miller") counts, except at the start of the sentence
    i = 0
    while i < len(words):
        if _is_cap(words[i]) and not _NUMBER_RE.match(words[i]):
            j = i
            while j < len(words) and (_is_cap(words[j]) or _abbreviation_dot(words, j)):
                j += 1
            single_latin = j - i == 1 and i > 0 and words[i].isascii() and len(words[i]) >= 3
            # a title's capitalised head is no name: "Phó Bí" of "Phó Bí thư"
            title_head = j < len(words) and is_title(" ".join(words[i : j + 1]))
            if (j - i >= 2 or single_latin) and not title_head:
                spans.append(Span(_text(sentence, toks, i, j), "name", i, j))
            i = j
        else:
            i += 1
    # dates ("ngày 20 tháng 11", "20/11/2025", "November 20"); their digits are no counts
    dated = [(at, at + len(text)) for text, _ in find_dates(sentence)[0] if (at := sentence.find(text)) >= 0]
    # numbers (and years), with up to two lower-case words that measure them
    for i, w in enumerate(words):
        if any(a <= toks[i][1] < b for a, b in dated) and not _YEAR_RE.match(w):
            continue  # the 10 of "Ngày 10/10" is a day, not how many of anything
        if _NUMBER_RE.match(w) and not in_named_number(sentence, toks[i][1]):
            j = i + 1
            # a percentage takes no unit ("30% ở động cơ"), and a word followed by a number
            # measures that one ("9 tháng năm 2025": "năm" belongs to 2025)
            while (j < len(words) and j - i <= _MAX_UNIT_WORDS and _is_unit(words[j]) and not w.endswith("%")
                   and not (j + 1 < len(words) and _NUMBER_RE.match(words[j + 1]))):
                j += 1
                if normalize(words[j - 1].lower()) in _DURATIONS:
                    break  # a stretch of time ends the measure: "75 năm thiết lập" is "75 năm"
            kind = "date" if _YEAR_RE.match(w) else "number"
            if j > i + 1:
                # words after a year measure nothing ("năm 1817 và tiếp tục" is the year 1817,
                # not "1817 và tiếp"); a year-shaped number may count what follows ("2000
                # người"): a count only when it counts what the question asks (short_answer)
                spans.append(Span(_text(sentence, toks, i, j), "number", i, j))
                if kind == "date":
                    spans.append(Span(w, "number", i, i + 1))
            spans.append(Span(w, kind, i, i + 1))
        elif w.islower() and normalize(w) in COUNTING_CARDINALS:
            # a numeral written as a word counts what follows it ("ba khu công nghiệp", "sáu
            # lần"); alone it is too often something else ("ba" father, "hai" also "both")
            j = i + 1
            while j < len(words) and j - i <= _MAX_UNIT_WORDS and _is_unit(words[j]):
                j += 1
                if normalize(words[j - 1].lower()) in _DURATIONS:
                    break
            if j > i + 1:
                spans += [Span(_text(sentence, toks, i, j), "number", i, j), Span(w, "number", i, i + 1)]
    for at, end in dated:
        a, b = _token_range(toks, at, end)
        spans.append(Span(sentence[at:end], "date", a, b))
    return spans


# "who" takes a person only: on the tuning part, when the quoted sentence named no person,
# the capitalised name offered instead (a place, an office) was the answer for 3 of 16
# who-questions (0 of 8 English ones); the quote alone misleads less than a wrong name
_WANT = {"who": "person", "where": "name", "number": "number", "when": "date"}  # one kind each
# a candidate scores 0.02 for each distinct question word within 8 tokens of it (chosen on the
# tuning part's quotes that hold the answer: short answers agreeing with the gold 87 -> 92 of 138)
_NEAR_WINDOW, _NEAR_WEIGHT = 8, 0.02


# a question for the year ("năm nào", "what year") is not answered by a day and month ("6/7")
_YEAR_ASKED_RE = re.compile(r"\b(?:năm nào|năm bao nhiêu|what year|which year)\b")
_LONG_RE = re.compile(r"\b(?:bao lâu|how long)\b")
# asked how long something lasts ("bao lâu"; "how long" before a verb's auxiliary: "How long
# did it run?", not "How long is the bridge?"), only a stretch of time answers
_TIME_LONG_RE = re.compile(r"\b(?:bao lâu|how long (?:did|does|do|will|would|has|have|had|can|could))\b")
_HOW_MANY_RE = re.compile(r"\bhow many\b")
_SHARE_ASKED_RE = re.compile(r"\b(?:tỷ lệ|tỉ lệ|tỷ trọng|chiếm|share|proportion|rate|percent)")


def _placed(toks: list[tuple[str, int, int]], span: Span) -> bool:
    """A preposition of place up to two words before the name, or a unit of place just before it."""
    before = [normalize(t.lower()) for t, _, _ in toks[max(0, span.start - 2) : span.start]]
    return any(w in _LOCATIVES for w in before) or (bool(before) and before[-1] in _PLACE_UNITS)


def _role_fit(asked: Role, name: str, sentence: str) -> float:
    """How well the office the sentence gives ``name`` fits the one the question asks about:
    1 for the same head, deputy or not ("Đại sứ" = "ambassador"), 1.5 when its body and place
    fit too (:func:`assistant.role_check.role_problem`: "Chủ tịch Phòng Thương mại và Công nghiệp
    Moskva" for "the chairman of the Moscow Chamber of Commerce", not "Chủ tịch HĐND tỉnh"; for
    "the head of the Moscow Chamber of Commerce" too: any head of the body asked about fits);
    -1 when the sentence gives them only other offices, 0 when it gives none. The head alone
    decides between holder and not: a list of officials ("X, Trưởng Ban Nội chính Tỉnh ủy; Y,
    Giám đốc Công an tỉnh") is read too loosely to reject on bodies or places."""
    stated = role_of(name, sentence)
    if not stated.units:
        return 0.0
    for heads, mods in asked.units:
        for stated_heads, stated_mods in stated.units:
            rank = ("deputy" in mods) == ("deputy" in stated_mods)
            if heads & stated_heads and rank:
                return 1.5 if role_problem(asked, stated, sentence) is None else 1.0
            if rank and heads <= GENERIC_HEADS and asked.bodies and asked.bodies <= stated.bodies:
                return 1.5  # the head of a body is whoever chairs or directs it
    return -1.0


def _gap(span: Span, k: int) -> int:
    """Tokens between ``span`` and token ``k`` (0 inside it)."""
    return 0 if span.start <= k < span.end else min(abs(k - span.start), abs(k - (span.end - 1)))


# the words a question "Who is X?" / "X là ai?" has besides X's name: interrogatives, the
# copula (with the other connectives), honorifics (the grammars of assistant.wordlists)
_HONORIFIC_WORDS = {fold(w) for phrase in NAME_HONORIFICS + NAME_VIETNAMESE_HONORIFICS for w in phrase.split()}
_IDENTITY_WORDS = frozenset(set(INTERROGATIVES) | {fold(w) for w in CONNECTIVES} | _HONORIFIC_WORDS)


def _identity(sentence: str, toks: list[tuple[str, int, int]], people: list[Span],
              question: str) -> Span | Literal[False] | None:
    """For a question asking who a named person is ("Nguyễn Doãn Anh là ai?", "Who is Đặng
    Minh Khôi?") or what office they hold ("Bà Thái Hương giữ chức vụ gì tại Tập đoàn TH?"),
    the title the sentence gives that person ("Bí thư Tỉnh ủy"), or False when it gives none
    (another person is no answer); None for any other question. ``toks`` and ``people`` are
    the sentence's tokens and person candidates."""
    words = re.findall(r"\w+", question)
    asked = {fold(w) for w in words}
    # a name the question writes with a capital (not a first word that is a pronoun: "Anh ấy")
    capitals = {fold(w) for k, w in enumerate(words) if w[:1].isupper()
                and (k or normalize(w.lower()) not in stopword_syllables("vi", marked=True))}
    office = asks_office(question)
    for person in people:
        own = [fold(w) for w in person.text.split()]
        # the whole name, or its last word alone ("ông Kalganov" for Vyacheslav Kalganov,
        # "ông Thành" for Nguyễn Tiến Thành: news names a person again by the last word)
        if (set(own) <= asked or own[-1] in capitals) and (office or asked - set(own) <= _IDENTITY_WORDS):
            title = next((t for n, t in titled_names(sentence) if fold(n) == fold(person.text)), "")
            at = sentence.find(title) if title else -1
            if at < 0:
                return False
            a, b = _token_range(toks, at, at + len(title))
            return Span(title, "title", a, b)
    return False if office else None  # an office asked of no one named here: no name answers it


def _of_asked(toks: list[tuple[str, int, int]], span: Span, matched: list[int]) -> bool:
    """Whether one of the two words after ``span``, in its clause, is a word of the question
    (``matched``: their positions) that is no stopword: "48% tổng vốn" for "Tổng vốn …?"."""
    for k in (span.end, span.end + 1):
        if k >= len(toks) or not toks[k][0][:1].isalnum():
            return False
        word = normalize(toks[k][0].lower())
        if k in matched and word not in stopword_syllables("vi", marked=True) \
                and word not in stopword_syllables("en", marked=True):
            return True
    return False


def short_answer(sentence: str, question: str, qtype: str, *, context: str = "",
                 prefer: Callable[[int, int], float] | None = None) -> Span | None:
    """The part of ``sentence`` that answers ``question`` (of kind ``qtype``), or None.

    A question that names an office ("Who is the ambassador …?", "Ai là Bí thư …?") is
    answered by the person the sentence gives that office (:mod:`assistant.titles`, either
    language), never by one it gives another office: "Bí thư Tỉnh ủy Nguyễn Doãn Anh" does not
    answer "Who is the ambassador?" even when he stands nearest the question's words, and no
    one answers a question about an office of a place the passage (``context``: its text and
    title) never names. "Head" ("trưởng đoàn") only prefers its holder: a delegation's head is
    often given only his standing office."""
    toks = _tokens(sentence)
    if not toks:
        return None
    found = candidates(sentence)
    if qtype == "who" and (who := _identity(sentence, toks, [c for c in found if c.kind == "person"],
                                            question)) is not None:
        return who or None
    asked_role = role_asked(question) if qtype == "who" else Role()
    if asked_role.units and places_missing(asked_role, f"{sentence}\n{context}"):
        return None  # no one here holds an office of a place the passage never names ("tổng thống Mỹ")
    # "head" ("trưởng") names no office of its own: the head of a delegation is often given
    # only his standing office ("Bí thư Tỉnh ủy … làm trưởng đoàn"), so it prefers, never rules out
    generic = asked_role.generic
    # an office the question names for someone else ("Bí thư Tỉnh ủy … đã gặp ai?") is its
    # subject's: the person holding it (head, body and place) is who the question is about,
    # not its answer
    subject = role_subject(question) if qtype == "who" else Role()
    counted = counted_thing(question) if qtype == "number" else None
    lowered = normalize(question.lower())
    spans = [span for span in found if span.kind == _WANT.get(qtype)]
    if qtype == "where":
        # a person the sentence gives a title is no place: "Tổng thống Liên bang Nga Vladimir
        # Putin" does not say where ("New York", "Somerset House" look like people too)
        titled = {fold(name) for name, _ in titled_names(sentence)}
        people = [c for c in found if c.kind == "person" and fold(c.text) in titled]
        spans = [span for span in spans if not any(p.start < span.end and span.start < p.end for p in people)
                 and _placed(toks, span)]
    # a year-shaped number counts only what the question counts ("bao nhiêu người": "2000 người")
    spans = [span for span in spans if span.kind != "number" or not _YEAR_RE.match(toks[span.start][0])
             or (counted and measures(toks, span.start, counted))]
    if counted and any(measures(toks, span.start, counted) for span in spans if span.kind == "number"):
        # "bao nhiêu doanh nghiệp" is answered by a count of enterprises, not of months
        spans = [span for span in spans if span.kind != "number" or measures(toks, span.start, counted)]
    else:
        if qtype == "number" and counted not in _DURATIONS and not _LONG_RE.search(lowered):
            # a stretch of time ("trong 10 tháng đầu năm") tells when, not how much
            spans = [span for span in spans if not lasts(toks, span.start)]
        if counted and counts_things(counted) and vietnamese_count(question):
            # "bao nhiêu trường" is not answered by a count of something else ("132 dự án");
            # a Vietnamese question only (an English one names its thing in another language)
            spans = [span for span in spans if span.kind != "number" or not measures_other(toks, span.start, counted)]
    if qtype == "number" and _TIME_LONG_RE.search(lowered):  # not "hai cuộc chiến"; a clock's "3:08" is
        spans = [s for s in spans if s.kind != "number" or lasts(toks, s.start) or _CLOCK_RE.match(toks[s.start][0])]
    if qtype == "when" and _YEAR_ASKED_RE.search(lowered):
        spans = [span for span in spans if any(_YEAR_RE.match(t) for t, _, _ in toks[span.start : span.end])]
    if qtype == "number" and (_HOW_MANY_RE.search(lowered) or counts_things(counted)):
        spans = [span for span in spans if not toks[span.start][0].endswith("%")]  # a count is no share
    if qtype == "number" and _HOW_MANY_RE.search(lowered):
        # nor a sum of money ("How many projects?": not "9,300 tỷ USD"; "bao nhiêu" asks both)
        spans = [span for span in spans if unit_after(toks, span.start) not in _MONEY]
    asked = set(fold(question).split()) | {fold(w) for w in re.findall(r"\w+", question)}
    # the names the question says (capitalised after its first word: "anh" in "anh ấy" is no name)
    named = {fold(w) for w in re.findall(r"\w+", question)[1:] if w[:1].isupper()}
    # what the question already says, with its marks when it has them ("đoàn" is no "Doãn")
    key = (lambda t: normalize(t.lower())) if has_diacritics(question) else fold
    said = {key(t) for t, _, _ in _tokens(question)}
    stated = stated_numbers(question)
    folded = [fold(t) for t, _, _ in toks]
    matched = [k for k, f in enumerate(folded) if f in asked and f.isalnum()]
    if qtype == "number" and counted != "%" and not _SHARE_ASKED_RE.search(lowered):
        # a percentage of what the question asks about is a share of it, not it ("chiếm 48% tổng
        # vốn đầu tư FDI" does not answer "Tổng vốn FDI là bao nhiêu?")
        spans = [span for span in spans if not (toks[span.start][0].endswith("%") and _of_asked(toks, span, matched))]
    best: tuple[float, Span] | None = None
    for span in spans:
        inside = [f for f in folded[span.start : span.end] if any(c.isalnum() for c in f)]  # "0,12%" too
        if not inside:
            continue
        if span.kind in ("number", "date") and number_value(toks[span.start][0]) in stated:
            continue  # "9 tháng" is no answer to "... in the first nine months ...?"
        new = [t for t, _, _ in toks[span.start : span.end] if any(c.isalnum() for c in t) and key(t) not in said]
        novelty = len(new) / len(inside)
        if novelty < 0.5 or (span.kind == "person" and inside[-1] in named):
            continue  # what the question says is no answer: "Putin" does not answer "… from Putin?"
        if subject.units and span.kind == "person" and holds(subject, role_of(span.text, sentence),
                                                             f"{sentence}\n{context}"):
            continue  # nor whom it names by their office: "Bí thư Tỉnh ủy … đã gặp ai?"
        gaps = {m: _gap(span, m) for m in matched}
        distance = min(gaps.values(), default=10)
        # the question's words around it: the answer sits where the sentence restates the question
        near = len({folded[m] for m, g in gaps.items() if g <= _NEAR_WINDOW})
        score = novelty - 0.05 * distance + _NEAR_WEIGHT * near
        if prefer is not None and len(spans) > 1:  # it only ranks candidates: one needs no ranking
            score += prefer(toks[span.start][1], toks[span.end - 1][2])
        if asked_role.units and span.kind == "person":
            fit = _role_fit(asked_role, span.text, sentence)
            if fit < 0 and not generic:
                continue  # the sentence gives this person another office
            score += max(fit, 0.0)
        if best is None or score > best[0]:
            best = (score, span)
    if best is None:
        return None
    span = best[1]
    if qtype == "when" and span.end == span.start + 1 and not _YEAR_ASKED_RE.search(lowered):
        # asked when, not for the year: the whole date the year ends ("ngày 27 tháng 1 năm 1967")
        span = next((d for d in found if d.kind == "date" and d.start < span.start < d.end), span)
    return _widened(sentence, toks, span)


# a range the number found ends or starts: "27-30%", "1870 đến 1939", "24 to 80"
_RANGE_RE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*\s*(?:-|–|đến|tới|to)\s*$", re.IGNORECASE)
_RANGE_ON_RE = re.compile(r"^\s*(?:-|–|đến|tới|to)\s*\d+(?:[.,]\d+)*(?: ?%)?(?![\w.,]*\d)", re.IGNORECASE)


def _widened(sentence: str, toks: list[tuple[str, int, int]], span: Span) -> Span:
    """A number or year with what it is said with: the range it ends or starts ("27-30%", not
    "30%"; "1870 đến 1939") and a year its noun of time ("năm 1946", "những năm 1990":
    :func:`~assistant.facts.year_phrase_start`)."""
    if span.kind not in ("number", "date") or not _NUMBER_RE.match(toks[span.start][0]):
        return span
    start, end = toks[span.start][1], toks[span.end - 1][2]
    if m := _RANGE_RE.search(sentence[:start]):
        start = m.start()
    elif span.end == span.start + 1 and (m := _RANGE_ON_RE.match(sentence[end:])):
        end += m.end()
    if _YEAR_RE.match(sentence[start : start + 4]):
        start = year_phrase_start(sentence, start)
    if (start, end) == (toks[span.start][1], toks[span.end - 1][2]):
        return span
    a, b = _token_range(toks, start, end)
    return Span(sentence[start:end], span.kind, a, b)


def office_holder(sentence: str, question: str, *, context: str = "") -> Span | None:
    """The person ``sentence`` gives the office a who-question names ("Ai là Bí thư Tỉnh ủy
    Nghệ An?": "Bí thư Tỉnh ủy Nguyễn Khắc Thận …"), or None: no office asked ("trưởng"
    alone names none), or no one here is given it."""
    asked = role_asked(question)
    span = short_answer(sentence, question, "who", context=context)
    if not asked.units:  # who a named person is, or what office they hold: the title given them here
        return span if span is not None and span.kind == "title" else None
    if asked.generic:
        return None
    return span if span is not None and _role_fit(asked, span.text, sentence) >= 1 else None


def counts_asked(short: str, question: str) -> bool:
    """Whether the short answer ``short`` is a number of what ``question`` counts: "0,12%"
    for "bao nhiêu phần trăm", "37 doanh nghiệp" for "bao nhiêu doanh nghiệp" (not a bare
    "ba", nor any number for "đạt bao nhiêu?", which names nothing to count)."""
    what = counted_thing(question)
    if what is None or not (what == "%" or counts_things(what)):
        return False
    toks = _tokens(short)
    return any(t[:1].isdigit() and measures(toks, k, what) for k, (t, _, _) in enumerate(toks))
