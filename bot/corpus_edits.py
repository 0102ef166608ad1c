"""Documents added or forgotten while a front end keeps answering: save, index, make live, or undo.

Blocking on purpose (front ends run it in a worker thread). The index run is the ordinary incremental
`build_index` under the data-dir lock, so edits go one at a time, together with `citebot index` and a
watched folder, and questions are answered from the previous version until the new one is swapped in.
A reply goes out only after `engine.refresh()` has picked the new version up, so a question asked right
after "added" is answered from the new document. A document the index run skips after all, or a run
that fails, leaves the corpus folder as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.uploads import CorpusChange, Provenance, UploadRecord, UploadRefused, remove_document, save_document
from index.errors import CitebotIndexError
from index.ingest import IndexReport, build_index

logger = logging.getLogger(__name__)

# How long an edit waits for the data-dir lock: a `citebot index` of a large corpus can hold it for
# minutes, and the chat user is told the document is being indexed meanwhile.
LOCK_WAIT_SECONDS = 600.0


@dataclass
class Edit:
    """What an add or forget did, for the reply."""

    change: CorpusChange
    language: str = ""
    chunks: int = 0
    version: int = 0


def _index(settings: Any, engine: Any) -> IndexReport:
    report = build_index(settings, wait_seconds=LOCK_WAIT_SECONDS)
    engine.refresh()  # the new version is live for this process before anyone is told
    return report


def add_document(engine: Any, settings: Any, sent_name: str, content: bytes, by_id: int | None,
                 by: str) -> Edit:
    """Save an uploaded document into the corpus and index it; UploadRefused (one sentence) when it cannot be
    a document, CitebotIndexError when the index run fails; in both cases the corpus is as it was."""
    provenance = Provenance(Path(settings.data_dir))
    change = save_document(Path(settings.corpus), sent_name, content, tuple(settings.language_list), provenance)
    if change.status != "unchanged":
        try:
            report = _index(settings, engine)
        except BaseException:
            change.undo()
            raise
        skipped = dict(report.skipped)
        if change.name in skipped or change.name not in _live(engine):
            change.undo()
            _index(settings, engine)  # an update the run dropped: the previous version goes back in
            reason = skipped.get(change.name, "no text to index")
            raise UploadRefused(f"I could not index {change.name} ({reason}), so nothing was added.")
        change.keep()
    provenance.record(change, by_id, by)
    entry = _live(engine).get(change.name)
    return Edit(change, entry.language if entry else "", entry.chunks if entry else 0,
                engine.retriever.manifest.version)


def forget_document(engine: Any, settings: Any, name: str) -> Edit:
    """Remove a document from the corpus folder and the index; UploadRefused for a name that is not one."""
    change = remove_document(Path(settings.corpus), name)
    try:
        _index(settings, engine)
    except BaseException:
        change.undo()
        raise
    change.keep()
    Provenance(Path(settings.data_dir)).forget(change.name)
    return Edit(change)


def uploads(settings: Any) -> dict[str, UploadRecord]:
    """Who added which file through a chat (files since removed by hand are left out)."""
    corpus = Path(settings.corpus)
    return {name: r for name, r in Provenance(Path(settings.data_dir)).all().items() if (corpus / name).is_file()}


def _live(engine: Any) -> dict[str, Any]:
    return {d.file: d for d in engine.documents()}


__all__ = ["CitebotIndexError", "Edit", "UploadRefused", "add_document", "forget_document", "uploads"]
