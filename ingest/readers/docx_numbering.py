"""The numbers Word draws in front of automatically numbered paragraphs.

Minutes typed in Word usually number their items with the list feature, so
"5. Precept" is drawn by Word and the paragraph's text holds only "Precept".
Read without its number, an item heading cannot open its item and a citation
cannot name it. This module works out each paragraph's label from the
document's numbering definitions (`word/numbering.xml`): a counter per list
and level, a deeper level restarting when a shallower one moves on, and the
level's own format ("%1.", "%1.%2", "(%3)") and style of number (decimal,
letters, roman). Bullets have no number and get no label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docx.oxml.ns import qn

from ingest.readers.list_numbers import format_number

_COUNTED = frozenset({"decimal", "decimalZero", "lowerLetter", "upperLetter", "lowerRoman", "upperRoman"})


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int


def _int(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.isdigit() else default


def _val(element: Any, tag: str, default: str | None = None) -> str | None:
    child = element.find(qn(tag)) if element is not None else None
    return child.get(qn("w:val"), default) if child is not None else default


class Numbering:
    """Labels for one document's numbered paragraphs, in reading order.
    Call `label` once per paragraph, in order: the counters advance as Word's do."""

    def __init__(self, document: Any) -> None:
        self._lists: dict[str, tuple[str, dict[int, _Level]]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract: dict[str, dict[int, _Level]] = {}
        for node in root.findall(qn("w:abstractNum")):
            levels: dict[int, _Level] = {}
            for lvl in node.findall(qn("w:lvl")):
                levels[_int(lvl.get(qn("w:ilvl")), 0)] = _Level(
                    fmt=_val(lvl, "w:numFmt", "decimal") or "decimal", text=_val(lvl, "w:lvlText", "") or "",
                    start=_int(_val(lvl, "w:start"), 1))
            abstract[node.get(qn("w:abstractNumId"), "")] = levels
        for node in root.findall(qn("w:num")):
            abstract_id = _val(node, "w:abstractNumId") or ""
            levels = dict(abstract.get(abstract_id, {}))
            for override in node.findall(qn("w:lvlOverride")):
                start = _val(override, "w:startOverride")
                ilvl = _int(override.get(qn("w:ilvl")), 0)
                if start is not None and start.isdigit() and ilvl in levels:
                    old = levels[ilvl]
                    levels[ilvl] = _Level(old.fmt, old.text, int(start))
            # Lists drawn from one abstract definition share its counters, as
            # Word continues a list across paragraphs that point at it by different ids.
            self._lists[node.get(qn("w:numId"), "")] = (abstract_id if not node.findall(qn("w:lvlOverride"))
                                                        else f"{abstract_id}/{node.get(qn('w:numId'))}", levels)

    def label(self, paragraph: Any) -> str | None:
        """The number Word draws before `paragraph` ("5.", "3.2", "(b)"), or None.
        A malformed numbering definition leaves the paragraph unnumbered: the
        number helps reading, it is never a reason to refuse a paper."""
        try:
            num_id, ilvl = self._numbering_of(paragraph)
        except (ValueError, TypeError, AttributeError):
            return None
        if num_id is None or num_id == "0" or num_id not in self._lists:
            return None
        key, levels = self._lists[num_id]
        level = levels.get(ilvl)
        if level is None or level.fmt not in _COUNTED:
            return None
        counters = self._counters.setdefault(key, {})
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [d for d in counters if d > ilvl]:
            del counters[deeper]
        text = level.text
        for depth in range(ilvl, -1, -1):
            shown = levels.get(depth)
            count = counters.get(depth, shown.start if shown else 1)
            text = text.replace(f"%{depth + 1}", format_number(count, shown.fmt if shown else "decimal"))
        return text.strip() or None

    @staticmethod
    def _numbering_of(paragraph: Any) -> tuple[str | None, int]:
        """The list id and level of a paragraph: its own, or its style's (and the style's parents')."""
        num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
        style = paragraph.style
        while num_pr is None and style is not None:
            ppr = style.element.pPr
            num_pr = ppr.numPr if ppr is not None else None
            style = style.base_style
        if num_pr is None:
            return None, 0
        num_id = num_pr.numId.val if num_pr.numId is not None else None
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        return (str(num_id) if num_id is not None else None), int(ilvl)
