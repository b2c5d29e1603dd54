"""The corpus folder is a boundary (issue 14, part B): what a user did not put in the folder is
never indexed, an article is indexed once whatever its names, files too large, in UTF-16 or
named README are handled and said, and every skip is reported once. Real Chroma on disk and
the real ingest; vectors from the deterministic FakeEmbeddings (the tests time the index).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

from assistant import Assistant, Settings
from assistant.corpus import corpus_files, load_file
from assistant.testing import FakeEmbeddings

PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
SEED = "2025-11-25-thanh-hoa-lam-viec-voi-dai-su-quan-tai-nga.md"


def _bot(corpus: Path, tmp_path: Path, **extra: object) -> Assistant:
    settings = Settings(corpus_dir=corpus, vectorstore_dir=tmp_path / "vs", data_dir=tmp_path / "data",
                        llm="extractive", **extra)
    return Assistant.from_settings(settings, embeddings=FakeEmbeddings())


def _article(folder: Path, name: str, title: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"---\ntitle: {title}\ndate: 2025-12-01\nsource: Test\n---\n{body}\n", encoding="utf-8")
    return path


def _reasons(report, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.reason for s in report.skipped_files if Path(s.path).name == name]


def test_a_symlink_out_of_the_folder_is_never_indexed(corpus_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text(PASSWD, encoding="utf-8")
    (corpus_copy / "passwd-link.txt").symlink_to(secret)
    (corpus_copy / "inside-link.md").symlink_to(corpus_copy / SEED)  # inside: allowed (and a copy)
    bot = _bot(corpus_copy, tmp_path)
    try:
        report = bot.ingest()
        assert report.added == 5
        [reason] = _reasons(report, "passwd-link.txt")
        assert "symbolic link" in reason and str(secret) in reason and "outside the corpus folder" in reason
        assert "the same article as document" in _reasons(report, "inside-link.md")[0]
        assert "passwd-link" not in {d.doc_id for d in bot.documents()}
        hits = bot.retrieve("root:x:0:0 root /bin/bash daemon nologin", k=10, mode="bm25")
        assert all("root:x" not in p.text for p in hits)
        answer = bot.ask("root:x:0:0")
        assert "root:x" not in answer.text and all("root:x" not in c.text for c in answer.citations)
    finally:
        bot.close()
    # the listing itself: a linked file that leaves the folder is not listed, and is named
    skipped: list = []
    files = corpus_files(corpus_copy, skipped)
    assert corpus_copy.resolve() / "passwd-link.txt" not in files and [Path(s.path).name for s in skipped] == ["passwd-link.txt"]


def test_the_same_article_under_two_names_is_indexed_once(corpus_copy: Path, tmp_path: Path) -> None:
    bot = _bot(corpus_copy, tmp_path)
    try:
        assert bot.ingest().added == 5
        # a copy made later (the original's file is unchanged, so not even read again)
        shutil.copy(corpus_copy / SEED, corpus_copy / "copy-of-the-embassy-article.md")
        report = bot.ingest()
        assert (report.added, report.unchanged) == (0, 5)
        [reason] = _reasons(report, "copy-of-the-embassy-article.md")
        assert reason == f"the same article as document {Path(SEED).stem!r} (indexed once)"
        assert len(bot.documents()) == 5
        top = bot.retrieve("Nguyễn Doãn Anh làm việc với Đại sứ quán Việt Nam tại Nga", k=5, mode="bm25")
        assert len({p.text for p in top}) == len(top)  # no passage twice
        # the original goes: the copy is then the article, indexed under its own name
        (corpus_copy / SEED).unlink()
        again = bot.ingest()
        assert (again.added, again.removed) == (1, 1) and not again.skipped_files
        assert "copy-of-the-embassy-article" in {d.doc_id for d in bot.documents()}
    finally:
        bot.close()


def test_copies_read_in_one_run_and_in_a_jsonl_are_indexed_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "Tỉnh Thanh Hóa ký biên bản hợp tác với vùng Kaluga về công nghiệp chế biến gỗ và nông sản."
    _article(corpus, "a.md", "Hợp tác Kaluga", body)
    _article(corpus, "b.md", "Hợp tác Kaluga", "  " + body.replace(" ", "  ") + "\n")  # whitespace aside
    _article(corpus, "c.md", "Hợp tác Kaluga", body + " Khác.")  # a different text
    rows = [{"id": "j1", "title": "Hợp tác Kaluga", "text": body}, {"id": "j2", "title": "Tin khác", "text": "Một tin khác hẳn về cảng Nghi Sơn."}]
    (corpus / "feed.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    bot = _bot(corpus, tmp_path)
    try:
        report = bot.ingest()
        assert sorted(d.doc_id for d in bot.documents()) == ["a", "c", "j2"]
        assert sorted((Path(s.path).name, s.line) for s in report.skipped_files) == [("b.md", None), ("feed.jsonl", 1)]
    finally:
        bot.close()


def test_a_huge_file_is_refused_with_a_clear_skip_and_a_huge_line_costs_that_line(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _article(corpus, "small.md", "Tin ngắn", "Cảng Nghi Sơn đón tàu container trọng tải lớn.")
    _article(corpus, "huge.md", "Tin dài", "Câu văn lặp lại về hợp tác Việt Nga. " * 2000)  # ~80 KB
    rows = [{"id": "ok", "title": "Tin ổn", "text": "Nghệ An hợp tác với Kaluga."},
            {"id": "big", "title": "Tin dài", "text": "Rất dài. " * 20000}]
    (corpus / "feed.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    bot = _bot(corpus, tmp_path, max_document_bytes=20_000)
    try:
        report = bot.ingest()
        assert sorted(d.doc_id for d in bot.documents()) == ["ok", "small"]
        [huge] = _reasons(report, "huge.md")
        assert huge.startswith("too large to index (") and "ASSISTANT_MAX_DOCUMENT_BYTES" in huge and "20,000" in huge
        assert [(s.line, s.reason.split(" (")[0]) for s in report.skipped_files if s.path.endswith("feed.jsonl")] == \
            [(2, "too large to index")]
    finally:
        bot.close()
    assert Settings(max_document_bytes=3_000_000).max_document_bytes == 3_000_000
    with pytest.raises(ValueError):
        Settings(max_document_bytes=10)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_utf16_and_utf32_with_a_bom_are_read(tmp_path: Path, encoding: str) -> None:
    text = "---\ntitle: Thanh Hóa và Nga\n---\nĐồng chí Nguyễn Doãn Anh dẫn đầu đoàn công tác.\n"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    path = tmp_path / "bai.md"
    path.write_bytes(bom + text.encode(encoding))
    loaded = load_file(path)
    assert not loaded.skipped and loaded.documents[0].title == "Thanh Hóa và Nga"
    assert "Nguyễn Doãn Anh" in loaded.documents[0].text and "\ufeff" not in loaded.documents[0].text


def test_nul_and_control_characters_never_reach_the_index(tmp_path: Path) -> None:
    binary = tmp_path / "anh.txt"
    binary.write_bytes(b"Tieu de\n" + b"x" * 10_000 + b"\x00\x01\x02 after 8 KB")
    assert load_file(binary).skipped[0].reason == "binary file (contains NUL bytes)"
    lines = tmp_path / "feed.jsonl"
    good = [json.dumps({"id": f"d{i}", "title": f"Tin {i}", "text": f"Nội dung tin số {i} về Nghệ An."},
                       ensure_ascii=False) for i in range(8)]
    broken = '{"id": "bad", "title": "x", "text": "a\x00b\x1b[31m c"}\n\x00\x00garbage\x00'
    lines.write_text("\n".join([*good[:4], broken, *good[4:]]), encoding="utf-8")
    loaded = load_file(lines)
    assert sorted(d.doc_id for d in loaded.documents) == sorted([f"d{i}" for i in range(8)] + ["bad"])
    assert all("\x00" not in d.text and "\x1b" not in d.text for d in loaded.documents)
    assert [s.line for s in loaded.skipped] == [6]  # the garbage line only, named with its number


def test_a_readme_is_not_skipped_silently(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "README.md").write_text("# Notes\nThese are our articles.\n", encoding="utf-8")
    (corpus_copy / "sub").mkdir()
    (corpus_copy / "sub" / "readme.md").write_text("Notes about the sub folder.\n", encoding="utf-8")
    bot = _bot(corpus_copy, tmp_path)
    try:
        report = bot.ingest()
        assert report.added == 5
        names = sorted(os.path.relpath(s.path, corpus_copy.resolve()) for s in report.skipped_files)
        assert names == ["README.md", os.path.join("sub", "readme.md")]
        assert all("README" in s.reason for s in report.skipped_files)
    finally:
        bot.close()


@pytest.mark.slow
def test_each_skip_is_reported_once_by_the_cli(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "broken.md").write_bytes(b"\xff\xfe\x00bad")
    (corpus_copy / "empty.txt").write_text("   \n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {"ASSISTANT_CORPUS_DIR": str(corpus_copy), "ASSISTANT_VECTORSTORE_DIR": str(tmp_path / "vs"),
            "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_LLM": "extractive"}
    proc = subprocess.run([sys.executable, "-m", "assistant", "ingest"], capture_output=True, text=True,
                          env=env, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr.count("empty.txt") == 1 and proc.stderr.count("broken.md") == 1, proc.stderr
    assert "5 added" in proc.stdout
    listed = subprocess.run([sys.executable, "-m", "assistant", "ingest", "--json"], capture_output=True,
                            text=True, env=env, timeout=600, cwd=tmp_path)
    report = json.loads(listed.stdout)
    assert sorted(Path(s["path"]).name for s in report["skipped_files"]) == ["broken.md", "empty.txt"]


def test_the_seed_corpus_itself_loses_nothing(tmp_path: Path) -> None:
    assert len(corpus_files(CORPUS)) == 5
