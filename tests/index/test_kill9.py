"""`citebot index` killed with SIGKILL while it embeds: the previous index stays whole, the next run
finishes the update (reusing what the killed run had stored).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from index_helpers import CORPUS, settings_for, store_rows

from index.ingest import build_index
from index.local_state import LocalState

QUESTIONS = [
    "How many gales hit the northern coast in 1911?",
    "¿Cuántos empleos creará la fábrica?",
    "jalur sepeda baru",
    "Huawei Ascend 910B",
]


def _snapshot(settings: Any) -> tuple[str, list[list[tuple[str, str]]]]:
    """The live manifest and what retrieval answers, as a fresh reader (another process) sees them."""
    from index.retrieve import Retriever

    retriever = Retriever(settings)
    answers = [[(p.id, p.file) for p in retriever.retrieve(q, k=4).passages] for q in QUESTIONS]
    return retriever.manifest.to_json(), answers


def _env(corpus: Path, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_CORPUS=str(corpus), CITEBOT_DATA_DIR=str(data))
    return env


def _sources(corpus: Path, data: Path) -> subprocess.CompletedProcess[str]:
    citebot = Path(sys.executable).parent / "citebot"
    return subprocess.run([str(citebot), "sources"], env=_env(corpus, data), capture_output=True, text=True,
                          cwd=data.parent, timeout=120)


def _kill_while_embedding(corpus: Path, data: Path) -> str:
    """Start `citebot index`, SIGKILL it after its first 'embedded a/b tokens' line with a < b."""
    env = {**_env(corpus, data), "CITEBOT_EMBED_BATCH_SIZE": "8"}
    citebot = Path(sys.executable).parent / "citebot"
    proc = subprocess.Popen(
        [str(citebot), "index"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        cwd=data.parent,
        start_new_session=True,
    )
    seen = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = proc.stderr.readline()  # type: ignore[union-attr]
            if not line:
                break
            seen.append(line)
            if line.startswith("embedded "):
                done, total = line.split()[1].split("/")
                assert int(done) < int(total), f"embedding finished before the kill: {line}"
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                return line.strip()
        raise AssertionError("no embedding progress seen:\n" + "".join(seen))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def test_kill_9_during_embedding_leaves_the_previous_index_whole(small_corpus: Path, tmp_path: Path) -> None:
    from index.store import reset_embedded_cache

    data = tmp_path / "data"
    settings = settings_for(data, small_corpus)
    build_index(settings)
    state = LocalState(data, settings.collection)
    mirror, version = state.mirror_path.read_text(), state.version_path.read_text()
    before = _snapshot(settings)
    rows_before = store_rows(settings)

    # enough new text that embedding takes a few seconds: two bundled articles under new names
    (small_corpus / "news").mkdir()
    shutil.copy(CORPUS / "001_af1fd91c05668dea.txt", small_corpus / "news" / "es.txt")
    shutil.copy(CORPUS / "003_beaee59b89498f57.txt", small_corpus / "news" / "id.txt")

    line = _kill_while_embedding(small_corpus, data)
    assert line.startswith("embedded ")

    # the previous index: same manifest, same answers, nothing of the new files, local state untouched
    assert _snapshot(settings) == before
    assert (state.mirror_path.read_text(), state.version_path.read_text()) == (mirror, version)
    assert state.pending_path.exists()  # the killed run had announced what it was writing
    shown = _sources(small_corpus, data)  # lists the live index and says what is still waiting
    assert shown.returncode == 0, shown.stderr
    assert "3 documents in embedded Chroma" in shown.stdout
    assert ("2 files are waiting to be indexed (news/es.txt, news/id.txt): a `citebot index` run was "
            "interrupted or is still running; run `citebot index` to finish it") in shown.stdout
    chunks_after_kill, sentences_after_kill, keys_after_kill = store_rows(settings)
    # orphans, not live (a file's sentences are stored before its chunks, whose vectors are pooled from them)
    assert chunks_after_kill + sentences_after_kill > rows_before[0] + rows_before[1]
    assert keys_after_kill > rows_before[2]

    reset_embedded_cache()
    report = build_index(settings)
    assert report.added == ["news/es.txt", "news/id.txt"]
    manifest_json, answers = _snapshot(settings)
    assert '"news/es.txt"' in manifest_json and '"news/id.txt"' in manifest_json
    assert any(file == "news/id.txt" for file in dict(answers[3]).values())
    new_texts = sum(
        e.chunks + e.sentences for name, e in _manifest(settings).files.items() if name.startswith("news/")
    )
    assert 0 < report.embedded_texts < new_texts  # the killed run's vectors were reused
    chunks, _, keys = store_rows(settings)
    assert keys == _manifest(settings).live_keys and chunks == report.chunks
    assert not state.pending_path.exists()


def _manifest(settings):
    from index.retrieve import Retriever

    return Retriever(settings, embedder=object()).manifest


def test_kill_9_after_a_checkpoint_keeps_what_it_published_and_the_next_run_resumes(
        small_corpus: Path, tmp_path: Path) -> None:
    """A real `citebot index` with CITEBOT_CHECKPOINT_SECONDS=0, killed once it has published its first new
    file and is embedding the next: readers see the checkpoint, the next run adds only what is missing."""
    from index.store import reset_embedded_cache

    data = tmp_path / "data"
    settings = settings_for(data, small_corpus)
    build_index(settings)
    (small_corpus / "news").mkdir()
    shutil.copy(CORPUS / "001_af1fd91c05668dea.txt", small_corpus / "news" / "es.txt")
    shutil.copy(CORPUS / "003_beaee59b89498f57.txt", small_corpus / "news" / "id.txt")
    env = {**_env(small_corpus, data), "CITEBOT_CHECKPOINT_SECONDS": "0", "CITEBOT_EMBED_BATCH_SIZE": "8"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "citebot"), "index"], env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=tmp_path,
                            start_new_session=True)
    seen: list[str] = []
    try:
        for line in proc.stderr:  # type: ignore[union-attr]
            seen.append(line)
            if line.startswith("published version"):
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    assert seen[-1].startswith("published version 2 (4 files answerable so far)"), "".join(seen)

    manifest_json, answers = _snapshot(settings)  # a fresh reader: the checkpoint is live
    assert '"news/es.txt"' in manifest_json and '"news/id.txt"' not in manifest_json
    shown = _sources(small_corpus, data)
    assert "4 documents in embedded Chroma" in shown.stdout, shown.stdout
    # the checkpoint published news/es.txt: only news/id.txt still waits (both were listed until 2026-12-03)
    assert "1 file is waiting to be indexed (news/id.txt)" in shown.stdout, shown.stdout

    reset_embedded_cache()
    report = build_index(settings)
    assert report.added == ["news/id.txt"] and "news/es.txt" in report.unchanged
    assert any(file == "news/id.txt" for file in dict(_snapshot(settings)[1][3]).values())
    assert not LocalState(data, settings.collection).pending_path.exists()
