"""A code block keeps its lines (index/structured.py `code_text`, index/sentences.py `line_spans`).

User sweep 3: the three lines of a fenced block ("pip install larkspur", "# with the optional dashboard:",
'pip install "larkspur[dashboard]"') were quoted as one line; pasted into a shell, everything after "#" is a
comment, so only the first command ran.
"""

from __future__ import annotations

import json
from pathlib import Path

from docmaker import write
from index_helpers import LANGUAGES

from bot.answer import Answer, Citation
from bot.render import json_line, to_html, to_text
from index.chunk import document_sentences
from index.load import load_document
from index.sentences import MAX_SENTENCE_CHARS, line_spans

INSTALL = 'pip install larkspur\n# with the optional dashboard:\npip install "larkspur[dashboard]"'
PYTHON = 'from larkspur import task\n\n@task(retries=3)\ndef send(to: str) -> None:\n    mail(to, "Hello.")'
README = f"""# Larkspur

## Installation

Install it with pip:

```bash
{INSTALL}
```

## Quick start

Define a task. It retries three times:

    {PYTHON.replace(chr(10), chr(10) + "    ").replace(chr(10) + "    " + chr(10), chr(10) + chr(10))}

- Jobs survive restarts.
"""


def _records(tmp_path: Path, name: str, text: str):
    return document_sentences(load_document(write(tmp_path / name, text), tmp_path, LANGUAGES))


def test_a_fenced_block_is_one_quote_with_its_lines(tmp_path: Path) -> None:
    records = _records(tmp_path, "README.md", README)
    texts = [r.text for r in records]
    assert INSTALL in texts  # lines kept, not joined to the lead-in nor split at its "."
    assert "Install it with pip:" in texts
    install = records[texts.index(INSTALL)]
    assert install.section == "Installation" and install.quote == ""  # the text is the file's own
    assert install.paragraph != records[texts.index("Install it with pip:")].paragraph


def test_an_indented_block_keeps_its_indentation_and_blank_line(tmp_path: Path) -> None:
    records = _records(tmp_path, "README.md", README)
    assert PYTHON in [r.text for r in records]
    assert "Jobs survive restarts." in [r.text for r in records]
    flat = " ".join(README.split())
    assert all(" ".join((r.quote or r.text).split()) in flat for r in records)


def test_a_code_block_in_a_blockquote_is_quoted_as_the_file_writes_it(tmp_path: Path) -> None:
    text = "Run:\n\n> ```\n> make test\n> make lint\n> ```\n"
    records = _records(tmp_path, "notes.md", text)
    code = next(r for r in records if "make test" in r.text)
    assert code.text == "make test\nmake lint"
    assert " ".join(code.quote.split()) in " ".join(text.split())


def test_an_html_pre_block_keeps_its_lines(tmp_path: Path) -> None:
    html = ("<html><body><article><h1>Setup</h1><p>Run these two commands.</p>"
            "<pre>make build\nmake install</pre></article></body></html>")
    texts = [r.text for r in _records(tmp_path, "setup.html", html)]
    assert texts == ["Run these two commands.", "make build\nmake install"]


def test_long_code_is_quoted_in_runs_of_whole_lines() -> None:
    lines = [f"step_{i:03d} = compute(step_{i - 1:03d})  # carry the value on" for i in range(200)]
    code = "\n".join(lines)
    spans = line_spans(code)
    assert len(spans) > 1 and all(e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    assert "\n".join(code[s:e] for s, e in spans) == code  # cut only at line ends, nothing lost
    padded = "\n\n  a = 1\n\n\n  b = 2  \n\n"
    assert [padded[s:e] for s, e in line_spans(padded)] == ["  a = 1\n\n\n  b = 2"]  # blank edges out, indent kept


def _answer(quote: str) -> Answer:
    citation = Citation(n=1, file="README.md", language="en", quote=quote, location='"Installation"',
                        score=1.0)
    return Answer(question="How do I install it?", text=f"{quote} [1]", answered=True, language="en",
                  citations=[citation], mode="llm")


def test_renderers_keep_the_lines_and_stay_safe() -> None:
    """The terminal shows each line of a code quote under the first (its own lines, not the answer's), with
    terminal control removed as from any quote; JSON escapes the line breaks; Telegram escapes the code."""
    text = to_text(_answer(INSTALL + "\x1b]0;title\x07"))
    assert ('    "pip install larkspur\n     # with the optional dashboard:\n'
            '     pip install "larkspur[dashboard]""') in text
    assert "\x1b" not in text and "title" not in text
    line = json_line({"quote": INSTALL})
    assert "\n" not in line and json.loads(line)["quote"] == INSTALL
    html = to_html(_answer("if a < b:\n    print(a & b)"))
    assert "a &lt; b" in html and "a & b" not in html
