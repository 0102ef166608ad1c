"""End to end: `citebot telegram --watch` as a subprocess, documents sent to it over HTTP through the Bot API
stand-in (getFile and file downloads included), the corpus folder watched.

One bot for the module (admin 600); the tests run in file order and build on each other: an admin's PDF is
added and answered from, /forget removes it again, an edit in the folder is picked up within 10 s.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_bot_api import FakeBotApi, Sent
from telegram_rig import TOKEN, BotProcess, start_bot, stop_bot, wait_ready

from bot.prompts import load_prompt
from index.store import Manifest
from tests.index.docmaker import make_pdf

ADMIN, STRANGER = 600, 601
PDF_NAME = "Varnholm lighthouse report.pdf"
PDF_PAGES = [
    ["The Varnholm lighthouse was built in 1871 on a granite islet north of the harbour."],
    ["Between 1890 and 1912 the keepers of Varnholm logged forty-one shipwrecks in the strait."],
]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, built_data_dir: Path) -> Iterator[BotProcess]:
    api = FakeBotApi(TOKEN)
    process = start_bot(tmp_path_factory.mktemp("documents-bot"), built_data_dir, ["--watch"], api,
                        CITEBOT_ADMINS=f"{ADMIN},@other_admin", CITEBOT_RATE_LIMIT_PER_MINUTE="100",
                        CITEBOT_RELOAD_SECONDS="0.5")
    try:
        wait_ready(process, "getUpdates")
        yield process
    finally:
        stop_bot(process)


def reply_in(api: FakeBotApi, chat_id: int, after: int, timeout: float = 60.0) -> Sent:
    """The first message the bot sent to `chat_id` beyond the `after` it had sent before."""
    return api.wait_for(lambda: len(m := api.messages_in(chat_id)) > after and m[after], timeout)


def ask_with_document(api: FakeBotApi, name: str, content: bytes) -> Sent:
    """The admin sends a file; the bot's reply once it has one."""
    before = len(api.messages_in(ADMIN))
    api.send_document(ADMIN, name, content, mime_type="application/pdf")
    return reply_in(api, ADMIN, before, timeout=120)


def ask(api: FakeBotApi, chat_id: int, question: str) -> Sent:
    before = len(api.messages_in(chat_id))
    api.send_text(chat_id, question)
    return reply_in(api, chat_id, before)


def test_a_file_from_a_non_admin_is_refused_without_downloading_it(bot: BotProcess) -> None:
    api = bot.api
    api.send_document(STRANGER, "notes.txt", b"Some notes about the harbour.\n", mime_type="text/plain")
    refusal = reply_in(api, STRANGER, 0)
    assert refusal.text == load_prompt("telegram_document_not_admin")
    assert api.calls_of("getFile") == [] and api.downloads == []
    assert not (bot.corpus / "notes.txt").exists()


def test_a_25_mb_file_is_refused_naming_the_limit(bot: BotProcess) -> None:
    api = bot.api
    api.send_document(ADMIN, "huge.pdf", b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024), mime_type="application/pdf")
    refusal = reply_in(api, ADMIN, 0)
    assert "20 MB" in refusal.text and "26.2 MB" in refusal.text and "did not add" in refusal.text
    assert api.downloads == [] and not (bot.corpus / "huge.pdf").exists()


def test_a_type_citebot_cannot_read_is_refused_before_it_is_downloaded(bot: BotProcess) -> None:
    """The name says it (.exe): until 2026-12-03 the file was fetched from Telegram, up to 20 MB, to be refused."""
    api = bot.api
    before = len(api.messages_in(ADMIN))
    downloaded = len(api.downloads)
    api.send_document(ADMIN, "tool.exe", b"MZ\x90\x00" + b"\x00" * 4096, mime_type="application/octet-stream")
    refusal = reply_in(api, ADMIN, before)
    assert "I can only add" in refusal.text and "not .exe" in refusal.text
    assert len(api.downloads) == downloaded and not (bot.corpus / "tool.exe").exists()


def test_an_admins_pdf_is_added_and_then_answered_from_with_a_citation(bot: BotProcess) -> None:
    api = bot.api
    before = len(api.messages_in(ADMIN))
    update_id = api.send_document(ADMIN, PDF_NAME, make_pdf(PDF_PAGES), mime_type="application/pdf")
    file_id = api.pushed[update_id]["message"]["document"]["file_id"]
    added = reply_in(api, ADMIN, before, timeout=120)
    assert re.match(rf"Added {re.escape(PDF_NAME)} \(en, (1 chunk|\d+ chunks)\)", added.text), added.text
    assert (bot.corpus / PDF_NAME).read_bytes() == make_pdf(PDF_PAGES)
    assert api.downloads == [api.files[file_id]["path"]]  # fetched over HTTP from <base_file_url><token>/<path>

    answer = ask(api, ADMIN, "How many shipwrecks did the Varnholm keepers log?")
    assert "forty-one shipwrecks" in answer.text and answer.buttons, answer.text
    assert PDF_NAME in answer.text.split("\n\n", 1)[1]  # the source list names the uploaded file
    assert "page 2" in answer.text  # where in the PDF

    listing = ask(api, ADMIN, "/sources")
    line = next(line for line in listing.text.splitlines() if PDF_NAME in line)
    assert "added by User600 on " in line and "UTC" in line
    uploads = json.loads((bot.data_dir / "uploads.json").read_text())
    assert uploads["files"][PDF_NAME]["by_id"] == ADMIN


