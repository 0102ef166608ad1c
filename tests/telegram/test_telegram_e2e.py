"""End to end over real HTTP: `citebot telegram` (long polling) as a subprocess against the Bot API stand-in.

One bot process serves the whole module (see the `polling_bot` fixture): users 1001-1030 and @alice_allowed
are allowed, each may ask 3 questions a minute, and messages are split at 500 characters (lowered from
Telegram's 4096 so that an ordinary cited answer exercises splitting; the stand-in enforces the same limit).
"""

from __future__ import annotations

import subprocess
import time

from fake_bot_api import Sent
from telegram_rig import CITEBOT, TOKEN, BotProcess, stop_bot

from bot.prompts import load_prompt

NEW_DOCUMENT = ("The Zorblax lighthouse on Vellmar Island was painted teal in 1987 by the harbour guild. "
                "Its lamp can be seen from forty kilometres away on a clear night.\n")
NEW_QUESTION = "What colour was the Zorblax lighthouse on Vellmar Island painted?"
ASKED: list[str] = []  # every question text sent, to check none reaches the INFO log


def ask(bot: BotProcess, chat_id: int, text: str, **kwargs: object) -> int:
    ASKED.append(text)
    return bot.api.send_text(chat_id, text, **kwargs)


def answer_parts(bot: BotProcess, chat_id: int, timeout: float = 20.0) -> list[Sent]:
    """The parts of the (single) reply in `chat_id`: wait for the part that carries the source buttons."""
    return bot.api.wait_for(lambda: (m := bot.api.messages_in(chat_id)) and m[-1].reply_markup and m, timeout)


def test_startup_registers_the_command_menu_and_polls(polling_bot: BotProcess):
    api = polling_bot.api
    assert [c["command"] for c in api.commands] == ["start", "help", "sources", "reset", "ask"]
    methods = [c["method"] for c in api.calls]
    assert methods.index("getMe") < methods.index("setMyCommands") < methods.index("getUpdates")
    assert "deleteWebhook" in methods


def test_a_question_gets_a_cited_answer_and_a_button_shows_the_passage(polling_bot: BotProcess):
    api = polling_bot.api
    ask(polling_bot, 1001, "What is the H20?")
    parts = answer_parts(polling_bot, 1001)
    text = "\n\n".join(p.text for p in parts)
    assert "[1]" in text and "004_93b1566d212200ce.txt" in text
    assert all(p.reply_markup is None for p in parts[:-1])
    button = parts[-1].buttons[0]
    assert button["text"].startswith("[1]")
    query_id = api.tap(parts[-1], button["callback_data"], user_id=1001)
    api.wait_for(lambda: query_id in api.callback_answers)
    shown = api.wait_for(lambda: (text := " ".join(m.text for m in api.messages_in(1001)[len(parts):]))
                         and len(text) > 400 and "H20" in text and text)  # the whole passage, split at 500
    assert shown.startswith("[1] ") and "H20" in shown


def test_a_long_reply_is_split_into_valid_messages_at_paragraphs(polling_bot: BotProcess):
    # a question with a long cited reply (the quotes are no longer repeated under the sources, so replies got shorter)
    ask(polling_bot, 1002, "How many Ascend 910B chips did ByteDance order and what is ByteDance's strategy?")
    parts = answer_parts(polling_bot, 1002)
    assert len(parts) >= 2
    assert all(len(p.text) <= 500 for p in parts)  # the stand-in parsed each one as Telegram HTML
    assert not parts[0].text.startswith("[1]") and "[1]" in parts[0].text  # the answer first, with markers
    # cut between paragraphs: the answer's sentences, a quote block or a (bold) source line
    assert all(p.html.endswith(("</blockquote>", ".", "]", "</b>")) for p in parts), [p.html[-60:] for p in parts]
    assert sum(p.text.count(".txt (") for p in parts) >= 2  # the numbered sources follow


