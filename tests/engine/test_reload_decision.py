"""One reload decision: the engine's check_index decides before each question; retrieval itself never
looks for a newer index (it used to, a second time per question)."""

from __future__ import annotations

from typing import Any

import pytest


def test_retrieve_leaves_reloading_to_the_engine(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    original = engine.retriever.refresh
    monkeypatch.setattr(engine.retriever, "refresh", lambda force=False: calls.append(force) or original(force))
    assert engine.retriever.retrieve("When did the lighthouse open?").passages
    assert calls == []
    engine.answer("When did the lighthouse open?")
    assert calls == [False]  # check_index, once per question
