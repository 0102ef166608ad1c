"""Telegram HTML rendering and splitting, checked with the stand-in's Telegram-strict HTML parser."""

from __future__ import annotations

import re

import pytest
from fake_bot_api import ApiError, parse_html, utf16_len
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import Answer, Citation
from bot.render import passage_html, split_html, to_html, to_text


def citation(n: int, quote: str, file: str = "003_beaee59b89498f57.txt", passage: str = "") -> Citation:
    return Citation(n=n, file=file, language="id", quote=quote, location=f"paragraph {n}", score=0.8,
                    passage=passage)


def test_to_html_escapes_every_document_string_and_keeps_the_plain_text():
    nasty = 'Costs <b>5 & 6</b> "units" <script>alert(1)</script>'
    answer = Answer("q", f"{nasty} [1]", True, "en",
                    [citation(1, nasty, file="a<b>&c.txt"), citation(2, "plain", passage="full & long")])
    html = to_html(answer)
    assert "<script>" not in html and "a<b>" not in html
    plain = parse_html(html)  # Telegram would accept it
    assert plain.startswith(f"{nasty} [1]")
    assert "[1] a<b>&c.txt (id), paragraph 1" in plain
    assert nasty in plain
    assert parse_html(passage_html(answer.citations[1])).endswith("full & long")


def test_unanswered_reply_is_just_the_message():
    answer = Answer("q", "The documents do not answer that (not found in the documents).", False, "en")
    assert to_html(answer) == to_text(answer)


def test_long_quotes_are_shortened_in_the_answer_but_whole_behind_the_button():
    quote = "word " * 200
    c = citation(1, quote, passage=quote)
    html = to_html(Answer("q", "x [1]", True, "en", [c], mode="llm"))
    assert len(html) < 500 and "…" in html and "<blockquote expandable>" in html
    assert parse_html(passage_html(c)).count("word") == 200


def test_an_extractive_answer_does_not_repeat_its_quote_under_the_sources():
    quote = "The lighthouse was built in 1871 on a granite islet north of the harbour."
    cited = Citation(n=1, file="report.pdf", language="en", quote=quote, location="page 2, paragraph 3",
                     score=0.9, also_in=["copy.md"], passage="Before it. " + quote)
    plain = parse_html(to_html(Answer("q", f"{quote} [1]", True, "en", [cited])))
    assert plain == f"{quote} [1]\n\n[1] report.pdf (en), page 2, paragraph 3; also in copy.md"
    assert parse_html(passage_html(cited)).endswith("Before it. " + quote)  # the button's whole passage


def test_long_passages_are_sent_collapsed_and_short_ones_open():
    short, long = citation(1, "A short quote."), citation(2, "q", passage="A long passage. " * 30)
    assert "<blockquote>A short quote.</blockquote>" in passage_html(short)
    assert "<blockquote expandable>A long passage." in passage_html(long)
    assert parse_html(passage_html(long)).count("A long passage.") == 30  # Telegram accepts it


def test_split_prefers_paragraph_boundaries_and_keeps_every_part_valid():
    citations = [citation(n, f"Quote number {n} & some <detail> " * 8) for n in range(1, 40)]
    html = to_html(Answer("q", "The answer [1] [2].", True, "en", citations, mode="llm"))
    assert utf16_len(html) > 4096
    parts = split_html(html)
    assert len(parts) >= 2
    for part in parts:
        assert utf16_len(part) <= 4096
        parse_html(part)
        assert part.startswith(("The answer", "<b>[")) and part.endswith("</blockquote>")  # whole paragraphs
    assert "\n\n".join(parts) == html


def test_an_overlong_paragraph_is_cut_at_lines_or_words_with_tags_closed_and_reopened():
    html = "<blockquote><b>" + " ".join(f"w{i}&amp;" for i in range(2000)) + "</b></blockquote>"
    parts = split_html(html, 500)
    assert len(parts) > 10
    for part in parts:
        assert utf16_len(part) <= 500
        assert part.startswith("<blockquote><b>") and part.endswith("</b></blockquote>")
        assert re.search(r"&(?!amp;)", part) is None  # no entity cut in half
    words = " ".join(parse_html(p) for p in parts).split()
    assert words == [f"w{i}&" for i in range(2000)]


def test_an_overlong_answer_is_cut_after_a_sentence_or_citation_marker_not_mid_sentence():
    """An extractive answer is one paragraph of quotes with markers; when it alone exceeds the limit the cut
    falls after a quote's marker or a sentence end, so no quoted sentence is broken across two messages."""
    quotes = [f"Sentence {n} says something rather long about the harbour and its lighthouse keepers" for n in
              range(1, 7)]
    text = " ".join(f"{q}. [{n}]" for n, q in enumerate(quotes, start=1))
    parts = split_html(text, 200)
    assert len(parts) >= 3
    for part in parts:
        assert utf16_len(part) <= 200
        assert part.endswith(("]", ".")), part
    assert " ".join(parts) == text


def test_length_is_counted_in_utf16_units_like_telegram():
    emoji = "😀" * 3000  # 6000 UTF-16 units, 3000 code points
    parts = split_html(emoji)
    assert len(parts) == 2 and all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts) == emoji


def test_short_and_empty_texts():
    assert split_html("  hello  ") == ["hello"]
    assert split_html("") == []


_words = st.text(alphabet="ab <>&\"'😀é", min_size=1, max_size=12)


@st.composite
def html_documents(draw: st.DrawFn) -> str:
    """Random Telegram HTML: escaped text in nested allowed tags, with paragraph and line breaks."""
    from bot.render import escape

    def node(depth: int) -> str:
        kind = draw(st.sampled_from(["text", "text", "tag", "break"] if depth < 3 else ["text", "break"]))
        if kind == "text":
            return escape(draw(_words))
        if kind == "break":
            return draw(st.sampled_from(["\n", "\n\n", " "]))
        tag = draw(st.sampled_from(["b", "i", "code", "blockquote", "u"]))
        inner = "".join(node(depth + 1) for _ in range(draw(st.integers(1, 6))))
        return f"<{tag}>{inner}</{tag}>"

    return "".join(node(0) for _ in range(draw(st.integers(1, 60))))


@settings(max_examples=150, deadline=None)
@given(html_documents(), st.integers(min_value=100, max_value=400))
def test_any_valid_html_splits_into_valid_parts_that_keep_all_the_text(html: str, limit: int):
    parts = split_html(html, limit)
    for part in parts:
        assert utf16_len(part) <= limit
        parse_html(part)
    squash = lambda s: "".join(s.split())  # noqa: E731  splitting may drop whitespace at the cuts only
    assert squash("".join(parse_html(p) for p in parts)) == squash(parse_html(html))


def test_the_stand_in_rejects_what_telegram_rejects():
    for bad in ("a < b", "a & b", "<b>open", "<b><i>x</b></i>", "<div>x</div>", "x > y"):
        with pytest.raises(ApiError):
            parse_html(bad)
    assert parse_html("<b>a</b> &lt;&amp;&gt;&quot;&#33;") == 'a <&>"!'
