"""Load and clean a folder of articles (``.txt``, ``.md``, ``.jsonl``).

A ``.txt``/``.md`` file may start with front matter::

    ---
    title: Bí thư Tỉnh ủy Nguyễn Doãn Anh làm việc với Đại sứ quán ...
    date: 2025-11-25
    source: Báo Thanh Hóa
    url: https://...
    language: vi
    ---

Without it, the title is the first line and the date is read from the text. A ``.jsonl``
file holds one ``{"id", "title", "text", "date"?, "url"?, "source"?}`` per line.

A file that cannot be used (empty, binary, not UTF-8 or UTF-16/32 with a BOM, broken front
matter, a symlink out of the folder, a README) is skipped with a warning naming it, and
recorded as a :class:`Skipped` (path, line for ``.jsonl``, reason); the rest are loaded. Cleaning drops image markers, repeated lines
(captions) and page furniture ("Bài viết cùng chuyên mục", "Đọc thêm", "Bình luận", ...).
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assistant.errors import CorpusError
from assistant.text import fold, nfc
from assistant.types import Document

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".jsonl")
_FRONT_KEYS = {"title", "date", "source", "publisher", "url", "language", "author", "id", "seed"}

# Lines that start the non-article tail of a news page (compared folded, whole line).
_FURNITURE_HEADINGS = {
    "bai viet cung chuyen muc",
    "doc them",
    "tin cung chuyen muc",
    "tin lien quan",
    "bai lien quan",
    "binh luan",
    "thong bao",
    "ban da gui thanh cong",
    "xem them",
    "tin khac",
    "tu khoa",
}
_IMAGE_RE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*\|?\s*$")
_INLINE_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_DATE_PREFIX_RE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+", re.IGNORECASE)
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DMY_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


@dataclass(frozen=True)
class Skipped:
    """A file (or one line of a ``.jsonl`` file) that could not be used, and why."""

    path: str
    reason: str
    line: int | None = None  # 1-based, for a line of a .jsonl file

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, path: Path | str, reason: str, line: int | None = None) -> None:
        """Record a skip; whoever reports the load (the ingest, :func:`load_corpus`) logs it,
        so each skip is told once."""
        self.skipped.append(Skipped(str(path), reason, line))


def clean_text(text: str) -> str:
    """Drop image markers, repeated lines and trailing page furniture; NFC; tidy blank lines."""
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    # Cut the page furniture: from the first furniture heading in the second half onwards.
    cut = len(lines)
    half = len(lines) // 3
    for i, line in enumerate(lines):
        key = fold(line).strip(" :.").strip()
        if i >= half and key in _FURNITURE_HEADINGS:
            cut = i
            break
    out: list[str] = []
    seen_recent: list[str] = []
    for raw in lines[:cut]:
        if _IMAGE_RE.match(raw):
            continue
        line = _INLINE_IMAGE_RE.sub("", raw).rstrip()
        line = re.sub(r"[ \t]+", " ", line).strip()
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        # repeated lines (a caption printed several times): keep the first within a window
        if line in seen_recent:
            continue
        seen_recent = ([*seen_recent, line])[-6:]
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def iso_date(value: str) -> str:
    """An ISO date from "2025-11-25", "24/11/2025", "6/7/2020", or "" if none is valid."""
    value = value.strip()
    m = _ISO_DATE_RE.search(value)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _DMY_RE.search(value)
        if not m:
            return ""
        d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return ""


def _parse_front_matter(text: str, path: Path) -> tuple[dict[str, str], str]:
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise CorpusError("front matter must start with a line '---'")
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return meta, "\n".join(lines[i + 1 :])
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or not key or " " in key:
            raise CorpusError(f"front matter line {i + 1} is not 'key: value': {line[:60]!r}")
        if key in _FRONT_KEYS:
            meta[key] = value.strip().strip('"').strip("'")
    raise CorpusError("front matter has no closing '---'")


_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _read_text(path: Path, data: bytes | None = None) -> str:
    """The file's text: UTF-8 (with or without a BOM), or UTF-16/UTF-32 with a BOM. An
    article with NUL characters is binary; in a ``.jsonl`` file they, like the other control
    characters everywhere, are removed (a broken line then costs that line only)."""
    data = path.read_bytes() if data is None else data
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    lines = path.suffix.lower() == ".jsonl"
    if encoding == "utf-8" and not lines and b"\x00" in data:
        raise CorpusError("binary file (contains NUL bytes)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8":
            raise CorpusError(f"not UTF-8 (byte {exc.start}); save it as UTF-8") from exc
        raise CorpusError(f"not valid {encoding.upper()} (byte {exc.start})") from exc
    if "\x00" in text and not lines:
        raise CorpusError("binary file (contains NUL characters)")
    text = _CONTROL_RE.sub("", text.lstrip("\ufeff"))
    if not text.strip():
        raise CorpusError("empty file")
    return text


def document_from_text(doc_id: str, raw: str, *, path: str = "", meta: dict | None = None) -> Document:
    """Build a cleaned :class:`Document` from raw article text (and optional metadata)."""
    meta = dict(meta or {})
    raw = nfc(raw).replace("\r\n", "\n")
    found_date = ""
    m = _DATE_PREFIX_RE.match(raw)
    if m:
        found_date = m.group(1)
        raw = raw[m.end() :]
    text = clean_text(raw)
    title = meta.get("title", "").strip()
    if not title:
        first, _, rest = text.partition("\n")
        title, text = first.strip(), rest.strip()
    if not text:
        raise CorpusError("no article text after the title")
    date_value = iso_date(meta.get("date", "")) or iso_date(found_date)
    if meta.get("date") and not date_value:
        log.warning("%s: date %r is not a date; left empty", path or doc_id, meta["date"])
    return Document(
        doc_id=doc_id,
        title=nfc(title),
        text=text,
        date=date_value,
        source=nfc(meta.get("source") or meta.get("publisher") or ""),
        url=meta.get("url", ""),
        language=meta.get("language", "vi") or "vi",
        path=path,
    )


def load_file(path: Path, result: LoadResult | None = None, *, data: bytes | None = None) -> LoadResult:
    """The documents of one file, added to ``result`` (a new one if None), which is returned.
    ``data``: the file's bytes, when the caller has read them already."""
    result = result if result is not None else LoadResult()
    _load_file(path, result, data)
    return result


