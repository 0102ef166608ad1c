"""`citebot telegram`: the Telegram front end, and the only module that imports `telegram`.

Built like python-telegram-bot's own examples: one thin async handler per command, one
`build_application()` that wires the builder, handlers, `post_init` (the command menu), the rate limiter and
a single error handler. The engine is blocking, so every call to it runs in a worker thread.

Every update a handler takes costs its user one slot of the per-minute rate limit (checked once, in the
gate before all handlers), since every handler replies. Sends wait out Telegram's flood control within
one bound (CITEBOT_TELEGRAM_RETRY_SECONDS); failed polls are one log line each.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.answer import Answer
from bot.engine import CitebotIndexError, Engine, QuestionRejected, Reply
from bot.prompts import load_prompt
from bot.render import TELEGRAM_LIMIT, counted, escape, passage_html, shorten, source_number, split_html, to_html
from bot.settings import Settings
from bot.telegram.chats import Chats
from bot.telegram.documents import provenance_notes
from bot.telegram.documents import register as register_documents
from bot.telegram.guard import (
    TOKEN_HELP,
    AccessList,
    CitationStore,
    PollHealth,
    RateLimit,
    TelegramSetupError,
    check_token,
    redact_logs,
)

logger = logging.getLogger(__name__)

COMMANDS = [
    ("start", "What I know and how to ask"),
    ("help", "How to ask, in private and in groups"),
    ("sources", "The documents I answer from"),
    ("reset", "Forget this chat's conversation"),
    ("ask", "Ask a question (the way to ask in groups)"),
]
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
TYPING_SECONDS = 4.0  # Telegram shows "typing…" for about 5 s
EDIT_SECONDS = 1.0  # a streamed answer's message is edited at most this often
NETWORK_RETRIES = 3


@dataclass
class Services:
    """What the handlers share: the engine and the front end's own state (kept in bot_data)."""

    engine: Engine
    settings: Settings
    access: AccessList
    limiter: RateLimit
    chats: Chats
    citations: CitationStore = field(default_factory=CitationStore)
    polls: PollHealth = field(default_factory=lambda: PollHealth(logger))
    message_limit: int = TELEGRAM_LIMIT
    typing_seconds: float = TYPING_SECONDS
    edit_seconds: float = EDIT_SECONDS


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The shared state, typed (bot_data is a plain dict)."""
    return context.bot_data["citebot"]


class SendAbandoned(TelegramError):
    """A send that flood control kept back past CITEBOT_TELEGRAM_RETRY_SECONDS: it is dropped, and logged."""


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for. PTB 22's public `retry_after` is an int with a deprecation warning, or a
    timedelta depending on an environment switch; its own AIORateLimiter reads the timedelta underneath."""
    return exc._retry_after.total_seconds()  # noqa: SLF001


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter (flood limits; waits out RetryAfter, pausing all sends meanwhile) with one bound in
    seconds per send instead of a count of retries, and retries of timeouts and network faults.

    AIORateLimiter gives up after a fixed number of 429s however short the waits, and the error handler's
    apology then goes out once the flood is over: the answer is lost although it could have been sent.
    Here a send keeps honouring retry_after for as long as Telegram asks, unless the wait would end past
    `give_up_after` seconds from the first attempt: then it gives up at once (SendAbandoned, one ERROR log
    line, no apology). A lost connection or a 502 is worth another try after a short, growing pause, within
    the same bound. BadRequest is final.
    """

    def __init__(self, give_up_after: float, network_retries: int = NETWORK_RETRIES, backoff: float = 0.5,
                 **kwargs: Any):
        super().__init__(max_retries=sys.maxsize, **kwargs)  # the bound in seconds decides, not a count
        self.give_up_after = give_up_after
        self.network_retries = network_retries
        self.backoff = backoff

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: int | None) -> Any:
        deadline = time.monotonic() + self.give_up_after

        async def within_bound(*call_args: Any, **call_kwargs: Any) -> Any:
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                if time.monotonic() + wait > deadline:
                    raise SendAbandoned(
                        f"{endpoint}: Telegram asked to wait {wait:.0f} s, past the {self.give_up_after:g} s "
                        "bound (CITEBOT_TELEGRAM_RETRY_SECONDS)") from exc
                raise  # AIORateLimiter waits it out and tries again

        for attempt in range(self.network_retries + 1):
            try:
                return await super().process_request(within_bound, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise
            except (TimedOut, NetworkError) as exc:
                delay = self.backoff * 2**attempt
                if attempt == self.network_retries or time.monotonic() + delay > deadline:
                    raise
                logger.warning("%s failed (%s); retrying in %.1f s", endpoint, type(exc).__name__, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


class WatchedPolling(BaseRequest):
    """The getUpdates request, wrapped so that polling health is logged by PollHealth: one WARNING line per
    failed poll, one INFO line when a poll gets through again (the wrapped request does the work)."""

    def __init__(self, inner: BaseRequest, health: PollHealth):
        self.inner = inner
        self.health = health

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def post(self, url: str, request_data: RequestData | None = None, **timeouts: Any) -> Any:
        try:
            result = await self.inner.post(url, request_data, **timeouts)
        except TelegramError as exc:
            self.health.failed(exc, unreachable=isinstance(exc, NetworkError) and not isinstance(exc, BadRequest))
            raise
        self.health.succeeded()
        return result

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         **timeouts: Any) -> tuple[int, bytes]:
        return await self.inner.do_request(url, method, request_data, **timeouts)


# who is talking to whom ----------------------------------------------------------------------------
def bot_mentions(message: Message) -> list[str]:
    """The mentions of this bot in a message's text or caption (@username, or a mention by id)."""
    bot = message.get_bot()
    username = (bot.username or "").lower()
    types = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    entities = {**message.parse_entities(types), **message.parse_caption_entities(types)}
    return [text for entity, text in entities.items()
            if (entity.type == MessageEntity.MENTION and text.lstrip("@").lower() == username)
            or (entity.user is not None and entity.user.id == bot.id)]


