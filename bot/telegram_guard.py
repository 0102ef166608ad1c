"""The Telegram front end's plain-Python parts: token checks, log redaction, access, rate limits.

Nothing here imports telegram, so each piece is testable on its own; bot/telegram_app.py wires them in.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from itertools import count

from bot.answer import Citation

# BotFather tokens look like 123456789:AAH... (a numeric bot id, a colon, a 35-character secret).
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
TOKEN_HELP = (
    "Create a bot with @BotFather in Telegram, then run `export TELEGRAM_BOT_TOKEN=123456789:AA...` "
    "(or put TELEGRAM_BOT_TOKEN=... in .env) and start `citebot telegram` again."
)


class TelegramSetupError(ValueError):
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
        self.ids = {int(e) for e in entries if e.lstrip("-").isdigit()}
        self.usernames = {e.lstrip("@").lower() for e in entries if not e.lstrip("-").isdigit()}
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
    """Per-user sliding one-minute window of questions; memory stays bounded by pruning idle users."""

    def __init__(self, per_minute: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 prune_above: int = 4096):
        self.per_minute = per_minute
        self.window = window
        self.clock = clock
        self._times: dict[int, deque[float]] = {}
        self._notified_until: dict[int, float] = {}
        self._prune_above = prune_above

    def acquire(self, user_id: int) -> float:
        """0.0 and the question is counted; otherwise the seconds until the user may ask again."""
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
    """Recent answers' citations under short keys, for the 'show the passage' buttons (oldest dropped)."""

    def __init__(self, capacity: int = 1000):
        self.capacity = capacity
        self._items: OrderedDict[str, dict[int, Citation]] = OrderedDict()
        self._ids = count(1)

    def put(self, citations: Iterable[Citation]) -> str:
        key = format(next(self._ids), "x")
        self._items[key] = {c.n: c for c in citations}
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return key

    def get(self, key: str, n: int) -> Citation | None:
        return self._items.get(key, {}).get(n)

    def __len__(self) -> int:
        return len(self._items)
