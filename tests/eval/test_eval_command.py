"""`citebot eval`: the command's tables, JSON report and plot, and the scoring rules behind them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.answer import Answer, Citation
from bot.eval.metrics import first_rank, missing_fact_groups, score, totals
from bot.eval.questions import EvalQuestion, QuestionFileError, load_questions

ROOT = Path(__file__).resolve().parents[2]
EN = "004_93b1566d212200ce.txt"
ID = "000_a037ab22804b191b.txt"

SMALL_SET = [
    {
        "id": "a1",
        "lang": "en",
        "question": "Who is Lin Qingyuan?",
        "expect_files": [EN, ID],
        "expect_facts": [["Bernstein"]],
        "answerable": True,
        "hard": False,
    },
    {
        "id": "o1",
        "lang": "en",
        "question": "How do I bake sourdough bread?",
        "expect_files": [],
        "expect_facts": [],
        "answerable": False,
        "hard": False,
    },
    {
        "id": "f1",
        "lang": "en",
        "question": "And what did he say about training?",
        "expect_files": [EN, ID],
        "expect_facts": [["smaller tasks", "tugas-tugas kecil"]],
        "answerable": True,
        "hard": False,
        "history": ["Who is Lin Qingyuan?"],
    },
]


def _answer(text: str, files: list[str], answered: bool = True) -> Answer:
    citations = (
        [
            Citation(
                n=1,
                file=files[0],
                language="en",
                quote=text,
                location="paragraph 1",
                score=1.0,
                also_in=files[1:],
            )
        ]
        if files
        else []
    )
    return Answer(question="q", text=text, answered=answered, language="en", citations=citations)


def test_facts_need_every_group_and_any_alternative() -> None:
    groups = [["OpenAI"], ["Google", "Alphabet"]]
    assert missing_fact_groups("openai and alphabet", groups) == []
    assert missing_fact_groups("OpenAI only", groups) == [["Google", "Alphabet"]]


def test_rank_is_the_first_expected_file() -> None:
    assert first_rank(["x.txt", "dir/b.txt", "a.txt"], ["a.txt", "b.txt"]) == 2
    assert first_rank(["x.txt"], ["a.txt"]) is None


def test_also_in_counts_as_cited_and_declines_need_no_citations() -> None:
    answerable = EvalQuestion("q1", "en", "?", (EN,), (("910B",),))
    result = score(answerable, _answer("Ascend 910B [1]", [ID, EN]), [ID, EN], 10.0)
    assert result.facts_found and result.file_cited and result.rank == 2
    off = EvalQuestion("q2", "en", "?", answerable=False)
    assert score(off, _answer("not found", [], answered=False), [], 5.0).declined
    assert not score(off, _answer("something [1]", [EN]), [EN], 5.0).declined


def test_totals_mrr_and_hits() -> None:
    q = EvalQuestion("q", "en", "?", (EN,), (("x",),))
    results = [
        score(q, _answer("x", [EN]), files, 100.0 * i)
        for i, files in enumerate([[EN], ["o.txt", EN], ["o", "p", "r", EN]], start=1)
    ]
    t = totals(results)
    assert t.hit1 == pytest.approx(1 / 3) and t.hit3 == pytest.approx(2 / 3)
    assert t.mrr == pytest.approx((1 + 1 / 2 + 1 / 4) / 3)
    assert t.p50_ms == pytest.approx(200.0)


def test_a_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(SMALL_SET[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match="line 2"):
        load_questions(path)


@pytest.mark.parametrize(
    "path",
    [ROOT.parent / "shared" / "eval" / "questions.jsonl", ROOT / "tests" / "eval" / "questions.jsonl"],
    ids=["public", "own"],
)
def test_question_files_parse(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not in this checkout")
    questions = load_questions(path)
    assert questions and all(q.question and (q.expect_facts or not q.answerable) for q in questions)


@pytest.fixture
def cli_env(built_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for var in ("CHROMA_HOST", "CHROMA_PORT", "CITEBOT_LLM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(built_data_dir)  # no stray .env file
    return {"CITEBOT_DATA_DIR": str(built_data_dir), "CITEBOT_CORPUS": str(ROOT / "corpus")}


def test_eval_command_prints_tables_and_writes_json_and_plot(tmp_path: Path, cli_env: dict[str, str]) -> None:
    pytest.importorskip("matplotlib")
    from bot.cli import main

    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in SMALL_SET), encoding="utf-8")
    out, png = tmp_path / "report.json", tmp_path / "plot.png"
    result = CliRunner().invoke(
        main, ["eval", str(questions), "--json", str(out), "--plot", str(png)], env=cli_env
    )
    assert result.exit_code == 0, result.output
    assert "citebot eval: totals" in result.output and "a1" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in report["results"]] == ["a1", "o1", "f1"]
    assert report["results"][2]["turns"] == 2
    assert report["results"][1]["declined"] is True
    assert set(report["totals"]) >= {
        "facts",
        "cited",
        "hit1",
        "hit3",
        "mrr",
        "declined",
        "median_chars",
        "p50_ms",
        "p95_ms",
    }
    assert set(report["by_language"]) == {"en"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_eval_command_refuses_a_bad_file_without_traceback(tmp_path: Path, cli_env: dict[str, str]) -> None:
    from bot.cli import main

    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "x"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(questions)], env=cli_env)
    assert result.exit_code == 2
    assert "line 1" in result.output and "missing question" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("extra, expected", [
    (["--json", "{tmp}"], "is a folder"),  # IsADirectoryError after the whole run (sweep of 2026-12-03)
    (["--json", "{tmp}/q.jsonl/out.json"], "is not a folder"),  # under a file: FileNotFoundError after the run
    (["--plot", "{tmp}/plot.txt"], "must end in a picture type"),  # matplotlib's ValueError after the run
])
def test_eval_refuses_an_output_it_cannot_write_before_the_run(tmp_path: Path, cli_env: dict[str, str],
                                                               extra: list[str], expected: str) -> None:
    pytest.importorskip("matplotlib")
    from bot.cli import main

    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in SMALL_SET), encoding="utf-8")
    args = ["eval", str(questions), *(a.format(tmp=tmp_path) for a in extra)]
    result = CliRunner().invoke(main, args, env=cli_env)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output
    assert "citebot eval: totals" not in result.output  # refused before any question was asked


@pytest.mark.parametrize("content, expected", [
    (b'\xff\xfe{"id": "a", "question": "x"}\n', "is not UTF-8 text"),  # a traceback (sweep of 2026-12-03)
    (b'{"id": "a", "question": "x", "answerable": "false"}\n', "answerable must be true or false"),  # bool("false")
])
def test_a_question_file_that_cannot_be_read_as_written_is_named(tmp_path: Path, content: bytes,
                                                                  expected: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(content)
    with pytest.raises(QuestionFileError, match=expected):
        load_questions(path)
