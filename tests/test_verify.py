"""Citation verification on crafted sentences: it must keep what the cited
paragraph says and drop everything else, so each rule is shown failing."""

from __future__ import annotations

import pytest
from factories import retrieved_paragraphs

from ingest.errors import ConfigError
from qa_app.answerers.verify import CitationVerifier, is_abstention, numbers_in, sentence_spans, split_answer
from qa_app.types import RetrievedParagraph

ALLOCATION = (
    "6. Council also welcomes the allocation of £2m to enable immediate changes in children's services to happen "
    "at pace, including recruitment of a new Head of Service and other key posts, improvements in training, "
    "improved accountability and, ultimately, improved performance and outcomes for young people."
)
RECOMMENDATIONS = (
    "1. Council accepts OFSTED's report on services for children in need of help and protection, children looked "
    "after and care leavers, and the 19 recommendations for improvement. The details will be proposed to an "
    "Improvement Board comprising key stakeholders including an independent chair."
)
PROPOSER = "Proposed: Councillor Phil Davies"


def retrieved(*texts: str) -> list[RetrievedParagraph]:
    return retrieved_paragraphs(*texts, title="Motion on the Ofsted inspection report", doc_id="doc")


PARAGRAPHS = [ALLOCATION, RECOMMENDATIONS, PROPOSER]


def verdict(sentence: str) -> tuple[bool, str]:
    (only,) = split_answer(sentence)
    result = CitationVerifier().check(only, PARAGRAPHS)
    return result.supported, result.reason


def test_paraphrase_with_the_papers_words_is_supported() -> None:
    assert verdict("The council allocated £2m to enable immediate changes in children's services [1].") == (
        True, "overlap")


def test_verbatim_words_are_supported() -> None:
    assert verdict("Council accepts OFSTED's report on services for children in need of help [2].") == (
        True, "verbatim")


def test_unsupported_claim_is_dropped() -> None:
    supported, reason = verdict("Ofsted praised the social workers for their outstanding work [2].")
    assert not supported
    assert "content words" in reason


def test_wrong_citation_number_is_dropped() -> None:
    supported, reason = verdict("The council allocated £2m to enable immediate changes in children's services [3].")
    assert not supported
    assert "[3]" in reason


def test_number_missing_from_paragraph_is_dropped() -> None:
    supported, reason = verdict("The council allocated £5m to enable immediate changes in children's services [1].")
    assert not supported
    assert reason == "number 5 not in [1]"


def test_sentence_without_citation_is_dropped() -> None:
    assert verdict("The council allocated £2m to enable immediate changes in children's services.") == (
        False, "no citation")


def test_citation_to_a_paragraph_that_does_not_exist_is_dropped() -> None:
    supported, reason = verdict("Council accepts OFSTED's report [7].")
    assert not supported
    assert reason == "cites [7] but only [1]..[3] exist"


def test_added_negation_is_dropped() -> None:
    supported, reason = verdict("Council does not accept OFSTED's report on services for children [2].")
    assert not supported
    assert reason == "negation not in [2]"


def test_claim_too_short_to_check_is_dropped() -> None:
    assert not verdict("Yes [1].")[0]


def test_one_supporting_marker_keeps_the_sentence_and_only_that_marker() -> None:
    ret = retrieved(*PARAGRAPHS)
    result = CitationVerifier().verify("Councillor Phil Davies proposed it [1][3].", ret)
    assert result.text == "Councillor Phil Davies proposed it [1]."
    assert [c.source for c in result.citations] == [ret[2]]


def test_verify_renumbers_compactly_and_quotes_verbatim() -> None:
    ret = retrieved(*PARAGRAPHS)
    draft = (
        "The motion was proposed by Councillor Phil Davies. [3] Ofsted praised the social workers [2]. "
        "OFSTED made 19 recommendations for improvement [2]. The council allocated £5m [1]."
    )
    result = CitationVerifier().verify(draft, ret)
    assert result.text == (
        "The motion was proposed by Councillor Phil Davies [1]. OFSTED made 19 recommendations for improvement [2]."
    )
    assert [v.supported for v in result.verdicts] == [True, False, True, False]
    assert [(c.n, c.source) for c in result.citations] == [(1, ret[2]), (2, ret[1])]
    for citation in result.citations:
        text = citation.source.paragraph.text
        assert citation.quote == text[citation.quote_start:citation.quote_end]
    # the quote is the paragraph sentence that carries the claim, not the whole paragraph
    assert result.citations[1].quote == (
        "1. Council accepts OFSTED's report on services for children in need of help and protection, children "
        "looked after and care leavers, and the 19 recommendations for improvement."
    )


def test_nothing_supported_gives_no_text_and_no_citations() -> None:
    result = CitationVerifier().verify("Wirral won an award for its parks [1]. It rained [2].", retrieved(*PARAGRAPHS))
    assert (result.text, result.citations, len(result.dropped)) == ("", [], 2)


def test_split_answer_handles_marker_placement_and_lines() -> None:
    sentences = split_answer("Answer: First claim here [1]. Second claim. [2, 3] Third claim [4]\n- Fourth [5]")
    assert [(s.claim, s.cited) for s in sentences] == [
        ("First claim here.", (1,)), ("Second claim.", (2, 3)), ("Third claim", (4,)), ("Fourth", (5,)),
    ]


def test_sentence_spans_keep_list_numbers_and_abbreviations() -> None:
    text = "1. Council accepts the report. Cllr. Smith seconded it."
    expected = ["1. Council accepts the report.", "Cllr. Smith seconded it."]
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


def test_numbers_are_normalised() -> None:
    assert numbers_in("£2m, 2,000 homes and 1.50 per cent in 2016") == {"2", "2000", "1.5", "2016"}


def test_abstention_is_recognised_only_without_citations() -> None:
    assert is_abstention("The papers do not answer this.")
    assert is_abstention("I'm sorry, the paragraphs don't mention the budget.")
    assert not is_abstention("The papers do not answer this [1].")
    assert not is_abstention("The council allocated £2m.")


def test_thresholds_are_validated() -> None:
    with pytest.raises(ConfigError, match="min_overlap must be in \\(0, 1\\]; got 1.5"):
        CitationVerifier(min_overlap=1.5)
    with pytest.raises(ConfigError, match="min_terms must be at least 1; got 0"):
        CitationVerifier(min_terms=0)


def test_a_stricter_threshold_drops_a_paraphrase() -> None:
    (sentence,) = split_answer("OFSTED made 19 recommendations for improvement [1].")
    assert CitationVerifier(min_overlap=0.75).check(sentence, [RECOMMENDATIONS]).supported
    assert not CitationVerifier(min_overlap=0.9).check(sentence, [RECOMMENDATIONS]).supported
