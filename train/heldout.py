"""Held-out figures on ../shared/eval/xquad-dev: each question answered by the real engine with ranker
parameters fitted without its article (cross-validation by article, the folds of train/fit.py).

The fold fits are read from train/folds/ while its record is current (train/folds.py, `python -m train.folds`).
Used by bench/xquad_cv.py (prints the figures) and tests/eval/test_xquad_floor.py (CI floors). Scoring
is the judge's own (../shared/eval/score_xquad.py: normalisation, facts, cited files).
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from train.corpus import LANGUAGES, load_raw, slug
from train.fit import FOLDS, Data, folds_of, load
from train.folds import committed, fit_fold

XQUAD = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "xquad-dev"


def judge() -> Any:
    """../shared/eval/score_xquad.py as a module (norm, has, cited)."""
    spec = importlib.util.spec_from_file_location("score_xquad", XQUAD.parent / "score_xquad.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@lru_cache(maxsize=1)
def article_of_questions(languages: tuple[str, ...] = ("en", "es", "de", "ro")) -> dict[str, str]:
    """Question text (whitespace-normalised) -> article slug, from the raw parallel files (read once per
    process; callers do not change the mapping)."""
    out = {}
    titles = [a["title"] for a in load_raw("en")]
    for lang in languages:
        for title, article in zip(titles, load_raw(lang), strict=True):
            for p in article["paragraphs"]:
                for qa in p["qas"]:
                    out[" ".join(qa["question"].split())] = slug(title)
    return out


_FITTED: dict[tuple[str, int], str] = {}  # (training data digest, fold) -> parameters: evaluate and evaluate_small
# run in one process (the CI floor test, benches) read or fit each fold once


def fold_params(data: Data, fold: int, target: Path) -> Path:
    """Write to `target` the parameters fitted on the rows of every article outside `fold` (without the model for
    an index stored without sentence pairs: the evaluated index has them): the committed train/folds/ file while
    its record says a fit would write it now (train/folds.py: the default features, today's fit code and answer
    bounds), else a fit (~16 s)."""
    key = (data.digest, fold)
    if key not in _FITTED:
        text = committed(data, fold)
        _FITTED[key] = text if text is not None else fit_fold(data, fold)
    target.write_text(_FITTED[key], encoding="utf-8")
    return target


@dataclass
class Row:
    kind: str
    lang: str
    answered: bool
    fact: bool = False
    file: bool = False
    chars: int = 0
    ms: float = 0.0
    rank: int | None = None  # 1-based rank of the first passage from an expected file
    article: str = ""  # the question's article (the unit the intervals resample)
    sentence_rank: int | None = None  # the same among the sentence-level dense hits


@dataclass
class Figures:
    rows: list[Row] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        A = [r for r in self.rows if r.kind != "not-in-corpus"]
        U = [r for r in self.rows if r.kind == "not-in-corpus"]

        def mean(values: list[bool]) -> float:
            return round(float(np.mean(values)), 3) if values else float("nan")

        ms = sorted(r.ms for r in self.rows)
        return {
            "facts": mean([r.fact for r in A]),
            "same_lang": mean([r.fact for r in A if r.kind == "same-lang"]),
            "cross_lang": mean([r.fact for r in A if r.kind == "cross-lang"]),
            "files": mean([r.file for r in A]),
            "false_declines": mean([not r.answered for r in A]),
            "declined_unanswerable": mean([not r.answered for r in U]),
            "median_chars": statistics.median(r.chars for r in A) if A else float("nan"),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1) if ms else float("nan"),
            "n": len(self.rows),
        }

    def intervals(self, samples: int = 2000, seed: int = 0, level: float = 0.9) -> dict[str, tuple[float, float]]:
        """`level` bootstrap intervals of the summary's rates, resampling articles with replacement (questions of
        one article succeed and fail together: a not-in-corpus article on a neighbouring subject is answered in
        every question; resampling questions alone would draw intervals too narrow). The indexed and the
        not-in-corpus articles are resampled apart, so every draw has as many of each as the run."""
        articles = sorted({r.article for r in self.rows})
        by_article = {a: [r for r in self.rows if r.article == a] for a in articles}
        strata = [[a for a in articles if all(r.kind == "not-in-corpus" for r in by_article[a]) == absent]
                  for absent in (False, True)]
        rng = np.random.default_rng(seed)
        names = ("facts", "same_lang", "cross_lang", "files", "false_declines", "declined_unanswerable")
        drawn: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(samples):
            picked = [a for stratum in strata if stratum for a in rng.choice(stratum, size=len(stratum))]
            summary = Figures([r for a in picked for r in by_article[a]]).summary()
            for name in names:
                if not np.isnan(summary[name]):
                    drawn[name].append(summary[name])
        tail = (1.0 - level) / 2 * 100
        return {name: (round(float(np.percentile(v, tail)), 3), round(float(np.percentile(v, 100 - tail)), 3))
                for name, v in drawn.items() if v}

    def hits(self) -> dict[str, dict[str, float]]:
        """hit@1/3/8 of the passages and of the sentence-level hits, per kind of answerable question."""
        out = {}
        for kind in ("same-lang", "cross-lang"):
            rows = [r for r in self.rows if r.kind == kind]
            if not rows:
                continue
            out[kind] = {f"{name}@{k}": round(float(np.mean([rank is not None and rank <= k for rank in ranks])), 3)
                         for name, ranks in (("passages", [r.rank for r in rows]),
                                             ("sentences", [r.sentence_rank for r in rows]))
                         for k in (1, 3, 8)}
        return out


def fold_of_questions(data: Data) -> dict[str, int]:
    """Question text (whitespace-normalised, in any of XQuAD's languages) -> the fold of its article under
    `data`'s assignment (train/fit.py: folds_of)."""
    assign = folds_of(data.questions)
    return {text: assign[article] for text, article in article_of_questions().items()}


def _questions_by_fold(features: Path | None) -> tuple[Data, dict[str, int], list[tuple[dict, int]]]:
    """The training data, its article -> fold assignment, and xquad-dev's questions each with the fold of its
    article."""
    data = load(features) if features else load()
    fold = fold_of_questions(data)
    lines = (XQUAD / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    return data, folds_of(data.questions), [(q, fold[" ".join(q["question"].split())]) for q in questions]


def _scored(score: Any, question: dict, answer: dict, kind: str, expected: set[str], ms: float = 0.0) -> Row:
    """The answer (its JSON) to an xquad-dev `question` as the judge scores it: answered with citations, the gold
    fact in the text and an `expected` file cited (when the corpus asked answers it: `expected` not empty)."""
    text = answer["answer"] or ""
    row = Row(kind, question["lang"], bool(answer["answered"]) and bool(answer["citations"]), chars=len(text), ms=ms)
    if expected:
        row.fact = score.has(text, question["expect_facts"][0])
        row.file = bool(score.cited(answer) & expected)
    return row


def evaluate(engine: Any, features: Path | None = None, folds: range = range(FOLDS),
             limit: int = 0, asked_in: str = "") -> Figures:
    """Answer xquad-dev's questions fold by fold, each with parameters fitted without that fold's articles.
    With `asked_in` (an XQuAD language, "ro"), each question is asked in that language instead (the raw files
    are parallel; bench/xquad_asked_in.py): every answerable one is then a cross-language question, and each
    row's `lang` is the language the engine read the question in."""
    from bot.extractive import ExtractiveSynthesizer
    from bot.sentence_lookup import SentenceLookup
    from train.candidates import questions as raw_questions

    score = judge()
    data, _, questions = _questions_by_fold(features)
    article = article_of_questions()
    translated = {" ".join(text.split()): q["text"][asked_in]
                  for q in (raw_questions((asked_in,)) if asked_in else ()) for text in q["text"].values()}
    figures = Figures()
    with tempfile.TemporaryDirectory() as tmp:
        for fold in folds:
            params = fold_params(data, fold, Path(tmp) / f"fold{fold}.json")
            engine.synthesizer = ExtractiveSynthesizer(SentenceLookup(engine.retriever), params=params)
            mine = [q for q, f in questions if f == fold]
            for q in mine[:limit] if limit else mine:
                key = " ".join(q["question"].split())
                with _recording(engine.retriever) as seen:
                    t0 = time.perf_counter()
                    answer = engine.answer(translated[key] if asked_in else q["question"]).to_json()
                    ms = (time.perf_counter() - t0) * 1000
                expected = set(q["expect_files"]) if q["answerable"] else set()
                kind = q["kind"] if not asked_in else "cross-lang" if q["answerable"] else "not-in-corpus"
                row = _scored(score, q, answer, kind, expected, ms)
                row.article = article[key]
                if asked_in:
                    row.lang = answer["language"]
                if expected:
                    row.rank = _first(expected, [p.file for p in seen[0].passages])
                    row.sentence_rank = _first(expected, list(dict.fromkeys(s.file for s in seen[0].sentence_hits)))
                figures.rows.append(row)
    return figures


def evaluate_small(engine: Any, size: int, features: Path | None = None, absent_per_group: int = 40,
                   folds: range = range(FOLDS)) -> Figures:
    """Held-out figures when the corpus is only `size` files of xquad-dev/corpus: each fold's files in groups
    of `size` (a restricted view of the engine's index, BM25 rebuilt over the group), each group asked the
    questions of its articles (same-language when a file of the group is in the question's language, else
    cross-language) and up to `absent_per_group` questions of the fold's other articles and of articles not
    in the corpus, which must be declined. Parameters are fitted without the fold's articles."""
    from bot.extractive import ExtractiveSynthesizer
    from bot.sentence_lookup import SentenceLookup

    score = judge()
    data, assign, questions = _questions_by_fold(features)
    files = sorted(p.name for p in (XQUAD / "corpus").iterdir() if p.suffix == ".txt")
    base, synthesizer = engine.retriever, engine.synthesizer
    figures = Figures()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for fold in folds:
                params = fold_params(data, fold, Path(tmp) / f"fold{fold}.json")
                mine = [q for q, f in questions if f == fold]
                own = [f for f in files if assign[f.split(".")[0]] == fold]
                for g in range(0, len(own), size):
                    group = set(own[g:g + size])
                    engine.retriever = base.restricted(group)
                    engine.synthesizer = ExtractiveSynthesizer(SentenceLookup(engine.retriever), params=params)
                    asked = [q for q in mine if q["answerable"] and set(q["expect_files"]) & group]
                    others = [q for q in mine if not set(q["expect_files"]) & group]
                    step = max(1, len(others) // absent_per_group)
                    for q in asked + others[::step][:absent_per_group]:
                        answer = engine.answer(q["question"]).to_json()
                        held = set(q["expect_files"]) & group
                        kind = ("not-in-corpus" if not held else
                                "same-lang" if any(f.split(".")[1] == q["lang"] for f in held) else "cross-lang")
                        figures.rows.append(_scored(score, q, answer, kind, held))
    finally:
        engine.retriever, engine.synthesizer = base, synthesizer  # not left on the last group's restricted view
    return figures


@contextmanager
def _recording(retriever: Any) -> Iterator[list[Any]]:
    """The Retrievals `retriever.retrieve` returns inside the block (the engine's own, no second search)."""
    seen: list[Any] = []
    original = retriever.retrieve

    def retrieve(*args: Any, **kwargs: Any) -> Any:
        seen.append(original(*args, **kwargs))
        return seen[-1]

    retriever.retrieve = retrieve
    try:
        yield seen
    finally:
        del retriever.retrieve


def _first(expected: set[str], files: list[str]) -> int | None:
    return next((i for i, f in enumerate(files, start=1) if f in expected), None)


__all__ = ["LANGUAGES", "XQUAD", "Figures", "evaluate", "evaluate_small", "fold_params", "judge"]
