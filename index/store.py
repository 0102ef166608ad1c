"""The only module that knows Chroma: an embedded PersistentClient under the data dir, or an
HttpClient when CHROMA_HOST/CHROMA_PORT are set, plus the checks and repairs of the embedded store's
files (done here so that no other module knows where or how Chroma keeps them).

Two collections: `<name>_chunks` (retrieval units) and `<name>_sentences` (the sentences the
extractive answer quotes, with their own embeddings). The chunks collection's metadata holds the
manifest: which version of which file is live, and the embedder and chunking settings it was built
with. Swapping the manifest is the single write that makes an index update visible.

`citebot index --rebuild` builds a second pair beside the live one (`<name>_chunks.rebuilding`, ...: a Store
with role REBUILDING) and, once it holds a manifest, renames it into place (`swap_in_rebuilt`); the old pair is
kept as `.previous` until readers have moved on (`drop_previous`). Readers only ever open the live names.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from index.errors import (
    REBUILD_HINT,
    CitebotIndexError,
    DataDirNotWritable,
    IndexCorrupt,
    IndexMissing,
    IndexUnavailable,
)
from index.settings import IndexSettings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
logger = logging.getLogger(__name__)

_PAGE = 2000
# Chroma's HNSW graph for new collections. Its defaults (16 neighbours per node, ef 100) lose true nearest
# neighbours on text embeddings, which sit in tight clusters (a document's sentences), and which ones
# changes from build to build. xquad-dev's 641 sentences, 572 questions: 23 to 127 questions got another
# top 16 than an exact search, and for 2 to 16 the single nearest sentence was not among them; with these
# settings 5 to 8 differ (in the last places), none missing. 30,000 clustered vectors: recall@16 0.75 ->
# 0.985, nearest missing 39 -> 1 of 200; graph building 8.2 -> 17.4 s (+0.3 ms a vector, small beside
# embedding it), 2.2 -> 4.4 ms a search. 64 neighbours and ef 400 reach 0.995 for 28 s
# (bench/search_recall.py; docs/retrieval-and-answers.md).
HNSW = {"space": "cosine", "max_neighbors": 48, "ef_construction": 200, "ef_search": 300}
OLD_GRAPH_HINT = ("this index's search graph was built with Chroma's defaults, which miss some nearest sentences; "
                  "`citebot index --rebuild` rebuilds it with citebot's settings")
_BY_ID = 1000  # sentences get_sentences reads by id rather than by metadata filter


# The roles of a pair of collections: the live one (no suffix), a rebuild being built beside it, and the pair a
# finished rebuild replaced (deleted once running readers have switched; index/publish.py: retire_previous).
LIVE, REBUILDING, PREVIOUS = "", "rebuilding", "previous"
_IDENTITY_KEY = "citebot_rebuild"  # a rebuild's identity, in its chunks collection until its manifest replaces it


def collection_names(collection: str, role: str = LIVE) -> tuple[str, str]:
    """(chunks, sentences) collection names of `collection` in `role` (Chroma allows dots in names)."""
    suffix = f".{role}" if role else ""
    return f"{collection}_chunks{suffix}", f"{collection}_sentences{suffix}"


def sentence_id(doc_key: str, position: int) -> str:
    """The store id of sentence `position` of a document version (its chunks are `{doc_key}:{n}`)."""
    return f"{doc_key}:s{position}"


@dataclass
class FileEntry:
    """One live file in the manifest."""

    sha256: str
    doc_key: str
    language: str
    chunks: int
    sentences: int
    tokens: int
    indexed_at: float
    encoding: str = "utf-8"
    embedded_by: str = ""  # the engine that embedded this version (index.embed_id.builder_id); "" before it was kept
    chunk_vectors: str = ""  # "sentences" (pooled from its sentences) or "passage" (embedded itself); "" = passage
    sentence_pairs: bool = False  # its sentences carry pair vectors (index/sentence_pairs.py); False before them


@dataclass
class Manifest:
    """What the index holds and how it was built; the unit of atomic swaps."""

    embed_model: str
    chunking: str
    files: dict[str, FileEntry] = field(default_factory=dict)
    version: int = 0

    def to_json(self) -> str:
        return json.dumps({"embed_model": self.embed_model, "chunking": self.chunking, "version": self.version,
                           "files": {k: vars(v) for k, v in sorted(self.files.items())}}, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Manifest:
        """Fields this version does not know are dropped: a running bot must keep reading the manifests
        a newer `citebot index` publishes (what an index is built with is checked by publish.py)."""
        data = json.loads(raw)
        known = {f.name for f in fields(FileEntry)}
        files = {k: FileEntry(**{n: x for n, x in v.items() if n in known}) for k, v in data.get("files", {}).items()}
        return cls(data["embed_model"], data["chunking"], files, int(data.get("version", 0)))

    @property
    def live_keys(self) -> set[str]:
        return {entry.doc_key for entry in self.files.values()}

    @property
    def languages(self) -> set[str]:
        """The languages of the live files (as detected at index time)."""
        return {entry.language for entry in self.files.values()}

    @property
    def sentences(self) -> int:
        """How many sentences the live files hold (how big the corpus is)."""
        return sum(entry.sentences for entry in self.files.values())


def unavailable(location: str, detail: str = "") -> IndexUnavailable:
    """The error every unreachable-store path raises: one wording for users and front ends."""
    return IndexUnavailable(f"index unavailable: {location} is not reachable{f' ({detail})' if detail else ''}")


# Write passes running in this process (`chat --watch`, `telegram --watch` and Telegram uploads index on a
# thread of the process that answers). Chroma's embedded clients are shared per path within a process, so a
# reader forgetting them (reset_embedded_cache) would stop the client a pass is writing through. While a
# pass runs no other process can write (the data-dir lock), and the shared client sees this pass's writes.
_writers = 0
_clients_lock = threading.Lock()  # guards _writers, embedded client creation and forgetting the cached clients


_import_lock = threading.Lock()


def _chromadb() -> Any:
    """chromadb, imported under a lock (this module is the only importer): a bot's folder watcher and its
    engine importing it for the first time at once made one of them see a partially initialised
    `chromadb.api.shared_system_client` ("cannot import name 'SharedSystemClient'")."""
    with _import_lock:
        import chromadb
        import chromadb.api.shared_system_client
        import chromadb.config
        import chromadb.errors
    return chromadb


def _client(settings: IndexSettings) -> Any:
    chromadb = _chromadb()
    chroma_settings = chromadb.config.Settings(anonymized_telemetry=False, allow_reset=False)
    if settings.server_mode:
        return _http_client(settings, chroma_settings)
    path = embedded_dir(settings)
    path.mkdir(parents=True, exist_ok=True)
    # Chroma shares one system per path within a process and starts it unguarded: a second thread creating a
    # client meanwhile gets the half-started system ("no attribute 'bindings'"). One client made at a time.
    with _clients_lock:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _http_client(settings: IndexSettings, chroma_settings: Any) -> Any:
    """chromadb.HttpClient, given at most `chroma_timeout` seconds to connect.

    Its constructor already talks to the server (user identity, tenant and database checks) on an httpx
    session without a timeout, before `_bound_http_timeout` can reach that session: a listener that
    accepts and never replies would hang every command at start. So the constructor runs on a daemon
    thread that is abandoned after the deadline (chromadb gives each HttpClient its own System, so an
    abandoned one shares nothing with the next attempt).
    """
    chromadb = _chromadb()
    location = describe_location(settings)
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = chromadb.HttpClient(host=settings.chroma_host or "127.0.0.1",
                                                    port=settings.chroma_port or 8000, settings=chroma_settings)
        except Exception as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=connect, name="chroma-connect", daemon=True)
    worker.start()
    worker.join(settings.chroma_timeout)
    if worker.is_alive():
        raise unavailable(location, f"no reply within {settings.chroma_timeout:g} s")
    if "error" in outcome:
        raise unavailable(location, str(outcome["error"])) from outcome["error"]
    client = outcome["client"]
    _bound_http_timeout(client, settings.chroma_timeout)
    return client


def _bound_http_timeout(client: Any, seconds: float) -> None:
    """Chroma's HttpClient waits forever on a hung server; bound every request so a question gets
    "index unavailable" within seconds instead of hanging the bot."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds, connect=min(seconds, 2.0))
    else:  # a future chromadb moved it: say so rather than silently waiting forever
        logger.warning("cannot bound the Chroma HTTP timeout; a hung server may stall questions")


