"""Adding an article to the corpus folder: from an uploaded file or pasted text.

Shared by every front end that accepts articles (the UI's Articles tab, the HTTP API), so
they check and name files the same way: only ``.txt`` / ``.md``, a size limit, UTF-8, a
safe file name directly inside the corpus folder, never overwriting an existing file.
Writing the file does not index it; the caller re-indexes (``Assistant.ingest``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assistant.errors import CorpusError
from assistant.files import write_text_atomic
from assistant.types import Document

UPLOAD_SUFFIXES = (".txt", ".md")
_SAFE_NAME_RE = re.compile(r"[^a-z0-9]+")


def safe_stem(name: str, *, fallback: str = "article") -> str:
    """A file stem made of ``a-z0-9-`` only (Vietnamese letters folded), at most 80 chars."""
    text = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    stem = _SAFE_NAME_RE.sub("-", text).strip("-")[:80].strip("-")
    return stem or fallback


def corpus_target(corpus_dir: Path, stem: str, suffix: str) -> Path:
    """A new file path directly inside ``corpus_dir``; never outside it, never overwriting,
    never the stem (the document id) of another file there."""
    if suffix not in UPLOAD_SUFFIXES:
        raise CorpusError(f"only {', '.join(UPLOAD_SUFFIXES)} files can be added, not {suffix!r}")
    root = Path(corpus_dir).resolve()
    stem = safe_stem(stem)
    for n in range(1, 1000):
        candidate = (root / f"{stem}{'' if n == 1 else f'-{n}'}{suffix}").resolve()
        if candidate.parent != root:  # cannot happen with a safe stem; checked all the same
            raise CorpusError("refusing to write outside the corpus folder")
        if not any(candidate.with_suffix(s).exists() for s in (*UPLOAD_SUFFIXES, ".jsonl")):
            return candidate  # a stem already used with another suffix would be the same doc id
    raise CorpusError(f"too many articles named {stem!r}; rename the file")


def decode_article(data: bytes, *, max_bytes: int, name: str = "the text") -> str:
    """UTF-8 text of an article, or a :class:`CorpusError` saying what is wrong with it."""
    if len(data) > max_bytes:
        raise CorpusError(
            f"{name} is {len(data):,} bytes; the largest article accepted is {max_bytes:,} bytes "
            "(ASSISTANT_MAX_UPLOAD_BYTES)"
        )
    if not data.strip():
        raise CorpusError(f"{name} is empty")
    if b"\x00" in data:
        raise CorpusError(f"{name} is a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name} is not UTF-8 (byte {exc.start}); save it as UTF-8 and try again") from None


def _front_matter_value(value: str) -> str:
    return " ".join(value.replace("---", "—").split())


def article_markdown(title: str, text: str, *, date_value: str = "", source: str = "") -> str:
    """A corpus ``.md`` file with front matter for pasted text."""
    lines = ["---", f"title: {_front_matter_value(title)}"]
    if date_value:
        lines.append(f"date: {_front_matter_value(date_value)}")
    if source:
        lines.append(f"source: {_front_matter_value(source)}")
    lines += ["---", text.strip(), ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class PreparedArticle:
    target: Path  # where the article will be written (inside the corpus folder)
    text: str  # the file's content


def prepare_article(
    corpus_dir: Path,
    *,
    max_bytes: int,
    upload: Path | None = None,
    upload_name: str | None = None,
    data: bytes | None = None,
    pasted: str = "",
    title: str = "",
    date_value: str = "",
    source: str = "",
) -> PreparedArticle:
    """Check an uploaded file (``upload`` on disk, or ``data`` named ``upload_name``) or
    pasted text and choose its file name; raises :class:`CorpusError` saying what is wrong."""
    title, date_value, source = title.strip(), date_value.strip(), source.strip()
    if date_value:
        try:
            date.fromisoformat(date_value)
        except ValueError:
            raise CorpusError(f"the date {date_value!r} is not YYYY-MM-DD") from None
    if upload is not None or data is not None:
        name = upload_name or (upload.name if upload is not None else "article.txt")
        suffix = Path(name).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise CorpusError(f"{name}: only .txt and .md files can be added")
        if upload is not None:
            size = upload.stat().st_size
            if size > max_bytes:
                raise CorpusError(
                    f"{name} is {size:,} bytes; the largest article accepted is "
                    f"{max_bytes:,} bytes (ASSISTANT_MAX_UPLOAD_BYTES)"
                )
            data = upload.read_bytes()
        assert data is not None
        text = decode_article(data, max_bytes=max_bytes, name=name)
        if title and not text.startswith("---"):
            text = article_markdown(title, text, date_value=date_value, source=source)
            suffix = ".md"
        return PreparedArticle(corpus_target(corpus_dir, title or Path(name).stem, suffix), text)
    if pasted and pasted.strip():
        if not title:
            raise CorpusError("give the pasted article a title")
        body = decode_article(pasted.encode("utf-8"), max_bytes=max_bytes, name="the pasted text")
        text = article_markdown(title, body, date_value=date_value, source=source)
        return PreparedArticle(corpus_target(corpus_dir, title, ".md"), text)
    raise CorpusError("choose a .txt/.md file or paste the article text (with a title)")


def write_article(target: Path, text: str) -> None:
    """Write a prepared article (atomically: a crash leaves no half-written file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(target, text)


def read_article(path: Path) -> Document:
    """The document a corpus file holds, read as ingest reads it; a :class:`CorpusError`
    with the reason when ingest would skip the file (e.g. broken front matter)."""
    from assistant.corpus import LoadResult, load_file

    result = LoadResult()
    load_file(Path(path), result)
    if result.skipped:
        raise CorpusError(result.skipped[0].split(": ", 1)[-1])
    if len(result.documents) != 1:
        raise CorpusError(f"{Path(path).name} holds {len(result.documents)} articles, not one")
    return result.documents[0]
