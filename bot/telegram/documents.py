"""Documents through Telegram: admins add files in private chats, `/forget FILE` removes one (after a
confirmation button), `/sources` says who added what. Everyone else who sends a file gets one refusal.

Nothing is downloaded before the sender is known to be an admin and the announced size is within the bots'
download limit (Telegram serves bots files up to 20 MB). Saving and indexing run in a worker thread
(bot/corpus_edits.py), one edit at a time, while questions go on being answered from the live index; the
reply is sent once the new index version answers. Confirmation buttons are keyed like source buttons:
random keys, bound to the chat they were sent to and to the admin who asked.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatAction, FileSizeLimit
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.corpus_edits import CitebotIndexError, Edit, UploadRefused, add_document, forget_document, uploads
from bot.prompts import load_prompt
from bot.render import counted, escape
from bot.telegram.guard import AccessList
from bot.uploads import document_path, safe_name

logger = logging.getLogger(__name__)

DOWNLOAD_LIMIT = FileSizeLimit.FILESIZE_DOWNLOAD  # what the cloud Bot API lets a bot download (20 MB)
CONFIRM_SECONDS = 600.0  # a /forget confirmation button works this long
ACTION_SECONDS = 4.0  # Telegram shows a chat action for about 5 s


@dataclass
class Pending:
    chat_id: int
    user_id: int
    name: str
    at: float = field(default_factory=time.monotonic)


class Confirmations:
    """Open /forget confirmations: random key -> (chat, admin, file); bounded, expiring, used once."""

    def __init__(self, capacity: int = 200, ttl: float = CONFIRM_SECONDS):
        self.capacity, self.ttl = capacity, ttl
        self._items: OrderedDict[str, Pending] = OrderedDict()

    def put(self, pending: Pending) -> str:
        key = secrets.token_urlsafe(16)
        self._items[key] = pending
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return key

    def take(self, key: str, chat_id: int, user_id: int) -> Pending | None:
        """The pending removal behind `key` if it was offered in this chat to this user and is fresh."""
        pending = self._items.get(key)
        if pending is None or (pending.chat_id, pending.user_id) != (chat_id, user_id):
            return None
        del self._items[key]
        return pending if time.monotonic() - pending.at <= self.ttl else None


@dataclass
class Library:
    """What the document handlers share (bot_data["citebot_documents"])."""

    engine: Any
    settings: Any
    admins: AccessList
    confirmations: Confirmations = field(default_factory=Confirmations)
    edits: asyncio.Lock = field(default_factory=asyncio.Lock)  # one corpus edit at a time
    action_seconds: float = ACTION_SECONDS


def library(context: ContextTypes.DEFAULT_TYPE) -> Library:
    return context.bot_data["citebot_documents"]


def is_admin(lib: Library, user: User | None) -> bool:
    """CITEBOT_ADMINS: ids or @usernames; empty means nobody (uploads are never open to everyone)."""
    return user is not None and not lib.admins.open and lib.admins.allows(user.id, user.username)


def who(user: User) -> str:
    return f"@{user.username}" if user.username else user.full_name


async def say(message: Message, text: str, **kwargs: Any) -> Message:
    return await message.reply_text(escape(text), **kwargs)


async def keep_action(message: Message, every: float) -> None:
    """'sending a file…' while the document is read and indexed (renewed: Telegram drops it after ~5 s)."""
    while True:
        try:
            await message.chat.send_chat_action(ChatAction.UPLOAD_DOCUMENT)
        except Exception as exc:  # noqa: BLE001 - only an indicator
            logger.debug("chat action failed: %s", type(exc).__name__)
        await asyncio.sleep(every)


def sent_name(message: Message) -> str:
    """The document's name as sent, or one made from its MIME type when it came without a name."""
    document = message.document
    if document.file_name:
        return document.file_name
    suffix = mimetypes.guess_extension(document.mime_type or "") or ""
    return f"document{suffix}"


def too_big(size: int) -> str:
    """The refusal naming the limit (and the size, when Telegram told it)."""
    shown = f"{size / 1e6:.1f} MB" if size else "size unknown"
    return load_prompt("telegram_document_too_big").format(size=shown, limit=f"{DOWNLOAD_LIMIT / 1e6:g}")


def added_text(edit: Edit) -> str:
    change = edit.change
    text = load_prompt(f"telegram_document_{change.status}").format(
        name=change.name, language=edit.language or "?", chunks=counted(edit.chunks, "chunk"))
    if change.renamed:
        text += " " + load_prompt("telegram_document_renamed").format(sent=change.sent_name, name=change.name)
    return text


