"""Incremental index builds: content hashes decide what to embed; a manifest swap publishes the result.

Order of writes, so that a run killed at any point leaves the previous index fully queryable:
1. record the document versions about to be written (`pending.json`);
2. embed and upsert their chunks and sentences under ids no live manifest entry uses;
3. swap the manifest (`publish.publish_version`, one metadata write): from here on queries see the new index;
4. delete the chunks of replaced and removed versions; save BM25 state and bump `index-version`
   (`publish.record_published`).
A long run repeats 2-4 at checkpoints (`checkpoint_seconds`) with the files embedded so far, so they become
answerable before the run ends; `pending.json` stays until the final publication.
A run that dies before 3 leaves orphans that the next run reuses (nothing re-embedded) or deletes;
one that dies after 3 leaves stale versions that the next run deletes (`pending.json` is still there).

`--rebuild` writes every file into collections beside the live ones (no checkpoints, no `pending.json`: the
live index is not touched) and swaps them in at the end (`publish.publish_rebuilt`), so questions are answered
from the old index until the new one is complete, and a rebuild that fails or is killed leaves it as it was.
The next `--rebuild` with the same settings resumes the killed one's collections (nothing stored is embedded
again); with other settings it discards them.

Files a run skips (empty, binary, no text) are remembered by their SHA-256 in the mirrored manifest, so a folder
holding them is still recognised as unchanged without Chroma, and they are not read again until they change.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from index.embed_id import embedder_id
from index.errors import (
    REBUILD_HINT,
    CitebotIndexError,
    CorpusEmpty,
    CorpusMissing,
    DataDirNotWritable,
    IndexBusy,
    IndexCorrupt,
)
from index.load import SUFFIXES, UnreadableFile, file_digest, load_document, scan_corpus
from index.local_state import LocalState, atomic_write, read_json
from index.publish import (
    check_identity,
    finish_interrupted_swap,
    identity_matches,
    mirrored_manifest,
    mirrored_skipped,
    new_manifest,
    only_vectors_differ,
    publish_rebuilt,
    publish_version,
    record_published,
)
from index.sanitize import clean_line
from index.sentence_pairs import unpaired_hint
from index.settings import IndexSettings
from index.store import (
    OLD_GRAPH_HINT,
    REBUILDING,
    FileEntry,
    Manifest,
    describe_location,
    embedded_store_intact,
    writing,
)

if TYPE_CHECKING:  # heavy imports stay out of the no-change path
    from index.chunk import Chunk
    from index.chunk_spill import ChunkSpill
    from index.embed import E5Embedding
    from index.load import LoadedDocument
    from index.prefetch import EmbeddingPrefetch
    from index.records import Record
    from index.store import Store

logger = logging.getLogger(__name__)

# A long run publishes what it has embedded so far once `checkpoint_seconds` (setting, default 120 s) have
# passed since the last publication, checked after each changed file. Each publication rebuilds BM25 over
# the whole live index, a cost that grows with the index while the interval does not, so the wait after a
# publication is also at least this many times what that publication took: publishing then costs at most
# 1/(1+10) of a long run's time at any index size. (BM25 builds in ~0.11 ms per chunk, docs/scale.md: 116 s
# at 1M chunks; a publication took 0.4 ms per chunk in bench/index_scale.py.) An interval of 0 means after
# every file, cost regardless (tests, demos).
CHECKPOINT_COST_RATIO = 10.0
# The counting pass keeps the chunks it cut (for the write pass) in memory up to this many characters of chunk
# text in all: ~50 MB of Python objects. Past it, the rest go to a spill file in the data dir
# (index/chunk_spill.py), so memory stays bounded whatever the corpus and no file is chunked twice.
KEPT_CHUNK_CHARS = 8_000_000
# How a skip reason starts when the file could not be read at all (an OSError, not its content): such a file is
# not remembered as skipped, since fixing its permissions leaves its bytes, and so its SHA-256, as they were.
CANNOT_READ = "cannot read"


class Progress(Protocol):
    """What ingest reports while it works; the CLI renders it as a bar or as plain lines."""

    def message(self, text: str) -> None: ...
    def start(self, total_tokens: int) -> None: ...
    def advance(self, tokens: int) -> None: ...


class _Silent:
    def message(self, text: str) -> None:
        logger.info(text)

    def start(self, total_tokens: int) -> None:
        pass

    def advance(self, tokens: int) -> None:
        pass


@dataclass
class IndexReport:
    """What one `citebot index` run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0  # live chunks after the run
    tokens: int = 0  # live tiktoken tokens after the run
    embedded_texts: int = 0  # chunks + sentences this run gave vectors (pooled chunks included)
    embedded_tokens: int = 0  # e5 tokens the embedder ran on in this run
    seconds: float = 0.0
    location: str = ""
    version: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def _scan(corpus: Path, follow_links: bool = False) -> tuple[dict[str, tuple[Path, str]], list[tuple[str, str]]]:
    """(name -> (path, sha256)) of the readable documents, and (name, reason) of every file skipped."""
    scan = scan_corpus(corpus, follow_links)
    files: dict[str, tuple[Path, str]] = {}
    skipped = list(scan.skipped)
    for path in scan.files:
        name = path.relative_to(corpus).as_posix()
        try:
            files[name] = (path, file_digest(path))
        except OSError as exc:  # one unreadable file must not stop the others
            skipped.append((name, f"{CANNOT_READ} ({exc.strerror or exc})"))
    return files, sorted(skipped)


