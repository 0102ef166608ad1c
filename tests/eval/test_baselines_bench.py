"""bench/baselines.py's held-out citebot row answers only xquad-dev's questions: another set's questions have no
article, so no fold could be held out, and the row is left out rather than measured in-sample under its name."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_held_out_row_is_left_out_for_questions_of_another_set(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("baselines", ROOT / "bench" / "baselines.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    questions = [{"id": "p01", "question": "What did ByteDance decide about Nvidia?", "answerable": True}]
    assert module.run_citebot_held_out(tmp_path / "corpus", questions, tmp_path / "data") is None
    assert not any(tmp_path.iterdir())  # nothing indexed
