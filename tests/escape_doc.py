"""A small English document whose key sentence carries terminal escape sequences (clear screen, red,
window title), with enough ordinary prose that it stays under the binary-file threshold."""

from __future__ import annotations

QUESTION = "Where is the vault key kept?"
SENTENCE = "The vault key is kept in the red box near the lighthouse door."
_INJECTED = ("The vault key is kept \x1b[2J\x1b[31min the red box\x1b[0m near the lighthouse door."
             "\x1b]0;PWNED\x07")
_PROSE = [
    "The harbour master opens the office at seven every morning and closes it at dusk.",
    "Fishing boats leave before sunrise and return in the early afternoon with their catch.",
    "The lighthouse was painted white and green during the renovation of the previous summer.",
    "Visitors may climb the tower on Saturdays when the weather allows it.",
    "A small museum next to the quay shows old maps, ropes and brass lanterns.",
    "The ferry to the island runs twice a day in winter and four times a day in summer.",
    "Local bakers sell bread with dried fish on market days, and the queue often reaches the church.",
    "In stormy weeks the coast guard posts warnings on the board outside the harbour office.",
]
INJECTED_DOCUMENT = "\n\n".join([_PROSE[0], _PROSE[1], _INJECTED, *_PROSE[2:]]) + "\n"
