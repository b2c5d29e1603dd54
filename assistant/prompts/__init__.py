"""Prompts are files, loaded by name; they ship inside the package, beside this module.

``assistant/prompts/<name>.txt`` is the one place a prompt is written and edited (the
top-level ``prompts/`` folder of a checkout only points here). They are read with
:mod:`importlib.resources`, so an installed wheel finds them as a source checkout does;
``load_prompt(name, directory)`` reads your own prompt files instead.

A prompt file is plain text with ``$name`` / ``${name}`` placeholders
(:class:`string.Template`). Rendering without a variable raises :class:`PromptError`
naming it. Each prompt carries a short content hash, recorded on every answer.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from assistant.errors import PromptError

__all__ = ["Prompt", "load_prompt", "prompt_names"]

_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]

    @property
    def variables(self) -> set[str]:
        names = set()
        for match in string.Template.pattern.finditer(self.text):
            name = match.group("named") or match.group("braced")
            if name:
                names.add(name)
        return names

    def render(self, **values: object) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise PromptError(
                f"prompt {self.name!r} needs {', '.join(sorted(missing))} "
                f"(given: {', '.join(sorted(values)) or 'nothing'})"
            )
        return string.Template(self.text).substitute({k: str(v) for k, v in values.items()})


def _folder(directory: Path | None) -> Traversable:
    return Path(directory) if directory is not None else files(__name__)


def prompt_names(directory: Path | None = None) -> list[str]:
    """The prompts in ``directory`` (by default the package's own)."""
    folder = _folder(directory)
    if not folder.is_dir():
        return []
    return sorted(
        entry.name.rsplit(".", 1)[0]
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.endswith(_SUFFIXES)
    )


def load_prompt(name: str, directory: Path | None = None) -> Prompt:
    """Load ``<name>.txt`` (or ``.md``) from the package's prompts, or from ``directory``."""
    folder = _folder(directory)
    for suffix in _SUFFIXES:
        entry = folder.joinpath(f"{name}{suffix}")
        if entry.is_file():
            return Prompt(name=name, text=entry.read_text(encoding="utf-8"))
    where = directory if directory is not None else "the package's prompts (assistant/prompts)"
    raise PromptError(
        f"no prompt named {name!r} in {where} "
        f"(available: {', '.join(prompt_names(directory)) or 'none'})"
    )
