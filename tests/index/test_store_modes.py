"""Chroma in both modes: the embedded PersistentClient under the data dir, and a real `chroma run` server
reached through CHROMA_HOST/CHROMA_PORT. Telemetry is off and Chroma's own embedding function (which would
download a model) is never called: citebot hands Chroma its vectors.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from index_helpers import server_settings, settings_for

from index.embed_id import embedder_id
from index.errors import IndexUnavailable
from index.ingest import build_index


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_chroma(path: Path, log: Path) -> tuple[subprocess.Popen, int]:
    """A `chroma run` on a free 127.0.0.1 port, once its heartbeat answers; retried if the port was taken."""
    chroma = Path(sys.executable).parent / "chroma"
    for _ in range(3):
        port = _free_port()
        proc = subprocess.Popen(
            [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as reply:
                    if reply.status == 200 and proc.poll() is None:
                        return proc, port
            except OSError:
                time.sleep(0.2)
        _stop(proc)
    raise RuntimeError(f"chroma run did not start: {log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """(port, server data folder) of a Chroma server that lives for this module's tests."""
    folder = tmp_path_factory.mktemp("chroma-server")
    proc, port = _start_chroma(folder / "db", folder / "server.log")
    try:
        yield port, folder / "db"
    finally:
        _stop(proc)


@pytest.fixture
def no_network_no_default_embedder(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Refuse every connection except to 127.0.0.1, and make Chroma's default embedder explode."""
    from chromadb.api.types import DefaultEmbeddingFunction
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    attempts: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family == socket.AF_UNIX or (
            isinstance(address, tuple) and str(address[0]).startswith("127.")
        ):
            return real_connect(self, address)
        attempts.append(address)
        raise OSError("network unreachable (test)")

    def explode(*args: object, **kwargs: object) -> None:
        raise AssertionError("Chroma's default embedding function was used")

    monkeypatch.setattr(socket.socket, "connect", connect)
    for cls in (DefaultEmbeddingFunction, ONNXMiniLM_L6_V2):
        monkeypatch.setattr(cls, "__call__", explode)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "_download_model_if_not_exists", explode)
    return attempts


def _client_settings(settings: Any) -> Any:
    from index.store import Store

    return Store(settings)._client.get_settings()


def test_embedded_store_lives_under_the_data_dir(
    small_corpus: Path, tmp_path: Path, no_network_no_default_embedder: list[object]
) -> None:
    from index.retrieve import Retriever

    settings = settings_for(tmp_path / "data", small_corpus)
    assert not settings.server_mode
    report = build_index(settings)
    assert report.location == f"embedded Chroma at {tmp_path / 'data' / 'chroma'}"
    assert (tmp_path / "data" / "chroma" / "chroma.sqlite3").is_file()
    hits = Retriever(settings).retrieve("How many gales hit the northern coast in 1911?", k=2).passages
    assert hits[0].file == "notes/lighthouse.txt"
    assert _client_settings(settings).anonymized_telemetry is False
    assert no_network_no_default_embedder == []  # no connection attempted (telemetry, model download)


def test_server_mode_indexes_incrementally_and_answers(
    chroma_server: tuple[int, Path],
    small_corpus: Path,
    tmp_path: Path,
    no_network_no_default_embedder: list[object],
) -> None:
    from index.retrieve import Retriever

    port, server_db = chroma_server
    settings = server_settings(tmp_path / "data", small_corpus, "127.0.0.1", port)
    assert settings.server_mode
    report = build_index(settings)
    assert report.location == f"Chroma server http://127.0.0.1:{port}"
    assert len(report.added) == 3 and report.embedded_texts > 0
    assert not (tmp_path / "data" / "chroma").exists()  # nothing went to an embedded store
    assert (server_db / "chroma.sqlite3").is_file()

    again = build_index(settings)
    assert (again.unchanged, again.embedded_texts) == (report.added, 0)
    write_text = small_corpus / "sepeda.md"
    write_text.write_text("Jembatan gantung baru di kota itu dibuka untuk pejalan kaki pada bulan Mei.\n")
    changed = build_index(settings)
    assert changed.updated == ["sepeda.md"] and changed.unchanged == ["fabrica.txt", "notes/lighthouse.txt"]

    retriever = Retriever(settings)
    assert retriever.location == report.location
    assert retriever.manifest.embed_model.startswith("intfloat/multilingual-e5-small")
    hits = retriever.retrieve("Kapan jembatan gantung dibuka?", k=2).passages
    assert hits[0].file == "sepeda.md" and "Mei" in hits[0].text
    other = retriever.retrieve("Kapan jembatan gantung dibuka?", k=2, language="id").other_language_hits
    assert other and all(s.language != "id" for s in other)  # the server applies the language filter too
    from index.store import HNSW, Store

    store = Store(settings)
    store.open(create=False)
    assert {k: store.graph_settings().get(k) for k in HNSW} == HNSW  # and builds the graph as configured
    assert _client_settings(settings).anonymized_telemetry is False
    assert no_network_no_default_embedder == []

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(port), CITEBOT_DATA_DIR=str(tmp_path / "data"))
    shown = subprocess.run(
        [str(Path(sys.executable).parent / "citebot"), "sources"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert f"3 documents in Chroma server http://127.0.0.1:{port}" in shown.stdout
    assert f"embedding model: {embedder_id()}" in shown.stdout


def test_unreachable_server_is_a_clear_error(small_corpus: Path, tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    settings = server_settings(tmp_path / "data", small_corpus, "127.0.0.1", port)
    with pytest.raises(IndexUnavailable, match=f"Chroma server http://127.0.0.1:{port} is not reachable"):
        build_index(settings)
