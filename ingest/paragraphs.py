"""Clean blocks and split them into paragraphs as a reader sees them.

The paragraph is the product's unit of truth: answers cite it, the viewer shows
it. A numbered motion clause, a bullet point, a "Resolved" item and a
proposer/seconder line each stand alone. Ids are content-addressed, so editing
one paragraph never changes another's id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.types import Block, Paragraph

# Lines that are web-page furniture rather than content of the paper.
_BOILERPLATE = re.compile(
    r"^(back to top|agenda item|agendas, meetings and minutes( - agenda item)?|"
    r"supporting documents:?|print this page|skip to (main )?content)$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BULLET = re.compile(r"^[·•▪◦‣∙●○■□➢➤►✓\-\*–]\s+")
_LIST_START = re.compile(
    r"^(\(?\d{1,3}[.)]\s|\(\d{1,3}\)\s*|\([a-zA-Z]{1,4}\)\s*|[a-z][.)]\s|"
    r"resolved\b|proposed( by)?\s*[:–-]|seconded( by)?\s*[:–-]|moved( by)?\s*[:–-])",
    re.IGNORECASE,
)
_RESOLUTION_LEAD_IN = re.compile(r"^resolved\s*(?:[:–-]\s*)?(?:that)?\s*[:–-]?$", re.IGNORECASE)
""""RESOLVED: that" / "Resolved –": it introduces the resolution's items, which
are the paragraphs a reader cites; the lead-in itself becomes their heading."""
_TERMINAL = (".", "!", "?", ";")
_CLOSERS = "\"'”’)]» "


@dataclass(frozen=True)
class _Para:
    text: str
    kind: str
    page: int | None


def clean_line(line: str) -> str:
    """Normalise one line: unicode form, odd spaces, stray bullet glyphs."""
    line = unicodedata.normalize("NFC", line)
    line = _SPACES.sub(" ", line).strip()
    return line


def _is_heading_line(line: str, alone: bool) -> bool:
    """A short standalone line that introduces what follows."""
    if len(line) > 120 or _LIST_START.match(line):
        return False
    words = line.split()
    if line.endswith((":", "–", "-")):
        return len(words) <= 6
    if not alone:
        return False
    letters = [c for c in line if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8 and len(words) <= 15:
        return True
    return len(words) <= 15 and not line.rstrip(_CLOSERS).endswith(_TERMINAL)


def _is_caps_title(line: str) -> bool:
    """An all-capitals line of a few words inside a block (PDF text has no blank
    lines, so its headings arrive glued to the text around them)."""
    letters = [c for c in line if c.isalpha()]
    words = line.split()
    return len(letters) >= 6 and 2 <= len(words) <= 15 and all(c.isupper() for c in letters)


def _split_block(block: Block) -> list[_Para]:
    """One block → paragraphs. Bullets and list markers start a new paragraph;
    a block of long lines is one paragraph per line (unwrapped text), while a
    block of short lines is hard-wrapped prose and is joined."""
    lines = [clean_line(ln) for ln in block.text.split("\n")]
    lines = [ln for ln in lines if ln and not _BOILERPLATE.match(ln)]
    if not lines:
        return []
    if block.kind in ("heading", "table"):
        return [_Para(" ".join(lines), block.kind, block.page)]
    long_lines = sum(len(ln) >= 90 for ln in lines) >= max(1, len(lines) // 2)
    out: list[_Para] = []
    current: list[str] = []
    current_kind = block.kind

    def flush() -> None:
        nonlocal current, current_kind
        if current:
            out.append(_Para(" ".join(current), current_kind, block.page))
        current, current_kind = [], block.kind

    for line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            flush()
            current, current_kind = [line[bullet.end():].strip()], "list_item"
            continue
        if _RESOLUTION_LEAD_IN.match(line):
            flush()
            out.append(_Para(line, "heading", block.page))
            continue
        if _LIST_START.match(line):
            flush()
            current, current_kind = [line], "list_item"
            continue
        if block.kind == "text" and (
            (len(lines) == 1 and _is_heading_line(line, alone=True)) or (len(lines) > 1 and _is_caps_title(line))
        ):
            flush()
            out.append(_Para(line, "heading", block.page))
            continue
        if current and (long_lines or _is_heading_line(current[-1], alone=False)):
            flush()
        current.append(line)
    flush()
    return [p for p in out if p.text]


def paragraph_id(doc_id: str, text: str, occurrence: int) -> str:
    """Content-addressed id: the paper, the paragraph's text and which repeat of
    that text it is. Nothing else, so edits elsewhere leave it unchanged."""
    digest = hashlib.blake2b(f"{doc_id}\n{occurrence}\n{text}".encode(), digest_size=8)
    return "p" + digest.hexdigest()


def segment(doc_id: str, blocks: Iterable[Block]) -> tuple[str, list[Paragraph]]:
    """Return the paper's normalised text and its paragraphs with offsets into it.

    Paragraphs are joined by a blank line in the normalised text, and each
    paragraph records the nearest heading above it.
    """
    parts: list[_Para] = []
    for block in blocks:
        parts.extend(_split_block(block))
    paragraphs: list[Paragraph] = []
    seen: Counter[str] = Counter()
    heading: str | None = None
    pieces: list[str] = []
    offset = 0
    for number, part in enumerate(parts, start=1):
        if pieces:
            pieces.append("\n\n")
            offset += 2
        start, end = offset, offset + len(part.text)
        pieces.append(part.text)
        offset = end
        occurrence = seen[part.text]
        seen[part.text] += 1
        paragraphs.append(
            Paragraph(
                id=paragraph_id(doc_id, part.text, occurrence),
                doc_id=doc_id,
                number=number,
                text=part.text,
                start=start,
                end=end,
                kind=part.kind,
                heading=None if part.kind == "heading" else heading,
                page=part.page,
            )
        )
        if part.kind == "heading":
            heading = part.text.rstrip(":–- ").strip() or heading
    return "".join(pieces), paragraphs
