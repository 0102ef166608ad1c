"""Bytes to text: which encoding a corpus file is in, and whether it is text at all.

Encodings are detected (BOMs, strict UTF-8, then charset-normalizer), so Latin-1 and UTF-16 files
index like UTF-8 ones. charset-normalizer cannot tell the Latin 8-bit code pages apart on short texts
(it reads "añadió" as cp1250 "ańadió"); citebot's languages are all written in Western Latin script, so
when a file decodes as Latin text either way, cp1252 (a superset of Latin-1's letters) is chosen.
"""

from __future__ import annotations

from index.sanitize import without_escape_sequences

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]


class UnreadableFile(Exception):
    """A corpus file that yields no indexable text; the message is shown to the user as is."""


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark at the start of `head` announces, or None."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Text and encoding name of `raw`; raises UnreadableFile for binary data."""
    name = bom_encoding(raw)
    if name is not None:
        return raw.decode(name), name
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or best.encoding is None or all(_is_latin_block(block) for block in best.alphabets):
        # also when the detector gives up: terminal control in a short Latin text is enough to make it
        western = _western_text(raw)
        if western is not None:
            return western, "cp1252"
    if best is None or best.encoding is None:
        raise UnreadableFile("binary or unknown encoding")
    return str(best), best.encoding


def _is_latin_block(block: str) -> bool:
    return block.startswith("Latin") or block in {"Basic Latin", "Control character", "General Punctuation",
                                                  "Currency Symbols"}


def _western_text(raw: bytes) -> str | None:
    """`raw` as cp1252 when that gives letters of Western European languages only, else None. Control
    characters are the same bytes in every 8-bit code page, so they say nothing about which one (whether
    there are too many for a text file is `looks_binary`'s call); NULs do: UTF-16 and UTF-32 are full of them."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x7F and not (0xC0 <= ord(ch) <= 0xFF or ch in "ŒœŠšŽžŸƒ"):
            return None
    return text


def looks_binary(text: str) -> bool:
    """NUL characters, or more than 1% control characters in the opening: not a text file. Terminal escape
    sequences do not count: coloured logs and terminal captures hold one or two a line, and the loader removes
    them whole (index/sanitize.py)."""
    opening = without_escape_sequences(text[:20000])
    controls = sum(1 for ch in opening if ord(ch) < 32 and ch not in "\t\n\r\f")
    return "\x00" in text or controls > max(2, len(opening) // 100)
