"""The one split of the development data into a tuning part and a reporting part.

hoitin is tuned only on development data and reports figures only on the part it was not
tuned on. The split is fixed here, once (changing it would leak the reporting part into the
tuning part: don't):

- XQuAD (``../shared/data/xquad-vi-dev`` and ``../shared/data/xquad-en-vi-dev``, the same
  questions in two languages): by article, read from the passage id ``xquad-vi-NN-PPP``:
  articles 00-15 are the tuning part, 16-23 the reporting part. A Vietnamese question and
  its English twin always fall in the same part.
- The project's own datasets (``evals/datasets/*.jsonl``): by a seeded hash of the case id
  (of the conversation id for a conversation's turns, so a conversation stays whole).

Unanswerable questions SQuAD 2.0 style: a fixed quarter of the XQuAD passages (a seeded hash
of the passage id) is removed from the indexed corpus; a question about a removed passage is
unanswerable when none of its answers occurs anywhere in what stays indexed (checked when
the corpus is assembled, see :mod:`evals.heldout`).

Distractors: the first ``n`` viwiki articles in a seeded hash order (the same ones for both
parts). They are Wikipedia, not news, and carry no questions.

The XQuAD articles that are not in ``../shared`` are kept aside for measuring by others:
nothing here fetches or uses them.
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

Part = Literal["tune", "report"]
PARTS: tuple[Part, ...] = ("tune", "report")

SPLIT_SALT = "hoitin-split-v1:"
REMOVED_SALT = "hoitin-removed-v1:"
DISTRACTOR_SALT = "distractor:"
XQUAD_TUNING_ARTICLES = 16  # articles 00-15 tune, 16-23 report
REMOVED_SHARE = 64 / 256  # a quarter of the passages
_XQUAD_ID_RE = re.compile(r"^xquad-vi-(\d{2})-\d{3}$")


def _byte(salt: str, key: str) -> int:
    return hashlib.sha256((salt + key).encode("utf-8")).digest()[0]


def xquad_article(passage_id: str) -> int | None:
    """The article number of an XQuAD passage id ("xquad-vi-07-003" -> 7), else None."""
    m = _XQUAD_ID_RE.match(passage_id)
    return int(m.group(1)) if m else None


def part_of(case_id: str, *, sources: tuple[str, ...] | list[str] = (), conversation: str | None = None) -> Part:
    """The part a case belongs to: XQuAD by its passage's article, anything else by hash."""
    for source in sources:
        article = xquad_article(source)
        if article is not None:
            return "tune" if article < XQUAD_TUNING_ARTICLES else "report"
    key = conversation or case_id
    return "tune" if _byte(SPLIT_SALT, key) < 128 else "report"


def is_removed(passage_id: str) -> bool:
    """Whether an XQuAD passage is left out of the corpus for the unanswerable cases."""
    return xquad_article(passage_id) is not None and _byte(REMOVED_SALT, passage_id) < 256 * REMOVED_SHARE


def distractor_order(article_id: str) -> str:
    """Sort key of viwiki articles: the distractors are the first ``n`` in this order."""
    return hashlib.sha256((DISTRACTOR_SALT + article_id).encode("utf-8")).hexdigest()
