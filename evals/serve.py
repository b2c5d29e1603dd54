"""Run the eval against a real OpenAI-compatible server: llama.cpp's, started on 127.0.0.1.

    python -m evals.serve --model qwen2.5-coder-0.5b -- -d evals/datasets/seeds.jsonl --out reports/served

starts ``python -m llama_cpp.server`` with the model (a bundled name or a ``.gguf`` path),
behind a random API key, then runs ``python -m evals --engine openai`` with the remaining
arguments and ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` / ``ASSISTANT_OPENAI_MODEL`` pointing
at it; the server stops when the eval ends. The eval talks to the model over HTTP only, as
it would to OpenAI, vLLM or Ollama.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Sequence

from assistant.errors import AssistantError
from assistant.llama_server import LlamaServer
from assistant.local_models import resolve_local_model
from assistant.settings import Settings

log = logging.getLogger(__name__)

ALIAS = "served-model"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", help="bundled model name or .gguf path")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: up to 4)")
    parser.add_argument("eval_args", nargs=argparse.REMAINDER, help="arguments for `python -m evals`")
    args = parser.parse_args(argv)
    rest = [a for a in args.eval_args if a != "--"]
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        path = resolve_local_model(Settings(local_model=args.model))
        key = secrets.token_hex(12)
        with LlamaServer(path, n_threads=args.threads, alias=ALIAS, api_key=key) as server:
            log.info("llama.cpp server for %s at %s", path.name, server.base_url)
            env = dict(os.environ, OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY=key,
                       ASSISTANT_OPENAI_MODEL=ALIAS, ASSISTANT_LLM="openai")
            return subprocess.call([sys.executable, "-m", "evals", "--engine", "openai", *rest], env=env)
    except AssistantError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