def addressed_to_bot(message: Message) -> bool:
    """A group message meant for the bot: it mentions the bot or replies to one of its messages."""
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == message.get_bot().id:
        return True
    return bool(bot_mentions(message))


class AddressedToBot(filters.MessageFilter):
    """filters version of addressed_to_bot(), for group handlers."""

    def filter(self, message: Message) -> bool:
        return addressed_to_bot(message)


ADDRESSED = AddressedToBot(name="AddressedToBot")
PRIVATE = filters.ChatType.PRIVATE
NEW = filters.UpdateType.MESSAGE
NEW_OR_EDITED = filters.UpdateType.MESSAGES  # an edited question is answered again


def meant_for_bot(update: Update) -> bool:
    """Whether the bot would answer this message (a refused user learns why; group chatter does not)."""
    message = update.message or update.edited_message
    if message is None:
        return False
    if message.chat.type == ChatType.PRIVATE or addressed_to_bot(message):
        return True
    words = (message.text or "").split(maxsplit=1)
    command, _, target = (words[0] if words else "").partition("@")
    username = (message.get_bot().username or "").lower()
    return command.startswith("/") and (not target or target.lower() == username)


# replies ---------------------------------------------------------------------------------------------
async def reply(message: Message, text: str) -> None:
    """A fixed (plain) text as an HTML reply, escaped like everything else."""
    await message.reply_text(escape(text))


