"""One read/write lock per :class:`Assistant`, shared by every front end serving it.

Answers and retrievals read the index; a re-index (an upload, a delete, the UI's
"Re-index" button) changes it under the retriever. :func:`index_lock` hands the UI and the
HTTP API the same :class:`ReadWriteLock` for the same assistant, so an upload through one
never re-indexes under an answer streaming through the other.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ReadWriteLock", "index_lock"]


class ReadWriteLock:
    """Many readers at once, or one writer alone. Not re-entrant.

    A waiting writer goes first: new readers wait behind it, so a steady stream of answers
    cannot keep a re-index waiting forever.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


_locks: weakref.WeakKeyDictionary[object, ReadWriteLock] = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def index_lock(owner: object) -> ReadWriteLock:
    """The read/write lock guarding ``owner``'s index (one per owner, usually an Assistant)."""
    with _locks_guard:
        lock = _locks.get(owner)
        if lock is None:
            lock = _locks[owner] = ReadWriteLock()
        return lock