def describe_location(settings: IndexSettings) -> str:
    """Where the index lives, as shown to users."""
    if settings.server_mode:
        return f"Chroma server http://{settings.chroma_host}:{settings.chroma_port or 8000}"
    return f"embedded Chroma at {embedded_dir(settings)}"


def embedded_dir(settings: IndexSettings) -> Path:
    """The embedded store's folder in the data dir."""
    return Path(settings.data_dir) / "chroma"


def _embedded_db(settings: IndexSettings) -> Path:
    return embedded_dir(settings) / "chroma.sqlite3"


def embedded_index_exists(settings: IndexSettings) -> bool:
    """True when an embedded store has been created (a reader then opens it; else there is no index yet)."""
    return _embedded_db(settings).exists()


def embedded_store_intact(settings: IndexSettings) -> bool:
    """Cheap check (stdlib sqlite3, no Chroma import) that the embedded store still holds our
    collections, so the no-change shortcut never vouches for an emptied or damaged store."""
    import sqlite3

    path = _embedded_db(settings)
    if not path.exists():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            names = {row[0] for row in db.execute("SELECT name FROM collections")}
            rows = db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.Error:
        return False
    return {f"{settings.collection}_chunks", f"{settings.collection}_sentences"} <= names and rows > 0


def set_aside_embedded(settings: IndexSettings) -> Path:
    """Move an embedded store too damaged to open out of the way (kept for inspection, not deleted) so
    a rebuild starts afresh; returns where it went."""
    _forget_clients(even_while_writing=True)  # the damaged store's clients go, whoever holds them
    folder = embedded_dir(settings)
    aside = folder.with_name(f"{folder.name}.damaged-{int(time.time())}")
    folder.rename(aside)
    return aside


