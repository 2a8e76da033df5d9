"""Figures beyond the overall summary: the metrics per question kind, and
passage recall when both systems return the same number of characters."""

from __future__ import annotations

from collections.abc import Sequence

from qa_app.eval.metrics import (
    Hit,
    QuestionResult,
    abstained_with_evidence,
    abstention_rate,
    answer_accuracy,
    citation_paper,
    false_abstention,
    gold_recall_at,
    recall_at,
)
from qa_app.types import RetrievedParagraph
from qa_app.windows import reading_order

UNANSWERABLE = "unanswerable"
KINDS = ("who", "what-decided", "how-much", "when", "vote", "other", UNANSWERABLE)
"""The kinds of the real-paper question set, in report order."""


def kind_of(result: QuestionResult) -> str:
    """An unanswerable question is its own kind whatever it asks; an answerable
    one without a kind counts as `other`."""
    if not result.answerable:
        return UNANSWERABLE
    return result.kind or "other"


def by_kind(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | int | None]]:
    """Accuracy, abstention, false abstention, citation to the right paper and
    evidence in the top 5, for each kind present (known kinds first)."""
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        groups.setdefault(kind_of(r), []).append(r)
    order = [k for k in KINDS if k in groups] + sorted(k for k in groups if k not in KINDS)
    return {
        kind: {
            "questions": len(groups[kind]),
            "accuracy": answer_accuracy(groups[kind]),
            "abstention": abstention_rate(groups[kind]),
            "false_abstention": false_abstention(groups[kind]),
            "citation_paper": citation_paper(groups[kind]),
            "recall@5": recall_at(groups[kind], 5),
            "abstained_evidence_shown": abstained_with_evidence(groups[kind]),
        }
        for kind in order
    }


def shown_hits(retrieved: list[RetrievedParagraph]) -> list[Hit]:
    """Hits in rank order; a paragraph with a window shows what
    `reading_order` reads with it: itself, then its neighbours nearest first,
    leaving out what an earlier hit already showed."""
    read: dict[int, list[tuple[str, int]]] = {}
    for n, paragraph in reading_order(retrieved):
        read.setdefault(n, []).append((paragraph.id, len(paragraph.text)))
    hits: list[Hit] = []
    for n, r in enumerate(retrieved):
        if not r.window:
            hits.append(Hit(r.paragraph.id, r.paragraph.text, paper=r.path))
            continue
        shown = tuple(read.get(n, ())) or ((r.paragraph.id, 0),)  # all of it shown already: nothing more to read
        hits.append(Hit(r.paragraph.id, r.paragraph.text, paper=r.path, shown=shown))
    return hits


def chars_returned(hits: Sequence[Hit]) -> int:
    return sum(h.shown_chars() for h in hits)


def within_budget(hits: Sequence[Hit], budget: int) -> list[Hit]:
    """The leading hits whose texts fit in `budget` characters; the hit that
    crosses the budget is kept cut to fit, so no system gets more to read. A
    hit with a window counts the paragraphs it shows, in order, up to the
    budget (one that starts before the budget runs out counts, as a chunk
    overlapping a paragraph does)."""
    kept: list[Hit] = []
    used = 0
    for hit in hits:
        if used >= budget:
            break
        if hit.shown:
            shown = []
            for pid, chars in hit.shown:
                if used >= budget:
                    break
                shown.append((pid, chars))
                used += chars
            kept.append(Hit(hit.id, hit.text, frozenset(pid for pid, _ in shown), hit.paper, tuple(shown)))
            continue
        room = budget - used
        kept.append(hit if len(hit.text) <= room else Hit(hit.id, hit.text[:room], hit.ids, hit.paper))
        used += min(len(hit.text), room)
    return kept


def gold_recall_equal_chars(
    results: Sequence[QuestionResult], budgets: Sequence[int], k: int
) -> float | None:
    """`gold_recall_at(k)` with each question's retrieved list cut to its
    character budget (what the other system returned for that question). A
    windowed hit counts every paragraph it shows within the budget."""
    cut = [
        QuestionResult(id=r.id, question=r.question, answerable=r.answerable, gold_ids=r.gold_ids,
                       retrieved=within_budget(r.retrieved, budget))
        for r, budget in zip(results, budgets, strict=True)
    ]
    return gold_recall_at(cut, k)
