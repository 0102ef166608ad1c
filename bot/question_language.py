"""The language a question is asked in: its own words first, the conversation only as a fallback.

Questions are short, and a statistical detector is unsure about "Who is Lin Qingyuan?" (two of its
four words are a name). The function words of a question ("who", "is", "quem", "¿cuántos", "siapa")
are what a reader goes by, so they vote first: a language whose stop list holds clearly more of the
question's words than any other wins. When the vote is tied, py3langid decides if it is confident;
only a question with no detectable language ("H20?", "910B") keeps the previous turn's language.

Before either, a question in a language outside CITEBOT_LANGUAGES (a Romanian, Polish or Russian question
about English files) gets its own code when py3langid, choosing among every language it knows, is sure of it;
read as the nearest listed language it was ranked as a same-language question in that one, and declined as
gibberish when no document held its words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.language import classify_language, detect_language
from index.settings import KNOWN_LANGUAGES
from index.stopwords import STOPWORDS

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# py3langid's normalised probability above which it overrules a tied or empty function-word vote. Its
# probabilities on 3-8 word questions are either near 1 or spread out; 0.6 is the floor the engine
# used before this vote existed (tests/engine/test_conversation_drift.py checks both sides of it).
DETECTOR_CONFIDENCE = 0.6
# A question in a language outside CITEBOT_LANGUAGES was read as the nearest listed one: XQuAD's 572 Romanian
# questions came out English (253), French (221), Italian, Spanish or Portuguese, so the ranker took English
# sentences for same-language ones, and those whose words no document holds were declined as gibberish
# (bot/engine.py: nothing_to_look_for). Choosing among every language py3langid knows, at this probability it names
# a language outside the default list for 515 of the Romanian questions (all Romanian) and for none of XQuAD's 572
# English, Spanish or German questions, none of the project's own 65 and none of 584 sentences of the bundled and
# xquad-dev corpora; at 0.9 one English question reads as Latin ("What are malum prohibitum considerations?",
# 0.94). `python bench/question_languages.py` prints these counts.
OUTSIDE_CONFIDENCE = 0.95
ALL_LANGUAGES = tuple(sorted(KNOWN_LANGUAGES))
# When neither the function words nor py3langid among the listed languages give one, an unlisted language this
# likely (likelier than all the others together) is taken rather than the conversation's ("Кто основал компанию
# Huawei?": Russian at 0.72); no English, Spanish or German XQuAD question and none of the project's reaches this
# step with an unlisted one (bench/question_languages.py, "read by question_language").
LIKELIER_THAN_THE_REST = 0.5
NO_LANGUAGE = "zxx"  # py3langid's class for text of no language ("zzkj xxpl" at 0.75): never a question's language


def function_word_vote(question: str, languages: Sequence[str]) -> str | None:
    """The language whose function words the question uses most, when it leads every other one."""
    words = [w.lower() for w in _WORD.findall(question)]
    counts = sorted(((sum(w in STOPWORDS.get(code, ()) for w in words), code) for code in languages), reverse=True)
    if not counts or counts[0][0] == 0:
        return None
    if len(counts) > 1 and counts[1][0] >= counts[0][0]:
        return None
    return counts[0][1]


def outside_language(question: str, languages: Sequence[str]) -> tuple[str, float]:
    """(the language py3langid names when choosing among every language it knows, its probability) when that
    language is outside `languages` (CITEBOT_LANGUAGES, the documents' candidates); ("", 0.0) otherwise."""
    code, probability = classify_language(question, ALL_LANGUAGES)
    if code in ("", NO_LANGUAGE) or code in languages:
        return "", 0.0
    return code, probability


def question_language(question: str, languages: Sequence[str], fallback: str = "en") -> str:
    """ISO 639-1 code of the question's language; `fallback` (the conversation's) when undetectable. A question
    in a language outside `languages` gets its own code when the detector is sure of it, or when no listed
    language is likely and the unlisted one is likelier than all the others together (`outside_language`)."""
    outside, probability = outside_language(question, languages)
    if probability >= OUTSIDE_CONFIDENCE:
        return outside
    voted = function_word_vote(question, languages)
    if voted is not None:
        return voted
    code = detect_language(question, tuple(languages), fallback="", min_confidence=DETECTOR_CONFIDENCE)
    return code or (outside if probability >= LIKELIER_THAN_THE_REST else "") or fallback
