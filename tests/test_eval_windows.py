"""What a windowed result shows, and how the character budget and gold-turn
recall count it."""

from __future__ import annotations

from dataclasses import replace

from ingest.types import Paragraph
from qa_app.eval import breakdown as b
from qa_app.eval import metrics as m
from qa_app.types import RetrievedParagraph
from tests.factories import retrieved


def _para(n: int, chars: int = 100) -> Paragraph:
    return Paragraph(id=f"p{n}", doc_id="d", number=n, text="x" * chars, start=0, end=chars)


def _with_window(n: int, lo: int, hi: int) -> RetrievedParagraph:
    r = retrieved("x" * 100, number=n, doc="d", paragraph_id=f"p{n}")
    return replace(r, window=tuple(_para(i) for i in range(lo, hi + 1)))


def test_a_window_shows_itself_first_then_its_nearest_new_neighbours() -> None:
    first, second = _with_window(3, 1, 5), _with_window(6, 4, 8)
    hits = b.shown_hits([first, second])
    assert [pid for pid, _ in hits[0].shown] == ["p3", "p2", "p4", "p1", "p5"]
    assert [pid for pid, _ in hits[1].shown] == ["p6", "p7", "p8"]  # p4 and p5 were shown already
    assert b.chars_returned(hits) == 800
    again = b.shown_hits([first, _with_window(4, 3, 5)])
    assert again[1].shown == (("p4", 0),) and b.chars_returned(again) == 500


def test_a_result_without_a_window_is_its_paragraph() -> None:
    (hit,) = b.shown_hits([retrieved("abc", paragraph_id="q1")])
    assert (hit.id, hit.shown, b.chars_returned([hit])) == ("q1", (), 3)


def test_the_budget_counts_only_the_window_paragraphs_it_reaches() -> None:
    hits = b.shown_hits([_with_window(3, 1, 5)])
    gold = {"p1", "p5"}
    r = m.QuestionResult(id="q", question="?", answerable=True, gold_ids=gold, retrieved=hits)
    assert b.gold_recall_equal_chars([r], [500], 10) == 1.0
    assert b.gold_recall_equal_chars([r], [301], 10) == 0.5  # p1 starts inside the budget, p5 does not
    assert b.gold_recall_equal_chars([r], [300], 10) == 0.0


def test_gold_recall_never_exceeds_one() -> None:
    wide = m.Hit("c", "x", frozenset(f"g{i}" for i in range(20)))
    r = m.QuestionResult(id="q", question="?", answerable=True, gold_ids={f"g{i}" for i in range(20)},
                         retrieved=[wide, m.Hit("g0", "y")])
    assert m.gold_recall_at([r], 10) == 1.0
    small = replace(r, gold_ids={"g1", "g2", "zz"})
    assert m.gold_recall_at([small], 10) == 2 / 3
