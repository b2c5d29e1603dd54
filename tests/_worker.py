"""A hoitin process for the multi-process tests: ``python tests/_worker.py ingest|watch ...``.

Settings come from ASSISTANT_* variables; vectors from the deterministic FakeEmbeddings
(these tests are about the index, not the embedder), so a worker starts in about a second.

    ingest [PATH] [--mirror]       ingest (PATH, or the corpus folder), print the report as JSON
    watch QUESTION SECONDS         retrieve QUESTION (bm25 and dense) until a hit's text contains
                                   the question, print one JSON line, exit 0 (found) or 1
"""

from __future__ import annotations

import json
import sys
import time

from assistant import Assistant, Settings
from assistant.testing import FakeEmbeddings


def main(argv: list[str]) -> int:
    bot = Assistant.from_settings(Settings(llm="extractive"), embeddings=FakeEmbeddings())
    if argv[0] == "ingest":
        path = argv[1] if len(argv) > 1 and not argv[1].startswith("--") else None
        report = bot.ingest(path, mirror=True if "--mirror" in argv else None)
        print(json.dumps({"added": report.added, "updated": report.updated, "removed": report.removed,
                          "unchanged": report.unchanged, "chunks_total": report.chunks_total}), flush=True)
        return 0
    if argv[0] == "watch":
        question, seconds = argv[1], float(argv[2])
        print(json.dumps({"ready": True, "documents": len(bot.documents())}), flush=True)
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            modes = {}
            for mode in ("bm25", "dense"):
                hits = bot.retrieve(question, k=3, mode=mode)
                modes[mode] = any(question in p.text for p in hits)
            if all(modes.values()):
                print(json.dumps({"found": True, "seconds": time.monotonic() - started,
                                  "documents": len(bot.documents())}), flush=True)
                return 0
            time.sleep(0.2)
        print(json.dumps({"found": False}), flush=True)
        return 1
    raise SystemExit(f"unknown command {argv[0]!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
