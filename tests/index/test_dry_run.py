"""The dry run counts what an index run embeds, without an embedder or a store (index/dry_run.py)."""

from __future__ import annotations

from pathlib import Path

from docmaker import EN_TEXT, binary_bytes, write
from index_helpers import CORPUS, LANGUAGES

from index.dry_run import dry_run, e5_counter
from index.embed import load_e5
from index.local_state import LocalState, read_json
from index.store import Manifest
from tests.isolation import settings_for


def test_dry_run_totals_equal_what_the_index_run_stored(built_data_dir: Path) -> None:
    settings = settings_for(built_data_dir)
    mirror = read_json(LocalState(built_data_dir, settings.collection).mirror_path)
    manifest = Manifest.from_json(mirror["manifest"])
    report = dry_run(CORPUS, tuple(settings.language_list), settings.chunk_size, settings.chunk_overlap)
    assert sorted(report.files) == sorted(manifest.files)
    assert report.chunks == sum(e.chunks for e in manifest.files.values())
    assert report.sentences == sum(e.sentences for e in manifest.files.values())
    assert report.tiktoken_tokens == sum(e.tokens for e in manifest.files.values())
    # by default each chunk is embedded as well as its sentences and their pairs with the sentence before
    assert report.tokens == report.chunk_tokens + report.sentence_tokens + report.pair_tokens
    assert report.chunk_tokens > 0 and report.sentence_tokens > 0 and report.pair_tokens > 0
    # pooled from the sentences': only the sentences (and pairs) are embedded (every chunk has some)
    pooled = dry_run(CORPUS, tuple(settings.language_list), settings.chunk_size, settings.chunk_overlap,
                     chunk_vectors="sentences")
    assert pooled.tokens == pooled.sentence_tokens + pooled.pair_tokens and pooled.own_chunk_tokens == 0
    assert pooled.sentence_tokens == report.sentence_tokens
    unpaired = dry_run(CORPUS, tuple(settings.language_list), settings.chunk_size, settings.chunk_overlap,
                       sentence_pairs=False)
    assert unpaired.pair_tokens == 0 and unpaired.tokens == report.chunk_tokens + report.sentence_tokens
    assert report.bytes == sum((CORPUS / name).stat().st_size for name in report.files)


def test_the_counter_counts_as_the_embedder_does() -> None:
    count = e5_counter()
    model = load_e5()
    for text in (EN_TEXT, "x", "Pemerintah kota berencana membangun jalur sepeda.", "https://a.example/b?c=1 ü ∑"):
        assert count(text) == model.token_count(text, is_query=False)


def test_dry_run_skips_with_reasons_and_writes_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "notes.txt", EN_TEXT)
    write(corpus / "photo.txt", binary_bytes())
    write(corpus / "table.xlsx", b"PK\x03\x04")
    before = sorted(p for p in tmp_path.rglob("*"))
    seen: list[str] = []
    report = dry_run(corpus, LANGUAGES, 192, 32, on_file=lambda name, _: seen.append(name))
    assert report.files == seen == ["notes.txt"]
    assert dict(report.skipped) == {"photo.txt": "binary or unknown encoding", "table.xlsx": "unsupported type .xlsx"}
    assert report.chunks == 1 and report.sentences == 2
    assert report.estimated_seconds(100.0) == report.tokens / 100.0
    assert sorted(p for p in tmp_path.rglob("*")) == before
