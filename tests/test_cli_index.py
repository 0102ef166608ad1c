"""The `citebot index` and `citebot sources` commands, run as a user runs them (subprocesses).

Covers the plain progress lines and summary off a terminal, the rich bar on one (a pseudo-terminal), the
lock (`--wait`), the clear errors, and what `sources` lists.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index.embed_id import embedder_id

CITEBOT = Path(sys.executable).parent / "citebot"
SUMMARY = re.compile(
    r"^(\d+) added, (\d+) updated, (\d+) removed, (\d+) unchanged, (\d+) skipped; (\d+) chunks, "
    r"(\d+) tokens; (\d+) texts embedded; [\d.]+ s \((.+)\)$",
    re.MULTILINE,
)
DOCS = {
    "notes/lighthouse.txt": "The lighthouse keeper recorded the storm in a leather notebook each evening.\n\n"
    "Her notes show that the winter of 1911 brought seventeen gales to the northern coast.\n",
    "fabrica.txt": "La fábrica de Zaragoza producirá baterías de litio desde otoño, según la compañía.\n",
}


def summary(output: str) -> tuple[str, ...]:
    """The fields of the summary line every `citebot index` run ends with."""
    found = SUMMARY.search(output)
    assert found, output
    return found.groups()


def _env(corpus: Path, data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_CORPUS=str(corpus), CITEBOT_DATA_DIR=str(data), **extra)
    return env


def citebot(*args: str, env: dict[str, str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CITEBOT), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(corpus, data dir, the first `citebot index` run) for two good files and one empty one."""
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    for name, text in DOCS.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "empty.md").write_bytes(b"")
    first = citebot("index", env=_env(corpus, root / "data"), cwd=root)
    return corpus, root / "data", first


def test_index_prints_plain_progress_skips_and_a_summary_off_a_terminal(indexed) -> None:
    corpus, data, first = indexed
    assert first.returncode == 0, first.stderr
    lines = first.stderr.splitlines()
    assert "\x1b[" not in first.stderr  # no terminal control codes in a log
    assert "skipped empty.md: empty file" in lines
    assert re.search(r"^embedding \d+ tokens$", first.stderr, re.MULTILINE)
    assert re.search(r"^embedded (\d+)/\1 tokens \(\d+ tok/s, ETA 0s\)$", first.stderr, re.MULTILINE)
    added, updated, removed, unchanged, skipped, chunks, tokens, embedded, where = summary(first.stderr)
    assert (added, updated, removed, unchanged, skipped) == ("2", "0", "0", "0", "1")
    assert int(chunks) >= 2 and int(tokens) > 20 and int(embedded) > int(chunks)
    assert where == f"embedded Chroma at {data / 'chroma'}"


def test_second_run_changes_nothing_and_embeds_nothing(indexed) -> None:
    corpus, data, first = indexed
    again = citebot("index", env=_env(corpus, data), cwd=data.parent)
    assert again.returncode == 0, again.stderr
    fields = summary(again.stderr)
    assert fields[:5] == ("0", "0", "0", "2", "1") and fields[7] == "0"
    assert fields[5:7] == summary(first.stderr)[5:7]  # same chunks and tokens
    assert "embedding" not in again.stderr


def test_sources_lists_documents_store_and_model(indexed) -> None:
    corpus, data, _ = indexed
    shown = citebot("sources", env=_env(corpus, data), cwd=data.parent)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["file", "lang", "chunks", "tokens", "indexed"]
    rows = {line.split()[0]: line.split() for line in lines[1:3]}
    assert set(rows) == {"fabrica.txt", "notes/lighthouse.txt"}
    assert rows["fabrica.txt"][1] == "es" and rows["notes/lighthouse.txt"][1] == "en"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row[4]) and int(row[2]) >= 1 for row in rows.values())
    assert f"2 documents in embedded Chroma at {data / 'chroma'}" in lines
    assert f"embedding model: {embedder_id()}" in lines

    as_json = json.loads(citebot("sources", "--json", env=_env(corpus, data), cwd=data.parent).stdout)
    assert as_json["store"] == f"embedded Chroma at {data / 'chroma'}"
    assert as_json["embed_model"].startswith("intfloat/multilingual-e5-small")
    assert [d["file"] for d in as_json["documents"]] == ["fabrica.txt", "notes/lighthouse.txt"]


def test_sources_with_other_chunking_settings_says_to_rebuild(indexed) -> None:
    corpus, data, _ = indexed
    shown = citebot("sources", env=_env(corpus, data, CITEBOT_CHUNK_SIZE="256"), cwd=data.parent)
    assert shown.returncode == 2
    assert "run `citebot index --rebuild`" in shown.stderr and "Traceback" not in shown.stderr


