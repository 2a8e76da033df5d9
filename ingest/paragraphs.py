"""Clean blocks and split them into paragraphs as a reader sees them.

The paragraph is the product's unit of truth: answers cite it, the viewer shows
it. Wrapped lines are rejoined (`reflow`); a numbered clause, a bullet point, a
"Resolved" item and a proposer/seconder line each stand alone; an item number
with its title heads the paragraphs beneath it (`structure`). Ids are
content-addressed, so editing one paragraph never changes another's id.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ingest.dates import MONTH_PATTERN
from ingest.readers.tables import row_text
from ingest.reflow import OPEN_WORDS, clean_line, closing_mark, ends_sentence, join, should_join
from ingest.structure import (
    PAGE_NUMBER,
    PROCEDURAL,
    closes_motion,
    is_bullet,
    is_item_heading,
    item_title,
    opens_paragraph,
)
from ingest.types import Block, Paragraph

PARSER_VERSION = "layout-v2"
"""How papers are cut into paragraphs. Part of the index's chunking signature:
changing it changes paragraph ids, so an old index asks for `--rebuild`."""

# Lines that are furniture rather than content: web-page links, page numbers, rules.
_BOILERPLATE = re.compile(
    r"^(back to top|agenda item|agendas, meetings and minutes( - agenda item)?|"
    r"supporting documents:?|print this page|skip to (main )?content|[_=*·.\-–—\s]{3,})$",
    re.IGNORECASE,
)
_RESOLUTION_LEAD_IN = re.compile(r"^resolved\s*(?:[:–-]\s*)?(?:that)?\s*[:–-]?$", re.IGNORECASE)
""""RESOLVED: that" / "Resolved –": it introduces the resolution's items, which
are the paragraphs a reader cites; the lead-in itself becomes their heading."""
_LABEL_VALUE = re.compile(r"^[^:]{1,40}:\s*\S")
_TABLE_RULE_CELL = re.compile(r"^:?-{3,}:?$")
_CONTACT = re.compile(r"^(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\+?[\d\s().-]{9,}|www\.\S+)$")
"""An e-mail address, a telephone number or a web address alone on its line:
content a reader looks up, never a title."""
_REPORTED = re.compile(
    r"\S\s+(?:proposed|seconded|moved|advised|asked|reported|agreed|resolved|elected|noted|received|approved"
    r"|closed|opened|thanked|confirmed|declared|explained|presented|requested|decided|welcomed|discussed"
    r"|is|was|were|are|been|being|has|have|had|will|would|can|could|should|shall|must)\b"
    r"|[a-z0-9][.!?]\s+[A-Z]"
)
"""Someone proposed, seconded, advised …, something was or will be, or a line of
two sentences: a line saying what happened, not a title, though minutes (and
Word documents most of all) often leave the full stop off: "There were no
declarations of interest", "The meeting closed at 9.10 pm"."""
_WORD = re.compile(r"[A-Za-z]+")
_DAY_COMMA = re.compile(rf"\b(?:{MONTH_PATTERN})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,$", re.IGNORECASE)
_YEAR_OPENS = re.compile(r"^(?:19|20)\d\d\b")
_OPEN_END = re.compile(rf"(?:(?<!; and)(?<!; or),|(?<!; )\b(?:{OPEN_WORDS}))$")
"""Where no sentence ends: a comma or a small word in lower case, but not the
"; and" (or "; and,") that closes one clause of a list or of a resolution's recitals. A
trailing dash or slash is not enough across blocks: tables and web addresses
end that way."""


@dataclass(frozen=True)
class _Para:
    text: str
    kind: str
    page: int | None


