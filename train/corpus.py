"""Write the training corpus from XQuAD's raw SQuAD files and index it with the real citebot pipeline.

One document per article and language (`slug.lang.txt`, paragraphs separated by blank lines, like
../shared/eval/xquad-dev/corpus). Every article is indexed in every training language once; the
question-time configurations (same-language, cross-language, article absent) are made later by
restricting retrieval to a subset of these documents (train/candidates.py), so embedding is paid once.
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.ingest import IndexReport
    from index.settings import IndexSettings

ROOT = Path(__file__).resolve().parent.parent
# The training data comes from the fp32 graph: every CPU runs it (int8 is the default only with VNNI,
# index/embed.py), so the data does not depend on the machine that made it. Served with int8 vectors, a
# ranker fitted on fp32 features measured 0.794-0.799 held-out facts (two regenerations), one fitted on
# int8 features 0.794-0.797: the same within the noise of a regeneration (docs/answer-quality.md).
TRAINING_PRECISION = "fp32"
RAW = ROOT.parent / "shared" / "eval" / "xquad-dev" / "raw"
WORK = Path(__file__).resolve().parent / "work"
LANGUAGES = ("en", "es")  # the languages of the held-out judge; see docs/answer-quality.md


def slug(title: str) -> str:
    """A file-name stem for an article title ("Jacksonville,_Florida" -> "jacksonville_florida")."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def load_raw(language: str, raw: Path = RAW) -> list[dict]:
    """The SQuAD-format articles of one language, in file order."""
    return json.loads((raw / f"xquad.{language}.json").read_text(encoding="utf-8"))["data"]


def gapped_name(article: str, paragraph: int, language: str) -> str:
    """The file of `article` without its `paragraph` (0-based): train/candidates.py asks that paragraph's
    questions of it, which the folder then does not answer although it is on their subject."""
    return f"{article}.gap{paragraph}.{language}.txt"


def write_corpus(target: Path, languages: tuple[str, ...] = LANGUAGES, raw: Path = RAW,
                 gapped: bool = False) -> list[Path]:
    """One text file per article and language (contexts verbatim, as in xquad-dev/corpus) and, with `gapped`,
    one per article, language and paragraph holding the article without that paragraph; returns the files."""
    target.mkdir(parents=True, exist_ok=True)
    titles = [a["title"] for a in load_raw("en", raw)]  # XQuAD is parallel: the same order in every language
    written = []
    for language in languages:
        for title, article in zip(titles, load_raw(language, raw), strict=True):
            contexts = [p["context"].strip() for p in article["paragraphs"]]
            texts = {f"{slug(title)}.{language}.txt": contexts}
            if gapped:
                texts.update({gapped_name(slug(title), g, language): contexts[:g] + contexts[g + 1:]
                              for g in range(len(contexts))})
            for name, paragraphs in texts.items():
                path = target / name
                text = "\n\n".join(paragraphs) + "\n"
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    path.write_text(text, encoding="utf-8")
                written.append(path)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, default=WORK)
    ap.add_argument("--gapped", action="store_true", help="also each article without each paragraph, for "
                    "`train.candidates --gapped` (an experiment that did not help: docs/answer-quality.md)")
    a = ap.parse_args()
    from tests.isolation import settings_for

    corpus = a.work / "corpus"
    files = write_corpus(corpus, gapped=a.gapped)
    print(f"{len(files)} files in {corpus}")
    print(index_or_rebuild(settings_for(a.work / "data", corpus, embed_precision=TRAINING_PRECISION)))


def index_or_rebuild(settings: IndexSettings) -> IndexReport:
    """`build_index`, starting over when the data dir holds an index of an older pipeline (chunking,
    sentence schema, or chunk vectors made another way): training and benchmark data dirs are caches,
    never a user's index."""
    from index.errors import IndexMismatch
    from index.ingest import build_index

    reason = _built_otherwise(settings)
    if reason:  # checked first: an update pass before the rebuild would be wasted
        print(f"{reason}; rebuilding")
        return build_index(settings, rebuild=True)
    try:
        return build_index(settings)
    except IndexMismatch as exc:
        print(f"{exc}; rebuilding")
        return build_index(settings, rebuild=True)


def _built_otherwise(settings: IndexSettings) -> str:
    """Why the index in the data dir is not what `settings` would build ("" when it is): chunk vectors made by
    another scheme, sentences without pair vectors (or with them), or vectors from another engine or graph (a
    user's index serves either graph; a benchmark's measures one)."""
    from index.embed import resolve_precision
    from index.embed_id import builder_id
    from index.local_state import LocalState
    from index.publish import mirrored_manifest
    from index.store import describe_location

    manifest = mirrored_manifest(LocalState(Path(settings.data_dir), settings.collection), describe_location(settings))
    entries = manifest.files.values() if manifest is not None else []
    if any((entry.chunk_vectors or "passage") != settings.chunk_vectors for entry in entries):
        return f"chunk vectors not made by the {settings.chunk_vectors!r} scheme"
    if any(entry.sentence_pairs != settings.sentence_pairs for entry in entries):
        return "sentences stored with" + ("out" if settings.sentence_pairs else "") + " pair vectors"
    wanted = builder_id(settings.embedder, resolve_precision(settings.embed_precision))
    if any(entry.embedded_by and entry.embedded_by != wanted for entry in entries):
        return f"vectors not made by {wanted}"
    if manifest is not None and not _graph_is_current(settings):
        return "a nearest-neighbour graph built with other settings"
    return ""


def _graph_is_current(settings: IndexSettings) -> bool:
    """Whether the index's sentence graph was built with the store's HNSW settings (True when the index cannot
    be opened: build_index decides what to do then)."""
    from index.store import Store

    store = Store(settings)
    try:
        store.open(create=False)
    except Exception:  # noqa: BLE001 - no readable index
        return True
    return store.graph_is_current()


if __name__ == "__main__":
    main()
