"""Helpers for the fault tests: real `citebot` subprocesses and a real `chroma run` server.

Imported by name (`conftest` is ambiguous with several conftest.py files in the tree).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.isolation import CORPUS, ISOLATED_ENV, ROOT, settings_for  # noqa: F401  (settings_for re-exported)

TINY_FILE = "003_beaee59b89498f57.txt"  # the shortest document: its index builds in seconds
_CLEARED = ISOLATED_ENV


def cli_env(data_dir: Path, corpus: Path, **extra: str) -> dict[str, str]:
    """The environment of a `citebot` subprocess: this test's data dir and corpus, nothing inherited."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(
        CITEBOT_DATA_DIR=str(data_dir),
        CITEBOT_CORPUS=str(corpus),
        ANONYMIZED_TELEMETRY="False",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def citebot(args: list[str], env: dict[str, str], cwd: Path, **popen: object) -> subprocess.Popen[str]:
    """Start `citebot ARGS` (python -m bot.cli, so the test needs no console script on PATH)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )  # type: ignore[call-overload]


def run_citebot(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        text=True,
        input=stdin,
        capture_output=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chroma_binary() -> str:
    """The `chroma` CLI next to this interpreter (the virtualenv's), else the one on PATH."""
    local = Path(sys.executable).with_name("chroma")
    return str(local) if local.exists() else (shutil.which("chroma") or "chroma")


@dataclass
class ChromaServer:
    """A `chroma run` subprocess on 127.0.0.1; stop() is always called by the fixture's finalizer."""

    path: Path
    port: int = field(default_factory=free_port)
    log: Path | None = None
    proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        log = open(self.log or os.devnull, "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(
            [
                chroma_binary(),
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=log,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode} (log: {self.log})")
            if self.alive():
                return
            time.sleep(0.2)
        raise RuntimeError(f"chroma run did not answer on port {self.port} within {timeout} s")

    def alive(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): the port stays open but nothing answers, like a hung host."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Terminate the server and wait for it (SIGKILL after 10 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.resume()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def no_traceback(*outputs: str) -> bool:
    return not any("Traceback (most recent call last)" in out for out in outputs)