def _is_heading_line(line: str, alone: bool) -> bool:
    """A short standalone line that introduces what follows."""
    if len(line) > 120 or opens_paragraph(line) and not is_item_heading(line):
        return False
    words = line.split()
    if line.endswith((":", "–", "-")):
        return len(words) <= 6
    if not alone or _LABEL_VALUE.match(line) or PROCEDURAL.match(line):
        return False
    if _is_caps_title(line) and len(words) <= 15:
        return True
    if _CONTACT.match(line) or _OPEN_END.search(line):
        return False  # a contact line, or a line that breaks off mid-sentence
    return len(words) <= 15 and not ends_sentence(line) and not _REPORTED.search(line)


def _is_caps_title(line: str) -> bool:
    """An all-capitals line of a few words (PDF text has no blank lines, so its
    headings arrive glued to the text around them)."""
    letters = [c for c in line if c.isalpha()]
    words = line.split()
    return len(letters) >= 6 and 2 <= len(words) <= 15 and all(c.isupper() for c in letters)


def _pipe_row(line: str) -> str:
    """A Markdown table row ("| 1. | Apologies |   |"), as pages and text exports
    leave them, read as its filled cells ("1. | Apologies"), a paragraph of its
    own; a rule row ("| --- | --- |") or a lone "|" reads as nothing."""
    if not line.startswith("|"):
        return line
    cells = [c.strip() for c in line.strip("|").split("|")]
    return row_text([c for c in cells if not _TABLE_RULE_CELL.match(c)])


def _split_block(block: Block, vocabulary: set[str]) -> list[_Para]:
    """One block → paragraphs: lines are rejoined where the sentence runs on,
    and split where a bullet, numbered clause, item or vote line starts."""
    raw = block.text.split("\n")
    fills: list[float | None] = list(block.fills) if len(block.fills) == len(raw) else [None] * len(raw)
    cleaned = [clean_line(ln) for ln in raw]
    rows = [ln.startswith("|") for ln in cleaned]  # a table row stands alone, as a DOCX or PDF table's rows do
    lines = [(_pipe_row(ln), f, row) for ln, f, row in zip(cleaned, fills, rows, strict=True)]
    kept = [(ln, f, row) for ln, f, row in lines if ln and not _BOILERPLATE.match(ln) and not PAGE_NUMBER.match(ln)]
    pairs = [(ln, f) for ln, f, _ in kept]
    if not pairs:
        return []
    if block.kind == "table":
        return [_Para(" ".join(ln for ln, _ in pairs), block.kind, block.page)]
    if block.kind == "heading":
        # A section title set over an item heading ("NEW BUSINESS" / "1. Type IV
        # Hearing …") is two headings: the item must stay findable on its own.
        heads: list[list[str]] = []
        for line, _ in pairs:
            if not heads or (item_title(line) and not line[:1].islower()):
                heads.append([line])
            else:
                heads[-1].append(line)
        return [_Para(" ".join(h), "heading", block.page) for h in heads]
    laid_out = block.page is not None  # a PDF page: headings come from its fonts, not from guesses
    out: list[_Para] = []
    current = ""
    current_kind = block.kind
    last_fill: float | None = None

    def flush() -> None:
        nonlocal current, current_kind
        if current:
            out.append(_Para(current, current_kind, block.page))
        current, current_kind = "", block.kind

    for index, (line, fill) in enumerate(pairs):
        if kept[index][2]:
            flush()
            out.append(_Para(line, "table", block.page))
            continue
        bullet = is_bullet(line)
        runs_on = index + 1 < len(pairs) and pairs[index + 1][0][:1].islower()
        if current and not bullet and (should_join(current, line, last_fill) or closes_motion(current, line)):
            current = join(current, line, vocabulary)
            last_fill = fill
            continue
        flush()
        last_fill = fill
        if bullet:
            current, current_kind = line[bullet.end():].strip(), "list_item"
        elif _RESOLUTION_LEAD_IN.match(line):
            out.append(_Para(line, "heading", block.page))
        elif is_item_heading(line) and not runs_on:
            out.append(_Para(line, "heading", block.page))
        elif opens_paragraph(line):
            current, current_kind = line, "list_item"
        elif block.kind == "text" and (
            (len(pairs) == 1 and not laid_out and _is_heading_line(line, alone=not block.styled))
            or ((len(pairs) > 1 or block.styled) and _is_caps_title(line))
            or (len(pairs) > 1 and not laid_out and not runs_on and _is_heading_line(line, alone=False))
        ):
            out.append(_Para(line, "heading", block.page))
        else:
            current = line
    flush()
    return [p for p in out if p.text]