def _load_file(path: Path, result: LoadResult, data: bytes | None = None) -> None:
    suffix = path.suffix.lower()
    try:
        text = _read_text(path, data)
    except CorpusError as exc:
        result.skip(path, str(exc))
        return
    except OSError as exc:
        result.skip(path, f"cannot read ({exc.strerror})")
        return
    if suffix == ".jsonl":
        _load_jsonl(path, text, result)
        return
    try:
        meta, body = _parse_front_matter(nfc(text), path)
        result.documents.append(document_from_text(meta.get("id") or path.stem, body, path=str(path), meta=meta))
    except CorpusError as exc:
        result.skip(path, str(exc))


def _load_jsonl(path: Path, text: str, result: LoadResult) -> None:
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            result.skip(path, f"not JSON ({exc.msg})", n)
            continue
        if not isinstance(row, dict) or not str(row.get("id", "")).strip() or not str(row.get("text", "")).strip():
            result.skip(path, "needs non-empty 'id' and 'text'", n)
            continue
        meta = {k: str(row[k]) for k in ("title", "date", "url", "source", "language") if row.get(k)}
        try:
            result.documents.append(
                document_from_text(str(row["id"]).strip(), str(row["text"]), path=where, meta=meta)
            )
        except CorpusError as exc:
            result.skip(path, str(exc), n)


def corpus_files(path: Path | str, skipped: list[Skipped] | None = None) -> list[Path]:
    """The supported article files under ``path`` (a folder, or one file), as absolute paths,
    sorted. Hidden files and folders are left out. The folder is a boundary: a file that
    resolves outside it (a symlink to ``/etc/passwd``) is not listed; nor is a README (the
    folder's notes, not an article). Both go to ``skipped``, when given, with the reason."""
    root = Path(path)
    if not root.exists():
        raise CorpusError(f"corpus folder {root} does not exist")
    root = root.absolute()
    if root.is_file():
        return [root.resolve()]
    real_root = root.resolve()
    found: list[Path] = []
    for folder, dirs, names in os.walk(real_root):  # symlinked files are listed, linked folders not
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder)
        for name in names:
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in SUPPORTED_SUFFIXES:
                continue
            file = base / name
            reason = ""
            if name.lower() in ("readme.md", "readme.txt"):
                reason = "a README is the folder's notes, not an article (rename it to index it)"
            elif os.path.islink(file) and not _inside(file, real_root):
                reason = f"a symbolic link to {os.path.realpath(file)}, outside the corpus folder"
            if not reason:
                found.append(file)
            elif skipped is not None:
                skipped.append(Skipped(str(file), reason))
    return sorted(found)


def _inside(file: Path, root: Path) -> bool:
    try:
        return Path(os.path.realpath(file)).is_relative_to(root)
    except OSError:
        return False


def load_corpus(path: Path | str) -> LoadResult:
    """Load every supported file under ``path`` (a folder, or one file)."""
    root = Path(path)
    result = LoadResult()
    for file in corpus_files(root, result.skipped):
        _load_file(file, result)
    seen: dict[str, str] = {}
    unique: list[Document] = []
    for doc in result.documents:
        if doc.doc_id in seen:
            result.skip(_file_of(doc), f"duplicate document id {doc.doc_id!r} (first in {seen[doc.doc_id]})")
            continue
        seen[doc.doc_id] = doc.path
        unique.append(doc)
    result.documents = unique
    for item in result.skipped:
        log.warning("skipped %s", item)
    log.info("loaded %d documents from %s (%d skipped)", len(unique), root, len(result.skipped))
    return result


def _file_of(doc: Document) -> str:
    """The file a loaded document came from (``Document.path`` is "file:line" for .jsonl)."""
    file, sep, line = doc.path.rpartition(":")
    return file if sep and line.isdigit() and file.lower().endswith(".jsonl") else doc.path
