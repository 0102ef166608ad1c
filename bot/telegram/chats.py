"""Each Telegram chat's Conversation, and the lock that answers its questions one at a time, in order.

Kept in a bounded map, least recently used first out: a public bot meets an unbounded number of chats, and
a chat idle long enough to be evicted starts afresh, as after /reset.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.engine import Conversation, Engine

MAX_CHATS = 10_000  # conversations kept; each holds at most history_turns answers (a few kB each)


@dataclass
class Chat:
    """One chat's conversation and its lock."""

    conversation: Conversation
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Chats:
    """chat id -> Chat, creating on first use and evicting the least recently used past `limit`."""

    def __init__(self, engine: Engine, keep: int, limit: int = MAX_CHATS):
        self._engine = engine
        self._keep = keep  # turns per conversation (the front end's history_turns)
        self._limit = limit
        self._chats: OrderedDict[int, Chat] = OrderedDict()

    def get(self, chat_id: int) -> Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = Chat(self._engine.conversation(self._keep))
            while len(self._chats) > self._limit:
                self._chats.popitem(last=False)
        self._chats.move_to_end(chat_id)
        return chat

    def reset(self, chat_id: int) -> None:
        """/reset: this chat's next question starts a new conversation."""
        chat = self._chats.get(chat_id)
        if chat is not None:
            chat.conversation.reset()

    def __len__(self) -> int:
        return len(self._chats)