def test_an_unreadable_document_gets_one_sentence_and_changes_nothing(bot: BotProcess) -> None:
    api = bot.api
    before_files = sorted(p.name for p in bot.corpus.iterdir())
    before_index = (bot.data_dir / "citebot.manifest.json").read_bytes()
    reply = ask_with_document(api, "scan.pdf", b"GIF89a this is a picture, not a PDF")
    assert reply.text == "I could not read scan.pdf (not a PDF), so nothing was added."
    assert sorted(p.name for p in bot.corpus.iterdir()) == before_files
    assert (bot.data_dir / "citebot.manifest.json").read_bytes() == before_index


def test_a_new_version_under_the_same_name_is_an_update(bot: BotProcess) -> None:
    pages = [*PDF_PAGES, ["A third page was added in the 1913 edition of the report."]]
    reply = ask_with_document(bot.api, PDF_NAME, make_pdf(pages))
    assert reply.text.startswith(f"Updated {PDF_NAME} (en, ") and "new version" in reply.text, reply.text
    assert (bot.corpus / PDF_NAME).read_bytes() == make_pdf(pages)
    assert not [p for p in bot.corpus.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_forget_can_be_declined_and_is_for_admins_only(bot: BotProcess) -> None:
    api = bot.api
    refusal = ask(api, STRANGER, f"/forget {PDF_NAME}")
    assert refusal.text == load_prompt("telegram_forget_not_admin") and not refusal.buttons
    assert ask(api, ADMIN, "/forget ../../etc/passwd").text.startswith("Name a document the way /sources")
    confirm = ask(api, ADMIN, f"/forget {PDF_NAME}")
    keep = next(b["callback_data"] for b in confirm.buttons if b["text"] == load_prompt("telegram_forget_no"))
    api.tap(confirm, keep, user_id=ADMIN)
    api.wait_for(lambda: confirm.edits, timeout=30)
    assert confirm.text == load_prompt("telegram_forget_kept").format(name=PDF_NAME) and not confirm.buttons
    assert (bot.corpus / PDF_NAME).exists()


def test_questions_are_answered_while_a_document_is_being_indexed(bot: BotProcess) -> None:
    api = bot.api
    towns = ["Aldby", "Brenna", "Corrin", "Dalsvik", "Eskel", "Fjordum", "Grannvik", "Hollin"]
    text = "\n\n".join(f"The harbour of {town} {n} recorded {n * 7 + 3} fishing boats in the spring census."
                       for n in range(1, 16) for town in towns)  # 120 paragraphs: seconds of embedding
    before = len(api.messages_in(ADMIN))
    api.send_document(ADMIN, "harbour census.txt", text.encode(), mime_type="text/plain")
    api.wait_for(lambda: api.downloads and api.downloads[-1].endswith(".txt"), timeout=30)  # indexing starts
    answer = ask(api, 602, "How many shipwrecks did the Varnholm keepers log?")  # another user meanwhile
    added = reply_in(api, ADMIN, before, timeout=180)
    assert added.text.startswith("Added harbour census.txt (en, "), added.text
    assert "forty-one shipwrecks" in answer.text and answer.at < added.at  # answered before indexing ended


def test_forget_asks_first_then_removes_the_document_from_folder_and_index(bot: BotProcess) -> None:
    api = bot.api
    confirm = ask(api, ADMIN, f"/forget {PDF_NAME}")
    assert confirm.text == load_prompt("telegram_forget_confirm").format(name=PDF_NAME)
    remove = next(b["callback_data"] for b in confirm.buttons if b["text"] == load_prompt("telegram_forget_yes"))
    forged = api.tap(confirm, remove, user_id=STRANGER)  # someone else's tap on the admin's button
    api.wait_for(lambda: forged in api.callback_answers)
    assert api.callback_answers[forged]["text"] == load_prompt("telegram_forget_expired")
    assert (bot.corpus / PDF_NAME).exists()

    api.tap(confirm, remove, user_id=ADMIN)
    api.wait_for(lambda: confirm.edits and confirm.text.startswith("Removed"), timeout=120)
    assert confirm.text == load_prompt("telegram_forget_done").format(name=PDF_NAME)
    assert not (bot.corpus / PDF_NAME).exists()
    answer = ask(api, ADMIN, "How many shipwrecks did the Varnholm keepers log?")
    assert PDF_NAME not in answer.text and "forty-one" not in answer.text
    assert "Varnholm" not in ask(api, ADMIN, "/sources").text


def test_the_watched_folder_picks_up_an_edit_within_10_seconds(bot: BotProcess) -> None:
    target = bot.corpus / "ferry.txt"
    mirror = bot.data_dir / "citebot.manifest.json"

    def indexed_sha() -> str | None:
        entry = Manifest.from_json(json.loads(mirror.read_text())["manifest"]).files.get(target.name)
        return entry.sha256 if entry else None

    def wait_indexed(previous: str | None, seconds: float, what: str) -> None:
        started = time.monotonic()
        while indexed_sha() == previous:
            assert time.monotonic() - started < seconds, f"{what} was not indexed within {seconds:g} s"
            time.sleep(0.2)

    target.write_text("The Varnholm ferry leaves the harbour at seven.\n", encoding="utf-8")  # a new file
    wait_indexed(None, 60, "a new file")  # untimed: the first pass may still be warming up
    before = indexed_sha()
    with target.open("a", encoding="utf-8") as handle:
        handle.write("\nThe Varnholm ferry carries exactly 212 bicycles every Sunday morning.\n")
    wait_indexed(before, 10, "the edit")
    time.sleep(1)  # the bot checks for a new index version every CITEBOT_RELOAD_SECONDS (0.5 s here)
    answer = ask(bot.api, ADMIN, "How many bicycles does the Varnholm ferry carry on Sundays?")
    assert "212 bicycles" in answer.text and target.name in answer.text, answer.text
