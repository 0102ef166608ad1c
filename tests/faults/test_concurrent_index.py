"""Index runs that overlap: each other, and the questions of a running bot.

- A second `citebot index` while one is writing exits 2 with a clear message, or waits with --wait.
- A question asked while an index update runs is answered from the old index or the new one, never a
  mix; and the running engine moves to the new index by itself.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from fault_rig import CORPUS, citebot, cli_env, no_traceback, settings_for
from filelock import FileLock, Timeout

BUSY = "another `citebot index` is writing"
OLD, NEW = "004_93b1566d212200ce.txt", "005_updated_edition.txt"


def wait_until_locked(lock_path: Path, writer: subprocess.Popen[str], timeout: float = 120) -> None:
    """Return once `writer` holds the index lock (probing never blocks it: it runs with --wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert writer.poll() is None, f"the first index run ended before taking the lock: {writer.stderr}"
        if lock_path.exists():
            probe = FileLock(str(lock_path))
            try:
                probe.acquire(timeout=0)
            except Timeout:
                return
            probe.release()
        time.sleep(0.05)
    raise AssertionError("the first index run never took the lock")


def finish(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str, str, float]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err, time.monotonic()


@pytest.fixture
def two_doc_corpus(tmp_path: Path) -> Path:
    """Two documents: enough work that a build holds the lock for several seconds."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_a037ab22804b191b.txt", "003_beaee59b89498f57.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    return corpus


def test_second_index_run_exits_clearly_or_waits(tmp_path: Path, two_doc_corpus: Path) -> None:
    data = tmp_path / "data"
    env = cli_env(data, two_doc_corpus)
    first = citebot(["index", "--wait", "60"], env, tmp_path)
    started = [first]
    try:
        wait_until_locked(data / "index.lock", first)
        second = citebot(["index"], env, tmp_path)
        waiter = citebot(["index", "--wait", "300"], env, tmp_path)
        started += [second, waiter]
        code, _out, err, _ = finish(second)
        assert code == 2 and BUSY in err, (
            f"second run: exit {code}, first run still going: {first.poll() is None}; {err[-1500:]}"
        )
        assert "--wait" in err and no_traceback(err)
        first_code, _, first_err, first_done = finish(first)
        waiter_code, _, waiter_err, waiter_done = finish(waiter)
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
    assert first_code == 0, first_err[-2000:]
    assert "2 added" in first_err
    assert waiter_code == 0, waiter_err[-2000:]
    assert waiter_done >= first_done
    assert "0 added" in waiter_err and "2 unchanged" in waiter_err, (
        "the waiting run must see the first one's index"
    )


def _files(answer, retrieval) -> set[str]:
    cited = {c.file for c in answer.citations} | {f for c in answer.citations for f in c.also_in}
    return cited | {p.file for p in retrieval.passages}


def test_questions_during_an_index_update_see_old_or_new_never_a_mix(
    tmp_path: Path, private_data_dir: Path, corpus_copy: Path
) -> None:
    """The update replaces 004 by 005 (same story, new file): a reply drawing on both would be a mix."""
    from bot.engine import Engine

    engine = Engine(settings_for(private_data_dir, corpus_copy, reload_seconds=0.5), build_if_missing=False)
    question = "Who is Lin Qingyuan?"
    text = (corpus_copy / OLD).read_text(encoding="utf-8")
    (corpus_copy / OLD).unlink()
    (corpus_copy / NEW).write_text(text + "\nThis is the updated edition of the story.\n", encoding="utf-8")

    samples: list[tuple[bool, set[str]]] = []  # (index run still going, files the reply drew on)
    errors: list[tuple[bool, str]] = []
    update = citebot(["index"], cli_env(private_data_dir, corpus_copy), tmp_path)
    try:
        finished_at = None
        while finished_at is None or time.monotonic() - finished_at < 15:
            running = update.poll() is None
            if not running and finished_at is None:
                finished_at = time.monotonic()
            try:
                reply = engine.conversation().ask(question)
                answer, retrieval = reply.answer, reply.retrieval
            except Exception as exc:  # noqa: BLE001 - collected, asserted below
                errors.append((running, f"{exc.__class__.__name__}: {exc}"))
                time.sleep(0.1)
                continue
            samples.append((running, _files(answer, retrieval)))
            if not running and NEW in samples[-1][1]:
                break
    finally:
        if update.poll() is None:
            update.kill()
        _, err = update.communicate(timeout=60)
    assert update.returncode == 0, err[-2000:]
    assert sum(running for running, _ in samples) >= 3, "too few questions overlapped the index run"
    mixed = [files for _, files in samples if OLD in files and NEW in files]
    problems = []
    if mixed:
        problems.append(f"{len(mixed)} replies drew on the old and the new index at once: {sorted(mixed[0])}")
    if errors:
        kinds = sorted({message for _, message in errors})[:3]
        problems.append(f"{len(errors)} of {len(errors) + len(samples)} questions raised: {kinds}")
    if OLD not in samples[0][1]:
        problems.append("the first reply did not come from the old index")
    if NEW not in samples[-1][1]:
        problems.append("the engine never switched to the new index")
    assert not problems, "; ".join(problems)


def test_an_in_process_reader_reloading_during_an_in_process_pass_breaks_neither(tmp_path: Path) -> None:
    """`chat --watch` and `telegram --watch` index on a thread of the process that answers. Opening a
    snapshot forgets Chroma's cached clients (to see other processes' writes); done while this process's
    own pass uses that client, it broke the pass or the reader (AttributeError from a stopped client)."""
    import threading

    from index.ingest import build_index
    from index.publish import LocalState, open_snapshot

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = settings_for(tmp_path / "data", corpus)
    build_index(settings)
    for i in range(4):  # several files: several store writes for the reader to cut into
        (corpus / f"edition{i}.txt").write_text((corpus / OLD).read_text(encoding="utf-8") + f"\nEdition {i}.\n",
                                                encoding="utf-8")
    failures: list[BaseException] = []

    def write() -> None:
        try:
            build_index(settings)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    state = LocalState(settings.data_dir, settings.collection)
    opened = 0
    while writer.is_alive():
        try:
            snapshot = open_snapshot(settings, state)
            snapshot.store.count()
            opened += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
            break
    writer.join(timeout=300)
    assert not failures, repr(failures)
    assert opened > 0
    snapshot = open_snapshot(settings, state)
    assert {f"edition{i}.txt" for i in range(4)} <= set(snapshot.manifest.files)


def test_threads_opening_the_same_new_store_at_once_all_get_a_working_one(tmp_path: Path) -> None:
    """Chroma starts a path's shared client unguarded: a thread arriving meanwhile got it half started."""
    from index.ingest import build_index
    from index.publish import LocalState, open_snapshot
    from tests.concurrency import all_at_once

    settings = settings_for(tmp_path / "data", CORPUS)
    build_index(settings)
    state = LocalState(settings.data_dir, settings.collection)
    failures = all_at_once(lambda: open_snapshot(settings, state).store.count(), threads=4, rounds=3)
    assert not failures, repr(failures)


def test_ask_while_another_run_builds_the_index_says_it_waits_for_it(tmp_path: Path, two_doc_corpus: Path) -> None:
    """`ask` with no index while another process holds the lock (a first build, or `index --rebuild`, which drops
    the index first) said "building it from CORPUS" and then sat silent for as long as the other run took (the
    sweep of 2026-12-03): it now says that it waits for the other run, then answers."""
    data = tmp_path / "data"
    data.mkdir()
    held = FileLock(str(data / "index.lock"))
    held.acquire()
    try:
        asker = citebot(["ask", "--json", "Who makes the Ascend chips?"], cli_env(data, two_doc_corpus), tmp_path)
        time.sleep(3)
        assert asker.poll() is None  # still waiting for the lock
    finally:
        held.release()
    code, out, err, _ = finish(asker)
    assert code == 0 and no_traceback(out, err), err
    assert "another `citebot index` run is building it" in err and "waiting for it" in err
    assert '"answered": true' in out
