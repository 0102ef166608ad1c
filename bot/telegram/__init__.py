"""The Telegram front end: `app` wires python-telegram-bot, `guard` holds the checks it needs (no telegram import)."""
