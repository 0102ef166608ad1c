"""A document that holds terminal escape sequences cannot drive the terminal of `citebot chat`.

The file is real, the index is built by the chat on first use, and the chat runs on a real
pseudo-terminal: the raw bytes it writes must not contain the document's clear-screen (ESC [2J),
colour or window-title (OSC) sequences, while the quoted sentence still reads as it should.
"""

from __future__ import annotations

import re
from pathlib import Path

from repl_helpers import CITEBOT, citebot_env

from tests.escape_doc import INJECTED_DOCUMENT, QUESTION, SENTENCE

PROMPT = "citebot> "


def test_chat_on_a_terminal_quotes_the_sentence_without_its_escapes(terminal, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "vault.txt").write_text(INJECTED_DOCUMENT, encoding="utf-8")
    term = terminal([*CITEBOT, "chat"], citebot_env(tmp_path / "data", corpus))
    term.expect(re.escape(PROMPT), timeout=180)

    term.send(QUESTION + "\r")
    term.expect(r"\[1\] vault\.txt \(en\)", timeout=60)
    term.expect(re.escape(PROMPT))
    term.send("/show 1\r")
    # prompt_toolkit redraws "citebot> /show 1" when the line is accepted: wait for the passage itself, or the
    # Ctrl-D below can arrive while no prompt is reading and be eaten by the terminal's cooked mode
    term.expect(r"lighthouse door")
    term.expect(re.escape(PROMPT))
    term.send("\x04")
    assert term.wait(timeout=30) == 0

    raw = term.raw.decode("utf-8", "replace")
    assert SENTENCE in term.text  # quoted, readable
    assert "\x1b[2J" not in raw and "\x1b]0;" not in raw and "\x07" not in raw
    assert "PWNED" not in raw  # the title the document tried to set
    assert "\x1b[31m" not in raw  # the document's red (rich writes its own colours as ESC [1;31m etc.)
