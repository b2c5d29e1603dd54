"""Every word list of the package, in one place, each with the resource it comes from.

The developers' guide: no word list may be read off the eval questions or their answers; a
list that is needed comes from a general resource named beside it. So:

- stopwords (Vietnamese and English) come from stopwords-iso (the ``stopwordsiso`` package,
  pinned in pyproject.toml; https://github.com/stopwords-iso), read lazily;
- interrogatives, pronouns, honorifics, prepositions, conjunctions and the copula are closed
  grammatical classes, listed from reference grammars (Thompson, *A Vietnamese Reference
  Grammar*, 1965/1987; Nguyễn Đình Hoà, *Vietnamese*, 1997; the Wikipedia articles
  "Vietnamese grammar" and "Vietnamese pronouns");
- surnames are the most common Vietnamese family names as given by general references on
  Vietnamese names (Wikipedia "Vietnamese name": the fourteen most frequent);
- titles and words of official bodies are general vocabulary of public office (English, and
  the Vietnamese titles with the English renderings Vietnamese state media use);
- cardinal numerals one to twelve are the languages' own (the reference grammars above; CLDR's
  number spell-out rules for ``en`` and ``vi``); Vietnamese "năm" (five, and year) is left out.

Each module that reads a list normalises it the way it matches text (tone-normalised for
questions and facts, folded for the citation check).
"""

from __future__ import annotations

from functools import cache

__all__ = [
    "ANAPHORA_OPENERS",
    "CARDINALS",
    "CLAUSE_OPENERS",
    "CONNECTIVES",
    "DEMONSTRATIVES",
    "DURATION_UNITS",
    "ENGLISH_INTERROGATIVES",
    "FOLLOW_UP_PRONOUNS",
    "GRAMMATICAL_MARKERS",
    "INTERROGATIVES",
    "LOCATIVES",
    "MAGNITUDES",
    "NAME_FUNCTION_WORDS",
    "NAME_HONORIFICS",
    "NAME_ORGANISATION_WORDS",
    "NAME_PLACE_WORDS",
    "NAME_TITLES",
    "NAME_TITLE_MODIFIERS",
    "NAME_VIETNAMESE_FUNCTION_WORDS",
    "NAME_VIETNAMESE_HONORIFICS",
    "NAME_VIETNAMESE_TITLES",
    "NOT_NAMES",
    "OFFICE_TITLES",
    "PLACE_UNITS",
    "ROLE_APPOINTING",
    "ROLE_ARTICLES",
    "ROLE_BECOMING",
    "ROLE_CONNECTORS",
    "ROLE_COORDINATORS",
    "ROLE_COPULAS",
    "ROLE_GENITIVES",
    "ROLE_PASSIVES",
    "ROLE_WHO",
    "VIETNAMESE_SURNAMES",
    "stopword_syllables",
    "stopwords",
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())

# --- stopwords ------------------------------------------------------------------------------


@cache
def stopwords(language: str) -> frozenset[str]:
    """stopwords-iso's list for ``language`` ("vi" or "en"), lower case, NFC; Vietnamese
    entries are phrases of syllables ("bao nhiêu")."""
    import stopwordsiso

    from assistant.text import normalize

    return frozenset(normalize(w.lower()) for w in stopwordsiso.stopwords(language))


@cache
def stopword_syllables(language: str, *, marked: bool = False) -> frozenset[str]:
    """Every syllable (word) of a stopwords-iso entry, folded (no diacritics): what
    diacritic-free text and the citation check compare against; ``marked=True``: with their
    marks ("còn", "thì")."""
    from assistant.text import fold

    return frozenset(s if marked else fold(s) for w in stopwords(language) for s in w.split())


# --- durations ----------------------------------------------------------------------------
# Units of time, Unicode CLDR (units: duration-*), Vietnamese and English display names: a
# number they measure tells how long, not how much (assistant.spans); the English of each
# Vietnamese one writes an English question's answer ("75 năm": "75 years", assistant.units).
DURATION_ENGLISH = {"năm": "year", "tháng": "month", "tuần": "week", "ngày": "day", "giờ": "hour", "phút": "minute",
                    "giây": "second", "quý": "quarter"}
