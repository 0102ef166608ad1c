"""Edge values of the settings a user sweep found: each gets one sentence and exit code 2, never a
traceback, and an empty variable means the default.

Folders that cannot be folders (a file, a path under a file, /proc), language codes in any case or
unknown, empty values, a corpus that is a file, collection names Chroma refuses, and an abstention
margin that is not a probability.
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
EDGE_ENV = (*ISOLATED_ENV, "CITEBOT_LANGUAGES", "CITEBOT_COLLECTION", "CITEBOT_ABSTAIN_BELOW")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in EDGE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file
    return monkeypatch


def _refusal(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> str:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SetupError) as raised:
        load_settings()
    return str(raised.value)


def _cli(args: list[str], cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in EDGE_ENV}
    env.update(variables)
    return subprocess.run([CITEBOT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    return result.stderr.strip()


# 1. a data folder that cannot be one


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "afile"
    path.write_text("not a folder\n")
    return path


def test_a_data_dir_under_a_file_is_refused_in_one_sentence(clean_env: pytest.MonkeyPatch, a_file: Path) -> None:
    message = _refusal(clean_env, "CITEBOT_DATA_DIR", str(a_file / "data"))
    assert message.startswith("CITEBOT_DATA_DIR=") and " is not a usable folder: " in message
    assert message.endswith(f"{a_file} is a file.")


def test_a_data_dir_that_is_a_file_is_refused_in_one_sentence(clean_env: pytest.MonkeyPatch, a_file: Path) -> None:
    message = _refusal(clean_env, "CITEBOT_DATA_DIR", str(a_file))
    assert message.startswith("CITEBOT_DATA_DIR=") and message.endswith(f"is not a usable folder: {a_file} is a file.")


@pytest.mark.parametrize("command", [["index"], ["ask", "Who keeps the lighthouse?"], ["sources"]])
@pytest.mark.parametrize("under", [False, True])
def test_the_commands_exit_2_on_a_data_dir_that_is_or_is_under_a_file(tmp_path: Path, a_file: Path,
                                                                       command: list[str], under: bool) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data_dir = a_file / "data" if under else a_file
    line = _one_sentence(_cli(command, tmp_path, CITEBOT_DATA_DIR=str(data_dir), CITEBOT_CORPUS=str(corpus)))
    assert "CITEBOT_DATA_DIR=" in line and line.endswith(f"is not a usable folder: {a_file} is a file.")
    assert a_file.read_text() == "not a folder\n"  # nothing lost


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("command", [["index"], ["ask", "Who keeps the lighthouse?"]])
def test_a_data_dir_that_cannot_be_created_exits_2(tmp_path: Path, command: list[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The lighthouse keeper of Port Nebula is called Ariadne Voss.\n")
    result = _cli(command, tmp_path, CITEBOT_DATA_DIR="/proc/citebot", CITEBOT_CORPUS=str(corpus))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    last = result.stderr.splitlines()[-1]  # `ask` says first that it builds the index
    assert last == ("Error: CITEBOT_DATA_DIR=/proc/citebot is not a usable folder: /proc/citebot: "
                    "No such file or directory.")


# 2. languages


def test_language_codes_are_accepted_in_any_case(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CITEBOT_LANGUAGES", " EN, Es ,en")
    settings = load_settings()
    assert settings.language_list == ["en", "es"]


def test_unknown_language_codes_are_named_with_the_accepted_ones(clean_env: pytest.MonkeyPatch) -> None:
    message = _refusal(clean_env, "CITEBOT_LANGUAGES", "xx,EN,yy")
    assert message.startswith("CITEBOT_LANGUAGES=xx,EN,yy is invalid: xx, yy are not language codes")
    assert " en, " in message and len(message) < 250 and message.endswith(".")  # short: not all 140 codes
    assert "\n" not in message


def test_a_language_list_without_codes_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    message = _refusal(clean_env, "CITEBOT_LANGUAGES", " , ")
    assert message.startswith("CITEBOT_LANGUAGES=") and "at least one language code" in message


def test_the_known_languages_are_the_detectors() -> None:
    from index.language import _model
    from index.settings import KNOWN_LANGUAGES

    assert set(KNOWN_LANGUAGES) == set(_model()[2])


def test_unknown_languages_exit_2_before_anything_is_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The lighthouse keeper of Port Nebula is called Ariadne Voss.\n")
    line = _one_sentence(_cli(["index"], tmp_path, CITEBOT_DATA_DIR=str(tmp_path / "data"),
                              CITEBOT_CORPUS=str(corpus), CITEBOT_LANGUAGES="xx,yy"))
    assert line.startswith("Error: CITEBOT_LANGUAGES=xx,yy is invalid: xx, yy are not language codes")
    assert not (tmp_path / "data").exists()


# 2 and 3. empty values


@pytest.mark.parametrize(("variable", "field", "default"), [
    ("CITEBOT_DATA_DIR", "data_dir", Path(".citebot")), ("CITEBOT_CORPUS", "corpus", Path("corpus")),
    ("CITEBOT_LANGUAGES", "languages", "en,id,es,pt,fr,de,it,nl"), ("CITEBOT_TOP_K", "top_k", 8),
])
def test_an_empty_variable_means_the_default(clean_env: pytest.MonkeyPatch, variable: str, field: str,
                                             default: object) -> None:
    clean_env.setenv(variable, "")
    assert getattr(load_settings(), field) == default


def test_an_empty_corpus_variable_does_not_read_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("The lighthouse keeper of Port Nebula is called Ariadne Voss.\n")
    result = _cli(["index", "--dry-run"], tmp_path, CITEBOT_CORPUS="", CITEBOT_DATA_DIR="")
    line = _one_sentence(result)
    assert "corpus folder corpus does not exist" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.txt"]


# 4. a corpus that is a file, collection names


def test_a_corpus_that_is_a_file_is_not_a_folder(clean_env: pytest.MonkeyPatch, a_file: Path) -> None:
    message = _refusal(clean_env, "CITEBOT_CORPUS", str(a_file))
    assert message.endswith(f"is not a usable folder: {a_file} is a file.")
    assert "does not exist" not in message


def test_index_on_a_corpus_file_says_it_is_a_file(tmp_path: Path, a_file: Path) -> None:
    line = _one_sentence(_cli(["index"], tmp_path, CITEBOT_CORPUS=str(a_file), CITEBOT_DATA_DIR=str(tmp_path / "d")))
    assert line.endswith(f"is not a usable folder: {a_file} is a file.")


@pytest.mark.parametrize("name", ["bad name!", "ab", "-abc", "abc-", "a..b", "1.2.3.4", "café", "x" * 201])
def test_a_collection_name_chroma_refuses_is_named(clean_env: pytest.MonkeyPatch, name: str) -> None:
    message = _refusal(clean_env, "CITEBOT_COLLECTION", name)
    assert message.startswith("CITEBOT_COLLECTION=") and "is invalid: must be 3 to 200" in message


@pytest.mark.parametrize("name", ["citebot", "abc", "a_b-c.d", "Docs2024", "x" * 200])
def test_collection_names_chroma_takes_are_accepted(clean_env: pytest.MonkeyPatch, name: str) -> None:
    clean_env.setenv("CITEBOT_COLLECTION", name)
    assert load_settings().collection == name


def test_index_with_a_bad_collection_name_says_so(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    line = _one_sentence(_cli(["index"], tmp_path, CITEBOT_CORPUS=str(corpus), CITEBOT_DATA_DIR=str(tmp_path / "d"),
                              CITEBOT_COLLECTION="bad name!"))
    assert line.startswith("Error: CITEBOT_COLLECTION=bad name! is invalid: must be 3 to 200")
    assert "no index" not in line


# 5. the abstention margin


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "5", "-0.1", "1.5"])
def test_the_abstention_margin_is_a_probability(clean_env: pytest.MonkeyPatch, value: str) -> None:
    message = _refusal(clean_env, "CITEBOT_ABSTAIN_BELOW", value)
    assert message == f"CITEBOT_ABSTAIN_BELOW={value} is invalid: must be a number from 0 to 1."


@pytest.mark.parametrize("value", ["0", "0.1", "1"])
def test_abstention_margins_in_range_are_accepted(clean_env: pytest.MonkeyPatch, value: str) -> None:
    clean_env.setenv("CITEBOT_ABSTAIN_BELOW", value)
    assert load_settings().abstain_below == float(value)


@pytest.mark.parametrize("variable, value, named", [
    ("CITEBOT_ALLOWED_USERS", "101,²", "²"),  # isdigit() but not int(): a traceback at start-up (sweep of 2026-12-03)
    ("CITEBOT_ALLOWED_USERS", "@alice;@bob", "@alice;@bob"),  # one name nobody has: everyone locked out silently
    ("CITEBOT_ADMINS", "12 34", "12 34"),
])
def test_telegram_user_lists_name_a_bad_entry(clean_env: pytest.MonkeyPatch, variable: str, value: str,
                                              named: str) -> None:
    message = _refusal(clean_env, variable, value)
    assert message.startswith(f"{variable}={value} is invalid: {named} is not a user id or @username"), message


def test_telegram_user_lists_take_ids_and_usernames(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CITEBOT_ALLOWED_USERS", " 101, -1002, @alice_b, Bob_99 ,")
    clean_env.setenv("CITEBOT_ADMINS", "")
    settings = load_settings()
    from bot.telegram.guard import AccessList

    access = AccessList(settings.allowed_users)
    assert access.ids == {101, -1002} and access.usernames == {"alice_b", "bob_99"}
