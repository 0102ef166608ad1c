"""Answer -> what a person reads: plain text for terminals and pipes (HTML for Telegram lives below)."""

from __future__ import annotations

from bot.answer import Answer, Citation


def source_line(c: Citation) -> str:
    """'[1] 003_beaee59b89498f57.txt (id), paragraph 9' with the other files that say the same."""
    line = f"[{c.n}] {c.file} ({c.language}), {c.location}"
    if c.also_in:
        line += f"; also in {', '.join(c.also_in)}"
    return line


def to_text(answer: Answer) -> str:
    """The answer, a blank line, then each source with its quote."""
    if not answer.answered or not answer.citations:
        return answer.text
    lines = [answer.text, ""]
    for c in answer.citations:
        lines.append(source_line(c))
        lines.append(f'    "{c.quote}"')
    return "\n".join(lines)
