"""Small corpus files written into tmp_path: other encodings, bad files, a PDF, a noisy HTML page.

The texts are short on purpose: a corpus of two or three such files indexes in a few seconds.
"""

from __future__ import annotations

from pathlib import Path

# Portuguese and Spanish prose with accents, so a wrong decoding shows (Ã§ instead of ç).
PT_TEXT = (
    "A inferência de modelos de linguagem exige menos memória do que o treinamento, explicou a "
    "engenheira de São Paulo.\n\n"
    "Segundo ela, a próxima geração de chips reduzirá o consumo de energia em quase metade, "
    "o que tornará a operação mais econômica para as empresas brasileiras.\n"
)
ES_TEXT = (
    "La fábrica de Zaragoza producirá baterías de litio a partir de otoño, según informó la compañía.\n\n"
    "El director añadió que la inversión alcanzará los doscientos millones de euros y creará "
    "novecientos empleos en la región de Aragón.\n"
)
EN_TEXT = (
    "The lighthouse keeper recorded the storm in a leather notebook every evening.\n\n"
    "Her notes show that the winter of 1911 brought seventeen gales to the northern coast, "
    "more than any winter before it.\n"
)
DE_TEXT = (
    "Die Bibliothek der Stadt öffnet im Frühjahr einen neuen Lesesaal für Schülerinnen und Schüler.\n\n"
    "Nach Angaben der Verwaltung kostet der Umbau rund zwei Millionen Euro und dauert vierzehn Monate.\n"
)
FR_TEXT = (
    "Le musée de la ville présentera au printemps une exposition consacrée aux cartes marines anciennes.\n\n"
    "Selon la conservatrice, la plupart des cartes ont été prêtées par des familles de pêcheurs "
    "de la région.\n"
)
ID_TEXT = (
    "Pemerintah kota berencana membangun jalur sepeda baru sepanjang dua puluh kilometer tahun depan.\n\n"
    "Menurut kepala dinas perhubungan, proyek tersebut akan dibiayai sepenuhnya oleh anggaran daerah.\n"
)


def write(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write `data` (text in `encoding`, or raw bytes), creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def binary_bytes() -> bytes:
    """Bytes of a PNG-like binary file (header, NULs and high bytes), not text in any encoding."""
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


def pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_document(contents: list[str], fonts: tuple[str, ...] = ("Helvetica",), width: int = 612) -> bytes:
    """A minimal valid PDF written by hand: one page per content stream (PDF text operators, cp1252), with
    the Type1 `fonts` as /F1, /F2, ... on every page."""
    count, first_page = len(contents), 3 + len(fonts)
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode()]
    objects += [f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} /Encoding /WinAnsiEncoding >>".encode()
                for font in fonts]
    font_refs = " ".join(f"/F{k} {3 + k - 1} 0 R" for k in range(1, len(fonts) + 1))
    for i, content in enumerate(contents):
        data = content.encode("cp1252")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} 842] "
                       f"/Resources << /Font << {font_refs} >> >> /Contents {first_page + 2 * i + 1} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF written by hand: one Helvetica text line per item, one list per page."""
    return pdf_document(["BT /F1 11 Tf 14 TL 40 800 Td " + " ".join(f"({pdf_escape(line)}) Tj T*" for line in lines)
                         + " ET" for lines in pages])


PDF_PAGES = [
    [
        "The harbour authority approved a new container terminal on Monday.",
        "Construction will start in March and take about three years.",
    ],
    [
        "The terminal will handle two million containers a year once it is finished.",
        "Local fishermen asked for a quiet zone near the old pier.",
    ],
]

NOISY_HTML = """<!doctype html>
<html><head><title>Orchard news</title>
<style>body { font-family: sans-serif }</style>
<script>window.tracker = "SCRIPT-SHOULD-NOT-APPEAR";</script>
</head><body>
<header><a href="/">Home</a> <a href="/news">News</a></header>
<nav><ul><li>NAV-SHOULD-NOT-APPEAR</li><li>Sports</li></ul></nav>
<div class="cookie-banner"><p>We use cookies to improve your experience on this site.
By continuing you agree to our cookie policy.</p></div>
<article>
<h1>Apple growers expect a record harvest</h1>
<p>Apple growers in the valley expect a record harvest this autumn after a mild spring.</p>
<p>The cooperative said it would hire <b>three hundred</b> seasonal workers to pick the fruit.</p>
<div class="consent"><p>This site uses cookies. Accept all cookies or manage your cookie settings.</p></div>
<figure><img src="a.jpg"><figcaption>FIGCAPTION-SHOULD-NOT-APPEAR</figcaption></figure>
<p>Related Post</p>
<p>LEAVE A REPLY</p>
</article>
<aside>ASIDE-SHOULD-NOT-APPEAR</aside>
<footer>FOOTER-SHOULD-NOT-APPEAR</footer>
</body></html>
"""
