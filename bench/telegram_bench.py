"""Throughput, latency and memory of `citebot telegram` under many chats at once, over real HTTP.

usage: .venv/bin/python bench/telegram_bench.py [--chats 20] [--questions 500] [--data-dir DIR]

It starts the Bot API stand-in of the tests (tests/telegram/fake_bot_api.py) on 127.0.0.1, runs
`citebot telegram` (long polling) against it as a subprocess, and has --chats private chats ask at once,
each sending its next question as soon as the previous answer arrives, until --questions are answered.
It reports answers per second, p50/p95 from the update being available to getUpdates to the answer's
sendMessage reaching the stand-in, and the bot process's RSS as the questions add up (it should level off).
The per-user rate limit is raised for the run (one user would otherwise be limited to 10 a minute);
PTB's AIORateLimiter stays on, as in production (30 requests a second overall, typing actions included).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "telegram"))

from fake_bot_api import FakeBotApi, FakeBotApiServer  # noqa: E402

TOKEN = "123456789:AAHfakeTokenForCitebotBench_0123456789abc"
QUESTIONS = [
    "What is the H20?", "Who is Lin Qingyuan?", "Who bought the Ascend chips?",
    "How much did Nvidia make in China?",
    "Why is DeepSeek training slow?", "What did ByteDance buy instead?", "What is the capital of Peru?",
    "Siapa yang membeli chip Ascend?", "¿Qué es el H20?", "Quanto a Nvidia ganhou na China?",
]


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def start_bot(server: FakeBotApiServer, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "TELEGRAM_", "CHROMA_"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, CITEBOT_TELEGRAM_BASE_URL=server.base_url,
               CITEBOT_DATA_DIR=str(data_dir),
               CITEBOT_CORPUS=str(ROOT / "corpus"), CITEBOT_RATE_LIMIT_PER_MINUTE="1000000",
               ANONYMIZED_TELEMETRY="False", NO_PROXY="127.0.0.1")
    with log.open("wb") as err:
        return subprocess.Popen([str(ROOT / ".venv" / "bin" / "citebot"), "telegram"], env=env,
                                cwd=data_dir.parent, stdout=err, stderr=subprocess.STDOUT)


def run_chat(api: FakeBotApi, chat_id: int, take: Callable[[], int | None], latencies: list[float],
             lock: threading.Lock) -> None:
    """One chat: ask, wait for the answer, ask the next, while questions are left."""
    while (n := take()) is not None:
        before = len(api.messages_in(chat_id))
        update_id = api.send_text(chat_id, QUESTIONS[n % len(QUESTIONS)], user_id=chat_id)
        reply = api.wait_for(lambda b=before: len(m := api.messages_in(chat_id)) > b and m[b], 60)
        with lock:
            latencies.append(reply.at - api.pushed_at[update_id])


def measure(api: FakeBotApi, chats: int, questions: int, first_chat: int) -> tuple[list[float], float]:
    """`questions` answered by `chats` concurrent chats; (latencies in s, wall time in s)."""
    counter = iter(range(questions))
    lock = threading.Lock()

    def take() -> int | None:
        with lock:
            return next(counter, None)

    latencies: list[float] = []
    threads = [threading.Thread(target=run_chat, args=(api, first_chat + i, take, latencies, lock))
               for i in range(chats)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--data-dir", type=Path, default=None, help="An index to copy (default: build one).")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="citebot-tgbench-"))
    data_dir = work / "data"
    source = args.data_dir or Path(os.environ.get("CITEBOT_DATA_DIR", ROOT / ".citebot"))
    if source.is_dir() and any(source.iterdir()):
        shutil.copytree(source, data_dir)  # otherwise the bot builds the index at start-up
    api = FakeBotApi(TOKEN)
    with FakeBotApiServer(api) as server:
        started = time.monotonic()
        bot = start_bot(server, data_dir, work / "bot.log")
        try:
            api.wait_for(lambda: api.calls_of("getUpdates") or bot.poll() is not None, timeout=600)
            if bot.poll() is not None:
                sys.exit(f"the bot exited:\n{(work / 'bot.log').read_text()[-3000:]}")
            ready = time.monotonic() - started
            print(f"bot ready in {ready:.1f} s; RSS {rss_mb(bot.pid):.0f} MB", flush=True)
            measure(api, args.chats, args.chats, first_chat=10_000)  # warm-up: one question per chat
            alone, _ = measure(api, 1, 20, first_chat=30_000)  # one chat alone: no queueing anywhere
            rows = [("after warm-up", args.chats, rss_mb(bot.pid))]
            latencies: list[float] = []
            wall = 0.0
            step = max(args.questions // 5, 1)
            for done in range(step, args.questions + 1, step):
                lat, seconds = measure(api, args.chats, step, first_chat=20_000)
                latencies += lat
                wall += seconds
                rows.append((f"after {done} questions", done, rss_mb(bot.pid)))
        finally:
            bot.terminate()
            bot.wait(timeout=30)
    print(f"\n{args.chats} concurrent chats, {len(latencies)} questions over HTTP to the Bot API stand-in")
    print(f"answers per second: {len(latencies) / wall:.1f}")
    print(f"update -> sendMessage: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
          f"p95 {percentile(latencies, 95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
          f"(mean {statistics.fmean(latencies) * 1000:.0f} ms)")
    print(f"one chat alone (20 questions): p50 {percentile(alone, 50) * 1000:.0f} ms, "
          f"p95 {percentile(alone, 95) * 1000:.0f} ms")
    print("\n| point | questions | bot RSS (MB) |\n|---|---:|---:|")
    for label, n, mb in rows:
        print(f"| {label} | {n} | {mb:.0f} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
