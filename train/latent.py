"""Each training candidate's latent-term cover of its question (index/latent_terms.py), the calibrator's last input.

train/candidates.py computes the column as it gathers the candidates. `python -m train.latent` adds or refreshes it
in an existing train/features.npz from the training index (train/corpus.py's), without asking the questions again:
a candidate is its file and sentence position, so its text is read back from the index. Both use `LatentCovers`,
on the engine and precision the other features were computed with.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from train.corpus import TRAINING_PRECISION, WORK

HERE = Path(__file__).resolve().parent
BATCH = 64  # texts per call: the runtime's threads share them


class LatentCovers:
    """Latent-term codes by text (each computed once) and the cover of a question by a sentence."""

    def __init__(self, embedder: Any):
        self.embedder = embedder
        self._codes: dict[str, Any] = {}

    def prefetch(self, texts: Iterable[str]) -> None:
        missing = list(dict.fromkeys(t for t in texts if t not in self._codes))
        for i in range(0, len(missing), BATCH):
            batch = missing[i:i + BATCH]
            self._codes.update(zip(batch, self.embedder.latent_codes(batch), strict=True))

    def cover(self, question: str, sentence: str) -> float:
        from index.latent_terms import overlap

        self.prefetch((question, sentence))
        return overlap(self._codes[question], self._codes[sentence])[1]


def column(features: Path, work: Path = WORK) -> np.ndarray:
    """The latent_cover column of `features` (one value per candidate row), read from the index under `work`."""
    from index.retrieve import Retriever
    from tests.isolation import settings_for

    z = np.load(features)
    questions = json.loads(str(z["questions"]))
    files = [str(f) for f in z["files"]]
    retriever = Retriever(settings_for(work / "data", work / "corpus", embed_precision=TRAINING_PRECISION))
    texts: dict[tuple[int, int], str] = {}
    for fi in sorted(set(z["file_index"].tolist())):
        for s in retriever.document_sentences(retriever.manifest.files[files[fi]].doc_key):
            texts[(fi, s.position)] = s.text
    covers = LatentCovers(retriever.embedder)
    covers.prefetch([q["question"] for q in questions] + list(texts.values()))
    return np.asarray([covers.cover(questions[q]["question"], texts[(f, p)])
                       for q, f, p in zip(z["q"].tolist(), z["file_index"].tolist(), z["position"].tolist(),
                                          strict=True)], dtype=np.float32)


def main() -> None:
    from train.fit import FEATURES_FILE

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--features", type=Path, default=FEATURES_FILE)
    ap.add_argument("--work", type=Path, default=WORK)
    a = ap.parse_args()
    t0 = time.time()
    values = column(a.features, a.work)
    arrays = dict(np.load(a.features))
    arrays["latent_cover"] = values
    np.savez_compressed(a.features, **arrays)
    digest = hashlib.sha256(a.features.read_bytes()).hexdigest()[:16]
    print(f"wrote latent_cover of {len(values)} candidates to {a.features} in {time.time() - t0:.0f} s, "
          f"sha256 {digest}")


if __name__ == "__main__":
    main()