def _skip(report: IndexReport, progress: Progress, name: str, reason: str) -> None:
    """Record a skipped file and say so in one line (the name cleaned: file names are untrusted too)."""
    report.skipped.append((name, reason))
    progress.message(f"skipped {clean_line(name)}: {reason}")


def _say_unpaired(settings: IndexSettings, progress: Progress, unchanged: Iterable[FileEntry]) -> None:
    """Say how many files this run leaves as they are without sentence pairs, when the settings want them."""
    count = sum(not entry.sentence_pairs for entry in unchanged)
    if settings.sentence_pairs and count:
        progress.message(unpaired_hint(count))


def published_manifest(settings: IndexSettings, state: LocalState | None = None) -> Manifest | None:
    """The manifest the last run mirrored, read without opening Chroma, when it still describes the embedded
    store and the current settings; None for a Chroma server (another machine may have changed it since), a
    store gone or damaged, or other chunking or embedder settings (the run would rebuild). Answers "what is
    indexed now" for the no-change shortcut and for the dry run."""
    if settings.server_mode or not embedded_store_intact(settings):
        return None
    state = state or LocalState(Path(settings.data_dir), settings.collection)
    manifest = mirrored_manifest(state, describe_location(settings))
    return manifest if manifest is not None and identity_matches(manifest, settings) else None


def _still_skipped(settings: IndexSettings, state: LocalState, files: dict[str, tuple[Path, str]]) -> dict[str, str]:
    """name -> reason of the files the last run skipped whose bytes have not changed since (their SHA-256, which
    the scan computes for every file anyway, is the one remembered): skipped again without being read."""
    remembered = mirrored_skipped(state, describe_location(settings))
    return {name: reason for name, (digest, reason) in remembered.items()
            if name in files and files[name][1] == digest}


def _unchanged_fast(settings: IndexSettings, state: LocalState, files: dict[str, tuple[Path, str]],
                    skipped: dict[str, str] | None = None) -> Manifest | None:
    """The mirrored manifest when nothing changed since the last run (no Chroma needed), else None. `skipped`:
    files the last run skipped and that have not changed (`_still_skipped`); they do not count as changes."""
    manifest = published_manifest(settings, state)
    if manifest is None:
        return None
    current = {n: d for n, (_, d) in files.items() if n not in (skipped or {})}
    if {name: entry.sha256 for name, entry in manifest.files.items()} != current:
        return None
    bm25_saved = state.bm25_dir(describe_location(settings), manifest.version).exists()
    if state.read_version() != manifest.version or not bm25_saved:
        return None
    return manifest


