"""The paragraphs around a cited one, for reading a quote in context.

A citation is paragraph-exact, but a councillor checking it wants the whole
minute item: the motion, who proposed and seconded it, the vote. A paragraph
inside an item is shown with every paragraph of that item; one outside any item
with its neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.types import Paragraph

NEIGHBOURS = 2
"""Paragraphs either side of a cited paragraph that belongs to no item."""

MAX_ITEM_PARAGRAPHS = 12
"""An item longer than this is cut to the paragraphs nearest the cited one."""


def surrounding(paragraphs: Sequence[Paragraph], cited: Paragraph) -> list[Paragraph]:
    """The cited paragraph's item (or neighbours), in paper order, itself included."""
    ordered = sorted(paragraphs, key=lambda p: p.number)
    at = next((i for i, p in enumerate(ordered) if p.id == cited.id), None)
    if at is None:
        return [cited]
    if cited.item:
        lo = at
        while lo > 0 and ordered[lo - 1].item == cited.item:
            lo -= 1
        hi = at
        while hi + 1 < len(ordered) and ordered[hi + 1].item == cited.item:
            hi += 1
        half = MAX_ITEM_PARAGRAPHS // 2
        lo, hi = max(lo, at - half), min(hi, at + half)
        return list(ordered[lo:hi + 1])
    return list(ordered[max(0, at - NEIGHBOURS):at + NEIGHBOURS + 1])
