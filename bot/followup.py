"""Resolve a follow-up question against the conversation, without an LLM.

The heuristic, in order:
1. A question is a follow-up when it leans on context: it starts with a connective ("and", "what
   about", "y", "e", "dan"), or uses a pronoun or demonstrative ("he", "it", "that", "él", "ele",
   "dia", "tersebut"), or has at most two content words.
2. A follow-up borrows the subject of the latest turn that has one: the names, numbers and
   capitalised terms of the previous question as it was resolved (a follow-up of a follow-up keeps the
   subject), else that question's rarest words the index holds ("When is the pharmacy open?": "pharmacy"),
   else the names of the previous answer's first sentence.
3. Retrieval then runs on "question + borrowed subject", for the dense and the BM25 side alike.
A question that names its own subject (it has names of its own and no pronoun) is left alone, and so
is one with no pronoun whose content words the index has never seen ("asdfgh qwerty", "and qwertz"):
noise borrows no subject, so it is answered on its own and declined like any question the documents
do not answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.answer import Turn

_CONNECTIVE = re.compile(
    r"^\s*(?:and|also|what about|how about|but|so|y|e|dan|lalu|terus|bagaimana dengan|¿?y|¿?qué hay de|"
    r"e quanto|e sobre|et|und)\b", re.IGNORECASE)
_PRONOUNS = frozenset("""he him his she her hers they them their theirs it its this that these those there
    él ella ellos ellas le les lo la su sus eso esto ese esa ahí allí
    ele ela eles elas dele dela deles delas seu sua seus suas isso isto esse essa aí lá
    dia ia mereka beliau nya tersebut itu ini sana""".split())
_WORD = re.compile(r"\w+", re.UNICODE)
# Names: runs of capitalised words, or tokens with digits (910B, H20, V3).
_NAME = re.compile(r"(?:\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)|\b\w*\d\w*\b", re.UNICODE)
_QUESTION_WORDS = frozenset("""what which who whom whose when where why how is are was were do does did can
    could should would will qué que quién quien cuál cual cuándo dónde cómo por o a os as quem quando onde
    como porque apa siapa kapan dimana di mana bagaimana mengapa kenapa berapa yang and y e dan the el la
    los las""".split())


@dataclass(frozen=True)
class Resolved:
    """The queries retrieval runs on; equal to the question when it needs no context."""

    dense_query: str
    lexical_query: str
    borrowed: str = ""


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _QUESTION_WORDS and w not in _PRONOUNS and len(w) > 2]


# Capitalised but never a name: the pronoun "I" ("Do I need a referral?" borrowed "I").
_NOT_NAMES = frozenset({"i"})
# How many of the previous question's words a follow-up borrows when that question names nothing: the rarest
# two say what it was about ("ferry crossing" of "How long does the ferry crossing take?"); more add words
# like "take" that half the folder holds.
BORROWED_WORDS = 2


def subject_terms(text: str) -> list[str]:
    """Names and numbers in `text` (sentence-initial question words excluded)."""
    terms: list[str] = []
    for match in _NAME.finditer(text):
        words = [w for w in match.group().split() if w.lower() not in _QUESTION_WORDS | _NOT_NAMES]
        term = " ".join(words)
        if term and term not in terms:
            terms.append(term)
    return terms


def is_followup(question: str) -> bool:
    words = [w.lower() for w in _WORD.findall(question)]
    if _CONNECTIVE.match(question):
        return True
    if any(w in _PRONOUNS for w in words) or any(w.endswith("nya") and len(w) > 5 for w in words):
        return True
    return len(_content_words(question)) <= 2


def resolve_followup(question: str, history: Sequence[Turn],
                     unknown_words: Callable[[str], list[str]] | None = None,
                     rarest_words: Callable[[str, int], list[str]] | None = None) -> Resolved:
    """The retrieval queries for `question` given the conversation so far; `unknown_words` names the
    question's words the index does not know (a question made only of those is not a follow-up), and
    `rarest_words` a text's words the fewest chunks hold (without it, a question naming nothing lends its
    first content words)."""
    if not history or not is_followup(question):
        return Resolved(question, question)
    content = _content_words(question)
    has_pronoun = any(w.lower() in _PRONOUNS for w in _WORD.findall(question))
    if unknown_words is not None and content and not has_pronoun and len(unknown_words(question)) >= len(content):
        return Resolved(question, question)
    own = subject_terms(question)
    if own and not has_pronoun and not _CONNECTIVE.match(question):
        return Resolved(question, question)
    said = {w.lower() for w in content}  # the follow-up's own words: never borrowed
    for turn in reversed(history):
        # its own names, else the subject it borrowed itself (a follow-up of a follow-up keeps the subject:
        # "When is it cancelled?" after "And for children?" is still about the ferry), else its rarest words
        borrowed = subject_terms(turn.question) or ([turn.answer.subject] if turn.answer.subject else [])
        if not borrowed:
            borrowed = (rarest_words(turn.question, BORROWED_WORDS) if rarest_words is not None
                        else _content_words(turn.question)[:BORROWED_WORDS])
            borrowed = [w for w in borrowed if w.lower() not in said]
        if not borrowed and turn.answer.answered and turn.answer.citations:
            # names of the answer's first sentence; its bare numbers are hours and amounts, not a subject
            # ("8 00 18" of "open from 8:00 to 18:00")
            terms = [t for t in subject_terms(turn.answer.citations[0].quote) if not t.isdigit()]
            borrowed = sorted(terms, key=lambda t: not any(ch.isdigit() for ch in t))[:3]
        borrowed = [t for t in borrowed if t not in own]
        if borrowed:
            context = " ".join(borrowed)
            return Resolved(f"{question} ({context})", f"{question} {context}", context)
    return Resolved(question, question)