DURATION_UNITS = (*DURATION_ENGLISH, *(w for e in DURATION_ENGLISH.values() for w in (e, f"{e}s")))


# --- names ----------------------------------------------------------------------------------
# Capitalised words that are not part of a proper name: a run of capitalised words is split
# at them ("Party Secretary Nguyen Doan Anh" -> "Nguyen Doan Anh"; assistant.facts). One list
# in f95f514 / 7dc4895, shown here in its natural groups; the groups' union is that list.
# The title groups also find a title next to a name, and the honorifics bound it
# (assistant.people.titled_names).
NAME_FUNCTION_WORDS = _words(
    "a an the this that these those there here in on at of for from by to with and or but as "
    "it its he she his her they their we our you your i is was are were be been has have had "
    "according however also after before during on in since while when where which who whom"
)
NAME_HONORIFICS = _words("mr mrs ms dr sir mister madam comrade")
NAME_TITLES = _words(
    "secretary chairman chairwoman chair president minister governor ambassador consul general "
    "colonel major lieutenant director"
)
NAME_TITLE_MODIFIERS = _words(
    "vice deputy standing permanent prime extraordinary plenipotentiary head leader member"
)
NAME_ORGANISATION_WORDS = _words(
    "party provincial province city district commune ward committee people's peoples people "
    "council ministry embassy consulate delegation department office central federation "
    "republic socialist national state government association union chamber commerce industry "
    "trade investment conference forum news agency group corporation company"
)
NAME_PLACE_WORDS = _words("vietnam viet vietnamese russia russian moscow hanoi saigon federal soviet ussr")
NAME_VIETNAMESE_HONORIFICS = ("ông", "bà", "đồng chí", "ngài", "thưa")
NAME_VIETNAMESE_FUNCTION_WORDS = _words(
    "theo tại ngày trong với và của do khi sau trước hôm các những đoàn tỉnh huyện xã"
)
# Vietnamese titles, as phrases; their syllables split name runs like the words above.
NAME_VIETNAMESE_TITLES = ("bí", "chủ tịch", "phó", "đại sứ", "thủ tướng", "bộ trưởng")
# Capitalised phrases that are places, not names (folded). Hand-made in f95f514.
NOT_NAMES = ("viet nam", "lien bang nga", "lien xo")

# Titles of public office, English -> Vietnamese, as Vietnamese state media render them in
# English (e.g. "Bí thư Tỉnh ủy" = "Provincial Party Secretary", "Thống đốc" = "Governor").
# They find a title next to a name in either language (assistant.people.titled_names).
OFFICE_TITLES: dict[str, tuple[str, ...]] = {
    "secretary": ("bí thư",), "chairman": ("chủ tịch",), "chairwoman": ("chủ tịch",),
    "chair": ("chủ tịch",), "president": ("chủ tịch", "tổng thống"), "prime minister": ("thủ tướng",),
    "minister": ("bộ trưởng",), "deputy minister": ("thứ trưởng",), "governor": ("thống đốc",),
    "ambassador": ("đại sứ",), "consul": ("lãnh sự",), "director": ("giám đốc",),
    "general director": ("tổng giám đốc",), "mayor": ("thị trưởng",), "deputy": ("phó",),
    "vice": ("phó",), "head": ("trưởng",), "commander": ("chỉ huy trưởng", "tư lệnh"),
    "member": ("ủy viên",), "spokesperson": ("người phát ngôn",),
}

# The fourteen most common Vietnamese family names (Wikipedia, "Vietnamese name": together
# borne by about 90 % of the population; Hoàng/Huỳnh and Vũ/Võ are regional variants). A
# capitalised run holding one starts a person's name (assistant.people.person_names).
VIETNAMESE_SURNAMES = _words(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý"
)

