"""Clean what a user types before anything reads it: questions and chat turns.

:func:`clean_question` is the one place: the :class:`~assistant.assistant.Assistant`
(questions and history turns), the CLI, the HTTP API and the UI all call it.

- Text that is not valid Unicode is refused with a :class:`QuestionError`: a CLI argument
  with bytes that are not UTF-8 arrives as surrogate escapes (U+DC80..U+DCFF), JSON may
  carry a lone surrogate (``"\\ud800"``); neither can be encoded, embedded or shown.
- Terminal escape sequences (ANSI colours ``ESC[31m``, titles ``ESC]0;...BEL``) and control
  and invisible format characters (NUL, zero-width spaces and joiners, bidi overrides, soft
  hyphens) are removed; a line break or tab becomes a space. A NUL used to cut the query
  embedding at the NUL; an escape sequence turned an answerable question into a refusal.
- Unicode NFC, runs of whitespace become one space, and the text is cut to ``max_chars``.
- A question in another alphabet than Vietnamese's and English's (Cyrillic, Chinese …) is
  refused with a :class:`LanguageError` that says which languages hoitin answers in
  (:func:`assistant.language.foreign_script`); it used to be read as Vietnamese and refused
  as having no answer in the articles, in Vietnamese.

Every change is said in a notice (``CleanText.notices``), which the answer carries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.errors import LanguageError, QuestionError
from assistant.language import foreign_script
from assistant.text import nfc

if TYPE_CHECKING:
    from assistant.types import ChatMessage

__all__ = ["CleanText", "clean_history", "clean_question", "invalid_unicode_at", "strip_controls"]

# ESC-introduced sequences (ECMA-48): CSI "ESC [ params final", OSC/DCS/PM/APC strings ended
# by BEL or ST, and two-character escapes. Also the 8-bit CSI (U+009B).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -/]*[0-~]"
)
_KEEP = {"\t", "\n", "\r"}  # whitespace: becomes one space like any other run of blanks


@dataclass(frozen=True)
class CleanText:
    """Cleaned text and what was changed (one sentence per change)."""

    text: str
    notices: tuple[str, ...] = ()


def invalid_unicode_at(text: str) -> int | None:
    """The index of the first surrogate code point in ``text`` (not encodable), or None."""
    for i, ch in enumerate(text):
        if "\ud800" <= ch <= "\udfff":
            return i
    return None


def strip_controls(text: str) -> tuple[str, int]:
    """``text`` without escape sequences and control/format characters; and how many
    characters were removed (line breaks and tabs are kept, as whitespace)."""
    removed = 0

    def drop(m: re.Match[str]) -> str:
        nonlocal removed
        removed += len(m.group(0))
        return ""  # as a terminal shows it: "Thanh\x1b[31mHóa" reads "ThanhHóa"

    text = _ESCAPES.sub(drop, text) if ("\x1b" in text or "\x9b" in text) else text
    if text.isascii() and text.isprintable():
        return text, removed
    out: list[str] = []
    for ch in text:
        if ch in _KEEP:
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf"):
            removed += 1
            out.append(" " if ch.isspace() else "")
        else:
            out.append(ch)
    return "".join(out), removed


def clean_question(value: object, *, max_chars: int | None = None, what: str = "question",
                   script: bool = True) -> CleanText:
    """``value`` cleaned as described in the module docstring.

    Raises :class:`QuestionError` when it is not text, not valid Unicode, or empty once
    cleaned, and :class:`LanguageError` when it is written in another alphabet (``script=False``:
    not checked, as for the turns of a conversation). ``what`` names it in messages
    ("question", "history turn 2")."""
    if not isinstance(value, str):
        raise QuestionError(f"the {what} must be text")
    bad = invalid_unicode_at(value)
    if bad is not None:
        raise QuestionError(
            f"the {what} is not valid text: it holds bytes that are not UTF-8 or a lone "
            f"surrogate (character {bad + 1}); retype it, or check the terminal's or client's "
            "encoding (UTF-8)"
        )
    text, removed = strip_controls(value)
    text = " ".join(nfc(text).split())
    if not text:
        raise QuestionError(f"the {what} is empty; type a question about the articles")
    if script and (name := foreign_script(text)) is not None:
        raise LanguageError(f"the {what} is written in {name}; hoitin answers questions in Vietnamese or "
                            "English (hoitin trả lời câu hỏi bằng tiếng Việt hoặc tiếng Anh)")
    notices: list[str] = []
    if removed:
        notices.append(
            f"{removed} control or invisible character{'s were' if removed != 1 else ' was'} "
            f"removed from the {what}."
        )
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars].rstrip()
        notices.append(f"The {what} was cut to its first {max_chars} characters.")
    return CleanText(text, tuple(notices))


def clean_history(history: list[ChatMessage] | None) -> list[ChatMessage]:
    """The turns of a conversation, cleaned like questions (not cut: the prompts shorten
    long turns themselves), empty ones dropped, the last ten kept."""
    if not history:
        return []
    out: list[ChatMessage] = []
    for i, m in enumerate(history, start=1):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            raise QuestionError("history must be a list of {'role': 'user'|'assistant', 'content': str}")
        content = m.get("content")
        if not isinstance(content, str) or not strip_controls(content)[0].strip():
            continue
        text = clean_question(content, what=f"history turn {i}", script=False).text
        out.append({"role": m["role"], "content": text})  # type: ignore[typeddict-item]
    return out[-10:]
