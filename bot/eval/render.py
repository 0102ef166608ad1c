"""How `citebot eval` shows its figures: rich tables on the terminal, a PNG with matplotlib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.eval.metrics import QuestionResult, Totals
from bot.eval.types import EvalReport

PLOT_INSTALL = "pip install 'citebot[plot]'  (or: pip install matplotlib)"


def _mark(flag: bool | None) -> str:
    if flag is None:
        return ""
    return "[green]✓[/]" if flag else "[red]✗[/]"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _count(rate: float | None, n: int) -> str:
    """'3/4' for a rate over n questions; '–' when there were none."""
    return "–" if rate is None or not n else f"{round(rate * n)}/{n}"


def _outcome(r: QuestionResult) -> str:
    if r.error:
        return "[red bold]error[/]"
    if r.kind == "answer":
        return (
            "ok"
            if r.facts_found and r.file_cited
            else ("[red]fact[/]" if not r.facts_found else "[red]file[/]")
        )
    if r.declined:
        return "declined"
    return "[yellow]answered (hard)[/]" if r.kind == "decline-hard" else "[red]answered[/]"


def question_table(results: list[QuestionResult]) -> Any:
    """One row per question: outcome, facts, citation, retrieval rank, length, latency, answer."""
    from rich import box
    from rich.table import Table

    table = Table(title="citebot eval: questions", box=box.SIMPLE_HEAD, expand=True)
    for name, kw in (
        ("id", {}),
        ("lang", {}),
        ("turns", {"justify": "right"}),
        ("outcome", {}),
        ("facts", {"justify": "center"}),
        ("cited", {"justify": "center"}),
        ("rank", {"justify": "right"}),
        ("chars", {"justify": "right"}),
        ("ms", {"justify": "right"}),
        ("answer", {"overflow": "ellipsis", "no_wrap": True, "ratio": 1}),
    ):
        table.add_column(name, **kw)
    for r in results:
        rank = "" if r.kind != "answer" else ("–" if r.rank is None else str(r.rank))
        text = r.error or r.answer
        table.add_row(
            r.id,
            r.lang,
            str(r.turns),
            _outcome(r),
            _mark(r.facts_found),
            _mark(r.file_cited),
            rank,
            str(r.chars),
            f"{r.latency_ms:.0f}",
            text.replace("\n", " ")[:160],
        )
    return table


def totals_table(by_language: dict[str, Totals], overall: Totals) -> Any:
    """Per-language rows and an 'all' row with every aggregate figure."""
    from rich import box
    from rich.table import Table

    table = Table(title="citebot eval: totals", box=box.SIMPLE_HEAD)
    columns = (
        "lang",
        "n",
        "facts",
        "cited",
        "hit@1",
        "hit@3",
        "MRR",
        "declined",
        "hard decl.",
        "follow-up facts",
        "median chars",
        "p50 ms",
        "p95 ms",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "lang" else "right")
    rows = [*by_language.items(), ("all", overall)]
    for lang, t in rows:
        style = "bold" if lang == "all" else None
        table.add_row(
            lang,
            str(t.questions),
            _pct(t.facts),
            _pct(t.cited),
            _pct(t.hit1),
            _pct(t.hit3),
            "–" if t.mrr is None else f"{t.mrr:.2f}",
            _count(t.declined, t.off_topic),
            _count(t.hard_declined, t.hard_off_topic),
            _count(t.multi_turn_facts, t.multi_turn),
            f"{t.median_chars:.0f}",
            f"{t.p50_ms:.0f}",
            f"{t.p95_ms:.0f}",
            style=style,
        )
    return table


def print_report(report: EvalReport, console: Any = None) -> None:
    """Both tables and a one-line summary."""
    from rich.console import Console

    if console is None:  # piped output: wide rows rather than columns squeezed to nothing
        console = Console()
        if not console.is_terminal:
            console = Console(width=150)
    console.print(question_table(report.results))
    console.print(totals_table(report.by_language, report.overall))
    t = report.overall
    console.print(
        f"{t.questions} questions in {report.seconds:.1f} s: facts {_pct(t.facts)}, cited {_pct(t.cited)}, "
        f"hit@1 {_pct(t.hit1)}, hit@3 {_pct(t.hit3)}, MRR {t.mrr or 0:.2f}, declined {_pct(t.declined)}, "
        f"median {t.median_chars:.0f} chars, p50 {t.p50_ms:.0f} ms, p95 {t.p95_ms:.0f} ms"
        + (f", [red]{t.errors} errors[/]" if t.errors else "")
    )


def require_matplotlib() -> Any:
    """pyplot with a file-only backend; ImportError with the install command when it is missing."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(f"--plot needs matplotlib: {PLOT_INSTALL}") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _latency_histogram(ax: Any, latencies: list[float]) -> None:
    """Linear bins over a narrow range; log bins (and axis) when latencies span more than 20x."""
    import numpy as np
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    low, high = min(latencies), max(latencies) * 1.01
    if high / low > 20:
        ax.hist(latencies, bins=np.logspace(np.log10(low), np.log10(high), 25), color="tab:gray")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
        ax.set_xlabel("answer latency, ms (log scale)")
    else:
        ax.hist(latencies, bins=25, color="tab:gray")
        ax.set_xlabel("answer latency, ms")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def write_plot(report: EvalReport, path: Path) -> None:
    """Accuracy per language (grouped bars) next to the latency distribution (histogram)."""

    plt = require_matplotlib()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    groups = [*report.by_language.items(), ("all", report.overall)]
    metrics = (
        ("facts", "facts found"),
        ("cited", "file cited"),
        ("hit3", "hit@3"),
        ("declined", "off-topic declined"),
    )
    width = 0.8 / len(metrics)
    for i, (field, label) in enumerate(metrics):
        xs = [x + i * width for x, (_, t) in enumerate(groups) if getattr(t, field) is not None]
        values = [100 * getattr(t, field) for _, t in groups if getattr(t, field) is not None]
        left.bar(xs, values, width, label=label)
    left.set_xticks(
        [x + 0.4 - width / 2 for x in range(len(groups))], [f"{g}\n({t.questions} q)" for g, t in groups]
    )
    left.set_ylim(0, 125)
    left.set_yticks(range(0, 101, 20))
    left.set_ylabel("% of questions (no bar: no question of that kind)")
    left.set_title("accuracy per language")
    left.legend(loc="upper center", ncol=4, fontsize="small")
    _latency_histogram(right, [max(r.latency_ms, 1.0) for r in report.results])
    for value, label, color in (
        (report.overall.p50_ms, "p50", "tab:blue"),
        (report.overall.p95_ms, "p95", "tab:red"),
    ):
        right.axvline(value, color=color, linestyle="--", label=f"{label} {value:.0f} ms")
    right.set_ylabel("questions")
    right.set_title("latency distribution")
    right.legend()
    fig.suptitle(
        f"citebot eval: {Path(report.questions_file).name or 'questions'} ({len(report.results)} questions)"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
