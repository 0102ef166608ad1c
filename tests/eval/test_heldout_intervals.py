"""The held-out figures' bootstrap intervals (train/heldout.py: Figures.intervals): articles, not questions, are
the unit resampled, and indexed and not-in-corpus articles are resampled apart."""

from __future__ import annotations

from train.heldout import Figures, Row


def _rows(article: str, kind: str, facts: list[bool], answered: bool = True) -> list[Row]:
    return [Row(kind, "en", answered, fact=f, file=True, chars=100, article=article) for f in facts]


def test_intervals_resample_articles_and_keep_absent_ones_apart() -> None:
    rows = (_rows("good", "same-lang", [True] * 40) + _rows("bad", "same-lang", [False] * 40)
            + _rows("near", "not-in-corpus", [False] * 10, answered=True)
            + _rows("far", "not-in-corpus", [False] * 10, answered=False))
    figures = Figures(rows)
    assert figures.summary()["facts"] == 0.5 and figures.summary()["declined_unanswerable"] == 0.5
    intervals = figures.intervals(samples=400)
    low, high = intervals["facts"]
    # two articles: a draw holds both, or one twice; questions resampled alone would stay near 0.5
    assert low == 0.0 and high == 1.0
    assert intervals["declined_unanswerable"] == (0.0, 1.0)
    # every draw has two indexed articles: not-in-corpus rows never count as facts or false declines
    assert intervals["false_declines"] == (0.0, 0.0)


def test_intervals_are_reproducible_and_collapse_when_articles_agree() -> None:
    rows = _rows("a", "same-lang", [True, False] * 10) + _rows("b", "cross-lang", [True, False] * 10)
    figures = Figures(rows)
    assert figures.intervals(samples=200, seed=3) == figures.intervals(samples=200, seed=3)
    assert figures.intervals(samples=200)["facts"] == (0.5, 0.5)
