"""Plain-text rendering of an answer for the terminal, shared by `ask` and `chat`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa_app.types import Answer


def render_text(answer: Answer) -> str:
    """A readable answer with its numbered sources (or the closest matches)."""
    lines = [answer.answer, ""]
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            src = c.source
            lines.append(f"  [{c.n}] {src.title} ({src.doc_type}, {src.date or 'undated'}) — paragraph "
                         f"{src.paragraph.number}, {src.path}")
            if src.paragraph.item:
                lines.append(f"      in item: {src.paragraph.item}")
            lines.append(f"      “{c.quote}”")
    elif answer.retrieved:
        lines.append("Closest matches:")
        for r in answer.retrieved:
            snippet = r.paragraph.text if len(r.paragraph.text) <= 160 else r.paragraph.text[:157] + "…"
            lines.append(f"  - {r.title} ({r.doc_type}, {r.date or 'undated'}) — paragraph {r.paragraph.number}: "
                         f"{snippet}")
    if answer.notice:
        lines.append(f"({answer.notice})")
    return "\n".join(lines).rstrip()
