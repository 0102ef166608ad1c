"""A damaged or deleted data directory: a clear message that says what to run, never a traceback.

Damage: garbage bytes over chroma.sqlite3, a truncated chroma.sqlite3, an emptied one. `citebot ask`
must exit 2 saying `citebot index --rebuild`, and following that advice must work. A deleted data
directory is a fresh start (`ask` builds the index first, per DESIGN.md); a data directory deleted
under a running bot must give a citebot error that says to run `citebot index`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fault_rig import TINY_FILE, cli_env, no_traceback, run_citebot, settings_for

QUESTION = "Siapa perusahaan induk TikTok?"
REBUILD = "citebot index --rebuild"


def _garbage(db: Path) -> None:
    db.write_bytes(os.urandom(db.stat().st_size))


def _truncated(db: Path) -> None:
    with db.open("r+b") as handle:
        handle.truncate(8192)


def _emptied(db: Path) -> None:
    db.write_bytes(b"")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage": _garbage,
    "truncated": _truncated,
    "emptied": _emptied,
}


def _repaired_or_told(result: subprocess.CompletedProcess[str]) -> bool:
    """Acceptable replies to a damaged store: exit 2 saying to rebuild, or a repair and an answer."""
    told = result.returncode == 2 and REBUILD in result.stderr
    repaired = result.returncode == 0 and TINY_FILE in result.stdout
    return told or repaired


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_store_asks_for_a_rebuild(
    damage: str, tiny_copy: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    DAMAGE[damage](tiny_copy / "chroma" / "chroma.sqlite3")
    result = run_citebot(["ask", QUESTION], cli_env(tiny_copy, tiny_corpus), tmp_path)
    assert _repaired_or_told(result), f"exit {result.returncode}: {result.stderr[-1500:]}"
    assert no_traceback(result.stdout, result.stderr)


def test_the_advice_works_rebuild_repairs_a_garbage_store(
    tiny_copy: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    _garbage(tiny_copy / "chroma" / "chroma.sqlite3")
    env = cli_env(tiny_copy, tiny_corpus)
    rebuild = run_citebot(["index", "--rebuild"], env, tmp_path)
    assert rebuild.returncode == 0, rebuild.stderr[-2000:]
    assert no_traceback(rebuild.stdout, rebuild.stderr)
    ask = run_citebot(["ask", QUESTION], env, tmp_path)
    assert ask.returncode == 0 and TINY_FILE in ask.stdout, ask.stderr[-2000:]


def test_plain_index_does_not_call_an_emptied_store_unchanged(
    tiny_copy: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    """`citebot index` on a store whose database was emptied must repair it or say to rebuild,
    not report every file unchanged and leave questions failing."""
    _emptied(tiny_copy / "chroma" / "chroma.sqlite3")
    env = cli_env(tiny_copy, tiny_corpus)
    index = run_citebot(["index"], env, tmp_path)
    assert no_traceback(index.stdout, index.stderr)
    if index.returncode == 2:
        assert REBUILD in index.stderr
        return
    assert index.returncode == 0, index.stderr[-2000:]
    ask = run_citebot(["ask", QUESTION], env, tmp_path)
    said = index.stderr.strip().splitlines()[-1]
    assert ask.returncode == 0 and TINY_FILE in ask.stdout, (
        f"`index` said {said!r}; `ask`: {ask.stderr[-500:]!r}"
    )


def test_deleted_data_dir_is_rebuilt_by_ask(tiny_copy: Path, tiny_corpus: Path, tmp_path: Path) -> None:
    shutil.rmtree(tiny_copy)
    result = run_citebot(["ask", QUESTION], cli_env(tiny_copy, tiny_corpus), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "no index yet" in result.stderr and TINY_FILE in result.stdout
    assert no_traceback(result.stdout, result.stderr)


def test_data_dir_deleted_under_a_running_engine(tiny_copy: Path, tiny_corpus: Path) -> None:
    """The bot notices on its next reload check and says what to run, instead of failing obscurely."""
    from bot.engine import CitebotIndexError, Engine

    engine = Engine(settings_for(tiny_copy, tiny_corpus, reload_seconds=0.5), build_if_missing=False)
    assert engine.answer(QUESTION).answered
    shutil.rmtree(tiny_copy)
    time.sleep(0.6)  # past reload_seconds: the next question runs the reload check
    with pytest.raises(CitebotIndexError, match="citebot index"):
        for _ in range(3):
            engine.answer(QUESTION)
