"""Small files citebot keeps in the data directory next to the embedded store.

- `manifest.json`: a mirror of the live manifest, so a no-change `citebot index` can finish without
  opening Chroma (nor importing it).
- `index-version`: bumped after every swap; a running bot polls it to notice another process's index.
- `pending.json`: document versions an index run is writing, so a run killed half-way is cleaned up.
- `bm25/<collection>-v<version>/`: the BM25 state of that manifest version.
- `index.lock`: held while `citebot index` writes.
- `readers/<collection>-v<version>.lock`: a shared lock each open reader holds on the version it reads, so
  that a rebuild knows whether anyone may still read the collections it replaced (`ReaderHold`).
Every write goes to a temporary file first and is renamed into place, so a kill never leaves half a file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # not POSIX: readers cannot be seen, so a rebuild always waits for them (publish.py)
    fcntl = None  # type: ignore[assignment]

STALE_TMP_SECONDS = 600  # a BM25 save takes seconds even at 1M chunks; a temporary folder this old was abandoned


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` so readers see the old content or the new, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any:
    """Parsed JSON at `path`, or None when it is missing or damaged."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class LocalState:
    """Paths and helpers for the data directory."""

    def __init__(self, data_dir: Path, collection: str):
        self.dir = Path(data_dir)
        self.collection = collection

    @property
    def lock_path(self) -> Path:
        return self.dir / "index.lock"

    @property
    def mirror_path(self) -> Path:
        return self.dir / f"{self.collection}.manifest.json"

    @property
    def version_path(self) -> Path:
        return self.dir / f"{self.collection}.index-version"

    @property
    def pending_path(self) -> Path:
        return self.dir / f"{self.collection}.pending.json"

    def bm25_dir(self, location: str, version: int) -> Path:
        import hashlib

        tag = hashlib.sha256(location.encode()).hexdigest()[:8]
        return self.dir / "bm25" / f"{self.collection}-{tag}-v{version}"

    def drop_other_bm25(self, keep: Path) -> None:
        """Delete the BM25 folders of other versions at `keep`'s location: readers load only the version
        they open, so older ones are dead weight."""
        for old in keep.parent.glob(keep.name.rsplit("-v", 1)[0] + "-v*"):
            if old != keep and not old.name.endswith(".tmp"):
                shutil.rmtree(old, ignore_errors=True)
        # temporary folders of saves killed midway (index.lexical.save_lexical); a live save takes seconds
        for tmp in keep.parent.glob(".*.tmp-*"):
            try:
                stale = time.time() - tmp.stat().st_mtime > STALE_TMP_SECONDS
            except OSError:
                continue
            if stale:
                shutil.rmtree(tmp, ignore_errors=True)

    def reader_lock_path(self, version: int) -> Path:
        return self.dir / "readers" / f"{self.collection}-v{version}.lock"

    def hold_reader(self, version: int) -> ReaderHold | None:
        """A shared lock on `version` for as long as the returned hold lives; None where it cannot be taken
        (a read-only data dir, no flock): the reader works as before, only unseen by a rebuild."""
        if fcntl is None:
            return None
        path = self.reader_lock_path(version)
        for _ in range(3):  # a writer may delete the file between our open and lock: lock the one at the path
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle = open(path, "a+b")  # noqa: SIM115 (held open on purpose: closing it releases the lock)
            except OSError:
                return None
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH)  # a writer's probe holds it for microseconds
                if os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino:
                    return ReaderHold(handle)
            except OSError:
                pass
            handle.close()
        return None

    def readers_besides(self, version: int) -> bool:
        """Whether a process holds a version other than `version` open (True when that cannot be known)."""
        if fcntl is None:
            return True
        for path in sorted(self.reader_lock_path(version).parent.glob(f"{self.collection}-v*.lock")):
            if path != self.reader_lock_path(version) and _held(path, unlink_if_free=False):
                return True
        return False

    def drop_reader_locks(self, keep: int) -> None:
        """Delete the lock files of versions nobody holds but `keep` (one is made per version a reader opened)."""
        if fcntl is None:
            return
        for path in self.reader_lock_path(keep).parent.glob(f"{self.collection}-v*.lock"):
            if path != self.reader_lock_path(keep):
                _held(path, unlink_if_free=True)

    def pending_files(self, published: Mapping[str, str] | None = None) -> list[str] | None:
        """Files an index run announced and has not published (killed, or still running); None when
        there are none. Names are unknown ("") for a pending.json written before it listed them.
        `published` (file name -> doc key, from the live manifest) leaves out the versions a checkpoint of
        that run has published already."""
        pending = read_json(self.pending_path)
        if not isinstance(pending, dict):
            return None
        files, keys = pending.get("files"), pending.get("keys") or []
        if isinstance(files, list):
            done = published or {}
            pairs = zip(files, keys if len(keys) == len(files) else [None] * len(files), strict=True)
            return [str(name) for name, key in pairs if key is None or done.get(str(name)) != key] or None
        return [""] * len(keys) or None

    def read_version(self) -> int | None:
        try:
            return int(self.version_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def write_version(self, version: int) -> None:
        atomic_write(self.version_path, f"{version}\n")


class ReaderHold:
    """An open reader's shared lock on its version; released when closed or garbage-collected."""

    def __init__(self, handle: IO[bytes]):
        self._handle = handle

    def close(self) -> None:
        self._handle.close()

    def __del__(self) -> None:
        self._handle.close()


def _held(path: Path, unlink_if_free: bool) -> bool:
    """Whether another open file holds a lock on `path`; a free one is deleted when `unlink_if_free`."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        if unlink_if_free:
            path.unlink(missing_ok=True)
        return False
    finally:
        handle.close()
