"""Which paragraphs are shown around a cited one (`qa_app.context`)."""

from __future__ import annotations

from ingest.types import Paragraph
from qa_app.context import MAX_ITEM_PARAGRAPHS, NEIGHBOURS, surrounding


def _paper(items: list[str | None]) -> list[Paragraph]:
    return [Paragraph(f"d#{n}", "d", n, f"text {n}", 0, 6, item=item) for n, item in enumerate(items, start=1)]


def test_a_paragraph_in_an_item_comes_with_the_whole_item_only() -> None:
    paper = _paper([None, "4. Precept", "4. Precept", "4. Precept", "5. Benches", "5. Benches"])
    assert [p.number for p in surrounding(paper, paper[2])] == [2, 3, 4]
    assert [p.number for p in surrounding(list(reversed(paper)), paper[4])] == [5, 6], "paper order, not input order"


def test_a_paragraph_outside_items_comes_with_its_neighbours() -> None:
    paper = _paper([None] * 8)
    assert [p.number for p in surrounding(paper, paper[4])] == list(range(5 - NEIGHBOURS, 5 + NEIGHBOURS + 1))
    assert [p.number for p in surrounding(paper, paper[0])] == [1, 2, 3]


def test_a_long_item_is_cut_around_the_cited_paragraph() -> None:
    paper = _paper(["7. Reports"] * 40)
    shown = surrounding(paper, paper[20])
    assert paper[20] in shown and len(shown) <= MAX_ITEM_PARAGRAPHS + 1
    assert surrounding(paper[:3], Paragraph("x#9", "x", 9, "gone", 0, 4)) == [Paragraph("x#9", "x", 9, "gone", 0, 4)]
