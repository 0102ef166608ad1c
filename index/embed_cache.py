"""The user cache for files citebot derives from installed models (ONNX graph, decompressed langid model).

Derived files are rebuilt from packages already installed, never downloaded, so deleting the folder
is always safe. $CITEBOT_CACHE_DIR, else $XDG_CACHE_HOME/citebot, else ~/.cache/citebot.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_dir() -> Path:
    explicit = os.environ.get("CITEBOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "citebot"


def cached_file(name: str, write: Callable[[str], None]) -> Path:
    """cache_dir()/name, made by `write(temporary path)` if missing; atomic, so concurrent makers are safe."""
    path = cache_dir() / name
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=name, suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
