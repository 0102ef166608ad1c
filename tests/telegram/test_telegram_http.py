"""The bot in-process, long polling the Bot API stand-in over real HTTP (the `http_bot` fixture).

Source buttons bound to their chat, flood control waited out within a bound, every reply counted against
the per-user rate limit, photo captions and edited questions answered.
"""

from __future__ import annotations

import logging
import time

import pytest
from fake_bot_api import FakeBotApi, Sent

from bot.prompts import load_prompt
from bot.render import to_html

QUESTION = "What is the H20?"
OTHER_QUESTION = "Who is Lin Qingyuan?"
GROUP = -100456


def answer_in(api: FakeBotApi, chat_id: int, count: int = 1, timeout: float = 30.0) -> Sent:
    """The `count`-th message with source buttons in the chat (an answer), once it has arrived."""
    return api.wait_for(lambda: len(a := [m for m in api.messages_in(chat_id) if m.buttons]) >= count
                        and a[count - 1], timeout)


def settle(api: FakeBotApi, seconds: float = 0.5) -> None:
    """Let anything still in flight arrive (the bot answers updates concurrently)."""
    time.sleep(seconds)


# item 3: source buttons ------------------------------------------------------------------------------
def test_a_source_button_works_only_in_its_own_chat_and_its_key_is_unguessable(http_bot):
    with http_bot(settings={"allowed_users": "301,302"}) as api:
        api.send_text(301, QUESTION)
        in_a = answer_in(api, 301)
        api.send_text(302, OTHER_QUESTION)
        in_b = answer_in(api, 302)
        forged = api.tap(in_b, in_a.buttons[0]["callback_data"], user_id=302)  # A's key, from B's chat
        api.wait_for(lambda: forged in api.callback_answers)
        own = api.tap(in_b, in_b.buttons[0]["callback_data"], user_id=302)
        api.wait_for(lambda: own in api.callback_answers and len(api.messages_in(302)) >= 2)
        settle(api)
        mine = api.tap(in_a, in_a.buttons[0]["callback_data"], user_id=301)  # A's own button still works
        api.wait_for(lambda: mine in api.callback_answers and len(api.messages_in(301)) >= 2)

    assert api.callback_answers[forged]["text"] == load_prompt("telegram_passage_expired")
    answer_b, passage_b = api.messages_in(302)  # B's answer and B's own passage, nothing of A's
    assert passage_b.text.startswith("[1] ") and in_b.buttons[0]["text"][4:12] in passage_b.text
    assert api.messages_in(301)[1].text.startswith("[1] ")
    keys = [b["callback_data"].split(":")[1] for m in (in_a, in_b) for b in m.buttons]
    assert len({k for k in keys}) == 2  # one key per answer, shared by its buttons
    assert all(len(k) >= 16 for k in keys)  # >= 96 random bits (token_urlsafe), not a counter


# item 6: flood control ------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # from PTB's own RetryAfter
def test_six_429s_in_a_row_delay_the_answer_but_never_lose_it(http_bot, engine):
    with http_bot() as api:
        api.fail_next("sendMessage", 429, retry_after=1, times=6)
        started = time.monotonic()
        api.send_text(311, QUESTION)
        answer = answer_in(api, 311, timeout=40)
        elapsed = time.monotonic() - started
        settle(api)

    statuses = [c["status"] for c in api.calls_of("sendMessage") if c["params"].get("chat_id") == 311]
    assert statuses == [429] * 6 + [200]
    assert elapsed >= 6.0  # each retry_after was waited out
    assert [m.html for m in api.messages_in(311)] == [to_html(engine.answer(QUESTION))] == [answer.html]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_a_flood_wait_past_the_bound_is_given_up_loudly_and_no_apology_is_sent(http_bot, caplog):
    caplog.set_level(logging.WARNING)
    with http_bot(settings={"telegram_retry_seconds": 5}) as api:
        api.fail_next("sendMessage", 429, retry_after=60)
        started = time.monotonic()
        api.send_text(312, QUESTION)
        api.wait_for(lambda: [r for r in caplog.records if r.levelno == logging.ERROR], timeout=10)
        gave_up_after = time.monotonic() - started
        settle(api)

    assert gave_up_after < 5  # no point waiting: Telegram asked for more than the bound allows
    calls = [c for c in api.calls_of("sendMessage") if c["params"].get("chat_id") == 312]
    assert [c["status"] for c in calls] == [429]  # the answer was not retried, no apology was tried
    assert api.messages_in(312) == []
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name == "bot.telegram.app" and record.exc_info is None  # one line, no traceback
    assert "60 s" in record.getMessage() and "CITEBOT_TELEGRAM_RETRY_SECONDS" in record.getMessage()


