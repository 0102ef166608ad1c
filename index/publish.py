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

A rebuild (`publish_rebuilt`) writes its manifest into the collections it built beside the live ones, swaps
them in by renaming (index/store.py: swap_in_rebuilt), records the version as above, and deletes the replaced
pair once no reader can still be reading it (`retire_previous`). A run finding a finished rebuild not yet (or
only half) swapped in, because the rebuild was killed, finishes the swap (`finish_interrupted_swap`).

Reading: `open_snapshot` takes one version (store, manifest, BM25 state); each question is answered
from one snapshot, so never from a mix of versions. On its reload timer a reader asks
`newer_version_published` and, when true, opens a new snapshot. An open snapshot holds a shared lock on its
version (index/local_state.py: ReaderHold), which tells a rebuild whether anyone still reads the old pair.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from index.embed_id import embedder_id
from index.errors import REBUILD_HINT, CitebotIndexError, IndexMismatch, IndexMissing
from index.lexical import LexicalIndex, build_lexical, save_lexical
from index.local_state import LocalState, atomic_write, read_json
from index.settings import IndexSettings
from index.store import (
    PREVIOUS,
    FileEntry,
    Manifest,
    Store,
    embedded_index_exists,
    reset_embedded_cache,
    store_failure,
)

logger = logging.getLogger(__name__)
# v2: sections and last pages stored (structure-aware loading)
SENTENCE_SCHEMA = "sentences-v2"  # bump when sentence records change shape: old indexes then ask for a rebuild
# A reader checks for a new version before a question, at most every `reload_seconds`; so once that long (and
# this margin, for a question already under way) has passed since a rebuild was published, every reader's next
# question opens the new version first, and the replaced collections can go even if a reader never let go.
READER_SWITCH_MARGIN = 1.0
# A swap renames four collections (~30 ms); a reader that meets it half done waits this long for it to end
# before it gives up (IndexMissing: a front end then runs `citebot index`, which finishes a killed swap).
SWAP_WAIT_SECONDS = 5.0


# identity ---------------------------------------------------------------------------------------
def chunking_signature(settings: IndexSettings) -> str:
    """The chunking settings a collection records; a mismatch at query time asks for --rebuild."""
    return (f"SentenceSplitter(size={settings.chunk_size},overlap={settings.chunk_overlap},"
            f"tokens=tiktoken:cl100k_base);{SENTENCE_SCHEMA}")


def identity_matches(manifest: Manifest, settings: IndexSettings) -> bool:
    """True when `manifest` was built with the current embedder and chunking."""
    return (manifest.embed_model, manifest.chunking) == (embedder_id(), chunking_signature(settings))


def only_vectors_differ(manifest: Manifest, settings: IndexSettings) -> bool:
    """True when `manifest` has the current chunking but another embedder's vectors: an earlier citebot's (an
    upgrade changed the model or the language axes), which answer nothing for this code, so an index run replaces
    them without being asked (index/ingest.py). Other chunking is the user's own change and waits for --rebuild."""
    return manifest.chunking == chunking_signature(settings) and manifest.embed_model != embedder_id()


def new_manifest(settings: IndexSettings, files: dict[str, FileEntry], version: int) -> Manifest:
    """A manifest stamped with the current embedder and chunking."""
    return Manifest(embedder_id(), chunking_signature(settings), files, version)


def check_identity(manifest: Manifest, settings: IndexSettings, location: str) -> None:
    """Raise IndexMismatch (saying to rebuild) unless `manifest` matches the current settings."""
    if not identity_matches(manifest, settings):
        raise IndexMismatch(f"the index in {location} was built with {manifest.embed_model}, {manifest.chunking}; "
                            f"the current settings use {embedder_id()}, {chunking_signature(settings)}: "
                            f"{REBUILD_HINT}", embedder_only=only_vectors_differ(manifest, settings))


# publishing -------------------------------------------------------------------------------------
def publish_version(store: Store, manifest: Manifest) -> None:
    """The swap: bump the version and write the manifest into the store (one metadata write). Every
    document version the manifest lists must already be stored."""
    manifest.version += 1
    store.write_manifest(manifest)


def record_published(store: Store, state: LocalState, manifest: Manifest,
                     skipped: Mapping[str, tuple[str, str]] | None = None, mirror: bool = True) -> None:
    """After the swap: save BM25 for this version, mirror the manifest (with the files the run skipped, name ->
    (sha256, reason), for the no-change shortcut), and bump index-version last. `mirror=False` leaves the mirror
    to the caller (a rebuild writes it once the replaced collections are gone: `mirror_manifest`)."""
    target = state.bm25_dir(store.location, manifest.version)
    if not target.exists():
        _save_bm25(state, build_lexical(store.iter_chunks(), manifest.live_keys), target)
    if mirror:
        mirror_manifest(state, store.location, manifest, skipped)
    state.write_version(manifest.version)
    state.drop_reader_locks(keep=manifest.version)


def mirror_manifest(state: LocalState, location: str, manifest: Manifest,
                    skipped: Mapping[str, tuple[str, str]] | None = None) -> None:
    """Write the data dir's copy of the live manifest, which lets a no-change run finish without Chroma."""
    mirror: dict[str, Any] = {"location": location, "manifest": manifest.to_json()}
    if skipped:
        mirror["skipped"] = {name: list(pair) for name, pair in sorted(skipped.items())}
    atomic_write(state.mirror_path, json.dumps(mirror, ensure_ascii=False))


