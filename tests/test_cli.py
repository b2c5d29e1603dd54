"""The `assistant` command as a user runs it (subprocess, real parts)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

from tests._llm import LARGE, model_settings, needs_large_model, needs_llama


def run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))} | env
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=full, timeout=timeout)


@pytest.fixture
def cli_env(tmp_path: Path, seed_store: Path) -> dict[str, str]:
    shutil.copytree(seed_store, tmp_path / "vs")
    return {
        "ASSISTANT_CORPUS_DIR": str(CORPUS),
        "ASSISTANT_VECTORSTORE_DIR": str(tmp_path / "vs"),
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_LLM": "extractive",
    }


def test_help_has_examples() -> None:
    out = run(["--help"], {}).stdout
    assert "assistant ask" in out and "ingest" in out and "chat" in out
    assert "Example" in run(["ask", "--help"], {}).stdout


def test_ask_json(cli_env: dict[str, str]) -> None:
    proc = run(["ask", "Who led the Thanh Hóa delegation to Russia?", "--json"], cli_env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= {"answer", "refused", "citations", "quick", "answered_by", "model_check", "model_timing"}
    assert "Nguyễn Doãn Anh" in data["answer"] and data["refused"] is False
    assert set(data["citations"][0]) >= {"index", "doc_id", "title", "date", "text"}
    assert data["answered_by"] == "quick" and data["quick"]["answer"] == data["answer"]
    assert data["model_check"] is None  # the extractive engine asks no model
    quick = run(["ask", "Thống đốc tỉnh Kaluga là ai?", "--quick", "--json", "--no-ingest"], cli_env)
    assert quick.returncode == 0, quick.stderr
    assert "Shapsha" in json.loads(quick.stdout)["quick"]["answer"]


def test_ask_text_prints_sources(cli_env: dict[str, str]) -> None:
    proc = run(["ask", "Who led the Thanh Hóa delegation to Russia?", "-k", "4"], cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "Nguyễn Doãn Anh" in proc.stdout
    assert re.search(r"\[\d\]", proc.stdout), proc.stdout


def test_ask_session_carries_follow_ups(cli_env: dict[str, str], tmp_path: Path) -> None:
    session = tmp_path / "talk.json"
    first = run(["ask", "Who led the Thanh Hóa delegation to Russia?", "--session", str(session)], cli_env)
    assert first.returncode == 0, first.stderr
    follow = run(["ask", "Ông ấy giữ chức vụ gì?", "--session", str(session), "--json"], cli_env)
    assert follow.returncode == 0, follow.stderr
    assert "Bí thư Tỉnh ủy" in json.loads(follow.stdout)["answer"]
    turns = json.loads(session.read_text(encoding="utf-8"))
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
    assert "Nguyễn Doãn Anh" in turns[1]["content"] and "Bí thư Tỉnh ủy" in turns[3]["content"]
    session.write_text('{"not": "a list"}', encoding="utf-8")
    broken = run(["ask", "Ông ấy là ai?", "--session", str(session)], cli_env)
    assert broken.returncode == 1 and "is not a session file" in broken.stderr
    assert session.read_text(encoding="utf-8") == '{"not": "a list"}'  # left as it was


def test_ingest_reports_counts(cli_env: dict[str, str]) -> None:
    proc = run(["ingest"], cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "5 unchanged" in proc.stdout


@pytest.mark.parametrize(
    ("args", "env_extra", "message"),
    [
        (["ask", "   "], {}, "empty"),
        (["ingest", "/nonexistent/folder"], {}, "does not exist"),
        (["ask", "hello"], {"ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": "9"}, "127.0.0.1:9"),
        (["ask", "hello"], {"ASSISTANT_TOP_K": "banana"}, "top_k"),
        (["ask", "hello", "--llm", "openai"], {}, "OPENAI_API_KEY"),
    ],
)
def test_errors_are_one_plain_line(cli_env: dict[str, str], args: list[str], env_extra: dict[str, str], message: str) -> None:
    proc = run(args, cli_env | env_extra)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert message in proc.stderr
    assert proc.stderr.strip().startswith("error:")


THANH_HOA_2025 = {
    "2025-11-25-thanh-hoa-lam-viec-voi-dai-su-quan-tai-nga",  # seed 001
    "2025-11-25-thanh-hoa-lam-viec-voi-nguoi-viet-tai-nga",  # seed 000
}


@pytest.mark.slow
@pytest.mark.llm
@needs_llama
@needs_large_model
def test_local_engine_from_the_command_line(
    cli_env: dict[str, str], tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The issue's acceptance check, as a user types it: the default 1.5B model, end to end."""
    settings = model_settings(tmp_path_factory, LARGE)
    env = cli_env | {
        "ASSISTANT_LLM": "local",
        "ASSISTANT_LOCAL_MODEL": LARGE.name,
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
    }
    session = str(tmp_path / "talk.json")

    def ask(question: str, *extra: str) -> dict:
        proc = run(["ask", question, "--json", "--no-ingest", *extra], env, timeout=900)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    first = ask("Who led the Thanh Hóa delegation to Russia?", "--session", session)
    assert not first["refused"] and "Nguyễn Doãn Anh" in first["quick"]["answer"], first
    assert first["model_check"] is not None and first["model_timing"]["completion_tokens"] > 0, first
    assert (first["engine"] == "local") == (first["answered_by"] == "model") == first["model_check"]["used"]
    assert "Nguyễn Doãn Anh" in first["answer"] or "Nguyen Doan Anh" in first["answer"], first
    cited = {c["doc_id"] for c in first["citations"]}
    assert cited and cited <= THANH_HOA_2025 and all(c["verified"] for c in first["citations"])
    follow = ask("Ông ấy giữ chức vụ gì?", "--session", session)
    assert "Bí thư Tỉnh ủy" in follow["answer"] and not follow["refused"], follow
    unanswerable = ask("Who won the 2022 World Cup?")
    assert unanswerable["refused"] and unanswerable["citations"] == []
