"""The manifest read back from the store: a running bot keeps reading the manifests a newer `citebot index`
publishes while the bot is upgraded (tests/faults/test_concurrent_index.py met exactly this: a manifest
field added between the bot's start and the index run turned every reload into "cannot be read")."""

from __future__ import annotations

import json

from index.store import FileEntry, Manifest


def _entry(**extra: object) -> dict[str, object]:
    entry = vars(FileEntry(sha256="ab" * 32, doc_key="a.txt@ab", language="en", chunks=2, sentences=5, tokens=90,
                           indexed_at=1.0))
    return {**entry, **extra}


def test_round_trip() -> None:
    manifest = Manifest("e5", "chunks", {"a.txt": FileEntry(**_entry())}, 3)
    assert Manifest.from_json(manifest.to_json()) == manifest


def test_fields_written_by_a_newer_citebot_are_ignored() -> None:
    raw = json.dumps({"embed_model": "e5", "chunking": "chunks", "version": 4, "written_by": "citebot 9",
                      "files": {"a.txt": _entry(added_by="admin 42", section_count=7)}})
    manifest = Manifest.from_json(raw)
    assert manifest.version == 4 and manifest.live_keys == {"a.txt@ab"}
    assert manifest.files["a.txt"] == FileEntry(**_entry())