@asynccontextmanager
async def typing(chat: Chat, every: float) -> AsyncIterator[None]:
    """"typing…" while the block runs, renewed every few seconds because Telegram drops it after ~5 s."""

    async def keep_typing() -> None:
        while True:
            try:
                await chat.send_chat_action(ChatAction.TYPING)
            except TelegramError as exc:
                logger.debug("typing indicator failed: %s", type(exc).__name__)
            await asyncio.sleep(every)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def source_buttons(answer: Answer, store: CitationStore, chat_id: int) -> InlineKeyboardMarkup | None:
    """One button per citation; a tap shows the whole passage (kept here, bound to this chat: callback data
    holds 64 bytes, and the client can forge it)."""
    if not answer.answered or not answer.citations:
        return None
    key = store.put(chat_id, answer.citations)
    buttons = [InlineKeyboardButton(f"[{c.n}] {shorten(c.file, 22)}", callback_data=f"p:{key}:{c.n}")
               for c in answer.citations]
    return InlineKeyboardMarkup([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


async def show_preview(message: Message, draft: Message | None, preview: str) -> Message | None:
    """The streamed text so far. In a private chat a native draft (sendMessageDraft: animated, gone by itself,
    the answer then arrives as a new message, so the draft stays None); in groups, or from a Bot API server
    without drafts, one message edited as the text grows (returned, to be edited into the answer)."""
    if draft is None and message.chat.type == ChatType.PRIVATE:
        try:
            await message.get_bot().send_message_draft(message.chat_id, message.message_id, preview)
            return None
        except (BadRequest, InvalidToken) as exc:  # 400, or 404 "method not found" from an older server
            logger.debug("no message drafts here (%s); streaming by edits", type(exc).__name__)
    if draft is None:
        return await message.reply_text(preview)
    await draft.edit_text(preview)
    return draft


async def stream_reply(s: Services, message: Message, reply: Reply) -> tuple[Answer, Message | None]:
    """The reply run to its answer in worker threads; streamed LLM text goes into one draft message, edited at
    most once per `edit_seconds` (an extractive reply has no text pieces, so no draft)."""
    text, draft, shown, last = "", None, "", -math.inf
    try:
        while (piece := await asyncio.to_thread(next, reply, None)) is not None:
            text += piece
            if time.monotonic() - last < s.edit_seconds or not text.strip():
                continue
            preview = split_html(escape(text), s.message_limit - 2)[0] + " …"
            if preview != shown:
                draft = await show_preview(message, draft, preview)
                shown, last = preview, time.monotonic()
        return reply.answer, draft
    finally:
        await asyncio.to_thread(reply.close)  # an unfinished LLM stream releases its connection


async def send_answer(s: Services, message: Message, answer: Answer, draft: Message | None) -> None:
    """The answer as HTML parts split at paragraphs, source buttons under the last part."""
    parts = split_html(to_html(answer), s.message_limit)
    markup = source_buttons(answer, s.citations, message.chat_id)
    for i, part in enumerate(parts):
        buttons = markup if i == len(parts) - 1 else None
        if i == 0 and draft is not None:
            await draft.edit_text(part, reply_markup=buttons)
        else:
            await message.reply_text(part, reply_markup=buttons, do_quote=None if i == 0 else False)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """The one path every question takes: checks, the engine off the event loop, the reply."""
    s = services(context)
    message = update.effective_message
    chat = s.chats.get(message.chat_id)
    async with chat.lock:  # one question at a time per chat, in order
        started = time.perf_counter()
        try:
            answering = chat.conversation.ask(text)  # QuestionRejected at once: empty, too long
            async with typing(update.effective_chat, s.typing_seconds):
                answer, draft = await stream_reply(s, message, answering)
        except QuestionRejected as exc:
            await reply(message, str(exc))
            return
        except CitebotIndexError as exc:
            logger.warning("index unavailable: %s", type(exc).__name__)
            await reply(message, load_prompt("index_unavailable"))
            return
        await send_answer(s, message, answer, draft)
        logger.debug("answered in %.0f ms", (time.perf_counter() - started) * 1000)


# handlers --------------------------------------------------------------------------------------------
def will_reply(app: Application, update: Update) -> bool:
    """Whether a handler takes this update (as Application.process_update decides); each of them replies."""
    for handler in app.handlers.get(0, []):
        check = handler.check_update(update)
        if check is not None and check is not False:
            return True
    return False


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before all handlers: users outside CITEBOT_ALLOWED_USERS get one short refusal and nothing else, and
    every update that will get a reply (an answer, a command's, a passage, 'too long', 'text only') counts
    against its user's rate limit. Past the limit: one 'try again in N s' per blocked stretch, then silence."""
    s = services(context)
    user = update.effective_user
    if not s.access.allows(user.id if user else None, user.username if user else None):
        if update.callback_query is not None:
            await update.callback_query.answer(load_prompt("not_allowed"))
        elif meant_for_bot(update) and s.access.first_refusal(user.id if user else None):
            await reply(update.effective_message, load_prompt("not_allowed"))
        raise ApplicationHandlerStop
    key = user.id if user else update.effective_chat.id if update.effective_chat else None
    if key is None or not will_reply(context.application, update):
        return
    wait = s.limiter.acquire(key)
    if not wait:
        return
    notice = load_prompt("rate_limited").format(limit=s.limiter.per_minute, seconds=math.ceil(wait))
    notify = s.limiter.should_notify(key, wait)
    if update.callback_query is not None:
        with suppress(TelegramError):  # answered either way (no spinner); "query is too old" is no failure
            await update.callback_query.answer(notice if notify else None)
    elif notify:
        await reply(update.effective_message, notice)
    raise ApplicationHandlerStop


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: what the bot knows and how to ask."""
    documents = await asyncio.to_thread(services(context).engine.documents)
    languages = ", ".join(sorted({d.language for d in documents}))
    await reply(update.effective_message,
                load_prompt("telegram_start").format(documents=len(documents), languages=languages))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: how to ask."""
    await reply(update.effective_message, load_prompt("help") + "\n\n" + load_prompt("telegram_help"))


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: the indexed documents."""
    s = services(context)
    documents = await asyncio.to_thread(s.engine.documents)
    lines = [escape(load_prompt("telegram_sources").format(count=len(documents))), ""]
    added = await asyncio.to_thread(provenance_notes, s.settings)  # who added which file through Telegram
    lines += [f"<code>{escape(d.file)}</code> ({escape(d.language)}), {counted(d.chunks, 'chunk')}"
              + (f", {escape(added[d.file])}" if d.file in added else "") for d in documents]
    for part in split_html("\n".join(lines), s.message_limit):
        await update.effective_message.reply_text(part)


async def reset_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reset: forget this chat's conversation."""
    services(context).chats.reset(update.effective_chat.id)
    await reply(update.effective_message, load_prompt("telegram_reset"))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION: the way to ask in groups (works in private chats too)."""
    parts = (update.effective_message.text or "").split(maxsplit=1)
    if len(parts) < 2:
        await reply(update.effective_message, load_prompt("telegram_ask_usage"))
        return
    await answer_question(update, context, parts[1])


async def question_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message or a photo's (file's...) caption, new or edited: every one in private chats; mentions of
    the bot and replies to it in groups."""
    message = update.effective_message
    text = message.text or message.caption or ""
    if message.chat.type != ChatType.PRIVATE:
        for mention in bot_mentions(message):
            text = text.replace(mention, " ")
    await answer_question(update, context, text)


async def only_text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice, files: only text questions."""
    await reply(update.effective_message, load_prompt("only_text"))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have (private chats): how to ask."""
    await reply(update.effective_message, load_prompt("telegram_help"))


async def passage_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A source button: send the whole cited passage and answer the callback query."""
    s = services(context)
    query = update.callback_query
    fields = (query.data or "").split(":")
    chat = update.effective_chat  # the chat of the message the tapped button is under
    number = source_number(fields[2]) if len(fields) == 3 else None
    citation = s.citations.get(chat.id, fields[1], number) if number is not None and chat is not None else None
    if citation is None:  # expired, forged, or another chat's: the same reply, so keys cannot be probed
        await query.answer(load_prompt("telegram_passage_expired"))
        return
    try:
        await query.answer()  # only stops the client's spinner: a failure must not lose the passage
    except TelegramError as exc:  # "query is too old" after a restart or a backlog
        logger.warning("could not answer a source button's callback query: %s", exc)
    for part in split_html(passage_html(citation), s.message_limit):
        await update.effective_chat.send_message(part)


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback data the bot never sends (forged, or from an older version): answered like an expired button,
    so the client's spinner stops (unanswered, it ran until Telegram's timeout)."""
    await update.callback_query.answer(load_prompt("telegram_passage_expired"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The single error handler: log with traceback, tell the user something went wrong (no internals)."""
    update_id = update.update_id if isinstance(update, Update) else None
    if update is None and services(context).polls.reported(context.error):
        return  # a failed poll (run_polling hands those here too): WatchedPolling logged it in one line
    if isinstance(context.error, SendAbandoned):  # an apology would be held back just the same
        logger.error("update %s: reply dropped: %s", update_id, context.error)
        return
    if isinstance(context.error, Forbidden):  # the user blocked the bot: routine, and nobody to tell
        logger.info("update %s: not delivered, the user blocked the bot (%s)", update_id, context.error)
        return
    logger.error("update %s failed: %s", update_id, type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(load_prompt("error"))
        else:
            await update.effective_chat.send_message(escape(load_prompt("error")))
    except TelegramError as exc:
        logger.warning("could not tell the user about the failure: %s", type(exc).__name__)


# wiring --------------------------------------------------------------------------------------------
async def check_index_while_idle(app: Application) -> None:
    """Every reload_seconds, let the engine check for an index another process published, so an idle bot
    has switched before the next question (the engine decides; questions run the same check)."""
    s: Services = app.bot_data["citebot"]
    while True:
        await asyncio.sleep(s.settings.reload_seconds)
        try:
            if await asyncio.to_thread(s.engine.check_index):
                logger.info("now answering from the new index")
        except Exception:
            logger.warning("index refresh failed; still answering from the previous index", exc_info=True)


async def post_init(app: Application) -> None:
    """Register the command menu and start the idle index check."""
    await app.bot.set_my_commands([BotCommand(name, description) for name, description in COMMANDS])
    app.bot_data["index_check"] = asyncio.create_task(check_index_while_idle(app), name="citebot-index-check")


async def post_shutdown(app: Application) -> None:
    """Stop the idle index check."""
    task = app.bot_data.pop("index_check", None)
    if task is not None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def build_application(engine: Engine, settings: Settings | None = None, token: str | None = None, *,
                      request: BaseRequest | None = None, message_limit: int = TELEGRAM_LIMIT,
                      typing_seconds: float = TYPING_SECONDS, edit_seconds: float = EDIT_SECONDS,
                      max_concurrent: int = 64) -> Application:
    """The Application: builder, handlers, post_init, rate limiter with retries, one error handler."""
    settings = settings or engine.settings
    token = check_token(token or settings.telegram_bot_token)
    builder = (
        ApplicationBuilder()
        .token(token)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True),
                           allow_sending_without_reply=True))  # a deleted question still gets its answer
        .rate_limiter(RetryingRateLimiter(settings.telegram_retry_seconds))
        .concurrent_updates(max_concurrent)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    if request is not None:
        builder = builder.request(request)
    health = PollHealth(logger)
    polls = request or HTTPXRequest(connection_pool_size=1)  # what the builder would make for getUpdates
    builder = builder.get_updates_request(WatchedPolling(polls, health))
    app = builder.build()
    app.bot_data["citebot"] = Services(
        engine=engine, settings=settings, access=AccessList(settings.allowed_users),
        chats=Chats(engine, settings.history_turns),
        limiter=RateLimit(settings.rate_limit_per_minute), message_limit=message_limit,
        typing_seconds=typing_seconds, edit_seconds=edit_seconds, polls=health,
    )
    app.add_handler(TypeHandler(Update, gate), group=-1)
    for name, callback in (("start", start_command), ("help", help_command), ("sources", sources_command),
                           ("reset", reset_command)):
        app.add_handler(CommandHandler(name, callback, filters=NEW))
    app.add_handler(CommandHandler("ask", ask_command, filters=NEW_OR_EDITED))
    register_documents(app, engine, settings)  # before the caption and media handlers, which take files too
    for text in (filters.TEXT & ~filters.COMMAND, filters.CAPTION):
        app.add_handler(MessageHandler(NEW_OR_EDITED & text & (PRIVATE | ADDRESSED), question_message))
    media = NEW & ~filters.TEXT & ~filters.CAPTION & filters.ATTACHMENT
    app.add_handler(MessageHandler(media & (PRIVATE | ADDRESSED), only_text_message))
    app.add_handler(MessageHandler(NEW & filters.COMMAND & PRIVATE, unknown_command))
    app.add_handler(CallbackQueryHandler(passage_button, pattern=r"^p:"))
    app.add_handler(CallbackQueryHandler(unknown_button))  # last: data no handler above knows
    app.add_error_handler(on_error)
    return app


async def check_bot_api(token: str, base_url: str | None) -> str:
    """getMe once before the engine loads: a bad token or an unreachable API fails in a second."""
    bot = Bot(token, base_url=base_url) if base_url else Bot(token)
    async with bot:
        return bot.username


def setup_error(exc: TelegramError, api: str) -> TelegramSetupError:
    """What a start-up failure means for the user (never the token, never a traceback)."""
    if isinstance(exc, InvalidToken):
        return TelegramSetupError(f"Telegram rejected TELEGRAM_BOT_TOKEN. {TOKEN_HELP}")
    return TelegramSetupError(
        f"Could not reach the Telegram Bot API at {api} ({type(exc).__name__}); check the network, "
        "or CITEBOT_TELEGRAM_BASE_URL if you use your own Bot API server."
    )


def run_from_cli(webhook_url: str | None = None, listen: str = "127.0.0.1", port: int = 8443,
                 message_limit: int = TELEGRAM_LIMIT) -> None:
    """`citebot telegram`: check the token, open the engine, then long polling (or a webhook server)."""
    from bot.app import load_settings, open_engine

    settings = load_settings()
    token = check_token(settings.telegram_bot_token)
    secret = secrets.token_urlsafe(32) if webhook_url else ""
    redact_logs(token, secret)
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    api = urlsplit(settings.telegram_base_url or "https://api.telegram.org").netloc
    try:
        username = asyncio.run(check_bot_api(token, settings.telegram_base_url))
        engine = open_engine(settings)
        app = build_application(engine, settings, token, message_limit=message_limit)
        logger.info("Telegram bot @%s starting (%s, Bot API at %s)", username,
                    "webhook" if webhook_url else "long polling", api)
        if webhook_url:
            app.run_webhook(listen=listen, port=port, url_path=urlsplit(webhook_url).path.lstrip("/"),
                            webhook_url=webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except BadRequest:
        raise  # a bug, not a setup problem: keep the traceback
    except (InvalidToken, NetworkError) as exc:
        raise setup_error(exc, api) from None
