"""Roles next to names, in Vietnamese and English: the check that catches role confusion.

A small model answering from news sentences swaps roles between people, provinces and
bodies ("Bí thư Tỉnh ủy Nghệ An là Nguyễn Doãn Anh" when the sentence says "Bí thư Tỉnh ủy
Thanh Hóa Nguyễn Doãn Anh"). :func:`assistant.role_check.role_problem` compares the role a claim gives a person
with the role its cited sentence gives them, as this module reads both, across languages ("Bí thư Tỉnh ủy" =
"Provincial Party Secretary", "Thứ trưởng Bộ Ngoại giao" = "Deputy Minister of Foreign
Affairs").

How a role is read (by structure, no list of people or answers):

- the *role window* of a name is the run of title words, capitalised words, connectors and
  commas right before it (back to the first other lowercase word or another name:
  "… do Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch HĐND tỉnh Nguyễn Tiến Thành") and the
  appositive or copula run right after it ("Ngài X – Thống đốc tỉnh Kaluga, Liên bang Nga";
  "X là Bí thư Tỉnh ủy"; "X, Secretary of the … Committee");
- in the window, :data:`VOCABULARY` phrases are matched longest first: *heads* (secretary,
  chair, governor, ambassador, minister …) with the *modifiers* bound to them ("Phó" /
  "Deputy", "Thường trực" / "Standing"), *bodies* (Tỉnh ủy / Provincial Party Committee,
  UBND / People's Committee …) and *levels* (tỉnh / province …); the other capitalised runs
  are *places* and organisations ("Thanh Hóa", "Kaluga", "Moskva").

How a claim's role is compared with its sentence's: :mod:`assistant.role_check`.

The vocabulary and its sources (general references, not the eval questions) are in
:mod:`assistant.role_vocabulary`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from assistant import wordlists
from assistant.people import person_names
from assistant.role_vocabulary import (
    VOCABULARY,
    Match,
    match_titles,
    title_key,
    title_tokens,
)
from assistant.text import fold, normalize, word_tokens
from assistant.wordlists import (
    NAME_FUNCTION_WORDS,
    NAME_HONORIFICS,
    NAME_VIETNAMESE_FUNCTION_WORDS,
    NAME_VIETNAMESE_HONORIFICS,
    stopwords,
)

__all__ = ["GENERIC_HEADS", "VOCABULARY", "Role", "asks_about_another", "is_role_phrase", "is_title", "role_asked",
           "role_in", "role_of", "role_subject", "strip_titles"]


# the closed classes a role window reads (assistant.wordlists, with their sources)
_CONNECTORS, _COORDINATORS = set(wordlists.ROLE_CONNECTORS), set(wordlists.ROLE_COORDINATORS)
_OPENERS = {",", "–", "—", "-", "(", ":"}
_CLOSERS = {";", ".", ")", "!", "?", "…", '"', "“", "”"}
_HONORIFIC_WORDS = {normalize(w) for phrase in (*NAME_HONORIFICS, *NAME_VIETNAMESE_HONORIFICS) for w in phrase.split()}
# capitalised only because they start a sentence or a question: never the start of a place
@cache
def _not_places() -> frozenset[str]:
    """Capitalised words that open a sentence or question rather than name a place."""
    return frozenset(normalize(w) for w in (*NAME_FUNCTION_WORDS, *NAME_VIETNAMESE_FUNCTION_WORDS, *stopwords("en")))

_COPULA_KEYS = {tuple(title_key(t) for t in c.split()) for c in wordlists.ROLE_COPULAS}


GENERIC_HEADS = frozenset({"head"})  # assistant.role_vocabulary: "Trưởng" = "Head" of any body


@dataclass
class Role:
    """What a text says a person is: heads with their modifiers, bodies, levels, places."""

    units: list[tuple[frozenset[str], frozenset[str]]] = field(default_factory=list)
    bodies: set[str] = field(default_factory=set)
    levels: set[str] = field(default_factory=set)
    places: list[str] = field(default_factory=list)
    text: str = ""  # the window, as written

    def __bool__(self) -> bool:
        return bool(self.units or self.bodies or self.places)

    @property
    def generic(self) -> bool:
        """Every office named is "head" ("trưởng"), which names no office of its own."""
        return all(heads <= GENERIC_HEADS for heads, _ in self.units)

    def merge(self, other: Role) -> None:
        self.units += [u for u in other.units if u not in self.units]
        self.bodies |= other.bodies
        self.levels |= other.levels
        self.places += [p for p in other.places if p not in self.places]
        self.text = " / ".join(t for t in (self.text, other.text) if t)


def _is_cap(token: str) -> bool:
    return token[:1].isupper() and token[:1].isalpha()


def _is_word(token: str) -> bool:
    return token[:1].isalnum()


def _copula_at(keys: list[str], i: int, forward: bool) -> int:
    """Length of a copula starting (forward) or ending (backward) at ``i``, or 0."""
    for words in sorted(_COPULA_KEYS, key=len, reverse=True):
        n = len(words)
        span = keys[i : i + n] if forward else keys[i - n + 1 : i + 1]
        if len(span) == n and tuple(span) == words:
            return n
    return 0


def _inside(tokens: list[str], keys: list[str], covered: list[Match | None], i: int) -> bool:
    """Whether token ``i`` can stand in a role window: a title word, a capitalised word, a
    connector, an honorific, a comma or dash ("and"/"và" only before a capitalised word)."""
    tok = tokens[i]
    if covered[i] is not None or tok in (",", "–", "—", "-", "'"):
        return True
    if keys[i] in _HONORIFIC_WORDS:
        return True
    if keys[i] in _CONNECTORS:
        if keys[i] in _COORDINATORS:
            return i + 1 < len(tokens) and (_is_cap(tokens[i + 1]) or covered[i + 1] is not None)
        return True
    return _is_word(tok) and (_is_cap(tok) or tok.isupper() or tok.isdigit())


def _window(tokens: list[str], covered: list[Match | None], a: int, b: int,
            others: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """Token ranges [lo, a) and [b, hi) of the role window around the name at [a, b)."""
    keys = [title_key(t) for t in tokens]
    starts = {s for s, _ in others}
    ends = {e for _, e in others}

    def inside(i: int) -> bool:
        return _inside(tokens, keys, covered, i)

    lo = a
    i = a - 1
    n = _copula_at(keys, i, forward=False) if i >= 0 else 0
    i -= n
    while i >= 0 and inside(i) and (i + 1) not in ends:
        i -= 1
    lo = i + 1
    while lo < a and (tokens[lo] in _OPENERS or keys[lo] in _CONNECTORS):
        lo += 1
    hi = b
    j = b
    if j < len(tokens) and (tokens[j] in _OPENERS or _copula_at(keys, j, forward=True)):
        j += max(1, _copula_at(keys, j, forward=True))
        while j < len(tokens) and tokens[j] not in _CLOSERS and j not in starts and inside(j):
            j += 1
        hi = j
        while hi > b and (tokens[hi - 1] in _OPENERS or keys[hi - 1] in _CONNECTORS):
            hi -= 1
    return lo, a, b, hi


def _role(tokens: list[str], covered: list[Match | None], ranges: Iterable[tuple[int, int]], name: str) -> Role:
    role = Role()
    parts = []
    for lo, hi in ranges:
        if lo < hi:
            parts.append(" ".join(tokens[lo:hi]))
            _read(tokens, covered, lo, hi, role, name)
    role.text = " … ".join(parts)
    return role


def _add_place(role: Role, words: list[str], name: str) -> None:
    text = " ".join(words)
    if words and text not in role.places and fold(text) != name:
        role.places.append(text)


def _read(tokens: list[str], covered: list[Match | None], lo: int, hi: int, role: Role, name: str) -> None:
    """Add what tokens[lo:hi] say to ``role``: units (heads and their modifiers), bodies,
    levels, and the other capitalised runs as places."""
    pending: set[str] = set()
    last: int | None = None  # index in role.units of the last head
    place: list[str] = []
    i = lo
    while i < hi:
        match = covered[i]
        if match is None:
            tok = tokens[i]
            if (_is_word(tok) and (_is_cap(tok) or tok.isupper()) and title_key(tok) not in _HONORIFIC_WORDS
                    and (place or title_key(tok) not in _not_places())):  # "Who is …" no, "Nghệ An" yes
                place.append(tok)
            else:
                _add_place(role, place, name)
                place = []
            i += 1
            continue
        _add_place(role, place, name)
        place = []
        kinds = {e.kind for e in match.entries}
        if "head" in kinds:
            heads = frozenset(e.concept for e in match.entries if e.kind == "head")
            mods = pending | {m for e in match.entries if e.kind == "head" for m in e.mods}
            role.units.append((heads, frozenset(mods)))
            last = len(role.units) - 1
            pending = set()
        elif "mod" in kinds:
            mods = {e.concept for e in match.entries if e.kind == "mod"}
            nxt = covered[match.end] if match.end < hi else None
            if nxt is not None and any(e.kind in ("head", "mod") for e in nxt.entries):
                pending |= mods
            elif last is not None:  # postposed: "Phó Bí thư Thường trực"
                heads, old = role.units[last]
                role.units[last] = (heads, old | mods)
            else:
                pending |= mods
        else:
            role.bodies |= {e.concept for e in match.entries if e.kind == "body"}
            role.levels |= {e.concept for e in match.entries if e.kind == "level"}
        i = match.end
    _add_place(role, place, name)


def _name_tokens(name: str) -> list[str]:
    return [fold(t) for t in word_tokens(name)]


def _occurrences(tokens: list[str], name: str) -> list[tuple[int, int]]:
    """Where ``name`` occurs in ``tokens``: the capitalised run holding all its words."""
    wanted = _name_tokens(name)
    if not wanted:
        return []
    folded = [fold(t) for t in tokens]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if not _is_cap(tokens[i]):
            i += 1
            continue
        j = i
        while j < len(tokens) and _is_cap(tokens[j]):
            j += 1
        run = folded[i:j]
        if all(w in run for w in wanted):
            # the name's own words only: "Bí thư Tỉnh ủy Thanh Hóa Nguyễn Doãn Anh" -> the last three
            first = min(k for k in range(i, j) if folded[k] == wanted[0]) if wanted[0] in run else i
            last = max(k for k in range(i, j) if folded[k] in wanted) + 1
            found.append((first, last))
        i = j
    return found


def strip_titles(name: str) -> str:
    """``name`` without title words a capitalised run swallowed ("Governor Vladislav
    Shapsha" -> "Vladislav Shapsha")."""
    tokens = title_tokens(name)
    covered = match_titles(tokens)
    i = 0
    while i < len(tokens) - 2 and (covered[i] is not None or title_key(tokens[i]) in _HONORIFIC_WORDS):
        i += 1
    return " ".join(tokens[i:])


def is_title(text: str) -> bool:
    """Every word of ``text`` belongs to a title ("Party Secretary"): a capitalised run that
    names a post, not a person."""
    tokens = title_tokens(text)
    return bool(tokens) and all(c is not None for c in match_titles(tokens))


def role_in(text: str) -> Role:
    """Every role word of ``text`` read as one window: what a question asks about ("Who is
    Vietnam's ambassador to Russia?" -> ambassador; Vietnam, Russia)."""
    tokens = title_tokens(text)
    return _role(tokens, match_titles(tokens), [(0, len(tokens))], "")


_WHO, _GENITIVES, _ARTICLES = set(wordlists.ROLE_WHO), set(wordlists.ROLE_GENITIVES), set(wordlists.ROLE_ARTICLES)
_BECOMING = {tuple(title_key(w) for w in b.split()) for b in wordlists.ROLE_BECOMING}  # "Who was hired to be …?"
_APPOINTED = {tuple(title_key(w) for w in b.split()) for b in wordlists.ROLE_APPOINTING}  # "Who was elected …?"
_PASSIVES = {title_key(w) for w in wordlists.ROLE_PASSIVES}
_GENITIVE_GAP = 3  # words a role phrase may carry before its "của" / "of"


def _is_head(match: Match | None) -> bool:
    return match is not None and any(e.kind == "head" for e in match.entries)


def _phrase_end(tokens: list[str], keys: list[str], covered: list[Match | None], start: int) -> int:
    """Where the role phrase starting at ``start`` ends: after its run of window tokens,
    carried across a few other words only by a genitive ("người đứng đầu đoàn công tác của Bộ
    Ngoại giao"), never by a verb ("Chủ tịch UBND tỉnh Nghệ An" | "tiếp đoàn Bộ Ngoại giao")."""
    j = start
    while j < len(tokens) and tokens[j] not in _CLOSERS:
        if _inside(tokens, keys, covered, j):
            j += 1
            continue
        ahead = range(j, min(j + _GENITIVE_GAP + 1, len(tokens)))
        genitive = next((k for k in ahead if keys[k] in _GENITIVES or tokens[k] in _CLOSERS), None)
        if genitive is None or tokens[genitive] in _CLOSERS:
            break
        j = genitive + 1
    while j > start and (tokens[j - 1] in _OPENERS or keys[j - 1] in _CONNECTORS):
        j -= 1
    return j


def _head_start(covered: list[Match | None], lo: int, hi: int) -> int | None:
    """Where the first title phrase with a head in [lo, hi) starts (its modifiers included)."""
    head = next((i for i in range(lo, hi) if _is_head(covered[i])), None)
    while head is not None and head > lo and covered[head - 1] is not None:
        head -= 1
    return head


def is_role_phrase(text: str) -> bool:
    """Every word of ``text`` can stand in a role window: title words, capitalised words,
    connectors, honorifics, commas ("Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch HĐND tỉnh",
    "Thống đốc tỉnh Kaluga"); "met with the government of …" is more than a role."""
    tokens = [t for t in title_tokens(text) if t not in _CLOSERS]
    keys, covered = [title_key(t) for t in tokens], match_titles(tokens)
    return all(_inside(tokens, keys, covered, i) or tokens[i] in _OPENERS for i in range(len(tokens)))


@dataclass
class _Question:
    """A question's tokens, their title matches, and where its "ai" / "who" stands (None: nowhere)."""

    tokens: list[str]
    keys: list[str]
    covered: list[Match | None]
    wh: int | None

    @classmethod
    def read(cls, question: str) -> _Question:
        tokens = title_tokens(question)
        keys = [title_key(t) for t in tokens]
        return cls(tokens, keys, match_titles(tokens), next((i for i, k in enumerate(keys) if k in _WHO), None))

    def phrase(self, start: int) -> Role:
        return _role(self.tokens, self.covered, [(start, _phrase_end(self.tokens, self.keys, self.covered, start))], "")

    def whole(self) -> Role:
        return _role(self.tokens, self.covered, [(0, len(self.tokens))], "")

    def copula_after(self) -> int | None:
        """The copula's length after "ai" / "who" ("Ai là …"), 0 for a title ("Who heads …"), or None."""
        assert self.wh is not None
        after = _copula_at(self.keys, self.wh + 1, forward=True)
        if after or (self.wh + 1 < len(self.tokens) and _is_head(self.covered[self.wh + 1])):
            return after
        return None

    def ends(self, words: tuple[str, ...], at: int) -> bool:
        """Whether the tokens before ``at`` are ``words``."""
        return at >= len(words) and tuple(self.keys[at - len(words) : at]) == words

    def copula_before(self) -> int:  # "… là ai?"
        assert self.wh is not None
        return _copula_at(self.keys, self.wh - 1, forward=False) if self.wh else 0

    def asked(self) -> Role:  # role_asked
        wh = self.wh
        if wh is None:
            return self.whole()
        after = self.copula_after()
        if after is not None and (role := self.phrase(wh + 1 + after)):
            return role
        if before := self.copula_before():
            start = _head_start(self.covered, 0, wh - before)
            return self.whole() if start is None else self.phrase(start)  # a body alone: "Đại diện Bộ … là ai?"
        start = _head_start(self.covered, wh + 1, len(self.tokens))
        if start is None:
            return Role()
        end = start  # the verb's copula may stand before an article ("to be the deputy director")
        while end > wh + 1 and self.keys[end - 1] in _ARTICLES:
            end -= 1
        becoming = any(self.ends(b, end) for b in _BECOMING) or any(  # passive, "ai" its subject: "Ai được bầu …?"
            self.ends(v, end) and self.keys[end - len(v) - 1] in _PASSIVES for v in _APPOINTED if end > len(v))
        return self.phrase(start) if becoming or _copula_at(self.keys, end - 1, forward=False) else Role()


def asks_about_another(question: str) -> bool:
    """Whether "ai" / "who" is the subject or object of a verb other than a copula ("… đã gặp
    ai?", "Who did the governor meet?", "Ai đã gặp ông Platonov?"): the people and offices the
    question names are then not whom it asks for (in "X là ai?", "Who is X?", "Ai được bổ
    nhiệm làm Đại sứ?", "Who was elected governor?", they are)."""
    q = _Question.read(question)
    return q.wh is not None and q.copula_after() is None and not q.copula_before() and not q.asked()


def role_subject(question: str) -> Role:
    """The office a who-question names for someone other than whom it asks for: its first
    title phrase, read to its verb ("Bí thư Tỉnh ủy Thanh Hóa" of "Bí thư Tỉnh ủy Thanh Hóa đã
    gặp ai tại Đại sứ quán?"); empty when the office it names is the one asked for
    (:func:`role_asked`), or when it names none."""
    q = _Question.read(question)
    if q.asked().units:
        return Role()
    start = _head_start(q.covered, 0, len(q.tokens))
    return Role() if start is None else q.phrase(start)


def role_asked(question: str) -> Role:
    """The office of the person a who-question asks for, from the phrase naming it: after the
    copula ("Ai là Bí thư Tỉnh ủy Nghệ An?", "Who is the governor?") or a verb's own ("Ai được
    bổ nhiệm làm …?", "Who was hired to be …?"), or the subject's before "là ai" up to its verb
    ("Chủ tịch UBND tỉnh Nghệ An tiếp đoàn Bộ Ngoại giao là ai?": the chairman). Empty when
    "ai" / "who" is another verb's subject or object ("Bí thư Tỉnh ủy … đã gặp ai?", "Who did
    the governor meet?"); a question without either is read whole (:func:`role_in`)."""
    return _Question.read(question).asked()


def role_of(name: str, text: str) -> Role:
    """The role ``text`` gives the person ``name`` (empty when it gives none or does not
    name them): the union over the name's occurrences."""
    tokens = title_tokens(text)
    covered = match_titles(tokens)
    spans = _occurrences(tokens, name)
    # other people bound the window; a capitalised run followed by a title word is a place
    # or a body ("Thanh Hoa Provincial Party Committee"), not a person
    others = [
        s for other in person_names(text) if fold(other) != fold(name)
        for s in _occurrences(tokens, other)
        if not any(s[0] < b and a < s[1] for a, b in spans) and all(covered[k] is None for k in range(*s))
        and (s[1] >= len(tokens) or covered[s[1]] is None)
    ]  # fmt: skip
    role = Role()
    for a, b in spans:
        lo, a2, b2, hi = _window(tokens, covered, a, b, others)
        role.merge(_role(tokens, covered, [(lo, a2), (b2, hi)], fold(name)))
    return role
