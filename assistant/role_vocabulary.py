"""The words of public roles, in Vietnamese and English, for :mod:`assistant.titles`.

Each entry: (kind, concept, implied modifiers, Vietnamese phrases, English phrases); kinds
are *head* (the office), *mod* (deputy, standing …), *body*, *generic* and *level*.

Sources of the vocabulary (a general resource, not the eval questions):

- Thông tư 03/2009/TT-BNG of the Ministry of Foreign Affairs (9 July 2009), "Hướng dẫn dịch
  Quốc hiệu, tên các cơ quan, đơn vị và chức danh lãnh đạo, cán bộ công chức trong hệ thống
  hành chính nhà nước sang tiếng Anh để giao dịch đối ngoại", and its annex: the English of
  state titles and bodies (Chủ tịch nước = President, Thủ tướng = Prime Minister, Bộ trưởng
  = Minister, Thứ trưởng = Deputy Minister, Chủ tịch Ủy ban nhân dân = Chairman/Chairwoman
  of the People's Committee, Giám đốc Sở = Director of Department, Cục trưởng / Vụ trưởng =
  Director, Trưởng Ban = Head, Chánh Văn phòng = Chief of Office, Tỉnh = Province …);
- "Cẩm nang từ vựng tiếng Anh dành cho cán bộ Đoàn", Ban Quốc tế Trung ương Đoàn TNCS Hồ Chí
  Minh, chapter 2 (the Communist Party of Viet Nam): Tổng Bí thư = General Secretary, Bộ
  Chính trị = Politburo, Ban Bí thư = Secretariat, Ban Chấp hành Trung ương = Central
  Committee, Tỉnh ủy = Provincial Party Committee, Thành ủy = Municipal Party Committee,
  Bí thư / Phó Bí thư = Secretary / Deputy Secretary, Ủy viên = Member;
- the Vienna Convention on Diplomatic Relations (1961), art. 14, and the Vienna Convention
  on Consular Relations (1963), art. 9, for diplomatic and consular titles (Đại sứ Đặc
  mệnh toàn quyền = Ambassador Extraordinary and Plenipotentiary, Tổng Lãnh sự = Consul
  General, Lãnh sự = Consul, Đại biện = Chargé d'affaires);
- the English renderings of the connectors are those the two guides use when building
  titles ("Chairman *of the* People's Committee", "Ambassador … *to* …").

The few titles foreign officials carry in Vietnamese news (Thống đốc = Governor, Thị trưởng
= Mayor, Tổng thống = President) and company titles (Tổng Giám đốc = General Director /
CEO, Chủ tịch Hội đồng quản trị = Chairman of the Board) are the dictionary renderings, as
are the verbs of three offices ("who chairs / heads / governs …?").

:func:`match_titles` finds the vocabulary's phrases in a text's tokens (:func:`title_tokens`),
longest first; :mod:`assistant.titles` reads roles from what it finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import normalize

__all__ = ["VIETNAMESE_OF", "VOCABULARY", "Entry", "Match", "match_titles", "title_key", "title_tokens",
           "vietnamese_role_words"]

# (kind, concept, implied modifiers, Vietnamese phrases, English phrases)
VOCABULARY: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    # --- heads: Party (Cẩm nang …, ch. 2) ---------------------------------------------------
    ("head", "general secretary", (), ("tổng bí thư",), ("general secretary", "secretary general", "secretary-general")),
    ("head", "secretary", (), ("bí thư",), ("secretary", "party secretary", "party chief")),
    ("head", "member", (), ("ủy viên", "thành viên"), ("member",)),
    # --- heads: state (TT 03/2009/TT-BNG) ---------------------------------------------------
    ("head", "president", (), ("chủ tịch nước", "tổng thống"), ("president", "state president")),
    ("head", "chair", (), ("chủ tịch", "chủ nhiệm"), ("chairman", "chairwoman", "chairperson", "chair", "president", "chairs", "chaired")),
    ("head", "prime minister", (), ("thủ tướng",), ("prime minister", "premier")),
    ("head", "minister", (), ("bộ trưởng",), ("minister",)),
    ("head", "minister", ("deputy",), ("thứ trưởng",), ()),
    ("head", "director general", (), ("tổng cục trưởng", "tổng giám đốc"),
     ("director general", "director-general", "general director", "chief executive officer", "ceo")),
    ("head", "director", (), ("giám đốc", "cục trưởng", "vụ trưởng", "viện trưởng"), ("director",)),
    ("head", "head", (), ("trưởng ban", "trưởng phòng", "trưởng đoàn", "người đứng đầu"),
     ("head", "chief", "head of delegation", "heads", "headed")),
    ("head", "chief of office", (), ("chánh văn phòng",), ("chief of office",)),
    ("head", "inspector", (), ("chánh thanh tra", "tổng thanh tra"), ("chief inspector", "inspector general")),
    ("head", "manager", (), ("chi cục trưởng",), ("manager",)),
    ("head", "governor", (), ("thống đốc",), ("governor", "governs", "governed")),
    ("head", "mayor", (), ("thị trưởng",), ("mayor",)),
    ("head", "commander", (), ("chỉ huy trưởng", "tư lệnh"), ("commander",)),
    # --- heads: diplomatic and consular (Vienna Conventions) --------------------------------
    ("head", "ambassador", (), ("đại sứ",), ("ambassador",)),
    ("head", "consul general", (), ("tổng lãnh sự",), ("consul general", "consul-general")),
    ("head", "consul", (), ("lãnh sự",), ("consul",)),
    ("head", "charge d'affaires", (), ("đại biện",), ("charge d'affaires", "chargé d'affaires")),
    # --- modifiers --------------------------------------------------------------------------
    ("mod", "deputy", (), ("phó",), ("deputy", "vice", "vice-")),
    ("mod", "standing", (), ("thường trực",), ("standing", "permanent", "executive")),
    ("mod", "acting", (), ("quyền",), ("acting",)),
    ("mod", "first", (), ("thứ nhất",), ("first",)),
    ("mod", "plenipotentiary", (), ("đặc mệnh toàn quyền",),
     ("extraordinary and plenipotentiary", "plenipotentiary", "extraordinary")),
    # --- bodies: Party ----------------------------------------------------------------------
    ("body", "provincial party committee", (), ("tỉnh ủy", "đảng ủy tỉnh"),
     ("provincial party committee", "provincial party", "party committee of the province")),
    ("body", "municipal party committee", (), ("thành ủy",),
     ("municipal party committee", "city party committee", "municipal party")),
    ("body", "district party committee", (), ("huyện ủy", "quận ủy"), ("district party committee",)),
    ("body", "central committee", (), ("ban chấp hành trung ương", "trung ương đảng", "bch trung ương"),
     ("central committee", "party central committee")),
    ("body", "politburo", (), ("bộ chính trị",), ("politburo", "political bureau")),
    ("body", "secretariat", (), ("ban bí thư",), ("secretariat",)),
    ("body", "standing board", (), ("ban thường vụ",), ("standing board", "standing committee")),
    # --- bodies: state (TT 03/2009/TT-BNG) --------------------------------------------------
    ("body", "people's committee", (), ("ủy ban nhân dân", "ubnd"), ("people's committee",)),
    ("body", "people's council", (), ("hội đồng nhân dân", "hđnd"), ("people's council",)),
    ("body", "national assembly", (), ("quốc hội",), ("national assembly",)),
    ("body", "government", (), ("chính phủ",), ("government",)),
    ("body", "fatherland front", (), ("mặt trận tổ quốc",), ("fatherland front",)),
    ("body", "foreign affairs", (), ("ngoại giao", "ngoại vụ", "đối ngoại"), ("foreign affairs", "foreign", "external relations")),
    ("body", "industry and trade", (), ("công thương",), ("industry and trade",)),
    ("body", "planning and investment", (), ("kế hoạch và đầu tư",), ("planning and investment",)),
    ("body", "public security", (), ("công an",), ("public security", "police")),
    ("body", "defence", (), ("quốc phòng",), ("defence", "defense", "national defence")),
    ("body", "finance", (), ("tài chính",), ("finance",)),
    ("body", "state bank", (), ("ngân hàng nhà nước",), ("state bank",)),
    ("body", "embassy", (), ("đại sứ quán",), ("embassy",)),
    ("body", "consulate", (), ("tổng lãnh sự quán", "lãnh sự quán"), ("consulate", "consulate general")),
    ("body", "chamber of commerce", (), ("phòng thương mại",), ("chamber of commerce",)),
    ("body", "board of directors", (), ("hội đồng quản trị",), ("board of directors", "management board")),
    # generic bodies: matched (so that they are not read as places) but never compared
    ("generic", "ministry", (), ("bộ",), ("ministry",)),
    ("generic", "department", (), ("sở", "cục", "vụ", "tổng cục"), ("department", "directorate", "authority")),
    ("generic", "committee", (), ("ủy ban", "ban"), ("committee", "commission", "board")),
    ("generic", "council", (), ("hội đồng",), ("council",)),
    ("generic", "party", (), ("đảng",), ("party",)),
    ("generic", "group", (), ("tập đoàn", "công ty", "tổng công ty"), ("group", "corporation", "company")),
    ("generic", "association", (), ("hiệp hội", "liên hiệp", "hội"), ("association", "union", "federation")),
    ("generic", "office", (), ("văn phòng",), ("office",)),
    ("generic", "central", (), ("trung ương",), ("central",)),
    ("generic", "federation", (), ("liên bang",), ("federation", "federal")),
    ("generic", "industry", (), ("công nghiệp",), ("industry",)),
    ("generic", "commerce", (), ("thương mại",), ("commerce", "trade")),
    # --- levels (TT 03/2009/TT-BNG, names of provinces, cities, districts, communes) --------
    ("level", "province", (), ("tỉnh",), ("province", "provincial")),
    ("level", "city", (), ("thành phố", "tp"), ("city", "municipal", "municipality")),
    ("level", "district", (), ("huyện", "quận", "thị xã"), ("district", "town")),
    ("level", "commune", (), ("xã", "phường", "thị trấn"), ("commune", "ward")),
)


# --- matching -------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_POSSESSIVE_RE = re.compile(r"(\w)['’]s\b")
_MAX_PHRASE = 5


def title_key(token: str) -> str:
    """A token as the vocabulary is looked up: lower case, one tone-mark placement."""
    return normalize(token.lower())


def title_tokens(text: str) -> list[str]:
    """Words and punctuation, a possessive "'s" dropped ("Vietnam's ambassador")."""
    return _TOKEN_RE.findall(_POSSESSIVE_RE.sub(r"\1", text.replace("’", "'")))


@dataclass(frozen=True)
class Entry:
    kind: str
    concept: str
    mods: tuple[str, ...]


@dataclass
class Match:
    start: int
    end: int
    entries: list[Entry]


def _index() -> dict[tuple[str, ...], list[Entry]]:
    index: dict[tuple[str, ...], list[Entry]] = {}
    for kind, concept, mods, vi, en in VOCABULARY:
        for phrase in (*vi, *en):
            words = tuple(title_key(t) for t in title_tokens(phrase))
            entries = index.setdefault(words, [])
            entry = Entry(kind, concept, mods)
            if entry not in entries:
                entries.append(entry)
    return index


def _vietnamese_of() -> dict[Entry, tuple[str, ...]]:
    """Each entry's Vietnamese phrases (an entry may stand in several rows of the vocabulary)."""
    out: dict[Entry, tuple[str, ...]] = {}
    for kind, concept, mods, vi, _en in VOCABULARY:
        entry = Entry(kind, concept, mods)
        out[entry] = out.get(entry, ()) + vi
    return out


