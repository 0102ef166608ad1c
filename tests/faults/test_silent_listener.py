"""CHROMA_HOST/CHROMA_PORT point at a listener that accepts connections and never replies.

Every command that opens the store must give up within a bound and say "index unavailable", instead
of hanging at start in the Chroma client's constructor (whose requests have no timeout of their own).
The listener is a plain TCP socket: no stand-in for Chroma is needed to reproduce a hung peer.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_rig import CORPUS, cli_env, no_traceback, run_citebot

BOUND_S = 15.0


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port whose listener accepts every connection, reads nothing and answers nothing."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


@pytest.mark.parametrize("args", [["ask", "Who is Lin Qingyuan?"], ["sources"], ["index"]], ids=" ".join)
def test_command_gives_up_on_a_silent_server_within_the_bound(args: list[str], silent_port: int,
                                                               tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", CORPUS, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(silent_port))
    started = time.perf_counter()
    result = run_citebot(args, env, tmp_path, timeout=60)
    seconds = time.perf_counter() - started
    assert result.returncode != 0
    assert "index unavailable" in result.stderr and str(silent_port) in result.stderr, result.stderr
    assert no_traceback(result.stdout, result.stderr)
    assert seconds < BOUND_S, f"took {seconds:.1f} s"
