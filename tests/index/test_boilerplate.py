"""Page furniture is removed before chunking, and article text is kept whole (index/boilerplate.py).

The bundled corpus has one or more examples of each kind; the parametrized lines below are variants that
are not in the corpus, to show the rules match the shape of the furniture rather than these files' words.
"""

from __future__ import annotations

import pytest
from index_helpers import CORPUS, LANGUAGES

from index.boilerplate import furniture_reason, strip_furniture
from index.decode import decode_bytes
from index.load import load_document
from index.paragraphs import split_paragraphs
from index.types import Paragraph

# paragraph number -> why it is furniture, for every bundled file; all other paragraphs are article text
EXPECTED = {
    "000_a037ab22804b191b.txt": {},
    "001_af1fd91c05668dea.txt": {
        9: "cross-site headline",
        17: "cross-site headline",
        25: "cross-site headline",
        32: "furniture line",
    },
    "002_d7e2c5e69dd3710c.txt": {
        2: "photo credit",
        8: "photo credit",
        13: "photo credit",
        18: "photo credit",
        24: "furniture line",
        25: "furniture line",
        26: "cookie notice",
    },
    "003_beaee59b89498f57.txt": {},
    "004_93b1566d212200ce.txt": {
        1: "breadcrumb",
        8: "photo credit",
        14: "photo credit",
        25: "photo credit",
        32: "furniture line",
        33: "furniture line",
        34: "furniture line",
        35: "furniture line",
    },
}
FURNITURE_SNIPPETS = [
    "LEAVE A REPLY",
    "Please enter your comment",
    "Please enter your name",
    "Must Read",
    "Related Post",
    "Leave a Comment",
    "cookies",
    "via Getty Images",
    "via Reuters",
    "Montagem FT/Bloomberg",
    "LEAR",
    "HomeIndustries",
    "A gaming laptop with a super-fast",
    "The Huawei flagship store in Shanghai",
    "Redação",
]


def _reasons(name: str) -> dict[int, str]:
    text, _ = decode_bytes((CORPUS / name).read_bytes())
    paragraphs = split_paragraphs(text)
    found = {}
    for i, p in enumerate(paragraphs):
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        reason = furniture_reason(p, paragraphs[i + 1 :], following, text)
        if reason:
            found[p.number] = reason
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_furniture_is_found_and_nothing_else(name: str) -> None:
    assert _reasons(name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loaded_documents_keep_every_article_paragraph_verbatim(name: str) -> None:
    text, _ = decode_bytes((CORPUS / name).read_bytes())
    every = split_paragraphs(text)
    doc = load_document(CORPUS / name, CORPUS, LANGUAGES)
    assert [p.number for p in doc.paragraphs] == [p.number for p in every if p.number not in EXPECTED[name]]
    for p in doc.paragraphs:  # numbers and spans are those of the source, the text is untouched
        assert " ".join(text[p.start : p.end].split()) == p.text
    joined = "\n".join(p.text for p in doc.paragraphs)
    for snippet in FURNITURE_SNIPPETS:
        assert snippet not in joined, snippet


def test_article_sentences_next_to_furniture_survive() -> None:
    doc = load_document(CORPUS / "004_93b1566d212200ce.txt", CORPUS, LANGUAGES)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Huawei desires to capture market share in AI chips from Nvidia in China"
    assert texts[-1].startswith("DeepSeek said Huawei has successfully adapted V3 to Ascend")
    doc = load_document(CORPUS / "002_d7e2c5e69dd3710c.txt", CORPUS, LANGUAGES)
    assert doc.paragraphs[-1].text.startswith("A DeepSeek também revelou")


def _para(text: str) -> Paragraph:
    return Paragraph(1, 0, len(text), text)


@pytest.mark.parametrize(
    "line",
    [
        # comment forms
        "Leave a Reply",
        "Deixe um comentário",
        "Tinggalkan Balasan",
        "Post a comment:",
        "12 Comments",
        "Your email address will not be published. Required fields are marked *",
        "Email *",
        "You have entered an incorrect email address!",
        "Save my name, email, and website in this browser for the next time I comment.",
        # related-post and must-read lines
        "Related Posts",
        "Baca Juga",
        "Baca juga: Huawei siapkan chip Ascend generasi baru",
        "Leia também: Nvidia perde espaço na China",
        "Read more: Why inference chips matter",
        "You may also like",
        "Noticias relacionadas",
        "MUST READ",
        # cookie notices
        "We use cookies to improve your experience. By continuing to browse you agree to our use of cookies.",
        "Situs ini menggunakan cookie untuk meningkatkan pengalaman Anda.",
        "Accept all cookies",
        "Utilizamos cookies propias y de terceros. Si continúa navegando, acepta su uso.",
        # photo credits and captions
        "Jensen Huang at Computex in Taipei © Annabelle Chih/Bloomberg via Getty Images",
        "Presiden meninjau pabrik chip di Batam (Foto: Dok. Setpres)",
        "Workers assemble servers in Shenzhen (AP Photo/Ng Han Guan)",
        "REUTERS/Dado Ruvic/Illustration",
        "Foto: ANTARA FOTO/Hafidz Mubarak A",
        "Chips on a circuit board / Costfoto/NurPhoto via Getty Images",
        "© 2024 Example Media. All rights reserved.",
        # breadcrumbs and cross-site headlines
        "Home › Technology › Chips",
        "HomeTechnologyNvidia shares fall after export rules...",
        "LEER MÁS\u00a0 Las acciones de Nvidia caen tras las nuevas reglas de exportación",
        "TRENDING | Apple prepares its own AI server chips",
    ],
)
def test_furniture_variants_not_in_the_corpus_are_recognised(line: str) -> None:
    assert furniture_reason(_para(line), [], None, line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "Google said it will phase out third-party cookies in Chrome, a change advertisers had feared.",
        "Regulators said websites must ask users before storing cookies, according to the ruling.",
        "Home prices in Shenzhen rose for a third month, official data showed.",
        "Homeland security officials reviewed the export licences last week.",
        "Copyright law in the EU already covers the training data, the commission said.",
        "The photo: a crowded trading floor in Shanghai, taken minutes after the announcement.",
        "NASA said the probe would reach orbit in June.",
        "“Training is significant, nevertheless it only happens a number of times,” said Zacharopoulos.",
        "Reuters reported that the company had shipped 1 million chips in 2024.",
        "Read the full report before the meeting, the chairman told analysts.",
        "Comments from the ministry suggested a second round of export controls.",
        "Huawei and Nvidia face tough competition.",
    ],
)
def test_article_sentences_that_resemble_furniture_are_kept(line: str) -> None:
    assert furniture_reason(_para(line), [], None, line) is None


def test_alt_text_glued_to_a_caption_is_removed_but_a_separate_heading_is_kept() -> None:
    caption = "Chinese officials urged local groups to buy more chips © CPHOT/Sipa USA via Reuters"
    glued = f"The Huawei flagship store in Shanghai\n{caption}\n\nThe article goes on here."
    separate = f"Export controls\n\n{caption}\n\nThe article goes on here."
    kept_glued = [p.text for p in strip_furniture(split_paragraphs(glued), glued)]
    kept_separate = [p.text for p in strip_furniture(split_paragraphs(separate), separate)]
    assert kept_glued == ["The article goes on here."]
    assert kept_separate == ["Export controls", "The article goes on here."]
