"""bot/telegram/documents.py, without a bot: names of unnamed files, the size refusal, confirmation keys."""

from __future__ import annotations

import time

from telegram import Message

from bot.telegram.documents import Confirmations, Pending, sent_name, too_big


def document_message(**document: object) -> Message:
    data = {"message_id": 5, "date": int(time.time()), "chat": {"id": 1, "type": "private"},
            "document": {"file_id": "f", "file_unique_id": "u", **document}}
    return Message.de_json(data, None)


def test_a_file_sent_without_a_name_is_named_from_its_type() -> None:
    assert sent_name(document_message(file_name="r.pdf", mime_type="application/pdf")) == "r.pdf"
    assert sent_name(document_message(mime_type="application/pdf")) == "document.pdf"
    assert sent_name(document_message(mime_type="text/html")) == "document.html"
    assert sent_name(document_message()) == "document"  # refused later: no supported suffix


def test_the_size_refusal_names_the_limit_and_the_size_when_known() -> None:
    assert too_big(26_214_409) == ("This file (26.2 MB) is larger than the 20 MB that Telegram lets bots "
                                   "download, so I did not add it.")
    assert "(size unknown)" in too_big(0) and "20 MB" in too_big(0)


def test_a_confirmation_opens_only_for_its_chat_and_admin_once_and_not_after_it_expired() -> None:
    confirmations = Confirmations(ttl=60)
    key = confirmations.put(Pending(chat_id=10, user_id=7, name="a.pdf"))
    assert len(key) >= 16  # 128 random bits, like source buttons
    assert confirmations.take(key, chat_id=11, user_id=7) is None  # another chat
    assert confirmations.take(key, chat_id=10, user_id=8) is None  # another user
    assert confirmations.take(key, chat_id=10, user_id=7).name == "a.pdf"
    assert confirmations.take(key, chat_id=10, user_id=7) is None  # used once
    stale = confirmations.put(Pending(chat_id=10, user_id=7, name="b.pdf", at=time.monotonic() - 61))
    assert confirmations.take(stale, chat_id=10, user_id=7) is None
    bounded = Confirmations(capacity=2)
    first = bounded.put(Pending(1, 1, "x"))
    bounded.put(Pending(1, 1, "y"))
    bounded.put(Pending(1, 1, "z"))
    assert bounded.take(first, 1, 1) is None  # the oldest dropped past capacity
