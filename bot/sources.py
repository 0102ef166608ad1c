"""The list of indexed documents, as `citebot sources`, `/sources` in the REPL and Telegram show it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def source_rows(manifest: Any) -> list[dict[str, Any]]:
    """One dict per indexed file: file, language, chunks, tokens, indexed (local time)."""
    return [{"file": name, "language": e.language, "chunks": e.chunks, "tokens": e.tokens,
             "indexed": datetime.fromtimestamp(e.indexed_at).strftime("%Y-%m-%d %H:%M:%S")}
            for name, e in sorted(manifest.files.items())]


def render_sources(manifest: Any, location: str, as_json: bool = False) -> str:
    rows = source_rows(manifest)
    if as_json:
        return json.dumps({"store": location, "embed_model": manifest.embed_model, "chunking": manifest.chunking,
                           "documents": rows}, ensure_ascii=False, indent=2)
    width = max([len(r["file"]) for r in rows] + [4])
    lines = [f"{'file':<{width}}  lang  chunks  tokens  indexed"]
    lines += [f"{r['file']:<{width}}  {r['language']:<4}  {r['chunks']:>6}  {r['tokens']:>6}  {r['indexed']}"
              for r in rows]
    lines += ["", f"{len(rows)} documents in {location}", f"embedding model: {manifest.embed_model}",
              f"chunking: {manifest.chunking}"]
    return "\n".join(lines)
