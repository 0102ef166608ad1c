"""Ask XQuAD's questions of corpus configurations and dump every candidate sentence's features and label.

The index of train/corpus.py holds every article in English and Spanish. A configuration keeps, per
article, both versions, one of them, or neither (the article is then absent and its questions must be
declined), in the proportions of ../shared/eval/xquad-dev (7 both : 7 English : 6 Spanish : 4 absent).
Each configuration asks every XQuAD question once, alternating English and Spanish, through the real
retrieval (chunks, sentences, BM25 over the configuration) and `bot.ranker.features`. A candidate is
labelled positive when it contains a gold answer of its question, normalised as the judge does
(../shared/eval/score_xquad.py); its latent-term cover of the question (train/latent.py) goes beside its features.
Output: train/features.npz (committed; train/fit.py reads it).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import random
import time
from pathlib import Path

import numpy as np

from train.corpus import LANGUAGES, RAW, TRAINING_PRECISION, WORK, gapped_name, load_raw, slug

HERE = Path(__file__).resolve().parent
OUT = HERE / "features.npz"
# Corpus configurations (each a shuffle of STATES). Six rather than three: the same questions meet more
# combinations of present, absent and one-language articles. Held out (bench/xquad_cv.py), 3 -> 6: facts
# 0.809 -> 0.816 with the int8 engine, 0.805 -> 0.818 with fp32; the fit takes 12 s instead of 6.
CONFIGURATIONS = 6
STATES = ("both",) * 7 + ("en",) * 7 + ("es",) * 6 + ("absent",) * 4
# Small corpora: a user's folder may be one report. For each size, the articles (shuffled) are split into
# groups of that many; each group is indexed alone (each article in both languages, English or Spanish, in
# STATES' proportions) and asked its articles' questions and half as many questions of other articles,
# which must be declined. Without them the calibrator knew only ~27-file corpora: held out on single files
# it declined 35% of the answerable questions (bench/xquad_small.py).
SMALL_SIZES = (1, 2, 4, 8)
PRESENT = tuple(s for s in STATES if s != "absent")


def judge_norm():
    """The judge's answer normalisation (SQuAD's), loaded from ../shared/eval/score_xquad.py."""
    path = RAW.parent.parent / "score_xquad.py"
    spec = importlib.util.spec_from_file_location("score_xquad", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.norm


def questions(asked_in: tuple[str, ...] = ()) -> list[dict]:
    """Every XQuAD question with its text per language (the corpus's and `asked_in`) and the gold answers of the
    corpus's languages."""
    per_language = {lang: load_raw(lang) for lang in dict.fromkeys((*LANGUAGES, *asked_in))}
    out = []
    for a, article in enumerate(per_language["en"]):
        for p, paragraph in enumerate(article["paragraphs"]):
            for q, qa in enumerate(paragraph["qas"]):
                texts, golds = {}, set()
                for lang, data in per_language.items():
                    other = data[a]["paragraphs"][p]["qas"][q]
                    assert other["id"] == qa["id"]
                    texts[lang] = other["question"]
                    if lang in LANGUAGES:
                        golds.update(ans["text"] for ans in other["answers"])
                out.append({"id": qa["id"], "article": slug(article["title"]), "paragraph": p, "text": texts,
                            "golds": sorted(golds)})
    return out


def configuration(articles: list[str], seed: int) -> dict[str, str]:
    """Article -> state for one configuration (deterministic in `seed`)."""
    states = list(STATES)
    assert len(states) == len(articles)
    random.Random(seed).shuffle(states)
    return dict(zip(articles, states, strict=True))


def small_configurations(articles: list[str], seed: int = 0) -> list[dict[str, str]]:
    """Article -> state of every small configuration (deterministic in `seed`); articles outside the group
    are absent."""
    rng = random.Random(1000 + seed)
    out = []
    for size in SMALL_SIZES:
        order = list(articles)
        rng.shuffle(order)
        for g in range(0, len(order) - size + 1, size):
            states = dict.fromkeys(articles, "absent")
            states.update({article: rng.choice(PRESENT) for article in order[g:g + size]})
            out.append(states)
    return out


def files_of(states: dict[str, str], gaps: dict[str, int] | None = None) -> set[str]:
    """The files of a configuration; an article in `gaps` is there without that paragraph (train/corpus.py)."""
    out = set()
    for article, state in states.items():
        for lang in LANGUAGES:
            if state in ("both", lang):
                gap = (gaps or {}).get(article)
                out.add(f"{article}.{lang}.txt" if gap is None else gapped_name(article, gap, lang))
    return out


def gaps_of(states: dict[str, str], seed: int, paragraphs: int) -> dict[str, int]:
    """Present article -> the paragraph its gapped configuration leaves out (deterministic in `seed`)."""
    rng = random.Random(2000 + seed)
    return {article: rng.randrange(paragraphs) for article, state in sorted(states.items()) if state != "absent"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, default=WORK)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--gapped", action="store_true",
                    help="also the gapped configurations (needs `train.corpus --gapped`; an experiment that did not "
                    "help, docs/answer-quality.md)")
    ap.add_argument("--limit", type=int, default=0, help="questions per configuration (0: all), for a quick look")
    ap.add_argument("--also-asked-in", default="", help="comma-separated languages of extra configurations whose "
                    "questions are asked in them (XQuAD's de, ro): every answer is then in another language")
    a = ap.parse_args()
    from bot.question_language import question_language
    from bot.ranker import FEATURES, features, gather, kept_rows
    from bot.sentence_lookup import TRANSLATION_SIM, same_fact
    from index.retrieve import Retriever
    from tests.isolation import settings_for

    norm = judge_norm()
    # the retriever alone, not an Engine: an Engine loads the shipped ranker, which need not match features
    # being regenerated for a new feature list
    settings = settings_for(a.work / "data", a.work / "corpus", embed_precision=TRAINING_PRECISION)
    base = Retriever(settings)
    extra = tuple(x for x in a.also_asked_in.split(",") if x)
    qs = questions(extra)
    articles = sorted({q["article"] for q in qs})
    from train.latent import LatentCovers

    covers = LatentCovers(base.embedder)
    X, y, qrow, cand_meta, q_meta, twins, latent = [], [], [], [], [], [], []
    t0 = time.time()
    plan = [(c, LANGUAGES, configuration(articles, seed=c), qs) for c in range(CONFIGURATIONS)]
    plan += [(CONFIGURATIONS + j, extra, configuration(articles, seed=CONFIGURATIONS + j), qs)
             for j in range(len(extra))]
    for states in small_configurations(articles):
        present = [q for q in qs if states[q["article"]] != "absent"]
        others = [q for q in qs if states[q["article"]] == "absent"]
        step = max(1, len(others) // max(1, len(present) // 2))
        plan.append((len(plan), LANGUAGES, states, present + others[::step][:len(present) // 2]))
    # Gapped configurations (with --gapped): each configuration again, every present article without one
    # paragraph, asked that paragraph's questions, which the folder does not answer although it is on their
    # subject (SQuAD 2.0's kind of unanswerable question). Out of fold they cost absent-article declines at the
    # full size (0.866 -> 0.848 with the calibrator fitted on them, 0.861 without): not shipped
    # (docs/answer-quality.md, eleventh session).
    paragraphs = 1 + max(q["paragraph"] for q in qs)
    gapped_plan = []
    for c, asked, states, _asking in plan if a.gapped else ():
        gaps = gaps_of(states, c, paragraphs)
        holed = [q for q in qs if gaps.get(q["article"]) == q["paragraph"]]
        gapped_plan.append((len(plan) + len(gapped_plan), asked, states, holed, gaps))
    for c, asked, states, asking, gaps in [(*entry, None) for entry in plan] + gapped_plan:
        retriever = base.restricted(files_of(states, gaps))
        todo = asking[: a.limit] if a.limit else asking
        for i, q in enumerate(todo):
            lang = asked[(i + c) % len(asked)]
            text = q["text"][lang]
            state = states[q["article"]]
            kind = "absent" if state == "absent" else ("same" if state in ("both", lang) else "cross")
            if gaps is not None and state != "absent":
                kind = "gapped"
            language = question_language(text, settings.language_list)
            retrieval = retriever.retrieve(text, language=language)
            pool = gather(retrieval)
            rows = features(text, language, retrieval, pool)
            keep = set(np.flatnonzero(kept_rows(rows)).tolist())  # the set the engine's choice normalises over
            golds = [g for g in map(norm, q["golds"]) if g]
            if kind == "gapped" and any(f" {g} " in f" {norm(pool[k].sentence.text)} " for k in keep for g in golds):
                continue  # the answer is told elsewhere in the article too: not an unanswerable question
            qi = len(q_meta)
            q_meta.append({"id": q["id"], "article": q["article"], "config": c, "lang": lang, "kind": kind,
                           "question": text, "articles": len(states) - list(states.values()).count("absent")})
            kept = sorted(keep)
            # pairs of candidates telling one fact (translations): the answer quotes such a fact once, so the
            # fit's simulation of the answer (train/fit.py: answers) skips a twin of a sentence already chosen
            vectors = np.stack([pool[k].sentence.embedding for k in kept])
            close = np.argwhere(np.triu(vectors @ vectors.T >= TRANSLATION_SIM, k=1))  # same_fact's first test
            twins += [(len(X) + i, len(X) + j) for i, j in close.tolist()
                      if same_fact(pool[kept[i]].sentence, pool[kept[j]].sentence)]
            covers.prefetch([text, *(pool[k].sentence.text for k in kept)])
            for k in kept:
                s = pool[k].sentence
                latent.append(covers.cover(text, s.text))
                padded = f" {norm(s.text)} "
                X.append(rows[k])
                y.append(kind not in ("absent", "gapped") and any(f" {g} " in padded for g in golds))
                qrow.append(qi)
                cand_meta.append((s.file, s.position, len(s.text)))
            if len(q_meta) % 100 == 0:
                print(f"{len(q_meta)} questions, {len(X)} candidates, {time.time() - t0:.0f}s", flush=True)
    files = sorted({m[0] for m in cand_meta})
    np.savez_compressed(
        a.out, X=np.asarray(X, dtype=np.float32), y=np.asarray(y, dtype=np.int8), q=np.asarray(qrow, dtype=np.int32),
        file_index=np.asarray([files.index(m[0]) for m in cand_meta], dtype=np.int16),
        position=np.asarray([m[1] for m in cand_meta], dtype=np.int32),
        chars=np.asarray([m[2] for m in cand_meta], dtype=np.int32),
        twins=np.asarray(twins, dtype=np.int32).reshape(-1, 2), latent_cover=np.asarray(latent, dtype=np.float32),
        files=np.asarray(files), features=np.asarray(FEATURES), questions=np.asarray(json.dumps(q_meta)))
    digest = hashlib.sha256(a.out.read_bytes()).hexdigest()[:16]
    print(f"wrote {a.out}: {len(q_meta)} questions, {len(X)} candidates, {sum(y)} positive, sha256 {digest}")


if __name__ == "__main__":
    main()
