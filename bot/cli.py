"""The `citebot` command: index, ask, sources, chat, telegram, eval.

User-facing failures are click exceptions with a sentence that says what to do, never a traceback.
Options read the same environment variables as the settings (CITEBOT_CORPUS, CITEBOT_DATA_DIR, ...).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from index.errors import CitebotIndexError, CorpusMissing
from index.settings import Settings

logger = logging.getLogger(__name__)


class CliError(click.ClickException):
    """A failure the user can act on; exit code 2 (missing index, bad setup)."""

    exit_code = 2


def configure_logging(verbose: int) -> None:
    """Log to stderr once for the whole process; httpx and chromadb stay quiet."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "httpcore", "chromadb", "bm25s", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def load_settings(corpus: Path | None = None, data_dir: Path | None = None) -> Settings:
    overrides: dict[str, Any] = {}
    if corpus is not None:
        overrides["corpus"] = corpus
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:  # one sentence per bad variable, not pydantic's report
        from index.settings_errors import describe_invalid

        raise CliError(describe_invalid(exc, Settings)) from None
    except Exception as exc:  # e.g. an unreadable .env file
        raise CliError(f"invalid settings: {exc}") from exc


def print_report(report: Any, echo: Callable[[str], None]) -> None:
    """The one-line summary every `citebot index` run ends with."""
    for name, reason in report.skipped:
        logger.debug("skipped %s: %s", name, reason)
    echo(f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
         f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped; {report.chunks} chunks, "
         f"{report.tokens} tokens; {report.embedded_texts} texts embedded; {report.seconds:.1f} s "
         f"({report.location})")


def run_index(settings: Settings, rebuild: bool = False, wait: float = 0.0, corpus_option: bool = False) -> Any:
    """Build or update the index with progress on stderr; CliError on user-fixable problems.

    `corpus_option`: the command has a --corpus option, so a missing folder's hint may suggest it."""
    from bot.progress import make_progress
    from index.ingest import build_index

    progress = make_progress()
    try:
        report = build_index(settings, rebuild=rebuild, progress=progress, wait_seconds=wait)
    except CorpusMissing as exc:
        if not corpus_option:
            raise CliError(str(exc)) from exc
        raise CliError(f"corpus folder {exc.folder} does not exist; pass --corpus FOLDER or set CITEBOT_CORPUS") \
            from exc
    except CitebotIndexError as exc:
        raise CliError(str(exc)) from exc
    finally:
        progress.close()
    print_report(report, lambda line: click.echo(line, err=True))
    return report