def _open_store(settings: IndexSettings, rebuild: bool, progress: Progress) -> Store:
    """The store; with --rebuild an embedded store too damaged to open is moved aside and recreated. One in a
    data dir that cannot be written is neither: DataDirNotWritable says so (a rebuild could not write either)."""
    from index.store import Store, set_aside_embedded, store_failure

    try:
        return Store(settings)
    except CitebotIndexError:
        raise
    except Exception as exc:
        failure = store_failure(settings, exc)
        if isinstance(failure, DataDirNotWritable):
            raise failure from exc
        location = describe_location(settings)
        if settings.server_mode or not rebuild:
            raise IndexCorrupt(f"the index ({location}) cannot be opened ({exc}); {REBUILD_HINT}") from exc
        aside = set_aside_embedded(settings)
        progress.message(f"the index ({location}) cannot be opened ({exc}); moved it to {aside} and rebuilding")
        return Store(settings)


def _report_totals(report: IndexReport, manifest: Manifest) -> None:
    report.chunks = sum(e.chunks for e in manifest.files.values())
    report.tokens = sum(e.tokens for e in manifest.files.values())
    report.version = manifest.version


def index_busy(settings: IndexSettings) -> bool:
    """Whether another process holds the index lock now (an index run: a first build, an update, a rebuild)."""
    from filelock import FileLock, Timeout

    path = LocalState(Path(settings.data_dir), settings.collection).lock_path
    if not path.exists():
        return False
    probe = FileLock(str(path))
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    probe.release()
    return False


def build_index(settings: IndexSettings, rebuild: bool = False, progress: Progress | None = None,
                wait_seconds: float = 0.0, checkpoint_seconds: float | None = None) -> IndexReport:
    """Bring the index in line with the corpus folder; see the module docstring for the write order."""
    from filelock import FileLock, Timeout

    started = time.perf_counter()
    progress = progress or _Silent()
    corpus = Path(settings.corpus)
    if not corpus.is_dir():
        raise CorpusMissing(f"corpus folder {corpus} does not exist; set CITEBOT_CORPUS to your documents folder",
                            folder=corpus)
    state = LocalState(Path(settings.data_dir), settings.collection)
    state.dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(state.lock_path))
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise IndexBusy(f"another `citebot index` is writing {state.dir} (lock {state.lock_path}); "
                        "try again when it has finished, or pass --wait to wait for it") from None
    try:
        with writing():
            interval = settings.checkpoint_seconds if checkpoint_seconds is None else checkpoint_seconds
            report = _build_locked(settings, state, corpus, rebuild, progress, interval)
    finally:
        lock.release()
    report.seconds = time.perf_counter() - started
    return report


