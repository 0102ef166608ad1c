"""citebot's settings as the bot side sees them (front ends import them from here, never from index/)."""

from __future__ import annotations

from index.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
