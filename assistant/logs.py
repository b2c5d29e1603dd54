"""Logging set-up for the entry points (the ``assistant`` command); the library only logs.

Some libraries (bm25s) set their own loggers to DEBUG, which the root logger's level alone
does not stop, so the threshold is applied where records are written: a filter on the one
stderr handler.
"""

from __future__ import annotations

import logging

from assistant.redact import mask_secrets

OWN_LOGGER = "assistant"


class _Threshold(logging.Filter):
    def __init__(self, level: int, own_level: int):
        super().__init__()
        self.level = level
        self.own_level = own_level

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == OWN_LOGGER or record.name.startswith(OWN_LOGGER + ".")
        return record.levelno >= (self.own_level if own else self.level)


class MaskingFormatter(logging.Formatter):
    """Formats records with credentials in URLs masked (:func:`assistant.redact.mask_secrets`),
    whoever logged them (httpx logs request URLs, errors quote base URLs)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


def setup_logging(level: int, *, own_level: int | None = None) -> None:
    """Log to stderr: records at ``level`` and above, and the ``assistant`` package's own
    records at ``own_level`` and above (default: ``level``). Replaces an earlier set-up, so
    a command can change what the program-wide default chose."""
    handler = logging.StreamHandler()
    handler.addFilter(_Threshold(level, level if own_level is None else own_level))
    handler.setFormatter(MaskingFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger(OWN_LOGGER).setLevel(logging.NOTSET if own_level is None else own_level)
