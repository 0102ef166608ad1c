"""Chunks the counting pass cut, kept on disk for the write pass once they no longer fit in memory.

The counting pass reads and chunks every changed file to total the tokens a run will embed. Its chunks are
kept in memory up to a budget (`KEPT_CHUNK_CHARS` in index/ingest.py); past it they used to be dropped and
the file read and chunked a second time by the write pass (~7 CPU s per MB of text, as much again as the
first time). A spill writes them to a file instead, one JSON line per chunk, and the write pass reads them
back: every file is chunked once and memory stays bounded whatever its size. JSON, not pickle: the data dir
is a folder other tools and people write to, and reading a pickle runs code. The write pass also gets the
very chunks the counting pass counted, even if the file changed in between.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import asdict
from pathlib import Path
from typing import IO

from index.chunk import Chunk, SentenceRecord

logger = logging.getLogger(__name__)


def spill_dir(data_dir: Path, collection: str) -> Path:
    """Where a run keeps its spilled chunks: cleared at the start of every run (a killed run's are stale)."""
    return Path(data_dir) / "spill" / collection


def clear_spills(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


class ChunkSpill:
    """One file's chunks, written as they are cut, read back once, then deleted. A disk that refuses (full,
    read-only, the folder not a folder) ends the spill, not the run: `usable` turns False, what was written
    is deleted and the write pass reads the file again instead."""

    def __init__(self, path: Path):
        self.path = path
        self.usable = True
        self._out: IO[str] | None = None

    def write(self, chunks: Iterable[Chunk]) -> None:
        if not self.usable:
            return
        try:
            if self._out is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._out = self.path.open("w", encoding="utf-8")
            for chunk in chunks:
                self._out.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        except OSError as exc:
            logger.warning("cannot keep chunks in %s (%s); the file will be read again", self.path, exc)
            self.usable = False
            with suppress(OSError):
                self.close()
                self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def read(self) -> Iterator[Chunk]:
        """The chunks in the order written; the file is deleted once they have all been read."""
        self.close()
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                fields = json.loads(line)
                fields["paragraphs"] = tuple(fields["paragraphs"])
                fields["sentences"] = [SentenceRecord(**s) for s in fields["sentences"]]
                yield Chunk(**fields)
        self.path.unlink(missing_ok=True)
