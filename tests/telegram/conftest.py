"""Fixtures for the Telegram front end: `run_bot` (offline, in-process), `http_bot` (in-process, long polling
over HTTP) and `polling_bot` (subprocess)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import FakeBotApi, FakeBotApiServer
from telegram_rig import (
    OFFLINE_BASE_URL,
    TOKEN,
    BotProcess,
    OfflineRequest,
    Scenario,
    polling_in_thread,
    start_bot,
    stop_bot,
    wait_ready,
)

from tests.conftest import make_settings


@pytest.fixture
def run_bot(engine: Any, built_data_dir: Path) -> Callable[..., FakeBotApi]:
    """run_bot(scenario, settings={...}, **build_kwargs): run `scenario(app, api)` on an offline bot."""
    from bot.telegram.app import build_application

    def run(scenario: Scenario, settings: dict[str, Any] | None = None, api: FakeBotApi | None = None,
            bot_engine: Any = None, **build_kwargs: Any) -> FakeBotApi:
        api = api or FakeBotApi(TOKEN)
        config = make_settings(built_data_dir, telegram_base_url=OFFLINE_BASE_URL, **(settings or {}))

        async def main() -> None:
            app = build_application(bot_engine or engine, config, TOKEN, request=OfflineRequest(api),
                                    **build_kwargs)
            async with app:
                await scenario(app, api)

        asyncio.run(asyncio.wait_for(main(), timeout=60))
        return api

    return run


@pytest.fixture
def http_bot(engine: Any, built_data_dir: Path) -> Callable[..., AbstractContextManager[FakeBotApi]]:
    """`with http_bot(settings={...}) as api:` the real Application long-polls the stand-in over HTTP."""
    from bot.telegram.app import build_application

    @contextmanager
    def run(settings: dict[str, Any] | None = None, api: FakeBotApi | None = None, bot_engine: Any = None,
            **build_kwargs: Any) -> Iterator[FakeBotApi]:
        api = api or FakeBotApi(TOKEN)
        with FakeBotApiServer(api) as server:
            config = make_settings(built_data_dir, telegram_base_url=server.base_url, **(settings or {}))
            app = build_application(bot_engine or engine, config, TOKEN, **build_kwargs)
            with polling_in_thread(app):
                yield api

    return run


@pytest.fixture(scope="module")
def polling_bot(tmp_path_factory: pytest.TempPathFactory, built_data_dir: Path) -> Iterator[BotProcess]:
    """One long-polling bot for the e2e module: an allowlist, 3 questions a minute, 500-char messages."""
    allowed = ",".join(str(uid) for uid in range(1001, 1031)) + ",@alice_allowed"
    api = FakeBotApi(TOKEN, message_limit=500)
    bot = start_bot(tmp_path_factory.mktemp("polling-bot"), built_data_dir, ["--message-limit", "500"], api,
                    CITEBOT_ALLOWED_USERS=allowed, CITEBOT_RATE_LIMIT_PER_MINUTE="3")
    try:
        wait_ready(bot, "getUpdates")
        yield bot
    finally:
        stop_bot(bot)

