"""Chroma's approximate nearest-neighbour search, as the store configures it (a real
PersistentClient on disk; the same setting reaches `chroma run` in test_chroma_server.py).

Chroma reads a collection's ``ef_search`` when a process first loads its index, so each
measurement runs in a fresh process, as a reader of the archive would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from assistant import Settings
from assistant.store import ChromaStore

N, DIM = 3000, 384

# opens the collection through ChromaStore (ef_search from argv, "none": Chroma's own) and
# prints recall@30 against exact search for 100 queries near stored vectors
_MEASURE = """
import json, sys
import chromadb, numpy as np
from chromadb.config import Settings
from assistant.store import ChromaStore
path, ef = sys.argv[1], sys.argv[2]
client = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))
store = ChromaStore(client, "hnsw", "test", where=path, ef_search=None if ef == "none" else int(ef))
vectors = np.load(path + "/vectors.npy")
rng = np.random.default_rng(1)
queries = vectors[rng.choice(len(vectors), 100, replace=False)] + rng.normal(0, 0.05, (100, vectors.shape[1]))
hits = lost = 0
for q in queries / np.linalg.norm(queries, axis=1, keepdims=True):
    exact = [f"c{i}" for i in np.argsort(-(vectors @ q))[:30]]
    found = [c.chunk_id for c in store.query(q.tolist(), 30)]
    hits += len(set(exact) & set(found))
    lost += exact[0] not in found
print(json.dumps({"recall": hits / 3000, "lost": lost,
                  "ef_search": store.collection.configuration["hnsw"]["ef_search"]}))
"""


def _client(path: Path) -> chromadb.ClientAPI:
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def _measure(path: Path, ef_search: int | None) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(path), str(ef_search or "none")],
                         capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # vectors with no structure, the hard case for a graph search: unit Gaussians
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(N, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    path = tmp_path_factory.mktemp("hnsw")
    collection = _client(path).create_collection("hnsw", metadata={"hnsw:space": "cosine"})
    for start in range(0, N, 1000):
        collection.add(ids=[f"c{i}" for i in range(start, start + 1000)],
                       embeddings=vectors[start : start + 1000].tolist())
    np.save(path / "vectors.npy", vectors)
    return path


def test_the_store_searches_broadly_enough_to_find_the_nearest_chunks(filled: Path) -> None:
    default = _measure(filled, None)
    assert default["ef_search"] == 100  # Chroma's own
    ef = Settings().hnsw_ef_search
    configured = _measure(filled, ef)
    assert configured["ef_search"] == ef
    assert configured["recall"] >= 0.99 and configured["lost"] == 0, configured
    assert default["recall"] < configured["recall"], (default, configured)
    # kept with the collection: the next process to open it searches as broadly
    assert _client(filled).get_collection("hnsw").configuration["hnsw"]["ef_search"] == ef


def test_the_search_breadth_follows_the_setting(tmp_path: Path) -> None:
    settings = Settings(vectorstore_dir=tmp_path / "vs", hnsw_ef_search=250)
    store = ChromaStore.from_settings(settings, "test")
    assert store.collection.configuration["hnsw"]["ef_search"] == 250
    assert store.collection.metadata["hnsw:space"] == "cosine"
    store = ChromaStore.from_settings(settings.model_copy(update={"hnsw_ef_search": 150}), "test")
    assert store.collection.configuration["hnsw"]["ef_search"] == 150
    assert store.collection.configuration["hnsw"]["space"] == "cosine"


def test_a_store_that_cannot_take_the_setting_still_opens(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    class Refusing:  # a collection whose server cannot change its configuration (read-only, old)
        def __init__(self) -> None:
            self.name = "hoitin"
            self.metadata = {"embedder": "test"}
            self.configuration = {"hnsw": {"ef_search": 100}}

        def modify(self, **_: object) -> None:
            raise RuntimeError("attempt to write a readonly database")

    class Client:
        def get_or_create_collection(self, *_: object, **__: object) -> Refusing:
            return Refusing()

        def get_max_batch_size(self) -> int:
            return 100

    with caplog.at_level("WARNING", logger="assistant.store"):
        store = ChromaStore(Client(), "hoitin", "test", where="ro", ef_search=400)
    assert store.collection.configuration["hnsw"]["ef_search"] == 100
    assert "could not set the search breadth" in caplog.text and "readonly" in caplog.text
