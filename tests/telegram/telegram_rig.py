"""Shared pieces of the Telegram tests: an offline request class, bot-subprocess helpers.

Handler tests, in python-telegram-bot's own style: a real Application from `build_application()`, real
engine and index, `Update` objects through `app.process_update`, and a request class that refuses the
network: it answers from the in-memory Bot API stand-in and never opens a socket.

In-process over HTTP (`polling_in_thread`): the real Application long-polls the stand-in served on
127.0.0.1, in a thread with its own event loop, while the test pushes updates and waits for what arrives.

End-to-end tests: the stand-in served over HTTP on 127.0.0.1, and `citebot telegram` as a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fake_bot_api import FakeBotApi, FakeBotApiServer, decode_params
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from tests.conftest import CORPUS, ROOT

TOKEN = "123456789:AAHfakeTokenForCitebotTests_0123456789ab"
OFFLINE_BASE_URL = "http://127.0.0.1:9/bot"  # never contacted: OfflineRequest answers in memory
CITEBOT = str(ROOT / ".venv" / "bin" / "citebot")


class OfflineRequest(BaseRequest):
    """A request class that refuses the network: calls go to an in-memory FakeBotApi, nothing else."""

    def __init__(self, api: FakeBotApi):
        self.api = api

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         **timeouts: Any) -> tuple[int, bytes]:
        if not url.startswith(OFFLINE_BASE_URL):
            raise RuntimeError(f"network access refused: {urlsplit(url).netloc}")
        token, _, api_method = url[len(OFFLINE_BASE_URL):].partition("/")
        params = decode_params(request_data.json_parameters) if request_data else {}
        status, body = self.api.handle(token, api_method, params)
        return status, json.dumps(body).encode()


Scenario = Callable[[Application, FakeBotApi], Awaitable[None]]


async def feed(app: Application, update_id: int, api: FakeBotApi) -> None:
    """Process one update the stand-in holds, the way the Updater would hand it over."""
    await app.process_update(Update.de_json(api.pushed[update_id], app.bot))


# in-process over HTTP -----------------------------------------------------------------------------
@contextmanager
def polling_in_thread(app: Application) -> Iterator[None]:
    """Run `app` long polling its Bot API (its base URL: a FakeBotApiServer) until the block ends."""
    from bot.telegram.app import ALLOWED_UPDATES

    started = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        state["loop"], state["stop"] = asyncio.get_running_loop(), asyncio.Event()
        async with app:
            await app.updater.start_polling(  # the error callback Application.run_polling passes
                poll_interval=0.0, timeout=5, allowed_updates=ALLOWED_UPDATES,
                error_callback=lambda exc: app.create_task(app.process_error(error=exc, update=None)))
            await app.start()
            started.set()
            await state["stop"].wait()
            await app.updater.stop()
            await app.stop()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread below
            state["error"] = exc
        finally:
            started.set()

    thread = threading.Thread(target=run, name="citebot-polling", daemon=True)
    thread.start()
    assert started.wait(60), "the bot did not start polling within 60 s"
    if "error" in state:
        raise state["error"]
    try:
        yield
    finally:
        if "stop" in state:
            state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(timeout=120)
        assert not thread.is_alive(), "the bot did not stop within 120 s"
        if "error" in state:
            raise state["error"]


# end to end ---------------------------------------------------------------------------------------
@dataclass
class BotProcess:
    """`citebot telegram` running against a stand-in; stderr goes to a file the tests can read."""

    proc: subprocess.Popen[bytes]
    api: FakeBotApi
    server: FakeBotApiServer
    data_dir: Path
    corpus: Path
    env: dict[str, str]
    log: Path

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def bot_env(base_url: str, data_dir: Path, corpus: Path, **extra: str) -> dict[str, str]:
    """The environment for a bot subprocess: only loopback, an isolated index, no user .env."""
    ours = ("CITEBOT_", "CHROMA_", "TELEGRAM_", "OPENAI_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(ANONYMIZED_TELEMETRY="False", TELEGRAM_BOT_TOKEN=TOKEN, CITEBOT_TELEGRAM_BASE_URL=base_url,
               CITEBOT_DATA_DIR=str(data_dir), CITEBOT_CORPUS=str(corpus), NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost", **extra)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(var, None)
    return env


def start_bot(tmp: Path, built_data_dir: Path, args: list[str], api: FakeBotApi,
              **extra_env: str) -> BotProcess:
    """Copy the index and corpus, start the stand-in and `citebot -v telegram ARGS` (cwd: a scratch dir)."""
    data_dir, corpus = tmp / "data", tmp / "corpus"
    shutil.copytree(built_data_dir, data_dir)
    shutil.copytree(CORPUS, corpus)
    server = FakeBotApiServer(api).__enter__()
    extra_env.setdefault("CITEBOT_TELEGRAM_BASE_FILE_URL", server.base_file_url)  # documents sent to the bot
    env = bot_env(server.base_url, data_dir, corpus, **extra_env)
    log = tmp / "bot.stderr"
    with log.open("wb") as err:
        proc = subprocess.Popen([CITEBOT, "-v", "telegram", *args], cwd=tmp, env=env, stdout=err,
                                stderr=subprocess.STDOUT)
    return BotProcess(proc, api, server, data_dir, corpus, env, log)


def stop_bot(bot: BotProcess) -> int | None:
    """SIGTERM (PTB shuts down gracefully), then kill if it hangs; stop the stand-in."""
    if bot.proc.poll() is None:
        bot.proc.send_signal(signal.SIGTERM)
        try:
            bot.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.proc.kill()
            bot.proc.wait(timeout=5)
    bot.server.__exit__(None, None, None)
    return bot.proc.returncode


def wait_ready(bot: BotProcess, method: str, timeout: float = 90.0) -> None:
    """Until the bot has called `method` (it is up); fail early with its log if it died."""
    deadline = time.monotonic() + timeout
    while not bot.api.calls_of(method):
        if bot.proc.poll() is not None:
            pytest.fail(f"citebot telegram exited with {bot.proc.returncode}:\n{bot.stderr()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"citebot telegram did not call {method} within {timeout} s:\n{bot.stderr()[-3000:]}")
        time.sleep(0.1)
