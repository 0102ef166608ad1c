"""A small stand-in of the Telegram Bot API, speaking Telegram's JSON over real HTTP on 127.0.0.1.

Methods: getMe, getUpdates (long polling with offsets), sendMessage, sendChatAction, setMyCommands,
deleteWebhook, setWebhook, getWebhookInfo, answerCallbackQuery, editMessageText, sendMessageDraft (private
chats only, recorded in `drafts`), getFile; and file downloads
as GET `<base_file_url><token>/<file_path>` (`FakeBotApiServer.base_file_url`). Replies have Telegram's
shapes: {"ok": true, "result": ...}, or {"ok": false, "error_code": N, "description": "...",
"parameters": {"retry_after": N}}, with the same HTTP status codes (400, 401, 404, 409, 429, 502).

It is strict where Telegram is strict, so a bot that escapes or splits badly fails here too: HTML is parsed
(allowed tags only, balanced, known entities), the 4096 limit applies to the parsed text, callback data is
at most 64 bytes, a message can only be edited into something different, a callback query answered once,
getFile refuses files over the bots' 20 MB download limit ("Bad Request: file is too big").

Tests push updates (`send_text`, `send_photo`, `send_document`, `edit_text`, `tap`) and read what the bot
sent (`sent`, `calls`) and fetched (`downloads`: the file paths it downloaded); `fail_next` makes the next
calls of a method fail (429 with retry_after, 502, ...). getUpdates delivers only the update types the bot
asked for in `allowed_updates` (remembered between calls, as Telegram does), and
`FakeBotApiServer.go_down()` / `come_back()` stage an outage: connections refused.
`FakeBotApi.handle()` is transport-free, so in-process handler tests can use it without any socket.
"""

from __future__ import annotations

import html
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

T = TypeVar("T")

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                "pre", "blockquote", "tg-emoji"}
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_TAG_NAME = re.compile(r"/?\s*([a-zA-Z][\w-]*)")
CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                "upload_document", "choose_sticker", "find_location", "record_video_note",
                "upload_video_note"}