# item 8: the rate limit counts every reply ---------------------------------------------------------
def test_every_reply_counts_against_the_rate_limit_and_a_limited_user_hears_once(http_bot):
    floods = {321: ["/help"] * 12, 322: ["/sources"] * 12, 323: ["why " * 300] * 12,
              324: ["/start", "/nosuchcommand", "/reset", "/ask", "/help", "/sources", QUESTION, QUESTION]}
    with http_bot(settings={"rate_limit_per_minute": 3}) as api:
        for chat, texts in floods.items():
            for text in texts:
                api.send_text(chat, text)
        for chat in floods:
            api.wait_for(lambda c=chat: len(api.messages_in(c)) >= 4, timeout=30)
        settle(api, 1.0)

    for chat in floods:
        replies = api.messages_in(chat)
        assert len(replies) == 4, (chat, [r.text[:40] for r in replies])
        limited = [r for r in replies if "try again in" in r.text]
        assert len(limited) == 1 and "3 messages a minute" in limited[0].text
    assert not any(a[0] == 324 for a in api.actions)  # the two questions came after the limit: never run


def test_a_limited_user_tapping_source_buttons_gets_one_notice_then_silence(http_bot):
    with http_bot(settings={"rate_limit_per_minute": 2}) as api:
        api.send_text(325, QUESTION)
        answer = answer_in(api, 325)
        taps = [api.tap(answer, answer.buttons[0]["callback_data"]) for _ in range(4)]
        api.wait_for(lambda: all(t in api.callback_answers for t in taps))
        settle(api)

    texts = [api.callback_answers[t]["text"] for t in taps]
    assert len(api.messages_in(325)) == 2  # the answer and one passage
    assert sum(1 for t in texts if t and "try again in" in t) == 1
    assert sum(1 for t in texts if not t) == 3  # the passage's own answer, then silent answers (no spinner)


# item 9: captions and edits ------------------------------------------------------------------------
def test_a_photo_caption_is_answered_as_a_question_in_private_and_in_groups(http_bot, engine):
    with http_bot() as api:
        api.send_photo(331, caption=QUESTION)
        in_private = answer_in(api, 331)
        api.send_photo(GROUP, caption=f"@{api.me['username']} {QUESTION}", user_id=332)
        in_group = answer_in(api, GROUP)
        api.send_photo(333)  # no caption: still not a question
        api.wait_for(lambda: api.messages_in(333))

    expected = to_html(engine.answer(QUESTION))
    assert in_private.html == expected and in_group.html == expected
    assert [m.text for m in api.messages_in(333)] == [load_prompt("only_text")]


def test_an_edited_question_is_answered_again_and_help_says_so(http_bot, engine):
    with http_bot() as api:
        asked = api.send_text(341, "What is the capital of Peru?")
        api.wait_for(lambda: api.messages_in(341))
        api.edit_text(asked, QUESTION)
        again = answer_in(api, 341)
        api.send_text(341, "/help")
        api.wait_for(lambda: len(api.messages_in(341)) >= 3)
        settle(api)

    first, second, help_reply = api.messages_in(341)
    assert first.html != second.html
    assert second is again and engine.answer(QUESTION).citations[0].file in second.text
    assert "edit" in help_reply.text.lower() and "caption" in help_reply.text.lower()
