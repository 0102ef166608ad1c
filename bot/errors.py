"""The one base class of start-up failures, so every front end reports them the same way.

A leaf module (imports nothing of citebot): the LLM backends and the Telegram guard subclass it without
importing the startup code that catches it.
"""

from __future__ import annotations


class SetupError(RuntimeError):
    """citebot cannot start as configured (bad settings, no index, a missing extra, no token); the message
    is one sentence saying what to do, shown instead of a traceback."""