# Parameters Telegram takes as plain strings; every other form field holds JSON.
STRING_FIELDS = {"text", "parse_mode", "action", "callback_query_id", "url", "secret_token", "language_code",
                 "inline_message_id", "ip_address", "file_id"}
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves bots files up to 20 MB (core.telegram.org/bots/api#getfile)


class ApiError(Exception):
    """A Bot API error reply."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            self.body["parameters"] = parameters


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The plain text of a Telegram HTML message; ApiError 400 the way Telegram words it when malformed."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            end = text.find(">", i)
            m = _TAG_NAME.match(text, i + 1)
            if end < 0 or not m:
                raise ApiError(400, f"Bad Request: can't parse entities: Unexpected '<' at byte offset {i}")
            name = m.group(1).lower()
            if text[i + 1:end].lstrip().startswith("/"):
                if not stack or stack[-1] != name:
                    expected = stack[-1] if stack else ""
                    raise ApiError(400, "Bad Request: can't parse entities: Unmatched end tag at byte "
                                        f'offset {i}, expected "</{expected}>", found "</{name}>"')
                stack.pop()
            elif name not in ALLOWED_TAGS:
                raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" '
                                    f"at byte offset {i}")
            else:
                stack.append(name)
            i = end + 1
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise ApiError(400, "Bad Request: can't parse entities: Character entity expected at byte "
                                    f"offset {i}")
            out.append(html.unescape(m.group(0)))
            i = m.end()
        elif ch == ">":
            raise ApiError(400, f"Bad Request: can't parse entities: Unexpected '>' at byte offset {i}")
        else:
            out.append(ch)
            i += 1
    if stack:
        raise ApiError(400, "Bad Request: can't parse entities: Can't find end tag corresponding to start "
                            f'tag "{stack[-1]}"')
    return "".join(out)


def decode_params(raw: dict[str, str]) -> dict[str, Any]:
    """Form fields as Telegram reads them: JSON values, except the fields that are plain strings."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in STRING_FIELDS or not isinstance(value, str):
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


@dataclass
class Sent:
    """A message the bot sent (edits update it in place)."""

    chat_id: int
    message_id: int
    html: str
    text: str
    reply_markup: dict[str, Any] | None
    reply_to: int | None
    at: float
    edits: list[float] = field(default_factory=list)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


class FakeBotApi:
    """The Bot API's state and methods, independent of HTTP; thread-safe."""

    def __init__(self, token: str, *, message_limit: int = 4096, bot_id: int = 777000111,
                 username: str = "citebot_test_bot"):
        self.token = token
        self.message_limit = message_limit
        self.me = {"id": bot_id, "is_bot": True, "first_name": "Citebot", "username": username,
                   "can_join_groups": True, "can_read_all_group_messages": False,
                   "supports_inline_queries": False}
        self.cond = threading.Condition()
        self.calls: list[dict[str, Any]] = []
        self.sent: list[Sent] = []
        self.actions: list[tuple[int, str, float]] = []
        self.commands: list[dict[str, Any]] | None = None
        self.webhook: dict[str, Any] | None = None
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.pushed: dict[int, dict[str, Any]] = {}  # update_id -> update, as the test pushed it
        self.pushed_at: dict[int, float] = {}  # update_id -> when the test pushed it
        self._updates: list[dict[str, Any]] = []
        self._user_messages: set[tuple[int, int]] = set()
        self._callbacks: set[str] = set()
        self._faults: list[list[Any]] = []
        self._update_ids = count(1)
        self._message_ids = count(100)
        self._callback_ids = count(9000)
        self.closed = False
        self.allowed_updates: list[str] | None = None  # as last set by getUpdates; None: Telegram's default
        self.files: dict[str, dict[str, Any]] = {}  # file_id -> {"unique_id", "name", "content", "path"}
        self.downloads: list[str] = []  # file paths the bot downloaded, in order
        self.drafts: list[tuple[int, int, str, float]] = []  # (chat id, draft id, plain text, when)
        self._file_ids = count(1)

    # transport-free entry point -------------------------------------------------------------------
    def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One Bot API call -> (HTTP status, JSON body)."""
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            with self.cond:
                fault = self._take_fault(method)
            if fault is not None:
                raise fault
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            status, body = 200, {"ok": True, "result": handler(params)}
        except ApiError as exc:
            status, body = exc.code, exc.body
        with self.cond:
            self.calls.append({"method": method, "params": params, "status": status, "at": time.monotonic(),
                               "body": body})
            self.cond.notify_all()
        return status, body

    # test side ------------------------------------------------------------------------------------
    def push(self, update: dict[str, Any], *, queue: bool = True) -> int:
        """Queue an update for getUpdates (or, with queue=False, only register it for a webhook POST)."""
        with self.cond:
            update_id = next(self._update_ids)
            update = {"update_id": update_id, **update}
            message = (update.get("message") or update.get("edited_message")
                       or (update.get("callback_query") or {}).get("message"))
            if message:
                self.chats.setdefault(message["chat"]["id"], message["chat"])
            if "message" in update:
                self._user_messages.add((update["message"]["chat"]["id"], update["message"]["message_id"]))
            if "callback_query" in update:
                self._callbacks.add(update["callback_query"]["id"])
            if queue:
                self._updates.append(update)
            self.pushed[update_id] = update
            self.pushed_at[update_id] = time.monotonic()
            self.cond.notify_all()
        return update_id

    def message(self, chat_id: int, *, user_id: int | None = None, username: str | None = None,
                chat_type: str | None = None, reply_to: Sent | None = None, **content: Any) -> dict[str, Any]:
        """A user's message as Telegram sends it (the `message` of an Update)."""
        user_id = user_id if user_id is not None else chat_id
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}
        if username:
            user["username"] = username
        chat_type = chat_type or ("private" if chat_id > 0 else "supergroup")
        chat = dict(user, type="private") if chat_type == "private" else {"id": chat_id, "type": chat_type,
                                                                             "title": f"Group {chat_id}"}
        chat.pop("is_bot", None)
        chat.pop("language_code", None)
        with self.cond:
            message_id = next(self._message_ids)
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": user, **content}
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(reply_to)
        return message

    @staticmethod
    def _entities(text: str, *, commands: bool = True) -> list[dict[str, Any]]:
        """The entities Telegram adds to a text or caption: a leading /command, @mentions."""
        entities = []
        if commands and text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0])})
        for m in re.finditer(r"@\w{3,}", text):
            entities.append({"type": "mention", "offset": utf16_len(text[:m.start()]),
                             "length": utf16_len(m.group())})
        return entities

    def send_text(self, chat_id: int, text: str, *, queue: bool = True, **kwargs: Any) -> int:
        """Push a text message, with the entities Telegram would add (commands, @mentions)."""
        content: dict[str, Any] = {"text": text}
        if entities := self._entities(text):
            content["entities"] = entities
        return self.push({"message": self.message(chat_id, **kwargs, **content)}, queue=queue)

    def send_photo(self, chat_id: int, caption: str | None = None, **kwargs: Any) -> int:
        """Push a photo, optionally with a caption (and the caption's @mention entities)."""
        photo = [{"file_id": "AgACAgQAAxkBAAIB", "file_unique_id": "AQADAgAT", "width": 90, "height": 90,
                  "file_size": 1234}]
        content: dict[str, Any] = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
            if entities := self._entities(caption, commands=False):
                content["caption_entities"] = entities
        return self.push({"message": self.message(chat_id, **kwargs, **content)})

    def send_document(self, chat_id: int, filename: str, content: bytes, caption: str | None = None,
                      mime_type: str = "application/octet-stream", **kwargs: Any) -> int:
        """Push a file sent as a document; its bytes are served by getFile and the file download URL."""
        with self.cond:
            n = next(self._file_ids)
        file_id, unique_id = f"BQACAgIAAxkBAAIDoc{n:04d}", f"AgADoc{n:04d}"
        suffix = re.sub(r"[^\w.]", "", "." + filename.rsplit(".", 1)[-1]) if "." in filename else ""
        with self.cond:
            self.files[file_id] = {"unique_id": unique_id, "name": filename, "content": bytes(content),
                                   "path": f"documents/file_{n}{suffix}"}
        document = {"file_id": file_id, "file_unique_id": unique_id, "file_name": filename,
                    "mime_type": mime_type, "file_size": len(content)}
        message: dict[str, Any] = {"document": document}
        if caption is not None:
            message["caption"] = caption
        return self.push({"message": self.message(chat_id, **kwargs, **message)})

    def file_content(self, token: str, file_path: str) -> bytes | None:
        """The bytes behind a download URL's `<token>/<file_path>`, or None (wrong token, unknown path)."""
        with self.cond:
            if token != self.token:
                return None
            for stored in self.files.values():
                if stored["path"] == file_path and len(stored["content"]) <= DOWNLOAD_LIMIT:
                    self.downloads.append(file_path)
                    self.cond.notify_all()
                    return stored["content"]
        return None

    def edit_text(self, update_id: int, text: str) -> int:
        """Push an `edited_message`: the user edited the text message of update `update_id` into `text`."""
        original = self.pushed[update_id]["message"]
        edited = {k: v for k, v in original.items() if k not in ("text", "entities")}
        edited.update(text=text, edit_date=int(time.time()))
        if entities := self._entities(text):
            edited["entities"] = entities
        return self.push({"edited_message": edited})

    def tap(self, sent: Sent, data: str, *, user_id: int | None = None) -> str:
        """Push a callback query: a user tapping an inline button under `sent`."""
        user_id = user_id if user_id is not None else sent.chat_id
        with self.cond:
            query_id = str(next(self._callback_ids))
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        self.push({"callback_query": {"id": query_id, "from": user, "message": self._message_json(sent),
                                      "chat_instance": "-4242", "data": data}})
        return query_id

    def fail_next(self, method: str, status: int = 429, *, retry_after: int | None = None,
                  description: str | None = None, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail the way Telegram fails."""
        if status == 429:
            retry_after = retry_after or 1
            fault = ApiError(429, description or f"Too Many Requests: retry after {retry_after}",
                             {"retry_after": retry_after})
        else:
            fault = ApiError(status, description or {502: "Bad Gateway", 500: "Internal Server Error"}.get(
                status, "Bad Request: error"))
        with self.cond:
            self._faults.append([method, fault, times])

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """The first truthy result of `predicate`, checked after every API call; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")
                self.cond.wait(min(left, 0.2))

    def messages_in(self, chat_id: int) -> list[Sent]:
        with self.cond:
            return [s for s in self.sent if s.chat_id == chat_id]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self.cond:
            return [c for c in self.calls if c["method"] == method]

    def close(self) -> None:
        """Release long polls (the server is going away)."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    # helpers ------------------------------------------------------------------------------------
    def _take_fault(self, method: str) -> ApiError | None:
        for fault in self._faults:
            if fault[0] == method and fault[2] > 0:
                fault[2] -= 1
                return fault[1]
        return None

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        try:
            return self.chats[int(chat_id)]
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        data: dict[str, Any] = {"message_id": sent.message_id, "date": int(time.time()),
                                "chat": self._chat(sent.chat_id), "from": self.me, "text": sent.text}
        if sent.edits:
            data["edit_date"] = int(time.time())
        if sent.reply_markup:
            data["reply_markup"] = sent.reply_markup
        return data

    def _text(self, params: dict[str, Any]) -> tuple[str, str]:
        """(raw, plain) message text, checked like Telegram checks it."""
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        mode = params.get("parse_mode")
        if mode not in (None, "HTML"):
            raise ApiError(400, f"Bad Request: unsupported parse_mode {mode} in this stand-in")
        plain = parse_html(raw) if mode == "HTML" else raw
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > self.message_limit:
            raise ApiError(400, "Bad Request: message is too long")
        return raw, plain

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for button in (b for row in rows for b in row):
            if not button.get("text"):
                raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    # Bot API methods ------------------------------------------------------------------------------
    def _api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.me

    def _api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = min(int(params.get("limit") or 100), 100)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 30.0)
        with self.cond:
            if self.webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            if "allowed_updates" in params:  # Telegram keeps the last setting for later calls
                self.allowed_updates = params["allowed_updates"] or None
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._updates = [u for u in self._updates if self._allowed(u)]  # others are never delivered
            while not self._updates and not self.closed and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
                self._updates = [u for u in self._updates if self._allowed(u)]
            return self._updates[:limit]

    def _allowed(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self.allowed_updates is None:  # Telegram's default: all but these three
            return kind not in ("chat_member", "message_reaction", "message_reaction_count")
        return kind in self.allowed_updates

    def _api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        raw, plain = self._text(params)
        markup = self._markup(params)
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id")
        with self.cond:
            known = {(s.chat_id, s.message_id) for s in self.sent} | self._user_messages
            if reply_to is not None and (chat["id"], reply_to) not in known and not reply.get(
                    "allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
            sent = Sent(chat["id"], next(self._message_ids), raw, plain, markup, reply_to, time.monotonic())
            self.sent.append(sent)
        return self._message_json(sent)

    def _api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        raw, plain = self._text(params)
        markup = self._markup(params)
        with self.cond:
            key = (chat["id"], params.get("message_id"))
            sent = next((s for s in self.sent if (s.chat_id, s.message_id) == key), None)
            if sent is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if sent.html == raw and sent.reply_markup == markup:
                raise ApiError(400, "Bad Request: message is not modified: specified new message content and "
                                    "reply markup are exactly the same as a current content and reply markup "
                                    "of the message")
            sent.html, sent.text, sent.reply_markup = raw, plain, markup
            sent.edits.append(time.monotonic())
        return self._message_json(sent)

    def _api_sendmessagedraft(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params.get("chat_id"))
        if chat.get("type") != "private":
            raise ApiError(400, "Bad Request: message drafts can be sent only to private chats")
        draft_id = params.get("draft_id")
        if not isinstance(draft_id, int) or isinstance(draft_id, bool) or draft_id == 0:
            raise ApiError(400, "Bad Request: draft_id must be a non-zero integer")
        plain = self._text(params)[1] if params.get("text") else ""  # empty: a "Thinking..." placeholder
        with self.cond:
            self.drafts.append((chat["id"], draft_id, plain, time.monotonic()))
        return True

    def _api_sendchataction(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        with self.cond:
            self.actions.append((chat["id"], params["action"], time.monotonic()))
        return True

    def _api_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an array of at most 100 commands")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(c.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = commands
        return True

    def _api_deletewebhook(self, params: dict[str, Any]) -> bool:
        with self.cond:
            self.webhook = None
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _api_setwebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            return self._api_deletewebhook(params)
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        with self.cond:
            self.webhook = {"url": url, "secret_token": secret,
                            "allowed_updates": params.get("allowed_updates")}
        return True

    def _api_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.cond:
            return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)}

    def _api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        with self.cond:
            if query_id not in self._callbacks or query_id in self.callback_answers:
                raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID "
                                    "is invalid")
            self.callback_answers[query_id] = {"text": params.get("text"),
                                               "show_alert": params.get("show_alert", False)}
        return True


    def _api_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.cond:
            stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        size = len(stored["content"])
        if size > DOWNLOAD_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": params["file_id"], "file_unique_id": stored["unique_id"], "file_size": size,
                "file_path": stored["path"]}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    server: _Server

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # the bot went away mid-request (shutdown), or go_down() cut the connection
            pass

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        self._serve()

    def do_GET(self) -> None:  # noqa: N802
        # PTB percent-encodes the URL (the token's ':' as %3A); the Bot API reads it decoded
        m = re.fullmatch(r"/file/bot([^/]+)/(.+)", unquote(urlsplit(self.path).path))
        if m is None:
            self._serve()
            return
        content = self.server.api.file_content(m.group(1), m.group(2))
        if content is None:
            self._send(404, "application/json", b'{"ok":false,"error_code":404,"description":"Not Found"}')
        else:
            self._send(200, "application/octet-stream", content)

    def _send(self, status: int, kind: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:  # the bot hung up (e.g. shutting down mid-poll), or go_down() cut the connection
            self.close_connection = True

    def _serve(self) -> None:
        url = urlsplit(self.path)
        raw: dict[str, Any] = dict(parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", url.path)
        if m is None:
            status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        elif kind == "multipart/form-data":
            status, payload = 400, {"ok": False, "error_code": 400,
                                    "description": "Bad Request: no files in this stand-in"}
        else:
            if kind == "application/json" and body:
                raw.update(json.loads(body))
            elif body:
                raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            status, payload = self.server.api.handle(m.group(1), m.group(2), decode_params(raw))
        self._send(status, "application/json", json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeBotApi

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()  # open (keep-alive) connections, cut by go_down()
        self.lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self.lock:
            for conn in self.connections:
                with suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class FakeBotApiServer:
    """The stand-in served over HTTP on 127.0.0.1 and a free port, in a background thread."""

    def __init__(self, api: FakeBotApi):
        self.api = api
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._serve(0)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.base_file_url = f"http://127.0.0.1:{self.port}/file/bot"

    def _serve(self, port: int) -> None:
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.api = self.api
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fake-bot-api", daemon=True)

    def __enter__(self) -> FakeBotApiServer:
        self._thread.start()
        return self

    def go_down(self) -> None:
        """An outage: stop listening and cut every open connection (a long poll in flight fails at once)."""
        server, self._server = self._server, None
        server.shutdown()
        server.server_close()
        server.cut_connections()
        self._thread.join(timeout=5)

    def come_back(self) -> None:
        """The end of an outage: listen again on the same port."""
        self._serve(self.port)
        self._thread.start()

    def __exit__(self, *exc: object) -> None:
        self.api.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