_INDEX, VIETNAMESE_OF = _index(), _vietnamese_of()


def match_titles(tokens: list[str]) -> list[Match | None]:
    """For each token, the vocabulary match covering it (longest first), or None."""
    keys = [title_key(t) for t in tokens]
    covered: list[Match | None] = [None] * len(tokens)
    i = 0
    while i < len(tokens):
        for size in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            entries = _INDEX.get(tuple(keys[i : i + size]))
            if entries:
                match = Match(i, i + size, entries)
                for k in range(i, i + size):
                    covered[k] = match
                i += size
                break
        else:
            i += 1
    return covered


def vietnamese_role_words(text: str) -> list[str]:
    """The Vietnamese phrases of the offices ``text`` names, from the vocabulary's general
    sources ("Who is the Party Secretary of Thanh Hóa?" -> "bí thư"): the words a Vietnamese
    article uses for the office an English question asks about. An office its modifier makes
    another word takes that word ("Deputy Foreign Minister" -> "thứ trưởng", not "bộ trưởng").
    Offices only: a body's name is too often another thing's ("defense" of a football team is
    no "quốc phòng")."""
    out: list[str] = []
    mods: set[str] = set()  # the modifiers before the next office
    for match in {id(m): m for m in match_titles(title_tokens(text)) if m is not None}.values():
        heads = [e for e in match.entries if e.kind == "head"]
        mods |= {e.concept for e in match.entries if e.kind == "mod"}
        for entry in heads:
            entry = next((e for e in VIETNAMESE_OF if e.concept == entry.concept and e.kind == "head" and e.mods
                          and set(e.mods) <= mods), entry)
            out += [p for p in VIETNAMESE_OF[entry] if p not in out]
        if heads:
            mods = set()
    return out
