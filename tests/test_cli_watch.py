"""`citebot index --watch` as a user runs it: it indexes, keeps running, picks up an edit within 10 s of
it, sums each pass up in one line, and stops cleanly on Ctrl-C. `citebot chat --watch` answers from a file
added to the folder while it runs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

CITEBOT = Path(sys.executable).parent / "citebot"


def private_copy(tmp_path: Path, built_data_dir: Path) -> tuple[Path, Path, dict[str, str]]:
    """(corpus, data dir, environment): copies of the bundled corpus and the session index."""
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    shutil.copytree(built_data_dir, data)
    corpus.mkdir()
    for doc in sorted((Path(__file__).resolve().parent.parent / "corpus").iterdir()):
        shutil.copy(doc, corpus / doc.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_CORPUS=str(corpus), CITEBOT_DATA_DIR=str(data), ANONYMIZED_TELEMETRY="False")
    return corpus, data, env


def test_index_watch_picks_up_an_edit_and_stops_on_ctrl_c(tmp_path: Path, built_data_dir: Path) -> None:
    corpus, _, env = private_copy(tmp_path, built_data_dir)
    proc = subprocess.Popen([str(CITEBOT), "index", "--watch"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()

    def wait_line(text: str, seconds: float) -> float:
        return _wait_line(proc, lines, text, seconds)

    try:
        wait_line("watching", 120)
        target = corpus / "ferry.txt"
        target.write_text("The Varnholm ferry leaves the harbour at seven.\n", encoding="utf-8")
        wait_line("indexed added ferry.txt", 60)  # untimed: the first pass imports the embedder
        with target.open("a", encoding="utf-8") as handle:
            handle.write("It carries exactly 212 bicycles every Sunday morning.\n")
        assert wait_line("indexed updated ferry.txt", 10) < 10
        seen = len(lines)
        (corpus / ".ferry.txt.swp").write_text("editor litter")  # hidden: no pass at all
        time.sleep(3)
        assert lines[seen:] == []
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0, "".join(lines)
    assert "Traceback" not in "".join(lines)


def test_chat_watch_answers_from_a_file_added_while_it_runs(tmp_path: Path, built_data_dir: Path) -> None:
    corpus, data, env = private_copy(tmp_path, built_data_dir)
    env["CITEBOT_RELOAD_SECONDS"] = "0.5"
    proc = subprocess.Popen([str(CITEBOT), "-v", "chat", "--watch"], env=env, cwd=tmp_path, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors: list[str] = []
    threading.Thread(target=lambda: errors.extend(iter(proc.stderr.readline, "")), daemon=True).start()
    try:
        started = time.monotonic()
        while not any("ready in" in line for line in errors):
            assert proc.poll() is None and time.monotonic() - started < 120, "".join(errors)
            time.sleep(0.1)
        (corpus / "ferry.txt").write_text("The Varnholm ferry carries exactly 212 bicycles every Sunday.\n")
        mirror = data / "citebot.manifest.json"
        started = time.monotonic()
        while "ferry.txt" not in mirror.read_text():  # the published manifest names the file
            assert time.monotonic() - started < 60, "the new file was not indexed within 60 s:\n" + "".join(errors)
            time.sleep(0.2)
        time.sleep(1)  # the chat checks for a new index version every CITEBOT_RELOAD_SECONDS (0.5 s here)
        out, _ = proc.communicate("How many bicycles does the Varnholm ferry carry on Sundays?\n", timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "212 bicycles" in out and "ferry.txt" in out, out + "".join(errors)


def test_index_watch_waits_for_a_deleted_corpus_folder_and_says_so_once(tmp_path: Path) -> None:
    """`rm -rf docs` while `citebot index --watch` runs, then docs made again: it printed one "does not exist"
    line and never indexed again. It says once that it waits, then indexes the folder that came back."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "storm.txt").write_text("The lighthouse keeper recorded seventeen gales in the winter of 1911.\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_CORPUS=str(corpus), CITEBOT_DATA_DIR=str(tmp_path / "data"), ANONYMIZED_TELEMETRY="False")
    proc = subprocess.Popen([str(CITEBOT), "index", "--watch"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()

    def wait_line(text: str, seconds: float) -> float:
        return _wait_line(proc, lines, text, seconds)

    try:
        wait_line("watching", 120)
        shutil.rmtree(corpus)
        wait_line("waiting for it to come back", 15)
        time.sleep(3)
        staging = tmp_path / "staging"
        staging.mkdir()
        (staging / "ferry.txt").write_text("The Varnholm ferry carries exactly 212 bicycles every Sunday.\n")
        staging.rename(corpus)
        wait_line("indexed added ferry.txt; removed storm.txt", 30)
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0, "".join(lines)
    assert sum("does not exist" in line for line in lines) == 1, "".join(lines)
    assert "Traceback" not in "".join(lines)


def _wait_line(proc: subprocess.Popen, lines: list[str], text: str, seconds: float) -> float:
    """Seconds until a line of the running `proc`'s output (collected in `lines`) holds `text`; fails when the
    process ends or `seconds` pass first."""
    started = time.monotonic()
    while not any(text in line for line in lines):
        assert proc.poll() is None, "".join(lines)
        assert time.monotonic() - started < seconds, f"no {text!r} within {seconds} s:\n{''.join(lines)}"
        time.sleep(0.1)
    return time.monotonic() - started
