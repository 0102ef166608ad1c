"""The `citebot` command: index, ask, sources, chat, telegram, eval.

User-facing failures are click exceptions with a sentence that says what to do, never a traceback.
Options read the same environment variables as the settings (CITEBOT_CORPUS, CITEBOT_DATA_DIR, ...).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import click

from bot.app import SetupError, document_listing, folder_error, load_settings, open_engine, run_index
from bot.engine import CitebotIndexError
from bot.stdin_questions import stdin_lines, undecodable_line_error

logger = logging.getLogger(__name__)


class CliError(click.ClickException):
    """A failure the user can act on; exit code 2 (missing index, bad setup)."""

    exit_code = 2


class CitebotGroup(click.Group):
    """The command group; a SetupError from any command becomes a CliError (one sentence, exit code 2), and so
    does a file system error on the data or corpus folder (one that cannot be created, say /proc/citebot)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SetupError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            sentence = folder_error(exc, ctx.meta.get(_SETTINGS_KEY))
            if sentence is None:
                raise
            raise CliError(sentence) from None


_SETTINGS_KEY = "citebot.settings"  # in the context's meta (shared by every command): the settings a command read


def settings_for_command(corpus: Path | None = None, data_dir: Path | None = None) -> Any:
    """The settings with the command's overrides, kept for `folder_error`; SetupError when invalid."""
    settings = load_settings(corpus, data_dir)
    click.get_current_context().meta[_SETTINGS_KEY] = settings
    return settings


def configure_logging(verbose: int) -> None:
    """Log to stderr once for the whole process; httpx and chromadb stay quiet."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "httpcore", "chromadb", "bm25s", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    # pypdf warns about every damaged PDF ("EOF marker not found") beside our own "skipped X: unreadable PDF"
    # line; its warnings are details for -v
    logging.getLogger("pypdf").setLevel(logging.ERROR if verbose == 0 else level)


@click.group(cls=CitebotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """citebot: answers questions from a folder of documents, citing the files."""
    configure_logging(verbose)


@main.command()
@click.option("--corpus", type=click.Path(path_type=Path), envvar="CITEBOT_CORPUS", help="Folder of documents.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="CITEBOT_DATA_DIR", help="Index location.")
@click.option("--rebuild", is_flag=True,
              help="Build the index again from scratch beside the live one, which answers until it is swapped in.")
@click.option("--wait", type=float, default=0.0, is_flag=False, flag_value=-1.0, metavar="[SECONDS]",
              help="Wait when another `citebot index` holds the lock: until it finishes, or at most SECONDS.")
@click.option("--watch", is_flag=True, help="Then keep running: index changes a few seconds after they happen.")
@click.option("--dry-run", is_flag=True,
              help="Read and chunk everything, count the tokens to embed and estimate the time; write nothing.")
def index(corpus: Path | None, data_dir: Path | None, rebuild: bool, wait: float, watch: bool, dry_run: bool) -> None:
    """Build or update the index (only new and changed files are embedded)."""
    settings = settings_for_command(corpus, data_dir)
    if dry_run:
        from bot.app import dry_run_index

        dry_run_index(settings, corpus_option=True, rebuild=rebuild)
        return
    report = run_index(settings, rebuild=rebuild, wait=wait, corpus_option=True)
    if watch:
        from bot.watching import watch_forever

        watch_forever(settings, lambda line: click.echo(line, err=True), skipped=report.skipped)


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

    engine = open_engine(settings_for_command(corpus, data_dir), corpus_option=True, one_shot=question != "-")
    questions = stdin_lines() if question == "-" else iter([question])
    for q in questions:
        started = time.perf_counter()
        if isinstance(q, bytes):  # a line the terminal's encoding cannot read: its own error, then the next line
            error = undecodable_line_error()
            shown = q.decode("ascii", "backslashreplace")
            click.echo(json_line(rejection(shown, error, started)) if as_json else error)
            sys.stdout.flush()
            continue
        if question == "-" and not as_json and not q.strip():
            continue  # JSON Lines keep one output line per input line: a blank one gets a rejection
        try:
            answer = engine.answer(q)
        except QuestionRejected as exc:
            if question != "-":
                raise CliError(str(exc)) from exc
            click.echo(json_line(rejection(q, str(exc), started)) if as_json else str(exc))
            sys.stdout.flush()
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


def rejection(question: str, error: str, started: float | None = None) -> dict[str, Any]:
    """The JSON object of a question the engine refused (blank, too long) or a line that could not be read,
    the question shortened; the keys of an answer's object plus `error` (`language` null: not detected)."""
    shown = question if len(question) <= ECHOED_QUESTION_CHARS else question[:ECHOED_QUESTION_CHARS] + "…"
    total = 0.0 if started is None else round((time.perf_counter() - started) * 1000, 1)
    return {"question": shown, "error": error, "answered": False, "answer": error, "language": None,
            "citations": [], "mode": "extractive", "timings_ms": {"total": total}}


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="CITEBOT_DATA_DIR", help="Index location.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sources(data_dir: Path | None, as_json: bool) -> None:
    """List the indexed documents and the store in use."""
    click.echo(document_listing(settings_for_command(data_dir=data_dir), as_json=as_json))


@main.command()
@click.option("--corpus", type=click.Path(path_type=Path), envvar="CITEBOT_CORPUS",
              help="Folder of documents (indexed first when there is no index).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="CITEBOT_DATA_DIR",
              help="Index location; the chat history is kept there too.")
@click.option("--watch", is_flag=True, help="Index changes in the corpus folder while chatting (log with -v).")
def chat(corpus: Path | None, data_dir: Path | None, watch: bool) -> None:
    """Chat with the documents (reads one question per line when stdin is not a terminal)."""
    from bot.repl.app import run_repl

    settings = settings_for_command(corpus, data_dir)
    if watch:
        from bot.watching import watch_in_background

        watch_in_background(settings)
    run_repl(corpus=corpus, data_dir=data_dir)


@main.command()
@click.option("--webhook-url", default=None, help="Public HTTPS URL for webhook mode (default: long polling).")
@click.option("--listen", default="127.0.0.1", show_default=True, help="Webhook listen address.")
@click.option("--port", default=8443, show_default=True, help="Webhook listen port.")
@click.option("--message-limit", default=4096, hidden=True, type=click.IntRange(200, 4096),
              help="Split replies longer than this (tests lower it to exercise splitting).")
@click.option("--watch", is_flag=True, help="Index changes in the corpus folder while the bot runs.")
def telegram(webhook_url: str | None, listen: str, port: int, message_limit: int, watch: bool) -> None:
    """Run the Telegram bot (TELEGRAM_BOT_TOKEN)."""
    from bot.telegram.app import run_from_cli

    if watch:
        from bot.watching import watch_in_background

        watch_in_background(settings_for_command())
    run_from_cli(webhook_url=webhook_url, listen=listen, port=port, message_limit=message_limit)


@main.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "json_out", type=click.Path(path_type=Path), default=None, help="Write a JSON report.")
@click.option("--plot", type=click.Path(path_type=Path), default=None, help="Write a PNG plot.")
def eval_command(questions: Path, json_out: Path | None, plot: Path | None) -> None:
    """Score the engine on a questions.jsonl file."""
    from bot.eval.run import run_eval

    run_eval(questions, json_out=json_out, plot=plot)


if __name__ == "__main__":  # pragma: no cover
    main()
