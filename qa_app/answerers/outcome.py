"""The outcome that completes an answer about a decision.

Minutes put a proposal and its fate in separate sentences, often separate
paragraphs of one item: "Cllr X proposed that …" then "There was no support for
this proposal and it was not carried." A question about what was decided, or
what happened to a proposal, is matched best by the sentence that restates the
proposal, which does not say how it ended. When the chosen sentence carries no
outcome, the first later sentence of the same item that does joins the answer,
with the motion line just before it, each cited to its own paragraph.
"""

from __future__ import annotations

from collections.abc import Iterator

from ingest.types import Paragraph
from qa_app.answerers.compose import ScoredSentence
from qa_app.answerers.sentences import injected_spans, is_heading, mover_cue, outcome_cue
from qa_app.text import Span, split_sentences
from qa_app.windows import as_source


def outcome_after(first: ScoredSentence) -> list[ScoredSentence]:
    """The sentences that say how `first`'s matter ended: the first later
    sentence of its item with an outcome (`outcome_cue`), preceded by the motion
    line right before it when there is one; none when `first` says the outcome
    itself or its item holds none. The item is `first`'s paragraph and the
    following paragraphs of the result's window under the same item heading, up
    to the next heading."""
    if outcome_cue(first.span.text):
        return []
    previous: tuple[Paragraph, Span] | None = None
    for paragraph, span in _rest_of_item(first):
        if outcome_cue(span.text):
            found = [(paragraph, span)]
            if previous is not None and mover_cue(previous[1].text):
                found.insert(0, previous)
            return [ScoredSentence(as_source(first.source, p), first.rank, s, first.score) for p, s in found]
        previous = (paragraph, span)
    return []


def _rest_of_item(first: ScoredSentence) -> Iterator[tuple[Paragraph, Span]]:
    """The trusted sentences after `first` within its item, in paper order."""
    source = first.source
    window = source.window or (source.paragraph,)
    at = next((i for i, p in enumerate(window) if p.id == source.paragraph.id), None)
    if at is None:
        return
    for paragraph in window[at:]:
        same = paragraph.id == source.paragraph.id
        if not same and (paragraph.kind == "heading" or paragraph.item != source.paragraph.item):
            return
        untrusted = injected_spans(paragraph.text)
        for span in split_sentences(paragraph.text):
            if same and span.start < first.span.end:
                continue
            if is_heading(span.text, paragraph.kind, paragraph.heading):
                if same:
                    continue
                return
            if not any(s <= span.start < e for s, e in untrusted):
                yield paragraph, span
