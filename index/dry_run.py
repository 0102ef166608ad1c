"""What `citebot index` would do to a corpus, without embedding or writing anything (`--dry-run`).

Every step before the embedder runs for real (scan, load, clean, paragraphs, sentences, chunks), and
the e5 tokens of every text the index run embeds (each distinct sentence, its pair with the sentence
before it when `sentence_pairs`, and each chunk the run embeds itself: all of them with
`chunk_vectors="passage"`, else only chunks without sentences) are counted
with the embedder's own tokenizer, so the totals are those the run's progress bar will count. Only the
tokenizer's vocabulary is read: no model runs and no store is opened. Chunks are consumed as they are
made (`iter_chunks`), so memory stays bounded by one file's text, not by its chunks. Given the live index's
files (`indexed`: name -> SHA-256, from the mirrored manifest), a file whose bytes it already holds is counted
as unchanged and not read, as the real run leaves it; until 2026-12-03 every file was counted, so a dry run of
an up-to-date folder announced the whole corpus.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from index.chunk_vectors import ChunkVectors, needs_own_vector
from index.load import UnreadableFile, file_digest, load_document, scan_corpus
from index.sentence_pairs import pair_text


@dataclass
class DryRunReport:
    """Totals of a dry run; `tokens` is what the embedder would be fed."""

    files: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already indexed as they are: nothing to embed
    removed: list[str] = field(default_factory=list)  # indexed, gone from the folder: the run drops them
    skipped: list[tuple[str, str]] = field(default_factory=list)
    bytes: int = 0
    chunks: int = 0
    sentences: int = 0
    tiktoken_tokens: int = 0  # the chunk sizes the splitter works in
    chunk_tokens: int = 0  # e5 tokens of the chunks (prefix and special tokens included)
    sentence_tokens: int = 0  # e5 tokens of the distinct sentences
    own_chunk_tokens: int = 0  # e5 tokens of the chunks embedded themselves (index/chunk_vectors.py)
    pair_tokens: int = 0  # e5 tokens of the sentence pairs (index/sentence_pairs.py)
    seconds: float = 0.0

    @property
    def tokens(self) -> int:
        """What the embedder would be fed."""
        return self.own_chunk_tokens + self.sentence_tokens + self.pair_tokens

    def estimated_seconds(self, tokens_per_second: float) -> float:
        """Embedding time at a measured embedder speed (the rest of a run is a small share of it)."""
        return self.tokens / tokens_per_second if tokens_per_second > 0 else float("inf")


def e5_counter(cache: int = 4096) -> Callable[[str], int]:
    """Tokens the embedder feeds for a passage (prefix, <s> and </s> included), from the tokenizer alone.
    Memoised for the last `cache` texts: the window check and the total count see each chunk twice."""
    from index.embed_tokenizer import SHORT_CHARS, e5_tokenizer

    tokenizer = e5_tokenizer()
    # one bulk-sized call builds the Rust unigram model; without it every short text goes through the
    # pure-Python Viterbi path (~25x slower: 100 s per MB of text)
    tokenizer.encode_batch(["a" * SHORT_CHARS], False)

    @lru_cache(maxsize=cache)
    def count(text: str) -> int:
        return len(tokenizer.encode_batch([text], False)[0]) + 2

    return count


def dry_run(corpus: Path, languages: tuple[str, ...], chunk_size: int, chunk_overlap: int,
            follow_links: bool = False, on_file: Callable[[str, DryRunReport], None] | None = None,
            e5_count: Callable[[str], int] | None = None, chunk_vectors: ChunkVectors = "passage",
            sentence_pairs: bool = True, indexed: Mapping[str, str] | None = None) -> DryRunReport:
    """Scan, load and chunk every new or changed document of `corpus` (all of them without `indexed`) and
    count what would be embedded. `on_file(name, report)` is called after each file (progress for the CLI)."""
    from index.chunk import iter_chunks, with_new_sentences

    started = time.perf_counter()
    count = e5_count or e5_counter()
    scan = scan_corpus(corpus, follow_links)
    report = DryRunReport(skipped=list(scan.skipped))
    names = {path.relative_to(corpus).as_posix() for path in scan.files}
    report.removed = sorted(set(indexed or {}) - names)
    for path in scan.files:
        name = path.relative_to(corpus).as_posix()
        try:
            if indexed and indexed.get(name) == file_digest(path):
                report.unchanged.append(name)
                continue
            doc = load_document(path, corpus, languages)
        except UnreadableFile as exc:
            report.skipped.append((name, str(exc)))
            continue
        except OSError as exc:
            report.skipped.append((name, f"cannot read ({exc.strerror or exc})"))
            continue
        report.files.append(name)
        report.bytes += path.stat().st_size
        for chunk, new in with_new_sentences(iter_chunks(doc, chunk_size, chunk_overlap, count)):
            report.chunks += 1
            report.tiktoken_tokens += chunk.tokens
            tokens = count(chunk.text)
            report.chunk_tokens += tokens
            if needs_own_vector(bool(chunk.sentences), chunk_vectors):
                report.own_chunk_tokens += tokens
            report.sentences += len(new)  # overlapping chunks share sentences; each is embedded once
            report.sentence_tokens += sum(count(sentence.text) for sentence in new)
            if sentence_pairs:
                report.pair_tokens += sum(count(pair_text(s.before, s.text)) for s in new if s.before)
        if on_file is not None:
            on_file(name, report)
    report.skipped.sort()
    report.seconds = time.perf_counter() - started
    return report
