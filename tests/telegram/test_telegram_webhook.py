"""Webhook mode end to end: `citebot telegram --webhook-url ...` registers its webhook with a secret token at
the stand-in, serves updates POSTed to it over HTTP, and answers through the Bot API."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_bot_api import FakeBotApi
from telegram_rig import TOKEN, BotProcess, start_bot, stop_bot, wait_ready


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def webhook_bot(tmp_path_factory: pytest.TempPathFactory, built_data_dir: Path) -> Iterator[BotProcess]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/citebot-hook"
    bot = start_bot(tmp_path_factory.mktemp("webhook-bot"), built_data_dir,
                    ["--webhook-url", url, "--listen", "127.0.0.1", "--port", str(port)], FakeBotApi(TOKEN))
    try:
        wait_ready(bot, "setWebhook")  # PTB registers the webhook first, then starts serving
        wait_listening(port)
        yield bot
    finally:
        stop_bot(bot)


def wait_listening(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def post_update(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_webhook_mode_answers_updates_posted_with_the_secret_and_refuses_others(webhook_bot: BotProcess):
    api = webhook_bot.api
    hook = api.webhook
    assert hook is not None and hook["url"].endswith("/citebot-hook")
    assert hook["secret_token"] and len(hook["secret_token"]) >= 32
    assert set(hook["allowed_updates"]) == {"message", "edited_message", "callback_query"}

    forged = api.pushed[api.send_text(2001, "What is the H20?", queue=False)]
    assert post_update(hook["url"], forged, secret=None) == 403
    assert post_update(hook["url"], forged, secret="not-the-secret") == 403

    update = api.pushed[api.send_text(2002, "What is the H20?", queue=False)]
    assert post_update(hook["url"], update, secret=hook["secret_token"]) == 200
    reply = api.wait_for(lambda: api.messages_in(2002), timeout=20)[0]
    assert "[1]" in reply.text and reply.buttons
    assert api.messages_in(2001) == []
    assert not api.calls_of("getUpdates")

    assert stop_bot(webhook_bot) == 0
    log = webhook_bot.stderr()
    assert hook["secret_token"] not in log and TOKEN not in log
