"""Headings of plain-text files are sections (index/paragraphs.py `plain_sections`), as PDF headings are.

User sweep 3 (a Portuguese clinic guide in .txt, headings on lines of their own): the loader dropped the heading
flag `paragraphs_with_headings` computes, so every paragraph had no section. A heading was quoted glued to the
sentence below it ("Vacinação A vacina contra a gripe ...") or after the last sentence above it ("Traga o seu
boletim de vacinas. Receitas e renovação de medicação"), and citations said "paragraph 3", not the heading.
"""

from __future__ import annotations

from pathlib import Path

from docmaker import write
from index_helpers import LANGUAGES

from bot.sentence_lookup import quote_location, runs_on
from index.chunk import SentenceRecord, document_sentences
from index.load import load_document
from index.types import Sentence

VACCINE = "A vacina contra a gripe é gratuita para pessoas com 60 ou mais anos. Traga o seu boletim de vacinas."
RENEWAL = "Os pedidos de renovação de receitas podem ser feitos por e-mail. A receita fica pronta em dois dias úteis."
GUIDE = f"Guia do paciente\n\nVacinação\n\n{VACCINE}\n\nReceitas e renovação de medicação\n\n{RENEWAL}\n"
# text before the first heading: the title's own section; a "label: value" line under the title is text
CLINIC = ("Clínica do Bairro – Informações\n\nÚltima atualização: 15 de março de 2025\n\n"
          "Bem-vindo à Clínica do Bairro, na Rua das Laranjeiras, 214, em Braga.\n\n"
          "Horário de funcionamento\n\nA clínica está aberta de segunda a sexta-feira, das 8h00 às 20h00.\n\n"
          "Preços\n\nUma consulta de medicina geral custa 35 euros.\n")


def _sentences(tmp_path: Path, name: str, text: str) -> list[SentenceRecord]:
    return document_sentences(load_document(write(tmp_path / name, text), tmp_path, LANGUAGES))


def _as_sentence(record: SentenceRecord, file: str) -> Sentence:
    """The sentence as the bot reads it back from the index (what `runs_on` compares)."""
    return Sentence(id=str(record.index), doc_key="doc", file=file, language="pt", text=record.text,
                    paragraph=record.paragraph, start=record.start, end=record.end, position=record.index,
                    page=record.page, section=record.section)


def test_a_heading_is_the_section_of_the_text_under_it(tmp_path: Path) -> None:
    records = _sentences(tmp_path, "guia.txt", GUIDE)
    assert [(r.text, r.section) for r in records] == [
        ("Guia do paciente", ""),
        ("Vacinação", "Guia do paciente"),  # right under the title: that is the heading above it
        ("A vacina contra a gripe é gratuita para pessoas com 60 ou mais anos.", "Vacinação"),
        ("Traga o seu boletim de vacinas.", "Vacinação"),
        ("Receitas e renovação de medicação", ""),
        ("Os pedidos de renovação de receitas podem ser feitos por e-mail.", "Receitas e renovação de medicação"),
        ("A receita fica pronta em dois dias úteis.", "Receitas e renovação de medicação"),
    ]
    sentences = [_as_sentence(r, "guia.txt") for r in records]
    assert quote_location(sentences[2:4]) == '"Vacinação"'  # cited by its heading, as in Markdown


HEADINGS = {"Guia do paciente", "Vacinação", "Receitas e renovação de medicação", "Clínica do Bairro – Informações",
            "Horário de funcionamento", "Preços"}


def test_a_quote_never_runs_on_into_or_out_of_a_heading(tmp_path: Path) -> None:
    """`runs_on` joins the next sentence of the same section: the heading's own section differs from the text
    above it (a title, a preamble, another section) and from the text it heads."""
    for name, text in (("guia.txt", GUIDE), ("clinica.txt", CLINIC)):
        sentences = [_as_sentence(r, name) for r in _sentences(tmp_path, name, text)]
        pairs = list(zip(sentences, sentences[1:], strict=False))
        assert any(a.text in HEADINGS for a, _ in pairs) and any(b.text in HEADINGS for _, b in pairs)
        for a, b in pairs:
            if a.text in HEADINGS or b.text in HEADINGS:
                assert not runs_on(a, b), (a.text, b.text)
    guide = [_as_sentence(r, "guia.txt") for r in _sentences(tmp_path, "guia.txt", GUIDE)]
    assert runs_on(guide[2], guide[3])  # two sentences of one paragraph still read as one quote


def test_text_before_the_first_heading_sits_under_the_title_and_fields_are_not_headings(tmp_path: Path) -> None:
    records = _sentences(tmp_path, "clinica.txt", CLINIC)
    sections = {r.text: r.section for r in records}
    title = "Clínica do Bairro – Informações"
    assert sections[title] == ""
    assert sections["Última atualização: 15 de março de 2025"] == title  # a dated line, not a heading
    assert sections["Bem-vindo à Clínica do Bairro, na Rua das Laranjeiras, 214, em Braga."] == title
    assert sections["Horário de funcionamento"] == ""
    assert sections["A clínica está aberta de segunda a sexta-feira, das 8h00 às 20h00."] == "Horário de funcionamento"
    assert sections["Uma consulta de medicina geral custa 35 euros."] == "Preços"


def test_a_news_export_with_one_headline_keeps_no_sections(tmp_path: Path) -> None:
    """A headline over its story is one heading: not a section (the bundled corpus is such files, and the
    ranker was trained on their "paragraph N" citations). Page furniture that looks like a heading ("Leave a
    Reply", "Related posts") is dropped first and heads nothing."""
    story = ("Harbour expansion approved\n\nThe city council approved the harbour expansion on Monday.\n\n"
             "Work starts in May and lasts two years.\n\nLeave a Reply\n\nThe port authority welcomed the vote.\n\n"
             "Related posts\n\nFerry fares rise in spring\n")
    records = _sentences(tmp_path, "news.txt", story)
    assert {r.section for r in records} == {""}
    assert "Leave a Reply" not in [r.text for r in records]


def test_prose_without_headings_splits_as_before(tmp_path: Path) -> None:
    prose = ("The museum opens at ten. It closes at six.\n\nTickets cost twelve euros for adults.\n\n"
             "Children under twelve enter free of charge.\n")
    records = _sentences(tmp_path, "prose.txt", prose)
    assert [(r.text, r.paragraph, r.section) for r in records] == [
        ("The museum opens at ten.", 1, ""), ("It closes at six.", 1, ""),
        ("Tickets cost twelve euros for adults.", 2, ""), ("Children under twelve enter free of charge.", 3, "")]