# --- follow-ups -----------------------------------------------------------------------------
# Personal and demonstrative pronouns (folded), Vietnamese and English, from the reference
# grammars above: the words a rewrite of a follow-up question may replace (assistant.condense).
FOLLOW_UP_PRONOUNS = _words(
    "ong ba anh chi em co chu bac ay do nay kia ho no chung he she they it its his her their "
    "them there that this these those what which who"
)
# Anaphoric sentence openers (a sentence starting with one refers back to the previous
# sentence: the extractive engine quotes both), from the same grammars.
ANAPHORA_OPENERS = (
    "nó", "anh ấy", "ông ấy", "bà ấy", "cô ấy", "chị ấy", "họ", "ông", "bà", "điều này",
    "điều đó", "việc này", "việc đó", "đây", "đó", "he", "she", "it", "they", "this", "these",
    "that", "those", "his", "her", "its", "their",
)

# Demonstratives (Thompson 1965, the deictics; "vậy", "so", the pro-form of the same class),
# with their marks: after a connective they close it ("trong khi đó", "sau đó", "vì vậy") and
# point back, so a phrase cut from the clause does not open with one (assistant.phrases).
DEMONSTRATIVES = _words("đó này ấy kia đây đấy nọ vậy")

# --- question words ---------------------------------------------------------------------------
# Interrogatives (folded), from the reference grammars above; they ask, so a text holding one
# is a question (assistant.condense: a rewrite must still ask something).
ENGLISH_INTERROGATIVES = _words("who whom whose what which when where why how")
INTERROGATIVES = (*_words("ai gi nao bao nhieu bao gio dau sao khong chua may"), *ENGLISH_INTERROGATIVES)

# Prepositions, conjunctions and the copula, Vietnamese and English, from the same grammars:
# they join words and never measure a number ("6 của", "sáu lần và": assistant.spans).
CONNECTIVES = _words(
    "và hay hoặc nhưng mà thì là của ở tại trong ngoài trên dưới với cho để vì do bởi từ đến tới "
    "về theo sau trước khi nếu như and or but nor of in on at to for from with by as than is are was were"
)

# Words that open a subordinate or contrasted clause: subordinating conjunctions and relative
# words, Vietnamese and English, from the same grammars (Thompson 1965/1987 on conjunctions;
# Quirk et al. 1985, chs. 13-15, for English). A quoted sentence is cut into clauses before
# them (assistant.phrases). The coordinators "và", "hoặc", "hay", "and", "or" are left out: as
# often they join two nouns of one answer ("phowa và siddhi"); so are words that are as often
# something else ("do": by, because; "nên": so, should; English "that": a determiner).
CLAUSE_OPENERS = (
    "nhưng", "mà", "rằng", "khi", "trong khi", "sau khi", "trước khi", "vì", "bởi vì", "để", "nơi",
    "nếu", "tuy", "mặc dù",
    "but", "while", "when", "because", "which", "who", "whom", "whose", "where", "since",
    "although", "though", "if",
)
# Markers of tense, aspect and voice and the classifiers that open a noun phrase (Thompson
# 1965/1987: "đã", "đang", "sẽ", "vừa"; the passive "được", "bị"; plural "các",
# "những", "mọi"; "một", "cái"): they join a phrase to its sentence and never answer
# (assistant.phrases trims them from a phrase's edges).
GRAMMATICAL_MARKERS = ("đã", "đang", "sẽ", "vừa", "được", "bị", "các", "những", "mọi", "một", "cái")

# Prepositions of place and direction, Vietnamese and English, from the same grammars: a
# name answers "where" when one stands just before it ("tại Thụy Điển", "tại điện Kremlin",
# "in Sydney"), or the last syllable of a unit of place does ("tỉnh Kaluga", "thành phố St.
# Petersburg"): the administrative units of the Law on the Organisation of Local Government
# (2015: tỉnh, thành phố, huyện, quận, thị xã, xã, phường, thị trấn) and "thủ đô", "nước",
# "bang", "vùng", "miền", "làng", "đảo" (assistant.spans).
LOCATIVES = _words("ở tại trong ngoài trên dưới đến tới từ sang về gần in at on near from to into inside")
PLACE_UNITS = _words("tỉnh phố huyện quận xã phường trấn đô nước bang vùng miền làng đảo")

