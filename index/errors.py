"""Errors the index raises; each message is a sentence a user can act on."""

from __future__ import annotations


class CitebotIndexError(Exception):
    """Base class: a problem with the index that the user can fix."""


class IndexMissing(CitebotIndexError):
    """No index has been built yet (or the data directory is gone)."""


class IndexMismatch(CitebotIndexError):
    """The index was built with another embedder or chunking than the current settings."""


class IndexUnavailable(CitebotIndexError):
    """The Chroma server (or the embedded store) cannot be reached right now."""


class IndexCorrupt(CitebotIndexError):
    """The data directory exists but cannot be read."""


class CorpusMissing(CitebotIndexError):
    """The corpus folder does not exist."""


class IndexBusy(CitebotIndexError):
    """Another `citebot index` holds the lock on the data directory."""


REBUILD_HINT = "run `citebot index --rebuild`"
