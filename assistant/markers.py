"""Citation markers in an answer: ``[1]``, ``[1, 2]``, ``[passage 3]``, ``[1-3]`` made canonical
(``[1][2]``), read back, and set on a sentence before its final punctuation. Used by the
citation check (:mod:`assistant.citations`).
"""

from __future__ import annotations

import re

__all__ = ['LEADING_RUN_RE', 'markers_of', 'normalize_markers', 'set_markers', 'strip_markers']


_LABEL = r"(?:passage|passages|source|sources|doc|document|đoạn|nguồn|tài\s+liệu)?\s*"
_GROUP = r"\[\s*" + _LABEL + r"\d+(?:\s*(?:,|;|-|–|and|và)\s*" + _LABEL + r"\d+)*\s*\]"
_MARKER_RUN_RE = re.compile(r"[ \t]*" + _GROUP + r"(?:[ \t]*" + _GROUP + r")*", re.IGNORECASE)
_GROUP_RE = re.compile(_GROUP, re.IGNORECASE)
_CANON_MARKER_RE = re.compile(r"\[(\d+)\]")
_CANON_RUN_RE = re.compile(r"[ \t]*(?:\[\d+\])+")
LEADING_RUN_RE = re.compile(r"^(?:\[\d+\])+\s*")
_TRAILING_PUNCT_RE = re.compile(r"[.!?…:;]+[\"”’)]*$")
_LIST_PREFIX_RE = re.compile(r"^\s*(?:\d{1,2}[.)]\s+|[-*•+]\s+|#+\s+)")


def _group_numbers(group: str) -> list[int]:
    """The numbers of one bracket group, ranges like "1-3" expanded."""
    body = re.sub(_LABEL, " ", group[1:-1], flags=re.IGNORECASE)
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|;|and|và)\s*", body, flags=re.IGNORECASE):
        bounds = [int(x) for x in re.findall(r"\d+", part)]
        if len(bounds) == 2 and re.search(r"[-–]", part) and 0 < bounds[1] - bounds[0] <= 10:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


def normalize_markers(text: str, count: int) -> tuple[str, list[str]]:
    """Rewrite every citation run as "[1][2]" and remove numbers outside 1..count.

    Returns the new text and the invalid markers removed (e.g. ``["[7]"]``).
    """
    invalid: list[str] = []

    def repl(match: re.Match[str]) -> str:
        numbers: list[int] = []
        for group in _GROUP_RE.findall(match.group(0)):
            for n in _group_numbers(group):
                if 1 <= n <= count:
                    if n not in numbers:
                        numbers.append(n)
                elif f"[{n}]" not in invalid:
                    invalid.append(f"[{n}]")
        if not numbers:
            return ""
        lead = " " if match.group(0)[:1] in (" ", "\t") else ""
        return lead + "".join(f"[{n}]" for n in numbers)

    return _MARKER_RUN_RE.sub(repl, text), invalid


def markers_of(sentence: str) -> list[int]:
    found: list[int] = []
    for m in _CANON_MARKER_RE.finditer(sentence):
        n = int(m.group(1))
        if n not in found:
            found.append(n)
    return found


def strip_markers(sentence: str) -> str:
    return re.sub(r"\s+([.!?…,;:])", r"\1", _CANON_RUN_RE.sub("", sentence)).strip()


def set_markers(sentence: str, numbers: list[int]) -> str:
    """Replace the sentence's markers by ``numbers``, placed before its final punctuation."""
    bare = _CANON_RUN_RE.sub("", sentence).rstrip()
    if not numbers:
        return re.sub(r"\s+([.!?…,;:])", r"\1", bare)
    marks = "".join(f"[{n}]" for n in numbers)
    if bare.endswith("”") and "“" in bare:  # a quotation: the marker goes after it, as written
        return f"{bare} {marks}"
    punct = _TRAILING_PUNCT_RE.search(bare)
    if punct:
        head = bare[: punct.start()].rstrip()
        return f"{head} {marks}{punct.group(0)}"
    return f"{bare} {marks}"
