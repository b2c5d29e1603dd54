"""The package as users install it: build the wheel, install it into a fresh virtualenv, and
answer a question there, far from this checkout.

Offline: the wheel is built without build isolation (the test extra pins setuptools) and
installed with ``--no-index --no-deps``; the fresh virtualenv sees the dependencies through a
``.pth`` file naming the site-packages of the environment running the tests — added after
the install, so pip never sees the developer's own (editable) install of the project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "2025-11-25-thanh-hoa-lam-viec-voi-dai-su-quan-tai-nga.md"

SCRIPT = r'''
import json, sys
from importlib.resources import files
from pathlib import Path

import assistant
from assistant import Assistant, Settings
from assistant.chat_engine import ChatEngine
from assistant.messages import prompts_hash
from assistant.prompts import load_prompt
from assistant.testing import ScriptedChatModel

model = ScriptedChatModel().enqueue(['{"found": true, "claims": [{"sentences": [1], "text": "Nguyễn Doãn Anh dẫn đầu đoàn."}]}'])
engine = ChatEngine(model, name="scripted", model="scripted-1")
settings = Settings(corpus_dir=sys.argv[1], vectorstore_dir="vs", data_dir="data", llm="extractive")
with Assistant.from_settings(settings, engine=engine) as bot:
    bot.ingest()
    answer = bot.ask("Ai dẫn đầu đoàn công tác cấp cao tỉnh Thanh Hóa sang Liên bang Nga?")
system = load_prompt("structured_system")
print(json.dumps({
    "package": assistant.__file__,
    "prompt_file": str(files("assistant.prompts") / "structured_system.txt"),
    "prefix": sys.prefix,
    "text": answer.text,
    "refused": answer.refused,
    "citations": [c.doc_id for c in answer.citations],
    "engine": answer.engine,
    "prompt_name": answer.prompt_name,
    "prompt_hash_matches": answer.prompt_hash == prompts_hash(system, load_prompt("structured_answer")),
    "system_message_is_the_file": model.history[0][0].content == system.render(),
}))
'''


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_wheel_installs_and_answers_from_its_own_prompts(tmp_path: Path) -> None:
    import setuptools

    major = int(setuptools.__version__.split(".")[0])
    assert major >= 77, f"setuptools {setuptools.__version__} < 77: install the test extra (make install-test)"

    # 1. build from a copy holding only what the wheel is built from (the build writes
    #    build/ and *.egg-info beside pyproject.toml)
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("assistant", "evals"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
          "--wheel-dir", str(tmp_path / "dist"), str(src)])
    (wheel,) = (tmp_path / "dist").glob("hoitin-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for prompt in ("condense", "structured_answer", "structured_system"):
        assert f"assistant/prompts/{prompt}.txt" in names, names
    assert not any(n.startswith(("tests/", "prompts/", "corpus/")) for n in names), names

    # 2. a fresh virtualenv with the wheel installed, then the dependencies made visible
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([*pip, "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", str(wheel)])
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_test_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")

    # 3. far from the checkout: one question, answered by the real ChatEngine over a
    #    scripted chat model, with the prompts the wheel carries
    work = tmp_path / "work"
    (work / "corpus").mkdir(parents=True)
    shutil.copy(ARTICLE, work / "corpus" / ARTICLE.name)
    (work / "ask.py").write_text(SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    out = json.loads(_run([str(python), "ask.py", "corpus"], cwd=work, env=env).stdout.strip().splitlines()[-1])
    assert Path(out["package"]).is_relative_to(site), out  # the installed copy, not ROOT
    assert Path(out["prompt_file"]).is_relative_to(site), out
    assert not out["refused"], out
    assert "Nguyễn Doãn Anh" in out["text"] and "[1]" in out["text"], out
    assert out["citations"] == [ARTICLE.stem], out
    assert out["prompt_name"] == "structured_system+structured_answer", out
    assert out["prompt_hash_matches"] and out["system_message_is_the_file"], out

    # 4. the eval suite's commands reach the installed `assistant` command as a plugin
    commands = _run([str(venv / "bin" / "assistant"), "--help"], cwd=work, env=env).stdout
    assert "eval-compare" in commands and "ingest" in commands, commands
