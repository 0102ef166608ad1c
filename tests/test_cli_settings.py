"""A wrong setting gets one sentence naming the environment variable and what it accepts.

Not pydantic's multi-line report with a documentation link: `CITEBOT_CHUNK_SIZE=5 is invalid: must be
an integer from 32 to 480.`
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import SetupError, load_settings
from tests.isolation import ISOLATED_ENV

CITEBOT = str(Path(sys.executable).parent / "citebot")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CITEBOT_CHUNK_SIZE", "5", "CITEBOT_CHUNK_SIZE=5 is invalid: must be an integer from 32 to 480."),
        ("CITEBOT_CHUNK_SIZE", "big", "CITEBOT_CHUNK_SIZE=big is invalid: must be an integer from 32 to 480."),
        ("CHROMA_PORT", "80a", "CHROMA_PORT=80a is invalid: must be an integer."),
        ("CITEBOT_CHROMA_PORT", "x", "CITEBOT_CHROMA_PORT=x is invalid: must be an integer."),
        ("CITEBOT_CHROMA_TIMEOUT", "0", "CITEBOT_CHROMA_TIMEOUT=0 is invalid: must be a number greater than 0."),
        ("CITEBOT_RATE_LIMIT_PER_MINUTE", "0",
         "CITEBOT_RATE_LIMIT_PER_MINUTE=0 is invalid: must be an integer of at least 1."),
        ("CITEBOT_FOLLOW_LINKS", "maybe", "CITEBOT_FOLLOW_LINKS=maybe is invalid: must be true or false."),
    ],
)
def test_invalid_variable_is_named_in_one_sentence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   variable: str, value: str, message: str) -> None:
    for name in ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file
    monkeypatch.setenv(variable, value)
    with pytest.raises(SetupError) as raised:
        load_settings()
    assert str(raised.value) == message


def test_a_long_value_is_shortened_in_the_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CITEBOT_TOP_K", "9" * 5000)
    with pytest.raises(SetupError) as raised:
        load_settings()
    text = str(raised.value)
    assert text.startswith("CITEBOT_TOP_K=999") and text.endswith("is invalid: must be an integer from 1 to 50.")
    assert len(text) < 200


def test_the_command_exits_2_with_the_sentence_only(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    env["CITEBOT_CHUNK_SIZE"] = "5"
    result = subprocess.run([CITEBOT, "sources"], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr == "Error: CITEBOT_CHUNK_SIZE=5 is invalid: must be an integer from 32 to 480.\n"
