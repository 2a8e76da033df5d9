"""Plain-text rendering of an answer for the terminal, shared by `ask` and `chat`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.types import Paragraph
    from qa_app.types import Answer

ContextFn = Callable[["Paragraph"], Sequence["Paragraph"]]


def render_text(answer: Answer, context: ContextFn | None = None) -> str:
    """A readable answer with its numbered sources (or the closest matches);
    with `context`, each source is followed by its item, the cited paragraph
    marked with ">"."""
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
            if context is not None:
                lines += [f"      {'>' if p.id == src.paragraph.id else ' '} ¶{p.number} {p.text}"
                          for p in context(src.paragraph)]
    elif answer.retrieved:
        lines.append("Closest matches:")
        for r in answer.retrieved:
            snippet = r.paragraph.text if len(r.paragraph.text) <= 160 else r.paragraph.text[:157] + "…"
            lines.append(f"  - {r.title} ({r.doc_type}, {r.date or 'undated'}) — paragraph {r.paragraph.number}: "
                         f"{snippet}")
    if answer.notice:
        lines.append(f"({answer.notice})")
    return "\n".join(lines).rstrip()


def context_json(answer: Answer, context: ContextFn) -> list[list[dict[str, object]]]:
    """Per citation, its item's paragraphs: the `context` field of `ask --json --context`."""
    return [[{"paragraph": p.number, "paragraph_id": p.id, "text": p.text, "cited": p.id == c.source.paragraph.id}
             for p in context(c.source.paragraph)] for c in answer.citations]
