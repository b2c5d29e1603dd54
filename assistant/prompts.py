"""Prompts live as files in ``prompts/`` and are loaded by name.

A prompt file is plain text with ``$name`` / ``${name}`` placeholders
(:class:`string.Template`). Rendering without a variable raises :class:`PromptError`
naming it. Each prompt carries a short content hash, recorded on every answer.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import PromptError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


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


def load_prompt(name: str, directory: Path | None = None) -> Prompt:
    """Load ``prompts/<name>.txt`` (or ``.md``)."""
    folder = directory or PROMPTS_DIR
    for suffix in (".txt", ".md"):
        path = folder / f"{name}{suffix}"
        if path.is_file():
            return Prompt(name=name, text=path.read_text(encoding="utf-8"))
    available = sorted(p.stem for p in folder.glob("*.txt")) if folder.is_dir() else []
    raise PromptError(
        f"no prompt named {name!r} in {folder} (available: {', '.join(available) or 'none'})"
    )
