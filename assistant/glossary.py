"""A small English → Vietnamese glossary of news vocabulary, for cross-lingual matching.

English questions over Vietnamese articles match well by meaning (e5 is multilingual) but
not by words: "delegation" never occurs in the articles, "đoàn" does. For English
questions the BM25 query and the extractive engine's word overlap also use the Vietnamese
terms below. The list is general news / government / economy vocabulary, not tuned to any
question; extend it freely.
"""

from __future__ import annotations

import re

from assistant.text import fold

_GLOSSARY: dict[str, tuple[str, ...]] = {
    "lead": ("dẫn đầu", "trưởng đoàn"), "led": ("dẫn đầu", "trưởng đoàn"),
    "headed": ("dẫn đầu", "trưởng đoàn"), "leader": ("lãnh đạo",), "leaders": ("lãnh đạo",),
    "delegation": ("đoàn", "đoàn công tác"), "delegations": ("đoàn",),
    "russia": ("Nga", "Liên bang Nga"), "russian": ("Nga",), "moscow": ("Moskva", "Mát-xcơ-va"),
    "vietnam": ("Việt Nam",), "vietnamese": ("Việt Nam", "người Việt"),
    "ambassador": ("Đại sứ",), "embassy": ("Đại sứ quán",),
    "province": ("tỉnh",), "provincial": ("tỉnh",), "city": ("thành phố",),
    "secretary": ("Bí thư",), "party": ("Đảng",), "committee": ("Ủy ban",),
    "chairman": ("Chủ tịch",), "chairwoman": ("Chủ tịch",), "chair": ("Chủ tịch",),
    "president": ("Chủ tịch", "Tổng thống"), "deputy": ("Phó",), "vice": ("Phó",),
    "governor": ("Thống đốc",), "minister": ("Bộ trưởng", "Thứ trưởng"),
    "ministry": ("Bộ",), "foreign": ("ngoại giao", "nước ngoài", "đối ngoại"),
    "director": ("Giám đốc",), "police": ("Công an",), "military": ("Quân sự",),
    "commander": ("Chỉ huy trưởng",), "council": ("Hội đồng", "HĐND"),
    "export": ("xuất khẩu",), "exports": ("xuất khẩu",), "exported": ("xuất khẩu",),
    "import": ("nhập khẩu",), "imports": ("nhập khẩu",), "imported": ("nhập khẩu",),
    "turnover": ("kim ngạch",), "trade": ("thương mại",),
    "invest": ("đầu tư",), "invested": ("đầu tư",), "investment": ("đầu tư",),
    "investments": ("đầu tư",), "investor": ("nhà đầu tư",), "investors": ("nhà đầu tư",),
    "capital": ("vốn",), "project": ("dự án",), "projects": ("dự án",),
    "million": ("triệu",), "billion": ("tỷ",), "percent": ("%",), "percentage": ("%",),
    "tourist": ("khách du lịch",), "tourists": ("khách du lịch",), "tourism": ("du lịch",),
    "industry": ("công nghiệp",), "industrial": ("công nghiệp",), "agriculture": ("nông nghiệp",),
    "agricultural": ("nông nghiệp",), "economy": ("kinh tế",), "economic": ("kinh tế",),
    "growth": ("tăng trưởng",), "cooperation": ("hợp tác",), "relations": ("quan hệ",),
    "partnership": ("đối tác",), "strategic": ("chiến lược",),
    "diplomatic": ("ngoại giao",), "anniversary": ("kỷ niệm",),
    "association": ("Hiệp hội",), "associations": ("Hiệp hội",), "union": ("Liên hiệp",),
    "business": ("doanh nghiệp",), "businesses": ("doanh nghiệp",),
    "enterprises": ("doanh nghiệp",), "companies": ("doanh nghiệp",), "group": ("Tập đoàn",),
    "corporation": ("Tập đoàn",), "corporations": ("Tập đoàn",),
    "chamber": ("Phòng Thương mại",), "commerce": ("Thương mại",),
    "factory": ("nhà máy",), "plant": ("nhà máy",), "milk": ("sữa",),
    "airport": ("sân bay",), "cement": ("xi măng",), "refinery": ("lọc hóa dầu",),
    "oil": ("dầu",), "energy": ("năng lượng",), "nuclear": ("hạt nhân",),
    "technology": ("công nghệ",), "digital": ("chuyển đổi số",), "transformation": ("chuyển đổi",),
    "heritage": ("di sản",), "citadel": ("Thành",), "temple": ("Đền",), "monument": ("di sản",),
    "universities": ("trường đại học",), "university": ("trường đại học",),
    "medical": ("y", "y tế"), "health": ("y tế",), "education": ("giáo dục",),
    "students": ("sinh viên",), "training": ("đào tạo",), "science": ("khoa học",),
    "japan": ("Nhật Bản",), "japanese": ("Nhật Bản",), "korea": ("Hàn Quốc",),
    "korean": ("Hàn Quốc",), "taiwan": ("Đài Loan",), "laos": ("Lào",), "germany": ("Đức",),
    "kuwait": ("Cô-oét",), "us": ("Hoa Kỳ",), "american": ("Hoa Kỳ",), "usa": ("Hoa Kỳ",),
    "order": ("Huân chương",), "medal": ("Huân chương",), "friendship": ("hữu nghị",),
    "gift": ("quà",), "gifts": ("quà",), "souvenir": ("lưu niệm",),
    "population": ("dân số",), "born": ("sinh",), "visit": ("thăm",), "visited": ("thăm",),
    "promote": ("xúc tiến", "quảng bá"), "promotion": ("xúc tiến",),
    "pandemic": ("Covid-19", "dịch"), "covid": ("Covid-19",),
    "community": ("cộng đồng",), "overseas": ("ở nước ngoài",),
    "border": ("biên giới",), "citizens": ("công dân",), "protection": ("bảo hộ",),
    "meeting": ("buổi làm việc",), "worked": ("làm việc",), "working": ("làm việc",),
}
_WORD_RE = re.compile(r"[a-z]+")


def vietnamese_terms(english: str) -> list[str]:
    """Vietnamese renderings of the glossary words in an English text."""
    out: list[str] = []
    for word in _WORD_RE.findall(fold(english)):
        for term in _GLOSSARY.get(word, ()):
            if term not in out:
                out.append(term)
    return out


def expand_query(question: str, language: str) -> str:
    """The question plus Vietnamese glossary terms when it is English."""
    if language != "en":
        return question
    extra = vietnamese_terms(question)
    return f"{question} {' '.join(extra)}" if extra else question
