"""Helpers for driving `citebot chat` as a user would: through a pipe, or on a pseudo-terminal.

The pseudo-terminal helper is a small stand-in for pexpect (stdlib `pty` only): it answers the
terminal's cursor-position queries the way a real terminal does, strips escape codes from what it
reads, and bounds every wait.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
_SCRIPT = Path(sys.executable).parent / "citebot"
CITEBOT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, modes
                      r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: window title
                      r"|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
_CPR_QUERY = b"\x1b[6n"
# Variables that would point a test at a Chroma server, an LLM or Telegram instead of the local index.
_FOREIGN = ("CHROMA_HOST", "CHROMA_PORT", "CITEBOT_LLM", "CITEBOT_CHROMA_HOST", "CITEBOT_CHROMA_PORT",
            "TELEGRAM_BOT_TOKEN", "OPENAI_BASE_URL", "OPENAI_API_KEY", "NO_COLOR", "FORCE_COLOR", "COLUMNS")


def citebot_env(data_dir: Path, corpus: Path = CORPUS) -> dict[str, str]:
    """The environment of a `citebot chat` over `data_dir` and `corpus`, and no server, LLM or bot."""
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
    env.update(CITEBOT_DATA_DIR=str(data_dir), CITEBOT_CORPUS=str(corpus), ANONYMIZED_TELEMETRY="False",
               PYTHONUNBUFFERED="1")
    return env


def run_piped(lines: Sequence[str], data_dir: Path, cwd: Path, corpus: Path = CORPUS,
              timeout: float = 90) -> subprocess.CompletedProcess:
    """`citebot chat` with the lines on a pipe; cwd outside the repo so no .env is read."""
    return subprocess.run([*CITEBOT, "chat"], input="".join(f"{line}\n" for line in lines), text=True,
                          capture_output=True, env=citebot_env(data_dir, corpus), cwd=cwd, timeout=timeout)


def strip_escapes(text: str) -> str:
    return _ESCAPES.sub("", text).replace("\r", "")


def _take_controlling_tty() -> None:  # pragma: no cover - runs in the child
    """Make the pty the child's controlling terminal, so Ctrl-C behaves as in a real one."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A process on a pseudo-terminal of `rows` x `cols`: type keys, wait for text to appear."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], cwd: Path, rows: int = 40, cols: int = 120):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**env, "TERM": "xterm-256color"}
        self.proc = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                     start_new_session=True, preexec_fn=_take_controlling_tty, close_fds=True)
        os.close(slave)
        self.fd = master
        self.raw = b""
        self._cpr_answered = 0
        self._pos = 0

    @property
    def text(self) -> str:
        """Everything the process printed so far, without escape codes."""
        return strip_escapes(self.raw.decode("utf-8", "replace"))

    def send(self, data: str) -> None:
        os.write(self.fd, data.encode())

    def _read(self, timeout: float) -> bool:
        """Read what is there within `timeout`; False once the terminal is closed."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: every process on the terminal has exited
            return False
        if not chunk:
            return False
        self.raw += chunk
        for _ in range(self.raw.count(_CPR_QUERY) - self._cpr_answered):
            self.send("\x1b[1;1R")
            self._cpr_answered += 1
        return True

    def expect(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """Wait for `pattern` after the previous match; fail with the output so far."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            text = self.text
            match = regex.search(text, self._pos)
            if match:
                self._pos = match.end()
                return match
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read(min(remaining, 0.2)):
                raise AssertionError(f"no {pattern!r} within {timeout} s; output:\n{text[-3000:]}")

    def settle(self, seconds: float = 0.5) -> None:
        """Read output for a moment (lets the prompt redraw)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._read(0.05):
            pass

    def wait(self, timeout: float = 30) -> int:
        """The exit code, reading output meanwhile so the process never blocks on a full terminal."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout} s; output:\n{self.text[-3000:]}")
            if not self._read(0.1):
                break
        return self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self.fd)
