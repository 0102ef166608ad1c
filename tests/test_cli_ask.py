"""`citebot ask`: readable text, one JSON object, JSON Lines from stdin, and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITEBOT = str(Path(sys.executable).parent / "citebot")


def _run(args: list[str], data_dir: Path, stdin: str | None = None, corpus: Path | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_DATA_DIR=str(data_dir), CITEBOT_CORPUS=str(corpus or ROOT / "corpus"))
    return subprocess.run([CITEBOT, *args], input=stdin, capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


def test_ask_prints_the_answer_and_its_sources(private_data_dir: Path) -> None:
    result = _run(["ask", "Who said that training only happens a few times?"], private_data_dir)
    assert result.returncode == 0, result.stderr
    assert "Zacharopoulos" in result.stdout
    assert "[1] 004_93b1566d212200ce.txt (en), paragraph" in result.stdout
    assert "Traceback" not in result.stderr


def test_ask_json_prints_one_object_in_the_documented_shape(private_data_dir: Path) -> None:
    result = _run(["ask", "--json", "Apa nama perusahaan induk TikTok?"], private_data_dir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"question", "answer", "answered", "language", "citations", "timings_ms"} <= set(data)
    assert data["answered"] is True and data["language"] == "id"
    citation = data["citations"][0]
    assert {"n", "file", "language", "quote", "location", "score", "also_in"} <= set(citation)
    assert citation["file"] == "003_beaee59b89498f57.txt"
    assert set(data["timings_ms"]) == {"retrieve", "synthesize", "total"}


def test_ask_json_stdin_answers_each_line_as_json_lines(private_data_dir: Path) -> None:
    questions = "What is the capital of Australia?\n\n¿Qué modelo lanzó DeepSeek?\n"
    result = _run(["ask", "--json", "-"], private_data_dir, stdin=questions)
    assert result.returncode == 0, result.stderr  # "not found" still exits 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["What is the capital of Australia?", "¿Qué modelo lanzó DeepSeek?"]
    assert lines[0]["answered"] is False and lines[0]["citations"] == []
    assert lines[1]["answered"] is True and "V3" in lines[1]["answer"]


def test_ask_builds_the_index_when_there_is_none(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The lighthouse keeper of Port Nebula is called Ariadne Voss.\n")
    result = _run(["ask", "--json", "Who keeps the lighthouse of Port Nebula?"], tmp_path / "data", corpus=corpus)
    assert result.returncode == 0, result.stderr
    assert "no index yet" in result.stderr
    data = json.loads(result.stdout)
    assert "Ariadne Voss" in data["answer"] and data["citations"][0]["file"] == "note.txt"


def test_ask_without_index_or_corpus_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    result = _run(["ask", "anything?"], tmp_path / "data", corpus=tmp_path / "missing")
    assert result.returncode == 2
    assert "corpus folder" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr
