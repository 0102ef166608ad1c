"""The Telegram front end's plain-Python parts: token checks, log redaction, access, rate limits,
the source-button store and the polling-health log.

Nothing here imports telegram, so each piece is testable on its own; bot/telegram/app.py wires them in.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

from bot.answer import Citation
from bot.errors import SetupError
from bot.settings import USER_ID

# BotFather tokens look like 123456789:AAH... (a numeric bot id, a colon, a 35-character secret).
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
TOKEN_HELP = (
    "Create a bot with @BotFather in Telegram, then run `export TELEGRAM_BOT_TOKEN=123456789:AA...` "
    "(or put TELEGRAM_BOT_TOKEN=... in .env) and start `citebot telegram` again."
)


class TelegramSetupError(SetupError):
    """The bot cannot start (no token, a malformed one, Telegram unreachable); the message says what to do."""


def check_token(token: str | None) -> str:
    """The token, stripped; TelegramSetupError that never echoes it when it is missing or malformed."""
    token = (token or "").strip()
    if not token:
        raise TelegramSetupError(f"TELEGRAM_BOT_TOKEN is not set. {TOKEN_HELP}")
    if not _TOKEN.match(token):
        raise TelegramSetupError(
            "TELEGRAM_BOT_TOKEN is malformed (expected digits, a colon and a 35-character secret). "
            + TOKEN_HELP
        )
    return token


class RedactingFormatter(logging.Formatter):
    """Wraps a handler's formatter and blanks secrets anywhere in the output, tracebacks included.

    PTB logs the Bot API URL (which contains the token) at DEBUG, and HTTP errors can quote it.
    """

    def __init__(self, inner: logging.Formatter | None, secrets: Iterable[str]):
        super().__init__()
        self._inner = inner or logging.Formatter()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = self._inner.format(record)
        for secret in self._secrets:
            text = text.replace(secret, "<redacted>")
        return text


def redact_logs(*secrets: str, handlers: Iterable[logging.Handler] | None = None) -> None:
    """Make the given handlers (default: the root logger's) blank the secrets, and a token's secret half."""
    expanded = [part for s in secrets if s for part in (s, s.partition(":")[2])]
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(handler.formatter, expanded))


class AccessList:
    """CITEBOT_ALLOWED_USERS: numeric ids and @usernames; empty lets everyone in."""

    def __init__(self, spec: str, max_refused: int = 10_000):
        entries = [e.strip() for e in spec.split(",") if e.strip()]
        numeric = [e for e in entries if USER_ID.fullmatch(e)]
        self.ids = {int(e) for e in numeric}
        self.usernames = {e.lstrip("@").lower() for e in entries if e not in numeric}
        self._refused: OrderedDict[int, None] = OrderedDict()
        self._max_refused = max_refused

    @property
    def open(self) -> bool:
        return not (self.ids or self.usernames)

    def allows(self, user_id: int | None, username: str | None) -> bool:
        if self.open:
            return True
        if user_id is None:
            return False
        return user_id in self.ids or bool(username and username.lower() in self.usernames)

    def first_refusal(self, user_id: int | None) -> bool:
        """True the first time a refused user writes, so each gets one short refusal, then silence."""
        key = user_id if user_id is not None else 0
        if key in self._refused:
            return False
        self._refused[key] = None
        if len(self._refused) > self._max_refused:
            self._refused.popitem(last=False)
        return True


class RateLimit:
    """Per-user sliding one-minute window of replies (answers, commands, passages, refusals of bad input);
    memory stays bounded by pruning idle users."""

    def __init__(self, per_minute: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 prune_above: int = 4096):
        self.per_minute = per_minute
        self.window = window
        self.clock = clock
        self._times: dict[int, deque[float]] = {}
        self._notified_until: dict[int, float] = {}
        self._prune_above = prune_above

    def acquire(self, user_id: int) -> float:
        """0.0 and the reply is counted; otherwise the seconds until the user may have another."""
        now = self.clock()
        times = self._times.setdefault(user_id, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.per_minute:
            return max(times[0] + self.window - now, 0.1)
        times.append(now)
        if len(self._times) > self._prune_above:
            self._prune(now)
        return 0.0

    def should_notify(self, user_id: int, wait: float) -> bool:
        """True once per blocked stretch, so a user who keeps sending gets one 'retry in' reply, not many."""
        now = self.clock()
        if self._notified_until.get(user_id, 0.0) > now:
            return False
        self._notified_until[user_id] = now + wait
        return True

    def _prune(self, now: float) -> None:
        for uid in [u for u, t in self._times.items() if not t or t[-1] <= now - self.window]:
            del self._times[uid]
        for uid in [u for u, until in self._notified_until.items() if until <= now]:
            del self._notified_until[uid]


class CitationStore:
    """Recent answers' citations for the 'show the passage' buttons, each bound to the chat it was sent to.

    Callback data comes from the client and can be forged, so a key is 128 random bits (nobody can guess
    another chat's), and a key only opens passages in the chat its answer went to. Least recently used
    answers are dropped past `capacity`, which bounds memory.
    """

    def __init__(self, capacity: int = 1000):
        self.capacity = capacity
        self._items: OrderedDict[str, tuple[int, dict[int, Citation]]] = OrderedDict()

    def put(self, chat_id: int, citations: Iterable[Citation]) -> str:
        key = secrets.token_urlsafe(16)  # 22 characters: "p:KEY:N" stays far below the 64-byte limit
        self._items[key] = (chat_id, {c.n: c for c in citations})
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return key

    def get(self, chat_id: int, key: str, n: int) -> Citation | None:
        """The citation, or None when the key is unknown, expired, or belongs to another chat."""
        owner, citations = self._items.get(key, (None, {}))
        if owner != chat_id:
            return None
        self._items.move_to_end(key)
        return citations.get(n)

    def __len__(self) -> int:
        return len(self._items)


class PollHealth:
    """The log of long polling: one WARNING line per failed poll, one INFO line when polls get through again.

    A Bot API outage is routine (PTB keeps retrying with a growing pause), so it deserves a line per try,
    not an ERROR with a traceback each time; recovery is worth one line so the log shows when it ended.
    PTB also hands each failed poll to the error handler, which asks `reported()` to skip those.
    """

    def __init__(self, log: logging.Logger, clock: Callable[[], float] = time.monotonic):
        self.log = log
        self.clock = clock
        self.failures = 0
        self._since = 0.0
        self._last: BaseException | None = None

    def failed(self, error: BaseException, unreachable: bool) -> None:
        if not self.failures:
            self._since = self.clock()
        self.failures += 1
        self._last = error
        reason = shorten_reason(f"{type(error).__name__}: {error}")
        if unreachable:
            self.log.warning("Bot API unreachable while polling (%s); retrying", reason)
        else:
            self.log.warning("polling for updates failed (%s); retrying", reason)

    def succeeded(self) -> None:
        if self.failures:
            self.log.info("Bot API reachable again after %d failed polls (%.0f s)", self.failures,
                          self.clock() - self._since)
            self.failures = 0

    def reported(self, error: object) -> bool:
        """Whether `error` is the failed poll logged last (so the error handler need not log it again)."""
        return error is not None and error is self._last


def shorten_reason(text: str, limit: int = 200) -> str:
    """An error's text on one line, at most `limit` characters (a log entry stays one line)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
