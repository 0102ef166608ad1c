"""Ingestion at scale: the dry run (load, clean, paragraphs, sentences, chunks, e5 token counts) on one
generated file of 1, 10 and 30 MB; time per MB should stay flat and memory should not grow faster than
the file.

usage: .venv/bin/python bench/ingest_scale.py [--sizes 1,10,30] [--json FILE]

The text is synthetic but made of the bundled corpus: its sentences, each with one word swapped for
another corpus word (so sentences rarely repeat and no count is served from a cache), 3-7 to a
paragraph, paragraphs separated by blank lines; a fixed seed makes every run write the same files.
Each size runs in a fresh subprocess that first does a dry run of a 10 KB file (imports, Punkt, the
tokenizers: a fixed cost, reported as "warm" RSS) and then reports its own CPU seconds, wall seconds and
peak RSS for the big file (`resource.getrusage`), so one size's memory is never charged to another.
No embedder runs and no index is written (see index/dry_run.py); a full index of 30 MB embeds ~14M e5
tokens, hours on 2 cores, so it is not part of this benchmark yet.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from index.dry_run import dry_run
corpus, warm = Path(sys.argv[1]), Path(sys.argv[2])
dry_run(warm, ("en", "id", "es", "pt"), 192, 32)  # imports, punkt, tokenizers: a fixed cost, not per MB
start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cpu, wall = time.process_time(), time.perf_counter()
report = dry_run(corpus, ("en", "id", "es", "pt"), 192, 32)
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "warm_rss_mb": start_rss,
                  "bytes": report.bytes,
                  "chunks": report.chunks, "sentences": report.sentences, "tokens": report.tokens}))
"""


def corpus_sentences() -> list[str]:
    """The sentences of the bundled corpus, split with citebot's own splitter."""
    from index.chunk import document_sentences
    from index.load import load_document

    corpus = ROOT / "corpus"
    out: list[str] = []
    for path in sorted(corpus.iterdir()):
        out += [s.text for s in document_sentences(load_document(path, corpus, ("en", "id", "es", "pt")))]
    return out


def generate(path: Path, megabytes: float, sentences: list[str], seed: int = 13) -> None:
    """Write about `megabytes` MB of multi-paragraph text made of perturbed corpus sentences."""
    rnd = random.Random(seed)
    words = sorted({w for s in sentences for w in re.findall(r"\w{4,}", s)})
    target, written = int(megabytes * 1_000_000), 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            paragraph = []
            for _ in range(rnd.randint(3, 7)):
                tokens = rnd.choice(sentences).split(" ")
                tokens[rnd.randrange(len(tokens))] = rnd.choice(words)
                paragraph.append(" ".join(tokens))
            block = " ".join(paragraph) + "\n\n"
            out.write(block)
            written += len(block.encode("utf-8"))


@dataclass
class Generated:
    """One size's corpus folder of generated files, and the 10 KB warm-up corpus beside it."""

    size: float
    warm: Path
    corpus: Path
    files: list[Path]


def generated_corpora(sizes: str, files: int = 1) -> Iterator[Generated]:
    """For each size in `sizes` (MB, comma-separated), a folder of `files` generated files of that size in all,
    deleted once the caller moves on (so only one size is on disk at a time)."""
    sentences = corpus_sentences()
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm"
        warm.mkdir()
        generate(warm / "warm.txt", 0.01, sentences, seed=1)
        for size in [float(s) for s in sizes.split(",")]:
            corpus = Path(tmp) / f"c{size:g}"
            corpus.mkdir()
            paths = [corpus / f"big-{size:g}mb-{i}.txt" for i in range(files)]
            for i, path in enumerate(paths):
                generate(path, size / files, sentences, seed=13 + i)
            yield Generated(size, warm, corpus, paths)
            shutil.rmtree(corpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,30", help="file sizes in MB, comma-separated")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    rows = []
    for generated in generated_corpora(args.sizes):
        out = subprocess.run([sys.executable, "-c", _CHILD, str(generated.corpus), str(generated.warm)], cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        row["mb"] = row["bytes"] / 1e6
        rows.append(row)
        print(f"{row['mb']:6.1f} MB  cpu {row['cpu']:7.1f} s  ({row['cpu'] / row['mb']:5.2f} s/MB)  "
              f"wall {row['wall']:7.1f} s  peak RSS {row['rss_mb']:6.0f} MB (warm {row['warm_rss_mb']:4.0f})  "
              f"chunks {row['chunks']:7d}  "
              f"sentences {row['sentences']:8d}  e5 tokens {row['tokens']:10d}", flush=True)
    per_mb = [r["cpu"] / r["mb"] for r in rows]
    print(f"CPU s/MB spread: {max(per_mb) / min(per_mb) - 1:.0%} (max over min - 1; target within 20%)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