def _build_locked(settings: IndexSettings, state: LocalState, corpus: Path, rebuild: bool,
                  progress: Progress, checkpoint_seconds: float) -> IndexReport:
    files, skipped = _scan(corpus, settings.follow_links)
    report = IndexReport(location=describe_location(settings))
    for name, reason in skipped:
        _skip(report, progress, name, reason)
    if not files:  # an unmounted share or a wrong path: refuse rather than empty the index
        types = ", ".join(sorted(SUFFIXES))
        raise CorpusEmpty(f"the corpus folder {corpus} has no documents to index ({types}); the index was not "
                          "changed", folder=corpus)
    still_skipped = {} if rebuild else _still_skipped(settings, state, files)
    if not rebuild:
        fast = _unchanged_fast(settings, state, files, still_skipped)
        if fast is not None:
            for name, reason in sorted(still_skipped.items()):
                _skip(report, progress, name, reason)
            report.skipped.sort()
            report.unchanged = sorted(fast.files)
            _report_totals(report, fast)
            _say_unpaired(settings, progress, fast.files.values())  # the mirrored manifest: the shortcut stays fast
            return report

    from index.embed import E5Embedding

    store = _open_store(settings, rebuild, progress)
    finish_interrupted_swap(store, state, settings.reload_seconds, progress.message)
    target, old, resumed, upgrade = store, None, False, False  # target: the collections this run writes
    if not rebuild:
        store.open(create=True)
        old = store.read_manifest()
        if old is not None and only_vectors_differ(old, settings):
            # the name is the store's word (a shared Chroma server's): printed as one clean line
            progress.message(f"the index in {store.location} holds vectors made by {clean_line(old.embed_model)}; "
                             f"this citebot makes {embedder_id()}: rebuilding it")
            old, rebuild, upgrade = None, True, True
    if rebuild:
        target, resumed, base_version = _start_rebuild(settings, store, state, progress, live_answers=not upgrade)
    else:
        base_version = 0
        if store.beside(REBUILDING).exists():  # kept for `--rebuild` to resume; it takes room meanwhile
            progress.message("an interrupted `citebot index --rebuild` left its partial work beside the index; "
                             "`citebot index --rebuild` resumes it")
    if old is not None:
        check_identity(old, settings, store.location)
        if not store.graph_is_current():
            progress.message(OLD_GRAPH_HINT)
        _say_unpaired(settings, progress, [entry for name, entry in old.files.items()
                                           if name in files and files[name][1] == entry.sha256])
    manifest = new_manifest(settings, dict(old.files) if old else {}, old.version if old else base_version)

    embedder = E5Embedding.for_settings(settings)
    from index.chunk_spill import clear_spills, spill_dir
    from index.prefetch import EmbeddingPrefetch

    spills = spill_dir(Path(settings.data_dir), settings.collection)
    clear_spills(spills)  # a killed run's
    prefetch = EmbeddingPrefetch(embedder)
    try:
        changed = _prepare(settings, files, manifest, corpus, target, embedder, report, progress, spills, prefetch,
                           still_skipped)
        if rebuild:
            if resumed:  # what the killed rebuild stored of files no longer there (or changed since)
                target.delete_docs(sorted(target.stored_doc_keys() - {doc.doc_key for doc in changed}))
        else:
            _clean_interrupted(store, state, manifest, keep={doc.doc_key for doc in changed})
        # files gone from the folder, and indexed files that became unreadable (_prepare lists those)
        report.removed = sorted(set(report.removed) | {name for name in manifest.files if name not in files})
        stale = [manifest.files[name].doc_key for name in report.removed]

        if changed or report.removed or old is None:
            if not rebuild:  # a rebuild writes beside the live index: nothing there to clean up after a kill
                pending = [doc.doc_key for doc in changed]
                names = [doc.entry_name for doc in changed]  # for `citebot sources`: what a killed run left waiting
                atomic_write(state.pending_path, json.dumps({"keys": pending, "files": names}, ensure_ascii=False))
            for name in report.removed:  # removed files leave at the first publication
                del manifest.files[name]
            # a rebuild publishes once, at the end: its checkpoints would have nowhere to go but the live index
            next_checkpoint = float("inf") if rebuild else time.monotonic() + checkpoint_seconds

            def install(doc: _PreparedDoc, entry: FileEntry) -> None:
                """Put a stored document version into the manifest (published at the next swap)."""
                previous = manifest.files.get(doc.entry_name)
                if previous is not None and previous.doc_key != entry.doc_key:
                    stale.append(previous.doc_key)
                manifest.files[doc.entry_name] = entry
                nonlocal next_checkpoint
                if doc is not changed[-1] and time.monotonic() >= next_checkpoint:
                    started = time.monotonic()
                    _publish(store, state, manifest, stale, progress, final=False)
                    took = time.monotonic() - started
                    wait = max(checkpoint_seconds, CHECKPOINT_COST_RATIO * took) if checkpoint_seconds > 0 else 0.0
                    next_checkpoint = started + took + wait

            _write_documents(settings, target, changed, corpus, embedder, report, progress, install, prefetch)
            clear_spills(spills)
            if rebuild:
                publish_rebuilt(store, target, state, manifest, _skips_to_remember(report, files, manifest),
                                settings.reload_seconds, progress.message)
            else:
                _publish(store, state, manifest, stale, progress, final=True,
                         skipped=_skips_to_remember(report, files, manifest))
        else:
            record_published(store, state, manifest, _skips_to_remember(report, files, manifest))
    finally:
        prefetch.cancel()  # a failed or interrupted run leaves at most one batch embedding
    state.pending_path.unlink(missing_ok=True)
    _report_totals(report, manifest)
    return report


