"""tiktoken works with the network unreachable, through llama-index-core's bundled cache.

A subprocess refuses every socket connection and points proxies at a closed port; tiktoken's own default
cache is an empty folder. It must still encode with cl100k_base, read from llama-index's cache folder,
and chunk a document (Punkt sentence models come from llama-index's bundled nltk cache too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from index_helpers import ROOT

SCRIPT = r"""
import json, os, socket, sys

def refuse(*args, **kwargs):
    raise OSError("network unreachable (test)")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import tiktoken.load
seen = []
original = tiktoken.load.read_file_cached
def spy(blobpath, expected_hash=None):
    seen.append(os.environ.get("TIKTOKEN_CACHE_DIR"))
    return original(blobpath, expected_hash)
tiktoken.load.read_file_cached = spy

from pathlib import Path
from index.chunk import chunk_document, tiktoken_counter
from index.load import load_document

tokens = tiktoken_counter()("hello world")
corpus = Path(sys.argv[1])
doc = load_document(corpus / "004_93b1566d212200ce.txt", corpus, ("en",))
chunks = chunk_document(doc, 192, 32, lambda text: 100)

# the blocker is real: an encoding that is in no cache cannot be fetched
try:
    tiktoken.get_encoding("r50k_base")
    fetched = True
except Exception as exc:
    fetched = False
print(json.dumps({"tokens": tokens, "cache_dirs": seen, "chunks": len(chunks), "fetched": fetched}))
"""


def test_tiktoken_encodes_offline_from_llama_index_cache(tmp_path: Path) -> None:
    import llama_index.core

    bundled = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
    empty_tmp = tmp_path / "tmp"
    empty_tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")}
    closed = "http://127.0.0.1:9"
    env.update(
        HTTP_PROXY=closed,
        HTTPS_PROXY=closed,
        http_proxy=closed,
        https_proxy=closed,
        NO_PROXY="",
        TMPDIR=str(empty_tmp),
        HOME=str(tmp_path),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "corpus")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["tokens"] == [15339, 1917]  # "hello world" in cl100k_base
    assert Path(result["cache_dirs"][0]) == bundled  # cl100k_base was read from llama-index's folder
    assert result["chunks"] >= 2
    assert result["fetched"] is False
    assert not (empty_tmp / "data-gym-cache").exists() or not any((empty_tmp / "data-gym-cache").iterdir())
