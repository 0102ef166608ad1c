"""Helpers shared by the LLM tests: settings for a backend at a stand-in, and the rig holding both."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fake_llm_servers import FakeOllama, FakeOpenAI, FakeServer, Reply

TIMEOUT = 10.0  # seconds: generous, so a loaded test machine never turns a good reply into a fallback
HANG_TIMEOUT = 1.5  # the timeout cases use this one, and wait it out
TOP_K = 3  # three numbered sources, so "[7]" names none
API_KEY = "sk-test-not-a-real-key-1234"
SERVERS = {"openai": FakeOpenAI, "ollama": FakeOllama}
MARKERS = re.compile(r"\[(\d+)\]")


def make_settings(data_dir: Path, **overrides: Any) -> Any:
    """tests/conftest.py's make_settings (loaded by path: every conftest module is named "conftest")."""
    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("citebot_tests_root_conftest", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_settings(data_dir, **overrides)


def llm_settings(data_dir: Path, backend: str, url: str, **overrides: Any) -> Any:
    """Settings selecting `backend` at `url` (the stand-in's base URL)."""
    endpoint = ({"openai_base_url": f"{url}/v1", "openai_api_key": API_KEY} if backend == "openai"
                else {"ollama_host": url})
    values: dict[str, Any] = {"llm": backend, "llm_model": "fake-model", "llm_timeout": TIMEOUT,
                              "top_k": TOP_K, **endpoint}
    values.update(overrides)
    return make_settings(data_dir, **values)


@dataclass
class LLMRig:
    """A backend's stand-in server and a real engine whose LLM client talks to it."""

    backend: str
    server: FakeServer
    engine: Any

    def respond(self, responder: Callable[[dict[str, Any]], Reply] | Reply) -> None:
        """Script the model: a fixed Reply, or a function of the request body."""
        self.server.responder = responder if callable(responder) else (lambda body: responder)
        self.server.requests.clear()

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.server.requests]


def open_rig(backend: str, data_dir: Path) -> Iterator[LLMRig]:
    """Start the stand-in for `backend` and an engine pointed at it; stop the server afterwards."""
    from bot.engine import Engine

    with SERVERS[backend]() as server:
        engine = Engine(llm_settings(data_dir, backend, server.url), build_if_missing=False)
        yield LLMRig(backend, server, engine)


def assert_cited(answer: Any) -> None:
    """Every marker in the text names a citation, every citation is used, numbered 1..n."""
    shown = {int(n) for n in MARKERS.findall(answer.text)}
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert shown == set(numbers), (answer.text, numbers)
    assert answer.answered and answer.citations
    for c in answer.citations:
        assert c.file and c.language and c.location and c.quote.strip()
        assert " ".join(c.quote.split()) in " ".join(c.passage.split()), "quotes are verbatim document text"
