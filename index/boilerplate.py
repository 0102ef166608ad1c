"""Remove web page furniture (comment forms, cookie notices, related-post lines, photo credits,
breadcrumbs and stray cross-site headlines) so that it is never indexed nor cited.

Rules look at one paragraph and its neighbours; they are written in the languages citebot serves
and match the shape of the furniture, not the words of one article. Article prose is kept whole:
a rule only fires on short lines or on paragraphs that are entirely furniture.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from index.types import Paragraph

_FLAGS = re.IGNORECASE | re.UNICODE

# Whole-line furniture: comment forms, widgets, share bars, bylines without a sentence.
_FURNITURE_LINE = re.compile(
    r"^(?:"
    r"leave a (?:reply|comment)|post (?:a )?comment|cancel reply|\d+ comments?|comments?"
    r"|please enter your (?:comment|name|e-?mail)(?: (?:address )?here)?"
    r"|you have entered an incorrect e-?mail address"
    r"|save my name,? e-?mail,? and website in this browser.*"
    r"|your e-?mail address will not be published.*|required fields are marked.*"
    r"|(?:name|e-?mail|website|comment)\s*\*"
    r"|(?:copyright\s*)?(?:©|\(c\)).{0,100}|copyright\s+\d{4}.{0,100}|all rights reserved"
    r"|deixe (?:um|seu) comentário|deja (?:un|tu) comentario|escribe un comentario"
    r"|tinggalkan (?:balasan|komentar)|tulis komentar"
    r"|must read|related posts?|related articles?|read (?:more|also|next)|see also|you may also like"
    r"|more (?:stories|news) from .*|popular posts?|trending(?: now)?|latest news|recommended"
    r"|baca juga|berita terkait|artikel terkait"
    r"|leia (?:também|mais)|veja também|notícias relacionadas|posts? relacionados?"
    r"|lea también|lee también|artículos relacionados|noticias relacionadas|te puede interesar"
    r"|share(?: this)?(?: (?:article|post|story))?|compartir|compartilhe|compartilhar|bagikan"
    r"|advertisement|publicidade|publicidad|iklan|sponsored"
    r"|reda[cç][aã]o|redacción|penulis|editor|tags?|etiquetas"
    r")\s*[:!.…]*$",
    _FLAGS,
)
# "Read also: <headline>" teasers (the label alone is a furniture line above).
_RELATED_TEASER = re.compile(
    r"^(?:must read|related(?: posts?| articles?| news)?|read (?:more|also|next)|see also|more from \S+"
    r"|baca juga|berita terkait|leia (?:também|mais)|veja também|lea también|lee también|leer más"
    r"|te puede interesar)"
    r"\s*[:：»›|–—-]\s*\S",
    _FLAGS,
)
# Photo credits at the end of a caption: "© Name/Agency via Getty Images", " / CFOTO/Sipa USA via Reuters",
# "(Foto: Dok. Setpres)", "(AP Photo/Jane Doe)", or a line that is only "REUTERS/Dado Ruvic".
_AGENCY = r"(?:getty images|reuters|ap|afp|epa|antara|shutterstock|bloomberg|alamy|unsplash|xinhua)"
_CREDIT = re.compile(
    r"(?:©|\(c\)|\b(?:photo|foto|image|imagem|imagen|gambar|credit|crédito)s?\s*:)\s*[^.!?]{0,100}$"
    rf"|\svia\s+{_AGENCY}\s*$"
    r"|\s/\s+(?:[\w.&'-]+\s?){1,4}(?:/(?:[\w.&'-]+\s?){1,4})+(?:\svia\s.{2,40})?$"
    r"|\((?:photo|foto|image|imagem|imagen|gambar|credit|crédito)s?\s*:[^()]{1,100}\)\s*$"
    r"|\((?:[\w'-]+\s){0,2}(?:photo|foto)\s*/[^()]{1,60}\)\s*$"
    rf"|^{_AGENCY}(?:\s*/\s*[\w .'-]+){{1,3}}$",
    _FLAGS,
)
_COOKIE = re.compile(r"\bcookies?\b", _FLAGS)
# A cookie notice talks to the reader about this site; an article that mentions cookies does not.
_COOKIE_NOTICE = re.compile(
    r"\b(?:this (?:web)?site|our (?:web)?site|we use|you (?:agree|consent|accept)|accept (?:all )?cookies?"
    r"|cookie (?:policy|settings|preferences)|(?:privacy|cookie) (?:policy|notice)"
    r"|este (?:site|sítio|sitio)(?: web)?|nosso site|nuestro sitio|usamos|utilizamos|você concorda|aceptas?"
    r"|situs (?:ini|kami)|kami menggunakan|anda (?:setuju|menyetujui)"
    r"|política de (?:cookies|privacidad|privacidade))\b",
    _FLAGS,
)
# "Home › Tech › AI", "HomeIndustriesHuawei ..." (case-sensitive: "Homeland" and "Home prices" are prose).
_BREADCRUMB = re.compile(r"^(?:Home|HOME|Beranda|Início|Inicio|Accueil|Startseite)(?:\s*[›>»/|]|[A-Z][a-z])",
                         re.UNICODE)
# A widget label glued to another site's headline: "LEAR\xa0 Reed Hastings solo invierte en ...",
# "LEIA MAIS  Título", "TRENDING | Headline".
_WIDGET_HEADLINE = re.compile(r"^(?:[A-ZÀ-Ý]{2,}\s){0,2}[A-ZÀ-Ý]{2,}(?:\xa0|\s{2,}|\s*[|»›]\s*)\S",
                              re.UNICODE)
_TERMINAL = re.compile(r"""[.!?…"”»]\s*$""")
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)\s*$")


