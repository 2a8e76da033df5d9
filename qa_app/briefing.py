"""Export answers as a Markdown briefing note a councillor can file or forward.

Paper text is escaped so the note shows it literally in any Markdown viewer;
each `[n]` marker has a numbered source with title, type, date, paragraph and
the verbatim quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePosixPath

from qa_app.abstention import ABSTAIN_MESSAGE
from qa_app.markdown import escape_markdown
from qa_app.types import Answer, Citation


def _source_line(citation: Citation) -> str:
    src = citation.source
    parts = [f"**[{citation.n}]** {escape_markdown(src.title)}", escape_markdown(src.doc_type.replace("_", " "))]
    if src.date:
        parts.append(escape_markdown(src.date))
    parts.append(f"paragraph {src.paragraph.number}")
    parts.append(_file_label(src.path))
    return " — ".join(parts)


def _file_label(path: str) -> str:
    """The paper's file name only: a note leaves the building, and the server's
    folders are nobody's business."""
    return f"`{PurePosixPath(path.replace(chr(92), '/')).name.replace('`', '')}`"


def _quote_block(text: str) -> str:
    return "\n".join("> " + escape_markdown(line) if line else ">" for line in text.splitlines() or [""])


def answer_markdown(answer: Answer, *, heading_level: int = 2) -> str:
    """One question, its answer and its sources."""
    if not 1 <= heading_level <= 5:
        raise ValueError(f"heading_level must be between 1 and 5; got {heading_level}")
    hashes = "#" * heading_level
    lines = [f"{hashes} Q: {escape_markdown(answer.question)}", ""]
    if answer.abstained:
        lines += [f"*{ABSTAIN_MESSAGE}*", ""]
        if answer.retrieved:
            lines += ["Possibly related (not an answer):", ""]
            for r in answer.retrieved[:3]:
                lines.append(
                    f"- {escape_markdown(r.title)} — paragraph {r.paragraph.number} — {_file_label(r.path)}"
                )
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"
    # `[n]` markers stay readable: a bare `[1]` with no `(url)` after it is not a link.
    lines += [re.sub(r"\\\[(\d+)\\\]", r"[\1]", escape_markdown(answer.answer)), ""]
    if answer.citations:
        lines += [f"{hashes}# Sources", ""]
        for citation in answer.citations:
            lines += [_source_line(citation), "", _quote_block(citation.quote), ""]
    if answer.notice:
        lines += [f"*Note: {escape_markdown(answer.notice)}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(
    answers: Sequence[Answer], *, title: str = "Briefing note", when: datetime | None = None
) -> str:
    """A whole conversation as one note, oldest question first."""
    stamp = (when or datetime.now()).strftime("%Y-%m-%d %H:%M")
    modes = sorted({a.mode for a in answers})
    header = [f"# {escape_markdown(title)}", "", f"Prepared {stamp} from the council papers library"]
    if modes:
        header[-1] += f" (answer mode: {escape_markdown(', '.join(modes))})"
    header[-1] += "."
    body = [answer_markdown(a) for a in answers] or ["*No questions asked yet.*\n"]
    return "\n".join(header) + "\n\n" + "\n".join(body)