def _start_rebuild(settings: IndexSettings, live: Store, state: LocalState,
                   progress: Progress, live_answers: bool = True) -> tuple[Store, bool, int]:
    """(the collections a rebuild writes beside the live ones, whether it resumes a killed rebuild's, the version
    to count on from). A killed rebuild's collections are resumed when made with the same settings (what they
    hold is not embedded again), else dropped. `live_answers`: the live index can answer meanwhile (not when an
    earlier citebot's vectors are what is being replaced), which the progress lines say."""
    meanwhile = ("questions are answered from the live index until the new one is complete" if live_answers else
                 "questions wait until the new one is complete")
    before = live.read_manifest()
    # keep counting versions: a reused number would let stale BM25 state and running bots miss the rebuild
    base_version = max(before.version if before else 0, state.read_version() or 0)
    target = live.beside(REBUILDING)
    identity = _rebuild_identity(settings)
    resumed = False
    if target.exists():
        target.open(create=True)
        if target.read_identity() == identity and target.graph_is_current():
            resumed = True
        else:
            progress.message("discarding the collections of an interrupted rebuild made with other settings")
            target.drop()
    target.open(create=True)
    if resumed:
        progress.message(f"resuming an interrupted rebuild in {live.location} (what it stored is not embedded "
                         f"again); {meanwhile}")
    else:
        target.write_identity(identity)
        progress.message(f"rebuilding beside the live index in {live.location}; {meanwhile}")
    return target, resumed, base_version


def _rebuild_identity(settings: IndexSettings) -> str:
    """What a rebuild's stored records depend on: the embedder, the chunking, how chunk vectors are made and
    whether sentences carry pairs. A killed rebuild's records are reused only under the same."""
    manifest = new_manifest(settings, {}, 0)
    return json.dumps([manifest.embed_model, manifest.chunking, settings.chunk_vectors, settings.sentence_pairs])


def _skips_to_remember(report: IndexReport, files: dict[str, tuple[Path, str]],
                       manifest: Manifest) -> dict[str, tuple[str, str]]:
    """name -> (sha256, reason) of the files this run skipped for what their bytes hold (empty, binary, no text)
    and left out of the index. Not a file that could not be read (permissions are fixed without changing the
    bytes), nor one whose old version stays: those are read again next time."""
    return {name: (files[name][1], reason) for name, reason in report.skipped
            if name in files and name not in manifest.files and not reason.startswith(CANNOT_READ)}


def _publish(store: Store, state: LocalState, manifest: Manifest, stale: list[str], progress: Progress,
             final: bool, skipped: dict[str, tuple[str, str]] | None = None) -> None:
    """Swap in `manifest` (queries see it from here on), delete the versions it replaced, then save its BM25
    state and bump index-version so running readers reload. A checkpoint and the final publication take this
    same path, so a kill -9 after any of them leaves a whole published version and `pending.json` for the
    next run to clean up and resume from."""
    publish_version(store, manifest)
    store.delete_docs(stale)
    stale.clear()
    record_published(store, state, manifest, skipped)
    if not final:
        progress.message(f"published version {manifest.version} ({len(manifest.files)} files answerable so far)")


def _clean_interrupted(store: Store, state: LocalState, manifest: Manifest, keep: set[str]) -> None:
    """After a killed run (`pending.json` left behind), delete every stored document version that is
    neither live nor about to be written: unpublished orphans, and stale versions a run killed after its
    swap did not delete. Orphans in `keep` stay: this run reuses their vectors instead of re-embedding."""
    pending = read_json(state.pending_path)
    if pending is None:
        return
    stored = set(pending.get("keys", [])) | store.stored_doc_keys()
    orphans = sorted(stored - manifest.live_keys - keep)
    if orphans:
        logger.info("removing %d document versions left by an interrupted run", len(orphans))
        store.delete_docs(orphans)


@dataclass
class _PreparedDoc:
    """A new or changed file as the counting pass saw it; its chunks are kept for the write pass, in memory
    while they fit KEPT_CHUNK_CHARS, else in a spill file (read again only if the disk refused that)."""

    entry_name: str
    path: Path
    digest: str
    doc_key: str
    todo_tokens: int  # e5 tokens of its records not already stored (what the bar counts)
    chunks: list[Chunk] | None = None
    language: str = ""
    encoding: str = ""
    spill: ChunkSpill | None = None  # the chunks on disk, when they did not fit in memory


