"""Shared helpers for the tests that run the real llama.cpp server and bundled models."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from assistant.llama_server import llama_cpp_installed
from assistant.local_models import BUNDLED, BundledModel, resolve_local_model
from assistant.settings import Settings

SMALL = BUNDLED["qwen2.5-coder-0.5b"]
LARGE = BUNDLED["qwen2.5-coder-1.5b"]


def model_installed(model: BundledModel) -> bool:
    try:
        return all(importlib.metadata.version(d) == model.version for d in model.distributions())
    except importlib.metadata.PackageNotFoundError:
        return False


needs_llama = pytest.mark.skipif(
    not llama_cpp_installed(), reason="needs llama-cpp-python: pip install 'hoitin[local]'"
)
needs_large_model = pytest.mark.skipif(
    not model_installed(LARGE),
    reason="needs the 1.5B model packages: pip install 'hoitin[model]'",
)
needs_small_model = pytest.mark.skipif(
    not model_installed(SMALL),
    reason="needs the 0.5B model packages: pip install 'hoitin[model-small]'",
)


def small_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The assembled 0.5B GGUF, built once per test session (cached by its marker)."""
    data_dir = tmp_path_factory.getbasetemp() / "hoitin-models"
    return resolve_local_model(Settings(local_model=SMALL.name, data_dir=data_dir))


def model_settings(
    tmp_path_factory: pytest.TempPathFactory, model: BundledModel = SMALL, **overrides: object
) -> Settings:
    """Settings for ``model``, assembled once per session into the session's temp folder."""
    data_dir = tmp_path_factory.getbasetemp() / "hoitin-models"
    settings = Settings(local_model=model.name, data_dir=data_dir, **overrides)  # type: ignore[arg-type]
    resolve_local_model(settings)
    return settings
