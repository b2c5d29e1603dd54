"""Every hand-made word list of the package, in one place.

These lists were written by hand by the project's engineers while building the first
version (the commits named below); no external resource was used for them, as far as the
history shows. The developers' guide asks that word lists come from general resources named
in their file: they are due to be replaced by such resources. Until then they live here,
and nowhere else, so that one change reaches every part that reads them (question analysis,
the evidence gate, the extractive engine, the citation check, follow-up condensing).

The lists are raw strings; each module that reads one normalises it the way it matches
text (tone-normalised for questions and facts, folded for the citation check).
"""

from __future__ import annotations

__all__ = [
    "CLAIM_STOPWORDS",
    "ENGLISH_HINTS",
    "FOLDED_AMBIGUOUS",
    "FOLLOW_UP_PRONOUNS",
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
    "QUESTION_STOPWORDS_EN",
    "QUESTION_STOPWORDS_VI",
    "VIETNAMESE_SURNAMES",
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())

# --- stopwords ------------------------------------------------------------------------------
# Two lists, kept apart because they serve different matchers and merging them would change
# what each one matches.

# Question terms (assistant.terms.content_terms: questions, the evidence gate, the extractive
# engine). Tone-marked; a question typed without diacritics is matched against the folded
# forms minus FOLDED_AMBIGUOUS. Hand-made in 6818198 ("Extractive answer engine, evidence
# gate ..."); "phần trăm chức vụ tên gọi ..." added in ff8bf49.
QUESTION_STOPWORDS_VI = _words(
    "của là và các những có được cho với trong tại về đã sẽ đang này đó thì mà nào gì ai bao "
    "nhiêu khi đâu không một hay hoặc nhé ạ vậy thế sao mấy như từ đến ra vào lên theo bởi "
    "do vì nên cũng rất còn chỉ đều hơn nhất cùng ở lần việc hãy cho biết phần trăm chức vụ tên "
    "gọi là sang tới đi ấy ông bà anh chị họ"
)
QUESTION_STOPWORDS_EN = _words(
    "the a an of to in on for with and or what who whom whose when where which how much many "
    "did does do is are was were be been by at from that this these those as it its their his "
    "her they he she them there about into than then any some according article articles say "
    "said tell me please can could would should"
)
# Folded forms that are also the folded form of a content word ("đâu" and "đầu" are both
# "dau"): never a stopword in a question typed without diacritics. Hand-made in 6818198.
FOLDED_AMBIGUOUS = ("dau", "ban", "nam", "tien", "cong", "an")

# Content words of an answer sentence (assistant.citations: a claim without facts must share
# enough of them with the passage it cites). Folded (no diacritics), Vietnamese and English.
# Hand-made in f95f514 (the first citation checker).
CLAIM_STOPWORDS = _words(
    "la cua va cac nhung duoc co da voi trong cho nay do mot khi thi ma de tai tu ve theo nhu "
    "cung se dang vao ra len sau truoc hon rat nhieu ong ba ay nen neu vi boi o tren duoi den "
    "the a an of to in on at for from by with and or but as is was are were be been has have "
    "had it its this that these those he she his her they their which who whom what when where "
    "how also not no yes than then so such into about over after before there here"
)

# --- names ----------------------------------------------------------------------------------
# Capitalised words that are not part of a proper name: a run of capitalised words is split
# at them ("Party Secretary Nguyen Doan Anh" -> "Nguyen Doan Anh"; assistant.facts). One list
# in f95f514 / 7dc4895, shown here in its natural groups; the groups' union is that list.
# The title groups also find a title next to a name, and the honorifics bound it
# (assistant.facts.titled_names).
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

# Common Vietnamese family names: a capitalised run holding one starts a person's name
# (assistant.facts.person_names). Hand-made in 6818198; the most common surnames, as found in
# general references on Vietnamese names.
VIETNAMESE_SURNAMES = _words(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đầu Tô Đinh Mai "
    "Trịnh Lương Thái Hà Đào Cao Lâm Trương Kiều Tạ Văn Chu Triệu Đoàn Lại Quách Vương Từ"
)

# --- language -------------------------------------------------------------------------------
# English function and question words (assistant.language.detect_language). Hand-made in
# 2c86fa4 (the skeleton).
ENGLISH_HINTS = _words(
    "the what who when where which how did does is are was were of to and in with many much "
    "why whom whose led"
)

# --- follow-ups -----------------------------------------------------------------------------
# Pronouns and pointing words (folded) that a rewrite of a follow-up question may replace
# (assistant.condense). Hand-made in 5839ca3.
FOLLOW_UP_PRONOUNS = _words(
    "ong ba anh chi ay do nay ho no chung he she they it its his her their them there that this "
    "what which who"
)
