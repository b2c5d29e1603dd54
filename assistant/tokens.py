"""tiktoken, offline: the BPE files ship in the ``bpe-openai`` wheel.

tiktoken downloads its BPE files on first use. We write the copies from ``bpe-openai``
into tiktoken's cache folder (named by the sha1 of the download URL), so the stock
``tiktoken.get_encoding("o200k_base")`` works with no network.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tiktoken

log = logging.getLogger(__name__)

ENCODING = "o200k_base"
_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}


def _cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if configured:
        return Path(configured)
    folder = Path(tempfile.gettempdir()) / "data-gym-cache"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    return folder


def install_offline_bpe(name: str = ENCODING) -> Path:
    """Put ``name``'s BPE file where tiktoken looks for it; return its path."""
    folder = _cache_dir()
    target = folder / hashlib.sha1(_URL.format(name=name).encode()).hexdigest()
    if target.is_file():
        return target
    source = resources.files("bpe_openai") / "data" / f"{name}.tiktoken.gz"
    data = gzip.decompress(source.read_bytes())
    digest = hashlib.sha256(data).hexdigest()
    if digest != _SHA256.get(name, digest):
        raise RuntimeError(f"bpe-openai's {name} file has sha256 {digest}, expected {_SHA256[name]}")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(target)
    log.debug("installed %s BPE file at %s", name, target)
    return target


@lru_cache(maxsize=4)
def encoding(name: str = ENCODING) -> tiktoken.Encoding:
    install_offline_bpe(name)
    return tiktoken.get_encoding(name)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
