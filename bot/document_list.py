"""The list of indexed documents, as `citebot sources`, `/sources` in the REPL and Telegram show it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.cells import cell_len

from index.sanitize import clean_line
from index.sentence_pairs import unpaired_hint
from index.store import OLD_GRAPH_HINT

PENDING_SHOWN = 5  # file names listed in the "waiting to be indexed" line; the rest are counted


def document_rows(manifest: Any) -> list[dict[str, Any]]:
    """One dict per indexed file: file, language, chunks, tokens, indexed (local time)."""
    return [{"file": name, "language": e.language, "chunks": e.chunks, "tokens": e.tokens,
             "indexed": datetime.fromtimestamp(e.indexed_at).strftime("%Y-%m-%d %H:%M:%S"),
             "sentence_pairs": e.sentence_pairs}
            for name, e in sorted(manifest.files.items())]


def pending_line(pending: list[str]) -> str:
    """'2 files are waiting to be indexed (a.txt, b.txt): ...', for files an index run has not published."""
    count = len(pending)
    names = [clean_line(name) for name in pending if name]
    listed = ", ".join(names[:PENDING_SHOWN]) + (f" and {len(names) - PENDING_SHOWN} more"
                                                  if len(names) > PENDING_SHOWN else "")
    subject = "1 file is" if count == 1 else f"{count} files are"
    return (f"{subject} waiting to be indexed{f' ({listed})' if listed else ''}: a `citebot index` run was "
            "interrupted or is still running; run `citebot index` to finish it")


def _padded(text: str, width: int) -> str:
    """`text` padded with spaces to `width` terminal cells."""
    return text + " " * max(0, width - cell_len(text))


def render_document_list(manifest: Any, location: str, as_json: bool = False, pending: list[str] | None = None,
                         old_graph: bool = False, pairs_wanted: bool = False) -> str:
    """The listing; `pending` (files a killed or running index run has not published) adds a hint, and so do
    `old_graph` (an index made before citebot set Chroma's nearest-neighbour graph settings) and, when
    `pairs_wanted`, files indexed without sentence pairs."""
    unpaired = sum(not e.sentence_pairs for e in manifest.files.values()) if pairs_wanted else 0
    rows = document_rows(manifest)
    if as_json:
        from bot.render import json_line

        data = {"store": location, "embed_model": manifest.embed_model, "chunking": manifest.chunking,
                "documents": rows, "pending": list(pending or []), "search_graph_current": not old_graph}
        return json_line(data, indent=2)
    for row in rows:
        row["file"] = clean_line(row["file"])  # file names are untrusted: no escapes reach the terminal
    width = max([cell_len(r["file"]) for r in rows] + [4])  # terminal cells: an emoji takes two, an accent none
    lines = [f"{'file':<{width}}  lang  chunks  tokens  indexed"]
    lines += [f"{_padded(r['file'], width)}  {clean_line(r['language']):<4}  {r['chunks']:>6}  {r['tokens']:>6}  "
              f"{r['indexed']}" for r in rows]
    lines += ["", f"{len(rows)} documents in {clean_line(location)}",
              f"embedding model: {clean_line(manifest.embed_model)}", f"chunking: {clean_line(manifest.chunking)}"]
    if old_graph:
        lines += [OLD_GRAPH_HINT]
    if unpaired:
        lines += [unpaired_hint(unpaired)]
    if pending:
        lines += ["", pending_line(pending)]
    return "\n".join(lines)
