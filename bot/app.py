"""Start-up shared by every front end: settings, the index and the engine, opened one way.

`citebot ask`, `chat`, `telegram` and `eval` all come through here, so a missing corpus, a bad variable or
an unusable LLM backend fails with the same one-sentence SetupError whichever front end met it. Progress
and summaries go to stderr; nothing here parses arguments (that is cli.py's job).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.errors import SetupError
from bot.settings import Settings
from index.errors import CitebotIndexError, CorpusMissing

logger = logging.getLogger(__name__)

__all__ = ["SetupError", "load_settings", "open_engine", "run_index", "print_index_summary", "document_listing"]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load_settings(corpus: Path | None = None, data_dir: Path | None = None) -> Settings:
    """The settings from the environment (and .env), with command-line overrides; SetupError naming the
    bad variable in one sentence instead of pydantic's report."""
    overrides: dict[str, Any] = {}
    if corpus is not None:
        overrides["corpus"] = corpus
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        from index.settings_errors import describe_invalid

        raise SetupError(describe_invalid(exc, Settings)) from None
    except Exception as exc:  # e.g. an unreadable .env file
        raise SetupError(f"invalid settings: {exc}") from exc


def print_index_summary(report: Any, echo: Callable[[str], None] = _stderr) -> None:
    """The one-line summary every `citebot index` run ends with."""
    for name, reason in report.skipped:
        logger.debug("skipped %s: %s", name, reason)
    echo(f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
         f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped; {report.chunks} chunks, "
         f"{report.tokens} tokens; {report.embedded_texts} texts embedded; {report.seconds:.1f} s "
         f"({report.location})")


def run_index(settings: Settings, rebuild: bool = False, wait: float = 0.0, corpus_option: bool = False) -> Any:
    """Build or update the index with progress on stderr; SetupError on user-fixable problems.

    `corpus_option`: the command has a --corpus option, so a missing folder's hint may suggest it."""
    from bot.progress import make_progress
    from index.ingest import build_index

    progress = make_progress()
    try:
        report = build_index(settings, rebuild=rebuild, progress=progress, wait_seconds=wait)
    except CorpusMissing as exc:
        if not corpus_option:
            raise SetupError(str(exc)) from exc
        raise SetupError(f"corpus folder {exc.folder} does not exist; pass --corpus FOLDER or set CITEBOT_CORPUS") \
            from exc
    except CitebotIndexError as exc:
        raise SetupError(str(exc)) from exc
    finally:
        progress.close()
    print_index_summary(report)
    return report


def open_engine(settings: Settings, corpus_option: bool = False) -> Engine:
    """The engine, building the index first when there is none (progress on stderr)."""

    def build() -> None:
        _stderr(f"no index yet: building it from {settings.corpus}")
        run_index(settings, wait=600, corpus_option=corpus_option)

    try:
        return Engine(settings, on_build=build)
    except CitebotIndexError as exc:
        raise SetupError(str(exc)) from exc


def document_listing(settings: Settings, as_json: bool = False) -> str:
    """`citebot sources`: the indexed documents from the manifest alone (the embedding model is not loaded),
    with a hint at files an interrupted index run has not published."""
    from bot.document_list import render_document_list
    from index.local_state import LocalState
    from index.retrieve import Retriever

    try:
        retriever = Retriever(settings, embedder=_NoEmbedder())
    except CitebotIndexError as exc:
        raise SetupError(str(exc)) from exc
    pending = LocalState(Path(settings.data_dir), settings.collection).pending_files()
    return render_document_list(retriever.manifest, retriever.location, as_json=as_json, pending=pending)


class _NoEmbedder:
    """`sources` reads the manifest only; it never embeds, so it does not load the model."""

    def query_vector(self, text: str) -> Any:
        raise RuntimeError("not used")