def _join_across_blocks(parts: list[_Para]) -> list[_Para]:
    """A sentence cut by a page break or a stray blank line runs on into the next
    block (`_runs_on`); a block that is only a full stop closes the one above."""
    out: list[_Para] = []
    for part in parts:
        prev = out[-1] if out else None
        if prev is not None and closing_mark(part.text):  # a "heading" that lacked its full stop was a sentence
            out[-1] = replace(prev, text=prev.text + part.text, kind="text" if prev.kind == "heading" else prev.kind)
        elif prev is not None and _runs_on(prev, part):
            kind = "text" if prev.kind == "heading" else prev.kind
            out[-1] = replace(prev, text=f"{prev.text} {part.text}", kind=kind)
        else:
            out.append(part)
    return out


def _runs_on(prev: _Para, part: _Para) -> bool:
    """Whether `part` continues the sentence `prev` leaves open: it starts in
    lower case; or `prev` ends on a word or mark no sentence ends on ("the",
    "of", a comma) and `part` is plain text that opens nothing new; or `prev`
    ends on a date's day ("Monday, August 20,") and `part` opens with its year,
    which is not an item number."""
    if ends_sentence(prev.text):
        return False
    if not (prev.kind in ("text", "list_item") or (prev.kind == "heading" and not prev.text.endswith(":"))):
        return False
    if part.kind == "text" and part.text[:1].islower():
        return True
    if prev.kind == "heading":
        return False
    if _DAY_COMMA.search(prev.text) and _YEAR_OPENS.match(part.text):
        return True
    return part.kind == "text" and bool(_OPEN_END.search(prev.text)) and not opens_paragraph(part.text)


def _agenda_lines(parts: list[_Para]) -> list[_Para]:
    """An item heading with nothing beneath it before the next item (an agenda
    line) is content, not a heading: it is what a reader cites."""
    out = list(parts)
    for i, part in enumerate(parts):
        if part.kind != "heading" or not is_item_heading(part.text):
            continue
        following = parts[i + 1] if i + 1 < len(parts) else None
        if following is None or (following.kind == "heading" and is_item_heading(following.text)):
            out[i] = replace(part, kind="list_item")
    return out


def paragraph_id(doc_id: str, text: str, occurrence: int) -> str:
    """Content-addressed id: the paper, the paragraph's text and which repeat of
    that text it is. Nothing else, so edits elsewhere leave it unchanged."""
    digest = hashlib.blake2b(f"{doc_id}\n{occurrence}\n{text}".encode(), digest_size=8)
    return "p" + digest.hexdigest()


def segment(doc_id: str, blocks: Iterable[Block]) -> tuple[str, list[Paragraph]]:
    """Return the paper's normalised text and its paragraphs with offsets into it.

    Paragraphs are joined by a blank line in the normalised text; each records
    the nearest heading above it and the item it belongs to.
    """
    blocks = list(blocks)
    vocabulary = {w.lower() for b in blocks for w in _WORD.findall(b.text)}
    parts: list[_Para] = []
    for block in blocks:
        parts.extend(_split_block(block, vocabulary))
    parts = _agenda_lines(_join_across_blocks(parts))
    paragraphs: list[Paragraph] = []
    seen: Counter[str] = Counter()
    heading: str | None = None
    item: str | None = None
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
        opened = item_title(part.text)
        if opened:
            item = opened.rstrip(":–- ").strip()
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
                item=item,
            )
        )
        if part.kind == "heading":
            heading = part.text.rstrip(":–- ").strip() or heading
        elif opened:
            heading = item
    return "".join(pieces), paragraphs