def _record_batches(chunks: Iterable[Chunk], size: int, pairs: bool = True) -> Iterator[tuple[bool, list[Record]]]:
    """(is_sentence, records) in batches of at most `size`, as the chunks come: the same records and ids as
    chunk_records/sentence_records over the whole list (a sentence shared by overlapping chunks once, with the
    metadata of the first chunk holding it), while only one batch of chunks is held. A group's sentences come
    before its chunks, whose vectors may be pooled from them (index/chunk_vectors.py)."""
    from index.records import chunk_records, sentence_records

    last = -1  # the highest sentence position yielded: chunks come in order, so lower ones were yielded
    group: list[Chunk] = []

    def flush() -> Iterator[tuple[bool, list[Record]]]:
        nonlocal last
        fresh = [r for r in sentence_records(group, pairs) if r.metadata["position"] > last]
        last = max([last, *(r.metadata["position"] for r in fresh)])
        for i in range(0, len(fresh), size):
            yield True, fresh[i:i + size]
        yield False, chunk_records(group)

    for chunk in chunks:
        group.append(chunk)
        if len(group) >= size:
            yield from flush()
            group = []
    if group:
        yield from flush()


@dataclass
class _Tally:
    """A file's manifest figures, counted as its chunks stream past."""

    chunks: int = 0
    tokens: int = 0
    sentences: int = 0  # distinct sentences

    def counted(self, stream: Iterable[Chunk]) -> Iterator[Chunk]:
        from index.chunk import with_new_sentences

        for chunk, new in with_new_sentences(stream):
            self.chunks += 1
            self.tokens += chunk.tokens
            self.sentences += len(new)
            yield chunk


def _load(path: Path, corpus: Path, languages: tuple[str, ...]) -> LoadedDocument | str:
    """The loaded document, or why it cannot be read."""
    try:
        return load_document(path, corpus, languages)
    except UnreadableFile as exc:
        return str(exc)
    except OSError as exc:
        return f"{CANNOT_READ} ({exc.strerror or exc})"


def _prepare(settings: IndexSettings, files: dict[str, tuple[Path, str]], manifest: Manifest, corpus: Path,
             store: Store, embedder: E5Embedding, report: IndexReport, progress: Progress,
             spills: Path, prefetch: EmbeddingPrefetch | None = None,
             still_skipped: dict[str, str] | None = None) -> list[_PreparedDoc]:
    """The counting pass: read and chunk every new or changed file, count the e5 tokens still to embed (so the
    bar's total is the whole run's from the start), keep the chunks in memory while they fit KEPT_CHUNK_CHARS
    and in a spill file under `spills` after that; record unchanged and skipped files (those in `still_skipped`
    without reading them again). The texts to embed are handed to `prefetch` as they are cut, so the embedder
    starts on them while later files are read."""
    from index.chunk import doc_key, e5_token_counter, iter_chunks
    from index.chunk_spill import ChunkSpill
    from index.chunk_vectors import needs_own_vector

    e5_count = e5_token_counter(embedder.model)
    count = embedder.model.token_count
    languages = tuple(settings.language_list)
    prepared: list[_PreparedDoc] = []
    kept_chars = 0
    changed = [name for name, (_, digest) in sorted(files.items())
               if name not in manifest.files or manifest.files[name].sha256 != digest]
    report.unchanged.extend(sorted(set(files) - set(changed)))
    for name in [name for name in changed if name in (still_skipped or {}) and name not in manifest.files]:
        _skip(report, progress, name, (still_skipped or {})[name])
        changed.remove(name)
    if changed:
        progress.message(f"reading {len(changed)} new or changed files")
    for name in changed:
        path, digest = files[name]
        entry = manifest.files.get(name)
        doc = _load(path, corpus, languages)
        if isinstance(doc, str):
            _skip(report, progress, name, doc)
            if entry is not None:  # a file that became unreadable leaves the index
                report.removed.append(name)
            continue
        key = doc_key(doc.file, doc.sha256)
        todo = 0
        kept: list[Chunk] | None = [] if kept_chars < KEPT_CHUNK_CHARS else None
        spill = ChunkSpill(spills / f"{key}.jsonl")  # written only once the budget is spent

        def keeping(stream: Iterable[Chunk], spill: ChunkSpill = spill) -> Iterator[Chunk]:
            nonlocal kept, kept_chars
            for chunk in stream:
                if kept is None:
                    spill.write([chunk])
                else:
                    kept.append(chunk)
                    kept_chars += len(chunk.text)
                    if kept_chars > KEPT_CHUNK_CHARS:  # over the budget: this file's chunks go to disk
                        kept_chars -= sum(len(c.text) for c in kept)
                        spill.write(kept)
                        kept = None
                yield chunk

        chunks = keeping(iter_chunks(doc, settings.chunk_size, settings.chunk_overlap, e5_count))
        for is_sentence, batch in _record_batches(chunks, embedder.embed_batch_size, settings.sentence_pairs):
            have = store.existing_ids([r.id for r in batch], sentences=is_sentence)
            texts = [r.text for r in batch
                     if r.id not in have and (is_sentence or needs_own_vector(int(r.metadata["s_first"]) >= 0,
                                                                                settings.chunk_vectors))]
            texts += [r.pair for r in batch if r.pair and r.id not in have]
            tokens = sum(count(text) for text in texts)
            todo += tokens
            if prefetch is not None:
                prefetch.submit(texts, tokens)
        spill.close()
        (report.updated if entry is not None else report.added).append(name)
        prepared.append(_PreparedDoc(name, path, digest, key, todo, kept, doc.language, doc.encoding,
                                     spill if kept is None and spill.usable else None))
    return prepared


