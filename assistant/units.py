"""Numbers with their units, compared across spellings and languages.

"6,25 triệu USD" = "6.25 million USD" = "US$6.25 million", but not "6,25 tỷ USD" nor
"6,25 triệu rúp": :func:`quantities` reads each number with its scale word (nghìn / triệu /
tỷ, thousand / million / billion) and its unit, and :func:`same_quantity` compares values
*after* scaling and units by concept. (:mod:`assistant.facts` compares numbers by any of
their readings, which lets "6,25 tỷ" match "6,25 triệu"; the claim check reads units here.)

Sources of the unit names (a general resource, not the eval questions):

- currencies: ISO 4217 codes and English names; the Vietnamese names as the State Bank of
  Vietnam writes them in its exchange-rate tables (Đô la Mỹ, Euro, Yên Nhật, Rúp Nga, Won
  Hàn Quốc, Nhân dân tệ, Bảng Anh, Đồng Việt Nam);
- measures: the International System of Units (SI) and Vietnam's legal units of measurement
  (Nghị định 86/2012/NĐ-CP: mét, ki-lô-mét, ki-lô-gam, tấn, héc-ta, lít, oát), with the
  spellings Vietnamese news uses (km, kg, ha, MW);
- the percent sign and its words (phần trăm, percent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assistant.facts import find_dates, number_values
from assistant.text import fold, nfc, normalize
from assistant.wordlists import DURATION_ENGLISH, MAGNITUDE_ENGLISH

__all__ = ["UNITS", "Quantity", "english_quantity", "quantities", "same_quantity", "unit_named"]

# concept -> spellings (matched case-insensitively, diacritics folded, as whole words)
UNITS: dict[str, tuple[str, ...]] = {
    "percent": ("%", "phần trăm", "percent", "per cent", "pct"),
    "USD": ("USD", "US$", "$", "đô la Mỹ", "đô-la Mỹ", "đôla Mỹ", "đô la", "đô-la", "đôla", "US dollars",
            "US dollar", "dollars", "dollar"),
    "VND": ("VND", "VNĐ", "đồng Việt Nam", "đồng", "dong", "Vietnamese dong"),
    "EUR": ("EUR", "€", "euro", "euros"),
    "RUB": ("RUB", "rúp Nga", "rúp", "ruble", "rubles", "rouble", "roubles"),
    "JPY": ("JPY", "yên Nhật", "yên", "yen"),
    "KRW": ("KRW", "won Hàn Quốc", "won"),
    "CNY": ("CNY", "nhân dân tệ", "yuan", "renminbi"),
    "GBP": ("GBP", "£", "bảng Anh", "pounds sterling", "pound sterling"),
    "tonne": ("tấn", "tonnes", "tonne", "tons", "ton"),
    "kg": ("kg", "ki-lô-gam", "kilôgam", "kilogam", "kilograms", "kilogram"),
    "km": ("km", "ki-lô-mét", "kilômét", "kilomet", "kilometres", "kilometers", "kilometre", "kilometer"),
    "m": ("mét", "metres", "meters", "metre", "meter", "m"),
    "ha": ("ha", "héc-ta", "hecta", "hectares", "hectare"),
    "m2": ("m2", "m²", "mét vuông", "square metres", "square meters"),
    "litre": ("lít", "litres", "liters", "litre", "liter"),
    "MW": ("MW", "megawatt", "megawatts", "mê-ga-oát"),
}
_SCALES = {
    "nghìn": 3, "ngàn": 3, "thousand": 3, "k": 3,
    "triệu": 6, "million": 6, "millions": 6, "mn": 6, "tr": 6,
    "tỷ": 9, "tỉ": 9, "billion": 9, "billions": 9, "bn": 9,
    "nghìn tỷ": 12, "ngàn tỷ": 12, "trillion": 12,
}  # fmt: skip

_SPELLINGS = sorted(
    ((fold(s).lower(), concept) for concept, spellings in UNITS.items() for s in spellings),
    key=lambda item: -len(item[0]),
)
_SCALE_WORDS = sorted(((fold(w), e) for w, e in _SCALES.items()), key=lambda item: -len(item[0]))
_NUMBER_RE = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)*)(?![\d])")


@dataclass(frozen=True)
class Quantity:
    """A number as written, the values it may stand for (scaled), and its unit concept."""

    text: str
    values: frozenset[str]
    unit: str | None
    raw: frozenset[str] = frozenset()  # the values as written, before the scale word
    scaled: bool = False  # a scale word followed the number


def _canon(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _match_word(text: str, table: list[tuple[str, object]]) -> tuple[str, object] | None:
    """The longest ``table`` spelling ``text`` (folded, lower case) starts with, as a word."""
    for spelling, concept in table:
        if text.startswith(spelling):
            rest = text[len(spelling) :]
            if not rest or not (rest[0].isalnum()) or not spelling[-1:].isalnum():
                return spelling, concept
    return None


def quantities(text: str) -> list[Quantity]:
    """The numbers of ``text`` (dates left out) with their scale word and unit."""
    _, rest = find_dates(nfc(text))
    folded = fold(rest).lower()
    out: list[Quantity] = []
    for m in _NUMBER_RE.finditer(rest):
        token = m.group(1)
        raw = {Decimal(v) for v in number_values(token) if _decimal(v) is not None}
        if not raw:
            continue
        after = folded[m.end() :].lstrip()
        exponent = 0
        scale = _match_word(after, _SCALE_WORDS)  # type: ignore[arg-type]
        if scale is not None:
            exponent = int(scale[1])  # type: ignore[call-overload]
            after = after[len(scale[0]) :].lstrip()
        unit = _match_word(after, _SPELLINGS)  # type: ignore[arg-type]
        concept = str(unit[1]) if unit is not None else None
        if concept is None:  # a unit written before the number: "USD 6.25 million", "$6.25"
            before = folded[: m.start()].rstrip()
            for spelling, name in _SPELLINGS:
                if before.endswith(spelling) and (len(before) == len(spelling) or not before[-len(spelling) - 1].isalnum()):
                    concept = str(name)
                    break
        values = frozenset(_canon(v.scaleb(exponent)) for v in raw)
        out.append(Quantity(text=token, values=values, unit=concept,
                            raw=frozenset(_canon(v) for v in raw), scaled=exponent != 0))
    return out


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def unit_named(concept: str, text: str) -> bool:
    """Whether ``text`` names the unit ``concept`` anywhere."""
    folded = f" {fold(text).lower()} "
    return any(
        re.search(rf"(?<![\w]){re.escape(fold(s).lower())}(?![\w])", folded) for s in UNITS.get(concept, ())
    )


def same_quantity(claimed: Quantity, stated: Quantity, context: str = "") -> bool:
    """``claimed`` says what ``stated`` says: a common value (after scaling) and, when the
    claim gives a unit, the same unit (or, when the sentence's number has none, the unit
    named in ``context``)."""
    if not claimed.values & stated.values:
        # a bare number ("6,25" for "6,25 triệu USD") says the number as written
        if claimed.scaled or claimed.unit is not None or not claimed.raw & stated.raw:
            return False
    if claimed.unit is None or claimed.unit == stated.unit:
        return True
    return stated.unit is None and unit_named(claimed.unit, context)


# a concept's English: its ISO 4217 code or SI symbol (the key of UNITS), except these
_ENGLISH_UNIT = {"percent": "%", "tonne": "tonnes", "litre": "litres"}
_RANGE_WORDS = {"đến": "to", "tới": "to", "-": "-", "–": "-"}
_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:\.\d{3}){2,}$")  # "1.160.000": dots group thousands
_DECIMAL_RE = re.compile(r"^\d+,(?:\d{1,2}|\d{4,})%?$")  # "6,25", "0,12%": a decimal comma ("1,435" may be either)


def _english_number(token: str, *, scaled: bool) -> str:
    """``token`` with English separators where its reading is sure: dots grouping thousands,
    a decimal comma (any comma before a Vietnamese magnitude word: "14,245 tỷ" is 14.245 billion)."""
    if _THOUSANDS_RE.match(token):
        return token.replace(".", ",")
    decimal = _DECIMAL_RE.match(token) or (scaled and token.count(",") == 1 and "." not in token)
    return token.replace(",", ".") if decimal else token


def english_quantity(text: str) -> str:
    """A short answer of quantity in Vietnamese words, written in English when every word of
    it can be: "6,25 triệu USD" -> "6.25 million USD", "75 năm" -> "75 years", "24 đến 80" ->
    "24 to 80", "1.160.000" -> "1,160,000". A word it cannot write ("22 lần", "7.000.000 km
    vuông") keeps the whole answer in the article's words, and so does a numeral written as a
    word ("mười năm"): the citation check reads digits in the quote, and "10" is not there."""
    words, out, i = text.split(), [], 0
    value: Decimal | None = None
    while i < len(words):
        word = words[i]
        low = normalize(word.lower())
        if re.fullmatch(r"\d+(?:[.,]\d+)*%?", word):
            scaled = i + 1 < len(words) and normalize(words[i + 1].lower()) in MAGNITUDE_ENGLISH
            out.append(_english_number(word, scaled=scaled))
            value = _decimal(out[-1].rstrip("%").replace(",", ""))
        elif low in MAGNITUDE_ENGLISH:
            out.append(MAGNITUDE_ENGLISH[low])
            value = None
        elif low in DURATION_ENGLISH:
            out.append(DURATION_ENGLISH[low] + ("" if value == 1 else "s"))
        elif low in _RANGE_WORDS:
            out.append(_RANGE_WORDS[low])
        else:
            unit = _match_word(fold(" ".join(words[i:])).lower(), _SPELLINGS)  # type: ignore[arg-type]
            if unit is None or len(unit[0]) < len(fold(word).lower()):
                return text
            concept = str(unit[1])
            out.append(_ENGLISH_UNIT.get(concept, concept))
            i += len(unit[0].split())
            continue
        i += 1
    return " ".join(out).replace(" %", "%")
