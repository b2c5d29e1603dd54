"""The manifest: one record per document, versioned, kept in Chroma beside the chunks.

A record says which chunk ids make up a document's indexed version (``complete``), which
ones an unfinished write was adding (``pending``), or that it was removed (``removed``).
Every change is stamped with the version of the ingest step that made it, and one head
record holds the last finished version. Because it lives in the store (the
``<collection>--manifest`` side collection), every process that reaches the store — on
this machine or another — can see what changed since the version it holds, in one cheap
read of the head, and apply just that (:meth:`Index.refresh`).

A writer (one at a time, see :class:`assistant.index.Index`) changes documents so that a
crash at any point is finished by the next run:

1. records go ``pending`` with the new chunk ids (and keep the old ones);
2. the new chunks are written to the store;
3. chunks of the old version no longer used are deleted;
4. records become ``complete`` (or ``removed``) at version v, the local catalog applies
   them, and the head moves to v.

A run that finds ``pending`` records knows which chunks may already be stored (they are
not embedded again) and which to clean up.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assistant.store import ChromaStore, SideCollection

log = logging.getLogger(__name__)

COMPLETE, PENDING, REMOVED = "complete", "pending", "removed"
HEAD_ID = "__head__"
LEASE_ID = "__writer__"


@dataclass(frozen=True)
class DocRecord:
    doc_id: str
    state: str
    version: int
    doc_key: str = ""  # content key of the complete version ("" if none)
    chunk_ids: tuple[str, ...] = ()  # chunks of the complete version
    file: str = ""  # the file the document came from
    pending_key: str = ""
    pending_ids: tuple[str, ...] = field(default=())  # chunks a pending write adds

    def _row(self) -> tuple[str, str, dict]:
        body = {"chunks": list(self.chunk_ids), "pending": list(self.pending_ids), "pending_key": self.pending_key}
        meta = {"kind": "doc", "state": self.state, "version": self.version, "doc_key": self.doc_key,
                "file": self.file}
        return self.doc_id, json.dumps(body, ensure_ascii=False), meta

    @classmethod
    def _from_row(cls, doc_id: str, body: str, meta: dict) -> DocRecord:
        data = json.loads(body or "{}")
        return cls(
            doc_id=doc_id, state=str(meta.get("state", COMPLETE)), version=int(meta.get("version", 0)),
            doc_key=str(meta.get("doc_key", "")), chunk_ids=tuple(data.get("chunks", ())),
            file=str(meta.get("file", "")), pending_key=str(data.get("pending_key", "")),
            pending_ids=tuple(data.get("pending", ())),
        )


@dataclass(frozen=True)
class Lease:
    """Who is writing: one ingest worker per store, across machines."""

    owner: str  # host:pid:nonce
    expires: float  # unix time

    @property
    def host(self) -> str:
        return self.owner.split(":", 1)[0]

    @property
    def pid(self) -> int:
        parts = self.owner.split(":")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


@dataclass(frozen=True)
class Head:
    version: int
    uid: str  # identifies this store's manifest: a catalog built from another is discarded


class Manifest:
    def __init__(self, store: ChromaStore):
        self.store = store
        self._side: SideCollection | None = None

    @property
    def side(self) -> SideCollection:
        if self._side is None:
            self._side = self.store.side()
        return self._side

    def head(self) -> Head:
        rows = self.side.get(ids=[HEAD_ID])
        if not rows:
            return Head(0, "")
        meta = rows[0][2]
        return Head(int(meta.get("version", 0)), str(meta.get("uid", "")))

    def init_head(self) -> Head:
        """The head, created (version 0, a new uid) if this store has none yet."""
        head = self.head()
        if not head.uid:
            head = Head(head.version, uuid.uuid4().hex)
            self.set_head(head)
        return head

    def set_head(self, head: Head) -> None:
        self.put((), head)

    def lease(self) -> Lease | None:
        rows = self.side.get(ids=[LEASE_ID])
        if not rows or not rows[0][2].get("owner"):
            return None
        return Lease(str(rows[0][2]["owner"]), float(rows[0][2].get("expires", 0)))

    def put(self, records: Iterable[DocRecord], head: Head | None = None, lease: Lease | None = None) -> None:
        """Write records (and the head and the writer's lease, in the same call, after them)."""
        rows = [r._row() for r in records]
        if head is not None:
            rows.append((HEAD_ID, "", {"kind": "head", "version": head.version, "uid": head.uid}))
        if lease is not None:
            rows.append((LEASE_ID, "", {"kind": "lease", "owner": lease.owner, "expires": lease.expires}))
        if rows:
            self.side.upsert(rows)

    def get(self, doc_ids: Sequence[str]) -> dict[str, DocRecord]:
        return {i: DocRecord._from_row(i, b, m) for i, b, m in self.side.get(ids=list(doc_ids))}

    def pending(self) -> list[DocRecord]:
        rows = self.side.get(where={"$and": [{"kind": "doc"}, {"state": PENDING}]})
        return [DocRecord._from_row(*r) for r in rows]

    def changed_since(self, version: int, upto: int) -> list[DocRecord]:
        """Finished records (complete or removed) with version in (version, upto]."""
        rows = self.side.get(where={"$and": [
            {"kind": "doc"}, {"version": {"$gt": version}}, {"version": {"$lte": upto}},
            {"state": {"$in": [COMPLETE, REMOVED]}},
        ]})
        return sorted((DocRecord._from_row(*r) for r in rows), key=lambda r: (r.version, r.doc_id))
