"""`citebot eval QUESTIONS.jsonl`: run the engine over a question set and report quality and latency.

Per question: expected facts found, expected file cited, where retrieval ranked the first expected
file (hit@1, hit@3, MRR), whether an off-topic question was declined, answer length and latency;
then totals per language and overall. `--json` writes the same as a machine-readable report and
`--plot` draws accuracy per language and the latency distribution.

Retrieval is scored on the passages the engine itself used for the answer (follow-ups included): each
question runs in its own Conversation, whose Reply says what was retrieved; there is no second retrieval.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.answer import Answer
from bot.engine import CitebotIndexError, Conversation, Engine, QuestionRejected
from bot.eval.metrics import QuestionResult, score, totals, totals_by_language
from bot.eval.questions import EvalQuestion, QuestionFileError, load_questions
from bot.eval.types import EvalReport

logger = logging.getLogger(__name__)
WARM_UP_QUESTION = "What is this collection of documents about?"

__all__ = ["EvalReport", "evaluate", "run_eval", "load_questions", "QuestionFileError"]


def _rejected(question: str, message: str) -> Answer:
    return Answer(question=question, text=message, answered=False, language="")


def _ask(conversation: Conversation, question: str) -> tuple[Answer, list[str], str, str]:
    """One question of a conversation: the answer, the files retrieved, the refusal message and the error.

    A refusal (QuestionRejected) is a reply; any other exception except an index problem is recorded
    as an error of this question, so one crash does not hide the other questions' figures."""
    try:
        reply = conversation.ask(question)
        return reply.answer, [p.file for p in reply.retrieval.passages], "", ""
    except QuestionRejected as exc:
        return _rejected(question, str(exc)), [], str(exc), ""
    except CitebotIndexError:
        raise
    except Exception as exc:
        logger.warning("the engine failed on a question: %s: %s", exc.__class__.__name__, exc)
        logger.debug("traceback", exc_info=True)
        return _rejected(question, ""), [], "", f"{exc.__class__.__name__}: {exc}"


def ask_conversation(engine: Engine, question: EvalQuestion) -> tuple[Answer, list[str], float, str, str]:
    """Ask the history, then the question, in a new conversation: its answer, retrieved files, latency (ms),
    refusal, error."""
    conversation = engine.conversation()
    for earlier in question.history:
        _ask(conversation, earlier)
    started = time.perf_counter()
    answer, retrieved, refusal, error = _ask(conversation, question.question)
    wall_ms = (time.perf_counter() - started) * 1000
    return answer, retrieved, answer.timings_ms.get("total", wall_ms), refusal, error


def engine_info(engine: Engine) -> dict[str, Any]:
    """What the report records about the engine it measured."""
    info: dict[str, Any] = {"synthesizer": type(getattr(engine, "synthesizer", None)).__name__}
    for name in ("location", "embed_model"):
        try:
            info[name] = getattr(engine, name)
        except Exception:  # a report must not fail on a missing detail
            logger.debug("engine has no %s", name)
    startup = getattr(engine, "startup_seconds", None)
    if startup is not None:
        info["startup_s"] = round(float(startup), 2)
    settings = getattr(engine, "settings", None)
    if settings is not None:
        info.update(top_k=settings.top_k, llm=settings.llm, abstain_below=settings.abstain_below)
    return info


def warm_up(engine: Engine) -> float:
    """Ask one unscored question so one-off costs (lazy loads, first caches) stay out of the
    latency figures; returns its wall time in ms, which the report shows separately."""
    started = time.perf_counter()
    _ask(engine.conversation(), WARM_UP_QUESTION)
    return (time.perf_counter() - started) * 1000


def evaluate(
    engine: Engine,
    questions: list[EvalQuestion],
    questions_file: str = "",
    on_result: Callable[[QuestionResult], None] | None = None,
    warm: bool = True,
) -> EvalReport:
    """Ask every question (with its history) and score the replies."""
    info = engine_info(engine)
    if warm:
        info["warm_up_ms"] = round(warm_up(engine), 1)
    started = time.perf_counter()
    results: list[QuestionResult] = []
    for question in questions:
        answer, retrieved, latency, refusal, error = ask_conversation(engine, question)
        result = score(question, answer, retrieved, latency)
        result.rejected, result.error = refusal, error
        results.append(result)
        if on_result is not None:
            on_result(result)
    return EvalReport(
        questions_file,
        results,
        totals(results),
        totals_by_language(results),
        info,
        time.perf_counter() - started,
    )


def write_json(report: EvalReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def run_eval(
    questions_path: Path,
    json_out: Path | None = None,
    plot: Path | None = None,
    engine: Engine | None = None,
    console: Any = None,
) -> EvalReport:
    """The `citebot eval` command: load, run, print the tables, write the JSON and the plot."""
    from bot.app import SetupError, load_settings, open_engine
    from bot.eval.render import print_report, write_plot

    try:
        questions = load_questions(Path(questions_path))
        if json_out is not None:
            check_output("--json", Path(json_out))
        if plot is not None:  # matplotlib missing, or a name it cannot write: fail before a long run
            check_output("--plot", Path(plot), plot_formats())
    except (QuestionFileError, OSError, ImportError, ValueError) as exc:
        raise SetupError(str(exc)) from exc
    engine = engine if engine is not None else open_engine(load_settings())
    try:
        report = evaluate(engine, questions, str(questions_path))
    except CitebotIndexError as exc:
        raise SetupError(str(exc)) from exc
    print_report(report, console)
    for option, path, write in (("--json", json_out, write_json), ("--plot", plot, write_plot)):
        if path is not None:
            try:
                write(report, Path(path))
            except OSError as exc:  # checked before the run; the disk can still fill or a folder vanish
                raise SetupError(f"{option} {path} could not be written: {exc.strerror or exc}") from exc
    return report


def plot_formats() -> set[str]:
    """The file suffixes matplotlib can write ("png", "pdf", "svg", ...); ImportError when it is missing."""
    from bot.eval.render import require_matplotlib

    require_matplotlib()
    from matplotlib.backend_bases import FigureCanvasBase

    return set(FigureCanvasBase.get_supported_filetypes())


def check_output(option: str, path: Path, formats: set[str] | None = None) -> None:
    """ValueError in one sentence when `path` cannot take the output: a folder, under a file, in a folder we
    may not write, or (for a plot) a suffix matplotlib does not write. Checked before the run: a failure after
    it lost the whole run (the sweep of 2026-12-03)."""
    if path.is_dir():
        raise ValueError(f"{option} {path} is a folder; give a file name")
    if formats is not None and path.suffix.lower().lstrip(".") not in formats:
        shown = ", ".join(f".{f}" for f in sorted(formats) if f in ("png", "pdf", "svg", "jpg"))
        raise ValueError(f"{option} {path}: the file name must end in a picture type such as {shown}")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(f"{option} {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{option} {path}: {folder} is not writable")