def test_sources_without_an_index_says_to_run_index(tmp_path: Path) -> None:
    shown = citebot("sources", env=_env(tmp_path, tmp_path / "none"), cwd=tmp_path)
    assert shown.returncode == 2
    assert "run `citebot index`" in shown.stderr and "Traceback" not in shown.stderr


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    done = citebot(
        "index", "--corpus", str(tmp_path / "nowhere"), env=_env(tmp_path, tmp_path / "data"), cwd=tmp_path
    )
    assert done.returncode == 2
    assert f"Error: corpus folder {tmp_path / 'nowhere'} does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_second_concurrent_index_exits_or_waits_with_wait(indexed) -> None:
    from filelock import FileLock

    corpus, data, _ = indexed
    lock = FileLock(str(data / "index.lock"), thread_local=False)
    lock.acquire()
    try:
        refused = citebot("index", env=_env(corpus, data), cwd=data.parent)
        assert refused.returncode == 2
        assert "another `citebot index` is writing" in refused.stderr and "--wait" in refused.stderr
        started = time.monotonic()
        threading.Timer(2.0, lock.release).start()
        waited = citebot("index", "--wait", env=_env(corpus, data), cwd=data.parent)
        assert waited.returncode == 0, waited.stderr
        assert time.monotonic() - started >= 2.0
        assert summary(waited.stderr)[3] == "2"
    finally:
        if lock.is_locked:
            lock.release()


def test_a_terminal_gets_a_rich_progress_bar(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(DOCS["notes/lighthouse.txt"], encoding="utf-8")
    master, slave = pty.openpty()
    env = _env(corpus, tmp_path / "data", TERM="xterm-256color", COLUMNS="100")
    proc = subprocess.Popen(
        [str(CITEBOT), "index"], env=env, cwd=tmp_path, stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            output += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    assert proc.wait(timeout=30) == 0
    text = output.decode("utf-8", "replace")
    assert "\x1b[" in text and "━" in text  # drawn by rich, with control codes
    assert re.search(r"\d+/\d+ tokens", text)
    assert not re.search(r"^embedded \d+/\d+ tokens", text, re.MULTILINE)  # not the plain lines
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "\n")
    assert summary(plain)[0] == "1"


def test_a_link_out_of_the_corpus_is_skipped_and_never_quoted(tmp_path: Path) -> None:
    corpus, outside = tmp_path / "corpus", tmp_path / "etc"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "fabrica.txt").write_text(DOCS["fabrica.txt"], encoding="utf-8")
    (outside / "passwd").write_text("The root account of this server uses the login shell /bin/bash.\n")
    (corpus / "passwd.txt").symlink_to(outside / "passwd")
    env = _env(corpus, tmp_path / "data")
    built = citebot("index", env=env, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert f"skipped passwd.txt: outside the corpus (a link to {outside / 'passwd'})" in built.stderr.splitlines()
    assert summary(built.stderr)[:5] == ("1", "0", "0", "0", "1")
    asked = citebot("ask", "--json", "Which shell does the root account use?", env=env, cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert "/bin/bash" not in asked.stdout and "passwd" not in asked.stdout


def test_unsupported_files_get_a_line_and_a_corpus_without_documents_is_an_error(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "guide.rst").write_text("Guide\n=====\n\nText.\n")
    (corpus / "sheet.xlsx").write_bytes(b"PK\x03\x04 not a document citebot reads")
    done = citebot("index", env=_env(corpus, tmp_path / "data"), cwd=tmp_path)
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert "skipped guide.rst: unsupported type .rst" in lines and "skipped sheet.xlsx: unsupported type .xlsx" in lines
    assert f"Error: the corpus folder {corpus} has no documents to index" in done.stderr
    assert ".txt" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "chroma").exists()  # nothing was built

    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = citebot("index", "--corpus", str(empty), env=_env(corpus, tmp_path / "data"), cwd=tmp_path)
    assert nothing.returncode != 0 and f"the corpus folder {empty} has no documents to index" in nothing.stderr


def test_a_damaged_pdf_is_one_skipped_line_without_pypdf_log_noise(tmp_path: Path) -> None:
    """pypdf logs its own warnings ("2026-12-03 10:44:32,633 WARNING pypdf._reader: EOF marker not found") beside
    the line that already says the file was skipped (sweep of 2026-12-03); `-v` still shows them."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The keeper wrote the storm into the log each evening.\n", encoding="utf-8")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")
    run = citebot("index", "--dry-run", env=_env(corpus, tmp_path / "data"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "skipped broken.pdf: unreadable PDF" in run.stderr
    assert "pypdf" not in run.stderr, run.stderr
    verbose = citebot("-v", "index", "--dry-run", env=_env(corpus, tmp_path / "data"), cwd=tmp_path)
    assert "WARNING pypdf" in verbose.stderr
