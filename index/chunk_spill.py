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
import shutil
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO

from index.chunk import Chunk, SentenceRecord


def spill_dir(data_dir: Path, collection: str) -> Path:
    """Where a run keeps its spilled chunks: cleared at the start of every run (a killed run's are stale)."""
    return Path(data_dir) / "spill" / collection


def clear_spills(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


class ChunkSpill:
    """One file's chunks written as they are cut, read back once, then deleted."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._out: IO[str] | None = path.open("w", encoding="utf-8")

    def write(self, chunk: Chunk) -> None:
        assert self._out is not None, "spill already closed"
        self._out.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

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
