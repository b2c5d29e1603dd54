"""What llama.cpp measured for a completion, read from its server's log.

llama-cpp-python prints, per completion, how many prompt tokens matched the KV cache
("prefix-match hit"), the prompt-processing time and the generation time;
:func:`parse_timings` reads the last complete completion of a piece of that log
(:meth:`assistant.llama_server.LlamaServer.timings_since` passes the part written since a
request started).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ServerTimings", "parse_timings"]


@dataclass(frozen=True)
class ServerTimings:
    """What llama.cpp measured for one completion (from its log)."""

    prompt_tokens: int  # the whole prompt
    cached_tokens: int  # of which reused from the KV cache (the common prefix)
    prompt_ms: float | None  # processing the other prompt tokens (None: not measured)
    completion_tokens: int
    completion_ms: float

    @property
    def evaluated_tokens(self) -> int:
        return self.prompt_tokens - self.cached_tokens


_PREFIX_RE = re.compile(r"Llama\.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens")
_PROMPT_RE = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_EVAL_RE = re.compile(r"(?<!prompt )eval time =\s*([\d.]+) ms /\s*(\d+) runs")
_TOTAL_RE = re.compile(r"total time =\s*[\d.]+ ms")


def parse_timings(log_text: str) -> ServerTimings | None:
    """The last complete completion in a piece of the server's log, or None."""
    blocks = [m.end() for m in _TOTAL_RE.finditer(log_text)]
    if not blocks:
        return None
    end = blocks[-1]
    begin = blocks[-2] if len(blocks) > 1 else 0
    block = log_text[begin:end]
    prompt = _PROMPT_RE.search(block)
    decode = _EVAL_RE.search(block)
    if prompt is None or decode is None:
        return None
    evaluated = int(prompt.group(2))
    cached = 0
    prefix = _PREFIX_RE.search(block)
    if prefix is not None:
        cached = int(prefix.group(1))
        evaluated = int(prefix.group(2))
    prompt_ms: float | None = float(prompt.group(1))
    if evaluated > 1 and prompt_ms < 0.01 * evaluated:
        # right after loading the model llama.cpp books the first prompt under generation
        prompt_ms = None
    return ServerTimings(
        prompt_tokens=cached + evaluated,
        cached_tokens=cached,
        prompt_ms=prompt_ms,
        completion_tokens=int(decode.group(2)),
        completion_ms=float(decode.group(1)),
    )