def _pages(collection: Any, include: list[str]) -> Iterator[Any]:
    """Every record of `collection`, `_PAGE` at a time (Chroma's get results)."""
    offset = 0
    while True:
        page = collection.get(include=include, limit=_PAGE, offset=offset)
        yield page
        if len(page["ids"]) < _PAGE:
            return
        offset += _PAGE


def _rows(res: Any, extra: str) -> list[tuple[str, str, dict[str, Any], Any]]:
    """(id, text, metadata, `extra`) rows of a Chroma result, without rows another process deleted."""
    return [row for row in zip(res["ids"], res["documents"], res["metadatas"], res[extra], strict=True)
            if _complete(row[1], row[2])]


def _complete(document: Any, metadata: Any) -> bool:
    """False for a row another process deleted while this one read it (Chroma returns it half empty)."""
    return document is not None and bool(metadata)


def _is_connection_error(exc: BaseException) -> bool:
    text = f"{exc.__class__.__name__} {exc}".lower()
    return any(word in text for word in ("connect", "timeout", "timed out", "unavailable", "refused"))


# What Chroma (its sqlite, or the file system under it) says when the store cannot be written: the embedded
# store opened in a read-only folder or mount fails with InternalError "error returned from database:
# (code: 8) attempt to write a readonly database".
_READ_ONLY_WORDS = ("readonly database", "read-only database", "read-only file system", "read only file system",
                    "permission denied")
_READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)


