"""How often would the int8 graph's products saturate on a CPU without VNNI? An emulation, on real activations.

usage: .venv/bin/python bench/embed_int8_saturation.py [--texts 12]

Without VNNI, onnxruntime's x86 u8 x s8 kernels multiply with vpmaddubsw, which adds the products of two
neighbouring k (uint8 activation x int8 weight) into a 16-bit integer, clamped to [-32768, 32767]; with VNNI
(vpdpbusd) the sums are 32-bit and nothing is clamped. This script runs the int8 graph on this machine with
every quantised activation (the uint8 input of each MatMulInteger) as an extra output, forms every
neighbouring pair sum a[2j] w[2j] + a[2j+1] w[2j+1] against the layer's int8 weights in numpy, and counts
those outside the 16-bit range, per layer. It assumes the kernel pairs neighbouring k, as vpmaddubsw over
k-ordered bytes does; it measures how often clamping would occur, not what it does to the vectors.
Texts: German and Romanian paragraphs and sentences, as bench/embed_int8.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=12)
    ap.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "eval" / "xquad-dev" / "raw")
    a = ap.parse_args()

    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from bench.embed_int8 import fitting_texts
    from index.embed_onnx import ensure_graph, open_session
    from index.embed_runtime import OnnxE5

    engine = OnnxE5(1, 1, "int8")
    model = onnx.load(str(ensure_graph(engine.weights, "int8")))
    initialisers = {i.name: i for i in model.graph.initializer}
    matmuls = [n for n in model.graph.node if n.op_type == "MatMulInteger"]
    inputs = sorted({n.input[0] for n in matmuls})
    for name in inputs:
        model.graph.output.append(helper.make_tensor_value_info(name, TensorProto.UINT8, None))
    probe = Path(tempfile.mkdtemp(prefix="citebot-sat-")) / "probe.onnx"
    onnx.save(model, str(probe))
    session = open_session(probe, 2)
    weights = {n.name: numpy_helper.to_array(initialisers[n.input[1]]).astype(np.int32) for n in matmuls}
    vocab = engine.weights.vocab
    texts = fitting_texts(a.raw, a.texts)
    pairs, clamped, largest, per_matmul = 0, 0, 0, dict.fromkeys(weights, 0)
    started = time.perf_counter()
    for text in texts:
        ids = np.concatenate([[vocab.bos], engine.tokenizer.encode_batch([text], False)[0][:510], [vocab.eos]])
        ids = ids.astype(np.int64)[None]
        feed = {"embeddings": engine.weights.word_rows(ids), "mask": np.ones(ids.shape, np.float32)}
        outs = session.run(inputs, feed)
        acts = {name: out.reshape(-1, out.shape[-1]).astype(np.int32) for name, out in zip(inputs, outs, strict=True)}
        for node in matmuls:
            act, w = acts[node.input[0]], weights[node.name]
            a0, a1, w0, w1 = act[:, 0::2], act[:, 1::2], w[0::2], w[1::2]
            for c in range(0, w.shape[1], 128):  # in column blocks: tokens x K/2 x 128 int32 at a time
                s = a0[:, :, None] * w0[None, :, c:c + 128] + a1[:, :, None] * w1[None, :, c:c + 128]
                out = int(((s > 32767) | (s < -32768)).sum())
                pairs, clamped, per_matmul[node.name] = pairs + s.size, clamped + out, per_matmul[node.name] + out
                largest = max(largest, int(np.abs(s).max()))
    print(f"{len(texts)} texts (de, ro); {pairs:.3g} pair sums; outside 16 bits: {clamped} ({clamped / pairs:.2e}); "
          f"largest |pair sum| {largest} (16-bit limit 32767); {time.perf_counter() - started:.0f} s")
    print("| MatMulInteger | pair sums clamped |\n|---|---:|")
    for name, count in sorted(per_matmul.items(), key=lambda kv: -kv[1])[:8]:
        print(f"| {name} | {count} |")


if __name__ == "__main__":
    main()
