"""An answer about a decision says how the matter ended: the outcome sentence of
the chosen sentence's item joins the answer (`qa_app/answerers/outcome.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, engine_over

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.types import Paragraph
from qa_app.answer_types import asks_outcome
from qa_app.answerers.compose import ScoredSentence
from qa_app.answerers.outcome import outcome_after
from qa_app.answerers.sentences import outcome_cue
from qa_app.engine import QAEngine
from qa_app.text import split_sentences
from qa_app.types import RetrievedParagraph

MINUTES = FIXTURES / "outcomes" / "marsh-end-minutes-2024-03-04.md"


@pytest.mark.parametrize(("sentence", "ends"), [
    ("There was no support for this proposal and it was not carried.", True),
    ("Resolved: that the council objects to the application.", True),
    ("RESOLVED: That the Council should request an extra-ordinary meeting.", True),
    ("5.2 Agreed that the Clerk writes to the highways authority.", True),
    ("It was agreed to purchase two replacement signs.", True),
    ("The application was refused.", True),
    ("Motion passed 5-0 .", True),
    ("4 Votes for 2 Votes against.", True),
    ("Carried.", True),
    ("The Committee RESOLVED that the report be noted.", True),
    ("Members voted to defer the item.", True),
    ("The motion was put to the vote and was lost.", True),
    ("She added that the response could be sent if agreed.", False),
    ("The repairs to the roof were carried out in February.", False),
    ("Cllr Bell proposed that the council pays the invoice, seconded by Cllr Dean.", False),
])
def test_outcome_cue(sentence: str, ends: bool) -> None:
    assert outcome_cue(sentence) is ends


def test_questions_about_how_a_matter_ended() -> None:
    assert asks_outcome("What happened to Cllr Mawdsley's proposal to prohibit overnight parking?")
    assert asks_outcome("What did the council resolve about the planning application?")
    assert asks_outcome("What was the outcome of the motion on parking?")
    assert not asks_outcome("When were the roof repairs carried out?")
    assert not asks_outcome("How much did the council agree to pay for the roof?")
    assert not asks_outcome("Who proposed the motion on parking?")


def _paragraph(number: int, text: str, item: str | None, kind: str = "text") -> Paragraph:
    return Paragraph(id=f"p{number}", doc_id="d", number=number, text=text, start=0, end=len(text), kind=kind,
                     item=item)


def _first(window: tuple[Paragraph, ...], at: int, sentence: int = 0) -> ScoredSentence:
    result = RetrievedParagraph(paragraph=window[at], title="Minutes", doc_type="minutes", date="2024-03-04",
                                path="minutes.md", score=1.0, window=window)
    return ScoredSentence(result, 0, split_sentences(window[at].text)[sentence], 0.9)


def test_the_outcome_comes_from_the_same_item_with_its_motion_line() -> None:
    window = (
        _paragraph(1, "7. Village hall roof", "7. Village hall roof", kind="heading"),
        _paragraph(2, "The Clerk reported that the roof repairs were carried out in February.", "7. Village hall roof"),
        _paragraph(3, "Cllr Bell proposed that the council pays the invoice, seconded by Cllr Dean.",
                   "7. Village hall roof"),
        _paragraph(4, "6 votes for, 1 against.", "7. Village hall roof"),
        _paragraph(5, "Resolved: that the next meeting be on 8 April.", "8. Next meeting"),
    )
    found = outcome_after(_first(window, 1))
    assert [s.span.text for s in found] == [window[2].text, window[3].text]
    assert [s.source.paragraph.id for s in found] == ["p3", "p4"], "each cites the paragraph holding its words"
    assert all(s.source.path == "minutes.md" and s.source.window == () for s in found)


def test_no_outcome_is_borrowed_from_the_next_item_or_added_when_the_sentence_has_one() -> None:
    window = (
        _paragraph(1, "The Chair presented a draft response. She would send it if agreed.", "6. Mill Lane"),
        _paragraph(2, "8. Next meeting", "8. Next meeting", kind="heading"),
        _paragraph(3, "Resolved: that the next meeting be on 8 April.", "8. Next meeting"),
    )
    assert outcome_after(_first(window, 0)) == []
    decided = (_paragraph(1, "It was agreed to buy two signs. The Clerk will order them.", "4. Signs"),
               _paragraph(2, "Resolved: that the Clerk orders posts.", "4. Signs"))
    assert outcome_after(_first(decided, 0)) == []


def test_a_later_sentence_of_the_same_paragraph_counts() -> None:
    window = (_paragraph(1, "Cllr Ashdown proposed a ban on overnight parking. There was no support for this "
                            "proposal and it was not carried.", None),)
    found = outcome_after(_first(window, 0))
    assert [s.span.text for s in found] == ["There was no support for this proposal and it was not carried."]
    assert found[0].source.paragraph.id == "p1"


@pytest.fixture(scope="module")
def engine(
    tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder, settings: Settings
) -> Iterator[QAEngine]:
    yield from engine_over([MINUTES], tmp_path_factory.mktemp("outcomes"), embedder, settings)


@pytest.mark.parametrize(("question", "outcome"), [
    ("What happened to Cllr Ashdown's proposal to prohibit overnight parking of camper vans and caravans on the "
     "recreation ground?", "There was no support for this proposal and it was not carried."),
    ("What did Marsh End Parish Council resolve about the Mill Lane planning application?",
     "Resolved: that the council objects to the application on drainage and access grounds."),
])
def test_an_answer_about_a_decision_says_how_it_ended(engine: QAEngine, question: str, outcome: str) -> None:
    answer = engine.ask(question)
    assert not answer.abstained, answer.answer
    assert outcome in answer.answer, answer.answer
    cited = next(c for c in answer.citations if c.quote == outcome)
    assert cited.source.paragraph.text == outcome and Path(cited.source.path).name == MINUTES.name
    for c in answer.citations:
        assert c.source.paragraph.text[c.quote_start : c.quote_end] == c.quote


def test_other_questions_get_no_outcome(engine: QAEngine) -> None:
    answer = engine.ask("When were the repairs to the village hall roof carried out?")
    assert not answer.abstained and "February" in answer.answer
    assert "votes for" not in answer.answer