async def document_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file sent in a private chat: an admin's is added to the corpus; anyone else's is refused unread."""
    lib = library(context)
    message = update.effective_message
    if not is_admin(lib, update.effective_user):
        await say(message, load_prompt("telegram_document_not_admin"))
        return
    size = message.document.file_size or 0
    if size > DOWNLOAD_LIMIT:
        await say(message, too_big(size))
        return
    try:
        safe_name(sent_name(message))  # a type the loader cannot read: refused before it is downloaded
    except UploadRefused as exc:
        await say(message, str(exc))
        return
    action = asyncio.create_task(keep_action(message, lib.action_seconds))
    try:
        try:
            file = await message.document.get_file()
            content = bytes(await file.download_as_bytearray())
        except BadRequest as exc:  # "File is too big": the size in the message was missing or wrong
            if "too big" not in str(exc).lower():
                raise
            await say(message, too_big(size))
            return
        async with lib.edits:
            edit = await asyncio.to_thread(add_document, lib.engine, lib.settings, sent_name(message), content,
                                           update.effective_user.id, who(update.effective_user))
    except UploadRefused as exc:
        await say(message, str(exc))
        return
    except CitebotIndexError as exc:
        logger.warning("upload not indexed: %s", exc)
        await say(message, load_prompt("telegram_document_not_indexed"))
        return
    finally:
        action.cancel()
    logger.info("%s %s (%d chunks) through Telegram", edit.change.status, edit.change.name, edit.chunks)
    await say(message, added_text(edit))


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget FILE (admins): ask for confirmation with a button; the removal happens on the tap."""
    lib = library(context)
    message = update.effective_message
    if not is_admin(lib, update.effective_user):
        await say(message, load_prompt("telegram_forget_not_admin"))
        return
    parts = (message.text or "").split(maxsplit=1)
    if len(parts) < 2:
        await say(message, load_prompt("telegram_forget_usage"))
        return
    try:
        name, _ = document_path(lib.settings.corpus, parts[1])
    except UploadRefused as exc:
        await say(message, str(exc))
        return
    key = lib.confirmations.put(Pending(message.chat_id, update.effective_user.id, name))
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(load_prompt("telegram_forget_yes"), callback_data=f"f:{key}:y"),
        InlineKeyboardButton(load_prompt("telegram_forget_no"), callback_data=f"f:{key}:n"),
    ]])
    await say(message, load_prompt("telegram_forget_confirm").format(name=name), reply_markup=buttons)


async def forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on a /forget button: only in its chat, by the admin who asked, once."""
    lib = library(context)
    query = update.callback_query
    fields = (query.data or "").split(":")
    chat, user = update.effective_chat, update.effective_user
    pending = None
    if len(fields) == 3 and chat is not None and user is not None and is_admin(lib, user):
        pending = lib.confirmations.take(fields[1], chat.id, user.id)
    if pending is None:
        await query.answer(load_prompt("telegram_forget_expired"))
        return
    await query.answer()
    if fields[2] != "y":
        await query.edit_message_text(escape(load_prompt("telegram_forget_kept").format(name=pending.name)))
        return
    try:
        async with lib.edits:
            await asyncio.to_thread(forget_document, lib.engine, lib.settings, pending.name)
    except UploadRefused as exc:
        await query.edit_message_text(escape(str(exc)))
        return
    except CitebotIndexError as exc:
        logger.warning("forget not indexed: %s", exc)
        await query.edit_message_text(escape(load_prompt("telegram_document_not_indexed")))
        return
    logger.info("forgot %s through Telegram", pending.name)
    await query.edit_message_text(escape(load_prompt("telegram_forget_done").format(name=pending.name)))


def provenance_notes(settings: Any) -> dict[str, str]:
    """file -> 'added by @alice on 2026-12-01 23:40 UTC', for /sources (files added through Telegram)."""
    return {name: load_prompt("telegram_sources_added_by").format(
                by=r.by, when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(r.at)))
            for name, r in uploads(settings).items()}


def register(app: Application, engine: Any, settings: Any) -> None:
    """Add the document handlers (before the 'only text' handler, which would take files otherwise)."""
    app.bot_data["citebot_documents"] = Library(engine, settings, AccessList(settings.admins))
    new, private = filters.UpdateType.MESSAGE, filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(new & private & filters.Document.ALL, document_message))
    app.add_handler(CommandHandler("forget", forget_command, filters=new))
    app.add_handler(CallbackQueryHandler(forget_button, pattern=r"^f:"))
