from pathlib import Path

import pytest
from conftest import CORPUS, SEEDS

from assistant.corpus import clean_text, iso_date, load_corpus
from assistant.errors import CorpusError


def test_seed_corpus_has_front_matter() -> None:
    docs = {d.doc_id: d for d in load_corpus(CORPUS).documents}
    assert len(docs) == 5
    nghe_an = docs["2025-11-24-nghe-an-kaluga-hop-tac-cong-nghiep"]
    assert nghe_an.date == "2025-11-24"
    assert nghe_an.source == "VnEconomy"
    assert nghe_an.title.startswith("Thúc đẩy hợp tác công nghiệp")
    assert docs["2020-07-06-thu-truong-ngoai-giao-lam-viec-tai-thanh-hoa"].source == "TTV"
    assert docs["thai-binh-hop-tac-dau-tu-voi-nga"].date == ""  # the article gives no year
    assert docs["thai-binh-hop-tac-dau-tu-voi-nga"].source == "TTXVN/Vietnam+"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds not beside the repo")
def test_raw_seeds_are_cleaned() -> None:
    docs = {d.doc_id[:3]: d for d in load_corpus(SEEDS).documents}
    assert docs["000"].date == "2025-11-25"
    furniture = docs["002"].text
    assert "![]()" not in furniture
    assert "Bài viết cùng chuyên mục" not in furniture
    assert "Bế giảng lớp Bồi dưỡng" not in furniture  # the unrelated "read more" list
    assert "Bình luận" not in furniture
    assert furniture.rstrip().endswith("Theo Thời sự tối 6/7/2020")
    caption = "Bí thư Tỉnh ủy Nguyễn Khắc Thận và Ngài Thống đốc Vladislav Valerievich Shapsha tặng quà"
    assert docs["004"].text.count(caption) == 1  # repeated 4 times in the raw page
    assert "Tin cùng chuyên mục" not in docs["003"].text


def test_clean_text_drops_image_markers_and_repeats() -> None:
    raw = "Đoạn một.\n![]() |\nChú thích ảnh\nChú thích ảnh\nĐoạn hai."
    assert clean_text(raw) == "Đoạn một.\nChú thích ảnh\nĐoạn hai."


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025-11-25", "2025-11-25"), ("24/11/2025, 10:17", "2025-11-24"), ("6/7/2020", "2020-07-06"), ("31/02/2020", ""), ("", "")],
)
def test_iso_date(value: str, expected: str) -> None:
    assert iso_date(value) == expected


def test_bad_files_are_skipped_with_a_warning_naming_them(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "good.md").write_text("---\ntitle: Tốt\ndate: 2025-01-02\n---\nBài viết tốt về Thanh Hóa.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01\x02")
    (tmp_path / "latin1.txt").write_bytes("Tiêu\nThanh Hóa, tỉnh".encode("latin-1", errors="replace"))
    (tmp_path / "utf16.txt").write_bytes("Tiêu đề\nThanh Hóa".encode("utf-16"))  # with its BOM: read (issue 14)
    (tmp_path / "broken.md").write_text("---\ntitle: no closing line\nBody text\n", encoding="utf-8")
    (tmp_path / "lines.jsonl").write_text(
        '{"id": "j1", "title": "Một", "text": "Nội dung một.", "date": "2025-11-25"}\n'
        "not json\n"
        '{"id": "", "text": "no id"}\n',
        encoding="utf-8",
    )
    result = load_corpus(tmp_path)
    assert sorted(d.doc_id for d in result.documents) == ["good", "j1", "utf16"]
    where = sorted((Path(s.path).name, s.line) for s in result.skipped)
    assert where == [("binary.txt", None), ("broken.md", None), ("empty.txt", None), ("latin1.txt", None),
                     ("lines.jsonl", 2), ("lines.jsonl", 3)]
    assert all(s.reason for s in result.skipped)
    assert "lines.jsonl:2: not JSON" in "\n".join(str(s) for s in result.skipped)
    assert "skipped" in caplog.text


def test_missing_corpus_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")