def test_users_outside_the_allowlist_get_one_short_refusal(polling_bot: BotProcess):
    api = polling_bot.api
    ask(polling_bot, 666, "What is the H20?")
    ask(polling_bot, 666, "Tell me about the Ascend chips")
    ask(polling_bot, 4242, "Who is Lin Qingyuan?", username="Alice_Allowed")
    answer_parts(polling_bot, 4242)  # the allowed one is answered...
    time.sleep(1.0)  # ...and both refused questions have long been handled
    [refusal] = api.messages_in(666)
    assert refusal.text == load_prompt("not_allowed")
    assert not any(a[0] == 666 for a in api.actions)


def test_rate_limit_reply_says_when_to_retry(polling_bot: BotProcess):
    api = polling_bot.api
    for i in range(4):
        ask(polling_bot, 1003, f"Who is Lin Qingyuan? ({i})")
    replies = api.wait_for(lambda: len(m := api.messages_in(1003)) >= 4 and m, timeout=30)
    time.sleep(0.5)
    replies = api.messages_in(1003)
    limited = [r for r in replies if "try again in" in r.text]
    assert len(limited) == 1 and "3 messages a minute" in limited[0].text
    assert len([r for r in replies if r.buttons]) == 3


def test_recovers_after_429_with_retry_after(polling_bot: BotProcess):
    api = polling_bot.api
    api.fail_next("sendMessage", 429, retry_after=2)
    ask(polling_bot, 1004, "Who is Lin Qingyuan?")
    answer_parts(polling_bot, 1004, timeout=30)
    calls = [c for c in api.calls_of("sendMessage") if c["params"].get("chat_id") == 1004]
    assert [c["status"] for c in calls][:2] == [429, 200]
    assert calls[1]["at"] - calls[0]["at"] >= 2.0


def test_twenty_chats_asking_at_once_are_all_answered(polling_bot: BotProcess):
    api = polling_bot.api
    questions = ["What is the H20?", "Who is Lin Qingyuan?", "Who bought the Ascend chips?",
                 "How much did Nvidia make in China?", "Why is DeepSeek training slow?"]
    chats = range(1010, 1030)
    started = time.monotonic()
    for i, chat in enumerate(chats):
        ask(polling_bot, chat, questions[i % len(questions)])
    api.wait_for(lambda: all((m := api.messages_in(c)) and m[-1].reply_markup for c in chats), timeout=60)
    elapsed = time.monotonic() - started
    assert all("[1]" in api.messages_in(c)[0].text for c in chats)
    assert elapsed < 30, elapsed


def test_a_new_index_from_another_process_is_used_within_10_seconds(polling_bot: BotProcess):
    api = polling_bot.api
    ask(polling_bot, 1005, NEW_QUESTION)
    before = api.wait_for(lambda: api.messages_in(1005), timeout=20)
    assert "zorblax.txt" not in before[-1].text
    (polling_bot.corpus / "zorblax.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    index = subprocess.run([CITEBOT, "index"], env=polling_bot.env, capture_output=True, text=True,
                           timeout=120)
    assert index.returncode == 0, index.stderr[-2000:]
    assert "1 added" in index.stderr
    indexed = time.monotonic()
    switched = ("now answering from the new index", "switched to index")
    while not any(line in polling_bot.stderr() for line in switched):
        assert time.monotonic() - indexed < 10, "the bot did not pick up the new index within 10 s"
        time.sleep(0.2)
    ask(polling_bot, 1006, NEW_QUESTION)
    parts = answer_parts(polling_bot, 1006)
    assert "zorblax.txt" in parts[-1].text and "teal" in parts[0].text


