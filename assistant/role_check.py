"""Whether the role a claim gives a person fits the role its cited sentence gives them.

Both roles are read by :mod:`assistant.titles`. A claim's role fits when every head it
gives (with the same deputy-ness, and only modifiers the sentence has) is among the
sentence's heads for that person, its specific bodies and levels are among the sentence's,
and its places are the sentence's (or, when the sentence's window names none, appear in the
sentence or the article's title). Places are matched folded ("Nghe An" = "Nghệ An"). A place
written in ASCII whose words cannot be Vietnamese syllables ("Russia", "Moscow": see
:func:`_exonym`) is a foreign or English name; when it occurs nowhere in the sentence or its
title it cannot be checked without a bilingual gazetteer (the package has none), so it is not
held against the claim — a Vietnamese place written without diacritics is always checked.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.text import fold
from assistant.titles import Role

__all__ = ["holds", "places_missing", "role_problem"]


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


# a Vietnamese syllable, folded to ASCII: initial consonant, vowel nucleus, final consonant
# (the syllable structure of reference grammars: Thompson 1965, ch. 2; Nguyễn Đình Hoà 1997)
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?")


def _exonym(place: str) -> bool:
    """A name in ASCII with a word that cannot be a Vietnamese syllable ("Moscow", "Russia")."""
    return place.isascii() and any(not _SYLLABLE.fullmatch(w) for w in fold(place).lower().split())


def _place_found(place: str, haystack: str) -> bool:
    return bool(_squash(place)) and _squash(place) in haystack


def _unit_text(unit: tuple[frozenset[str], frozenset[str]]) -> str:
    heads, mods = unit
    return " ".join(sorted(mods)) + (" " if mods else "") + "/".join(sorted(heads))


def places_missing(role: Role, context: str) -> list[str]:
    """The places of ``role`` that ``context`` never names (an English exonym, which cannot
    be checked without a gazetteer, is never missing)."""
    haystack = _squash(context)
    return [p for p in role.places if not (_exonym(p) or _place_found(p, haystack))]


def role_problem(claimed: Role, stated: Role, context: str) -> str | None:
    """Why the role a claim gives (``claimed``) does not fit the one its sentence gives
    (``stated``), or None when it fits. ``context``: the sentence and its article's title,
    where places named by neither window may be found."""
    if not claimed:
        return None
    for heads, mods in claimed.units:
        deputy = "deputy" in mods
        fits = [
            (h, m) for h, m in stated.units
            if h & heads and ("deputy" in m) == deputy and (mods - {"deputy"}) <= m
        ]  # fmt: skip
        if not fits:
            said = "; ".join(_unit_text(u) for u in stated.units) or "no title"
            return f"gives the role {_unit_text((heads, mods))!r} where the sentence says {said}"
    missing = claimed.bodies - stated.bodies
    if missing:
        return f"puts the person in {', '.join(sorted(missing))}, which the sentence does not"
    implied = set(stated.levels)
    for body, level in (("provincial party committee", "province"), ("municipal party committee", "city"),
                        ("district party committee", "district")):
        if body in stated.bodies:
            implied.add(level)
    if claimed.levels - implied and stated.levels:
        return f"gives the level {', '.join(sorted(claimed.levels - implied))}, the sentence {', '.join(sorted(stated.levels))}"
    haystack = _squash(context)
    window = _squash(" ".join(stated.places))
    for place in claimed.places:
        if _exonym(place) and not _place_found(place, haystack):
            continue  # an English exonym: nothing here to check it against
        if stated.places:
            if not _place_found(place, window):
                return f"ties the person to {place!r}; the sentence to {', '.join(stated.places)}"
        elif not _place_found(place, haystack):
            return f"ties the person to {place!r}, which the sentence does not name"
    return None


def holds(office: Role, stated: Role, context: str) -> bool:
    """Whether a person whose sentences give them ``stated`` holds ``office`` (heads, bodies,
    levels; its places named in ``context``, the sentences and their titles, wherever in them:
    a role window also takes in where the person was, "tại Liên bang Nga, đồng chí …")."""
    return bool(stated.units) and role_problem(office, replace(stated, places=[]), context) is None