def mirrored_manifest(state: LocalState, location: str) -> Manifest | None:
    """The manifest the last run mirrored for `location`; None when missing, damaged or for elsewhere."""
    mirror = read_json(state.mirror_path)
    if not mirror or mirror.get("location") != location:
        return None
    try:
        return Manifest.from_json(mirror["manifest"])
    except (KeyError, TypeError, ValueError):
        return None


def mirrored_skipped(state: LocalState, location: str) -> dict[str, tuple[str, str]]:
    """The files the last run that mirrored a manifest for `location` skipped: name -> (sha256, reason); empty
    when none were recorded (or the mirror is missing, damaged or for elsewhere)."""
    mirror = read_json(state.mirror_path)
    if not isinstance(mirror, dict) or mirror.get("location") != location or not isinstance(mirror.get("skipped"),
                                                                                             dict):
        return {}
    return {str(name): (str(pair[0]), str(pair[1])) for name, pair in mirror["skipped"].items()
            if isinstance(pair, list) and len(pair) == 2}


# rebuilding -------------------------------------------------------------------------------------
def publish_rebuilt(live: Store, rebuilt: Store, state: LocalState, manifest: Manifest,
                    skipped: Mapping[str, tuple[str, str]], reload_seconds: float,
                    say: Callable[[str], None]) -> None:
    """Make a finished rebuild the live index: its manifest written into its own collections (from here on the
    swap is finished by whichever run comes next, should this one die), the pair renamed into place, the version
    recorded, and the replaced pair deleted once readers have moved on. The mirror is removed first and written
    last, so that no run takes the no-change shortcut past a swap or a deletion left unfinished: the next run
    that opens the store finishes them (`finish_interrupted_swap`)."""
    state.mirror_path.unlink(missing_ok=True)
    publish_version(rebuilt, manifest)
    live.swap_in_rebuilt()
    record_published(live, state, manifest, mirror=False)
    retire_previous(live, state, manifest.version, reload_seconds, say)
    mirror_manifest(state, live.location, manifest, skipped)


def finish_interrupted_swap(live: Store, state: LocalState, reload_seconds: float,
                            say: Callable[[str], None]) -> bool:
    """Finish what a rebuild killed after it was complete left undone: the swap (not begun or half done), the
    recording of the version (so readers switch), the deletion of the pair it replaced. True when it swapped."""
    swapping = live.swap_pending()
    if swapping:
        say("finishing the swap of a rebuild that was interrupted after it was complete")
        live.swap_in_rebuilt()
    elif not live.beside(PREVIOUS).exists():
        return False
    else:
        live.open(create=False)
    manifest = live.read_manifest()
    if manifest is None:
        return swapping
    if swapping or state.read_version() != manifest.version:  # readers switch before the old pair goes
        record_published(live, state, manifest, mirror=False)
    retire_previous(live, state, manifest.version, reload_seconds, say)
    return swapping  # the run goes on and mirrors the manifest when it publishes


def retire_previous(live: Store, state: LocalState, version: int, reload_seconds: float,
                    say: Callable[[str], None]) -> None:
    """Delete the pair a rebuild replaced, once no reader can still be reading it: at once when no open reader
    holds an older version (index/local_state.py), else after `reload_seconds` + READER_SWITCH_MARGIN, by when
    each has switched before its next question. A Chroma server's readers may be on other machines: waited for."""
    if not live.beside(PREVIOUS).exists():
        return
    unseen = live.settings.server_mode
    if unseen or state.readers_besides(version):
        grace = reload_seconds + READER_SWITCH_MARGIN
        say(f"keeping the previous index up to {grace:g} s while running readers switch to the new one")
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and (unseen or state.readers_besides(version)):
            time.sleep(0.1)
    live.drop_previous()


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
    hold: Any = field(default=None, repr=False, compare=False)  # the reader lock on this version, while it lives

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
    store, manifest = _open_live(settings)
    if manifest is None:
        raise IndexMissing("the index is empty or was never finished; run `citebot index`")
    check_identity(manifest, settings, store.location)
    snapshot = Snapshot(store, manifest, _load_lexical(state, store, manifest), local_version)
    if not settings.server_mode:  # taken last: a failed open must not leave a hold in a traceback's frames
        snapshot.hold = state.hold_reader(manifest.version)
    return snapshot


def _open_live(settings: IndexSettings) -> tuple[Store, Manifest | None]:
    """The live collections and their manifest; while a rebuild's swap is under way (a live name missing for a
    few milliseconds) it is waited for, up to SWAP_WAIT_SECONDS."""
    deadline = time.monotonic() + SWAP_WAIT_SECONDS
    while True:
        store: Store | None = None
        try:
            store = Store(settings)
            store.open(create=False)
            return store, store.read_manifest()
        except IndexMissing:
            if store is None or time.monotonic() >= deadline or not _swap_under_way(store):
                raise
        except CitebotIndexError:
            raise
        except Exception as exc:  # a damaged store (IndexCorrupt), or one in a read-only folder (DataDirNotWritable)
            raise store_failure(settings, exc) from exc
        time.sleep(0.05)
        if not settings.server_mode:
            reset_embedded_cache()


def _swap_under_way(store: Store) -> bool:
    try:
        return store.swap_pending()
    except Exception:  # the store cannot even be listed: the IndexMissing at hand is the answer
        return False


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
