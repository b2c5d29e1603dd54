"""The refusal token: how a chat model says "the passages do not answer this".

The answer prompts ask the model to write :data:`REFUSAL_TOKEN` instead of an answer when
the passages do not hold one. :class:`RefusalFilter` passes the streamed reply through,
holding back anything that may be the start of the token, so the user never sees it; the
engine reads :attr:`RefusalFilter.seen` afterwards.
"""

from __future__ import annotations

import re

__all__ = ["REFUSAL_TOKEN", "RefusalFilter"]

REFUSAL_TOKEN = "NO_ANSWER"
_REFUSAL_RE = re.compile(r"\bNO[_ ]ANSWER\b\.?", re.IGNORECASE)


class RefusalFilter:
    """Pass streamed text through, holding back anything that may be the refusal token."""

    def __init__(self) -> None:
        self.buffer = ""
        self.seen = False
        self.emitted = ""

    def feed(self, piece: str) -> str:
        self.buffer += piece
        if _REFUSAL_RE.search(self.buffer):
            self.seen = True
            self.buffer = _REFUSAL_RE.sub("", self.buffer)
        # keep back a tail that could be the beginning of the token
        keep = 0
        upper = self.buffer.upper()
        for n in range(min(len(REFUSAL_TOKEN) + 1, len(upper)), 0, -1):
            tail = upper[-n:]
            if REFUSAL_TOKEN.startswith(tail.replace(" ", "_")):
                keep = n
                break
        cut = len(self.buffer) - keep
        while cut > 0 and self.buffer[cut - 1].isspace():  # spaces may precede the token
            cut -= 1
        out, self.buffer = self.buffer[:cut], self.buffer[cut:]
        if not self.emitted:
            out = out.lstrip()
        self.emitted += out
        return out

    def flush(self) -> str:
        out = _REFUSAL_RE.sub("", self.buffer)
        if _REFUSAL_RE.search(self.buffer):
            self.seen = True
        self.buffer = ""
        if not self.emitted:
            out = out.lstrip()
        self.emitted += out
        return out.rstrip()

    @property
    def refused(self) -> bool:
        """The model wrote the token and nothing else worth showing."""
        return self.seen and not self.emitted.strip(" .\n")