def open_engine(settings: Settings, corpus_option: bool = False) -> Any:
    """The engine, building the index first when there is none (progress on stderr)."""
    from bot.engine import Engine

    def build() -> None:
        click.echo(f"no index yet: building it from {settings.corpus}", err=True)
        run_index(settings, wait=600, corpus_option=corpus_option)

    from bot.llm_backends import LLMSetupError

    try:
        return Engine(settings, on_build=build)
    except (CitebotIndexError, LLMSetupError) as exc:
        raise CliError(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """citebot: answers questions from a folder of documents, citing the files."""
    configure_logging(verbose)


@main.command()
@click.option("--corpus", type=click.Path(path_type=Path), envvar="CITEBOT_CORPUS", help="Folder of documents.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="CITEBOT_DATA_DIR", help="Index location.")
@click.option("--rebuild", is_flag=True, help="Drop the index and build it again from scratch.")
@click.option("--wait", type=float, default=0.0, is_flag=False, flag_value=-1.0, metavar="[SECONDS]",
              help="Wait when another `citebot index` holds the lock: until it finishes, or at most SECONDS.")
def index(corpus: Path | None, data_dir: Path | None, rebuild: bool, wait: float) -> None:
    """Build or update the index (only new and changed files are embedded)."""
    run_index(load_settings(corpus, data_dir), rebuild=rebuild, wait=wait, corpus_option=True)


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON; with QUESTION '-', one JSON line per input line (blank ones included).")
@click.option("--corpus", type=click.Path(path_type=Path), envvar="CITEBOT_CORPUS",
              help="Folder of documents (indexed first when there is no index).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="CITEBOT_DATA_DIR", help="Index location.")
def ask(question: str, as_json: bool, corpus: Path | None, data_dir: Path | None) -> None:
    """Answer QUESTION from the documents ('-' reads one question per line from stdin)."""
    from bot.engine import QuestionRejected
    from bot.render import json_line, to_text

    engine = open_engine(load_settings(corpus, data_dir), corpus_option=True)
    if question == "-" and hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # a Latin-1 questions file must not end in a traceback
    questions = (line.rstrip("\n") for line in sys.stdin) if question == "-" else iter([question])
    for q in questions:
        if question == "-" and not as_json and not q.strip():
            continue  # JSON Lines keep one output line per input line: a blank one gets a rejection
        try:
            answer = engine.answer(q)
        except QuestionRejected as exc:
            if question != "-":
                raise CliError(str(exc)) from exc
            click.echo(json_line(rejection(q, str(exc))) if as_json else str(exc))
            continue
        except CitebotIndexError as exc:
            raise CliError(str(exc)) from exc
        if as_json:
            click.echo(json_line(answer.to_json()))
        else:
            click.echo(to_text(answer))
            if question == "-":
                click.echo()
        sys.stdout.flush()


ECHOED_QUESTION_CHARS = 200  # of a rejected question in its JSON line: recognisable, never a megabyte


def rejection(question: str, error: str) -> dict[str, Any]:
    """The JSON object of a question the engine refused (blank, too long), the question shortened."""
    shown = question if len(question) <= ECHOED_QUESTION_CHARS else question[:ECHOED_QUESTION_CHARS] + "…"
    return {"question": shown, "error": error, "answered": False, "answer": error, "citations": []}


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="CITEBOT_DATA_DIR", help="Index location.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sources(data_dir: Path | None, as_json: bool) -> None:
    """List the indexed documents and the store in use."""
    from bot.sources import render_sources
    from index.local_state import LocalState

    settings = load_settings(data_dir=data_dir)
    try:
        from index.retrieve import Retriever

        retriever = Retriever(settings, embedder=_NoEmbedder())
    except CitebotIndexError as exc:
        raise CliError(str(exc)) from exc
    pending = LocalState(Path(settings.data_dir), settings.collection).pending_files()
    click.echo(render_sources(retriever.manifest, retriever.location, as_json=as_json, pending=pending))


class _NoEmbedder:
    """`sources` reads the manifest only; it never embeds, so it does not load the model."""

    def query_vector(self, text: str) -> Any:
        raise RuntimeError("not used")


@main.command()
@click.option("--corpus", type=click.Path(path_type=Path), envvar="CITEBOT_CORPUS",
              help="Folder of documents (indexed first when there is no index).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="CITEBOT_DATA_DIR",
              help="Index location; the chat history is kept there too.")
def chat(corpus: Path | None, data_dir: Path | None) -> None:
    """Chat with the documents (reads one question per line when stdin is not a terminal)."""
    from bot.repl import run_repl

    run_repl(corpus=corpus, data_dir=data_dir)


@main.command()
@click.option("--webhook-url", default=None, help="Public HTTPS URL for webhook mode (default: long polling).")
@click.option("--listen", default="127.0.0.1", show_default=True, help="Webhook listen address.")
@click.option("--port", default=8443, show_default=True, help="Webhook listen port.")
@click.option("--message-limit", default=4096, hidden=True, type=click.IntRange(200, 4096),
              help="Split replies longer than this (tests lower it to exercise splitting).")
def telegram(webhook_url: str | None, listen: str, port: int, message_limit: int) -> None:
    """Run the Telegram bot (TELEGRAM_BOT_TOKEN)."""
    from bot.telegram_guard import TelegramSetupError

    try:
        from bot.telegram_app import run_from_cli

        run_from_cli(webhook_url=webhook_url, listen=listen, port=port, message_limit=message_limit)
    except TelegramSetupError as exc:
        raise CliError(str(exc)) from None


@main.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "json_out", type=click.Path(path_type=Path), default=None, help="Write a JSON report.")
@click.option("--plot", type=click.Path(path_type=Path), default=None, help="Write a PNG plot.")
def eval_command(questions: Path, json_out: Path | None, plot: Path | None) -> None:
    """Score the engine on a questions.jsonl file."""
    from bot.evaluate import run_eval

    run_eval(questions, json_out=json_out, plot=plot)


if __name__ == "__main__":  # pragma: no cover
    main()