def test_a_bot_api_outage_logs_one_warning_line_per_failed_poll_and_one_info_when_back(polling_bot: BotProcess):
    seen = len(polling_bot.stderr())
    polling_bot.server.go_down()  # connections refused, the long poll in flight cut
    time.sleep(8.0)  # PTB retries after 1, 1.5, 2.25, 3.4 s...: about 4 failed polls
    polling_bot.server.come_back()
    ask(polling_bot, 1007, "Who is Lin Qingyuan?")
    answer_parts(polling_bot, 1007, timeout=30)  # polling resumed on its own
    lines = polling_bot.stderr()[seen:].splitlines()
    warnings = [line for line in lines if " WARNING " in line]
    assert 3 <= len(warnings) <= 8, lines
    assert all("bot.telegram.app: Bot API unreachable while polling" in line for line in warnings), warnings
    assert not [line for line in lines if " ERROR " in line or " CRITICAL " in line], lines
    assert "Traceback" not in "\n".join(lines)
    assert all(line[:4].isdigit() for line in lines), lines  # every entry is one line
    [back] = [line for line in lines if " INFO bot.telegram.app: Bot API reachable again" in line]
    assert f"after {len(warnings)} failed polls" in back


def test_a_forged_button_number_and_a_failed_callback_answer_lose_nothing(polling_bot: BotProcess):
    """The sweep of 2026-12-03: "p:KEY:²" passed `isdigit()` and failed `int()`, an ERROR traceback and "something
    went wrong"; it now gets the same "no longer available" as any forged key. And a source button tapped when
    Telegram refuses to answer its callback query ("query is too old", after a restart or a backlog) lost the
    passage: answering only stops the spinner, so the passage is sent anyway."""
    api = polling_bot.api
    logged = len(polling_bot.stderr())
    ask(polling_bot, 1005, "What is the H20?")
    parts = answer_parts(polling_bot, 1005)
    data = parts[-1].buttons[0]["callback_data"]
    # other users of the allowlist tap (the fixture allows 3 replies a minute per user)
    forged = api.tap(parts[-1], data[:-1] + "²", user_id=1008)
    api.wait_for(lambda: forged in api.callback_answers)
    assert api.callback_answers[forged]["text"] == load_prompt("telegram_passage_expired")
    api.fail_next("answerCallbackQuery", 400,
                  description="Bad Request: query is too old and response timeout expired or query ID is invalid")
    api.tap(parts[-1], data, user_id=1009)
    shown = api.wait_for(lambda: (text := " ".join(m.text for m in api.messages_in(1005)[len(parts):]))
                         and len(text) > 400 and "H20" in text and text)  # the whole passage, split at 500
    assert shown.startswith("[1] ")
    since = polling_bot.stderr()[logged:]
    assert "ValueError" not in since and "BadRequest" not in since and "Traceback" not in since, since


def test_unknown_button_data_is_answered_and_a_blocked_user_is_one_info_line(polling_bot: BotProcess):
    """Callback data no handler knows went unanswered (the client's spinner ran on); a reply to a user who blocked
    the bot (403) was an ERROR with a 60-line traceback, for a routine event (sweep of 2026-12-03)."""
    api = polling_bot.api
    ask(polling_bot, 1006, "What is the H20?")
    parts = answer_parts(polling_bot, 1006)
    query = api.tap(parts[-1], "x:y", user_id=1011)
    api.wait_for(lambda: query in api.callback_answers)
    assert api.callback_answers[query]["text"] == load_prompt("telegram_passage_expired")
    api.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    ask(polling_bot, 1007, "Who is Lin Qingyuan?")
    line = api.wait_for(lambda: next((x for x in polling_bot.stderr().splitlines() if "blocked the bot" in x), None))
    assert " INFO bot.telegram.app: " in line
    lines = polling_bot.stderr().splitlines()
    after = lines[lines.index(line) + 1:]
    assert not after or not after[0].startswith("Traceback"), after[:3]


def test_shutdown_is_graceful_and_logs_hold_no_token_or_questions(polling_bot: BotProcess):
    assert stop_bot(polling_bot) == 0
    log = polling_bot.stderr()
    assert "Telegram bot @citebot_test_bot starting (long polling" in log  # it did log at INFO
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert not [q for q in ASKED if q in log]