def _write_documents(settings: IndexSettings, store: Store, docs: list[_PreparedDoc], corpus: Path,
                     embedder: E5Embedding, report: IndexReport, progress: Progress,
                     done: Callable[[_PreparedDoc, FileEntry], None],
                     prefetch: EmbeddingPrefetch | None = None) -> None:
    """Embed and upsert each file's chunks and sentences batch by batch as they come (the counting pass's
    chunks, or the file read again), skipping any an interrupted run already stored; hand each file's entry
    to `done` once all of it is stored."""
    from index.batch_writer import BatchWriter
    from index.chunk import doc_key, e5_token_counter, iter_chunks
    from index.chunk_vectors import SentenceVectors
    from index.embed_id import builder_id

    e5_count = e5_token_counter(embedder.model)
    languages = tuple(settings.language_list)
    progress.start(sum(doc.todo_tokens for doc in docs))
    pool = SentenceVectors(store) if settings.chunk_vectors == "sentences" else None
    writer = BatchWriter(store, embedder, report, progress, pool, prefetch)
    for prepared in docs:
        chunks, prepared.chunks = prepared.chunks, None  # let go of each file's chunks once it is written
        if chunks is None and prepared.spill is not None:
            chunks, prepared.spill = prepared.spill.read(), None
        if chunks is None:
            doc = _load(prepared.path, corpus, languages)
            if isinstance(doc, str):  # became unreadable since the counting pass: its old version stays
                _skip(report, progress, prepared.entry_name, doc)
                continue
            prepared.doc_key = doc_key(doc.file, doc.sha256)
            prepared.language, prepared.encoding = doc.language, doc.encoding
            chunks = iter_chunks(doc, settings.chunk_size, settings.chunk_overlap, e5_count)
        tally = _Tally()
        for is_sentence, batch in _record_batches(tally.counted(chunks), embedder.embed_batch_size,
                                                  settings.sentence_pairs):
            have = store.existing_ids([r.id for r in batch], sentences=is_sentence)
            writer.put([r for r in batch if r.id not in have], is_sentence)
        entry = FileEntry(sha256=prepared.digest, doc_key=prepared.doc_key, language=prepared.language,
                          chunks=tally.chunks, sentences=tally.sentences, tokens=tally.tokens,
                          indexed_at=time.time(), encoding=prepared.encoding,
                          embedded_by=builder_id(settings.embedder, embedder.precision),
                          chunk_vectors=settings.chunk_vectors, sentence_pairs=settings.sentence_pairs)
        writer.after(partial(done, prepared, entry))
    writer.flush()
