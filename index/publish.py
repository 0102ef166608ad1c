"""The index's identity and publication: what a version was built with, how a new version becomes
visible, and how a reader holds one version at a time.

Identity: the manifest records the embedder (`embedder_id`) and the chunking (`chunking_signature`);
an index built otherwise is refused with IndexMismatch, since its vectors or chunks would not match
the ones a question is compared with.

Publishing (ingest.py decides what the manifest lists, and stores all of it first):
1. `publish_version`: the manifest, its version bumped, is written into the store: the single write
   that publishes. A reader that opens the store from here on sees the new version.
2. `record_published`: BM25 state saved for that version, the manifest mirrored in the data dir (the
   no-change shortcut), and `index-version` bumped last: the signal running readers poll, since an
   embedded store cannot tell another process that it changed.

Reading: `open_snapshot` takes one version (store, manifest, BM25 state); each question is answered
from one snapshot, so never from a mix of versions. On its reload timer a reader asks
`newer_version_published` and, when true, opens a new snapshot.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from index.embed_id import embedder_id
from index.errors import REBUILD_HINT, CitebotIndexError, IndexMismatch, IndexMissing
from index.lexical import LexicalIndex, build_lexical, save_lexical
from index.local_state import LocalState, atomic_write, read_json
from index.settings import IndexSettings
from index.store import FileEntry, Manifest, Store, embedded_index_exists, reset_embedded_cache, store_failure

logger = logging.getLogger(__name__)
# v2: sections and last pages stored (structure-aware loading)
SENTENCE_SCHEMA = "sentences-v2"  # bump when sentence records change shape: old indexes then ask for a rebuild


# identity ---------------------------------------------------------------------------------------
def chunking_signature(settings: IndexSettings) -> str:
    """The chunking settings a collection records; a mismatch at query time asks for --rebuild."""
    return (f"SentenceSplitter(size={settings.chunk_size},overlap={settings.chunk_overlap},"
            f"tokens=tiktoken:cl100k_base);{SENTENCE_SCHEMA}")


def identity_matches(manifest: Manifest, settings: IndexSettings) -> bool:
    """True when `manifest` was built with the current embedder and chunking."""
    return (manifest.embed_model, manifest.chunking) == (embedder_id(), chunking_signature(settings))


def new_manifest(settings: IndexSettings, files: dict[str, FileEntry], version: int) -> Manifest:
    """A manifest stamped with the current embedder and chunking."""
    return Manifest(embedder_id(), chunking_signature(settings), files, version)


def check_identity(manifest: Manifest, settings: IndexSettings, location: str) -> None:
    """Raise IndexMismatch (saying to rebuild) unless `manifest` matches the current settings."""
    if not identity_matches(manifest, settings):
        raise IndexMismatch(f"the index in {location} was built with {manifest.embed_model}, {manifest.chunking}; "
                            f"the current settings use {embedder_id()}, {chunking_signature(settings)}: "
                            f"{REBUILD_HINT}")


# publishing -------------------------------------------------------------------------------------
def publish_version(store: Store, manifest: Manifest) -> None:
    """The swap: bump the version and write the manifest into the store (one metadata write). Every
    document version the manifest lists must already be stored."""
    manifest.version += 1
    store.write_manifest(manifest)


def record_published(store: Store, state: LocalState, manifest: Manifest) -> None:
    """After the swap: save BM25 for this version, mirror the manifest, and bump index-version last."""
    target = state.bm25_dir(store.location, manifest.version)
    if not target.exists():
        _save_bm25(state, build_lexical(store.iter_chunks(), manifest.live_keys), target)
    atomic_write(state.mirror_path, json.dumps({"location": store.location, "manifest": manifest.to_json()}))
    state.write_version(manifest.version)


def mirrored_manifest(state: LocalState, location: str) -> Manifest | None:
    """The manifest the last run mirrored for `location`; None when missing, damaged or for elsewhere."""
    mirror = read_json(state.mirror_path)
    if not mirror or mirror.get("location") != location:
        return None
    try:
        return Manifest.from_json(mirror["manifest"])
    except (KeyError, TypeError, ValueError):
        return None


def _save_bm25(state: LocalState, lexical: LexicalIndex, target: Path) -> None:
    save_lexical(lexical, target)
    state.drop_other_bm25(target)


# reading ----------------------------------------------------------------------------------------
@dataclass
class Snapshot:
    """One published version as a reader holds it; `local_version` is the index-version it was opened
    at, to notice the next one. A reader never changes its manifest, so what every question reads from it
    is computed once."""

    store: Store
    manifest: Manifest
    lexical: LexicalIndex
    local_version: int | None

    @cached_property
    def live_keys(self) -> set[str]:
        return self.manifest.live_keys

    @cached_property
    def languages(self) -> set[str]:
        return self.manifest.languages

    @cached_property
    def sentences(self) -> int:
        return self.manifest.sentences


def open_snapshot(settings: IndexSettings, state: LocalState) -> Snapshot:
    """The live version, checked against the current settings; IndexMissing, IndexCorrupt, IndexMismatch,
    IndexUnavailable or DataDirNotWritable (each saying what to do) when it cannot be read."""
    if not settings.server_mode:
        if not embedded_index_exists(settings):
            raise IndexMissing(f"no index in {settings.data_dir}; run `citebot index`")
        reset_embedded_cache()  # a cached client would not see another process's writes
    local_version = state.read_version()
    try:
        store = Store(settings)
        store.open(create=False)
        manifest = store.read_manifest()
    except CitebotIndexError:
        raise
    except Exception as exc:  # a damaged store (IndexCorrupt), or one in a read-only folder (DataDirNotWritable)
        raise store_failure(settings, exc) from exc
    if manifest is None:
        raise IndexMissing("the index is empty or was never finished; run `citebot index`")
    check_identity(manifest, settings, store.location)
    return Snapshot(store, manifest, _load_lexical(state, store, manifest), local_version)


def _load_lexical(state: LocalState, store: Store, manifest: Manifest) -> LexicalIndex:
    """BM25 state saved for this version, or rebuilt from the store (and saved) when absent or damaged."""
    folder = state.bm25_dir(store.location, manifest.version)
    if folder.exists():
        try:
            return LexicalIndex.load(folder)
        except Exception:
            logger.warning("BM25 state in %s is damaged; rebuilding it from the store", folder)
            shutil.rmtree(folder, ignore_errors=True)  # save_lexical keeps a state in place
    lexical = build_lexical(store.iter_chunks(), manifest.live_keys)
    try:
        _save_bm25(state, lexical, folder)
    except OSError as exc:  # read-only data dir: keep it in memory
        logger.debug("cannot save BM25 state: %s", exc)
    return lexical


def newer_version_published(snapshot: Snapshot, settings: IndexSettings, state: LocalState) -> bool:
    """True when another process published since `snapshot` was opened: the server's manifest moved on,
    or (embedded store) the data dir's index-version changed."""
    if settings.server_mode:
        latest = snapshot.store.read_manifest()
        return latest is not None and latest.version != snapshot.manifest.version
    return state.read_version() != snapshot.local_version
