"""Fixtures for the LLM tests: one stand-in server and one real engine per backend per session.

An engine loads the embedder, so it is shared; each test scripts the model with `rig.respond(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_llm_servers import Reply
from llm_rig import LLMRig, open_rig


@pytest.fixture(scope="session", params=["openai", "ollama"])
def rig_any(request: pytest.FixtureRequest, built_data_dir: Path) -> Iterator[LLMRig]:
    """Each backend in turn."""
    yield from open_rig(request.param, built_data_dir)


@pytest.fixture
def llm(rig_any: LLMRig) -> LLMRig:
    """The rig for each backend, with a fresh script and request log."""
    rig_any.respond(Reply("OK."))
    return rig_any
