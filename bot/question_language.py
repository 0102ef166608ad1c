"""The language a question is asked in: its own words first, the conversation only as a fallback.

Questions are short, and a statistical detector is unsure about "Who is Lin Qingyuan?" (two of its
four words are a name). The function words of a question ("who", "is", "quem", "¿cuántos", "siapa")
are what a reader goes by, so they vote first: a language whose stop list holds clearly more of the
question's words than any other wins. When the vote is tied, py3langid decides if it is confident;
only a question with no detectable language ("H20?", "910B") keeps the previous turn's language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.language import detect_language
from index.stopwords import STOPWORDS

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# py3langid's normalised probability above which it overrules a tied or empty function-word vote. Its
# probabilities on 3-8 word questions are either near 1 or spread out; 0.6 is the floor the engine
# used before this vote existed (tests/engine/test_conversation_drift.py checks both sides of it).
DETECTOR_CONFIDENCE = 0.6


def function_word_vote(question: str, languages: Sequence[str]) -> str | None:
    """The language whose function words the question uses most, when it leads every other one."""
    words = [w.lower() for w in _WORD.findall(question)]
    counts = sorted(((sum(w in STOPWORDS.get(code, ()) for w in words), code) for code in languages), reverse=True)
    if not counts or counts[0][0] == 0:
        return None
    if len(counts) > 1 and counts[1][0] >= counts[0][0]:
        return None
    return counts[0][1]


def question_language(question: str, languages: Sequence[str], fallback: str = "en") -> str:
    """ISO 639-1 code of the question's language; `fallback` (the conversation's) when undetectable."""
    voted = function_word_vote(question, languages)
    if voted is not None:
        return voted
    return detect_language(question, tuple(languages), fallback=fallback, min_confidence=DETECTOR_CONFIDENCE)