def _says_read_only(exc: BaseException) -> bool:
    """Whether `exc`, or an exception it was raised from, says the store cannot be written."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _READ_ONLY_ERRNOS:
            return True
        if any(words in str(current).lower() for words in _READ_ONLY_WORDS):
            return True
        current = current.__cause__ or current.__context__
    return False


def _embedded_writable(settings: IndexSettings) -> bool:
    """Whether this process may write the data dir, the embedded store's folder and its database (the ones
    that exist). os.access also sees a read-only mount, where even root cannot write."""
    paths = (Path(settings.data_dir), embedded_dir(settings), _embedded_db(settings))
    return all(os.access(path, os.W_OK) for path in paths if path.exists())


def _is_store_failure(exc: BaseException) -> bool:
    """Whether `exc` is Chroma failing on the stored index itself (damaged HNSW files, an unreadable database),
    as opposed to a mistake in the call (InvalidArgumentError and the like), which stays a bug to show."""
    return isinstance(exc, _chromadb().errors.InternalError)


def store_failure(settings: IndexSettings, exc: BaseException) -> CitebotIndexError:
    """The citebot error for `exc`, a failure opening or reading the stored index that is not a lost connection:
    DataDirNotWritable when the embedded store's data dir cannot be written (Chroma cannot open a read-only
    store even to read it, and rebuilding would not help), else IndexCorrupt saying to rebuild."""
    if not settings.server_mode and (_says_read_only(exc) or not _embedded_writable(settings)):
        return DataDirNotWritable(f"the data folder {settings.data_dir} is not writable ({exc.__class__.__name__}: "
                                  f"{_first_line(exc)}); the index store must be writable even to answer "
                                  "questions: make the folder and its files writable for this user, or set "
                                  "CITEBOT_DATA_DIR to a writable copy of it")
    where = describe_location(settings) if settings.server_mode else settings.data_dir
    return IndexCorrupt(f"the index in {where} cannot be read ({exc.__class__.__name__}); {REBUILD_HINT}")


def _first_line(exc: BaseException, limit: int = 160) -> str:
    """The start of an exception's message, short enough for a one-sentence error."""
    text = (str(exc).strip().splitlines() or [""])[0]
    return text if len(text) <= limit else text[:limit - 1] + "…"


