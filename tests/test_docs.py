"""The docs hold together: every relative link in README.md and docs/*.md reaches a file, README stays short.

README is the page a newcomer reads in five minutes (issue 11); the design notes live in docs/. A link to
a moved or renamed doc, or a README that grows back into a manual, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# About 250 lines of 80 characters; the README this bound replaced was 71 KB.
README_MAX_BYTES = 20_000

_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")


def markdown_files() -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def relative_links(text: str) -> list[str]:
    """Link targets outside code, without URLs, mail links and in-page anchors."""
    text = _CODE.sub("", _FENCE.sub("", text))
    targets = (m.group(1) for m in _LINK.finditer(text))
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


def test_link_parser_finds_relative_targets_and_skips_code_and_urls() -> None:
    text = ("See [a](docs/a.md#part) and ![fig](scale.png), [web](https://x.org), [top](#top).\n"
            "```\n[in code](nope.md)\n```\nand `[inline](nope2.md)`.\n")
    assert relative_links(text) == ["docs/a.md#part", "scale.png"]


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_at_an_existing_file(path: Path) -> None:
    broken = [t for t in relative_links(path.read_text(encoding="utf-8"))
              if not (path.parent / t.split("#", 1)[0]).exists()]
    assert not broken, f"{path.relative_to(ROOT)} links to missing files: {broken}"


def heading_anchors(text: str) -> set[str]:
    """GitHub's anchors for the headings outside code: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6} +(.+?) *$", _FENCE.sub("", text), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_anchor_slugs_follow_github() -> None:
    assert heading_anchors("## Answer bench (`bench/answer_bench.py`)\n### An upload, step by step\n") == {
        "answer-bench-benchanswer_benchpy", "an-upload-step-by-step"}


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_anchor_names_a_heading_of_its_target(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    links = [t for t in _LINK.findall(_CODE.sub("", _FENCE.sub("", text)))
             if not re.match(r"[a-z][a-z0-9+.-]*:", t) and "#" in t]
    broken = []
    for link in links:
        file, anchor = link.split("#", 1)
        target = (path.parent / file) if file else path
        if target.suffix == ".md" and target.exists() and anchor not in heading_anchors(target.read_text("utf-8")):
            broken.append(link)
    assert not broken, f"{path.relative_to(ROOT)} links to missing headings: {broken}"


def test_readme_stays_a_short_page() -> None:
    size = len((ROOT / "README.md").read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move design notes to docs/ (bound {README_MAX_BYTES})"


def test_every_doc_is_listed_in_the_docs_index() -> None:
    index = DOCS / "README.md"
    listed = {t.split("#", 1)[0] for t in relative_links(index.read_text(encoding="utf-8"))}
    missing = [p.name for p in DOCS.glob("*.md") if p.name != "README.md" and p.name not in listed]
    assert not missing, f"docs/README.md does not list {missing}"
