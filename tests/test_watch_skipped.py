"""`citebot index --watch` says which files a pass skipped, as `citebot index` does (bot/watching.py:
describe_skipped, index/watch.py: on_skipped).

An empty or binary file dropped into a watched folder left no trace: `citebot index` prints "skipped NAME:
REASON", the watcher printed only "corpus changed; the index already matches it". It now prints the same line,
once per file and reason (not again at every later pass, and not again for what the first run reported)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.index.docmaker import EN_TEXT, binary_bytes


def _wait_line(proc: subprocess.Popen[str], lines: list[str], text: str, seconds: float) -> None:
    started = time.monotonic()
    while not any(text in line for line in lines):
        assert proc.poll() is None, "".join(lines)
        assert time.monotonic() - started < seconds, f"no {text!r} within {seconds} s:\n{''.join(lines)}"
        time.sleep(0.1)


def test_index_watch_prints_a_skipped_line_for_a_file_it_cannot_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "storm.txt").write_text(EN_TEXT, encoding="utf-8")
    (corpus / "photo.txt").write_bytes(binary_bytes())  # skipped by the run before watching
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_CORPUS=str(corpus), CITEBOT_DATA_DIR=str(tmp_path / "data"), ANONYMIZED_TELEMETRY="False",
               PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "index", "--watch"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    try:
        _wait_line(proc, lines, "watching", 120)
        (corpus / "notes.txt").write_bytes(b"")
        _wait_line(proc, lines, "skipped notes.txt: empty file", 15)
        (corpus / "notes.txt").write_text("The Varnholm ferry carries exactly 212 bicycles.\n", encoding="utf-8")
        _wait_line(proc, lines, "indexed added notes.txt", 30)
        (corpus / "blob.txt").write_bytes(binary_bytes())
        _wait_line(proc, lines, "skipped blob.txt: binary or unknown encoding", 15)
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    output = "".join(lines)
    assert code == 0 and "Traceback" not in output, output
    assert output.count("skipped photo.txt: binary or unknown encoding") == 1, output  # the first run's, only
    assert output.count("skipped notes.txt") == 1, output