class Store:
    """Chroma behind a small interface the rest of the index uses; `role` picks the pair of collections (the live
    one unless a rebuild writes beside it)."""

    def __init__(self, settings: IndexSettings, role: str = LIVE, client: Any = None):
        self.settings = settings
        self.role = role
        self.location = describe_location(settings)
        self._client = client if client is not None else _client(settings)
        self._chunks: Any = None
        self._sentences: Any = None

    # collections -----------------------------------------------------------------------------
    def _names(self, role: str | None = None) -> tuple[str, str]:
        return collection_names(self.settings.collection, self.role if role is None else role)

    def beside(self, role: str) -> Store:
        """A Store for another pair of collections of the same store (same client)."""
        return Store(self.settings, role, self._client)

    def exists(self) -> bool:
        """Whether this role's chunks collection is in the store (one lookup: every plain index run asks)."""
        return self._has(self._names()[0])

    def _has(self, name: str) -> bool:
        """Whether collection `name` is in the store. Asked by name: chromadb's list_collections builds every
        collection of the store with the default embedding function (it validated ours away: "Expected
        EmbeddingFunction.__call__ ..."), which citebot never uses."""
        try:
            self._client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if _is_connection_error(exc):
                raise unavailable(self.location) from exc
            return False
        return True

    def _present(self) -> set[str]:
        """Names of this index's collections in the store, whatever their role."""
        return {name for role in (LIVE, REBUILDING, PREVIOUS) for name in self._names(role) if self._has(name)}

    def open(self, create: bool) -> None:
        """Attach to the collections; IndexMissing when they do not exist and `create` is False."""
        chunk_name, sentence_name = self._names()
        try:
            if create:
                config = {"hnsw": dict(HNSW)}
                self._chunks = self._client.get_or_create_collection(chunk_name, embedding_function=None,
                                                                     configuration=config)
                self._sentences = self._client.get_or_create_collection(sentence_name, embedding_function=None,
                                                                        configuration=config)
                self._widen_search()
            else:
                self._chunks = self._client.get_collection(chunk_name, embedding_function=None)
                self._sentences = self._client.get_collection(sentence_name, embedding_function=None)
        except Exception as exc:
            if _is_connection_error(exc):
                raise unavailable(self.location) from exc
            raise IndexMissing(f"no index in {self.location}") from exc

    def graph_settings(self) -> dict[str, Any]:
        """The HNSW settings of the sentence collection (what its graph was built with)."""
        config = getattr(self._sentences, "configuration_json", None) or {}
        return dict(config.get("hnsw") or {})

    def graph_is_current(self) -> bool:
        """Whether the sentence collection's graph was built with HNSW's settings (they are fixed at creation)."""
        return self.graph_settings().get("max_neighbors") == HNSW["max_neighbors"]

    def _widen_search(self) -> None:
        """Raise the search breadth of collections made before HNSW's settings (only the breadth can change
        after creation; their graphs keep Chroma's defaults until `citebot index --rebuild`)."""
        for collection in (self._chunks, self._sentences):
            config = (getattr(collection, "configuration_json", None) or {}).get("hnsw") or {}
            if int(config.get("ef_search") or 0) < HNSW["ef_search"]:
                try:
                    with warnings.catch_warnings():  # chromadb warns about its own legacy config format here
                        warnings.simplefilter("ignore", DeprecationWarning)
                        collection.modify(configuration={"hnsw": {"ef_search": HNSW["ef_search"]}})
                except Exception as exc:  # an older server may refuse: the search stays as it was
                    logger.info("could not widen the search of %s: %s", collection.name, exc)

    def drop(self) -> None:
        """Delete this role's collections, sentences first: a kill in between leaves a chunks collection alone,
        which no reader opens and `swap_in_rebuilt` never mistakes for a swap half done."""
        for name in reversed(self._names()):
            self._delete(name)
        self._chunks = self._sentences = None

    def _delete(self, name: str) -> None:
        try:
            self._client.delete_collection(name)
        except Exception:  # absent already
            logger.debug("collection %s absent", name)

    # rebuilding beside the live index ----------------------------------------------------------
    def write_identity(self, identity: str) -> None:
        """Mark a rebuild's collections with what they are built with (until its manifest is written)."""
        self._chunks.modify(metadata={_IDENTITY_KEY: identity})

    def read_identity(self) -> str | None:
        """What a rebuild's collections were started with; None when unmarked."""
        metadata = getattr(self._chunks, "metadata", None) or {}
        value = metadata.get(_IDENTITY_KEY)
        return str(value) if value else None

    def swap_pending(self) -> bool:
        """Whether a rebuild finished (its manifest written) and is not yet, or only partly, swapped in."""
        present = self._present()
        chunks, sentences = self._names(REBUILDING)
        if chunks in present:
            return self.beside(REBUILDING).read_manifest() is not None
        return sentences in present  # killed between renaming its chunks and its sentences

    def swap_in_rebuilt(self) -> None:
        """Rename a finished rebuild's collections to the live names, the live ones to `.previous` (a previous
        pair left by an earlier swap is deleted first). The order keeps a reader from ever opening a mixed pair:
        the live sentences go first and the rebuilt sentences come last, so until the end one live name is
        missing (readers wait, index/publish.py). Each step checks what is there, so a swap killed half-way is
        finished by calling this again."""
        present = self._present()
        live, rebuilt, previous = self._names(LIVE), self._names(REBUILDING), self._names(PREVIOUS)
        if rebuilt[0] in present:  # not past renaming the rebuilt chunks: move the live pair aside
            for index in (1, 0):  # sentences, then chunks
                if live[index] in present:
                    if previous[index] in present:
                        self._delete(previous[index])
                    self._rename(live[index], previous[index])
            self._rename(rebuilt[0], live[0])
        if rebuilt[1] in present:
            if self._has(live[1]):  # cannot be this rebuild's pair: a stray from a killed drop
                self._delete(rebuilt[1])
            else:
                self._rename(rebuilt[1], live[1])
        if self.role == LIVE:
            self.open(create=False)

    def _rename(self, old: str, new: str) -> None:
        self._client.get_collection(old, embedding_function=None).modify(name=new)

    def drop_previous(self) -> bool:
        """Delete the pair a rebuild replaced; True when there was one."""
        present = self._present()
        names = [name for name in reversed(self._names(PREVIOUS)) if name in present]
        for name in names:
            self._delete(name)
        return bool(names)

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn a failure reading the stored index into a citebot error (a short reply, not a traceback): a
        connection failure or timeout into IndexUnavailable, Chroma failing on the stored index (its HNSW
        files damaged: "Error loading hnsw index") into IndexCorrupt, or DataDirNotWritable (store_failure).
        Anything else (a bug, KeyboardInterrupt) goes through as it is; the original stays chained."""
        try:
            yield
        except CitebotIndexError:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise unavailable(self.location) from exc
            if _is_store_failure(exc):
                raise store_failure(self.settings, exc) from exc
            raise

    # manifest --------------------------------------------------------------------------------
    def read_manifest(self) -> Manifest | None:
        """The live manifest, re-read from the store (another process may have swapped it)."""
        chunk_name, _ = self._names()
        try:
            metadata = self._client.get_collection(chunk_name, embedding_function=None).metadata or {}
        except Exception as exc:
            if _is_connection_error(exc):
                raise unavailable(self.location) from exc
            return None
        raw = metadata.get("citebot_manifest")
        return Manifest.from_json(raw) if raw else None

    def write_manifest(self, manifest: Manifest) -> None:
        self._chunks.modify(metadata={"citebot_manifest": manifest.to_json()})

    # writes ----------------------------------------------------------------------------------
    def existing_ids(self, ids: Sequence[str], sentences: bool = False) -> set[str]:
        """Which of `ids` are stored (an interrupted run's records are reused, not embedded again)."""
        collection = self._sentences if sentences else self._chunks
        found: set[str] = set()
        for i in range(0, len(ids), _PAGE):
            with self._reading():
                found.update(collection.get(ids=list(ids[i:i + _PAGE]), include=[])["ids"])
        return found

    def add(self, ids: list[str], embeddings: Any, documents: list[str], metadatas: list[dict[str, Any]],
            sentences: bool = False) -> None:
        collection = self._sentences if sentences else self._chunks
        for i in range(0, len(ids), _PAGE):
            collection.upsert(ids=ids[i:i + _PAGE], embeddings=embeddings[i:i + _PAGE],
                              documents=documents[i:i + _PAGE], metadatas=metadatas[i:i + _PAGE])

    def delete_docs(self, keys: Sequence[str]) -> None:
        """Remove every chunk and sentence of the given document versions."""
        for key in keys:
            self._chunks.delete(where={"doc_key": key})
            self._sentences.delete(where={"doc_key": key})

    def stored_doc_keys(self) -> set[str]:
        """Every document version that has chunks or sentences, live or orphaned by an interrupted run (one
        killed between a file's sentences and its chunks leaves sentences only)."""
        keys: set[str] = set()
        with self._reading():
            for collection in (self._chunks, self._sentences):
                for page in _pages(collection, ["metadatas"]):
                    keys.update(str(m["doc_key"]) for m in page["metadatas"] if m)
        return keys

    # reads -----------------------------------------------------------------------------------
    def count(self) -> int:
        with self._reading():
            return int(self._chunks.count())

    def iter_chunks(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of every stored chunk, a page at a time."""
        pages = _pages(self._chunks, ["documents", "metadatas"])
        while True:
            with self._reading():  # around Chroma's reads only, not the caller's work on each row
                page = next(pages, None)
            if page is None:
                return
            yield from zip(page["ids"], page["documents"], page["metadatas"], strict=True)

    def _nearest(self, collection: Any, vector: Sequence[float], n: int, doc_keys: Sequence[str] | None,
                 extra: str, not_language: str | None = None) -> list[tuple[str, str, dict[str, Any], Any]]:
        """Nearest records of `collection`, only of `doc_keys` when given and only of documents not in
        `not_language` when given: (id, text, metadata, `extra`)."""
        clauses: list[dict[str, Any]] = []
        if doc_keys:
            clauses.append({"doc_key": {"$in": list(doc_keys)}})
        if not_language:
            clauses.append({"language": {"$ne": not_language}})
        where = None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}
        with self._reading():
            res = collection.query(query_embeddings=[list(vector)], n_results=max(1, n), where=where,
                                   include=["documents", "metadatas", extra])
        return _rows({key: value[0] for key, value in res.items() if value is not None and key != "included"},
                     extra)

    def query_chunks(self, vector: Sequence[float], n: int,
                     doc_keys: Sequence[str] | None = None) -> list[tuple[str, str, dict[str, Any], float]]:
        """Nearest chunks, only of `doc_keys` when given: (id, text, metadata, cosine similarity), best first."""
        return [(i, d, m, 1.0 - float(dist))
                for i, d, m, dist in self._nearest(self._chunks, vector, n, doc_keys, "distances")]

    def query_sentences(self, vector: Sequence[float], n: int, doc_keys: Sequence[str] | None = None,
                        not_language: str | None = None) -> list[tuple[str, str, dict[str, Any], Any]]:
        """Nearest sentences to `vector`, only of `doc_keys` when given and only of documents in another
        language than `not_language` when given: (id, text, metadata, embedding)."""
        return self._nearest(self._sentences, vector, n, doc_keys, "embeddings", not_language)

    def get_chunks(self, ids: list[str]) -> list[tuple[str, str, dict[str, Any], Any]]:
        """(id, text, metadata, embedding) of the given chunks."""
        with self._reading():
            res = self._chunks.get(ids=ids, include=["documents", "metadatas", "embeddings"])
        return _rows(res, "embeddings")

    def get_sentences_by_id(self, ids: list[str]) -> list[tuple[str, str, dict[str, Any], Any]]:
        """(id, text, metadata, embedding) of the given sentences (those stored)."""
        rows: list[tuple[str, str, dict[str, Any], Any]] = []
        for i in range(0, len(ids), _PAGE):
            with self._reading():
                res = self._sentences.get(ids=ids[i:i + _PAGE], include=["documents", "metadatas", "embeddings"])
            rows += _rows(res, "embeddings")
        return rows

    def get_sentences(self, ranges: list[tuple[str, int, int]]) -> list[tuple[str, str, dict[str, Any], Any]]:
        """Sentences of documents `doc_key` with position in [first, last]: (id, text, metadata, embedding).
        A few positions are read by id (a key lookup, ~2.5x faster than a metadata filter, measured on the
        sentences a question's passages hold); a whole document by filter."""
        if not ranges:
            return []
        if sum(last - first + 1 for _, first, last in ranges) <= _BY_ID:
            ids = {sentence_id(key, position): None for key, first, last in ranges  # ranges may overlap
                   for position in range(max(first, 0), last + 1)}
            return self.get_sentences_by_id(list(ids))
        clauses = [{"$and": [{"doc_key": key}, {"position": {"$gte": first}}, {"position": {"$lte": last}}]}
                   for key, first, last in ranges]
        where = clauses[0] if len(clauses) == 1 else {"$or": clauses}
        with self._reading():
            res = self._sentences.get(where=where, include=["documents", "metadatas", "embeddings"])
        return _rows(res, "embeddings")


@contextmanager
def writing() -> Iterator[None]:
    """Mark a write pass of this process: cached embedded clients are kept until it ends."""
    global _writers
    with _clients_lock:
        _writers += 1
    try:
        yield
    finally:
        with _clients_lock:
            _writers -= 1


def reset_embedded_cache() -> None:
    """Forget cached embedded clients so a new one sees another process's writes (not while a write pass of
    this process uses them: see `writing`)."""
    _forget_clients(even_while_writing=False)


def _forget_clients(even_while_writing: bool) -> None:
    shared = _chromadb().api.shared_system_client
    with _clients_lock:
        if even_while_writing or _writers == 0:
            shared.SharedSystemClient.clear_system_cache()
