"""Errors the index raises; each message is a sentence a user can act on."""

from __future__ import annotations

from pathlib import Path


class CitebotIndexError(Exception):
    """Base class: a problem with the index that the user can fix."""


class IndexMissing(CitebotIndexError):
    """No index has been built yet (or the data directory is gone)."""


class IndexMismatch(CitebotIndexError):
    """The index was built with another embedder or chunking than the current settings. `embedder_only`: the
    chunking matches and only the vectors differ (an upgrade changed them), so a plain index run rebuilds it."""

    def __init__(self, message: str, embedder_only: bool = False):
        super().__init__(message)
        self.embedder_only = embedder_only


class IndexUnavailable(CitebotIndexError):
    """The Chroma server (or the embedded store) cannot be reached right now."""


class IndexCorrupt(CitebotIndexError):
    """The data directory exists but cannot be read."""


class DataDirNotWritable(CitebotIndexError):
    """The data directory (or the store in it) cannot be written: a read-only mount or folder. Chroma opens
    its store for writing even to answer questions, so nothing works there; rebuilding would not help, so
    the message never suggests it."""


class CorpusError(CitebotIndexError):
    """A problem with the corpus folder; `folder` lets a front end word its own hint (--corpus or not)."""

    def __init__(self, message: str, folder: Path | None = None):
        super().__init__(message)
        self.folder = folder


class CorpusMissing(CorpusError):
    """The corpus folder does not exist."""


class CorpusEmpty(CorpusError):
    """The corpus folder holds no document of a supported type: building would empty the index."""


class IndexBusy(CitebotIndexError):
    """Another `citebot index` holds the lock on the data directory."""


REBUILD_HINT = "run `citebot index --rebuild`"