def _words(text: str) -> int:
    return len(text.split())


def _is_caption(p: Paragraph) -> bool:
    return _words(p.text) <= 60 and bool(_CREDIT.search(p.text))  # the cheap test first


def _is_cookie_notice(p: Paragraph) -> bool:
    return bool(_COOKIE.search(p.text)) and bool(_COOKIE_NOTICE.search(p.text)) and _words(p.text) <= 80


def _is_truncated_duplicate(p: Paragraph, rest: list[Paragraph]) -> bool:
    """A breadcrumb or teaser cut with '...' whose text reappears whole later on."""
    if not _ELLIPSIS.search(p.text):
        return False
    stem = _ELLIPSIS.sub("", p.text).strip()
    tail = stem[-30:]
    return len(tail) >= 15 and any(tail in q.text for q in rest)


def _is_alt_text(p: Paragraph, following: Paragraph | None, source: str) -> bool:
    """A short unpunctuated line glued (no blank line) to a photo caption that follows it."""
    if following is None or not _is_caption(following) or _words(p.text) > 14 or _TERMINAL.search(p.text):
        return False
    between = source[p.end:following.start]
    return between.count("\n") == 1


RULES: dict[str, Callable[[Paragraph], bool]] = {
    "furniture line": lambda p: bool(_FURNITURE_LINE.match(p.text)),
    "related-post line": lambda p: bool(_RELATED_TEASER.match(p.text)) and _words(p.text) <= 25
    and not _TERMINAL.search(p.text),
    "photo credit": _is_caption,
    "cookie notice": _is_cookie_notice,
    "breadcrumb": lambda p: bool(_BREADCRUMB.match(p.text)) and _words(p.text) <= 30,
    "cross-site headline": lambda p: bool(_WIDGET_HEADLINE.match(p.text)) and _words(p.text) <= 30
    and not _TERMINAL.search(p.text),
}


def furniture_reason(p: Paragraph, later: list[Paragraph], following: Paragraph | None, source: str) -> str | None:
    """Why `p` is page furniture, or None when it is article text."""
    for name, rule in RULES.items():
        if rule(p):
            return name
    if _is_truncated_duplicate(p, later):
        return "breadcrumb"
    if _is_alt_text(p, following, source):
        return "photo credit"
    return None


# How many later paragraphs a truncated teaser's full text is looked for in. A web page repeats it within
# the page (the bundled pages have under 60 paragraphs); a bound keeps a 100,000-paragraph file linear.
LOOKAHEAD = 500


def strip_furniture(paragraphs: list[Paragraph], source: str) -> list[Paragraph]:
    """The paragraphs that are article text, in order, numbers and spans unchanged."""
    kept: list[Paragraph] = []
    for i, p in enumerate(paragraphs):
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        if furniture_reason(p, paragraphs[i + 1:i + 1 + LOOKAHEAD], following, source) is None:
            kept.append(p)
    return kept
