"""Rule-based follow-up resolution (no model needed)."""

from __future__ import annotations

import pytest

from qa_app.conversation import RuleBasedResolver, main_noun_phrase, resolve_followup
from qa_app.types import Turn

RESOURCES = "By how much would Council be recommended to increase resources next year?"


def test_without_history_the_question_is_unchanged() -> None:
    assert resolve_followup("And the year after?", []) == "And the year after?"


def test_standalone_question_is_not_rewritten_after_history() -> None:
    question = "How much money did the council allocate to children's services?"
    assert resolve_followup(question, [Turn(RESOURCES, "£3.5m [1]")]) == question


def test_year_after_replaces_the_time_expression() -> None:
    resolved = resolve_followup("And the year after?", [Turn(RESOURCES)])
    assert resolved == "By how much would Council be recommended to increase resources the year after?"


def test_chained_follow_ups_resolve_through_history() -> None:
    history = [Turn(RESOURCES), Turn("And the year after?")]
    resolved = resolve_followup("What about next year?", history)
    assert resolved == RESOURCES


def test_a_year_replaces_a_year_and_keeps_its_preposition() -> None:
    resolved = resolve_followup("And in 2019?", [Turn("What rating did Ofsted give in 2016?")])
    assert resolved == "What rating did Ofsted give in 2019?"
    assert resolve_followup("What about 2019?", [Turn("What rating did Ofsted give in 2016?")]) == resolved


def test_what_about_a_body_swaps_the_body() -> None:
    previous = "How many recommendations for improvement did Ofsted make for the council?"
    resolved = resolve_followup("What about the Cabinet?", [Turn(previous)])
    assert resolved == "How many recommendations for improvement did Ofsted make for the Cabinet?"


def test_what_about_something_else_asks_the_previous_question_about_it() -> None:
    previous = "What did Ofsted find about care leavers?"
    resolved = resolve_followup("What about fostering?", [Turn(previous)])
    assert resolved.startswith("What did Ofsted find about care leavers")
    assert "fostering" in resolved


def test_it_becomes_the_previous_subject() -> None:
    previous = "Who proposed the motion on the Ofsted inspection report at the extraordinary council meeting?"
    resolved = resolve_followup("Who seconded it?", [Turn(previous, "Proposed: Councillor Phil Davies [1]")])
    assert resolved == "Who seconded the motion on the Ofsted inspection report at the extraordinary council meeting?"


def test_he_becomes_the_person_the_previous_answer_named() -> None:
    history = [Turn("Who is the Cabinet member for Children, Families and Education?",
                    "Cabinet member for Children, Families and Education, Cllr Tom Usher, said: … [1]")]
    assert resolve_followup("What did he say?", history) == "What did Tom Usher say?"
    assert resolve_followup("What is his role?", history) == "What is Tom Usher's role?"


def test_pronoun_without_antecedent_is_left_alone() -> None:
    assert resolve_followup("What did she say?", [Turn("How many themes were there?", "Eight [1]")]) == (
        "What did she say?"
    )


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("How much money did the council allocate to enable changes?", "the council"),
        ("Who proposed the motion on the report?", "the motion on the report"),
        ("Was the report published?", "the report"),
        ("How many themes were there?", None),
    ],
)
def test_main_noun_phrase(question: str, phrase: str | None) -> None:
    assert main_noun_phrase(question) == phrase


def test_resolver_protocol_object_uses_the_rules() -> None:
    assert RuleBasedResolver().resolve("And the year after?", [Turn(RESOURCES)]).endswith("the year after?")
