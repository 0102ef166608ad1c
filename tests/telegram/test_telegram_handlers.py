"""Handler tests in python-telegram-bot's style: Updates through `app.process_update`, no network.

The Application is the real one from `build_application()`, over the session's real engine and index;
the Bot API is the in-memory stand-in (strict about HTML, lengths, callback data), reached through a
request class that refuses the network.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fake_bot_api import FakeBotApi
from telegram_rig import TOKEN, feed

from bot.answer import Answer
from bot.prompts import load_prompt
from bot.render import split_html, to_html

QUESTION = "What is the H20?"
GROUP = -100123


def sent_html(api: FakeBotApi, chat_id: int) -> str:
    return "\n\n".join(s.html for s in api.messages_in(chat_id))


def test_private_question_gets_a_cited_html_answer_with_typing_and_source_buttons(run_bot, engine):
    expected = engine.answer(QUESTION)
    assert expected.answered and expected.citations

    async def scenario(app, api):
        await feed(app, api.send_text(42, QUESTION), api)

    api = run_bot(scenario)
    [reply] = api.messages_in(42)
    assert reply.html == to_html(expected)
    assert f"[1] {expected.citations[0].file}" in reply.text  # numbered source with its file
    assert expected.citations[0].quote[:40] in reply.text
    assert [a for a in api.actions if a[0] == 42][0][1] == "typing"
    assert api.actions[0][2] <= reply.at  # typing shown before the answer arrives
    buttons = reply.buttons
    assert len(buttons) == len(expected.citations)
    assert all(b["callback_data"].startswith("p:") for b in buttons)


def test_a_question_with_markup_is_answered_like_any_other(run_bot, engine):
    """Markup in a question is just text: the engine gets it verbatim, the reply is valid HTML."""
    question = "<b>What</b> is the H20 & <script>?"

    async def scenario(app, api):
        await feed(app, api.send_text(43, question), api)

    api = run_bot(scenario)
    [reply] = api.messages_in(43)
    assert reply.html == to_html(engine.answer(question))


def test_long_reply_is_split_at_paragraphs_with_buttons_under_the_last_part(run_bot, engine):
    expected = engine.answer(QUESTION)
    html = to_html(expected)
    limit = max(len(html) // 2, 200)

    async def scenario(app, api):
        await feed(app, api.send_text(44, QUESTION), api)

    api = run_bot(scenario, api=FakeBotApi(TOKEN, message_limit=limit), message_limit=limit)
    parts = api.messages_in(44)
    assert len(parts) >= 2
    assert [p.html for p in parts] == split_html(html, limit)
    assert all(p.reply_markup is None for p in parts[:-1]) and parts[-1].buttons
    assert parts[0].reply_to is None and all(p.reply_to is None for p in parts[1:])


def test_tapping_a_source_button_shows_the_whole_passage(run_bot, engine):
    expected = engine.answer(QUESTION)
    passage = " ".join(expected.citations[0].passage.split())
    assert len(passage) > len(expected.citations[0].quote)

    async def scenario(app, api):
        await feed(app, api.send_text(45, QUESTION), api)
        answer = api.messages_in(45)[0]
        query_id = api.tap(answer, answer.buttons[0]["callback_data"])
        await feed(app, max(api.pushed), api)
        assert query_id in api.callback_answers
        stale = api.tap(answer, "p:zzz:1")
        await feed(app, max(api.pushed), api)
        assert api.callback_answers[stale]["text"] == load_prompt("telegram_passage_expired")

    api = run_bot(scenario)
    answer, shown = api.messages_in(45)
    assert passage[:200] in shown.text
    assert expected.citations[0].file in shown.text


def test_group_chatter_is_ignored_and_ask_mention_and_reply_are_answered(run_bot):
    async def scenario(app, api):
        await feed(app, api.send_text(GROUP, "lunch anyone?", user_id=7), api)
        await feed(app, api.send_photo(GROUP, user_id=7), api)
        await feed(app, api.send_text(GROUP, f"/ask@someotherbot {QUESTION}", user_id=7), api)
        assert api.messages_in(GROUP) == [] and api.actions == []

        await feed(app, api.send_text(GROUP, f"/ask {QUESTION}", user_id=7), api)
        await feed(app, api.send_text(GROUP, f"@{api.me['username']} {QUESTION}", user_id=8), api)
        bot_message = api.messages_in(GROUP)[-1]
        follow_up = api.send_text(GROUP, "And who bought the Ascend chips?", user_id=9, reply_to=bot_message)
        await feed(app, follow_up, api)
        await feed(app, api.send_text(GROUP, "/ask", user_id=9), api)

    api = run_bot(scenario)
    replies = api.messages_in(GROUP)
    assert len(replies) == 4
    assert all(r.reply_to is not None for r in replies)  # group replies quote the question
    assert "[1]" in replies[0].text and "[1]" in replies[1].text and "[1]" in replies[2].text
    assert replies[3].text == load_prompt("telegram_ask_usage")


def test_commands_start_help_sources_reset_and_the_command_menu(run_bot, engine):
    async def scenario(app, api):
        await app.post_init(app)
        for command in ("/start", "/help", "/sources", "/nosuchcommand"):
            await feed(app, api.send_text(46, command), api)
        await feed(app, api.send_text(46, QUESTION), api)
        conversation = app.bot_data["citebot"].chats.get(46).conversation
        assert len(conversation.history) == 1
        await feed(app, api.send_text(46, "/reset"), api)
        assert conversation.history == ()
        await app.post_shutdown(app)

    api = run_bot(scenario)
    start, help_reply, sources, unknown, _answer, reset = api.messages_in(46)
    documents = engine.documents()
    assert f"{len(documents)} documents" in start.text and "/ask" in start.text
    assert load_prompt("telegram_help") in help_reply.text
    assert all(d.file in sources.text for d in documents)
    assert unknown.text == load_prompt("telegram_help")
    assert reset.text == load_prompt("telegram_reset")
    assert [c["command"] for c in api.commands] == ["start", "help", "sources", "reset", "ask"]


def test_each_chat_keeps_its_own_bounded_history(run_bot):
    async def scenario(app, api):
        await feed(app, api.send_text(47, "Who bought the Ascend chips?"), api)
        await feed(app, api.send_text(47, "And how many did they buy?"), api)
        await feed(app, api.send_text(48, QUESTION), api)
        for i in range(4):
            await feed(app, api.send_text(49, f"{QUESTION} ({i})"), api)
        chats = app.bot_data["citebot"].chats
        assert [t.question for t in chats.get(47).conversation.history] == ["Who bought the Ascend chips?",
                                                                            "And how many did they buy?"]
        assert chats.get(47).conversation.history[1].answer.standalone_question != "And how many did they buy?"
        assert [t.question for t in chats.get(48).conversation.history] == [QUESTION]
        assert len(chats.get(49).conversation.history) == 2  # history_turns

    run_bot(scenario, settings={"history_turns": 2, "rate_limit_per_minute": 50})


def test_concurrent_chats_are_answered_concurrently_each_with_its_own_answer(run_bot, engine):
    asked = [QUESTION, "Who bought the Ascend chips?", "Who is Lin Qingyuan?", "What is the capital of Peru?"]
    questions = {100 + i: q for i, q in enumerate(asked * 2)}

    async def scenario(app, api):
        assert app.update_processor.max_concurrent_updates >= 20
        ids = [api.send_text(chat, q) for chat, q in questions.items()]
        await asyncio.gather(*(feed(app, update_id, api) for update_id in ids))

    api = run_bot(scenario)
    for chat, q in questions.items():
        [reply] = api.messages_in(chat)
        assert reply.html == to_html(engine.answer(q))


def test_allowlist_refuses_others_once_and_shows_them_nothing(run_bot):
    async def scenario(app, api):
        await feed(app, api.send_text(50, QUESTION), api)  # allowed by id
        await feed(app, api.send_text(51, QUESTION, username="Alice"), api)  # allowed by @username
        answer = api.messages_in(50)[0]
        await feed(app, api.send_text(66, QUESTION), api)
        await feed(app, api.send_text(66, "/sources"), api)
        await feed(app, api.send_text(GROUP, "hello everyone", user_id=66), api)
        query_id = api.tap(answer, answer.buttons[0]["callback_data"], user_id=66)
        await feed(app, max(api.pushed), api)
        assert api.callback_answers[query_id]["text"] == load_prompt("not_allowed")

    api = run_bot(scenario, settings={"allowed_users": "50, @alice"})
    assert "[1]" in api.messages_in(50)[0].text and "[1]" in api.messages_in(51)[0].text
    [refusal] = api.messages_in(66)
    assert refusal.text == load_prompt("not_allowed")
    assert api.messages_in(GROUP) == []
    assert len(api.messages_in(50)) == 1  # the tap by user 66 showed no passage
    assert not any(a[0] == 66 for a in api.actions)


def test_rate_limit_replies_once_with_when_to_retry(run_bot):
    async def scenario(app, api):
        for i in range(5):
            await feed(app, api.send_text(52, f"{QUESTION} {i}"), api)

    api = run_bot(scenario, settings={"rate_limit_per_minute": 2})
    replies = api.messages_in(52)
    assert len(replies) == 3
    assert all("[1]" in r.text for r in replies[:2])
    assert "2 messages a minute" in replies[2].text
    seconds = int(replies[2].text.split("try again in ")[1].split()[0])
    assert 50 <= seconds <= 60


def test_too_long_questions_and_non_text_messages_get_a_clear_reply(run_bot):
    async def scenario(app, api):
        await feed(app, api.send_text(53, "why " * 300), api)
        await feed(app, api.send_photo(53), api)
        sticker = {"file_id": "CAACAgIAAxkBAAEB", "file_unique_id": "AgADAgAD", "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False}
        await feed(app, api.push({"message": api.message(53, sticker=sticker)}), api)
        voice = {"file_id": "AwACAgIAAxkBAAEB", "file_unique_id": "AgADBAAD", "duration": 3}
        await feed(app, api.push({"message": api.message(53, voice=voice)}), api)
        document = {"file_id": "BQACAgIAAxkBAAEB", "file_unique_id": "AgADBQAD", "file_name": "q.pdf"}
        await feed(app, api.push({"message": api.message(53, document=document)}), api)

    api = run_bot(scenario)
    too_long, *media = api.messages_in(53)
    assert "too long" in too_long.text and "1000" in too_long.text
    # a file is a document on offer: this user is no admin (CITEBOT_ADMINS is empty), so it is refused unread
    assert [m.text for m in media] == [load_prompt("only_text")] * 3 + [load_prompt("telegram_document_not_admin")]
    assert api.actions == [] and api.calls_of("getFile") == []  # the engine never ran, nothing was fetched


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # from PTB's own RetryAfter
def test_send_faults_are_retried_and_the_answer_still_arrives(run_bot):
    async def scenario(app, api):
        api.fail_next("sendMessage", 429, retry_after=1)
        api.fail_next("sendMessage", 502)
        started = time.monotonic()
        await feed(app, api.send_text(54, QUESTION), api)
        assert time.monotonic() - started >= 1.0  # waited out retry_after

    api = run_bot(scenario)
    statuses = [c["status"] for c in api.calls_of("sendMessage")]
    assert statuses == [429, 502, 200]
    assert "[1]" in api.messages_in(54)[0].text


def test_unexpected_failure_is_logged_with_traceback_and_the_user_told_without_internals(run_bot, caplog):
    caplog.set_level(logging.ERROR, logger="bot.telegram.app")

    async def scenario(app, api):
        api.fail_next("sendMessage", 400, description="Bad Request: chat not found")
        await feed(app, api.send_text(55, QUESTION), api)

    api = run_bot(scenario)
    [apology] = api.messages_in(55)
    assert apology.text == load_prompt("error")
    [record] = [r for r in caplog.records if r.name == "bot.telegram.app"]
    assert record.exc_info is not None and "BadRequest" in record.getMessage()
    assert QUESTION not in caplog.text and TOKEN not in caplog.text


class StreamingSynthesizer:
    """The real synthesizer, with its answer handed out word by word the way an LLM backend streams."""

    def __init__(self, inner: Any, pause: float):
        self.inner, self.pause, self.mode = inner, pause, inner.mode

    def stream(self, question: str, language: str, retrieval: Any) -> Iterator[str | Answer]:
        answer = self.inner.synthesize(question, language, retrieval)
        for word in answer.text.split(" "):
            time.sleep(self.pause)
            yield word + " "
        yield answer


def test_a_streamed_answer_is_edited_at_most_once_a_second_and_typing_renewed(run_bot, engine, monkeypatch):
    """In groups: one message, edited as the text grows (message drafts exist only in private chats)."""
    expected = engine.answer(QUESTION)
    words = len(expected.text.split(" "))
    pause = 2.4 / words  # about 2.4 s of streaming

    async def scenario(app, api):
        await feed(app, api.send_text(GROUP, f"/ask {QUESTION}", user_id=56), api)

    monkeypatch.setattr(engine, "synthesizer", StreamingSynthesizer(engine.synthesizer, pause))
    api = run_bot(scenario, typing_seconds=0.5)
    [reply] = api.messages_in(GROUP)  # one message, edited, not many
    assert reply.html == to_html(expected) and reply.buttons and api.drafts == []
    assert 2 <= len(reply.edits) <= 4
    times = [reply.at, *reply.edits[:-1]]  # the final edit (with sources) may follow at once
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:], strict=False))
    assert len([a for a in api.actions if a[0] == GROUP]) >= 4


def test_a_streamed_answer_in_a_private_chat_is_a_message_draft_then_one_message(run_bot, engine, monkeypatch):
    expected = engine.answer(QUESTION)
    pause = 2.4 / len(expected.text.split(" "))

    async def scenario(app, api):
        await feed(app, api.send_text(57, QUESTION), api)

    monkeypatch.setattr(engine, "synthesizer", StreamingSynthesizer(engine.synthesizer, pause))
    api = run_bot(scenario, typing_seconds=0.5)
    [reply] = api.messages_in(57)  # the answer only: the streamed text lived in the draft
    assert reply.html == to_html(expected) and reply.buttons and reply.edits == []
    question_id = api.pushed[min(api.pushed)]["message"]["message_id"]
    drafts = [d for d in api.drafts if d[0] == 57]
    assert 2 <= len(drafts) <= 4 and {d[1] for d in drafts} == {question_id}  # one draft, animated
    assert all(b[3] - a[3] >= 0.95 for a, b in zip(drafts, drafts[1:], strict=False))
    assert drafts[-1][2].endswith(" …") and expected.text.startswith(drafts[0][2][:-2].strip())
    assert len([a for a in api.actions if a[0] == 57]) >= 4


def test_a_bot_api_server_without_drafts_gets_edits_instead(run_bot, engine, monkeypatch):
    expected = engine.answer(QUESTION)
    pause = 2.4 / len(expected.text.split(" "))

    async def scenario(app, api):
        api.fail_next("sendMessageDraft", 404, description="Not Found: method not found")
        await feed(app, api.send_text(58, QUESTION), api)

    monkeypatch.setattr(engine, "synthesizer", StreamingSynthesizer(engine.synthesizer, pause))
    api = run_bot(scenario, typing_seconds=0.5)
    [reply] = api.messages_in(58)
    assert reply.html == to_html(expected) and 2 <= len(reply.edits) <= 4 and api.drafts == []


def test_token_problems_are_clear_and_never_echo_the_token(monkeypatch):
    from click.testing import CliRunner

    from bot.cli import main

    runner = CliRunner()
    monkeypatch.chdir("/tmp")  # no .env here
    for value, expected in (("", "is not set"), ("12345:not-a-real-token", "is malformed")):
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", value)
        result = runner.invoke(main, ["telegram"])
        assert result.exit_code == 2
        assert expected in result.output and "export TELEGRAM_BOT_TOKEN=" in result.output
        assert "not-a-real-token" not in result.output


@pytest.fixture
def root_formatters() -> Iterator[None]:
    """`citebot telegram` wraps the root handlers' formatters (token redaction); put them back after."""
    handlers = list(logging.getLogger().handlers)
    saved = [h.formatter for h in handlers]
    yield
    for handler, formatter in zip(handlers, saved, strict=True):
        handler.setFormatter(formatter)