# --- offices in questions -------------------------------------------------------------------
# Closed grammatical classes, from the reference grammars above and, for English, Quirk et
# al., *A Comprehensive Grammar of the English Language* (1985), as the role windows of
# assistant.titles read them. Connectors inside a title ("Chairman of the People's
# Committee", "Đại sứ … tại Liên bang Nga"); the coordinators join two titles only before a
# capitalised word ("Phòng Thương mại và Công nghiệp").
ROLE_CONNECTORS = _words("of the for to at in tại của và and &")
ROLE_COORDINATORS = _words("và and &")
# Copulas, and the verbs' own ("làm": as; "giữ chức": holding the office of): "X là Bí thư …",
# "X is the Governor …", "Ai được bổ nhiệm làm …?".
ROLE_COPULAS = ("là", "is", "was", "as", "làm", "giữ chức")
# The person a question asks for; genitives, which carry a role phrase on ("người đứng đầu
# đoàn công tác của Bộ Ngoại giao"); articles; verbs of becoming before an office ("Who was
# hired to be …?", "… trở thành …").
ROLE_WHO = _words("ai who whom")
ROLE_GENITIVES = _words("của of")
ROLE_ARTICLES = _words("the a an")
ROLE_BECOMING = ("be", "become", "became", "trở thành")
# Verbs that put a person in an office, passive with the office as their complement (English
# complex-transitive verbs, Quirk et al. 1985, ch. 16: "was elected governor", "has been
# appointed ambassador"; Vietnamese after the passive "được": "được bầu / bổ nhiệm / cử …"),
# and the passive auxiliaries before them.
ROLE_APPOINTING = ("elected", "appointed", "named", "made", "chosen", "bầu", "bổ nhiệm", "cử")
ROLE_PASSIVES = _words("was were is are be been being được")

# --- numbers --------------------------------------------------------------------------------
# Cardinal numerals written as words, with their values: a question that says "nine months"
# states the number 9 ("chín tháng"), which is then not its answer (assistant.spans).
CARDINALS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
    "mười": 10,
}  # fmt: skip
# The ones that count when written as words ("ba khu công nghiệp": assistant.spans,
# assistant.claims); "một" is mostly "a", "one" a pronoun, "tư" a syllable of another word
# ("tư vấn", "đầu tư").
COUNTING_CARDINALS = frozenset(w for w in CARDINALS if w not in ("một", "one", "tư"))
# Words of magnitude, from the same grammars: they scale a number and measure nothing ("2,6
# triệu người" counts people: assistant.spans).
MAGNITUDES = _words("chục trăm nghìn ngàn vạn triệu tỷ tỉ hundred hundreds thousand thousands million millions "
                    "billion billions trillion trillions")
# The nouns of time a Vietnamese year is said with, from the same grammars: "năm" heads the
# phrase of a year ("năm 1946"), "những năm" and "thập niên" / "thập kỷ" that of a decade
# ("những năm 1990": the 1990s), and "đầu", "giữa", "cuối" take a part of it ("cuối những năm
# 1990"): the year alone is a fragment of the phrase (assistant.dates.year_phrase_start).
YEAR_HEADS = ("những năm", "các năm", "thập niên", "thập kỷ", "thập kỉ", "năm")
PERIOD_PARTS = ("đầu", "giữa", "cuối")
# The English of the Vietnamese magnitudes, from the same grammars ("6,25 triệu USD": "6.25
# million USD", assistant.units).
MAGNITUDE_ENGLISH = {"trăm": "hundred", "nghìn": "thousand", "ngàn": "thousand", "triệu": "million", "tỷ": "billion",
                     "tỉ": "billion"}