def test_a_rejected_token_or_unreachable_api_fails_fast_with_a_clear_message(monkeypatch, root_formatters):
    from click.testing import CliRunner
    from fake_bot_api import FakeBotApiServer

    from bot.cli import main

    monkeypatch.chdir("/tmp")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CITEBOT_DATA_DIR", "/nonexistent/never-opened")  # fails before the engine loads
    with FakeBotApiServer(FakeBotApi("987654321:AAHsomeOtherBotsTokenForTheStandIn_xyz")) as server:
        monkeypatch.setenv("CITEBOT_TELEGRAM_BASE_URL", server.base_url)
        rejected = CliRunner().invoke(main, ["telegram"])
        assert [c["status"] for c in server.api.calls] == [401]
    monkeypatch.setenv("CITEBOT_TELEGRAM_BASE_URL", f"http://127.0.0.1:{server.port}/bot")  # now closed
    unreachable = CliRunner().invoke(main, ["telegram"])
    assert rejected.exit_code == 2 and "Telegram rejected TELEGRAM_BOT_TOKEN" in rejected.output
    assert unreachable.exit_code == 2
    assert "Could not reach the Telegram Bot API at 127.0.0.1" in unreachable.output
    for result in (rejected, unreachable):
        assert "Traceback" not in result.output and TOKEN.split(":")[1] not in result.output


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO])
def test_logs_never_show_the_token(run_bot, level):
    """PTB logs the Bot API URL (token inside) at DEBUG; the redacting formatter blanks it."""
    import io

    from bot.telegram.guard import redact_logs

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(level)
    try:
        redact_logs(TOKEN, handlers=[handler])

        async def scenario(app, api):
            await feed(app, api.send_text(57, QUESTION), api)
            logging.getLogger("probe").error("failed at %s/getMe", f"http://x/bot{TOKEN}")

        run_bot(scenario)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    output = stream.getvalue()
    assert "probe failed at http://x/bot<redacted>/getMe" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    if level == logging.DEBUG:
        assert "telegram" in output  # PTB did log, and was redacted
